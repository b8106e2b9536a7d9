"""Meter a batch: parse, resolve, attribute and sum integer token counts; price each aggregate once.

Per record the hot loop does one ``json.loads`` (in ``records.parse_record``), a few dict lookups (model-id
resolution and attribution are cached) and integer additions into a list keyed by

    (minute, attribution, modelId string, region, long_context, usage shape)

No Decimal, no Usage object and no pricing call happens per record. The *usage shape* is a 4-bit mask of
which token kinds (input, output, cache read, cache write) are non-zero: a rate the catalog lacks makes only
the aggregates that actually carry such tokens unpriced, exactly as pricing record by record would. Cost is
linear in the token counts for one rate card, so pricing each aggregate once gives exactly the sum of the
per-record costs (``Decimal``; rounded only when written to EMF).

An EMF document is then one (minute, application, feature, Model dimension): several aggregates (Regions,
scopes, long-context flag, modelId spellings such as ``us.x`` and its ARN) fold into it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from lambdas.metering.attribution import Attribution, Attributor, profile_id_of
from lambdas.metering.profiles import ProfileResolver
from lambdas.metering.records import MalformedRecord, is_throttle, parse_record
from lambdas.metering.runtime import RuntimeConfig
from lambdas.pricing.catalog import PriceCatalog, Usage
from lambdas.pricing.catalog_source import current_catalog
from lambdas.pricing.model_ids import Scope, resolve_model_id

# The Model dimension of a modelId that resolves to no base model (garbage, or an application inference
# profile whose lookup failed): a stable placeholder, never the raw string (unbounded cardinality).
UNKNOWN_MODEL = "unknown"
MALFORMED_SAMPLES_PER_BATCH = 20
SNIPPET_BYTES = 200
_MAX_MODEL_CACHE = 10_000
# CloudWatch dimension values must be ASCII with a non-space character (max 1,024); anything else would get
# the whole EMF document rejected, so such a model dimension becomes UNKNOWN_MODEL.
_SAFE_DIMENSION = re.compile(r"[\x21-\x7e]{1,256}")


# (minute ms, attribution, modelId as logged, region, long-context flag, usage shape) -> integer sums
# [invocations, failed, throttled, input, output, cache read, cache write].
AggregateKey = tuple[int, Attribution, str, str, bool, int]
Aggregates = dict[AggregateKey, list[int]]


class ModelEntry(NamedTuple):
    dimension: str  # the Model dimension: base model id, or UNKNOWN_MODEL
    base_model_id: str | None
    scope: Scope
    profile_id: str | None  # application inference profile id, for attribution
    lc_threshold: int | None  # long-context threshold (prompt tokens) of the model, if it has one
    unpriced_reason: str | None


class ModelTable:
    """modelId string → ModelEntry, cached for the life of the container (failed lookups: per batch)."""

    def __init__(self, catalog: PriceCatalog, static_targets: Mapping[str, str], resolver: ProfileResolver):
        self._catalog = catalog
        self._static = dict(static_targets)
        self._resolver = resolver
        self.cache: dict[str, ModelEntry] = {}
        self.transient: dict[str, ModelEntry] = {}  # failures, forgotten at the next batch

    def new_batch(self) -> None:
        self.transient.clear()

    def get(self, model_id: str) -> ModelEntry:
        hit = self.cache.get(model_id) or self.transient.get(model_id)
        if hit is not None:
            return hit
        entry, permanent = self._resolve(model_id)
        if permanent:
            if len(self.cache) >= _MAX_MODEL_CACHE:
                self.cache.clear()
            self.cache[model_id] = entry
        else:
            self.transient[model_id] = entry
        return entry

    def _resolve(self, model_id: str) -> tuple[ModelEntry, bool]:
        pid = profile_id_of(model_id)
        mapping: dict[str, str] | None = None
        if pid is not None:
            target = self._static.get(pid)
            if target is None:
                target, reason = self._resolver.target(model_id)
                if target is None:
                    why = reason or "application inference profile could not be resolved"
                    return ModelEntry(UNKNOWN_MODEL, None, "in_region", pid, None, why), False
            mapping = {model_id: target}
        resolved = resolve_model_id(model_id, mapping)
        base = resolved.base_model_id
        safe = base is not None and _SAFE_DIMENSION.fullmatch(base) is not None
        return (
            ModelEntry(
                base if base is not None and safe else UNKNOWN_MODEL,
                base,
                resolved.scope,
                pid,
                self._catalog.long_context_threshold(base) if base is not None else None,
                resolved.unpriced_reason,
            ),
            True,
        )


@dataclass(slots=True)
class MetricDoc:
    """One EMF document: the sums of one (minute, application, feature, model)."""

    minute_ms: int
    application: str
    feature: str
    model: str
    invocations: int = 0
    failed: int = 0
    throttled: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: Decimal | None = None  # None: nothing in this document could be priced
    unpriced: int = 0


@dataclass(slots=True)
class BatchResult:
    docs: list[MetricDoc] = field(default_factory=list)
    records: int = 0  # valid records metered
    malformed: int = 0
    malformed_samples: list[tuple[str, str, str]] = field(default_factory=list)  # (event id, reason, bytes)
    unpriced_reasons: dict[str, int] = field(default_factory=dict)

    def total_cost(self) -> Decimal:
        return sum((d.cost_usd for d in self.docs if d.cost_usd is not None), Decimal(0))


def _snippet(message: Any) -> str:
    if isinstance(message, str):
        raw = message.encode("utf-8", "replace")
    elif isinstance(message, bytes):
        raw = message
    else:
        raw = repr(message).encode()
    return raw[:SNIPPET_BYTES].decode("utf-8", "replace")


class Meter:
    """Everything one container needs to meter batches; build once, call ``meter`` per batch."""

    def __init__(
        self, runtime: RuntimeConfig, catalog: PriceCatalog, resolver: ProfileResolver | None = None
    ):
        self.runtime = runtime
        self.catalog = catalog
        self.resolver = resolver or ProfileResolver()
        self.models = ModelTable(catalog, runtime.profile_targets(), self.resolver)
        self.attributor = Attributor(
            runtime.metadata_rules,
            runtime.profile_rules,
            runtime.identity_rules,
            runtime.profile_features,
            runtime.feature_applications,
        )

    @classmethod
    def from_runtime(cls, runtime: RuntimeConfig, resolver: ProfileResolver | None = None) -> Meter:
        # The refreshed catalog from S3 when the stack enables price refresh, else the bundled one (cached).
        catalog = current_catalog(runtime.price_overrides, runtime.discount_percent)
        return cls(runtime, catalog, resolver)

    def meter(self, events: Iterable[Mapping[str, Any]]) -> BatchResult:
        """Meter CloudWatch Logs events ({id, timestamp, message}). Never raises for a bad record."""
        result = BatchResult()
        self.finish(result, self.aggregate(events, result))
        return result

    def aggregate(
        self, events: Iterable[Mapping[str, Any]], result: BatchResult, aggs: Aggregates | None = None
    ) -> Aggregates:
        """Parse, attribute and sum events into ``aggs`` (integer sums per aggregate key); malformed records
        and the count of valid ones go to ``result``. Replay's SQL engines produce the same keys."""
        models = self.models
        models.new_batch()
        model_cache = models.cache
        attribute = self.attributor.attribute
        parse = parse_record
        if aggs is None:
            aggs = {}
        valid = 0
        for event in events:
            try:
                message = event["message"]
                rec = parse(message)
                if isinstance(rec, MalformedRecord):
                    self._malformed(result, event, rec[0])
                    continue
                minute, region, model_id, arn, metadata, error, i, o, cr, cw = rec
                entry = model_cache.get(model_id) or models.get(model_id)
                att = attribute(metadata, entry[3], arn)
                thr = entry[4]
                key = (
                    minute,
                    att,
                    model_id,
                    region,
                    thr is not None and i + cr + cw > thr,
                    (i > 0) | (o > 0) << 1 | (cr > 0) << 2 | (cw > 0) << 3,
                )
                acc = aggs.get(key)
                if acc is None:
                    acc = aggs[key] = [0, 0, 0, 0, 0, 0, 0]
                acc[0] += 1
                if error is not None:
                    acc[1] += 1
                    if is_throttle(error):
                        acc[2] += 1
                acc[3] += i
                acc[4] += o
                acc[5] += cr
                acc[6] += cw
                valid += 1
            except Exception as exc:  # a record must never stop the batch; count it, keep going
                self._malformed(result, event, f"could not meter record: {type(exc).__name__}: {exc}")
        result.records += valid
        return aggs

    def _malformed(self, result: BatchResult, event: Any, reason: str) -> None:
        result.malformed += 1
        if len(result.malformed_samples) < MALFORMED_SAMPLES_PER_BATCH:
            get = event.get if isinstance(event, Mapping) else (lambda _k: None)
            result.malformed_samples.append((str(get("id")), reason, _snippet(get("message"))))

    def finish(self, result: BatchResult, aggs: Mapping[AggregateKey, list[int]]) -> None:
        """Fold aggregates into one MetricDoc per (minute, application, feature, Model) and price each
        aggregate once."""
        docs: dict[tuple[int, str, str, str], MetricDoc] = {}
        reasons = result.unpriced_reasons
        price = self.catalog.price
        for (minute, att, model_id, region, lc, _shape), acc in aggs.items():
            entry = self.models.get(model_id)
            dkey = (minute, att.application, att.feature, entry.dimension)
            doc = docs.get(dkey)
            if doc is None:
                doc = docs[dkey] = MetricDoc(minute, att.application, att.feature, entry.dimension)
            n = acc[0]
            doc.invocations += n
            doc.failed += acc[1]
            doc.throttled += acc[2]
            doc.input_tokens += acc[3]
            doc.output_tokens += acc[4]
            doc.cache_read_tokens += acc[5]
            doc.cache_write_tokens += acc[6]
            reason = entry.unpriced_reason
            if reason is None and entry.base_model_id is not None:
                usage = Usage(acc[3], acc[4], acc[5], acc[6])
                priced = price(entry.base_model_id, region, entry.scope, usage, long_context=lc)
                if priced.cost_usd is not None:
                    doc.cost_usd = priced.cost_usd if doc.cost_usd is None else doc.cost_usd + priced.cost_usd
                    continue
                reason = priced.unpriced_reason or "no price"
            doc.unpriced += n
            reason = reason or "model could not be resolved"
            reasons[reason] = reasons.get(reason, 0) + n
        result.docs = sorted(docs.values(), key=lambda d: (d.minute_ms, d.application, d.feature, d.model))
