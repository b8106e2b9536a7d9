"""The decomposition is exact: the parts add up to the total change, for any usage (hypothesis)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from lambdas.evaluator.decomposition import FACTORS, Usage, Weights, decompose, log_mean

MODELS = ["model-a", "model-b", "model-c"]


@st.composite
def usage(draw: st.DrawFn) -> Usage:
    invocations = draw(st.integers(0, 100_000))
    failed = draw(st.integers(0, invocations))
    throttled = draw(st.integers(0, failed))
    priced = draw(st.booleans())
    input_tokens = draw(st.integers(0, 50_000_000))
    output_tokens = draw(st.integers(0, 10_000_000))
    cost = draw(st.floats(0, 50_000, allow_nan=False)) if priced else 0.0
    return Usage(
        invocations=invocations,
        failed=failed,
        throttled=throttled,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=draw(st.integers(0, 1_000_000)),
        cache_write_tokens=draw(st.integers(0, 1_000_000)),
        cost=cost,
    )


windows = st.dictionaries(st.sampled_from(MODELS), usage(), max_size=3)


@settings(max_examples=400, deadline=None)
@given(before=windows, after=windows)
def test_parts_sum_to_the_whole_within_a_cent(before: dict[str, Usage], after: dict[str, Usage]) -> None:
    result = decompose(before, after, lambda m: Weights(output=5.0 if m != "model-b" else 4.0))
    assert set(result.contributions) == set(FACTORS)
    assert all(math.isfinite(v) for v in result.contributions.values())
    assert abs(sum(result.contributions.values()) - result.change) < 0.01


def test_pure_traffic_change_is_all_traffic() -> None:
    base = Usage(invocations=1000, input_tokens=1_000_000, output_tokens=300_000, cost=2.75)
    grown = Usage(invocations=3000, input_tokens=3_000_000, output_tokens=900_000, cost=8.25)
    result = decompose({"m": base}, {"m": grown})
    assert math.isclose(result.contributions["traffic"], 5.5)
    assert all(abs(v) < 1e-9 for k, v in result.contributions.items() if k != "traffic")


def test_new_model_goes_to_model_mix_and_dropped_model_too() -> None:
    a = Usage(invocations=1000, input_tokens=1_000_000, output_tokens=300_000, cost=2.75)
    b = Usage(invocations=300, input_tokens=300_000, output_tokens=90_000, cost=2.475)
    a_less = Usage(invocations=700, input_tokens=700_000, output_tokens=210_000, cost=1.925)
    result = decompose({"a": a}, {"a": a_less, "b": b})
    assert result.ranked()[0][0] == "model_mix"
    assert math.isclose(sum(result.contributions.values()), b.cost + a_less.cost - a.cost)
    back = decompose({"a": a_less, "b": b}, {"a": a})
    assert back.ranked()[0][0] == "model_mix"
    assert math.isclose(sum(back.contributions.values()), a.cost - a_less.cost - b.cost)


def test_indices_multiply_to_the_cost_ratio() -> None:
    base = Usage(invocations=1000, input_tokens=1_000_000, output_tokens=300_000, cost=2.75)
    now = Usage(invocations=1200, failed=100, input_tokens=1_500_000, output_tokens=700_000, cost=6.0)
    result = decompose({"m": base}, {"m": now})
    product = math.prod(result.index(f) for f in FACTORS)
    assert math.isclose(product, now.cost / base.cost, rel_tol=1e-9)


def test_log_mean() -> None:
    assert log_mean(2.0, 2.0) == 2.0
    assert math.isclose(log_mean(math.e, 1.0), math.e - 1.0)
    assert log_mean(0.0, 1.0) == 0.0


def test_a_feature_with_no_spend_in_the_baseline_is_all_traffic() -> None:
    """A new feature (nothing a week earlier) grew from zero: that is traffic, not a model-mix shift."""
    after = {
        "anthropic.claude-3-haiku-20240307-v1:0": Usage(
            invocations=62, input_tokens=62_000, output_tokens=9_000, cost=0.61
        )
    }
    result = decompose({}, after)
    assert result.contributions["traffic"] == 0.61
    assert all(v == 0 for k, v in result.contributions.items() if k != "traffic")
    stopped = decompose(after, {})
    assert stopped.contributions["traffic"] == -0.61
