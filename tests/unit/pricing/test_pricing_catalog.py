"""Pricing rules, cents-exact. Every expected figure is written out as Decimal arithmetic."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import pytest

from lambdas.pricing import build_bundled_catalog
from lambdas.pricing.catalog import (
    BUNDLED_CATALOG_PATH,
    KINDS,
    RATE_FIELDS,
    PriceCatalog,
    RateCard,
    Usage,
    is_long_context,
    price,
    variant_key,
)
from lambdas.pricing.model_ids import resolve_model_id
from lambdas.pricing.sources.table import MODELS

M = 1_000_000
D = Decimal
SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"
SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
SONNET46 = "anthropic.claude-sonnet-4-6"
HAIKU45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
NOVA_PRO = "amazon.nova-pro-v1:0"


@pytest.fixture(scope="module")
def cat() -> PriceCatalog:
    return PriceCatalog.load()


# ---- catalog file ------------------------------------------------------------------------------------


def test_bundled_catalog_metadata(cat: PriceCatalog) -> None:
    assert cat.version == build_bundled_catalog.VERSION
    assert cat.as_of == max(p.as_of for m in MODELS for p in m.prices)
    assert cat.unit == "USD per 1M tokens" and cat.currency == "USD"
    assert "sources/table.py" in cat.source


def test_bundled_catalog_is_generated_from_the_source_table() -> None:
    assert build_bundled_catalog.main(["--check"]) == 0


def test_load_is_cached_and_fast() -> None:
    assert PriceCatalog.load() is PriceCatalog.load()
    assert PriceCatalog.load(str(BUNDLED_CATALOG_PATH)) is PriceCatalog.load()
    start = time.perf_counter()
    PriceCatalog(json.loads(BUNDLED_CATALOG_PATH.read_text(encoding="utf-8")))
    # Target is < 20 ms on a Lambda core; generous bound so a busy CI box does not flake.
    assert time.perf_counter() - start < 0.2


def test_every_entry_has_provenance(cat: PriceCatalog) -> None:
    data = cat.to_dict()
    for model_id, model in data["models"].items():
        assert model["kind"] in KINDS, model_id
        assert model["regions"], model_id
        for region, scopes in model["regions"].items():
            for scope, current in scopes.items():
                assert scope in ("*", "in_region", "geo", "global"), f"{model_id} {region} {scope}"
                for entry in (current, *current.get("history", [])):
                    where = f"{model_id} {region} {scope} from {entry.get('effective_from', 'launch')}"
                    assert entry["as_of"] and entry["confidence"] in ("high", "medium", "low"), where
                    assert entry["source"] and all(s in data["sources"] for s in entry["source"]), where
                    if "standard" in entry:
                        # Every priced period prices something: tokens, or a unit (image, second, query).
                        assert set(entry["standard"]) & set(RATE_FIELDS), where
                    else:
                        # A period no source prices says why (calls in it are unpriced, not free).
                        assert entry.get("note"), where
                history = [h["effective_from"] for h in current.get("history", []) if "effective_from" in h]
                assert history == sorted(history, reverse=True), f"{model_id} {region} {scope}"


REQUIRED_MODELS = [
    HAIKU3, "anthropic.claude-3-sonnet-20240229-v1:0", "anthropic.claude-3-opus-20240229-v1:0",
    "anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "anthropic.claude-3-5-sonnet-20241022-v2:0", "anthropic.claude-3-7-sonnet-20250219-v1:0", SONNET4,
    "anthropic.claude-opus-4-20250514-v1:0", "anthropic.claude-opus-4-1-20250805-v1:0", SONNET45, HAIKU45,
    "anthropic.claude-opus-4-5-20251101-v1:0", SONNET46, "anthropic.claude-opus-4-6-v1",
    "amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0", NOVA_PRO, "amazon.nova-premier-v1:0",
    "amazon.nova-2-lite-v1:0", "amazon.titan-embed-text-v2:0", "amazon.titan-text-express-v1",
    "amazon.titan-text-lite-v1", "meta.llama3-8b-instruct-v1:0", "meta.llama3-1-70b-instruct-v1:0",
    "meta.llama3-2-11b-instruct-v1:0", "meta.llama3-3-70b-instruct-v1:0",
    "meta.llama4-scout-17b-instruct-v1:0", "meta.llama4-maverick-17b-instruct-v1:0",
    "mistral.mistral-large-2402-v1:0", "mistral.mistral-small-2402-v1:0",
    "mistral.mistral-7b-instruct-v0:2", "mistral.mixtral-8x7b-instruct-v0:1", "cohere.command-r-v1:0",
    "cohere.command-r-plus-v1:0", "cohere.embed-english-v3", "cohere.embed-v4:0", "deepseek.r1-v1:0",
    "deepseek.v3-v1:0", "openai.gpt-oss-20b-1:0", "openai.gpt-oss-120b-1:0", "qwen.qwen3-32b-v1:0",
]  # fmt: skip


def test_coverage(cat: PriceCatalog) -> None:
    missing = [m for m in REQUIRED_MODELS if cat.model(m) is None]
    assert not missing
    # README verdicts: known-wrong LiteLLM ids are not copied.
    assert cat.model("anthropic.claude-3-7-sonnet-20240620-v1:0") is None


# ---- basic cost formula ----------------------------------------------------------------------------------


def test_cost_formula_sonnet4_geo_profile_with_cache(cat: PriceCatalog) -> None:
    # Sample record 0b7e9f3a: us. profile called in us-east-1; Sonnet 4 is an "older" model, so the
    # profile is billed at us-east-1 on-demand rates with no surcharge. inputTokenCount excludes cache.
    r = resolve_model_id("arn:aws:bedrock:us-east-1:222222222222:inference-profile/us." + SONNET4)
    usage = Usage(input_tokens=1204, output_tokens=733, cache_read_tokens=18000, cache_write_tokens=2048)
    res = cat.price(r, "us-east-1", None, usage)
    expected = (D(1204) * D("3") + D(733) * D("15") + D(18000) * D("0.30") + D(2048) * D("3.75")) / M
    assert res.cost_usd == expected == D("0.027687")  # 3612 + 10995 + 5400 + 7680 micro-dollars
    assert res.unpriced_reason is None and res.variant == "standard"


def test_claude3_haiku_sample(cat: PriceCatalog) -> None:
    res = cat.price(HAIKU3, "us-east-1", "in_region", Usage(35, 446))
    assert res.cost_usd == (D(35) * D("0.25") + D(446) * D("1.25")) / M


def test_embeddings_bill_input_only(cat: PriceCatalog) -> None:
    res = cat.price("amazon.titan-embed-text-v2:0", "us-east-1", "in_region", Usage(812, 0))
    assert res.cost_usd == D(812) * D("0.02") / M == D("0.00001624")
    # Output reported for an embedding model costs nothing.
    assert cat.price("amazon.titan-embed-text-v2:0", "us-east-1", None, Usage(812, 5)).cost_usd == D(
        "0.00001624"
    )


def test_zero_usage_costs_zero(cat: PriceCatalog) -> None:
    r = resolve_model_id("global." + HAIKU45)
    assert cat.price(r, "us-east-1", None, Usage()).cost_usd == D(0)


def test_aggregates_price_exactly_like_the_sum_of_records(cat: PriceCatalog) -> None:
    records = [Usage(1204, 733, 18000, 2048), Usage(7, 1, 0, 0), Usage(99_999, 12_345, 3, 1)]
    total = records[0] + records[1] + records[2]
    per_record = sum((cat.price(SONNET45, "us-east-1", "geo", u).cost_usd or D(0) for u in records), D(0))
    assert cat.price(SONNET45, "us-east-1", "geo", total).cost_usd == per_record


def test_usage_add_and_prompt_tokens() -> None:
    assert Usage(1, 2, 3, 4, 5) + Usage(10, 20, 30, 40, 50) == Usage(11, 22, 33, 44, 55)
    assert Usage(1, 2, 3, 4, 5).prompt_tokens == 1 + 3 + 4 + 5


# ---- cache rules -----------------------------------------------------------------------------------------


def test_anthropic_cache_rates_5m_and_1h(cat: PriceCatalog) -> None:
    u = Usage(
        input_tokens=1000, cache_read_tokens=10_000, cache_write_tokens=2000, cache_write_1h_tokens=3000
    )
    res = cat.price(SONNET45, "us-east-1", "global", u)
    # global list: read 0.1x3 = 0.30, 5m write 1.25x3 = 3.75, 1h write 2x3 = 6.00
    expected = (D(1000) * D("3") + D(10_000) * D("0.30") + D(2000) * D("3.75") + D(3000) * D("6.00")) / M
    assert res.cost_usd == expected


def test_nova_cache_read_is_quarter_of_input(cat: PriceCatalog) -> None:
    res = cat.price(NOVA_PRO, "us-east-1", "in_region", Usage(1000, 100, cache_read_tokens=4000))
    expected = (D(1000) * D("0.80") + D(100) * D("3.20") + D(4000) * D("0.20")) / M
    assert res.cost_usd == expected
    card = cat.rates(NOVA_PRO, "ap-northeast-1", "in_region")
    assert card is not None and card.cache_read == D("0.24")


def test_missing_cache_rate_is_unpriced_never_input_rate(cat: PriceCatalog) -> None:
    # Nova cache-write price is unverified; Claude 3 Haiku has no prompt caching on Bedrock.
    nova = cat.price(NOVA_PRO, "us-east-1", "in_region", Usage(10, 10, cache_write_tokens=5))
    assert nova.cost_usd is None and nova.unpriced_reason and "cache write" in nova.unpriced_reason
    haiku = cat.price(HAIKU3, "us-east-1", "in_region", Usage(10, 10, cache_read_tokens=5))
    assert haiku.cost_usd is None and haiku.unpriced_reason and "cache read" in haiku.unpriced_reason


# ---- routing scope ---------------------------------------------------------------------------------------


def test_claude45_global_is_list_geo_and_in_region_are_regional(cat: PriceCatalog) -> None:
    u = Usage(1204, 733)
    glob = cat.price(resolve_model_id("global." + SONNET45), "us-east-1", None, u)
    geo = cat.price(resolve_model_id("us." + SONNET45), "us-east-1", None, u)
    bare = cat.price(resolve_model_id(SONNET45), "us-east-1", None, u)
    assert glob.cost_usd == (D(1204) * D("3.00") + D(733) * D("15.00")) / M
    assert geo.cost_usd == (D(1204) * D("3.30") + D(733) * D("16.50")) / M
    assert bare.cost_usd == geo.cost_usd
    assert D(1204) * D("3.30") / M == D("0.0039732")


def test_haiku45_regional_in_eu(cat: PriceCatalog) -> None:
    u = Usage(1_000_000, 1_000_000)
    assert cat.price(HAIKU45, "eu-north-1", "geo", u).cost_usd == D("1.10") + D("5.50")
    assert cat.price(HAIKU45, "eu-north-1", "global", u).cost_usd == D("1.00") + D("5.00")


def test_opus45_eu_profile_follows_rule_not_litellm(cat: PriceCatalog) -> None:
    card = cat.rates("anthropic.claude-opus-4-5-20251101-v1:0", "eu-central-1", "geo")
    assert card is not None and card.input == D("5.5") and card.output == D("27.5")


def test_nova2_lite_scopes(cat: PriceCatalog) -> None:
    regional = cat.rates("amazon.nova-2-lite-v1:0", "us-west-2", "in_region")
    glob = cat.rates("amazon.nova-2-lite-v1:0", "us-west-2", "global")
    assert regional == RateCard(D("0.33"), D("2.75"), D("0.0825"))
    assert glob == RateCard(D("0.3"), D("2.5"), D("0.075"))


def test_older_model_profile_billed_at_source_region(cat: PriceCatalog) -> None:
    # Nova Pro through apac. from Tokyo: the source Region's (APN1) price, no surcharge.
    r = resolve_model_id("apac." + NOVA_PRO)
    res = cat.price(r, "ap-northeast-1", None, Usage(1000, 1000))
    assert res.cost_usd == (D(1000) * D("0.96") + D(1000) * D("3.84")) / M
    # Same profile, same tokens, called in us-east-1 (us. profile): us-east-1 rates.
    us = cat.price(resolve_model_id("us." + NOVA_PRO), "us-east-1", None, Usage(1000, 1000))
    assert us.cost_usd == (D(1000) * D("0.80") + D(1000) * D("3.20")) / M


def test_unknown_region_or_model_is_unpriced_never_borrowed(cat: PriceCatalog) -> None:
    res = cat.price(NOVA_PRO, "eu-west-1", "in_region", Usage(1000, 1000))
    assert res.cost_usd is None
    assert res.unpriced_reason and NOVA_PRO in res.unpriced_reason and "eu-west-1" in res.unpriced_reason
    res = cat.price("acme.mystery-model-v1:0", "us-east-1", "in_region", Usage(1, 1))
    assert res.cost_usd is None
    assert res.unpriced_reason and "acme.mystery-model-v1:0" in res.unpriced_reason
    assert "us-east-1" in res.unpriced_reason
    assert cat.rates(NOVA_PRO, "eu-west-1", "in_region") is None


def test_partial_card_leaves_unknown_output_unpriced(cat: PriceCatalog) -> None:
    # GLM 5 in Tokyo: only the input rate is sourced.
    assert (
        cat.price("zai.glm-5", "ap-northeast-1", "in_region", Usage(1000, 0)).cost_usd
        == D(1000) * D("1.2") / M
    )
    res = cat.price("zai.glm-5", "ap-northeast-1", "in_region", Usage(1000, 1))
    assert res.cost_usd is None and res.unpriced_reason and "output" in res.unpriced_reason


def test_unresolved_model_passes_reason_through(cat: PriceCatalog) -> None:
    r = resolve_model_id("arn:aws:bedrock:us-east-1:222222222222:application-inference-profile/a1b2c3d4e5f6")
    res = cat.price(r, "us-east-1", None, Usage(5120, 1900))
    assert res.cost_usd is None and res.unpriced_reason == r.unpriced_reason
    prov = resolve_model_id("arn:aws:bedrock:us-east-1:1:provisioned-model/abc")
    assert cat.price(prov, "us-east-1", None, Usage(1, 1)).unpriced_reason == prov.unpriced_reason


# ---- batch and tiers -------------------------------------------------------------------------------------


def test_batch_is_half_in_the_same_scope(cat: PriceCatalog) -> None:
    u = Usage(2000, 1000)
    regional = cat.price(SONNET45, "us-east-1", "in_region", u, batch=True)
    assert regional.cost_usd == (D(2000) * D("1.65") + D(1000) * D("8.25")) / M
    glob = cat.price(SONNET45, "us-east-1", "global", u, batch=True)
    assert glob.cost_usd == (D(2000) * D("1.50") + D(1000) * D("7.50")) / M
    apn1 = cat.rates(NOVA_PRO, "ap-northeast-1", "in_region", batch=True)
    assert apn1 is not None and (apn1.input, apn1.output) == (D("0.48"), D("1.92"))


def test_batch_unsupported_or_with_cache_is_unpriced(cat: PriceCatalog) -> None:
    res = cat.price("amazon.titan-text-express-v1", "us-east-1", "in_region", Usage(1, 1), batch=True)
    assert res.cost_usd is None and res.unpriced_reason and "batch" in res.unpriced_reason
    cached = cat.price(SONNET45, "us-east-1", "in_region", Usage(1, 1, cache_read_tokens=1), batch=True)
    assert cached.cost_usd is None
    tiered = cat.price("qwen.qwen3-32b-v1:0", "us-east-1", "in_region", Usage(1, 1), batch=True, tier="flex")
    assert tiered.cost_usd is None and tiered.unpriced_reason and "tier" in tiered.unpriced_reason


def test_flex_and_priority_tiers(cat: PriceCatalog) -> None:
    u = Usage(10_000, 2_000)
    qwen = "qwen.qwen3-32b-v1:0"
    assert (
        cat.price(qwen, "us-east-1", None, u).cost_usd == (D(10_000) * D("0.15") + D(2_000) * D("0.60")) / M
    )
    assert (
        cat.price(qwen, "us-east-1", None, u, tier="flex").cost_usd
        == (D(10_000) * D("0.075") + D(2_000) * D("0.30")) / M
    )
    assert (
        cat.price(qwen, "us-east-1", None, u, tier="priority").cost_usd
        == (D(10_000) * D("0.2625") + D(2_000) * D("1.05")) / M
    )
    nova2 = cat.rates("amazon.nova-2-lite-v1:0", "us-west-2", "global", tier="priority")
    assert nova2 is not None and nova2.input == D("0.525")
    no_flex = cat.price(SONNET45, "us-east-1", None, u, tier="flex")
    assert no_flex.cost_usd is None and no_flex.unpriced_reason and "flex" in no_flex.unpriced_reason


def test_variant_key() -> None:
    assert variant_key() == "standard"
    assert variant_key(batch=True) == "batch"
    assert variant_key("flex") == "flex"
    assert variant_key(long_context=True) == "long_context"
    assert variant_key("priority", long_context=True) == "priority_long_context"


# ---- long context ----------------------------------------------------------------------------------------


def test_long_context_threshold_counts_cache_tokens(cat: PriceCatalog) -> None:
    assert not cat.is_long_context(SONNET4, 200_000, 0, 0)  # "exceeds", not "reaches"
    assert cat.is_long_context(SONNET4, 200_001, 0, 0)
    assert cat.is_long_context(SONNET45, 1_000, 150_000, 49_001)
    assert not cat.is_long_context(SONNET45, 1_000, 150_000, 49_000)
    # No surcharge for Sonnet 4.6 / Opus 4.6, nor for models without long-context pricing.
    for model in (SONNET46, "anthropic.claude-opus-4-6-v1", HAIKU45, NOVA_PRO, None, "unknown.model"):
        assert not cat.is_long_context(model, 900_000, 0, 0)
    assert is_long_context(SONNET4, 250_000, 0, 0)
    assert cat.long_context_threshold(SONNET45) == 200_000


def test_long_context_bills_whole_request_at_lc_rates(cat: PriceCatalog) -> None:
    u = Usage(input_tokens=150_000, output_tokens=4_000, cache_read_tokens=60_000, cache_write_tokens=1_000)
    assert cat.is_long_context(SONNET45, u.input_tokens, u.cache_read_tokens, u.cache_write_tokens)
    glob = cat.price(SONNET45, "us-east-1", "global", u, long_context=True)
    expected = (D(150_000) * D("6") + D(4_000) * D("22.5") + D(60_000) * D("0.60") + D(1_000) * D("7.50")) / M
    assert glob.cost_usd == expected and glob.variant == "long_context"
    geo = cat.price(SONNET45, "us-east-1", "geo", u, long_context=True)
    expected_geo = (
        D(150_000) * D("6.60") + D(4_000) * D("24.75") + D(60_000) * D("0.66") + D(1_000) * D("8.25")
    ) / M
    assert geo.cost_usd == expected_geo
    s4 = cat.rates(SONNET4, "us-east-1", "global", long_context=True)
    assert s4 is not None and s4.input == D(
        "6"
    )  # Price List: USE1 ...long-context-cross-region-global $0.006/1K


def test_long_context_flag_on_model_without_surcharge_bills_standard(cat: PriceCatalog) -> None:
    u = Usage(300_000, 1_000)
    lc = cat.price(SONNET46, "us-east-1", "global", u, long_context=True)
    assert lc.cost_usd == (D(300_000) * D("3") + D(1_000) * D("15")) / M
    assert lc.variant == "standard"


def test_module_level_price_uses_bundled_catalog() -> None:
    res = price("amazon.nova-micro-v1:0", "us-east-1", None, Usage(2000, 1000))
    assert res.cost_usd == (D(2000) * D("0.035") + D(1000) * D("0.14")) / M == D("0.00021")


def test_negative_tokens_unpriced(cat: PriceCatalog) -> None:
    assert cat.price(HAIKU3, "us-east-1", None, Usage(-1, 0)).cost_usd is None


# ---- overrides and discount ------------------------------------------------------------------------------


def test_discount_applies_to_every_bundled_rate(cat: PriceCatalog) -> None:
    disc = cat.with_overrides(None, discount_percent=D("10"))
    card = disc.rates(SONNET45, "us-east-1", "in_region")
    assert card is not None and card.input == D("3.30") * D("0.9") == D("2.97")
    lc = disc.rates(SONNET45, "us-east-1", "global", long_context=True)
    assert lc is not None and lc.output == D("22.5") * D("0.9")
    res = disc.price(SONNET45, "us-east-1", "in_region", Usage(1204, 733))
    assert res.cost_usd == (D(1204) * D("2.97") + D(733) * D("14.85")) / M
    assert disc.version.endswith("+custom") and "discount 10%" in disc.source
    # The original catalog is untouched.
    assert cat.rates(SONNET45, "us-east-1", "in_region") == RateCard(
        D("3.3"), D("16.5"), D("0.33"), D("4.125"), D("6.6")
    )


def test_discount_bounds(cat: PriceCatalog) -> None:
    with pytest.raises(ValueError):
        cat.with_overrides(None, discount_percent=D(100))
    with pytest.raises(ValueError):
        cat.with_overrides(None, discount_percent=D(-1))
    assert cat.with_overrides(None, discount_percent=0).version == cat.version


class _ConfigOverride:
    """Shaped like core.config_model.PriceOverride (pydantic): only model_dump() is used."""

    def __init__(self, **kw: Any) -> None:
        self._kw = kw

    def model_dump(self) -> dict[str, Any]:
        return dict(self._kw)


def test_config_shaped_override_for_one_region_rescales_derived_rates(cat: PriceCatalog) -> None:
    ov = _ConfigOverride(
        model_id=SONNET45, region="us-east-1", input_per_million=D("2.50"), output_per_million=D("12.50"),
        cache_read_per_million=None, cache_write_per_million=None,
    )  # fmt: skip
    new = cat.with_overrides([ov])
    for scope in ("in_region", "global"):
        card = new.rates(SONNET45, "us-east-1", scope)
        assert card is not None and (card.input, card.output) == (D("2.5"), D("12.5"))
    # In-region: batch and long context keep their multipliers of the new price; cache follows input.
    batch = new.rates(SONNET45, "us-east-1", "in_region", batch=True)
    assert batch is not None and (batch.input, batch.output) == (D("1.25"), D("6.25"))
    lc = new.rates(SONNET45, "us-east-1", "in_region", long_context=True)
    assert lc is not None and (lc.input, lc.output) == (D("5"), D("18.75"))
    std = new.rates(SONNET45, "us-east-1", "in_region")
    assert std is not None and std.cache_read == D("0.25") and std.cache_write == D("3.125")
    # Other Regions keep catalog prices.
    other = new.rates(SONNET45, "us-west-2", "in_region")
    assert other is not None and other.input == D("3.3")


def test_override_adds_a_model_for_all_regions(cat: PriceCatalog) -> None:
    new = cat.with_overrides(
        [
            {
                "model_id": "amazon.nova-2-pro-preview-20251202-v1:0",
                "input_per_million": 2.4,
                "output_per_million": "2.4",
            }
        ]
    )
    res = new.price(
        resolve_model_id("us.amazon.nova-2-pro-preview-20251202-v1:0"), "sa-east-1", None, Usage(1000, 1000)
    )
    assert res.cost_usd == (D(1000) * D("2.4") + D(1000) * D("2.4")) / M
    assert res.confidence == "override"
    assert cat.model("amazon.nova-2-pro-preview-20251202-v1:0") is None


def test_mapping_overrides_with_region_key_scope_and_variants(cat: PriceCatalog) -> None:
    new = cat.with_overrides(
        {
            f"{NOVA_PRO}@eu-west-1": {"input": "1.05", "output": "4.2", "cache_read": "0.2625"},
            f"{HAIKU45}": {"scope": "global", "input": "0.9", "batch": {"input": "0.45", "output": "2.25"}},
            f"{NOVA_PRO}@us-east-1": {"cache_write": "0.8"},
        },
        discount_percent=D("20"),
    )
    eu = new.price(NOVA_PRO, "eu-west-1", "in_region", Usage(1000, 1000, cache_read_tokens=1000))
    # Overrides are final prices: the 20% discount is not applied to them.
    assert eu.cost_usd == (D(1000) * D("1.05") + D(1000) * D("4.2") + D(1000) * D("0.2625")) / M
    glob = new.rates(HAIKU45, "us-east-1", "global")
    assert glob is not None and glob.input == D("0.9") and glob.output == D("5") * D("0.8")
    gbatch = new.rates(HAIKU45, "us-east-1", "global", batch=True)
    assert gbatch is not None and (gbatch.input, gbatch.output) == (D("0.45"), D("2.25"))
    regional = new.rates(HAIKU45, "us-east-1", "in_region")
    assert regional is not None and regional.input == D("1.10") * D("0.8")
    # A cache-write price for Nova in us-east-1 makes cache writes priceable there.
    nova = new.price(NOVA_PRO, "us-east-1", None, Usage(0, 0, cache_write_tokens=1000))
    assert nova.cost_usd == D(1000) * D("0.8") / M


def test_invalid_overrides_raise(cat: PriceCatalog) -> None:
    with pytest.raises(ValueError):
        cat.with_overrides([{"input_per_million": "1"}])
    with pytest.raises(ValueError):
        cat.with_overrides([{"model_id": NOVA_PRO, "input": "-1"}])
    with pytest.raises(ValueError):
        cat.with_overrides([{"model_id": NOVA_PRO, "inptu": "1"}])
    with pytest.raises(ValueError):
        cat.with_overrides([{"model_id": NOVA_PRO, "input": "1", "scope": "galactic"}])


def test_from_dict_requires_metadata() -> None:
    with pytest.raises(ValueError):
        PriceCatalog.from_dict({"models": {}})
