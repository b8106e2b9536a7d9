"""GetProducts responses recorded in the shape the Price List API returns, built from the pricing fixtures.

``tests/data/pricing/price_list_records.json`` holds real (trimmed) and grammar-faithful records; here they
become ``get_products`` pages: grouped by service code, filtered by ``regionCode`` like the API's
TERM_MATCH filter, each document a JSON string with a top-level ``serviceCode``, split into pages linked by
``NextToken``. ``stub_price_list`` queues them on a botocore Stubber in the order ``fetch_records`` asks.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from botocore.stub import Stubber

from lambdas.pricing.price_list import SERVICE_CODES

DATA = Path(__file__).resolve().parents[2] / "data" / "pricing"
RECORDS: list[dict[str, Any]] = json.loads((DATA / "price_list_records.json").read_text(encoding="utf-8"))[
    "records"
]
PAGE_SIZE = 4


def api_documents(
    region: str | None, edit: Callable[[dict[str, Any]], None] | None = None
) -> dict[str, list[dict[str, Any]]]:
    """{service code: documents as the API returns them} (test-only keys removed)."""
    by_code: dict[str, list[dict[str, Any]]] = {code: [] for code in SERVICE_CODES}
    for record in RECORDS:
        doc = {k: copy.deepcopy(v) for k, v in record.items() if not k.startswith("_")}
        code = record.get("serviceCode") or record.get("_service_code")
        if code not in by_code:
            continue  # e.g. the AmazonEC2 record: another service code's query would return it
        attrs = doc["product"]["attributes"]
        if region is not None and attrs.get("regionCode") not in (region, None):
            continue
        doc["serviceCode"] = code
        doc.setdefault("version", "20261120000000")
        doc.setdefault("publicationDate", "2026-11-20T00:00:00Z")
        if edit is not None:
            edit(doc)
        by_code[code].append(doc)
    return by_code


def pages(documents: list[dict[str, Any]], size: int = PAGE_SIZE) -> list[dict[str, Any]]:
    chunks = [documents[i : i + size] for i in range(0, len(documents), size)] or [[]]
    out = []
    for i, chunk in enumerate(chunks):
        page: dict[str, Any] = {"FormatVersion": "aws_v1", "PriceList": [json.dumps(d) for d in chunk]}
        if i < len(chunks) - 1:
            page["NextToken"] = f"page-{i + 1}"
        out.append(page)
    return out


def stub_price_list(
    stubber: Stubber, region: str | None, documents: Mapping[str, Iterable[dict[str, Any]]]
) -> int:
    """Queue every page for ``fetch_records(client, region_code=region)``; returns the number of calls."""
    calls = 0
    filters = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}] if region else []
    for code in SERVICE_CODES:
        for i, page in enumerate(pages(list(documents.get(code, ())))):
            expected: dict[str, Any] = {"ServiceCode": code, "Filters": filters, "FormatVersion": "aws_v1"}
            if i:
                expected["NextToken"] = f"page-{i}"
            stubber.add_response("get_products", page, expected)
            calls += 1
    return calls


def set_usd(usagetype: str, usd: str) -> Callable[[dict[str, Any]], None]:
    """An ``edit`` for ``api_documents``: a new USD price for the record with this usagetype."""

    def edit(doc: dict[str, Any]) -> None:
        if doc["product"]["attributes"].get("usagetype") != usagetype:
            return
        for term in doc["terms"]["OnDemand"].values():
            for dim in term["priceDimensions"].values():
                dim["pricePerUnit"]["USD"] = usd

    return edit
