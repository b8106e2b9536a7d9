"""Meter log messages with the metering Lambda's own code into a per-minute metric store, with the delay
after which CloudWatch shows each record.

Replay does not re-implement parsing, attribution, aggregation or pricing: it builds the same
``lambdas.metering.aggregate.Meter`` the Lambda builds (from the runtime config the stack would bundle for
the account, ``core.runtime_config.build_runtime_config``) and feeds it the messages in chunks, exactly as a
subscription feeds it batches. Each resulting ``MetricDoc`` is what the Lambda writes as one EMF document;
the store keeps, per (application, feature, model, minute), the sums CloudWatch would hold, with
``CostUSD`` taken as the EMF value (``lambdas.metering.emf.cost_value``) and the exact ``Decimal`` kept
for the cost table.

Lateness. EMF metrics land 1 to 3 minutes after the record they count, and alarms (and the detector) read
about 40 s after each minute ends. Each record gets a delay D, uniform in [60 s, 180 s), from its requestId's
first 8 hex digits (120 s without one): deterministic, and independent of what the record says. A record at
second s of minute m is visible from the evaluation at the end of minute m + c, c = max(0, ceil((s + D - 100)
/ 60)), its *visibility class* (0 to 3). The store keeps every class apart, so any evaluation sees exactly the
records that had landed by then: the newest minute about 11% of its records, the one before 58%, then 97%,
then all.

Replay makes no AWS call: an application inference profile the config does not map is metered unpriced
(the Lambda would call ``bedrock:GetInferenceProfile``); ``--profile-map`` style mapping is the
``profile_features`` argument.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np

from cli.replay.engine import RawViews
from core import contract as c
from core.alarm_model import MetricStatQuery
from core.runtime_config import build_runtime_config
from lambdas.detector.model import Minute
from lambdas.evaluator.decomposition import Usage
from lambdas.metering.aggregate import Meter, MetricDoc
from lambdas.metering.emf import cost_value
from lambdas.metering.profiles import ProfileResolver

MINUTE_MS = 60_000
DAY_MINUTES = 1440
CHUNK = 20_000
CLASSES = 4  # visibility classes: visible from the evaluation at the end of minute + class
# Per-minute slots: the EMF metrics of one document, summed.
INV, INP, OUT, CR, CW, UNPRICED, FAILED, THROTTLED, COST, SAMPLES, COST_SAMPLES = range(11)
SLOTS = 11
METRIC_SLOTS: dict[str, tuple[int, int]] = {  # metric name -> (value slot, sample-count slot)
    c.INVOCATIONS: (INV, SAMPLES),
    c.INPUT_TOKENS: (INP, SAMPLES),
    c.OUTPUT_TOKENS: (OUT, SAMPLES),
    c.CACHE_READ_TOKENS: (CR, SAMPLES),
    c.CACHE_WRITE_TOKENS: (CW, SAMPLES),
    c.UNPRICED: (UNPRICED, SAMPLES),
    c.FAILED: (FAILED, SAMPLES),
    c.THROTTLED: (THROTTLED, SAMPLES),
    c.COST: (COST, COST_SAMPLES),
}
# The detector's Minute fields, in order, and the slot each comes from (premium: INV of premium models).
DETECTOR_SLOTS = (INV, FAILED, THROTTLED, INP, OUT, COST)
_PUBLISHED = {frozenset(ds) for ds in c.DIMENSION_SETS}
# Lateness: delay after the record, uniform over [MIN_DELAY_MS, MAX_DELAY_MS); evaluations 40 s after each
# minute ends.
MIN_DELAY_MS = 60_000
MAX_DELAY_MS = 180_000
EVALUATION_OFFSET_MS = 40_000
_SECOND = re.compile(r'"timestamp"\s*:\s*"\d{4}-\d\d-\d\dT\d\d:\d\d:(\d\d)')
_REQUEST = re.compile(r'"requestId"\s*:\s*"([0-9a-fA-F]{8})')
_ACCOUNT = re.compile(r'"accountId"\s*:\s*"([^"]*)"')
_REGION = re.compile(r'"region"\s*:\s*"([^"]*)"')
Key = tuple[str, str, str]  # (application, feature, model)


def _no_aws(_region: str) -> Any:
    raise RuntimeError("replay makes no AWS call: map the application inference profile in the config")


def visibility_class(message: str) -> int:
    """The evaluation (minute + class) from which this record is visible in CloudWatch."""
    second = _SECOND.search(message)
    s = int(second.group(1)) if second else 30
    request = _REQUEST.search(message)
    spread = MAX_DELAY_MS - MIN_DELAY_MS
    # No hex requestId: the middle of the range (the SQL engines compute the same class).
    h = int(request.group(1), 16) if request else spread // 2
    delay = MIN_DELAY_MS + h % spread
    late = s * 1000 + delay - (MINUTE_MS + EVALUATION_OFFSET_MS)
    return min(CLASSES - 1, max(0, math.ceil(late / MINUTE_MS)))


@dataclass
class Totals:
    """Exact totals of one (application, feature, model) over the replayed window."""

    invocations: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    failed: int = 0
    throttled: int = 0
    unpriced: int = 0
    cost_usd: Decimal = field(default_factory=Decimal)
    emf_cost_usd: Decimal = field(default_factory=Decimal)  # sum of the EMF CostUSD values (1e-6 rounded)


class MetricStore:
    """Everything the alarms, the detector, the explanations and the report need: per (application,
    feature, model), per day, a (1440, CLASSES, SLOTS) array of sums."""

    def __init__(self, environment: str) -> None:
        self.environment = environment
        self.days: dict[Key, dict[int, np.ndarray]] = {}
        self.totals: dict[Key, Totals] = {}
        self.malformed: dict[int, int] = {}
        self.malformed_total = 0
        self.records = 0
        self.messages = 0
        self.first_ms: int | None = None
        self.last_ms: int | None = None
        self.unpriced_reasons: dict[str, int] = {}
        self.identities: Counter[tuple[str, str]] = Counter()  # (accountId, region) of every message
        self.malformed_samples: list[tuple[str, str]] = []  # (reason, first bytes)

    def add(self, doc: MetricDoc, visibility: int = 0) -> None:
        key = (doc.application, doc.feature, doc.model)
        per_day = self.days.get(key)
        if per_day is None:
            per_day = self.days[key] = {}
            self.totals[key] = Totals()
        minute = doc.minute_ms // MINUTE_MS
        day, index = divmod(minute, DAY_MINUTES)
        block = per_day.get(day)
        if block is None:
            block = per_day[day] = np.zeros((DAY_MINUTES, CLASSES, SLOTS))
        slot = block[index, visibility]
        slot[INV] += doc.invocations
        slot[INP] += doc.input_tokens
        slot[OUT] += doc.output_tokens
        slot[CR] += doc.cache_read_tokens
        slot[CW] += doc.cache_write_tokens
        slot[UNPRICED] += doc.unpriced
        slot[FAILED] += doc.failed
        slot[THROTTLED] += doc.throttled
        slot[SAMPLES] += 1
        t = self.totals[key]
        t.invocations += doc.invocations
        t.input_tokens += doc.input_tokens
        t.output_tokens += doc.output_tokens
        t.cache_read_tokens += doc.cache_read_tokens
        t.cache_write_tokens += doc.cache_write_tokens
        t.failed += doc.failed
        t.throttled += doc.throttled
        t.unpriced += doc.unpriced
        if doc.cost_usd is not None:
            emf = cost_value(doc.cost_usd)
            slot[COST] += emf
            slot[COST_SAMPLES] += 1
            t.cost_usd += doc.cost_usd
            t.emf_cost_usd += Decimal(repr(emf))
        if self.first_ms is None or doc.minute_ms < self.first_ms:
            self.first_ms = doc.minute_ms
        if self.last_ms is None or doc.minute_ms > self.last_ms:
            self.last_ms = doc.minute_ms

    # ---- views ------------------------------------------------------------------------------------------

    def block(self, key: Key, first: int, n: int) -> np.ndarray:
        """(n, CLASSES, SLOTS) sums of one key for epoch minutes first..first+n-1 (zeros where none)."""
        out = np.zeros((n, CLASSES, SLOTS))
        for day, data in self.days.get(key, {}).items():
            lo = max(first, day * DAY_MINUTES)
            hi = min(first + n, (day + 1) * DAY_MINUTES)
            if lo < hi:
                out[lo - first : hi - first] = data[lo - day * DAY_MINUTES : hi - day * DAY_MINUTES]
        return out

    def keys(self, feature: str | None = None) -> list[Key]:
        return [k for k in self.days if feature is None or k[1] == feature]

    def feature_totals(self) -> dict[tuple[str, str], Totals]:
        out: dict[tuple[str, str], Totals] = {}
        for (app, feature, _model), t in self.totals.items():
            acc = out.setdefault((app, feature), Totals())
            for name in (
                "invocations",
                "input_tokens",
                "output_tokens",
                "cache_read_tokens",
                "cache_write_tokens",
                "failed",
                "throttled",
                "unpriced",
                "cost_usd",
                "emf_cost_usd",
            ):
                setattr(acc, name, getattr(acc, name) + getattr(t, name))
        return out

    def series(self, query: MetricStatQuery, start_ms: int, n: int) -> RawViews:
        """One metric query's per-minute sums and sample counts over the timeline, final and as visible."""
        first = start_ms // MINUTE_MS
        by_class = np.zeros((n, CLASSES))
        counts_by_class = np.zeros((n, CLASSES))
        d = dict(query.dimensions)
        names = frozenset(d)
        ok = query.namespace == c.NAMESPACE and d.get(c.ENVIRONMENT) == self.environment
        if ok and query.metric_name == c.MALFORMED and names == {c.ENVIRONMENT}:
            for minute_ms, count in self.malformed.items():  # stamped at arrival: visible at once
                i = minute_ms // MINUTE_MS - first
                if 0 <= i < n:
                    by_class[i, 0] += count
                    counts_by_class[i, 0] += 1
        elif ok and query.metric_name in METRIC_SLOTS and names in _PUBLISHED:
            value_slot, count_slot = METRIC_SLOTS[query.metric_name]
            for app, feature, model in self.days:
                if (
                    d.get(c.APPLICATION, app) != app
                    or d.get(c.FEATURE, feature) != feature
                    or d.get(c.MODEL, model) != model
                ):
                    continue
                block = self.block((app, feature, model), first, n)
                by_class += block[:, :, value_slot]
                counts_by_class += block[:, :, count_slot]
        cum = np.cumsum(by_class, axis=1)
        cum_counts = np.cumsum(counts_by_class, axis=1)
        return RawViews(
            cum[:, -1].tolist(),
            cum_counts[:, -1].tolist(),
            cum[:, :3].T.tolist(),
            cum_counts[:, :3].T.tolist(),
        )

    def detector_arrays(
        self, feature: str, premium_models: Sequence[str], start_ms: int, n: int
    ) -> np.ndarray:
        """(7, CLASSES, n): the detector's Minute fields per minute, cumulated over visibility classes
        (index a = what is visible at age a; CLASSES - 1 = final)."""
        first = start_ms // MINUTE_MS
        out = np.zeros((7, n, CLASSES))
        for key in self.keys(feature):
            block = self.block(key, first, n)
            for f, slot in enumerate(DETECTOR_SLOTS):
                out[f] += block[:, :, slot]
            if key[2] in premium_models:
                out[6] += block[:, :, INV]
        return np.cumsum(out, axis=2).transpose(0, 2, 1).copy()

    def usage_minutes(
        self, feature: str, start_ms: int, end_ms: int, as_of_minute: int | None
    ) -> dict[datetime, dict[str, Usage]]:
        """Per minute of [start, end), per model: the feature's usage as visible at the evaluation of
        `as_of_minute` (None: final)."""
        first = start_ms // MINUTE_MS
        n = max(0, (end_ms - start_ms) // MINUTE_MS)
        out: dict[datetime, dict[str, Usage]] = {}
        if n == 0:
            return out
        ages = np.full(n, CLASSES - 1)
        if as_of_minute is not None:
            ages = np.clip(as_of_minute - (first + np.arange(n)), -1, CLASSES - 1)
        for key in self.keys(feature):
            cum = np.cumsum(self.block(key, first, n), axis=1)
            for i in np.nonzero(cum[:, -1, SAMPLES])[0]:
                age = int(ages[i])
                if age < 0:
                    continue
                s = cum[i, age]
                if not s[SAMPLES]:
                    continue
                when = datetime.fromtimestamp((first + int(i)) * 60, UTC)
                out.setdefault(when, {})[key[2]] = Usage(
                    invocations=float(s[INV]),
                    failed=float(s[FAILED]),
                    throttled=float(s[THROTTLED]),
                    input_tokens=float(s[INP]),
                    output_tokens=float(s[OUT]),
                    cache_read_tokens=float(s[CR]),
                    cache_write_tokens=float(s[CW]),
                    cost=float(s[COST]),
                )
        return out

    def per_minute(self, feature: str, first: int, n: int, slot: int) -> np.ndarray:
        """One slot of a feature, every model and visibility class summed (final), for epoch minutes
        first..first+n-1."""
        out = np.zeros(n)
        for key in self.keys(feature):
            out += self.block(key, first, n)[:, :, slot].sum(axis=1)
        return out

    def hourly_cost(self, feature: str, start_ms: int, end_ms: int) -> list[tuple[datetime, float]]:
        """(hour start, CostUSD) of one feature over [start, end), final sums (the evaluator's query)."""
        first = start_ms // MINUTE_MS
        n = max(0, (end_ms - start_ms) // MINUTE_MS)
        per_minute = self.per_minute(feature, first, n, COST)
        out: dict[int, float] = {}
        for i in np.nonzero(per_minute)[0]:
            hour = (first + int(i)) // 60
            out[hour] = out.get(hour, 0.0) + float(per_minute[i])
        return [(datetime.fromtimestamp(h * 3600, UTC), v) for h, v in sorted(out.items())]

    def feature_cost_per_minute(self) -> dict[str, dict[int, float]]:
        """Final CostUSD per feature per minute (epoch ms), for the report."""
        out: dict[str, dict[int, float]] = {}
        for (_app, feature, _model), per_day in self.days.items():
            acc = out.setdefault(feature, {})
            for day, data in per_day.items():
                cost = data[:, :, COST].sum(axis=1)
                for i in np.nonzero(cost)[0]:
                    ms = (day * DAY_MINUTES + int(i)) * MINUTE_MS
                    acc[ms] = acc.get(ms, 0.0) + float(cost[i])
        return out


@dataclass
class StoreView:
    """The detector's `FeatureView` over replayed metrics at one evaluation: what CloudWatch showed then."""

    arrays: np.ndarray  # detector_arrays(...): (7, CLASSES, n)
    prefix: np.ndarray  # (7, n + 1) prefix sums of the final values
    first: int  # epoch minute of index 0
    now: int = 0  # the evaluation's newest minute

    @classmethod
    def build(cls, arrays: np.ndarray, first: int) -> StoreView:
        final = arrays[:, CLASSES - 1, :]
        prefix = np.concatenate([np.zeros((7, 1)), np.cumsum(final, axis=1)], axis=1)
        return cls(arrays, prefix, first)

    def minute(self, epoch_minute: int) -> Minute:
        i = epoch_minute - self.first
        age = self.now - epoch_minute
        if i < 0 or i >= self.arrays.shape[2] or age < 0:
            return Minute()
        return Minute(*self.arrays[:, min(age, CLASSES - 1), i].tolist())

    def totals(self, first: int, last: int) -> Minute:
        lo = max(first - self.first, 0)
        hi = min(last, self.now) - self.first + 1
        if hi <= lo:
            return Minute()
        hi = min(hi, self.arrays.shape[2])
        total = self.prefix[:, hi] - self.prefix[:, lo]
        for i in range(max(lo, self.now - self.first - (CLASSES - 2)), hi):
            age = self.now - self.first - i
            if age < CLASSES - 1:
                total = total - (self.arrays[:, CLASSES - 1, i] - self.arrays[:, age, i])
        return Minute(*total.tolist())


@dataclass
class StoreUsage:
    """`change.UsageSource` over replayed metrics, as visible at one evaluation (None: final)."""

    store: MetricStore
    feature: str
    as_of_minute: int | None

    def minutes(self, start: datetime, end: datetime) -> Mapping[datetime, Mapping[str, Usage]]:
        return self.store.usage_minutes(
            self.feature, int(start.timestamp() * 1000), int(end.timestamp() * 1000), self.as_of_minute
        )


def build_meter(config: Any, account: Any, profile_features: Mapping[str, str] | None = None) -> Meter:
    """The Meter the account's metering Lambda builds (same runtime config, catalog, overrides), except that
    replay prices each record at the rates in force on its own date, not today's."""
    runtime = build_runtime_config(config, account).with_profile_features(profile_features or {})
    return Meter.from_runtime(runtime, ProfileResolver(client_factory=_no_aws), price_at_record_time=True)


def _chunks(messages: Iterable[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    for message in messages:
        chunk.append(message)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def meter_messages(
    meter: Meter,
    messages: Iterable[str],
    since_ms: int | None = None,
    until_ms: int | None = None,
    on_records: Any = None,
    lateness: bool = True,
) -> MetricStore:
    """Meter every message (in subscription-sized chunks) into a MetricStore, [since, until) by minute.
    Each chunk is metered per visibility class (all class 0 with lateness off)."""
    store = MetricStore(meter.runtime.environment)
    n = 0
    for chunk in _chunks(messages):
        parts: list[list[dict[str, Any]]] = [[] for _ in range(CLASSES)]
        malformed = 0
        for message in chunk:
            account = _ACCOUNT.search(message)
            region = _REGION.search(message)
            store.identities[(account.group(1) if account else "", region.group(1) if region else "")] += 1
            parts[visibility_class(message) if lateness else 0].append(
                {"id": str(n), "timestamp": 0, "message": message}
            )
            n += 1
        for visibility, events in enumerate(parts):
            if not events:
                continue
            result = meter.meter(events)
            store.records += result.records
            for reason, count in result.unpriced_reasons.items():
                store.unpriced_reasons[reason] = store.unpriced_reasons.get(reason, 0) + count
            for doc in result.docs:
                if (since_ms is not None and doc.minute_ms < since_ms) or (
                    until_ms is not None and doc.minute_ms >= until_ms
                ):
                    continue
                store.add(doc, visibility)
            malformed += result.malformed
            for _id, reason, snippet in result.malformed_samples[: max(0, 5 - len(store.malformed_samples))]:
                store.malformed_samples.append((reason, snippet[:80]))
        if malformed:
            # The Lambda stamps MalformedRecords at arrival time; replay: the latest record minute seen.
            at = store.last_ms if store.last_ms is not None else 0
            store.malformed[at] = store.malformed.get(at, 0) + malformed
            store.malformed_total += malformed
        store.messages = n
        if on_records is not None:
            on_records(len(chunk))
    return store
