"""Merging a Price List catalog over the bundled one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lambdas.pricing.catalog import PriceCatalog
from lambdas.pricing.merge import merge_catalogs, merge_entry
from lambdas.pricing.price_list import build_catalog, diff_catalogs
from tests.unit.price_refresh.recorded_pages import RECORDS


def merged_from(records: list[dict[str, Any]]) -> dict[str, Any]:
    built = build_catalog(records, as_of="2026-11-23", source="fixtures")
    return merge_catalogs(
        PriceCatalog.load().to_dict(), built.catalog_dict, as_of="2026-11-23", source="fixtures"
    )


def test_fixture_records_change_no_bundled_price() -> None:
    merged = merged_from(RECORDS)
    changes = diff_catalogs(PriceCatalog.load().to_dict(), merged)
    assert [c for c in changes if c.kind != "added"] == []
    # The only additions materialise a `global` entry that `*` priced identically before.
    bundled, catalog = PriceCatalog.load(), PriceCatalog.from_dict(merged)
    for c in changes:
        assert c.scope == "global"
        before = bundled.rates(
            c.model_id,
            c.region,
            "global",
            batch=c.variant == "batch",
            long_context=c.variant == "long_context",
        )
        assert before is not None and getattr(before, c.field) == c.new
    assert catalog.model_ids() == bundled.model_ids()
    assert merged["refresh"]["models"] > 5 and merged["bundled_version"] == bundled.version


def test_kept_cells_follow_a_changed_standard_rate() -> None:
    bundled = {
        "as_of": "2026-09-01",
        "source": ["genai"],
        "confidence": "medium",
        "standard": {"input": "3", "output": "15", "cache_read": "0.3"},
        "batch": {"input": "1.5", "output": "7.5"},
    }
    entry = merge_entry(bundled, {"standard": {"input": "2.4"}, "batch": {"output": "7"}}, "2026-11-23")
    assert entry["standard"] == {"input": "2.4", "output": "15", "cache_read": "0.24"}
    assert entry["batch"] == {"input": "1.2", "output": "7"}  # explicit refreshed value wins
    assert entry["confidence"] == "high" and entry["source"] == ["price-list", "genai"]
    assert entry["refreshed"] == ["batch.output", "standard.input"]
    assert any("rescaled x0.8" in d for d in entry["derived"])


def test_new_entry_and_new_model_are_price_list_only() -> None:
    entry = merge_entry(None, {"standard": {"input": "1"}}, "2026-11-23")
    assert entry == {
        "as_of": "2026-11-23",
        "source": ["price-list"],
        "confidence": "high",
        "standard": {"input": "1"},
        "refreshed": ["standard.input"],
    }
    refreshed = {
        "models": {
            "x.new-model": {"name": "New", "regions": {"us-east-1": {"*": {"standard": {"input": "1"}}}}}
        }
    }
    merged = merge_catalogs(PriceCatalog.load().to_dict(), refreshed, as_of="2026-11-23", source="t")
    cat = PriceCatalog.from_dict(merged)
    card = cat.rates("x.new-model", "us-east-1", "in_region")
    assert card is not None and card.input == Decimal(1)
