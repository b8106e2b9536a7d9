"""The detector's tests on synthetic minute sums: quiet on noise, each drift caught within minutes and named
by the right test, storms on a feature that never fails caught from their first failures, partly landed
minutes adding no evidence, and a state that survives JSON exactly (the Lambda stores it every minute)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lambdas.detector.detect import observe
from lambdas.detector.model import FeatureSettings, FeatureState, Minute
from tests.unit.detector.conftest import START, ListView, minutes

FAMILIES = ("traffic", "input_tokens", "output_tokens", "model_mix", "retries", "burst")
SETTINGS = FeatureSettings("f", "app", hourly_limit_usd=1_000.0, families=FAMILIES)


def _run(
    data: list[Minute],
    settings: FeatureSettings = SETTINGS,
    view: ListView | None = None,
    until: int | None = None,
) -> tuple[FeatureState, list[tuple[int, list[str]]]]:
    """Evaluate every minute; (final state, [(minute index, families firing)] where any fires)."""
    state = FeatureState()
    view = view or ListView(data)
    fired = []
    for i in range(until if until is not None else len(data)):
        view.now = START + i
        signals = observe(settings, state, view, START + i, premium_models=True).signals
        if signals:
            fired.append((i, sorted(signals)))
    return state, fired


def test_stationary_traffic_does_not_fire() -> None:
    _state, fired = _run(minutes(3, 5.0, seed=2, throttle_rate=0.01, premium_share=0.02))
    assert fired == []


@pytest.mark.parametrize(
    ("kind", "family"),
    [
        ("prompt_change", "output_tokens"),
        ("routing", "model_mix"),
        ("retry_storm", "retries"),
        ("growth", "traffic"),
    ],
)
def test_each_drift_is_caught_within_minutes_by_its_test(kind: str, family: str) -> None:
    at = 2 * 1440 + 10 * 60  # Wednesday 10:00
    _state, fired = _run(minutes(2.5, 10.0, seed=3, drift=kind, drift_at=at), until=at + 30)
    assert fired, f"{kind} not caught in 30 minutes"
    first, families = fired[0]
    assert at <= first <= at + 6 and family in families


def test_a_storm_on_a_feature_that_never_fails_is_evidence_from_its_first_failures() -> None:
    at = 2 * 1440 + 12 * 60
    _state, fired = _run(minutes(2.6, 0.5, seed=4, drift="retry_storm", drift_at=at), until=at + 60)
    assert fired and fired[0][1] == ["retries"] and fired[0][0] - at <= 15


def test_partly_landed_minutes_add_no_evidence_and_their_share_is_learned() -> None:
    data = minutes(2, 8.0, seed=5)
    view = ListView(data, visible=(0.1, 0.6, 0.97))
    state, fired = _run(data, view=view)
    assert fired == []
    seen = [state.visibility[a] / state.visibility[3] for a in range(3)]
    assert seen == pytest.approx([0.1, 0.6, 0.97], abs=0.02)


def test_traffic_waits_for_a_day_of_history_unless_told_the_volume() -> None:
    data = minutes(1.2, 5.0, seed=6)
    state = FeatureState()
    view = ListView(data)
    armed_at = None
    for i in range(len(data)):
        view.now = START + i
        if "traffic" in observe(SETTINGS, state, view, START + i, True).statistics:
            armed_at = i
            break
    assert armed_at is not None and armed_at >= 1440
    told = replace(SETTINGS, expected_calls_per_minute=6.0)
    state = FeatureState()
    for i in range(120):
        view.now = START + i
        statistics = observe(told, state, view, START + i, True).statistics
    assert "traffic" in statistics


def test_a_disabled_test_does_not_run() -> None:
    settings = replace(SETTINGS, families=("traffic", "input_tokens"))
    state, _fired = _run(minutes(1.2, 5.0, seed=7), settings=settings)
    assert set(state.tests) <= {"traffic", "input_tokens"}


def test_the_state_survives_json_exactly() -> None:
    """The Lambda stores the state every minute; replay keeps it in memory: they must not diverge."""
    at = 2 * 1440
    data = minutes(2.2, 6.0, seed=8, drift="prompt_change", drift_at=at + 30)
    state, _ = _run(data, until=at)
    copy = FeatureState.from_json(state.to_json())
    view = ListView(data)
    for i in range(at, at + 90):
        view.now = START + i
        a = observe(SETTINGS, state, view, START + i, True)
        b = observe(SETTINGS, copy, view, START + i, True)
        copy = FeatureState.from_json(copy.to_json())
        assert a == b
    assert state.to_json() == copy.to_json()
