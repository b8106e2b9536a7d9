"""One evaluation of one feature: settle the minutes that became final (test, then learn), read the newest
ones as they are (test only), and say which tests fire.

The statistic kept in the state covers settled minutes only; each evaluation extends a copy of it with the
partly visible newest minutes. Their ratios (tokens per call, premium share, failures per call) are read as
they are: the visible calls are a sample of the minute. Their counts are compared with the expected count
times the share of a minute visible at that age, learned from minutes that settled since.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from lambdas.detector import sequential as sq
from lambdas.detector.model import (
    LOOKBACK_MINUTES,
    SETTLE_MINUTES,
    FeatureSettings,
    FeatureState,
    FeatureView,
    Minute,
    TestState,
)

PROVISIONAL_AGES = tuple(range(SETTLE_MINUTES))  # 0 = the newest minute


@dataclass(frozen=True)
class Signal:
    """A test that fires: its statistic against its threshold, since when, and what it saw."""

    family: str
    statistic: float
    threshold: float
    since: int  # epoch minute the excursion started
    detail: str


@dataclass(frozen=True)
class Observation:
    minute: int  # the newest minute evaluated
    signals: dict[str, Signal]
    statistics: dict[str, tuple[float, float]]  # every running test: (statistic, threshold)


Increment = Callable[[Minute, int, float], float | None]


def visibility(state: FeatureState, age: int) -> float:
    """Share of a minute's calls visible at that age (learned; prior VISIBILITY_PRIOR)."""
    seen, final = state.visibility[age], state.visibility[3]
    k = sq.VISIBILITY_PRIOR_CALLS
    return min(1.0, (seen + sq.VISIBILITY_PRIOR[age] * k) / (final + k))


def _increments(
    settings: FeatureSettings, state: FeatureState, premium_models: bool, snap: sq.Snapshot
) -> dict[str, Increment]:
    """family -> f(minute sums, epoch minute, visible share) -> increment, or None while not armed."""

    def traffic(x: Minute, m: int, visible: float) -> float | None:
        expected = sq.traffic_expectation(state, snap, m)
        return None if expected is None else sq.traffic_increment(expected, x.successful, visible)

    def tokens(stats_name: str) -> Increment:
        stats = state.input_tokens if stats_name == "input_tokens" else state.output_tokens
        inputs = stats_name == "input_tokens"
        cv2 = snap.input_cv2 if inputs else snap.output_cv2
        armed = snap.input_armed if inputs else snap.output_armed
        inflation = snap.input_inflation if inputs else snap.output_inflation
        centre = snap.input_centre if inputs else snap.output_centre

        def inc(x: Minute, m: int, _visible: float) -> float | None:
            if not armed:
                return None
            mean = sq.ratio_mean(stats, m)
            if mean is None or x.billed <= 0:
                return 0.0
            value = x.input_tokens if inputs else x.output_tokens
            return sq.tokens_increment(mean, cv2, value, x.billed, inflation, centre)

        return inc

    def mix(x: Minute, _m: int, _visible: float) -> float | None:
        if state.mix[1] < sq.MIN_CALLS:
            return None
        return sq.mix_increment(state, x.premium, x.calls)

    def retries(x: Minute, _m: int, _visible: float) -> float | None:
        if state.retries[1] < sq.MIN_CALLS:
            return None
        return sq.retry_increment(state, x.failed, x.successful)

    out: dict[str, Increment] = {}
    for family in settings.families:
        if family == "traffic":
            out[family] = traffic
        elif family in ("input_tokens", "output_tokens"):
            out[family] = tokens(family)
        elif family == "model_mix" and premium_models:
            out[family] = mix
        elif family == "retries":
            out[family] = retries
    return out


def _step(test: TestState, increment: float, threshold: float, minute: int, x: Minute) -> None:
    """One CUSUM step on a test's settled statistic, tracking its excursion."""
    before = test.statistic
    after = min(max(0.0, before + min(increment, sq.CAP_SHARE * threshold)), sq.MAX_STATISTIC * threshold)
    if after <= 0.0:
        test.since, test.calls, test.failed = None, 0.0, 0.0
    else:
        if before <= 0.0 or test.since is None:
            test.since, test.calls, test.failed = minute, 0.0, 0.0
        test.calls += x.calls
        test.failed += x.failed
    test.statistic = after


def _settle(
    settings: FeatureSettings,
    state: FeatureState,
    minute: int,
    x: Minute,
    increments: dict[str, Increment],
    thresholds: dict[str, float],
    snap: sq.Snapshot,
) -> None:
    for family, increment in increments.items():
        value = increment(x, minute, 1.0)
        if value is not None:
            _step(state.test(family), value, thresholds[family], minute, x)
    learning = {}
    mature = state.settled_minutes >= sq.MATURE_MINUTES
    for family in ("traffic", "input_tokens", "output_tokens", "model_mix", "retries"):
        test = state.tests.get(family)
        paused = False
        if (
            mature
            and test is not None
            and family in thresholds
            and test.statistic >= sq.PAUSE_SHARE * thresholds[family]
        ):
            test.paused_since = minute if test.paused_since is None else test.paused_since
            paused = minute - test.paused_since < sq.PAUSE_MAX_MINUTES
        elif test is not None:
            test.paused_since = None
        learning[family] = not paused
    if learning["traffic"]:
        sq.learn_blocks(state, minute, x.successful)
        sq.learn_traffic(state, minute, x.successful)
    sq.decay_ratio(state.input_tokens)
    sq.decay_ratio(state.output_tokens)
    sq.decay_ratio(state.cost)
    billed = x.billed
    if learning["input_tokens"]:
        mean = sq.ratio_mean(state.input_tokens, minute)
        sq.learn_clusters(state.input_tokens, minute, x.input_tokens, billed, mean, snap.input_cv2)
        sq.learn_ratio(state.input_tokens, minute, x.input_tokens, billed)
    if learning["output_tokens"]:
        mean = sq.ratio_mean(state.output_tokens, minute)
        sq.learn_clusters(state.output_tokens, minute, x.output_tokens, billed, mean, snap.output_cv2)
        sq.learn_ratio(state.output_tokens, minute, x.output_tokens, billed)
    sq.learn_ratio(state.cost, minute, x.cost, billed)
    if learning["model_mix"]:
        sq.learn_mix(state, x.premium, x.calls)
    if learning["retries"]:
        sq.learn_retries(state, minute, x.failed, x.successful)
    # How much of this minute was visible at ages 0..2, now that it is final.
    seen = state.pending.pop(str(minute), None)
    vis = state.visibility
    for k in range(4):
        vis[k] *= 1.0 - 1.0 / sq.DAY_MEMORY
    if seen is not None and all(v >= 0 for v in seen):
        for age in PROVISIONAL_AGES:
            vis[age] += min(seen[age], x.successful)
        vis[3] += x.successful
    state.settled_minutes += 1


def observe(
    settings: FeatureSettings, state: FeatureState, view: FeatureView, now: int, premium_models: bool
) -> Observation:
    """Evaluate one feature at epoch minute `now` (the newest minute, partly visible). Mutates `state`."""
    last_settled = now - SETTLE_MINUTES
    # A first run learns nothing from before it (those minutes may predate the metering); after a long gap,
    # only what one read holds.
    start = last_settled + 1 if state.frontier is None else max(state.frontier, now - LOOKBACK_MINUTES + 1)
    snap = sq.current_snapshot(state, settings, now)
    increments = _increments(settings, state, premium_models, snap)
    families = [*increments, *(["burst"] if "burst" in settings.families else [])]
    thresholds = {f: sq.evidence_threshold(f, state, settings, snap) for f in families}
    for minute in range(start, last_settled + 1):
        _settle(settings, state, minute, view.minute(minute), increments, thresholds, snap)
    state.frontier = max(start, last_settled + 1)
    for key in [k for k in state.pending if int(k) < state.frontier]:
        del state.pending[key]

    # The newest minutes, as visible now: extend a copy of each statistic.
    newest = [(now - age, age, view.minute(now - age)) for age in reversed(PROVISIONAL_AGES)]
    for minute, age, x in newest:
        state.pending.setdefault(str(minute), [-1.0] * len(PROVISIONAL_AGES))[age] = x.successful
    signals: dict[str, Signal] = {}
    statistics: dict[str, tuple[float, float]] = {}
    for family, increment in increments.items():
        test = state.test(family)
        h = thresholds[family]
        s, since = test.statistic, test.since
        calls, failed = test.calls, test.failed
        armed = True
        for minute, age, x in newest:
            value = increment(x, minute, visibility(state, age))
            if value is None:
                armed = False
                break
            s = min(max(0.0, s + min(value, sq.CAP_SHARE * h)), sq.MAX_STATISTIC * h)
            if s <= 0.0:
                since, calls, failed = None, 0.0, 0.0
            else:
                since = minute if since is None else since
                calls, failed = calls + x.calls, failed + x.failed
        if not armed:
            test.firing = False
            continue
        statistics[family] = (s, h)
        firing = s >= (sq.RELEASE_SHARE * h if test.firing else h)
        if firing and not test.firing and family == "retries":
            # A storm lasts: failures must be throttle_percent of the attempts since the excursion began,
            # over at least the last RETRY_WINDOW minutes (a per-minute quota burst, diluted, stays under).
            first = min(since if since is not None else now, now - sq.RETRY_WINDOW + 1)
            window = view.totals(max(first, now - LOOKBACK_MINUTES + 1), now)
            firing = window.calls > 0 and 100.0 * window.failed / window.calls >= settings.throttle_percent
        test.firing = firing
        if firing and since is not None:
            signals[family] = Signal(family, s, h, since, _detail(family, state, snap, view, since, now))
    if "burst" in families:
        test = state.test("burst")
        z = math.sqrt(2.0 * thresholds["burst"])
        spent = view.totals(now - 44, now).cost
        projected = sq.burst_projection(snap.cost_cv2, snap.clusters, spent, view.totals(now - 14, now), z)
        limit = settings.hourly_limit_usd
        statistics["burst"] = (projected / limit if limit > 0 else 0.0, 1.0)
        firing = projected >= (sq.BURST_RELEASE * limit if test.firing else limit)
        test.firing = firing
        if firing:
            detail = (
                f"the rolling hour is on course for at least ${projected:,.2f} by {_clock(now + 16)} UTC "
                f"(limit ${limit:,.2f}): ${spent:,.2f} in the last 45 min, and the last 15 min's rate at its "
                "low end"
            )
            signals["burst"] = Signal("burst", projected / limit, 1.0, now - 44, detail)
    return Observation(now, signals, statistics)


def _clock(minute: int) -> str:
    return f"{(minute % 1440) // 60:02d}:{minute % 60:02d}"


def _detail(
    family: str, state: FeatureState, snap: sq.Snapshot, view: FeatureView, since: int, now: int
) -> str:
    """What the test saw since its excursion started, against what it expected."""
    first = max(since, now - LOOKBACK_MINUTES + 1)
    seen = view.totals(first, now)
    span = f"since {_clock(first)} UTC"
    if family == "traffic":
        expected = 0.0
        for minute in range(first, now + 1):
            exp = sq.traffic_expectation(state, snap, minute)
            if exp is not None:
                expected += exp[0]
        return f"{seen.successful:,.0f} successful calls {span}, {expected:,.1f} expected"
    if family in ("input_tokens", "output_tokens"):
        stats = state.input_tokens if family == "input_tokens" else state.output_tokens
        value = seen.input_tokens if family == "input_tokens" else seen.output_tokens
        mean = sq.ratio_mean(stats, now) or 0.0
        per_call = value / seen.billed if seen.billed else 0.0
        label = "input" if family == "input_tokens" else "output"
        return (
            f"{per_call:,.0f} {label} tokens per call over {seen.billed:,.0f} calls {span}, "
            f"{mean:,.0f} expected"
        )
    if family == "model_mix":
        p0, _p1 = sq.mix_shares(state)
        share = 100.0 * seen.premium / seen.calls if seen.calls else 0.0
        return f"premium models took {share:.0f}% of {seen.calls:,.0f} calls {span}, {100 * p0:.1f}% expected"
    if family == "retries":
        theta0, _t1, _alpha = sq.retry_rates(state)
        per_call = seen.failed / seen.successful if seen.successful else seen.failed
        return (
            f"{seen.failed:,.0f} failed attempts ({seen.throttled:,.0f} throttled) for "
            f"{seen.successful:,.0f} successful calls {span}: {per_call:.2f} per call, {theta0:.3f} expected"
        )
    return ""
