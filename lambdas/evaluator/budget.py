"""Month-to-date cost, end-of-month forecast and threshold crossings: pure functions of metric data."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

RUN_RATE_DAYS = 7


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_end(now: datetime) -> datetime:
    start = month_start(now)
    days = calendar.monthrange(start.year, start.month)[1]
    return start + timedelta(days=days)


def period_key(now: datetime) -> str:
    """The budget period a notification belongs to: the calendar month (UTC)."""
    return month_start(now).strftime("%Y-%m")


@dataclass(frozen=True)
class BudgetStatus:
    month_to_date_usd: float
    run_rate_usd_per_day: float
    forecast_usd: float
    budget_usd: float

    @property
    def used_percent(self) -> float:
        return 100.0 * self.month_to_date_usd / self.budget_usd

    @property
    def forecast_percent(self) -> float:
        return 100.0 * self.forecast_usd / self.budget_usd


def budget_status(
    hourly_cost: Iterable[tuple[datetime, float]],
    now: datetime,
    budget_usd: float,
    run_rate_days: int = RUN_RATE_DAYS,
) -> BudgetStatus:
    """`hourly_cost`: (hour start, CostUSD) points covering at least the month so far and the last
    `run_rate_days` days. Run-rate: cost of the last `run_rate_days` days divided by the days observed (at
    least one day, so a feature one hour old is not extrapolated from a single hour); the forecast applies
    it to the rest of the month: forecast = MTD + run-rate x remaining days."""
    start = month_start(now)
    window = now - timedelta(days=run_rate_days)
    points = sorted((t.astimezone(UTC), v) for t, v in hourly_cost if t < now)
    mtd = sum(v for t, v in points if t >= start)
    recent = [(t, v) for t, v in points if t >= window]
    if recent:
        observed = (now - min(t for t, _ in recent)).total_seconds() / 86400
        run_rate = sum(v for _, v in recent) / max(1.0, min(float(run_rate_days), observed))
    else:
        run_rate = 0.0
    remaining_days = max(0.0, (month_end(now) - now).total_seconds() / 86400)
    return BudgetStatus(
        month_to_date_usd=mtd,
        run_rate_usd_per_day=run_rate,
        forecast_usd=mtd + run_rate * remaining_days,
        budget_usd=budget_usd,
    )


@dataclass(frozen=True)
class Threshold:
    percent: float
    type: str  # "actual" | "forecasted"

    @property
    def key(self) -> str:
        return f"{self.type}#{self.percent:g}"

    def describe(self) -> str:
        return f"{self.percent:g}% {'forecast' if self.type == 'forecasted' else 'actual'}"


def crossed(status: BudgetStatus, thresholds: Sequence[Threshold]) -> list[Threshold]:
    """Thresholds the feature is at or above now, highest first."""
    hits = [
        t
        for t in thresholds
        if (status.used_percent if t.type == "actual" else status.forecast_percent) >= t.percent
    ]
    return sorted(hits, key=lambda t: (-t.percent, t.type))
