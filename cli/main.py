"""`genai-guardrails`: validate a config, replay invocation logs through the guardrails, simulate traffic,
tune detection from your own logs, price what a config deploys."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _validate(args: argparse.Namespace) -> int:
    from config.loader import ConfigError, load_config
    from config.model_checks import model_id_warnings

    try:
        config = load_config(args.file)  # the schema and every rule synth enforces, without CDK
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for warning in model_id_warnings(config):
        print(f"warning: {args.file}: {warning}", file=sys.stderr)  # worth knowing, not a reason to fail
    features = sum(len(a.features) for a in config.accounts)
    print(f"{args.file}: valid ({len(config.accounts)} accounts, {features} features)")
    return 0


def _forget_stack(args: argparse.Namespace) -> int:
    from pathlib import Path

    from config.ledger import forget, ledger_path

    ledger = ledger_path(Path(args.config))
    missing = forget(ledger, args.stacks)
    for name in missing:
        print(f"error: {ledger}: no stack {name} recorded", file=sys.stderr)
    return 1 if missing else 0


def _replay(args: argparse.Namespace) -> int:
    from cli.replay.cli import run_replay

    return run_replay(args)


def _simulate(args: argparse.Namespace) -> int:
    from cli.replay.cli import run_simulate

    return run_simulate(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="genai-guardrails", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check a config file without synthesizing")
    validate.add_argument("file")
    validate.set_defaults(run=_validate)
    forget_stack = commands.add_parser(
        "forget-stack", help="remove destroyed stacks from the config's stack ledger (no more orphan warning)"
    )
    forget_stack.add_argument("config", help="the config file or directory")
    forget_stack.add_argument("stacks", nargs="+")
    forget_stack.set_defaults(run=_forget_stack)
    replay = commands.add_parser("replay", help="replay Bedrock invocation logs through the guardrails")
    replay.add_argument(
        "logs",
        nargs="*",
        help="JSON Lines, .gz, S3 delivery dirs, s3://bucket/prefix, filter-log-events output",
    )
    replay.add_argument("--config", default="config/example.yaml")
    replay.add_argument("--account", help="account name in the config (default: the first)")
    replay.add_argument("--since", help="ISO 8601 start (UTC), by record timestamp")
    replay.add_argument("--until", help="ISO 8601 end (UTC, exclusive)")
    replay.add_argument("--report", metavar="DIR", help="also write an HTML report with charts to DIR")
    replay.add_argument("--drifts", metavar="FILE", help="simulate's sidecar: print detection time per drift")
    replay.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    from cli.replay.cli import add_engine_arguments

    add_engine_arguments(replay)
    replay.set_defaults(run=_replay)
    simulate = commands.add_parser("simulate", help="generate realistic invocation logs with injected drifts")
    simulate.add_argument("--config", default="config/example.yaml")
    simulate.add_argument("--account", help="account name in the config (default: the first)")
    simulate.add_argument("--days", type=int, default=7)
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument(
        "--volume",
        action="append",
        default=[],
        metavar="[FEATURE=]CALLS_PER_MINUTE",
        help="a feature's volume (calls per minute, weekday average); without FEATURE= every feature's "
        "(repeatable; default: each feature's shape's own volume)",
    )
    simulate.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    simulate.add_argument("--out", required=True, help="output JSON Lines file (.gz compresses)")
    simulate.set_defaults(run=_simulate)
    from cli.cost import add_cost_parser
    from cli.prices import add_prices_parser
    from cli.reconcile import add_reconcile_parser
    from cli.tune import add_tune_parser

    add_prices_parser(commands)
    add_reconcile_parser(commands)
    add_tune_parser(commands)
    add_cost_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
