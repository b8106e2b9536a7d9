from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lambdas.evaluator.budget import Threshold, budget_status, crossed, month_end, month_start, period_key


def test_month_bounds() -> None:
    now = datetime(2026, 2, 10, 13, 30, tzinfo=UTC)
    assert month_start(now) == datetime(2026, 2, 1, tzinfo=UTC)
    assert month_end(now) == datetime(2026, 3, 1, tzinfo=UTC)
    assert period_key(now) == "2026-02"


def test_month_to_date_and_forecast_from_the_last_seven_days() -> None:
    now = datetime(2026, 3, 18, 0, 0, tzinfo=UTC)
    # $1 per hour since Feb 20: $24/day run-rate; 17 days of March so far.
    hours = [(datetime(2026, 2, 20, tzinfo=UTC) + timedelta(hours=h), 1.0) for h in range(26 * 24)]
    status = budget_status(hours, now, budget_usd=1000)
    assert status.month_to_date_usd == pytest.approx(17 * 24)
    assert status.run_rate_usd_per_day == pytest.approx(24)
    assert status.forecast_usd == pytest.approx(17 * 24 + 14 * 24)
    assert status.used_percent == pytest.approx(40.8)
    assert status.forecast_percent == pytest.approx(74.4)


def test_young_feature_is_not_extrapolated_from_one_hour() -> None:
    now = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)
    status = budget_status([(now - timedelta(hours=1), 10.0)], now, budget_usd=100)
    assert status.run_rate_usd_per_day == pytest.approx(10.0)  # divided by one day, not one hour


def test_crossed_thresholds_actual_and_forecast() -> None:
    now = datetime(2026, 3, 18, 0, 0, tzinfo=UTC)
    hours = [(datetime(2026, 2, 20, tzinfo=UTC) + timedelta(hours=h), 1.0) for h in range(26 * 24)]
    status = budget_status(hours, now, budget_usd=700)  # 58% used, forecast 106%
    thresholds = [Threshold(50, "actual"), Threshold(80, "actual"), Threshold(100, "forecasted")]
    assert [t.key for t in crossed(status, thresholds)] == ["forecasted#100", "actual#50"]
