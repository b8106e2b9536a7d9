#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth -c config=my.yaml`, or `python app.py [-c config=my.yaml]` alone with
the same default (`make synth CONFIG=...` runs the latter)."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent


def context_arguments(argv: list[str]) -> dict[str, str]:
    """`-c key=value` pairs, as the CDK CLI takes them (the CLI itself passes none to the app)."""
    context: dict[str, str] = {}
    args = iter(argv)
    for arg in args:
        pair = next(args, "") if arg in ("-c", "--context") else None
        if pair is None or "=" not in pair:
            raise SystemExit(f"usage: python app.py [-c key=value]... (got {arg!r})")
        key, value = pair.split("=", 1)
        context[key] = value
    return context


def main(argv: list[str] | None = None) -> int:
    from config.loader import ConfigError, load_config
    from stacks.app_builder import build_app, new_app, start_validation_engine  # slow import (aws_cdk)

    # Without the CLI, write the assembly where the CLI would.
    app = new_app(
        outdir=None if "CDK_OUTDIR" in os.environ else str(ROOT / "cdk.out"),
        context=context_arguments(sys.argv[1:] if argv is None else argv),
    )
    config_path = Path(str(app.node.try_get_context("config")))
    if not config_path.is_absolute() and not config_path.exists():
        config_path = ROOT / config_path
    try:
        # The config is pure Python (no jsii call): it loads in a thread while the main thread waits on
        # Node starting CDK's template validation engine (docs/performance.md, synth at organization size).
        with ThreadPoolExecutor(max_workers=1) as pool:
            loading = pool.submit(load_config, config_path)
            start_validation_engine(app)
            config = loading.result()
        stacks = build_app(app, config)
        app.synth()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        if "ValidationFailed" in str(exc):  # cdk-nag findings were printed above by the CDK
            print(
                "error: cdk-nag found unacknowledged issues (see cdk.out/validation-report.json)",
                file=sys.stderr,
            )
            return 1
        raise
    report_orphans(config_path, stacks)
    return 0


def _nested(stack: Any) -> bool:
    layout = getattr(stack, "layout", None)
    return bool(layout is not None and layout.split)


def report_orphans(config_path: Path, stacks: dict[str, Any]) -> None:
    """Record the app's stacks in the ledger beside the config; print the ones no longer in it."""
    from config.ledger import StackRecord, ledger_path, reconcile

    current = {
        name: StackRecord(
            name,
            str(stack.account),
            str(stack.region),
            bool(getattr(stack, "layout", None) and stack.layout.split),
        )
        for name, stack in stacks.items()
    }
    ledger = ledger_path(config_path)
    for message in reconcile(ledger, current).messages(ledger, config_path):
        print(message, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
