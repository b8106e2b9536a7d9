"""The `replay` and `simulate` subcommands (argparse lives in cli/main.py)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def load_account(args: argparse.Namespace) -> tuple[Any, Any] | None:
    """The validated config and the account `--account` names (the first by default); None after saying
    what is wrong."""
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


def read_inputs(args: argparse.Namespace, account: Any) -> tuple[int | None, int | None, Any] | None:
    """--since/--until in epoch ms and the Athena target (None: LOGS are read); None after saying what is
    wrong with them."""
    from cli.replay import runner
    from cli.replay.athena_source import AthenaTarget

    try:
        since = runner.parse_time(args.since) if args.since else None
        until = runner.parse_time(args.until) if args.until else None
    except ValueError as exc:
        print(f"error: --since/--until: {exc} (ISO 8601, e.g. 2026-11-02T14:00)", file=sys.stderr)
        return None
    if args.athena:
        if args.logs:
            print("error: --athena reads the Glue table; give no LOGS", file=sys.stderr)
            return None
        return (
            since,
            until,
            AthenaTarget(args.athena, args.athena_database, args.athena_table, account.region),
        )
    if not args.logs:
        print("error: give LOGS (files, directories, s3:// URLs) or --athena WORKGROUP", file=sys.stderr)
        return None
    return since, until, None


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the aggregation runs: DuckDB (default), the Lambda's Python code, or Athena."""
    from cli.replay.athena_source import DEFAULT_DATABASE, DEFAULT_TABLE

    parser.add_argument(
        "--engine",
        choices=("duckdb", "python"),
        default="duckdb",
        help="duckdb (default): SQL aggregation, then the Lambda's pricing; python: every record through "
        "the metering Lambda's Meter",
    )
    parser.add_argument(
        "--athena",
        metavar="WORKGROUP",
        help="aggregate the S3 invocation logs with Athena in this workgroup (the invocation_log_analytics "
        "table; no LOGS argument)",
    )
    parser.add_argument("--athena-database", default=DEFAULT_DATABASE, metavar="NAME")
    parser.add_argument("--athena-table", default=DEFAULT_TABLE, metavar="NAME")


def run_replay(args: argparse.Namespace) -> int:
    from analytics.sql import UnsupportedRule
    from cli.replay import runner
    from cli.replay.athena_source import AthenaError
    from cli.replay.duckdb_source import SourceError

    loaded = load_account(args)
    if loaded is None:
        return 1
    config, account = loaded
    inputs = read_inputs(args, account)
    if inputs is None:
        return 1
    since, until, athena = inputs
    try:
        result = runner.replay(
            config,
            account,
            args.logs,
            since,
            until,
            progress=not args.no_progress,
            engine=args.engine,
            athena=athena,
        )
    except (FileNotFoundError, SourceError, AthenaError, UnsupportedRule, runner.ReplayInputError) as exc:
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
    plan = None
    if args.drifts:
        plan = json.loads(Path(args.drifts).read_text())
        runner.drift_report(result, plan, out)
    if args.report:
        from cli.replay.report import write_report

        path = write_report(result, Path(args.report), plan)
        print(f"\nreport: {path}", file=out)
    return 0


def parse_volumes(values: list[str], features: list[str]) -> dict[str, float]:
    """`--volume 3` (every feature) and `--volume kb-search=0.5`; a clear error otherwise."""
    out: dict[str, float] = {}
    for value in values:
        name, _, rate = value.rpartition("=")
        try:
            volume = float(rate)
        except ValueError:
            raise ValueError(
                f"--volume {value!r}: expected CALLS_PER_MINUTE or FEATURE=CALLS_PER_MINUTE"
            ) from None
        if not 0 < volume <= 100_000:
            raise ValueError(f"--volume {value!r}: calls per minute must be in (0, 100000]")
        if name and name not in features:
            raise ValueError(
                f"--volume {value!r}: no feature {name!r} in the account ({', '.join(features)})"
            )
        for feature in [name] if name else features:
            out[feature] = volume
    return out


def run_simulate(args: argparse.Namespace) -> int:
    from cli.replay.simulate import drift_sidecar_path, simulate

    loaded = load_account(args)
    if loaded is None:
        return 1
    config, account = loaded
    try:
        volumes = parse_volumes(args.volume, [f.name for f in account.features])
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    out = Path(args.out)
    plan = simulate(
        config, account, args.days, args.seed, out, volumes=volumes, progress=not args.no_progress
    )
    print(
        f"{out}: {plan.records:,} records, {args.days} days from {plan.start}; drifts in "
        f"{drift_sidecar_path(out)}"
    )
    for name, volume in plan.volumes.items():
        print(f"  {name:<16} {plan.shapes[name]:<10} {volume:g} calls/min (weekday average)")
    for d in plan.drifts:
        print(f"  {d.start}  {d.kind:<14} {d.feature:<16} {d.detail}")
    return 0
