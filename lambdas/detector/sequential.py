"""The detector's tests: what each feature normally looks like (learned, exponentially weighted), and the
log-likelihood-ratio increment one minute adds to each CUSUM statistic.

Every test is a one-sided CUSUM, S = max(0, S + increment), that pages when S reaches its evidence
threshold h. The increments are log-likelihood ratios of a designed change against the learned baseline, so
on noise S drifts down at K0 per minute and crosses h about once in e^(h + 1.166 sqrt(2 K0)) / K0 minutes
(Siegmund's corrected diffusion approximation: the overshoot of a minute's evidence past h); the default h
sets that to ARL_MINUTES at the volume expected in the hour evaluated. See docs/alarms.md.

* traffic: successful calls per minute, quasi-Poisson against the rate of the same hour of a weekday (or
  weekend day), designed for TRAFFIC_RHO x the rate; the increment is divided by the hour's dispersion
  (variance / mean of its minute counts: sessions and batch jobs arrive in clusters).
* input_tokens, output_tokens: log of the minute's tokens per billed call against the learned mean,
  designed for TOKENS_SHIFT (a doubling); a minute's log-mean of b calls has variance ln(1 + cv2 / b)
  (Fenton-Wilkinson, exact for one call of a log-normal), so a minute of one call weighs what one call says.
* model_mix: premium calls among calls, Bernoulli against the learned share p0, designed for
  max(p0 + MIX_SHIFT, 2 p0).
* retries: failed attempts (throttles and timeouts) per successful call, quasi-Poisson against the learned
  rate, designed for max(theta0 + RETRY_SHIFT, 3 theta0): a storm on a feature that never fails is evidence
  from its first few failures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lambdas.detector.model import FeatureSettings, FeatureState, Minute, RatioStats

# Designed changes.
TRAFFIC_RHO = 2.5
LN_RHO = math.log(TRAFFIC_RHO)
TOKENS_SHIFT = math.log(2.0)
MIX_SHIFT = 0.15
RETRY_SHIFT = 1.0
RETRY_WINDOW = 5  # minutes the retries gate reads at least
# Thresholds: a test on noise reaches its threshold about once in ARL_MINUTES, whatever the hour's volume.
ARL_MINUTES = 180 * 1440
OVERSHOOT = 1.166  # Siegmund: a Gaussian CUSUM's overshoot is 0.583 standard deviations of a step, twice
K0_FLOOR = 0.2  # per-minute drift floor of the rule (sparse features)
MIN_EVIDENCE = 8.0
CAP_SHARE = 0.5  # one minute adds at most half the threshold: no single minute pages alone
MAX_STATISTIC = 2.0  # statistics stop at twice their threshold, so they come back within hours of a change
RELEASE_SHARE = 0.25  # a firing test stops firing below a quarter of its threshold
PAUSE_SHARE = 0.5  # past half its threshold a test stops learning (for at most PAUSE_MAX_MINUTES)
PAUSE_MAX_MINUTES = 1440
MATURE_MINUTES = 1440  # before a day of history a test keeps learning whatever its statistic
# Memories (minutes): an hour bucket of traffic learns from the last ~5 days of that hour; per-call means
# and shares from the last ~2 days.
TRAFFIC_MEMORY = 300
DAY_MEMORY = 2880
HOUR_MEMORY = 120
SPREAD_MEMORY = 2000  # observations behind a dispersion estimate
SHRINK_CALLS = 30.0  # an hour's per-call mean is pulled towards the overall mean by this many calls
MIN_CALLS = 100.0  # calls a per-call test needs before it runs
MIN_SPREAD_MINUTES = 30  # minutes with calls behind a spread estimate before its test runs
MIN_CLUSTER_BLOCKS = 12  # 10-minute blocks behind the clustering estimate (two hours) before it runs
SPREAD_CAUTION = 20.0
MIN_BUCKET_MINUTES = 60  # minutes an hour bucket needs before its own rate is used
MIN_RATE = 0.01  # calls per minute: an hour that never sees a call still expects a little
SNAPSHOT_MINUTES = 15
BLOCK_MINUTES = 10
BLOCK_MEMORY = 1000  # blocks (~a week)
# Until blocks have shown how counts cluster, assume they do: a dispersion of 2 worth 20 expected calls;
# for failures an alpha of 1 worth 10 squared expectations.
DISPERSION_PRIOR = 2.0
PRIOR_CALLS = 20.0
RETRY_ALPHA_PRIOR = 1.0
PRIOR_SQUARES = 10.0
# Burst: the next 15 minutes' cost, lower-bounded at BURST_Z standard deviations.
BURST_Z = 3.0
BURST_RELEASE = 0.8
# Visibility of the newest minutes (ages 0, 1, 2) before they are learned: assume most of it is there.
VISIBILITY_PRIOR = (0.5, 0.9, 1.0)
VISIBILITY_PRIOR_CALLS = 50.0


def bucket(minute: int) -> int:
    """Weekday (0) or weekend (1) x hour of the day (UTC): 48 buckets. Epoch minute 0 was a Thursday."""
    day = minute // 1440
    weekend = 1 if (day + 3) % 7 >= 5 else 0
    return weekend * 24 + (minute % 1440) // 60


def hour(minute: int) -> int:
    return (minute % 1440) // 60


def _decay(value: float, memory: float) -> float:
    return value * (1.0 - 1.0 / memory)


# ---- traffic -----------------------------------------------------------------------------------------------


def dispersion(mean: float, var: float) -> float:
    return max(1.0, var / max(mean, 0.05))


def traffic_expectation(state: FeatureState, snap: Snapshot, minute: int) -> tuple[float, float] | None:
    """(expected successful calls, dispersion) for one minute; None while the test cannot run yet (no prior
    and less than a day of history). The dispersion is the larger of the hour's (minute counts) and the
    feature's over 10-minute blocks (clusters that span minutes)."""
    return traffic_expectation_at(state, snap.block_spread, snap.fallback, minute)


def traffic_expectation_at(
    state: FeatureState, block_spread: float, fallback: tuple[float, float] | None, minute: int
) -> tuple[float, float] | None:
    weight, mean, var = state.traffic[bucket(minute)]
    if weight >= MIN_BUCKET_MINUTES:
        return max(mean, MIN_RATE), max(dispersion(mean, var), block_spread)
    # An hour not seen yet: expect the busiest hour seen (or the configured volume), so the test can only
    # be slow there, never noisy.
    return fallback


def traffic_increment(expected: tuple[float, float], successful: float, visible: float = 1.0) -> float:
    mean, spread = expected
    return (successful * LN_RHO - mean * visible * (TRAFFIC_RHO - 1.0)) / spread


def block_dispersion(sums: list[float], observed: float, expected: float) -> None:
    """One 10-minute block into a dispersion estimate kept as exponentially weighted sums [sum of
    (observed - expected)^2, sum of expected]: their ratio is the variance-to-mean ratio of block counts
    (1 for Poisson), unbiased however few calls a block expects."""
    keep = 1.0 - 1.0 / BLOCK_MEMORY
    sums[0] = sums[0] * keep + (observed - expected) ** 2
    sums[1] = sums[1] * keep + expected


def dispersion_of(squares: float, expected: float) -> float:
    """The block dispersion, with a prior of DISPERSION_PRIOR worth PRIOR_CALLS expected calls."""
    return max(1.0, (squares + DISPERSION_PRIOR * PRIOR_CALLS) / (expected + PRIOR_CALLS))


def learn_blocks(state: FeatureState, minute: int, successful: float) -> None:
    """Accumulate 10-minute blocks of calls against their hour's learned rate; learn their dispersion (from
    the first hours on, before the test runs)."""
    blocks = state.blocks
    weight, mean, _var = state.traffic[bucket(minute)]
    if weight >= 10:
        blocks[0] += successful
        blocks[1] += max(mean, MIN_RATE)
    if minute % BLOCK_MINUTES == BLOCK_MINUTES - 1:
        if blocks[1] > 0:
            pair = [blocks[2], blocks[3]]
            block_dispersion(pair, blocks[0], blocks[1])
            blocks[2], blocks[3] = pair
        blocks[0] = blocks[1] = 0.0


def learn_traffic(state: FeatureState, minute: int, successful: float) -> None:
    cell = state.traffic[bucket(minute)]
    weight = cell[0] + 1.0
    a = max(1.0 / weight, 1.0 / TRAFFIC_MEMORY)
    d = successful - cell[1]
    cell[1] += a * d
    cell[2] = (1.0 - a) * (cell[2] + a * d * d)
    cell[0] = min(weight, 1e9)


def peak_rate(state: FeatureState, settings: FeatureSettings) -> float:
    """Successful calls per minute in the busiest hour seen (or configured)."""
    rates = [cell[1] for cell in state.traffic if cell[0] >= MIN_BUCKET_MINUTES]
    if settings.expected_calls_per_minute is not None:
        rates.append(settings.expected_calls_per_minute)
    if not rates and state.settled_minutes:
        rates.append(max(cell[1] for cell in state.traffic))
    return max(rates, default=1.0)


# ---- per-call ratios (tokens, cost) ------------------------------------------------------------------------


def ratio_mean(stats: RatioStats, minute: int) -> float | None:
    if stats.calls <= 0 or stats.total <= 0:
        return None
    overall = stats.total / stats.calls
    total, calls, _sq, _n = stats.hours[hour(minute)]
    return (total + SHRINK_CALLS * overall) / (calls + SHRINK_CALLS)


def ratio_spread(stats: RatioStats) -> tuple[float, float]:
    """(per-call cv2, minutes behind it). Per hour h, sum of b (x/b - m_h)^2 = sum x^2/b - (sum x)^2 / sum b
    estimates m_h^2 cv2 per minute; hours with fewer than 5 minutes are left out. The estimate is widened
    while it rests on few minutes: heavy-tailed counts make an early one low."""
    weighted = minutes = 0.0
    for total, calls, squares, n in stats.hours:
        if n < 5 or calls <= 0 or total <= 0:
            continue
        mean = total / calls
        weighted += max(0.0, squares - total * total / calls) / (mean * mean)
        minutes += n
    if minutes <= 0:
        return 1.0, 0.0
    cv2 = max(weighted / minutes, 0.01)
    return cv2 * (1.0 + SPREAD_CAUTION / (minutes + 1.0)), minutes


def log_residual(mean: float, cv2: float, value: float, calls: float) -> tuple[float, float]:
    """(ln(value / calls / mean) + v / 2, v): the log of a minute's tokens per call against the mean,
    centred as independent log-normal calls would be (Fenton-Wilkinson), and its variance v for them."""
    v = math.log1p(cv2 / calls)
    y = math.log(max(value / calls, mean * 1e-3) / mean)
    return y + v / 2.0, v


def tokens_increment(
    mean: float, cv2: float, value: float, calls: float, inflation: float = 1.0, centre: float = 0.0
) -> float:
    """Gaussian log-likelihood ratio of a minute's log residual for a shift of TOKENS_SHIFT, against the
    learned centre and the independent-call variance times the learned inflation."""
    if calls <= 0 or mean <= 0:
        return 0.0
    r, v = log_residual(mean, cv2, value, calls)
    v *= inflation
    return (TOKENS_SHIFT / v) * (r - centre - TOKENS_SHIFT / 2.0)


def learn_clusters(
    stats: RatioStats, minute: int, value: float, calls: float, mean: float | None, cv2: float
) -> None:
    """Learn the residuals' centre (per minute) and inflation (the variance of 10-minute sums of
    standardized residuals per minute in them: 1 for independent calls)."""
    blocks = stats.blocks
    if calls > 0 and mean is not None and mean > 0:
        r, v = log_residual(mean, cv2, value, calls)
        n = blocks[5] + 1.0
        blocks[4] += max(1.0 / (n + 5.0), 1.0 / SPREAD_MEMORY) * (r - blocks[4])
        blocks[5] = n
        blocks[0] += (r - blocks[4]) / math.sqrt(v)
        blocks[1] += 1.0
    if minute % BLOCK_MINUTES == BLOCK_MINUTES - 1:
        if blocks[1] > 0:
            observed = blocks[0] ** 2 / blocks[1]
            n = blocks[3] + 1.0
            a = max(1.0 / (n + 5.0), 1.0 / BLOCK_MEMORY)
            blocks[2] = max(1.0, blocks[2] + a * (observed - blocks[2]))
            blocks[3] = n
        blocks[0] = blocks[1] = 0.0


def decay_ratio(stats: RatioStats) -> None:
    """Once per settled minute: the overall sums forget with a memory of DAY_MEMORY minutes."""
    stats.total = _decay(stats.total, DAY_MEMORY)
    stats.calls = _decay(stats.calls, DAY_MEMORY)


def learn_ratio(stats: RatioStats, minute: int, value: float, calls: float) -> None:
    if calls <= 0:
        return
    cell = stats.hours[hour(minute)]
    keep = 1.0 - 1.0 / HOUR_MEMORY
    cell[0] = cell[0] * keep + value
    cell[1] = cell[1] * keep + calls
    cell[2] = cell[2] * keep + value * value / calls
    cell[3] = cell[3] * keep + 1.0
    stats.total += value
    stats.calls += calls


# ---- model mix ---------------------------------------------------------------------------------------------


def mix_shares(state: FeatureState) -> tuple[float, float]:
    premium, calls = state.mix
    p0 = (premium + 0.5) / (calls + 50.0)
    p1 = min(0.95, max(p0 + MIX_SHIFT, 2.0 * p0))
    return p0, p1


def mix_increment(state: FeatureState, premium: float, calls: float) -> float:
    p0, p1 = mix_shares(state)
    if p1 <= p0:
        return 0.0
    premium = min(premium, calls)
    return premium * math.log(p1 / p0) + (calls - premium) * math.log((1.0 - p1) / (1.0 - p0))


def learn_mix(state: FeatureState, premium: float, calls: float) -> None:
    state.mix[0] = _decay(state.mix[0], DAY_MEMORY) + min(premium, calls)
    state.mix[1] = _decay(state.mix[1], DAY_MEMORY) + calls


# ---- retries -----------------------------------------------------------------------------------------------


def retry_rates(state: FeatureState) -> tuple[float, float, float]:
    """(theta0, theta1, alpha): failed attempts per successful call, normal and designed, and the
    over-dispersion of failures. Throttling comes in bursts (a per-minute quota hit) whose size grows with
    the volume, so a block's variance is E + alpha E^2 (negative binomial), alpha learned from 10-minute
    blocks."""
    failed, successful, _bf, _be, excess, squares = state.retries
    theta0 = (failed + 0.5) / (successful + 50.0)
    theta1 = max(theta0 + RETRY_SHIFT, 3.0 * theta0)
    alpha = max(0.0, (excess + RETRY_ALPHA_PRIOR * PRIOR_SQUARES) / (squares + PRIOR_SQUARES))
    return theta0, theta1, alpha


def retry_increment(state: FeatureState, failed: float, successful: float) -> float:
    theta0, theta1, alpha = retry_rates(state)
    # The dispersion at this minute's volume: a block of 10 such minutes expects theta0 x s x 10 failures.
    spread = 1.0 + alpha * theta0 * successful * BLOCK_MINUTES
    return (failed * math.log(theta1 / theta0) - successful * (theta1 - theta0)) / spread


def learn_retries(state: FeatureState, minute: int, failed: float, successful: float) -> None:
    r = state.retries
    theta0, _theta1, _alpha = retry_rates(state)
    r[2] += failed
    r[3] += theta0 * successful
    if minute % BLOCK_MINUTES == BLOCK_MINUTES - 1:
        if r[3] > 0:
            keep = 1.0 - 1.0 / BLOCK_MEMORY
            r[4] = r[4] * keep + (r[2] - r[3]) ** 2 - r[3]
            r[5] = r[5] * keep + r[3] ** 2
        r[2] = r[3] = 0.0
    r[0] = _decay(r[0], DAY_MEMORY) + failed
    r[1] = _decay(r[1], DAY_MEMORY) + successful


# ---- burst -------------------------------------------------------------------------------------------------


def burst_projection(cost_cv2: float, clusters: float, spent: float, recent: Minute, z: float) -> float:
    """Cost of the rolling hour that ends 15 minutes from now, at the low end: the last 45 minutes' cost
    plus a lower bound (z standard deviations, log-normal) of the next 15 minutes at the last 15 minutes'
    rate. The relative variance of 15 minutes' cost is (per-call cv2 + call dispersion) / calls."""
    if recent.cost <= 0:
        return spent
    w = math.log1p((cost_cv2 + clusters) / max(recent.billed, 1.0))
    return spent + recent.cost * math.exp(-z * math.sqrt(w) - w / 2.0)


# ---- thresholds --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What one evaluation needs from the learned state, computed once (the loops are over buckets)."""

    rate: float  # successful calls per minute expected in the hour evaluated (the busiest if not learned)
    input_cv2: float
    output_cv2: float
    cost_cv2: float
    input_armed: bool
    output_armed: bool
    input_inflation: float
    output_inflation: float
    input_centre: float
    output_centre: float
    clusters: float  # typical dispersion of the feature's call counts
    block_spread: float  # dispersion of 10-minute counts
    fallback: tuple[float, float] | None  # expectation for an hour not seen yet
    spread: float = 1.0  # the traffic test's dispersion in the hour evaluated


def _fallback(
    state: FeatureState, settings: FeatureSettings, block_spread: float
) -> tuple[float, float] | None:
    prior = settings.expected_calls_per_minute
    if prior is None and state.settled_minutes < 1440:
        return None
    seen = [cell for cell in state.traffic if cell[0] >= MIN_BUCKET_MINUTES]
    rates = [cell[1] for cell in seen] + ([prior] if prior is not None else [])
    if not rates:
        return None
    spread = max((dispersion(cell[1], cell[2]) for cell in seen), default=1.0)
    return max(max(rates), MIN_RATE), max(spread, block_spread)


def current_snapshot(state: FeatureState, settings: FeatureSettings, now: int) -> Snapshot:
    """The state's snapshot, recomputed once per SNAPSHOT_MINUTES (and kept in the state)."""
    cached = state.snapshot
    if (
        cached is not None
        and set(cached) == set(Snapshot.__dataclass_fields__)
        and state.snapshot_at is not None
        and now // SNAPSHOT_MINUTES == state.snapshot_at // SNAPSHOT_MINUTES
    ):
        fallback = cached["fallback"]
        return Snapshot(**{**cached, "fallback": None if fallback is None else (fallback[0], fallback[1])})
    snap = snapshot(state, settings, now)
    state.snapshot = {name: getattr(snap, name) for name in snap.__dataclass_fields__}
    state.snapshot_at = now
    return snap


def snapshot(state: FeatureState, settings: FeatureSettings, now: int) -> Snapshot:
    spreads = {}
    armed = {}
    for name, stats in (("input", state.input_tokens), ("output", state.output_tokens), ("cost", state.cost)):
        cv2, minutes = ratio_spread(stats)
        spreads[name] = cv2
        armed[name] = (
            stats.calls >= MIN_CALLS
            and stats.total > 0
            and minutes >= MIN_SPREAD_MINUTES
            and stats.blocks[3] >= MIN_CLUSTER_BLOCKS
        )
    seen = [dispersion(c[1], c[2]) for c in state.traffic if c[0] >= MIN_BUCKET_MINUTES]
    block_spread = dispersion_of(state.blocks[2], state.blocks[3])
    clusters = max(sum(seen) / len(seen) if seen else 2.0, block_spread)
    fallback = _fallback(state, settings, block_spread)
    expected = traffic_expectation_at(state, block_spread, fallback, now)
    return Snapshot(
        expected[0] if expected is not None else peak_rate(state, settings),
        spreads["input"],
        spreads["output"],
        spreads["cost"],
        armed["input"],
        armed["output"],
        state.input_tokens.blocks[2],
        state.output_tokens.blocks[2],
        state.input_tokens.blocks[4],
        state.output_tokens.blocks[4],
        clusters,
        block_spread,
        fallback,
        expected[1] if expected is not None else max(1.0, block_spread),
    )


def drift_per_minute(family: str, state: FeatureState, snap: Snapshot) -> float:
    """How fast the family's statistic falls on noise at this hour's expected volume (its H0 drift per
    minute): with the threshold ln(ARL_MINUTES x this), noise crosses it once in ARL_MINUTES at any hour."""
    peak = snap.rate
    if family == "traffic":
        return peak * (TRAFFIC_RHO - 1.0 - LN_RHO) / snap.spread
    if family in ("input_tokens", "output_tokens"):
        inputs = family == "input_tokens"
        cv2 = snap.input_cv2 if inputs else snap.output_cv2
        inflation = snap.input_inflation if inputs else snap.output_inflation
        return peak * TOKENS_SHIFT**2 / (2.0 * inflation * math.log1p(cv2))
    if family == "model_mix":
        p0, p1 = mix_shares(state)
        return peak * (p0 * math.log(p0 / p1) + (1.0 - p0) * math.log((1.0 - p0) / (1.0 - p1)))
    if family == "retries":
        theta0, theta1, alpha = retry_rates(state)
        rho = theta1 / theta0
        spread = 1.0 + alpha * theta0 * peak * BLOCK_MINUTES
        return peak * theta0 * (rho - 1.0 - math.log(rho)) / spread
    return 1.0


def evidence_threshold(family: str, state: FeatureState, settings: FeatureSettings, snap: Snapshot) -> float:
    """The configured evidence, else the rule for the hour: with K0 the drift per minute,
    max(MIN_EVIDENCE, ln(ARL_MINUTES x K0) - OVERSHOOT sqrt(2 K0)). A minute's step has a standard deviation
    of sqrt(2 K0) on noise (log-likelihood ratios), so a test fed many calls a minute overshoots h by about
    0.583 of it when it crosses; without the correction, the busier a feature the rarer its false pages
    (measured: 4x rarer at 1 call/min, 400x at 10) and the slower its detection."""
    configured = settings.evidence.get(family)
    if configured is not None:
        return configured
    if family == "burst":
        return BURST_Z**2 / 2.0
    drift = max(drift_per_minute(family, state, snap), K0_FLOOR)
    return max(MIN_EVIDENCE, math.log(ARL_MINUTES * drift) - OVERSHOOT * math.sqrt(2.0 * drift))
