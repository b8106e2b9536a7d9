"""Turn a decomposition into the sentence a person reads, and find since when the main driver moved."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lambdas.evaluator.decomposition import FACTOR_LABELS, FACTORS, Decomposition, Usage

# A factor whose contribution is below this share of the change being explained is reported as unchanged
# (relative to the change, not to spend or a cent: a feature costing cents still gets its driver named).
UNCHANGED_SHARE = 0.1
# A throttle storm is named from the throttle counts even when it costs nothing (throttled calls are not
# billed): at least THROTTLE_STORM_RATE throttled attempts per successful call, at least twice the earlier
# rate plus 0.02, and at least THROTTLE_STORM_MIN throttled attempts in the window.
THROTTLE_STORM_RATE = 0.05
THROTTLE_STORM_MIN = 3
# Change point: the first bucket past the midpoint between the old and new level, from which on at least this
# share of buckets stay past it.
CHANGE_POINT_PERSISTENCE = 0.8

ModelUsage = Mapping[str, Usage]


def usd(value: float) -> str:
    return f"${value:,.0f}" if abs(value) >= 100 else f"${value:,.2f}"


def signed_usd(value: float) -> str:
    return ("+" if value >= 0 else "-") + usd(abs(value))


def pct(before: float, after: float) -> float | None:
    return None if before == 0 else 100.0 * (after - before) / before


def fmt_pct(value: float | None) -> str:
    return "new" if value is None else f"{value:+.0f}%"


def _total(models: ModelUsage) -> Usage:
    return sum(models.values(), Usage())


def _share(models: ModelUsage, chosen: set[str]) -> float:
    total = _total(models).billed
    return 0.0 if total <= 0 else 100.0 * sum(u.billed for m, u in models.items() if m in chosen) / total


def mix_models(before: ModelUsage, after: ModelUsage, premium: Sequence[str]) -> tuple[str, set[str]]:
    """What the model-mix number is about: premium models when config lists some in use, else the model whose
    share of requests moved most."""
    used = set(before) | set(after)
    chosen = used & set(premium)
    if chosen:
        return "premium-model share", chosen
    if not used:
        return "model share", set()
    top = max(sorted(used), key=lambda m: abs(_share(after, {m}) - _share(before, {m})))
    return f"{top} share", {top}


def factor_value(factor: str, models: ModelUsage, mix: set[str]) -> float | None:
    """The observable behind each factor (feature level), or None when undefined."""
    t = _total(models)
    if factor == "traffic":
        return t.successful
    if factor == "retries":
        return t.billed / t.successful if t.successful > 0 else None
    if factor == "input_tokens":
        return t.input_tokens / t.billed if t.billed > 0 else None
    if factor == "output_tokens":
        return t.output_tokens / t.billed if t.billed > 0 else None
    if factor == "model_mix":
        return _share(models, mix) if t.billed > 0 else None
    return None  # price: reported through its Divisia index


def change_point(
    factor: str,
    buckets: Sequence[tuple[datetime, ModelUsage]],
    base_buckets: Sequence[ModelUsage],
    before_level: float,
    after_level: float,
    mix: set[str],
) -> datetime | None:
    """Start of the bucket from which the factor sits past the midpoint of its old and new levels (traffic:
    per-bucket ratio to the same bucket a week earlier). None when it was there from the window's start."""
    if factor == "traffic":
        if before_level <= 0:
            return None
        old, new = 1.0, after_level / before_level
    else:
        old, new = before_level, after_level
    if old == new:
        return None
    mid, up = (old + new) / 2, new > old
    series: list[tuple[datetime, bool]] = []
    for i, (when, models) in enumerate(buckets):
        value = factor_value(factor, models, mix)
        if factor == "traffic" and value is not None:
            base = factor_value("traffic", base_buckets[i], mix) if i < len(base_buckets) else None
            value = value / base if base else None
        if value is not None:
            series.append((when, value > mid if up else value < mid))
    for i, (when, past) in enumerate(series):
        rest = [p for _, p in series[i:]]
        if past and sum(rest) >= CHANGE_POINT_PERSISTENCE * len(rest):
            return None if i == 0 else when
    return None


def _number(factor: str, value: float) -> str:
    if factor == "traffic":
        return f"{value:,.0f}"
    if factor == "retries":
        return f"{value:.2f}"
    if factor == "model_mix":
        return f"{value:.0f}%"
    return f"{value:,.0f}"


@dataclass(frozen=True)
class Driver:
    factor: str
    contribution_usd: float
    change_percent: float | None
    before: float | None
    after: float | None
    unchanged: bool
    text: str
    within_noise: bool = False  # moved, but the detector's own test on it sees its usual variation

    def as_dict(self) -> dict[str, Any]:
        return {
            "factor": self.factor,
            "contribution_usd": round(self.contribution_usd, 2),
            "change_percent": None if self.change_percent is None else round(self.change_percent, 1),
            "before": None if self.before is None else round(self.before, 4),
            "after": None if self.after is None else round(self.after, 4),
            "unchanged": self.unchanged,
            "within_noise": self.within_noise,
            "text": self.text,
        }


def throttles_per_call(models: ModelUsage) -> float:
    t = _total(models)
    return t.throttled / t.successful if t.successful > 0 else t.throttled


def throttle_storm(before: ModelUsage, after: ModelUsage) -> bool:
    t0, t1 = throttles_per_call(before), throttles_per_call(after)
    return (
        t1 >= THROTTLE_STORM_RATE and t1 >= 2.0 * t0 + 0.02 and _total(after).throttled >= THROTTLE_STORM_MIN
    )


def drivers(
    decomposition: Decomposition,
    before: ModelUsage,
    after: ModelUsage,
    premium: Sequence[str],
    within_noise: Collection[str] = (),
) -> list[Driver]:
    """Every factor with its observable before -> after: those that moved first, largest contribution first;
    then those that moved within their usual variation (`within_noise`: factors whose detector test sees
    noise), then the unchanged ones."""
    mix_label, mix = mix_models(before, after, premium)
    floor = max(1e-9, UNCHANGED_SHARE * abs(decomposition.change))
    storm = throttle_storm(before, after)
    result: list[Driver] = []
    for factor, contribution in decomposition.ranked():
        label = FACTOR_LABELS[factor]
        unchanged = abs(contribution) < floor and not (factor == "retries" and storm)
        if factor == "price":
            b, a = None, None
            change: float | None = 100.0 * (decomposition.index("price") - 1.0)
            detail = f"price per token {change:+.0f}% ({signed_usd(contribution)})"
        else:
            b, a = factor_value(factor, before, mix), factor_value(factor, after, mix)
            change = None if b is None or a is None else (a - b if factor == "model_mix" else pct(b, a))
            if b is None or a is None:
                detail = f"{label} ({signed_usd(contribution)})"
            elif factor == "model_mix":
                detail = (
                    f"{label}: {mix_label} {_number(factor, b)} -> {_number(factor, a)} "
                    f"({signed_usd(contribution)})"
                )
            else:
                unit = " requests" if factor == "traffic" else ""
                detail = (
                    f"{label} {fmt_pct(change)} ({_number(factor, b)} -> {_number(factor, a)}{unit}, "
                    f"{signed_usd(contribution)})"
                )
        if factor == "retries" and storm:
            detail = (
                f"{detail[:-1] if detail.endswith(')') else detail}; throttled attempts per successful call "
                f"{throttles_per_call(before):.2f} -> {throttles_per_call(after):.2f})"
            )
        noise = not unchanged and factor in within_noise
        text = (
            f"{label} unchanged" if unchanged else detail + (" within its usual variation" if noise else "")
        )
        result.append(Driver(factor, contribution, change, b, a, unchanged, text, noise))
    return sorted(result, key=lambda d: (d.unchanged, d.within_noise))  # stable: by contribution within


def summary(
    feature: str,
    decomposition: Decomposition,
    ranked: Sequence[Driver],
    current_label: str,
    base_label: str,
    since: datetime | None,
) -> str:
    before, after = decomposition.before, decomposition.after
    change = fmt_pct(pct(before, after))
    head = f"{feature}: {usd(after)} {current_label} vs {usd(before)} {base_label} ({change})."
    moved = [d for d in ranked if not d.unchanged and not d.within_noise]
    noisy = [d for d in ranked if d.within_noise]
    still = sorted((d for d in ranked if d.unchanged), key=lambda d: FACTORS.index(d.factor))
    if not moved:
        listed = "".join(f"; {d.text}" for d in noisy)
        return (
            f"{head} Driver: none; no factor moved cost by more than {UNCHANGED_SHARE:.0%} of the change "
            f"beyond its usual variation{listed}."
        )
    first = moved[0].text + (f" since {since:%H:%M} UTC" if since is not None else "")
    rest = [d.text for d in moved[1:]] + [d.text for d in noisy] + [d.text for d in still]
    return f"{head} Driver: {first}" + "".join(f"; {r}" for r in rest) + "."
