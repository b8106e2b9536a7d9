"""Meter log messages with the metering Lambda's own code into a per-minute metric store.

Replay does not re-implement parsing, attribution, aggregation or pricing: it builds the same
``lambdas.metering.aggregate.Meter`` the Lambda builds (from the runtime config the stack would bundle for
the account, ``core.runtime_config.build_runtime_config``) and feeds it the messages in chunks, exactly as a
subscription feeds it batches. Each resulting ``MetricDoc`` is what the Lambda writes as one EMF document;
the store keeps, per (application, feature, model, minute), the sums CloudWatch would hold, with
``CostUSD`` taken as the EMF value (``lambdas.metering.emf.cost_value``) and the exact ``Decimal`` kept
for the cost table.

Replay makes no AWS call: an application inference profile the config does not map is metered unpriced
(the Lambda would call ``bedrock:GetInferenceProfile``); ``--profile-map`` style mapping is the
``profile_features`` argument.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cli.replay.engine import RawSeries
from core import contract as c
from core.alarm_model import MetricStatQuery
from core.runtime_config import build_runtime_config
from lambdas.metering.aggregate import Meter, MetricDoc
from lambdas.metering.emf import cost_value
from lambdas.metering.profiles import ProfileResolver

MINUTE_MS = 60_000
CHUNK = 20_000
# Per-minute slots: the EMF metrics of one document, summed.
INV, INP, OUT, CR, CW, UNPRICED, FAILED, THROTTLED, COST, SAMPLES, COST_SAMPLES = range(11)
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
_PUBLISHED = {frozenset(ds) for ds in c.DIMENSION_SETS}
_EMPTY_SLOT = [0.0] * 11


def _no_aws(_region: str) -> Any:
    raise RuntimeError("replay makes no AWS call: map the application inference profile in the config")


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
    """Everything the alarms, the explanations and the report need, memory bounded by minutes x series."""

    def __init__(self, environment: str) -> None:
        self.environment = environment
        # One array of 11 doubles per (series, minute): a third of the memory of a list of floats.
        self.minutes: dict[tuple[str, str, str], dict[int, array[float]]] = {}
        self.totals: dict[tuple[str, str, str], Totals] = {}
        self.malformed: dict[int, int] = {}
        self.malformed_total = 0
        self.records = 0
        self.first_ms: int | None = None
        self.last_ms: int | None = None
        self.unpriced_reasons: dict[str, int] = {}
        self._series_cache: dict[tuple[str, tuple[tuple[str, str], ...], int, int], RawSeries] = {}
        self._windows: dict[str, dict[str, tuple[list[int], list[list[float]]]]] = {}

    def add(self, doc: MetricDoc) -> None:
        if self._windows:
            self._windows.clear()
        key = (doc.application, doc.feature, doc.model)
        per_minute = self.minutes.get(key)
        if per_minute is None:
            per_minute = self.minutes[key] = {}
            self.totals[key] = Totals()
        slot = per_minute.get(doc.minute_ms)
        if slot is None:
            slot = per_minute[doc.minute_ms] = array("d", _EMPTY_SLOT)
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

    def series(self, query: MetricStatQuery, start_ms: int, n: int) -> RawSeries:
        """(per-minute sums, per-minute sample counts) of one metric query over the timeline."""
        dims = tuple(sorted(query.dimensions))
        key = (query.metric_name, dims, start_ms, n)
        hit = self._series_cache.get(key)
        if hit is not None:
            return hit
        sums = [0.0] * n
        counts = [0] * n
        d = dict(dims)
        names = frozenset(d)
        ok = query.namespace == c.NAMESPACE and d.get(c.ENVIRONMENT) == self.environment
        if ok and query.metric_name == c.MALFORMED and names == {c.ENVIRONMENT}:
            for minute, count in self.malformed.items():
                i = (minute - start_ms) // MINUTE_MS
                if 0 <= i < n:
                    sums[i] += count
                    counts[i] += 1
        elif ok and query.metric_name in METRIC_SLOTS and names in _PUBLISHED:
            value_slot, count_slot = METRIC_SLOTS[query.metric_name]
            for (app, feature, model), per_minute in self.minutes.items():
                if (
                    d.get(c.APPLICATION, app) != app
                    or d.get(c.FEATURE, feature) != feature
                    or d.get(c.MODEL, model) != model
                ):
                    continue
                for minute, slot in per_minute.items():
                    i = (minute - start_ms) // MINUTE_MS
                    if 0 <= i < n and slot[count_slot]:
                        sums[i] += slot[value_slot]
                        counts[i] += int(slot[count_slot])
        self._series_cache[key] = (sums, counts)
        return sums, counts

    def window(self, feature: str, start_ms: int, end_ms: int) -> dict[str, list[float]]:
        """Per model, the summed slots of one feature over [start_ms, end_ms): two binary searches and a
        difference of prefix sums per model, whatever the window's length or the store's."""
        out: dict[str, list[float]] = {}
        for model, (minutes, prefix) in self._feature_index(feature).items():
            lo = bisect_left(minutes, start_ms)
            hi = bisect_left(minutes, end_ms)
            if hi <= lo:
                continue
            acc = [a - b for a, b in zip(prefix[hi], prefix[lo], strict=True)]
            if acc[SAMPLES]:
                acc[COST] = acc[COST] / 1_000_000
                out[model] = acc
        return out

    def _feature_index(self, feature: str) -> dict[str, tuple[list[int], list[list[float]]]]:
        """Per model of ``feature``: its minutes (sorted) and prefix sums of their slots, built once per
        feature after metering. CostUSD is summed in integer micro-dollars (EMF values are rounded to
        1e-6), so differences of prefix sums are exact."""
        index = self._windows.get(feature)
        if index is not None:
            return index
        per_model: dict[str, dict[int, list[float]]] = {}
        for (_app, feat, model), per_minute in self.minutes.items():
            if feat != feature:
                continue
            acc = per_model.setdefault(model, {})
            for minute, values in per_minute.items():
                row = acc.get(minute)
                if row is None:
                    acc[minute] = list(values)
                else:
                    for k in range(11):
                        row[k] += values[k]
        index = {}
        for model, acc in per_model.items():
            minutes = sorted(acc)
            running: list[float] = [0.0] * 11
            running[COST] = 0  # integer micro-dollars
            prefix = [running]
            for minute in minutes:
                slot = acc[minute]
                previous = running
                running = [r + v for r, v in zip(previous, slot, strict=True)]
                running[COST] = previous[COST] + round(slot[COST] * 1_000_000)
                prefix.append(running)
            index[model] = (minutes, prefix)
        self._windows[feature] = index
        return index

    def feature_cost_per_minute(self) -> dict[str, dict[int, float]]:
        out: dict[str, dict[int, float]] = {}
        for (_app, feature, _model), per_minute in self.minutes.items():
            acc = out.setdefault(feature, {})
            for minute, slot in per_minute.items():
                acc[minute] = acc.get(minute, 0.0) + slot[COST]
        return out


def build_meter(config: Any, account: Any, profile_features: Mapping[str, str] | None = None) -> Meter:
    """The Meter the account's metering Lambda builds (same runtime config, catalog, overrides), except that
    replay prices each record at the rates in force on its own date, not today's."""
    runtime = build_runtime_config(config, account).with_profile_features(profile_features or {})
    return Meter.from_runtime(runtime, ProfileResolver(client_factory=_no_aws), price_at_record_time=True)


def _chunks(messages: Iterable[str]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for n, message in enumerate(messages):
        chunk.append({"id": str(n), "timestamp": 0, "message": message})
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
) -> MetricStore:
    """Meter every message (in subscription-sized chunks) into a MetricStore, [since, until) by minute."""
    store = MetricStore(meter.runtime.environment)
    for chunk in _chunks(messages):
        result = meter.meter(chunk)
        store.records += result.records
        for reason, count in result.unpriced_reasons.items():
            store.unpriced_reasons[reason] = store.unpriced_reasons.get(reason, 0) + count
        for doc in result.docs:
            if (since_ms is not None and doc.minute_ms < since_ms) or (
                until_ms is not None and doc.minute_ms >= until_ms
            ):
                continue
            store.add(doc)
        if result.malformed:
            # The Lambda stamps MalformedRecords at arrival time; replay uses the latest record minute seen.
            at = store.last_ms if store.last_ms is not None else 0
            store.malformed[at] = store.malformed.get(at, 0) + result.malformed
            store.malformed_total += result.malformed
        if on_records is not None:
            on_records(len(chunk))
    return store
