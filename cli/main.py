"""`genai-guardrails`: validate a config (more subcommands arrive with replay and prices)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _validate(args: argparse.Namespace) -> int:
    from config.loader import ConfigError, ConfigRuleError, load_config
    from stacks.budgets import check_billing_guardrails

    try:
        config = load_config(args.file)
        check_billing_guardrails(config)  # the synth-time limits (tag policy, SCP, budgets, ...), no synth
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ConfigRuleError as exc:
        print(f"error: {args.file}: {exc}", file=sys.stderr)
        return 1
    features = sum(len(a.features) for a in config.accounts)
    print(f"{args.file}: valid ({len(config.accounts)} accounts, {features} features)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genai-guardrails", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check a config file without synthesizing")
    validate.add_argument("file")
    validate.set_defaults(run=_validate)
    from cli.prices import add_prices_parser

    add_prices_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
