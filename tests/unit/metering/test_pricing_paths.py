"""Every pricing rule the metering path uses: cache tokens, long context, unknown models, overrides."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from core.runtime_config import load_runtime_config
from lambdas.metering.aggregate import Meter
from lambdas.metering.emf import COST_QUANTUM, cost_value
from lambdas.pricing.catalog import Usage
from tests.unit.metering.helpers import log_events, record, usage

SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"
NOVA_MICRO = "amazon.nova-micro-v1:0"
M = Decimal(1_000_000)


def cost(meter: Meter, *recs: dict[str, Any]) -> tuple[Decimal | None, int]:
    (doc,) = meter.meter(log_events(list(recs))).docs
    return doc.cost_usd, doc.unpriced


def test_cache_read_and_write_rates(meter: Meter) -> None:
    got, unpriced = cost(
        meter, record(modelId=SONNET4, **usage(1000, 100, cache_read=5000, cache_write=2000))
    )
    assert unpriced == 0
    assert got == (1000 * Decimal(3) + 100 * Decimal(15) + 5000 * Decimal("0.3") + 2000 * Decimal("3.75")) / M


@pytest.mark.parametrize(
    ("inp", "cache_read", "cache_write", "long_context"),
    [
        (200_000, 0, 0, False),  # threshold itself: standard
        (200_001, 0, 0, True),
        (1_000, 150_000, 49_001, True),  # cache tokens count toward the prompt
        (1_000, 150_000, 49_000, False),
    ],
)
def test_long_context_threshold(
    meter: Meter, inp: int, cache_read: int, cache_write: int, long_context: bool
) -> None:
    assert meter.catalog.is_long_context(SONNET4, inp, cache_read, cache_write) is long_context
    got, _ = cost(meter, record(modelId=SONNET4, **usage(inp, 10, cache_read, cache_write)))
    rates = (Decimal(6), Decimal("22.5"), Decimal("0.6"), Decimal("7.5")) if long_context else (
        Decimal(3), Decimal(15), Decimal("0.3"), Decimal("3.75"))  # fmt: skip
    assert got == (inp * rates[0] + 10 * rates[1] + cache_read * rates[2] + cache_write * rates[3]) / M


def test_long_context_is_decided_per_record_not_per_aggregate(meter: Meter) -> None:
    # Two 150k-token calls in one minute: each is standard, even though their sum is over 200k.
    got, _ = cost(meter, *[record(modelId=SONNET4, **usage(150_000, 0)) for _ in range(2)])
    assert got == 300_000 * Decimal(3) / M


def test_missing_cache_write_rate_makes_only_those_records_unpriced(meter: Meter) -> None:
    # Nova Micro has no cache-write rate in the catalog: never guessed from the input rate.
    got, unpriced = cost(
        meter,
        record(modelId=NOVA_MICRO, **usage(1000, 100)),
        record(modelId=NOVA_MICRO, **usage(1000, 100, cache_read=400)),
        record(modelId=NOVA_MICRO, **usage(1000, 100, cache_write=50)),
    )
    assert unpriced == 1
    assert got == (2000 * Decimal("0.035") + 200 * Decimal("0.14") + 400 * Decimal("0.00875")) / M


def test_unknown_model_is_unpriced_never_guessed(meter: Meter) -> None:
    result = meter.meter(
        log_events([record(modelId="anthropic.claude-9-opus-20300101-v1:0", **usage(10, 10))])
    )
    (doc,) = result.docs
    assert doc.cost_usd is None and doc.unpriced == 1 and doc.input_tokens == 10
    assert any("not in catalog" in r for r in result.unpriced_reasons)


def test_region_without_a_price_is_unpriced(meter: Meter) -> None:
    got, unpriced = cost(meter, record(modelId=NOVA_MICRO, region="me-central-1", **usage(10, 10)))
    assert got is None and unpriced == 1


def test_aggregate_equals_sum_of_per_record_prices(meter: Meter) -> None:
    recs = [
        record(
            modelId=SONNET4, **usage(1000 + 37 * k, 13 * k, cache_read=(k % 3) * 999, cache_write=(k % 5) * 7)
        )
        for k in range(200)
    ]
    got, _ = cost(meter, *recs)
    per_record = sum(
        (
            meter.catalog.price(
                SONNET4,
                "us-east-1",
                "in_region",
                Usage(
                    r["input"]["inputTokenCount"],
                    r["output"]["outputTokenCount"],
                    r["input"].get("cacheReadInputTokenCount", 0),
                    r["input"].get("cacheWriteInputTokenCount", 0),
                ),
            ).cost_usd
            or Decimal("NaN")
            for r in recs
        ),
        Decimal(0),
    )
    assert got == per_record


def test_discount_and_overrides_from_runtime_config(
    runtime_file: Path,
    config_data: dict[str, Any],
    prod_runtime_dict: Callable[[dict[str, Any] | None], dict[str, Any]],
    make_meter: Callable[..., Meter],
) -> None:
    prod = next(a for a in config_data["accounts"] if a["name"] == "prod")
    prod["pricing"]["discount_percent"] = 10
    prod["pricing"]["overrides"] = [
        {
            "model_id": "acme.secret-model-v9:0",
            "input_per_million": 2,
            "output_per_million": 8,
            "add_model": True,
        }
    ]
    runtime_file.write_text(json.dumps(prod_runtime_dict(config_data)), encoding="utf-8")
    meter = make_meter(rt=load_runtime_config())
    discounted, _ = cost(meter, record(modelId=SONNET4, **usage(100_000, 0)))
    assert discounted == Decimal("0.27")  # 100k x 3.00/M x 0.9
    overridden, unpriced = cost(meter, record(modelId="acme.secret-model-v9:0", **usage(100_000, 100_000)))
    assert (overridden, unpriced) == (Decimal(1), 0)  # overrides are final prices, not discounted


@pytest.mark.parametrize(
    ("value", "emitted"),
    [
        (Decimal("0.00056625"), 0.000566),  # half-even at 1e-6
        (Decimal("0.0000005"), 0.0),
        (Decimal("0.0000015"), 0.000002),
        (Decimal("1234.5678915"), 1234.567892),
    ],
)
def test_emf_cost_rounding(value: Decimal, emitted: float) -> None:
    assert Decimal("0.000001") == COST_QUANTUM
    assert cost_value(value) == emitted
