"""Usage that is not text tokens, in real-format records: images, seconds, queries, speech tokens, guardrail
units, service tiers, 1-hour cache writes, prompt routers, and what happens when the log does not say.

Every expected cost is written out from the catalog's rates (docs/pricing.md), in Decimal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from lambdas.metering.aggregate import GUARDRAILS_MODEL, Meter, MetricDoc
from lambdas.metering.records import InvocationRecord, parse_record
from lambdas.pricing.catalog import PriceCatalog
from tests.unit.metering.helpers import data_records, log_events

D = Decimal
M = D(1_000_000)
RECORDS = {int(r["requestId"][-2:]): r for r in data_records("units.jsonl")}


def meter_one(meter: Meter, *numbers: int) -> tuple[dict[str, MetricDoc], dict[str, int], dict[str, int]]:
    result = meter.meter(log_events([RECORDS[n] for n in numbers]))
    assert result.malformed == 0, result.malformed_samples
    return {d.model: d for d in result.docs}, result.unpriced_reasons, result.estimated


def only(docs: dict[str, MetricDoc]) -> MetricDoc:
    (doc,) = docs.values()
    return doc


def test_images_are_priced_by_quality_and_size(meter: Meter) -> None:
    docs, reasons, _ = meter_one(meter, 1)
    doc = docs["amazon.nova-canvas-v1:0"]
    assert (doc.cost_usd, doc.unpriced, reasons) == (2 * D("0.06"), 0, {})  # premium, up to 1024x1024


def test_image_count_comes_from_the_request_when_the_response_went_to_s3(meter: Meter) -> None:
    doc = only(meter_one(meter, 3)[0])
    assert (doc.model, doc.cost_usd) == ("amazon.titan-image-generator-v2:0", D("0.008"))


def test_an_image_model_without_bodies_is_unpriced_and_says_why(meter: Meter) -> None:
    docs, reasons, _ = meter_one(meter, 2)
    doc = only(docs)
    assert doc.cost_usd is None and doc.unpriced == 1 and doc.invocations == 1
    (reason,) = reasons
    assert "amazon.nova-canvas-v1:0 is billed per image" in reason and "does not say how many" in reason


def test_a_flat_per_image_model_costs_one_image_per_call(meter: Meter) -> None:
    doc = only(meter_one(meter, 4)[0])
    assert (doc.model, doc.cost_usd, doc.unpriced) == ("stability.sd3-5-large-v1:0", D("0.08"), 0)


def test_rerank_is_priced_per_query(meter: Meter) -> None:
    docs, reasons, _ = meter_one(meter, 5, 6)
    # Cohere bills 2 search units for 150 documents; Amazon Rerank: 3 documents are one query.
    assert docs["cohere.rerank-v3-5:0"].cost_usd == 2 * D("0.002")
    assert docs["amazon.rerank-v1:0"].cost_usd == D("0.001")
    assert reasons == {}


def test_seconds_of_video_are_metered_and_priced_when_a_rate_exists(
    meter: Meter, make_meter: Callable[..., Meter]
) -> None:
    # No bundled rate (public tables disagree): unpriced, and the reason says so.
    docs, reasons, _ = meter_one(meter, 7)
    assert only(docs).cost_usd is None
    (reason,) = reasons
    assert "nova-reel" in reason and "per second of generated video" in reason
    # With a per-second rate (an override), the 6 seconds the request asked for are priced.
    priced = make_meter()
    priced.catalog = PriceCatalog.load().with_overrides(
        {"amazon.nova-reel-v1:0@us-east-1": {"video_output_second": "0.08"}}
    )
    assert only(meter_one(priced, 7)[0]).cost_usd == 6 * D("0.08")


def test_speech_and_text_tokens_are_priced_apart(meter: Meter) -> None:
    doc = only(meter_one(meter, 8)[0])
    text = 300 * D("0.06") + 150 * D("0.24")
    speech = 1200 * D("3.4") + 900 * D("13.6")
    assert doc.cost_usd == (text + speech) / M
    # The metric keeps the record's own totals.
    assert (doc.input_tokens, doc.output_tokens) == (1500, 1050)


def test_speech_totals_alone_are_unpriced(meter: Meter) -> None:
    docs, reasons, _ = meter_one(meter, 9)
    assert only(docs).unpriced == 1
    (reason,) = reasons
    assert "speech and text tokens at different rates" in reason


def test_service_tiers_named_in_the_body_are_priced_at_their_rate(meter: Meter) -> None:
    docs, reasons, _ = meter_one(meter, 10, 11)
    # Nova 2 Lite global list 0.30 / 2.50, priority 1.75x; Qwen3 32B 0.15 / 0.60, flex 0.5x.
    assert docs["amazon.nova-2-lite-v1:0"].cost_usd == (1000 * D("0.525") + 500 * D("4.375")) / M
    assert docs["qwen.qwen3-32b-v1:0"].cost_usd == (2000 * D("0.075") + 10 * D("0.3")) / M
    assert reasons == {}


def test_one_hour_cache_writes_are_priced_at_their_rate(meter: Meter) -> None:
    doc = only(meter_one(meter, 12)[0])
    # Sonnet 4.5 in-Region (regional 1.10x): input 3.30, output 16.50, 5m write 4.125, 1h write 6.60.
    expected = 100 * D("3.3") + 200 * D("16.5") + 1000 * D("4.125") + 4000 * D("6.6")
    assert doc.cost_usd == expected / M
    assert doc.cache_write_tokens == 5000


def test_guardrail_units_are_priced_under_their_own_model(meter: Meter) -> None:
    docs, reasons, _ = meter_one(meter, 13)
    assert docs["anthropic.claude-3-haiku-20240307-v1:0"].cost_usd == (35 * D("0.25") + 446 * D("1.25")) / M
    guard = docs[GUARDRAILS_MODEL]
    # 3 content and 3 topic text units at 0.15 USD per 1,000 (from December 2024); word filters are free.
    assert guard.cost_usd == (3 * D("0.15") + 3 * D("0.15")) / 1000
    assert guard.invocations == 0 and reasons == {}


def test_prompt_router_prices_the_model_that_served_the_call(meter: Meter) -> None:
    docs, _, estimated = meter_one(meter, 14)
    doc = docs["anthropic.claude-3-haiku-20240307-v1:0"]
    assert doc.cost_usd == (20 * D("0.25") + 5 * D("1.25")) / M and estimated == {}


def test_prompt_router_without_the_served_model_is_an_estimate_at_its_fallback(
    make_meter: Callable[..., Meter],
) -> None:
    replay = make_meter()
    replay.price_at_record_time = True  # a June 2025 record: Claude 3.5 Sonnet was 3 / 15 then
    docs, reasons, estimated = meter_one(replay, 15)
    doc = docs["anthropic.claude-3-5-sonnet-20240620-v1:0"]
    assert doc.cost_usd == (20 * D(3) + 5 * D(15)) / M and reasons == {}
    assert list(estimated.values()) == [1] and "fallback model" in next(iter(estimated))


def test_a_call_with_no_tokens_is_never_unpriced_even_for_an_unknown_model(meter: Meter) -> None:
    docs, reasons, _ = meter_one(meter, 16)
    doc = only(docs)
    # A failed call never admits an id outside the catalog as a Model dimension value: "unknown".
    assert (doc.model, doc.unpriced, doc.throttled, doc.cost_usd, reasons) == (
        "unknown",
        0,
        1,
        D(0),
        {},
    )


def test_image_embeddings_price_the_text_and_the_image(meter: Meter) -> None:
    doc = only(meter_one(meter, 17)[0])
    assert doc.cost_usd == 4 * D("0.8") / M + D("0.00006")


@pytest.mark.parametrize("number", sorted(RECORDS))
def test_every_sample_parses_and_keeps_its_token_counts(number: int) -> None:
    rec: Any = parse_record(json.dumps(RECORDS[number]))
    assert isinstance(rec, InvocationRecord), rec
    assert rec.input_tokens == RECORDS[number]["input"].get("inputTokenCount", 0)


def test_a_response_claiming_more_one_hour_writes_than_the_count_is_malformed(meter: Meter) -> None:
    bad = json.loads(json.dumps(RECORDS[12]))
    bad["input"]["cacheWriteInputTokenCount"] = 10
    result = meter.meter(log_events([bad]))
    assert result.malformed == 1 and "1-hour cache-write" in result.malformed_samples[0][1]
