"""CloudWatch alarm semantics of the replay engine, on hand-made series: windows, metric math, the
evaluation range with every missing-data policy (the User Guide's own tables), lateness."""

from __future__ import annotations

import pytest

from cli.replay.engine import (
    ALARM,
    INSUFFICIENT,
    OK,
    AlarmSeries,
    ExpressionError,
    MathEvaluator,
    RawViews,
    alarm_series,
    decide,
    evaluate_alarm,
    window_values,
    window_views,
)
from core.alarm_model import AlarmDefinition, ExpressionQuery, MetricStatQuery, TreatMissingData


def test_window_statistics_and_missing() -> None:
    sums = [1.0, 0.0, 3.0, 0.0]
    counts = [1.0, 0.0, 1.0, 0.0]
    assert window_values(sums, counts, 2, "Sum") == [1.0, 1.0, 3.0, 3.0]
    assert window_values(sums, counts, 1, "Sum") == [1.0, None, 3.0, None]
    assert window_values(sums, counts, 3, "SampleCount") == [1.0, 1.0, 2.0, 1.0]
    assert window_values(sums, counts, 3, "Average") == [1.0, 1.0, 2.0, 3.0]


def test_a_window_is_read_as_it_had_landed() -> None:
    """Minute 2 has 10 calls of which 1 had landed at age 0, 6 at age 1, 10 from age 2 on; minute 1 had
    all its 4 at age 1. A 2-minute Sum ending at minute 2 reads 4 + 1 right after minute 2, 4 + 6 a minute
    later, 14 once final; a minute with no landed sample is missing, not zero."""
    raw = RawViews(
        sums=[0.0, 4.0, 10.0],
        counts=[0.0, 1.0, 2.0],
        visible_sums=[[0.0, 0.0, 1.0], [0.0, 4.0, 6.0], [0.0, 4.0, 10.0]],
        visible_counts=[[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.0, 1.0, 2.0]],
    )
    views = window_views(raw, 2, "Sum")
    assert [views[d][2] for d in range(4)] == [5.0, 10.0, 14.0, 14.0]
    assert views[0][1] is None and views[1][1] == 4.0  # minute 1 not landed at age 0


def test_metric_math_subset() -> None:
    series = {"a": [1.0, None, 4.0, 2.0], "b": [0.0, 2.0, None, 4.0]}
    ev = MathEvaluator(4, lambda qid: series[qid])
    assert ev.evaluate("a / b") == [None, None, None, 0.5]  # division by zero: no datapoint
    assert ev.evaluate("100 * FILL(a, 0) / b") == [None, 0.0, None, 50.0]
    assert ev.evaluate("SUM([a, b])") == [1.0, 2.0, 4.0, 6.0]
    assert ev.evaluate("FILL(a, 0) + FILL(b, 0)") == [1.0, 2.0, 4.0, 6.0]
    assert ev.evaluate("IF(b > 1, a, 0)") == [0.0, None, None, 2.0]


def _dp(text: str) -> list[bool | None]:
    """'0 - X - X' (oldest first, as the User Guide prints them) -> newest first."""
    return [{"0": False, "X": True, "-": None}[c] for c in reversed(text.split())]


# CloudWatch User Guide, "How alarm state is evaluated when data is missing": evaluation range 5.
# Columns: MISSING, IGNORE, BREACHING, NOT BREACHING; "keep" = retain current state.
THREE_OF_THREE = [
    ("0 - X - X", OK, OK, OK, OK),
    ("0 - - - -", OK, OK, OK, OK),
    ("- - - - -", INSUFFICIENT, "keep", ALARM, OK),
    ("0 X X - X", ALARM, ALARM, ALARM, ALARM),
    ("- - X - -", ALARM, "keep", ALARM, OK),
]
TWO_OF_THREE = [
    ("0 - X - X", ALARM, ALARM, ALARM, ALARM),
    ("0 0 X 0 X", ALARM, ALARM, ALARM, ALARM),
    ("0 - X - -", OK, OK, ALARM, OK),
    ("- - - - 0", OK, OK, ALARM, OK),
    ("- - - X -", ALARM, "keep", ALARM, OK),
]


@pytest.mark.parametrize(("m", "rows"), [(3, THREE_OF_THREE), (2, TWO_OF_THREE)])
def test_evaluation_range_matches_the_user_guide_tables(m: int, rows: list[tuple[str, ...]]) -> None:
    for points, *expected in rows:
        for policy, want in zip(("missing", "ignore", "breaching", "notBreaching"), expected, strict=True):
            for before in (OK, ALARM):
                got = decide(_dp(points), m, 3, policy, before)
                assert got == (before if want == "keep" else want), (points, policy, before)


def _alarm(policy: TreatMissingData, m: int = 2, n: int = 3, period: int = 60) -> AlarmDefinition:
    return AlarmDefinition(
        key="x",
        family="cost",
        subject="f",
        kind="Test",
        name="x",
        description="",
        queries=(
            MetricStatQuery(
                id="m", metric_name="CostUSD", dimensions=(), stat="Sum", period=period, return_data=True
            ),
        ),
        comparison="GreaterThanThreshold",
        evaluation_periods=n,
        datapoints_to_alarm=m,
        treat_missing_data=policy,
        threshold=10.0,
    )


def _final(values: list[float | None], period: int = 1) -> AlarmSeries:
    return AlarmSeries([values] * 4, period)


def test_m_out_of_n_and_missing_data_over_time() -> None:
    values: list[float | None] = [20.0, 1.0, 20.0, None, None, None, None, None]
    states, transitions = evaluate_alarm(_alarm("notBreaching"), _final(values))
    assert states[:3] == [OK, OK, ALARM]  # 2 of 3 breaching at minute 2
    assert states[3] == ALARM  # the range looks back: 20, 1, 20 are still the 3 most recent present
    assert states[-1] == OK  # once the range (5 datapoints) holds fewer than 3, filled as not breaching
    assert [t.minute for t in transitions if t.state == ALARM] == [2]
    states, _ = evaluate_alarm(_alarm("breaching"), _final(values))
    assert states[-1] == ALARM
    gap: list[float | None] = [20.0, None, None, None, None]
    states, _ = evaluate_alarm(_alarm("ignore", 1, 1), _final(gap))
    assert states == [ALARM] * 5  # all missing: keep the state
    states, _ = evaluate_alarm(_alarm("missing", 1, 1), _final(gap))
    assert states[-1] == INSUFFICIENT


def test_sliding_periods_need_datapoints_a_period_apart() -> None:
    # 5-minute period, 2 of 3: a breach that starts at minute 10 alarms only once the window ending 5
    # minutes earlier also holds breaching data.
    values: list[float | None] = [*([1.0] * 10), *([50.0] * 10)]
    _states, transitions = evaluate_alarm(_alarm("notBreaching"), _final(values, 5))
    assert transitions[-1].state == ALARM and transitions[-1].minute == 15


def test_a_breach_is_seen_late_when_its_minute_has_not_landed() -> None:
    """A 1-minute alarm (> 10) on a minute of 30 that shows 3 at age 0 and 17 at age 1. Read 1 of 2, it
    fires a minute later than on final data; read 1 of 1, it never sees the breach (the minute was only
    ever the newest datapoint while it had barely landed): why no deployed alarm decides on the newest
    minute alone."""

    def source(_q: MetricStatQuery) -> RawViews:
        return RawViews(
            [0.0, 0.0, 30.0, 0.0],
            [1.0, 1.0, 1.0, 1.0],
            [[0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 17.0, 0.0], [0.0, 0.0, 30.0, 0.0]],
            [[1.0, 1.0, 1.0, 1.0]] * 3,
        )

    one_of_two = _alarm("notBreaching", 1, 2)
    states, _ = evaluate_alarm(one_of_two, alarm_series(one_of_two, source, 4, 0))
    assert states == [OK, OK, OK, ALARM]
    final, _ = evaluate_alarm(one_of_two, _final([0.0, 0.0, 30.0, 0.0]))
    assert final == [OK, OK, ALARM, ALARM]
    one_of_one = _alarm("notBreaching", 1, 1)
    states, _ = evaluate_alarm(one_of_one, alarm_series(one_of_one, source, 4, 0))
    assert ALARM not in states


def test_anomaly_bands_are_refused() -> None:
    band = AlarmDefinition(
        key="b",
        family="cost",
        subject="f",
        kind="Band",
        name="band",
        description="",
        queries=(
            MetricStatQuery(
                id="m", metric_name="CostUSD", dimensions=(), stat="Sum", period=60, return_data=True
            ),
            ExpressionQuery(id="band", expression="ANOMALY_DETECTION_BAND(m, 2)", label="", return_data=True),
        ),
        comparison="GreaterThanUpperThreshold",
        threshold=None,
        threshold_metric_id="band",
        evaluation_periods=1,
        datapoints_to_alarm=1,
    )
    with pytest.raises(ExpressionError, match="not reproducible offline"):
        alarm_series(band, lambda _q: RawViews([1.0], [1.0]), 1, 0)
