"""What the detector reads (per-minute sums of one feature), its settings, and the state it keeps between
runs (one JSON document per feature)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from core.runtime_config import DETECTOR_FAMILIES, RuntimeConfig

MINUTE_MS = 60_000
# EMF metrics land 1 to 3 minutes after the minute they describe: a minute is final ("settled") once three
# more minutes have passed. Newer minutes are read as they are, partly visible, and never learned from.
SETTLE_MINUTES = 3
# One run reads the last hour: the burst rule's span, and the catch-up after missed runs.
LOOKBACK_MINUTES = 60
STATE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Minute:
    """The sums CloudWatch holds for one feature over one minute (or a span of minutes); 0 when none."""

    calls: float = 0.0  # Invocations: every attempt, throttled and failed ones included
    failed: float = 0.0  # FailedInvocations (throttled ones included)
    throttled: float = 0.0
    input_tokens: float = 0.0
    output_tokens: float = 0.0
    cost: float = 0.0
    premium: float = 0.0  # Invocations of the account's premium models

    @property
    def successful(self) -> float:
        return max(0.0, self.calls - self.failed)

    @property
    def billed(self) -> float:
        """Attempts that carry tokens (throttled ones carry none)."""
        return max(0.0, self.calls - self.throttled)

    def __add__(self, other: Minute) -> Minute:
        return Minute(
            self.calls + other.calls,
            self.failed + other.failed,
            self.throttled + other.throttled,
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cost + other.cost,
            self.premium + other.premium,
        )


EMPTY = Minute()


class FeatureView(Protocol):
    """One feature's metrics as they are visible at one evaluation (epoch minutes: ms // 60,000)."""

    def minute(self, epoch_minute: int) -> Minute: ...

    def totals(self, first: int, last: int) -> Minute:
        """Sums over the minutes first..last, inclusive."""
        ...


@dataclass(frozen=True)
class FeatureSettings:
    name: str
    application: str
    hourly_limit_usd: float
    families: tuple[str, ...]  # the detector tests this feature runs
    expected_calls_per_minute: float | None = None
    evidence: Mapping[str, float] = field(default_factory=dict)
    premium_share_percent: float = 50.0
    throttle_percent: float = 35.0
    alarm_names: Mapping[str, str] = field(default_factory=dict)  # CloudWatch alarms: family -> name


@dataclass(frozen=True)
class DetectorSettings:
    account: str
    environment: str
    features: tuple[FeatureSettings, ...]
    premium_models: tuple[str, ...] = ()
    hold_off_minutes: int = 60
    repeat_hours: int = 24
    every_minutes: int = 1  # the schedule: the detector evaluates every N minutes
    runbook_url: str = ""
    region: str = "us-east-1"

    @classmethod
    def from_runtime(cls, runtime: RuntimeConfig, region: str = "us-east-1") -> DetectorSettings:
        return cls(
            account=runtime.account,
            environment=runtime.environment,
            features=tuple(
                FeatureSettings(
                    name=f.name,
                    application=f.application,
                    hourly_limit_usd=float(f.hourly_limit_usd),
                    families=tuple(x for x in DETECTOR_FAMILIES if x in f.detector_families),
                    expected_calls_per_minute=f.expected_calls_per_minute,
                    evidence=dict(f.evidence),
                    premium_share_percent=f.premium_share_percent,
                    throttle_percent=f.throttle_percent,
                    alarm_names=dict(f.alarm_names),
                )
                for f in runtime.features
            ),
            premium_models=tuple(runtime.pricing.premium_models),
            hold_off_minutes=runtime.detector.hold_off_minutes,
            repeat_hours=runtime.detector.repeat_hours,
            every_minutes=runtime.detector.every_minutes,
            runbook_url=runtime.evaluator.runbook_url,
            region=region,
        )


# ---- state ------------------------------------------------------------------------------------------------


@dataclass
class RatioStats:
    """Exponentially weighted sums of a per-call quantity (tokens, cost), per hour of the day and overall.
    Per hour: [sum of x, sum of calls b, sum of x^2 / b, minutes with calls], x and b a minute's sums; the
    per-call squared coefficient of variation follows from them (sequential.ratio_spread)."""

    hours: list[list[float]] = field(default_factory=lambda: [[0.0, 0.0, 0.0, 0.0] for _ in range(24)])
    total: float = 0.0  # weighted sum of the quantity
    calls: float = 0.0  # weighted sum of calls
    # Calls of one session share a context (a conversation, an agent's loop) across minutes, so a minute's
    # log tokens per call is neither centred nor spread as independent calls' would be: the learned mean of
    # its residual, and the spread of 10-minute sums of residuals against independent calls' (inflation).
    # [sum of standardized residuals in the block so far, minutes in it, inflation, blocks seen, mean
    # residual, minutes behind it]
    blocks: list[float] = field(default_factory=lambda: [0.0, 0.0, 1.0, 0.0, 0.0, 0.0])


@dataclass
class TestState:
    """One sequential test: its statistic over settled minutes, and the excursion it is on."""

    statistic: float = 0.0
    since: int | None = None  # first minute of the current excursion (the statistic left 0)
    calls: float = 0.0  # sums over the excursion, for the materiality gates
    failed: float = 0.0
    paused_since: int | None = None  # learning paused (the statistic is past half its threshold) since
    firing: bool = False


@dataclass
class EpisodeState:
    """One page per episode (paging.py)."""

    open: bool = False
    started: int | None = None
    last_page: int | None = None
    drivers: list[str] = field(default_factory=list)  # causes already paged in this episode
    quiet_since: int | None = None  # no cause firing since
    gate_checked: dict[str, int] = field(default_factory=dict)  # family -> minute its gate last failed


@dataclass
class FeatureState:
    version: int = STATE_VERSION
    frontier: int | None = None  # the next minute to settle
    settled_minutes: int = 0  # minutes learned from so far
    traffic: list[list[float]] = field(default_factory=lambda: [[0.0, 0.0, 0.0] for _ in range(48)])
    # Calls arrive in clusters that span minutes (sessions, agent loops): dispersion of 10-minute counts
    # against their expectation. [calls in the block so far, expected so far, weighted sum of squared
    # deviations of blocks, weighted sum of their expectations]
    blocks: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])
    input_tokens: RatioStats = field(default_factory=RatioStats)
    output_tokens: RatioStats = field(default_factory=RatioStats)
    cost: RatioStats = field(default_factory=RatioStats)
    mix: list[float] = field(default_factory=lambda: [0.0, 0.0])  # premium calls, calls (weighted)
    # failed, successful (weighted); failures in the 10-minute block so far and their expectation; the
    # blocks' weighted sums of (F - E)^2 - E and of E^2 (throttling comes in bursts: retry_rates).
    retries: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    # Visible successful calls of the newest minutes, by age, to learn how much of a minute is visible.
    pending: dict[str, list[float]] = field(default_factory=dict)
    visibility: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0, 0.0])  # visible by age, final
    tests: dict[str, TestState] = field(default_factory=dict)
    episode: EpisodeState = field(default_factory=EpisodeState)
    # Derived from the above every SNAPSHOT_MINUTES (sequential.snapshot): kept, so every evaluation of a
    # quarter-hour uses the same one whether it runs in a Lambda or in replay.
    snapshot: dict[str, Any] | None = None
    snapshot_at: int | None = None

    def test(self, family: str) -> TestState:
        state = self.tests.get(family)
        if state is None:
            state = self.tests[family] = TestState()
        return state

    def to_json(self) -> str:
        return json.dumps(_plain(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> FeatureState:
        """The stored state; a fresh one when there is none or it is from another version."""
        if not text:
            return cls()
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            return cls()
        return cls(
            frontier=data.get("frontier"),
            settled_minutes=int(data.get("settled_minutes", 0)),
            traffic=[list(map(float, b)) for b in data["traffic"]],
            blocks=list(map(float, data["blocks"])),
            input_tokens=RatioStats(**data["input_tokens"]),
            output_tokens=RatioStats(**data["output_tokens"]),
            cost=RatioStats(**data["cost"]),
            mix=list(map(float, data["mix"])),
            retries=list(map(float, data["retries"])),
            pending={k: list(map(float, v)) for k, v in data.get("pending", {}).items()},
            visibility=list(map(float, data["visibility"])),
            tests={k: TestState(**v) for k, v in data.get("tests", {}).items()},
            episode=EpisodeState(**data["episode"]),
            snapshot=data.get("snapshot"),
            snapshot_at=data.get("snapshot_at"),
        )


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {name: _plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
