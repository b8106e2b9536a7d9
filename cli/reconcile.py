"""`genai-guardrails reconcile`: the daily reconciliation of the estimate with the bill, from a workstation.

    genai-guardrails reconcile [--config config/example.yaml] [--account prod] [--day 2026-11-29]

Asks Cost Explorer and the account's CloudWatch what the scheduled reconcile Lambda asks (lambdas/reconcile)
for one day (default: yesterday, UTC) and the month up to it, and prints per model: billed, metered,
estimate error, and for a model off by more than `pricing.reconcile_tolerance_percent` the usage types that
differ. It publishes nothing and notifies no one. Exit status 0, or 3 when a model is off the bill.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

NO_CREDENTIALS = (
    "no AWS credentials found: `reconcile` reads Cost Explorer (ce:GetCostAndUsage) and CloudWatch "
    "(cloudwatch:GetMetricData, ListMetrics) of the account. Set AWS_PROFILE or run `aws sso login`."
)
OFF_BILL_EXIT = 3

ClientFactory = Callable[[str, str], Any]


def _client(service: str, region: str) -> Any:
    import boto3

    session = boto3.Session()
    if session.get_credentials() is None:
        raise _NoCredentials
    return session.client(service, region_name=region)


class _NoCredentials(Exception):
    pass


def run_reconcile(args: argparse.Namespace, client: ClientFactory = _client) -> int:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    from config.loader import ConfigError, load_config
    from core.contract import NAMESPACE
    from lambdas.reconcile.bill import describe
    from lambdas.reconcile.handler import COST_EXPLORER_REGION
    from lambdas.reconcile.service import Settings, reconcile_periods

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    try:
        account = config.account(args.account) if args.account else config.accounts[0]
    except KeyError:
        names = ", ".join(a.name for a in config.accounts)
        print(f"error: no account {args.account!r} in {args.config}; accounts: {names}", file=sys.stderr)
        return 1
    try:
        day = date.fromisoformat(args.day) if args.day else datetime.now(UTC).date() - timedelta(days=1)
    except ValueError:
        print(f"error: --day {args.day!r} is not a date (YYYY-MM-DD)", file=sys.stderr)
        return 1
    settings = Settings(
        environment=account.environment,
        namespace=NAMESPACE,
        topic_arn=None,
        tolerance_percent=account.pricing.reconcile_tolerance_percent,
    )
    now = datetime.combine(day + timedelta(days=1), time(12), tzinfo=UTC)
    try:
        ce = client("ce", COST_EXPLORER_REGION)
        cloudwatch = client("cloudwatch", account.region)
        day_rec, month_rec, requests = reconcile_periods(ce, cloudwatch, settings, now)
    except (_NoCredentials, NoCredentialsError):
        print(f"error: {NO_CREDENTIALS}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        print(f"error: reading the bill or the metrics failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"account {account.name} ({account.environment}, {account.region}); {requests} Cost Explorer requests"
    )
    print("\n".join(describe(day_rec)))
    print("month so far:")
    print("\n".join(describe(month_rec)))
    return OFF_BILL_EXIT if day_rec.off_models else 0


def add_reconcile_parser(commands: Any) -> None:
    reconcile = commands.add_parser(
        "reconcile", help="compare a day's metered cost per model with the bill (Cost Explorer)"
    )
    reconcile.add_argument("--config", default="config/example.yaml")
    reconcile.add_argument("--account", help="account name in the config (default: the first)")
    reconcile.add_argument("--day", help="the day to reconcile, YYYY-MM-DD (default: yesterday, UTC)")
    reconcile.set_defaults(run=run_reconcile)
