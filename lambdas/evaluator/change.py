"""Why a feature's cost changed over a window: the window against the same clock window averaged over the
previous days of the same type (weekdays, or weekend days), decomposed (LMDI) and worded.

One function, `explain_change`, serves the evaluator's budget notifications, the detector's pages and
replay; they differ only in where the per-minute usage comes from (`UsageSource`: CloudWatch GetMetricData in
the Lambdas, the replayed metrics in replay), so replay prints what the Lambda would send, byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Protocol

from lambdas.evaluator import explain
from lambdas.evaluator.decomposition import Usage, Weights, decompose

# The comparison: the same clock window on the COMPARE_DAYS most recent days of the same type within
# COMPARE_WITHIN_DAYS (CloudWatch keeps 1-minute data 15 days). One day of a short window is mostly Poisson
# noise; weekends are not weekdays.
COMPARE_DAYS = 5
COMPARE_WITHIN_DAYS = 14
BUCKET_MINUTES = 5  # change-point buckets
METHOD = (
    "LMDI-I (log-mean Divisia) over traffic x retries x model mix x tokens/request x price; contributions "
    "add up to change_usd"
)

ModelUsage = Mapping[str, Usage]


class UsageSource(Protocol):
    def minutes(self, start: datetime, end: datetime) -> Mapping[datetime, ModelUsage]:
        """Per minute start in [start, end), per model: the feature's usage (minutes with none may be
        absent)."""
        ...


@dataclass(frozen=True)
class Explanation:
    summary: str
    body: dict[str, Any]
    after: Mapping[str, Usage] = field(default_factory=dict)  # the current window's usage per model


def is_weekend(when: datetime) -> bool:
    return when.weekday() >= 5


def comparison_days(start: datetime) -> list[int]:
    """Days back (1..COMPARE_WITHIN_DAYS) of the same type as `start`'s day, most recent first."""
    weekend = is_weekend(start)
    days = [d for d in range(1, COMPARE_WITHIN_DAYS + 1) if is_weekend(start - timedelta(days=d)) == weekend]
    return days[:COMPARE_DAYS]


def total(models_by_minute: Mapping[datetime, ModelUsage]) -> dict[str, Usage]:
    out: dict[str, Usage] = {}
    for per_model in models_by_minute.values():
        for model, usage in per_model.items():
            out[model] = out.get(model, Usage()) + usage
    return out


def scaled(models: Mapping[str, Usage], factor: float) -> dict[str, Usage]:
    return {m: Usage(**{f.name: getattr(u, f.name) * factor for f in fields(u)}) for m, u in models.items()}


def _buckets(
    models_by_minute: Mapping[datetime, ModelUsage], start: datetime, end: datetime
) -> list[tuple[datetime, dict[str, Usage]]]:
    out: list[tuple[datetime, dict[str, Usage]]] = []
    at = start
    while at < end:
        upper = min(at + timedelta(minutes=BUCKET_MINUTES), end)
        out.append((at, total({t: u for t, u in models_by_minute.items() if at <= t < upper})))
        at = upper
    return out


def explain_change(
    source: UsageSource,
    feature: str,
    start: datetime,
    end: datetime,
    *,
    premium_models: Sequence[str],
    weights: Callable[[str], Weights],
    current_label: str,
    since: datetime | None = None,
    within_noise: Collection[str] = (),
) -> Explanation:
    """Explain [start, end). `since`: when the change began, if the caller knows (the detector does); else
    the change point of the main driver over 5-minute buckets. `within_noise`: factors not to name as the
    driver (the detector's own tests see their usual variation)."""
    current = source.minutes(start, end)
    after = total(current)
    days = comparison_days(start)
    earlier = [(d, source.minutes(start - timedelta(days=d), end - timedelta(days=d))) for d in days]
    used = [d for d, minutes in earlier if any(u.invocations for u in total(minutes).values())]
    # Days older than the oldest one with usage predate the feature: they are not zeros to average.
    kept = [(d, minutes) for d, minutes in earlier if used and d <= max(used)]
    before: dict[str, Usage] = {}
    for _d, minutes in kept:
        for model, usage in total(minutes).items():
            before[model] = before.get(model, Usage()) + usage
    if kept:
        before = scaled(before, 1.0 / len(kept))
    result = decompose(before, after, weights)
    ranked = explain.drivers(result, before, after, premium_models, within_noise)
    top = next((d for d in ranked if not d.unchanged and not d.within_noise), None)
    if (
        since is None
        and top is not None
        and top.before is not None
        and top.after is not None
        and top.factor != "price"
    ):
        _, mix = explain.mix_models(before, after, premium_models)
        buckets = _buckets(current, start, end)
        base: list[dict[str, Usage]] = []
        for at, _models in buckets:
            upper = min(at + timedelta(minutes=BUCKET_MINUTES), end)
            acc: dict[str, Usage] = {}
            for d, minutes in kept:
                lo, hi = at - timedelta(days=d), upper - timedelta(days=d)
                for model, usage in total({t: u for t, u in minutes.items() if lo <= t < hi}).items():
                    acc[model] = acc.get(model, Usage()) + usage
            base.append(scaled(acc, 1.0 / len(kept)) if kept else {})
        since = explain.change_point(top.factor, buckets, base, top.before, top.after, mix)
    base_label = _base_label(start, len(kept))
    text = explain.summary(feature, result, ranked, current_label, base_label, since)
    body = {
        "current_window": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "cost_usd": round(result.after, 2),
        },
        "comparison_window": {
            "days_back": [d for d, _m in kept],
            "start": (start - timedelta(days=kept[0][0])).isoformat() if kept else None,
            "cost_usd": round(result.before, 2),
            "averaged_over_days": len(kept),
        },
        "change_usd": round(result.change, 2),
        "method": METHOD,
        "since": None if since is None else since.isoformat(),
        "drivers": [d.as_dict() for d in ranked],
    }
    return Explanation(text, body, after)


def _base_label(start: datetime, days: int) -> str:
    kind = "weekend day" if is_weekend(start) else "weekday"
    if days == 0:
        return "nothing before (no earlier usage)"
    if days == 1:
        return f"the same window on the previous {kind}"
    return f"its average over the {days} previous {kind}s"


def window_label(start: datetime, end: datetime) -> str:
    minutes = int((end - start).total_seconds() // 60)
    return f"in the {minutes} min to {end:%H:%M} UTC"
