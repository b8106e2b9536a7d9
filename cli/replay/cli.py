"""The `replay` and `simulate` subcommands (argparse lives in cli/main.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _load(args: argparse.Namespace) -> tuple[Any, Any] | None:
    from config.loader import ConfigError, load_config

    try:
        config = load_config(Path(args.config))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None
    try:
        account = config.account(args.account) if args.account else config.accounts[0]
    except KeyError:
        print(f"error: {args.config}: no account named {args.account!r}", file=sys.stderr)
        return None
    return config, account


def run_replay(args: argparse.Namespace) -> int:
    from cli.replay import runner

    loaded = _load(args)
    if loaded is None:
        return 1
    config, account = loaded
    since = runner.parse_time(args.since) if args.since else None
    until = runner.parse_time(args.until) if args.until else None
    try:
        result = runner.replay(config, account, args.logs, since, until, progress=not args.no_progress)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = sys.stdout
    print(
        f"account {account.name} ({account.environment}), {runner.iso(result.start_ms)} + "
        f"{result.minutes:,} min",
        file=out,
    )
    runner.print_cost_table(result, out)
    runner.print_timeline(result, out)
    summary = None
    if args.drifts:
        summary = runner.drift_report(result, json.loads(Path(args.drifts).read_text()), out)
    if args.report:
        from cli.replay.report import write_report

        path = write_report(result, Path(args.report), summary)
        print(f"\nreport: {path}", file=out)
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    from cli.replay.simulate import drift_sidecar_path, simulate

    loaded = _load(args)
    if loaded is None:
        return 1
    config, account = loaded
    out = Path(args.out)
    plan = simulate(config, account, args.days, args.seed, out, scale=args.scale)
    print(
        f"{out}: {plan.records:,} records, {args.days} days from {plan.start}; drifts in "
        f"{drift_sidecar_path(out)}"
    )
    for d in plan.drifts:
        print(f"  {d.start}  {d.kind:<14} {d.feature:<16} {d.detail}")
    return 0
