"""CloudWatch alarm semantics of the replay engine, on hand-made series."""

from __future__ import annotations

from cli.replay.engine import (
    ALARM,
    OK,
    AlarmSeries,
    MathEvaluator,
    alarm_series,
    anomaly_band,
    compile_rule,
    evaluate_alarm,
    window_values,
)
from core.alarm_definitions import build_alarm_set
from core.alarm_model import AlarmDefinition, MetricStatQuery, TreatMissingData


def test_window_statistics_and_missing() -> None:
    sums = [1.0, 0.0, 3.0, 0.0]
    counts = [1, 0, 1, 0]
    assert window_values(sums, counts, 2, "Sum") == [1.0, 1.0, 3.0, 3.0]
    assert window_values(sums, counts, 1, "Sum") == [1.0, None, 3.0, None]
    assert window_values(sums, counts, 3, "SampleCount") == [1.0, 1.0, 2.0, 1.0]
    assert window_values(sums, counts, 3, "Average") == [1.0, 1.0, 2.0, 3.0]


def test_metric_math_subset() -> None:
    series = {"a": [1.0, None, 4.0, 2.0], "b": [0.0, 2.0, None, 4.0]}
    ev = MathEvaluator(4, lambda qid: series[qid])
    assert ev.evaluate("a / b") == [None, None, None, 0.5]  # division by zero: no datapoint
    assert ev.evaluate("100 * FILL(a, 0) / b") == [None, 0.0, None, 50.0]
    assert ev.evaluate("SUM([a, b])") == [1.0, 2.0, 4.0, 6.0]
    assert ev.evaluate("FILL(a, 0) + FILL(b, 0)") == [1.0, 2.0, 4.0, 6.0]
    assert ev.evaluate("IF(b > 1, a, 0)") == [0.0, None, None, 2.0]


def _alarm(policy: TreatMissingData, m: int = 2, n: int = 3) -> AlarmDefinition:
    return AlarmDefinition(
        key="x",
        family="cost",
        subject="f",
        kind="Test",
        name="x",
        description="",
        queries=(
            MetricStatQuery(
                id="m", metric_name="CostUSD", dimensions=(), stat="Sum", period=60, return_data=True
            ),
        ),
        comparison="GreaterThanThreshold",
        evaluation_periods=n,
        datapoints_to_alarm=m,
        treat_missing_data=policy,
        threshold=10.0,
    )


def test_m_out_of_n_and_missing_data() -> None:
    values: list[float | None] = [20.0, 1.0, 20.0, None, None, None, None]
    series = AlarmSeries(values, None, None, 1)
    states, transitions = evaluate_alarm(_alarm("notBreaching"), series)
    assert states[:3] == [OK, OK, ALARM]  # 2 of 3 breaching at minute 2
    assert states[-1] == OK
    assert [t.minute for t in transitions if t.state == ALARM] == [2]
    states, _ = evaluate_alarm(_alarm("breaching"), series)
    assert states[-1] == ALARM
    gap = AlarmSeries([20.0, None, None], None, None, 1)
    states, _ = evaluate_alarm(_alarm("ignore", 1, 1), gap)
    assert states == [ALARM, ALARM, ALARM]  # all missing: keep the state
    states, _ = evaluate_alarm(_alarm("missing", 1, 1), gap)
    assert states[-1] == "INSUFFICIENT_DATA"


def test_sliding_periods_need_datapoints_a_period_apart() -> None:
    # 5-minute period, 2 of 3: a breach that starts at minute 10 alarms only once the window ending 5
    # minutes earlier also holds breaching data.
    values: list[float | None] = [*([1.0] * 10), *([50.0] * 10)]
    _states, transitions = evaluate_alarm(_alarm("notBreaching"), AlarmSeries(values, None, None, 5))
    assert transitions[-1].state == ALARM and transitions[-1].minute == 15


def test_anomaly_band_needs_history_and_tracks_it() -> None:
    day = 1440
    values: list[float | None] = [100.0 + (i % 7) for i in range(2 * day)]
    lower, upper = anomaly_band(values, 3.0, 0, 5)
    assert upper[10] is None  # first day: the model is training
    assert upper[day + 10] is not None and 103.0 < upper[day + 10] < 112.0  # type: ignore[operator]
    assert lower[day + 10] is not None and lower[day + 10] < 100.0  # type: ignore[operator]


def test_composite_rules() -> None:
    rule = compile_rule('ALARM("a") OR (ALARM("b") AND NOT OK("c"))')
    assert rule({"a": ALARM})
    assert not rule({"a": OK, "b": ALARM, "c": OK})
    assert rule({"a": OK, "b": ALARM, "c": ALARM})


def _traffic_alarm(feature: str) -> AlarmDefinition:
    from config.loader import load_config

    config = load_config("config/example.yaml")
    alarms = build_alarm_set(config, config.account("prod")).alarms
    return next(a for a in alarms if a.name == f"GenAiGuardrails-prod-{feature}-TrafficAnomaly")


def _minutes_to_alarm(
    alarm: AlarmDefinition, calls: list[float], cost_per_call: float, since: int
) -> int | None:
    """Minutes from `since` to the alarm's first ALARM, on per-minute Invocations and CostUSD sums."""
    n = len(calls)

    def source(q: MetricStatQuery) -> tuple[list[float], list[int]]:
        sums = calls if q.metric_name == "Invocations" else [c * cost_per_call for c in calls]
        return list(sums), [1 if s else 0 for s in sums]

    series = alarm_series(alarm, source, n, 0)
    states, _ = evaluate_alarm(alarm, series)
    first = next((i for i in range(since, n) if states[i] == ALARM), None)
    return None if first is None else first - since + 1


def _poisson_days(days: int, mean: float, seed: int) -> list[float]:
    import random

    rng = random.Random(seed)
    out: list[float] = []
    for _ in range(days * 1440):  # Poisson(mean) by counting exponential gaps within one minute
        k, t = 0, rng.expovariate(mean)
        while t < 1.0:
            k, t = k + 1, t + rng.expovariate(mean)
        out.append(float(k))
    return out


def test_traffic_anomaly_sees_tripled_calls_within_minutes_and_not_noise() -> None:
    """report-writer ($20/h limit): 5 calls a minute at $0.02 (spend projects to $6/h, above the 25% floor
    of $5/h). Four quiet days train the band; tripled traffic on day five alarms within 5 minutes, while the
    same Poisson noise without the surge never does."""
    alarm = _traffic_alarm("report-writer")
    day = 1440
    quiet = _poisson_days(5, 5.0, seed=3)
    assert _minutes_to_alarm(alarm, quiet, 0.02, 0) is None
    surge = quiet[: 4 * day + 600] + [3 * c for c in quiet[4 * day + 600 :]]
    minutes = _minutes_to_alarm(alarm, surge, 0.02, 4 * day + 600)
    assert minutes is not None and 3 <= minutes <= 5  # 3 of 4 one-minute datapoints: 3 minutes at best


def test_traffic_anomaly_ignores_surges_of_cheap_calls() -> None:
    """The same tripled traffic at $0.001 a call (spend projects to $0.90/h, under 25% of the $20 limit)
    counts no datapoint: a surge that cannot reach the hourly limit is not paged as a cost event."""
    alarm = _traffic_alarm("report-writer")
    day = 1440
    quiet = _poisson_days(5, 5.0, seed=3)
    surge = quiet[: 4 * day + 600] + [3 * c for c in quiet[4 * day + 600 :]]
    assert _minutes_to_alarm(alarm, surge, 0.001, 4 * day + 600) is None
