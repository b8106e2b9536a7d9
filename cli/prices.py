"""`genai-guardrails prices update|diff`: refresh the price catalog from the AWS Price List, compare two.

    genai-guardrails prices update [--out FILE] [--region us-east-1 ...]
    genai-guardrails prices diff OLD NEW          # files, or the word `bundled`

`update` does what the scheduled refresh Lambda does (lambdas/price_refresh): GetProducts for the three
Bedrock service codes, build, merge over the bundled catalog; it prints the unmapped records and the
changes against the bundled catalog, and writes the merged catalog (default `price-catalog.json`). Upload
it to the account's catalog object for an immediate refresh, or copy the confirmed figures into
`lambdas/pricing/sources/table.py` to update the bundled catalog (docs/pricing.md, "Refreshing").
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lambdas.pricing.catalog import PriceCatalog
from lambdas.pricing.catalog_source import catalog_label
from lambdas.pricing.merge import merge_catalogs
from lambdas.pricing.price_list import (
    SERVICE_CODES,
    build_catalog,
    diff_catalogs,
    fetch_records,
    format_changes,
)

PRICE_LIST_ENDPOINT_REGION = "us-east-1"
DEFAULT_OUT = "price-catalog.json"
NO_CREDENTIALS = (
    "no AWS credentials found: `prices update` calls the AWS Price List API (pricing:GetProducts). "
    "Set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`; "
    "`prices diff` works offline."
)

ClientFactory = Callable[[], Any]


def _default_client_factory() -> Any:
    import boto3

    session = boto3.Session()
    if session.get_credentials() is None:
        raise _NoCredentials
    return session.client("pricing", region_name=PRICE_LIST_ENDPOINT_REGION)


class _NoCredentials(Exception):
    pass


def _load(name: str) -> dict[str, Any]:
    if name == "bundled":
        return PriceCatalog.load().to_dict()
    data = json.loads(Path(name).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{name} is not a JSON object")
    return data


def run_update(args: argparse.Namespace, client_factory: ClientFactory | None = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        client = (client_factory or _default_client_factory)()
    except (_NoCredentials, NoCredentialsError):
        print(f"error: {NO_CREDENTIALS}", file=sys.stderr)
        return 2
    as_of = args.as_of or datetime.now(UTC).date().isoformat()
    regions: list[str | None] = list(args.region) if args.region else [None]
    try:
        records = [r for region in regions for r in fetch_records(client, SERVICE_CODES, region_code=region)]
    except NoCredentialsError:
        print(f"error: {NO_CREDENTIALS}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        print(f"error: the AWS Price List API call failed: {exc}", file=sys.stderr)
        return 1
    where = ", ".join(r for r in regions if r) or "all Regions"
    source = f"AWS Price List GetProducts ({', '.join(SERVICE_CODES)}) for {where}, fetched {as_of}"
    result = build_catalog(records, as_of=as_of, source=source)
    print(
        f"{len(records)} records, {len(result.rows)} mapped, {len(result.unmapped)} unmapped", file=sys.stderr
    )
    for item in result.unmapped:
        print(f"  unmapped {item.service_code} {item.usagetype} ({item.sku}): {item.reason}", file=sys.stderr)
    if not result.rows:
        print("error: no record mapped to a catalog cell: nothing written", file=sys.stderr)
        return 1
    bundled = PriceCatalog.load()
    merged = merge_catalogs(
        bundled.to_dict(),
        result.catalog_dict,
        as_of=as_of,
        source=source,
        unmapped_count=len(result.unmapped),
    )
    catalog = PriceCatalog.from_dict(merged)
    print(format_changes(diff_catalogs(bundled.to_dict(), merged)))
    from lambdas.price_refresh.refresh import catalog_json

    out = Path(args.out)
    out.write_bytes(catalog_json(merged))
    print(f"wrote {out}: {catalog_label(catalog)}", file=sys.stderr)
    return 0


def run_diff(args: argparse.Namespace) -> int:
    try:
        old, new = _load(args.old), _load(args.new)
        labels = [catalog_label(PriceCatalog.from_dict(c)) for c in (old, new)]
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"old: {args.old}: {labels[0]}")
    print(f"new: {args.new}: {labels[1]}")
    print(format_changes(diff_catalogs(old, new)))
    return 0


def add_prices_parser(commands: Any) -> None:
    """Register `prices update` and `prices diff` on the top-level subparsers."""
    prices = commands.add_parser(
        "prices", help="refresh the price catalog from the AWS Price List, or diff two"
    )
    sub = prices.add_subparsers(dest="prices_command", required=True)
    update = sub.add_parser(
        "update",
        help="build a catalog from the AWS Price List (needs AWS credentials) merged over the bundled one",
    )
    update.add_argument(
        "--out", default=DEFAULT_OUT, help=f"where to write the catalog (default {DEFAULT_OUT})"
    )
    update.add_argument(
        "--region", action="append", help="only this Region's records (repeatable; default all Regions)"
    )
    update.add_argument("--as-of", dest="as_of", help="as_of date to record (default today, UTC)")
    update.set_defaults(run=run_update)
    diff = sub.add_parser("diff", help="rate-level changes between two catalog files (or `bundled`)")
    diff.add_argument("old")
    diff.add_argument("new")
    diff.set_defaults(run=run_diff)
