"""The Price List builder on real and grammar-faithful GetProducts records."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lambdas.pricing.catalog import PriceCatalog
from lambdas.pricing.model_ids import Scope
from lambdas.pricing.price_list import (
    SERVICE_CODES,
    PriceRow,
    UnmappedRecord,
    build_catalog,
    diff_catalogs,
    format_changes,
    model_for_name,
    parse_record,
    per_million_factor,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "pricing"
RECORDS: list[dict[str, Any]] = json.loads((DATA / "price_list_records.json").read_text(encoding="utf-8"))[
    "records"
]


def _ids(record: dict[str, Any]) -> str:
    return str(record["_what"])[:80]


@pytest.mark.parametrize("record", RECORDS, ids=_ids)
def test_each_fixture_record_maps_as_expected(record: dict[str, Any]) -> None:
    result = parse_record(record)
    expect = record["_expect"]
    if expect[0] == "unmapped":
        assert isinstance(result, UnmappedRecord), result
        assert expect[1] in result.reason
        assert result.reason  # never silent
    else:
        assert isinstance(result, PriceRow), result
        model, region, scope, variant, field, rate = expect[1:]
        assert (result.model_id, result.region, result.scope, result.variant, result.field) == (
            model, region, scope, variant, field,
        )  # fmt: skip
        assert result.rate == Decimal(rate)


def test_fixtures_cover_every_service_code_and_grammar() -> None:
    rows = [r for r in map(parse_record, RECORDS) if isinstance(r, PriceRow)]
    assert {r.service_code for r in rows} == set(SERVICE_CODES)
    usagetypes = [r.usagetype for r in rows]
    assert any("-mantle-" in u for u in usagetypes)
    assert any("MP:" in u and "TokenCount" in u for u in usagetypes)  # camel
    assert any("MP:" in u and "_tokens_" in u for u in usagetypes)  # snake
    assert any(u.endswith("-input-tokens") for u in usagetypes)  # legacy
    assert {r.variant for r in rows} >= {"standard", "batch", "flex", "priority", "long_context"}
    assert sum(1 for r in RECORDS if r["_what"].startswith("real")) == 4


def test_bundled_catalog_agrees_with_builder_on_every_fixture_record() -> None:
    bundled = PriceCatalog.load()
    result = build_catalog(RECORDS, as_of="2026-09-01", source="fixtures")
    assert result.rows
    for row in result.rows:
        # A "*" (regional) row must hold for in-region calls and geo profiles alike.
        scopes: tuple[Scope, ...] = ("global",) if row.scope == "global" else ("in_region", "geo")
        for scope in scopes:
            card = bundled.rates(
                row.model_id, row.region, scope, row.tier, row.batch, long_context=row.long_context
            )
            assert card is not None, (row.usagetype, scope)
            assert getattr(card, row.field) == row.rate, (row.usagetype, scope, getattr(card, row.field))


def test_build_catalog_output_is_a_loadable_catalog() -> None:
    result = build_catalog(RECORDS, as_of="2026-09-01", source="GetProducts fixture")
    expected_unmapped = sum(1 for r in RECORDS if r["_expect"][0] == "unmapped")
    assert len(result.unmapped) == expected_unmapped
    assert len(result.rows) == len(RECORDS) - expected_unmapped
    cat = PriceCatalog.from_dict(result.catalog_dict)
    assert cat.as_of == "2026-09-01" and cat.version == "price-list-2026-09-01"
    card = cat.rates("anthropic.claude-haiku-4-5-20251001-v1:0", "us-east-1", "in_region")
    assert card is not None and (card.input, card.output) == (Decimal("1.1"), Decimal("5.5"))
    glob = cat.rates("anthropic.claude-haiku-4-5-20251001-v1:0", "us-east-1", "global")
    assert glob is not None and glob.input == Decimal("1")
    # The builder never invents a rate it did not see: Nova Pro APN1 has no batch output record.
    batch = cat.rates("amazon.nova-pro-v1:0", "ap-northeast-1", "in_region", batch=True)
    assert batch is not None and batch.output is None
    model = result.catalog_dict["models"]["anthropic.claude-sonnet-4-20250514-v1:0"]
    assert model["long_context_threshold"] == 200_000


def test_json_string_records_as_boto3_returns_them() -> None:
    row = parse_record(json.dumps(RECORDS[0]))
    assert isinstance(row, PriceRow) and row.rate == Decimal("0.25")
    bad = parse_record("{not json")
    assert isinstance(bad, UnmappedRecord) and "not JSON" in bad.reason


def test_conflicting_records_are_reported_and_dropped() -> None:
    first = copy.deepcopy(RECORDS[0])
    second = copy.deepcopy(RECORDS[0])
    dims = next(iter(second["terms"]["OnDemand"].values()))["priceDimensions"]
    next(iter(dims.values()))["pricePerUnit"]["USD"] = "0.0003"
    result = build_catalog([first, second], as_of="2026-09-01", source="x")
    assert not result.rows and not result.catalog_dict["models"]
    assert len(result.unmapped) == 1 and "conflicts" in result.unmapped[0].reason
    # Identical duplicates are harmless.
    assert len(build_catalog([first, copy.deepcopy(first)], as_of="d", source="x").unmapped) == 0


def test_multiple_dimensions_and_reserved_only_terms_are_unmapped() -> None:
    multi = copy.deepcopy(RECORDS[0])
    term = next(iter(multi["terms"]["OnDemand"].values()))
    dim = next(iter(term["priceDimensions"].values()))
    term["priceDimensions"]["second"] = dict(dim)
    result = parse_record(multi)
    assert isinstance(result, UnmappedRecord) and "2 OnDemand price dimensions" in result.reason
    reserved = copy.deepcopy(RECORDS[0])
    reserved["terms"] = {"Reserved": {"x": {}}}
    result = parse_record(reserved)
    assert isinstance(result, UnmappedRecord) and "reserved" in result.reason


@pytest.mark.parametrize(
    ("unit", "description", "usagetype", "factor"),
    [
        ("1K tokens", "", "", Decimal(1000)),
        ("1K Tokens", "", "", Decimal(1000)),
        ("1M tokens", "", "", Decimal(1)),
        ("Million tokens", "", "", Decimal(1)),
        ("tokens", "", "", Decimal(1_000_000)),
        ("Units", "$3.30 per million input tokens", "", Decimal(1)),
        ("Units", "USD 0.003 per 1K input tokens", "", Decimal(1000)),
        ("Units", "", "USE1-MP:USE1_MillionBatchInputTokens-Units", Decimal(1)),
    ],
)
def test_unit_normalisation(unit: str, description: str, usagetype: str, factor: Decimal) -> None:
    assert per_million_factor(unit, description, usagetype) == factor


@pytest.mark.parametrize("unit", ["Units", "1K TPM Hour", "Images", "Seconds"])
def test_unreadable_or_non_token_units_are_refused(unit: str) -> None:
    with pytest.raises(Exception, match="unit"):
        per_million_factor(unit)


def test_model_names_from_each_identity_source() -> None:
    def mid(name: str) -> str | None:
        model = model_for_name(name)
        return None if model is None else model.id

    assert mid("Claude Sonnet 4.5 (Amazon Bedrock Edition)") == "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert mid("Claude3Haiku") == "anthropic.claude-3-haiku-20240307-v1:0"
    assert mid("Claude3-5Haiku") == "anthropic.claude-3-5-haiku-20241022-v1:0"
    assert mid("Titan Text Embeddings V2") == "amazon.titan-embed-text-v2:0"
    assert mid("openai.gpt-oss-120b") == "openai.gpt-oss-120b-1:0"
    assert mid("Claude 3.5 Sonnet") != mid("Claude 3.5 Sonnet v2")
    assert mid("Nova 2 Omni") is None and mid("") is None


def test_diff_catalogs_and_format() -> None:
    old = PriceCatalog.load().to_dict()
    new = copy.deepcopy(old)
    haiku = "anthropic.claude-haiku-4-5-20251001-v1:0"
    new["models"][haiku]["regions"]["us-east-1"]["*"]["standard"]["input"] = "1.21"
    new["models"][haiku]["regions"]["us-east-1"]["*"]["standard"]["output"] = "5.50"  # same number
    del new["models"]["amazon.titan-text-lite-v1"]["regions"]["us-west-2"]
    new["models"]["zai.glm-5"]["regions"]["ap-northeast-1"]["*"]["standard"]["output"] = "3.84"
    changes = diff_catalogs(old, new)
    kinds = {(c.kind, c.model_id, c.region, c.variant, c.field) for c in changes}
    assert ("changed", haiku, "us-east-1", "standard", "input") in kinds
    assert ("added", "zai.glm-5", "ap-northeast-1", "standard", "output") in kinds
    assert ("removed", "amazon.titan-text-lite-v1", "us-west-2", "standard", "input") in kinds
    assert not any(c.field == "output" and c.model_id == haiku for c in changes)
    text = format_changes(changes)
    assert f"~ {haiku} us-east-1 * standard.input: 1.1 -> 1.21 (+10.00%)" in text
    assert "+ zai.glm-5 ap-northeast-1 * standard.output: 3.84" in text
    assert text.splitlines()[0].startswith(f"{len(changes)} price changes (")
    assert format_changes([]) == "no price changes"
    assert diff_catalogs(old, old) == []
