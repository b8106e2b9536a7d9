"""`genai-guardrails prices update|diff`: refresh the price catalog from the AWS Price List, compare two.

    genai-guardrails prices update [--out FILE] [--region us-east-1 ...]
    genai-guardrails prices diff OLD NEW          # files, or the word `bundled`
    genai-guardrails prices show MODEL [--region us-east-1] [--at 2025-06-01]

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


def run_show(args: argparse.Namespace) -> int:
    """Every price period of a model in a Region, and the one in force on --at (default today)."""
    from lambdas.pricing.catalog import day_of
    from lambdas.pricing.known_models import check_model_id

    catalog = PriceCatalog.load(args.catalog) if args.catalog else PriceCatalog.load()
    check = check_model_id(args.model, catalog)
    if not check.known or check.base_model_id is None:
        hint = f"; closest known: {', '.join(check.closest)}" if check.closest else ""
        print(f"error: {check.problem}{hint}", file=sys.stderr)
        return 1
    info = catalog.model(check.base_model_id)
    assert info is not None
    day = day_of(args.at)
    scopes = info.regions.get(args.region) or info.regions.get("*")
    if not scopes:
        print(f"error: {check.base_model_id} has no price in {args.region}; priced in: "
              f"{', '.join(sorted(info.regions))}", file=sys.stderr)  # fmt: skip
        return 1
    print(f"{info.name} ({check.base_model_id}) in {args.region}; {catalog_label(catalog)}")
    for scope, entry in sorted(scopes.items()):
        in_force = entry.at(day)
        for period in (entry, *entry.history):
            card = period.cards.get("standard")
            rates = "no rate" if card is None else ", ".join(
                f"{name} {rate}" for name, rate in (("input", card.input), ("output", card.output),
                                                   *card.units) if rate is not None
            )  # fmt: skip
            mark = "*" if period is in_force else " "
            since = period.effective_from or "first sold"
            provenance = f"{period.confidence}; {', '.join(period.source)}"
            print(f" {mark} scope {scope:<9} from {since:<10} {rates} [{provenance}]")
    print(f"(* = in force on {day})")
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
    show = sub.add_parser("show", help="a model's price periods in a Region and the one in force on a date")
    show.add_argument("model", help="base model id, profile id or ARN")
    show.add_argument("--region", default="us-east-1")
    show.add_argument("--at", help="YYYY-MM-DD (default today, UTC)")
    show.add_argument("--catalog", help="a catalog file (default the bundled catalog)")
    show.set_defaults(run=run_show)
