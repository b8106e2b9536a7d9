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

Records that say more than four token counts (a request/response body: service tier, 1-hour cache writes,
prompt-router target, images, queries, speech tokens, guardrail units; ``usage_detail``) and records of
models billed per unit take a second, slower path keyed by everything that changes the rate card. Guardrail
units are priced against the ``bedrock.guardrails`` catalog entry and reported under that Model dimension.

A call with nothing billable (a throttled call, zero tokens) costs 0 whatever its model: never unpriced.
The Lambda prices at the rates in force today; replay (``price_at_record_time``) at each record's date.

**Guardrail interventions.** A successful call with no token at all never reached the model: a
guardrail blocked it (an ``InvokeModel`` blocked by a guardrail is logged with no token counts and no
``errorCode``). Such records are invocations with zero tokens, and are counted in
``GuardrailInterventions`` when the record says so (a response body with ``amazon-bedrock-guardrailAction:
INTERVENED`` or ``stopReason: guardrail_intervened``) or, without bodies, for a model billed per token only
(which cannot answer without reading a token). Records with bodies that say nothing of a guardrail are not
counted, and neither are zero-token records of models billed per image, query or second.

**Bounded.** The Lambda passes ``now_ms``: a record whose minute CloudWatch would drop (over 14 days old,
over 2 hours ahead) is counted malformed with the reason, never emitted. Application inference profiles are
looked up within the resolver's per-batch budget (``profiles``). The ``Model`` dimension takes a model id
the price catalog knows, or one of at most ``MAX_UNCATALOGUED_MODELS`` other ids per container that served
a successful call (a model newer than the catalog, a provisioned or custom model); anything else is
``unknown``, so 10,000 distinct unknown ids make one dimension value, not 10,000. Unpriced reasons are kept
for at most ``MAX_REASONS_PER_BATCH`` distinct reasons a batch.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, cast

from core.contract import UNKNOWN_MODEL
from core.runtime_config import RuntimeConfig
from lambdas.metering.attribution import Attribution, Attributor, profile_id_of
from lambdas.metering.profiles import LOOKUP_BUDGET_SECONDS, MAX_LOOKUPS_PER_BATCH, ProfileResolver
from lambdas.metering.records import (
    MAX_FUTURE_MS,
    MAX_PAST_MS,
    InvocationRecord,
    MalformedRecord,
    is_throttle,
    parse_record,
    timestamp_problem,
)
from lambdas.metering.usage_detail import RecordDetail
from lambdas.pricing.catalog import (
    GUARDRAILS_MODEL_ID,
    TEXT_TOKEN_FIELDS,
    UNIT_FIELDS,
    PriceCatalog,
    Tier,
    Usage,
)
from lambdas.pricing.catalog_source import current_catalog
from lambdas.pricing.model_ids import Scope, resolve_model_id

# Guardrail text units are billed apart from the model they guard: their own Model dimension value.
GUARDRAILS_MODEL = GUARDRAILS_MODEL_ID
MALFORMED_SAMPLES_PER_BATCH = 20
SNIPPET_BYTES = 200
MAX_UNCATALOGUED_MODELS = 20
MAX_REASONS_PER_BATCH = 50
OTHER_REASONS = f"other reasons (more than {MAX_REASONS_PER_BATCH} distinct reasons in this batch)"
_MAX_MODEL_CACHE = 10_000
_NO_WINDOW = (0, 1 << 62)
# CloudWatch dimension values must be ASCII with a non-space character (max 1,024); anything else would get
# the whole EMF document rejected, so such a model dimension becomes UNKNOWN_MODEL.
_SAFE_DIMENSION = re.compile(r"[\x21-\x7e]{1,256}")


class ModelEntry(NamedTuple):
    dimension: str  # the Model dimension: base model id, or UNKNOWN_MODEL
    base_model_id: str | None
    scope: Scope
    profile_id: str | None  # application inference profile id, for attribution
    lc_threshold: int | None  # long-context threshold (prompt tokens) of the model, if it has one
    unpriced_reason: str | None
    # What a successful call must report beyond tokens to be priced (None: tokens are enough):
    # "units" (billed per image/query/second only), "speech" (speech and text tokens apart),
    # "media" (an embedding with no tokens embedded an image or media), "one_image" (one image a call).
    unit_rule: str | None = None
    estimate: str | None = None  # why the cost is an estimate (a prompt router's fallback model)


def unit_rule(catalog: PriceCatalog, base_model_id: str | None) -> str | None:
    """What a record of this model must say beyond its token counts to be priced (see ModelEntry)."""
    info = catalog.model(base_model_id) if base_model_id else None
    if info is None:
        return None
    if info.kind == "speech":
        return "speech"
    fields: set[str] = set()
    for scopes in info.regions.values():
        for entry in scopes.values():
            card = entry.cards.get("standard")
            if card is not None:
                fields |= {f for f in TEXT_TOKEN_FIELDS if card.get(f) is not None}
                fields |= {name for name, _ in card.units}
    units = fields & set(UNIT_FIELDS)
    if info.kind in ("image", "video", "rerank"):
        # Billed per image, second or query: tokens alone never price a successful call.
        return "one_image" if units == {"image"} else "units"
    if units:
        return "media" if fields & {"input", "output"} else "units"
    return None


_RULE_REASONS = {
    "units": "{model} is billed per {units}; the record does not say how many (log request and response "
    "bodies: text/image data delivery)",
    "speech": "{model} bills speech and text tokens at different rates; the record has only their totals "
    "(log response bodies to get the usage event's speechTokens and textTokens)",
    "media": "{model} was called without text tokens: the input was an image or media, billed per {units}, "
    "and the record does not say how much (log request bodies)",
}


class ModelTable:
    """modelId string → ModelEntry, cached for the life of the container (failed or deferred lookups: per
    batch); and the ``Model`` dimension values this container may emit."""

    def __init__(self, catalog: PriceCatalog, static_targets: Mapping[str, str], resolver: ProfileResolver):
        self._catalog = catalog
        self._static = dict(static_targets)
        self._resolver = resolver
        self.cache: dict[str, ModelEntry] = {}
        self.transient: dict[str, ModelEntry] = {}  # failures, forgotten at the next batch
        self.admitted: set[str] = set()  # dimension values outside the catalog, admitted in this container

    def new_batch(self) -> None:
        self.transient.clear()

    def dimension(self, entry: ModelEntry, succeeded: bool) -> str:
        """The Model dimension of an aggregate: the catalog's model ids always; another id only when it
        served a successful call and fewer than MAX_UNCATALOGUED_MODELS others were admitted; else unknown."""
        dim = entry.dimension
        if dim in self.admitted or dim == UNKNOWN_MODEL or self._catalog.model(dim) is not None:
            return dim
        if succeeded and len(self.admitted) < MAX_UNCATALOGUED_MODELS:
            self.admitted.add(dim)
            return dim
        return UNKNOWN_MODEL

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
                unit_rule(self._catalog, base),
                resolved.estimate,
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
    guardrail_interventions: int = 0

    def add_counts(self, n: int, failed: int, throttled: int, i: int, o: int, cr: int, cw: int) -> None:
        self.invocations += n
        self.failed += failed
        self.throttled += throttled
        self.input_tokens += i
        self.output_tokens += o
        self.cache_read_tokens += cr
        self.cache_write_tokens += cw


@dataclass(slots=True)
class BatchResult:
    docs: list[MetricDoc] = field(default_factory=list)
    records: int = 0  # valid records metered
    malformed: int = 0
    malformed_samples: list[tuple[str, str, str]] = field(default_factory=list)  # (event id, reason, bytes)
    unpriced_reasons: dict[str, int] = field(default_factory=dict)  # at most MAX_REASONS_PER_BATCH + 1
    estimated: dict[str, int] = field(default_factory=dict)  # why a cost is an estimate -> invocations
    out_of_window: dict[str, int] = field(default_factory=dict)  # why CloudWatch would drop it -> records
    guardrail_interventions: int = 0
    profile_lookups: int = 0  # bedrock:GetInferenceProfile calls made for this batch
    profiles_deferred: int = 0  # unknown profiles left for a later batch (budget spent)

    def total_cost(self) -> Decimal:
        return sum((d.cost_usd for d in self.docs if d.cost_usd is not None), Decimal(0))

    def count_unpriced(self, reason: str, n: int) -> None:
        reasons = self.unpriced_reasons
        if reason not in reasons and len(reasons) >= MAX_REASONS_PER_BATCH:
            reason = OTHER_REASONS
        reasons[reason] = reasons.get(reason, 0) + n


def _snippet(message: Any) -> str:
    if isinstance(message, str):
        raw = message.encode("utf-8", "replace")
    elif isinstance(message, bytes):
        raw = message
    else:
        raw = repr(message).encode()
    return raw[:SNIPPET_BYTES].decode("utf-8", "replace")


@dataclass(slots=True)
class _Detailed:
    """Sums of records that take the detailed path (one key = one rate card and one usage shape)."""

    invocations: int = 0
    failed: int = 0
    throttled: int = 0
    input_tokens: int = 0  # as the record counts them (metric values)
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    usage: Usage = field(default_factory=Usage)  # what is priced (speech split, 1-hour writes apart)
    interventions: int = 0  # successful calls the response body says a guardrail intervened in


# (minute, attribution, modelId, region, long context, tier, why unpriced, usage shape)
_DetailKey = tuple[int, Attribution, str, str, bool, Tier, str | None, tuple[str, ...]]
# (minute, attribution, modelId, region, long context, usage-shape bits): integer sums of plain token records
# [invocations, failed, throttled, input, output, cache read, cache write]. Replay's SQL engines produce
# the same keys.
AggregateKey = tuple[int, Attribution, str, str, bool, int]
Aggregates = dict[AggregateKey, list[int]]
_GuardKey = tuple[int, Attribution, str, tuple[str, ...]]


@dataclass
class Aggregation:
    """What ``Meter.aggregate`` sums from records, before pricing (``Meter.finish``)."""

    sums: Aggregates = field(default_factory=dict)
    detailed: dict[_DetailKey, _Detailed] = field(default_factory=dict)
    guarded: dict[_GuardKey, list[Any]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.sums or self.detailed or self.guarded)

    def minutes(self) -> Iterable[int]:
        yield from (k[0] for k in self.sums)
        yield from (k[0] for k in self.detailed)
        yield from (k[0] for k in self.guarded)

    def merge(self, other: Aggregation) -> None:
        for key, sums in other.sums.items():
            acc = self.sums.get(key)
            if acc is None:
                self.sums[key] = list(sums)
            else:
                for k in range(7):
                    acc[k] += sums[k]
        for dkey, d in other.detailed.items():
            mine = self.detailed.get(dkey)
            if mine is None:
                self.detailed[dkey] = d
            else:
                mine.invocations += d.invocations
                mine.failed += d.failed
                mine.throttled += d.throttled
                mine.input_tokens += d.input_tokens
                mine.output_tokens += d.output_tokens
                mine.cache_read_tokens += d.cache_read_tokens
                mine.cache_write_tokens += d.cache_write_tokens
                mine.interventions += d.interventions
                mine.usage = mine.usage + d.usage
        for gkey, (n, usage) in other.guarded.items():
            gacc = self.guarded.get(gkey)
            if gacc is None:
                self.guarded[gkey] = [n, usage]
            else:
                gacc[0] += n
                gacc[1] = gacc[1] + usage

    def split_before(self, before_ms: int | None) -> Aggregation:
        """Remove and return the part of minutes before ``before_ms`` (everything when None)."""

        def early(key: tuple[Any, ...]) -> bool:
            return before_ms is None or key[0] < before_ms

        out = Aggregation()
        out.sums = {k: self.sums.pop(k) for k in [k for k in self.sums if early(k)]}
        out.detailed = {k: self.detailed.pop(k) for k in [k for k in self.detailed if early(k)]}
        out.guarded = {k: self.guarded.pop(k) for k in [k for k in self.guarded if early(k)]}
        return out


def _record_usage(rec: InvocationRecord, detail: RecordDetail | None) -> Usage:
    i, o, cr, cw = rec[6], rec[7], rec[8], rec[9]
    if detail is None:
        return Usage(i, o, cr, cw)
    units = dict(detail.units)
    if detail.speech is not None:
        speech_in, text_in, speech_out, text_out = detail.speech
        i, o = text_in, text_out
        units["audio_input"] = speech_in
        units["audio_output"] = speech_out
    cw1h = detail.cache_write_1h
    return Usage(i, o, cr, cw - cw1h, cw1h, tuple(sorted((k, v) for k, v in units.items() if v)))


def _shape(usage: Usage) -> tuple[str, ...]:
    counts = (
        ("input", usage.input_tokens),
        ("output", usage.output_tokens),
        ("cache_read", usage.cache_read_tokens),
        ("cache_write", usage.cache_write_tokens),
        ("cache_write_1h", usage.cache_write_1h_tokens),
        *usage.units,
    )
    return tuple(name for name, count in counts if count)


class Meter:
    """Everything one container needs to meter batches; build once, call ``meter`` per batch.

    ``price_at_record_time``: price each aggregate at the rates in force on its records' day (replay);
    otherwise at today's rates (the Lambda, metering records minutes old).
    """

    def __init__(
        self,
        runtime: RuntimeConfig,
        catalog: PriceCatalog,
        resolver: ProfileResolver | None = None,
        *,
        price_at_record_time: bool = False,
    ):
        self.runtime = runtime
        self.catalog = catalog
        self.resolver = resolver or ProfileResolver()
        self.price_at_record_time = price_at_record_time
        self._now_ms: int | None = None  # the current batch's clock (epoch ms), when the caller gave one
        self.models = ModelTable(catalog, runtime.profile_targets(), self.resolver)
        self.attributor = Attributor(
            runtime.metadata_rules,
            runtime.profile_rules,
            runtime.identity_rules,
            runtime.profile_features,
            runtime.feature_applications,
        )

    @classmethod
    def from_runtime(
        cls,
        runtime: RuntimeConfig,
        resolver: ProfileResolver | None = None,
        *,
        price_at_record_time: bool = False,
    ) -> Meter:
        # The refreshed catalog from S3 when the stack enables price refresh, else the bundled one (cached).
        catalog = current_catalog(runtime.price_overrides(), runtime.pricing.discount_percent)
        return cls(runtime, catalog, resolver, price_at_record_time=price_at_record_time)

    def meter(
        self,
        events: Iterable[Mapping[str, Any]],
        *,
        now_ms: int | None = None,
        lookup_budget_seconds: float = LOOKUP_BUDGET_SECONDS,
        max_lookups: int = MAX_LOOKUPS_PER_BATCH,
    ) -> BatchResult:
        """Meter CloudWatch Logs events ({id, timestamp, message}). Never raises for a bad record.

        ``now_ms``: the clock (epoch ms) to check record timestamps against CloudWatch's window; None (replay
        of old logs) checks nothing. ``lookup_budget_seconds`` / ``max_lookups``: this batch's budget of
        application-inference-profile lookups (``ProfileResolver.begin_batch``).
        """
        result = BatchResult()
        aggregation = self.aggregate(
            events,
            result,
            now_ms=now_ms,
            lookup_budget_seconds=lookup_budget_seconds,
            max_lookups=max_lookups,
        )
        self.finish(result, aggregation)
        result.profile_lookups = self.resolver.batch_calls
        result.profiles_deferred = self.resolver.batch_deferred
        return result

    def aggregate(
        self,
        events: Iterable[Mapping[str, Any]],
        result: BatchResult,
        into: Aggregation | None = None,
        *,
        now_ms: int | None = None,
        lookup_budget_seconds: float = LOOKUP_BUDGET_SECONDS,
        max_lookups: int = MAX_LOOKUPS_PER_BATCH,
    ) -> Aggregation:
        """Parse, attribute and sum events (into ``into``, or a new Aggregation); malformed records and the
        count of valid ones go to ``result``. Nothing is priced here (``finish``)."""
        into = into if into is not None else Aggregation()
        self._now_ms = now_ms
        models = self.models
        models.new_batch()
        self.resolver.begin_batch(max_lookups=max_lookups, budget_seconds=lookup_budget_seconds)
        lo, hi = _NO_WINDOW if now_ms is None else (now_ms - MAX_PAST_MS, now_ms + MAX_FUTURE_MS)
        model_cache = models.cache
        attribute = self.attributor.attribute
        parse = parse_record
        aggs, detailed, guarded = into.sums, into.detailed, into.guarded
        valid = 0
        for event in events:
            try:
                message = event["message"]
                rec = parse(message)
                if isinstance(rec, MalformedRecord):
                    self._malformed(result, event, rec[0])
                    continue
                minute, region, model_id, arn, metadata, error, i, o, cr, cw, detail = rec
                if minute < lo or minute > hi:
                    self._out_of_window(result, event, minute, now_ms or 0)
                    continue
                entry = model_cache.get(model_id) or models.get(model_id)
                if detail is not None or entry[6] is not None:
                    self._detailed(rec, entry, detailed, guarded)
                    valid += 1
                    continue
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
        return into

    def _out_of_window(self, result: BatchResult, event: Any, minute: int, now_ms: int) -> None:
        reason = timestamp_problem(minute, now_ms) or "timestamp outside CloudWatch's window"
        result.out_of_window[reason] = result.out_of_window.get(reason, 0) + 1
        self._malformed(result, event, reason)

    def _detailed(
        self,
        rec: InvocationRecord,
        entry: ModelEntry,
        detailed: dict[_DetailKey, _Detailed],
        guarded: dict[tuple[int, Attribution, str, tuple[str, ...]], list[Any]],
    ) -> None:
        """Records with a body, or of a model billed per unit: what changes the rate card is in the key."""
        minute, region, model_id, arn, metadata, error, i, o, cr, cw, detail = rec
        if detail is not None and detail.served_model:
            # A prompt router named the model that served the call: meter and price that model.
            model_id = detail.served_model
            entry = self.models.get(model_id)
        att = self.attributor.attribute(metadata, entry.profile_id, arn)
        usage = _record_usage(rec, detail if error is None else None)
        problem: str | None = None
        if error is None:
            if detail is not None and detail.unpriced_mode:
                problem = f"{entry.dimension}: {detail.unpriced_mode}"
            elif entry.unit_rule is not None:
                problem = self._unit_problem(entry, usage, detail)
                if problem is None and entry.unit_rule == "one_image" and not usage.units:
                    usage = Usage(usage.input_tokens, usage.output_tokens, units=(("image", 1),))
        tier: Tier = "standard"
        if detail is not None and error is None and detail.tier in ("flex", "priority"):
            tier = cast(Tier, detail.tier)
        thr = entry.lc_threshold
        key: _DetailKey = (
            minute, att, model_id, region, thr is not None and usage.prompt_tokens > thr, tier, problem,
            _shape(usage),
        )  # fmt: skip
        acc = detailed.get(key)
        if acc is None:
            acc = detailed[key] = _Detailed()
        acc.invocations += 1
        if error is not None:
            acc.failed += 1
            if is_throttle(error):
                acc.throttled += 1
        elif detail is not None and detail.guardrail_intervened:
            acc.interventions += 1
        acc.input_tokens += i
        acc.output_tokens += o
        acc.cache_read_tokens += cr
        acc.cache_write_tokens += cw
        acc.usage = acc.usage + usage
        if detail is not None and detail.guardrail_units:
            gkey = (minute, att, region, tuple(name for name, _ in detail.guardrail_units))
            gacc = guarded.get(gkey)
            if gacc is None:
                gacc = guarded[gkey] = [0, Usage()]
            gacc[0] += 1
            gacc[1] = gacc[1] + Usage(units=detail.guardrail_units)

    def _unit_sums(
        self,
        detailed: dict[_DetailKey, _Detailed],
        key: tuple[int, Attribution, str, str, bool],
        entry: ModelEntry,
        acc: list[int],
    ) -> None:
        """Summed records of a model billed per unit, as ``_detailed`` takes them one by one without a
        body: failed calls priced by tokens, the others by the model's unit rule. The records of one sum share
        their usage shape, so the rule's answer is theirs; their tokens go with the successful calls (a failed
        call carries none in practice)."""
        minute, att, model_id, region, lc = key
        n, failed, throttled, i, o, cr, cw = acc
        succeeded = n - failed
        tokens = (i, o, cr, cw)
        none = (0, 0, 0, 0)
        # (invocations, failed, throttled, metric tokens, priced usage, why unpriced)
        parts: list[tuple[int, int, int, tuple[int, int, int, int], Usage, str | None]] = []
        if failed:
            failed_tokens = none if succeeded else tokens
            parts.append((failed, failed, throttled, failed_tokens, Usage(*failed_tokens), None))
        if succeeded:
            usage = Usage(i, o, cr, cw)
            problem = self._unit_problem(entry, usage, None)
            if problem is None and entry.unit_rule == "one_image":
                usage = Usage(usage.input_tokens, usage.output_tokens, units=(("image", succeeded),))
            parts.append((succeeded, 0, 0, tokens, usage, problem))
        for count, part_failed, part_throttled, metric_tokens, usage, problem in parts:
            dkey: _DetailKey = (minute, att, model_id, region, lc, "standard", problem, _shape(usage))
            d = detailed.get(dkey)
            if d is None:
                d = detailed[dkey] = _Detailed()
            d.invocations += count
            d.failed += part_failed
            d.throttled += part_throttled
            d.input_tokens += metric_tokens[0]
            d.output_tokens += metric_tokens[1]
            d.cache_read_tokens += metric_tokens[2]
            d.cache_write_tokens += metric_tokens[3]
            d.usage = d.usage + usage

    @staticmethod
    def _unit_problem(entry: ModelEntry, usage: Usage, detail: RecordDetail | None) -> str | None:
        rule = entry.unit_rule
        if rule == "speech" and (detail is None or detail.speech is None):
            return _RULE_REASONS["speech"].format(model=entry.dimension)
        if rule in ("units", "media") and not usage.units:
            if rule == "media" and usage.input_tokens:
                return None
            return _RULE_REASONS[rule].format(model=entry.dimension, units=_unit_names(entry))
        return None

    def _malformed(self, result: BatchResult, event: Any, reason: str) -> None:
        result.malformed += 1
        if len(result.malformed_samples) < MALFORMED_SAMPLES_PER_BATCH:
            get = event.get if isinstance(event, Mapping) else (lambda _k: None)
            result.malformed_samples.append((str(get("id")), reason, _snippet(get("message"))))

    def _doc(
        self, docs: dict[tuple[int, str, str, str], MetricDoc], minute: int, att: Attribution, model: str
    ) -> MetricDoc:
        dkey = (minute, att.application, att.feature, model)
        doc = docs.get(dkey)
        if doc is None:
            doc = docs[dkey] = MetricDoc(minute, att.application, att.feature, model)
        return doc

    def _price_into(
        self,
        result: BatchResult,
        doc: MetricDoc,
        entry: ModelEntry,
        region: str,
        usage: Usage,
        n: int,
        *,
        minute: int,
        long_context: bool = False,
        tier: Tier = "standard",
        problem: str | None = None,
    ) -> None:
        """Add the cost of ``usage`` (n invocations) to ``doc``, or count them unpriced with the reason."""
        if usage.is_empty and problem is None:
            doc.cost_usd = Decimal(0) if doc.cost_usd is None else doc.cost_usd
            return
        reason = problem or entry.unpriced_reason
        if reason is None and entry.base_model_id is not None:
            at = minute if self.price_at_record_time else self._now_ms  # None: today
            priced = self.catalog.price(
                entry.base_model_id, region, entry.scope, usage, long_context=long_context, tier=tier, at=at
            )
            if priced.cost_usd is not None:
                doc.cost_usd = priced.cost_usd if doc.cost_usd is None else doc.cost_usd + priced.cost_usd
                if entry.estimate:
                    result.estimated[entry.estimate] = result.estimated.get(entry.estimate, 0) + n
                return
            reason = priced.unpriced_reason or "no price"
        doc.unpriced += n
        result.count_unpriced(reason or "model could not be resolved", n)

    def finish(self, result: BatchResult, aggregation: Aggregation | Aggregates) -> None:
        """Fold the aggregates into one MetricDoc per (minute, application, feature, Model) and price each
        aggregate once. Plain sums of a model billed per unit (replay's SQL engines sum every record by
        tokens) take the unit rules here, as their records would one by one."""
        if not isinstance(aggregation, Aggregation):
            aggregation = Aggregation(sums=dict(aggregation))
        aggs, detailed, guarded = aggregation.sums, dict(aggregation.detailed), aggregation.guarded
        docs: dict[tuple[int, str, str, str], MetricDoc] = {}
        models = self.models
        # Models that served a successful call are admitted first, so an aggregate's Model dimension does not
        # depend on the order its aggregates come in (the Lambda's and replay's engines order them apart).
        for key, acc in aggs.items():
            if acc[0] > acc[1]:
                models.dimension(models.get(key[2]), True)
        for dkey, d in detailed.items():
            if d.invocations > d.failed:
                models.dimension(models.get(dkey[2]), True)
        for (minute, att, model_id, region, lc, shape_bits), acc in aggs.items():
            entry = models.get(model_id)
            if entry.unit_rule is not None:
                self._unit_sums(detailed, (minute, att, model_id, region, lc), entry, acc)
                continue
            succeeded = acc[0] - acc[1]
            doc = self._doc(docs, minute, att, models.dimension(entry, succeeded > 0))
            doc.add_counts(*acc)
            if not shape_bits:
                # Successful calls of a per-token model (this path) without a token: blocked before it ran.
                doc.guardrail_interventions += succeeded
                result.guardrail_interventions += succeeded
            usage = Usage(acc[3], acc[4], acc[5], acc[6])
            self._price_into(result, doc, entry, region, usage, acc[0], minute=minute, long_context=lc)
        for (minute, att, model_id, region, lc, tier, problem, _shape_names), d in detailed.items():
            entry = models.get(model_id)
            doc = self._doc(docs, minute, att, models.dimension(entry, d.invocations > d.failed))
            doc.add_counts(
                d.invocations, d.failed, d.throttled, d.input_tokens, d.output_tokens, d.cache_read_tokens,
                d.cache_write_tokens,
            )  # fmt: skip
            doc.guardrail_interventions += d.interventions
            result.guardrail_interventions += d.interventions
            self._price_into(
                result, doc, entry, region, d.usage, d.invocations, minute=minute, long_context=lc,
                tier=tier, problem=problem,
            )  # fmt: skip
        guardrails = ModelEntry(GUARDRAILS_MODEL, GUARDRAILS_MODEL, "in_region", None, None, None)
        for (minute, att, region, _names), (n, usage) in guarded.items():
            doc = self._doc(docs, minute, att, GUARDRAILS_MODEL)
            self._price_into(result, doc, guardrails, region, usage, n, minute=minute)
        result.docs = sorted(docs.values(), key=lambda d: (d.minute_ms, d.application, d.feature, d.model))


def _unit_names(entry: ModelEntry) -> str:
    return {
        "units": "image, query or second",
        "media": "image or second of media",
    }.get(entry.unit_rule or "", "unit")
