"""The price catalog and the cost function.

Token rates are USD per 1M tokens, unit rates (images, seconds, queries, guardrail text units) USD per
unit, all held as ``Decimal``. A catalog entry is addressed by (base model id, Region, routing scope) and
holds one rate card per variant: ``standard``, ``batch``, ``flex``, ``priority``, ``long_context`` (and
``<tier>_long_context`` where a source has it).

Prices have dates. An entry is the period in force since its ``effective_from`` (absent: since the model
was first sold); earlier periods are kept in its ``history``. A lookup takes ``at`` (a date, datetime or
epoch milliseconds): the period in force on that UTC day. ``at=None`` means today, which is what the
metering Lambda uses; replay and ``prices`` pass each record's timestamp.

Cost is linear in token counts for a fixed rate card, so the metering layer sums integer ``Usage`` per
(minute, feature, model, Region, scope, long-context flag) and prices each aggregate once: the result is
exactly the sum of the per-record costs. Nothing here rounds; round at presentation time.

The runtime never guesses: a model, Region, scope, variant or rate that the catalog lacks yields
``cost_usd=None`` with a reason, rather than a price borrowed from another Region or model.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, localcontext
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

from lambdas.pricing.model_ids import ResolvedModel, Scope

Tier = Literal["standard", "flex", "priority"]
DateLike = date | datetime | str | int | None
Kind = Literal["text", "embedding", "image", "video", "speech", "rerank", "guardrail"]
KINDS: tuple[str, ...] = ("text", "embedding", "image", "video", "speech", "rerank", "guardrail")

BUNDLED_CATALOG_PATH = Path(__file__).with_name("catalog.json")
# Text-token rates: USD per 1M tokens. They move together when an override or a refresh rescales a model.
TEXT_TOKEN_FIELDS: tuple[str, ...] = ("input", "output", "cache_read", "cache_write", "cache_write_1h")
# Speech tokens (Nova Sonic): USD per 1M tokens.
AUDIO_TOKEN_FIELDS: tuple[str, ...] = ("audio_input", "audio_output")
TOKEN_FIELDS: tuple[str, ...] = TEXT_TOKEN_FIELDS + AUDIO_TOKEN_FIELDS
# Generated images: per image, flat or by quality and size class (the longest side, in pixels, at most).
IMAGE_SIZES: tuple[int, ...] = (512, 1024, 2048)
IMAGE_QUALITIES: tuple[str, ...] = ("standard", "premium")
IMAGE_FIELDS: tuple[str, ...] = ("image", *(f"image_{q}_{s}" for q in IMAGE_QUALITIES for s in IMAGE_SIZES))
# Guardrail policies: USD per 1,000 text units (a text unit is up to 1,000 characters).
GUARDRAIL_FIELDS: tuple[str, ...] = (
    "guardrail_content_1k", "guardrail_topic_1k", "guardrail_sensitive_1k", "guardrail_grounding_1k",
)  # fmt: skip
# Everything else priced per unit: input images (embeddings), seconds of media in or out, rerank queries.
UNIT_FIELDS: tuple[str, ...] = (
    "image_input", "video_input_second", "audio_input_second", "video_output_second", "query",
    *IMAGE_FIELDS, *GUARDRAIL_FIELDS,
)  # fmt: skip
RATE_FIELDS: tuple[str, ...] = TOKEN_FIELDS + UNIT_FIELDS
# Fields priced like input tokens: they follow the input rate when an override rescales a model.
_INPUT_LIKE = frozenset({"input", "cache_read", "cache_write", "cache_write_1h"})
UNIT_LABELS: dict[str, str] = {
    "audio_input": "speech input token", "audio_output": "speech output token", "image_input": "input image",
    "video_input_second": "second of input video", "audio_input_second": "second of input audio",
    "video_output_second": "second of generated video", "query": "rerank query", "image": "generated image",
    **{f"image_{q}_{s}": f"{q} image up to {s}x{s}" for q in IMAGE_QUALITIES for s in IMAGE_SIZES},
    "guardrail_content_1k": "content-filter text unit", "guardrail_topic_1k": "denied-topic text unit",
    "guardrail_sensitive_1k": "sensitive-information text unit",
    "guardrail_grounding_1k": "contextual-grounding text unit",
}  # fmt: skip
_PER_UNIT_DIVISOR: dict[str, Decimal] = {f: Decimal(1000) for f in GUARDRAIL_FIELDS}
ANY = "*"  # wildcard Region / scope key
# The catalog entry (and Model dimension) of Bedrock Guardrails text units: billed apart from any model.
GUARDRAILS_MODEL_ID = "bedrock.guardrails"
_MILLION = Decimal(1_000_000)
_HUNDRED = Decimal(100)
_SCOPES: tuple[str, ...] = ("in_region", "geo", "global")
_TIERS = ("standard", "batch", "flex", "priority")
VARIANTS: frozenset[str] = frozenset(
    [*_TIERS, "long_context", *(f"{t}_long_context" for t in _TIERS if t != "standard")]
)


def variant_key(tier: Tier = "standard", batch: bool = False, long_context: bool = False) -> str:
    """Catalog variant name for a request class (batch jobs have no service tier)."""
    base = "batch" if batch else tier
    if long_context:
        return "long_context" if base == "standard" else f"{base}_long_context"
    return base


@dataclass(frozen=True, slots=True)
class RateCard:
    """Text-token rates (USD per 1M) as fields; speech-token and per-unit rates in ``units``.

    None / absent = not in the catalog: such usage makes the cost unpriced, never free.
    """

    input: Decimal | None
    output: Decimal | None
    cache_read: Decimal | None = None
    cache_write: Decimal | None = None
    cache_write_1h: Decimal | None = None
    units: tuple[tuple[str, Decimal], ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RateCard:
        def get(key: str) -> Decimal | None:
            value = data.get(key)
            return None if value is None else Decimal(str(value))

        units = tuple(
            (f, Decimal(str(data[f]))) for f in AUDIO_TOKEN_FIELDS + UNIT_FIELDS if data.get(f) is not None
        )
        return cls(
            get("input"), get("output"), get("cache_read"), get("cache_write"), get("cache_write_1h"), units
        )

    def get(self, field: str) -> Decimal | None:
        if field in TEXT_TOKEN_FIELDS:
            value: Decimal | None = getattr(self, field)
            return value
        for name, rate in self.units:
            if name == field:
                return rate
        return None


@dataclass(frozen=True, slots=True)
class RateEntry:
    """All variants for one (model, Region, scope) in one period, with provenance.

    ``effective_from`` None: in force since the model was first sold (no earlier price is known).
    ``history`` holds the earlier periods, newest first.
    """

    cards: Mapping[str, RateCard]
    as_of: str
    source: tuple[str, ...]
    confidence: str
    effective_from: str | None = None
    history: tuple[RateEntry, ...] = ()
    note: str | None = None

    def at(self, day: str) -> RateEntry | None:
        """The period in force on ``day`` (ISO date), or None when it precedes every known period."""
        for period in (self, *self.history):
            if period.effective_from is None or period.effective_from <= day:
                return period
        return None


@dataclass(frozen=True, slots=True)
class ModelInfo:
    model_id: str
    name: str
    provider: str
    kind: Kind
    long_context_threshold: int | None
    regions: Mapping[str, Mapping[str, RateEntry]]


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts as Bedrock reports them. ``input_tokens`` excludes cache reads and writes.

    ``cache_write_tokens`` are 5-minute cache writes; ``cache_write_1h_tokens`` 1-hour writes. ``units``
    holds every other priced quantity as sorted (rate field, count) pairs: speech tokens
    (``audio_input``), generated images (``image_standard_1024``, or ``image`` when the record does not
    say size and quality), seconds of media, rerank queries, guardrail text units.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cache_write_1h_tokens: int = 0
    units: tuple[tuple[str, int], ...] = ()

    def __add__(self, other: Usage) -> Usage:
        if not isinstance(other, Usage):
            return NotImplemented
        units = self.units
        if other.units:
            merged = dict(self.units)
            for name, count in other.units:
                merged[name] = merged.get(name, 0) + count
            units = tuple(sorted(merged.items()))
        return Usage(
            self.input_tokens + other.input_tokens,
            self.output_tokens + other.output_tokens,
            self.cache_read_tokens + other.cache_read_tokens,
            self.cache_write_tokens + other.cache_write_tokens,
            self.cache_write_1h_tokens + other.cache_write_1h_tokens,
            units,
        )

    @property
    def prompt_tokens(self) -> int:
        """Everything the model read: the quantity the long-context threshold applies to."""
        cached = self.cache_read_tokens + self.cache_write_tokens + self.cache_write_1h_tokens
        return self.input_tokens + cached

    @property
    def is_empty(self) -> bool:
        """Nothing billable: a call with zero tokens and no other units costs nothing, priced or not."""
        return not (
            self.input_tokens
            or self.output_tokens
            or self.cache_read_tokens
            or self.cache_write_tokens
            or self.cache_write_1h_tokens
            or any(count for _, count in self.units)
        )


def day_of(at: date | datetime | str | int | None) -> str:
    """The UTC calendar day (ISO) a lookup is for: today when ``at`` is None; ints are epoch ms."""
    if at is None:
        return datetime.now(UTC).date().isoformat()
    if isinstance(at, int):
        return _day_of_ms(at // _DAY_MS)
    if isinstance(at, datetime):
        if at.tzinfo is not None:
            at = at.astimezone(UTC)
        return at.date().isoformat()
    if isinstance(at, date):
        return at.isoformat()
    return str(at)[:10]


_DAY_MS = 86_400_000


@lru_cache(maxsize=4096)
def _day_of_ms(day_number: int) -> str:
    return datetime.fromtimestamp(day_number * 86_400, UTC).date().isoformat()


@dataclass(frozen=True, slots=True)
class PriceResult:
    cost_usd: Decimal | None
    unpriced_reason: str | None
    base_model_id: str | None = None
    variant: str | None = None
    rate_card: RateCard | None = None
    confidence: str | None = None
    effective_from: str | None = None

    @property
    def priced(self) -> bool:
        return self.cost_usd is not None


def _unpriced(reason: str, base_model_id: str | None = None) -> PriceResult:
    return PriceResult(None, reason, base_model_id)


def _image_rate(card: RateCard, field: str) -> Decimal | None:
    """A sized image falls back to the model's flat per-image rate (Stability: one price, any size)."""
    rate = card.get(field)
    if rate is None and field in IMAGE_FIELDS and field != "image":
        rate = card.get("image")
    return rate


def _cost(card: RateCard, usage: Usage) -> tuple[Decimal | None, str | None]:
    """(cost, None), or (None, label of the first quantity the card has no rate for)."""
    parts = (
        (usage.input_tokens, card.input, "input"),
        (usage.output_tokens, card.output, "output"),
        (usage.cache_read_tokens, card.cache_read, "cache read"),
        (usage.cache_write_tokens, card.cache_write, "cache write"),
        (usage.cache_write_1h_tokens, card.cache_write_1h, "1-hour cache write"),
    )
    with localcontext() as ctx:
        ctx.prec = 40  # exact for any realistic token count x rate
        tokens_total = Decimal(0)
        for tokens, rate, label in parts:
            if tokens < 0:
                return None, f"(negative {label} count {tokens})"
            if tokens == 0:
                continue
            if rate is None:
                return None, label
            tokens_total += tokens * rate
        units_total = Decimal(0)
        for field, count in usage.units:
            if count == 0:
                continue
            if count < 0:
                return None, f"(negative {UNIT_LABELS.get(field, field)} count {count})"
            rate = _image_rate(card, field)
            if rate is None:
                return None, UNIT_LABELS.get(field, field)
            if field in TOKEN_FIELDS:
                tokens_total += count * rate
            else:
                units_total += count * rate / _PER_UNIT_DIVISOR.get(field, Decimal(1))
        return tokens_total / _MILLION + units_total, None


def _parse_entry(entry: Mapping[str, Any]) -> RateEntry:
    cards = {k: RateCard.from_dict(v) for k, v in entry.items() if k in VARIANTS and isinstance(v, Mapping)}
    history = tuple(_parse_entry(h) for h in entry.get("history", ()))
    return RateEntry(
        cards,
        str(entry.get("as_of", "")),
        tuple(entry.get("source", ())),
        str(entry.get("confidence", "")),
        entry.get("effective_from") or None,
        tuple(sorted(history, key=lambda h: h.effective_from or "", reverse=True)),
        entry.get("note") or None,
    )


def _parse_models(raw: Mapping[str, Any]) -> dict[str, ModelInfo]:
    models: dict[str, ModelInfo] = {}
    for model_id, m in raw.items():
        regions: dict[str, dict[str, RateEntry]] = {}
        for region, scopes in m.get("regions", {}).items():
            regions[region] = {scope: _parse_entry(entry) for scope, entry in scopes.items()}
        threshold = m.get("long_context_threshold")
        kind = m.get("kind")
        models[model_id] = ModelInfo(
            model_id,
            str(m.get("name", model_id)),
            str(m.get("provider", "")),
            cast(Kind, kind if kind in KINDS else "text"),
            None if threshold is None else int(threshold),
            regions,
        )
    return models


class PriceCatalog:
    """An immutable, parsed price catalog. Build variants with ``with_overrides``."""

    __slots__ = ("_data", "_lc_threshold", "_models")

    def __init__(self, data: Mapping[str, Any]) -> None:
        for key in ("version", "as_of", "models"):
            if key not in data:
                raise ValueError(f"price catalog lacks {key!r}")
        self._data: dict[str, Any] = dict(data)
        self._models = _parse_models(data["models"])
        # Kept separately: is_long_context runs once per log record.
        self._lc_threshold: dict[str, int] = {
            mid: info.long_context_threshold
            for mid, info in self._models.items()
            if info.long_context_threshold is not None
        }

    # ---- loading ------------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | None = None) -> PriceCatalog:
        """The bundled catalog (default) or a catalog file; cached per path."""
        return _load_cached(str(BUNDLED_CATALOG_PATH) if path is None else str(path))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PriceCatalog:
        return cls(data)

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._data)

    # ---- metadata -----------------------------------------------------------------------------------

    @property
    def version(self) -> str:
        return str(self._data["version"])

    @property
    def as_of(self) -> str:
        return str(self._data["as_of"])

    @property
    def source(self) -> str:
        return str(self._data.get("source", ""))

    @property
    def currency(self) -> str:
        return str(self._data.get("currency", "USD"))

    @property
    def unit(self) -> str:
        return str(self._data.get("unit", "USD per 1M tokens"))

    def model_ids(self) -> list[str]:
        return sorted(self._models)

    def model(self, base_model_id: str) -> ModelInfo | None:
        return self._models.get(base_model_id)

    # ---- lookups ------------------------------------------------------------------------------------

    def entry(self, base_model_id: str, region: str, scope: Scope, at: DateLike = None) -> RateEntry | None:
        """The period in force on ``at``'s UTC day (today when None) for (model, Region, scope)."""
        info = self._models.get(base_model_id)
        if info is None:
            return None
        scopes = info.regions.get(region) or info.regions.get(ANY)
        if scopes is None:
            return None
        entry = scopes.get(scope) or scopes.get(ANY)
        return None if entry is None else entry.at(day_of(at))

    def rates(
        self,
        base_model_id: str,
        region: str,
        scope: Scope,
        tier: Tier = "standard",
        batch: bool = False,
        *,
        long_context: bool = False,
        at: DateLike = None,
    ) -> RateCard | None:
        entry = self.entry(base_model_id, region, scope, at)
        if entry is None:
            return None
        return entry.cards.get(variant_key(tier, batch, self._lc_applies(base_model_id, long_context)))

    def priced_regions(self, base_model_id: str) -> list[str]:
        """Regions with a standard rate for the model today (``*`` when an override covers every Region)."""
        info = self._models.get(base_model_id)
        if info is None:
            return []
        today = day_of(None)
        out = []
        for region, scopes in info.regions.items():
            for entry in scopes.values():
                period = entry.at(today)
                if period is not None and "standard" in period.cards:
                    out.append(region)
                    break
        return sorted(out)

    def long_context_threshold(self, base_model_id: str) -> int | None:
        return self._lc_threshold.get(base_model_id)

    def is_long_context(
        self, base_model_id: str | None, input_tokens: int, cache_read: int = 0, cache_write: int = 0
    ) -> bool:
        """Per-record check: does this request's prompt exceed the model's long-context threshold?

        Pass all cache writes (5-minute and 1-hour) as ``cache_write``. Models without long-context
        pricing (including Sonnet 4.6 / Opus 4.6) always return False.
        """
        if base_model_id is None:
            return False
        threshold = self._lc_threshold.get(base_model_id)
        return threshold is not None and input_tokens + cache_read + cache_write > threshold

    def _lc_applies(self, base_model_id: str, long_context: bool) -> bool:
        # A long-context flag on a model without long-context pricing bills at standard rates.
        return long_context and base_model_id in self._lc_threshold

    # ---- pricing ------------------------------------------------------------------------------------

    def price(
        self,
        model: ResolvedModel | str,
        region: str,
        scope: Scope | None,
        usage: Usage,
        *,
        long_context: bool = False,
        batch: bool = False,
        tier: Tier = "standard",
        at: DateLike = None,
    ) -> PriceResult:
        """Cost of ``usage`` (one request or an aggregate sharing all these parameters).

        ``model`` is a ``ResolvedModel`` or a base model id; ``scope`` None means the resolved scope
        (``in_region`` for a plain id). ``region`` is the Region the call was made in (the log record's
        ``region``), which sets the price for older models routed through a cross-region profile. ``at``
        picks the price period: the rate in force on that UTC day (today when None).

        Usage with nothing billable costs 0 whatever the model (a throttled call, a zero-token answer):
        it is never counted as unpriced.
        """
        if isinstance(model, ResolvedModel):
            base_or_none = model.base_model_id
            if usage.is_empty:
                return PriceResult(Decimal(0), None, base_or_none)
            if base_or_none is None or model.unpriced_reason is not None:
                return _unpriced(model.unpriced_reason or "model could not be resolved", base_or_none)
            base = base_or_none
            scope = scope or model.scope
        else:
            base = model
            scope = scope or "in_region"
            if usage.is_empty:
                return PriceResult(Decimal(0), None, base)
        if batch and tier != "standard":
            return _unpriced(f"batch inference has no service tier (got tier={tier!r})", base)
        info = self._models.get(base)
        if info is None:
            return _unpriced(
                f"no price for model {base!r} in region {region!r}: model not in catalog {self.version}",
                base,
            )
        scopes = info.regions.get(region) or info.regions.get(ANY)
        if scopes is None:
            return _unpriced(
                f"no price for model {base!r} in region {region!r}: catalog {self.version} prices it only in "
                f"{', '.join(sorted(info.regions))}",
                base,
            )
        current = scopes.get(scope) or scopes.get(ANY)
        if current is None:
            return _unpriced(f"no price for model {base!r} in region {region!r} for scope {scope!r}", base)
        day = day_of(at)
        entry = current.at(day)
        if entry is None:
            oldest = min(p.effective_from or "" for p in (current, *current.history))
            return _unpriced(
                f"no price for model {base!r} in region {region!r} on {day}: the catalog's earliest price "
                f"there starts {oldest}",
                base,
            )
        variant = variant_key(tier, batch, self._lc_applies(base, long_context))
        card = entry.cards.get(variant)
        if card is None:
            why = f" ({entry.note})" if entry.note and not entry.cards else ""
            return _unpriced(
                f"no {variant} rate for model {base!r} in region {region!r} ({scope}) on {day}; "
                f"catalog has {', '.join(sorted(entry.cards)) or 'none'}{why}",
                base,
            )
        cost, missing = _cost(card, usage)
        if missing is not None:
            return _unpriced(
                f"no {missing} rate for model {base!r} in region {region!r} ({scope}, {variant}); "
                "not guessing from another rate",
                base,
            )
        return PriceResult(cost, None, base, variant, card, entry.confidence, entry.effective_from)

    # ---- configuration ------------------------------------------------------------------------------

    def with_overrides(
        self,
        overrides: Iterable[Any] | Mapping[str, Mapping[str, Any]] | None = None,
        discount_percent: Decimal | int | str | None = None,
    ) -> PriceCatalog:
        """A new catalog with an enterprise discount and then config overrides applied.

        The discount multiplies every bundled rate by (100 - discount) / 100. Overrides are final prices
        (not discounted). Accepted shapes: an iterable of records (mappings or objects with
        ``model_dump()``, e.g. the config's ``PriceOverride``) with ``model_id`` and optional ``region``,
        or a mapping keyed ``"<model_id>"`` / ``"<model_id>@<region>"``. See docs/pricing.md.
        """
        data = self.to_dict()
        models: dict[str, Any] = data["models"]
        notes: list[str] = []
        if discount_percent is not None and Decimal(str(discount_percent)) != 0:
            pct = Decimal(str(discount_percent))
            if not Decimal(0) <= pct < _HUNDRED:
                raise ValueError(f"discount_percent must be in [0, 100), got {pct}")
            _apply_discount(models, (_HUNDRED - pct) / _HUNDRED)
            notes.append(f"discount {pct}%")
        records = list(_override_records(overrides))
        for rec in records:
            _apply_override(models, rec)
        if records:
            notes.append(f"{len(records)} override(s)")
        if notes:
            data["version"] = f"{data['version']}+custom"
            data["source"] = f"{data.get('source', '')}; customised: {', '.join(notes)}"
        return PriceCatalog(data)


@lru_cache(maxsize=8)
def _load_cached(path: str) -> PriceCatalog:
    with open(path, encoding="utf-8") as fh:
        return PriceCatalog(json.load(fh))


# ---- overrides ----------------------------------------------------------------------------------------

_OVERRIDE_ALIASES = {f"{f}_per_million": f for f in TOKEN_FIELDS}
_VARIANTS = VARIANTS


@dataclass(frozen=True, slots=True)
class RateOverride:
    """One override. ``region``/``scope`` None = every Region / scope. ``cards`` maps variant -> fields."""

    model_id: str
    region: str | None
    scope: str | None
    cards: Mapping[str, Mapping[str, Decimal]]
    name: str | None = None
    provider: str | None = None
    kind: Kind | None = None
    long_context_threshold: int | None = None


def _dec(value: Any, what: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"override {what}: not a number: {value!r}")
    # str() first: YAML/JSON floats like 3.3 then become Decimal("3.3"), not the binary approximation.
    result = Decimal(str(value))
    if not result.is_finite() or result < 0:
        raise ValueError(f"override {what}: must be a non-negative number, got {value!r}")
    return result


def _override_records(
    overrides: Iterable[Any] | Mapping[str, Mapping[str, Any]] | None,
) -> Iterable[RateOverride]:
    if overrides is None:
        return
    if isinstance(overrides, Mapping):
        for key, spec in overrides.items():
            model_id, _, region = str(key).partition("@")
            yield _to_override({**spec, "model_id": model_id, "region": region or spec.get("region")})
        return
    for item in cast(Iterable[Any], overrides):
        if isinstance(item, RateOverride):
            yield item
            continue
        dump = getattr(item, "model_dump", None)
        yield _to_override(dump() if callable(dump) else item)


def _to_override(spec: Mapping[str, Any]) -> RateOverride:
    model_id = spec.get("model_id")
    if not model_id or not isinstance(model_id, str):
        raise ValueError(f"override without model_id: {dict(spec)!r}")
    cards: dict[str, dict[str, Decimal]] = {}
    for key, value in spec.items():
        if value is None or key in ("model_id", "region", "scope", "name", "provider", "kind", "add_model"):
            continue
        if key == "long_context_threshold":
            continue
        field = _OVERRIDE_ALIASES.get(key, key)
        if field in RATE_FIELDS:
            cards.setdefault("standard", {})[field] = _dec(value, f"{model_id}.{key}")
        elif key in _VARIANTS and isinstance(value, Mapping):
            for sub, subval in value.items():
                sub_field = _OVERRIDE_ALIASES.get(sub, sub)
                if sub_field not in RATE_FIELDS:
                    raise ValueError(f"override {model_id}.{key}: unknown rate field {sub!r}")
                if subval is not None:
                    cards.setdefault(key, {})[sub_field] = _dec(subval, f"{model_id}.{key}.{sub}")
        else:
            raise ValueError(f"override {model_id}: unknown field {key!r}")
    scope = spec.get("scope")
    if scope is not None and scope not in (*_SCOPES, ANY):
        raise ValueError(f"override {model_id}: scope must be one of {_SCOPES}, got {scope!r}")
    kind = spec.get("kind")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"override {model_id}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    threshold = spec.get("long_context_threshold")
    return RateOverride(
        model_id=model_id,
        region=spec.get("region") or None,
        scope=None if scope in (None, ANY) else scope,
        cards=cards,
        name=spec.get("name"),
        provider=spec.get("provider"),
        kind=kind,
        long_context_threshold=None if threshold is None else int(threshold),
    )


def _apply_discount(models: dict[str, Any], factor: Decimal) -> None:
    def discount(entry: dict[str, Any]) -> None:
        for card in entry.values():
            if isinstance(card, dict):
                for f in RATE_FIELDS:
                    if card.get(f) is not None:
                        card[f] = _fmt(Decimal(str(card[f])) * factor)
        for period in entry.get("history", ()):
            discount(period)

    for m in models.values():
        for scopes in m["regions"].values():
            for entry in scopes.values():
                discount(entry)


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _ratio(new: Decimal | None, old: Any) -> Decimal | None:
    if new is None or old is None or Decimal(str(old)) == 0:
        return None
    return new / Decimal(str(old))


def _rescaled_entry(entry: dict[str, Any], rec: RateOverride) -> dict[str, Any]:
    """Apply explicit override fields; rescale the rest so derived variants keep their multipliers.

    If standard input goes from 3.30 to 2.50, the batch, long-context and cache rates of the entry move by
    the same ratio; output-priced fields follow output. Explicit values always win.
    """
    std_new = rec.cards.get("standard", {})
    std_old = entry.get("standard", {})
    r_in = _ratio(std_new.get("input"), std_old.get("input"))
    r_out = _ratio(std_new.get("output"), std_old.get("output"))
    out = dict(entry)
    # An override is the price for every date: earlier periods of the bundled catalog no longer apply.
    out.pop("history", None)
    out.pop("effective_from", None)
    for variant, card in entry.items():
        if not isinstance(card, dict):
            continue
        new_card = dict(card)
        for f in TEXT_TOKEN_FIELDS:
            ratio = r_in if f in _INPUT_LIKE else r_out
            if new_card.get(f) is not None and ratio is not None:
                new_card[f] = _fmt(Decimal(str(new_card[f])) * ratio)
        out[variant] = new_card
    for variant, fields in rec.cards.items():
        card = dict(out.get(variant, {}))
        card.update({f: _fmt(v) for f, v in fields.items()})
        out[variant] = card
    out["source"] = [*entry.get("source", []), "config-override"]
    out["confidence"] = "override"
    return out


def _new_entry(rec: RateOverride) -> dict[str, Any]:
    entry: dict[str, Any] = {"as_of": "", "source": ["config-override"], "confidence": "override"}
    for variant, fields in rec.cards.items():
        entry[variant] = {f: _fmt(v) for f, v in fields.items()}
    return entry


def _apply_override(models: dict[str, Any], rec: RateOverride) -> None:
    model = models.get(rec.model_id)
    if model is None:
        model = {"name": rec.name or rec.model_id, "provider": rec.provider or "", "kind": rec.kind or "text"}
        model["regions"] = {}
        models[rec.model_id] = model
    for attr in ("name", "provider", "kind"):
        if getattr(rec, attr) is not None:
            model[attr] = getattr(rec, attr)
    if rec.long_context_threshold is not None:
        model["long_context_threshold"] = rec.long_context_threshold
    regions: dict[str, Any] = model["regions"]
    # An all-Region override also covers Regions the bundled catalog lacks (an explicit user choice).
    targets = [rec.region] if rec.region else [*regions, ANY]
    for region in dict.fromkeys(targets):
        scopes: dict[str, Any] = regions.setdefault(region, {})
        # No scope named: every scope the Region has, and `*` for the scopes it had no entry for.
        scope_keys = [rec.scope] if rec.scope else list(dict.fromkeys([*scopes, ANY]))
        for scope in scope_keys:
            old = scopes.get(scope)
            if old is None and rec.scope is not None:
                # Start from whatever currently serves that scope so unspecified variants carry over.
                old = scopes.get(ANY)
            scopes[scope] = _new_entry(rec) if old is None else _rescaled_entry(copy.deepcopy(old), rec)


# ---- module-level conveniences bound to the bundled catalog ---------------------------------------------


def default_catalog() -> PriceCatalog:
    return PriceCatalog.load()


def is_long_context(
    base_model_id: str | None, input_tokens: int, cache_read: int = 0, cache_write: int = 0
) -> bool:
    return default_catalog().is_long_context(base_model_id, input_tokens, cache_read, cache_write)


def price(
    model: ResolvedModel | str,
    region: str,
    scope: Scope | None,
    usage: Usage,
    *,
    long_context: bool = False,
    batch: bool = False,
    tier: Tier = "standard",
    at: DateLike = None,
) -> PriceResult:
    catalog = default_catalog()
    return catalog.price(
        model, region, scope, usage, long_context=long_context, batch=batch, tier=tier, at=at
    )
