"""Turn AWS Price List ``GetProducts`` records into price-catalog entries, and diff two catalogs.

Pure functions (no AWS calls) so they can be tested on recorded documents; ``fetch_records`` is the only
boto3 user and is not needed by the builder.

Three service codes carry Bedrock token prices, each with its own way of naming model and dimension:

* ``AmazonBedrock``: ``model`` / ``titanModel`` attribute, per 1K tokens, usagetypes
  ``USE1-NovaPro-input-tokens[-batch|-flex|-priority|-cross-region-global|...]`` (legacy) and
  ``USE1-openai.gpt-oss-120b-mantle-input-tokens-standard`` (mantle);
* ``AmazonBedrockFoundationModels``: Marketplace listings, model only in ``servicename``
  ("Claude Sonnet 4.5 (Amazon Bedrock Edition)"), per 1M tokens, usagetypes
  ``USE1-MP:USE1_InputTokenCount_Global-Units`` (camel) or ``USE1-MP:USE1_input_tokens_global_standard-Units``
  (snake);
* ``AmazonBedrockService``: e.g. ``USE1-Claude4Sonnet-input-tokens-long-context-cross-region-global``.

A record that cannot be mapped with certainty (unknown model, ambiguous unit, reserved/TPM, latency-
optimized, custom model, contradictory attributes) is returned in ``unmapped`` with a reason: never guessed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from lambdas.pricing.catalog import RATE_FIELDS, variant_key
from lambdas.pricing.sources.table import MODELS, Model

SERVICE_CODES = ("AmazonBedrock", "AmazonBedrockFoundationModels", "AmazonBedrockService")
_PER_MILLION = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class UnmappedRecord:
    sku: str | None
    service_code: str | None
    usagetype: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class PriceRow:
    """One record, understood: a rate (USD per 1M tokens) for one catalog cell."""

    sku: str | None
    service_code: str
    usagetype: str
    model_id: str
    region: str
    scope: Literal["*", "global"]
    tier: Literal["standard", "flex", "priority"]
    batch: bool
    long_context: bool
    field: str
    rate: Decimal

    @property
    def variant(self) -> str:
        return variant_key(self.tier, self.batch, self.long_context)


@dataclass(frozen=True)
class BuildResult:
    catalog_dict: dict[str, Any]
    unmapped: list[UnmappedRecord]
    rows: list[PriceRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class CatalogChange:
    kind: Literal["added", "removed", "changed"]
    model_id: str
    region: str
    scope: str
    variant: str
    field: str
    old: Decimal | None
    new: Decimal | None

    def describe(self) -> str:
        where = f"{self.model_id} {self.region} {self.scope} {self.variant}.{self.field}"
        if self.kind == "added":
            return f"+ {where}: {self.new}"
        if self.kind == "removed":
            return f"- {where}: {self.old}"
        assert self.old is not None and self.new is not None
        pct = "" if self.old == 0 else f" ({(self.new - self.old) / self.old * 100:+.2f}%)"
        return f"~ {where}: {self.old} -> {self.new}{pct}"


# ---- model identity --------------------------------------------------------------------------------------


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


# Price List spellings that differ from the catalog's model names (usagetype tokens mostly).
EXTRA_ALIASES: dict[str, str] = {
    "Claude4Sonnet": "anthropic.claude-sonnet-4-20250514-v1:0",
    "Claude4.5Sonnet": "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "Claude4Opus": "anthropic.claude-opus-4-20250514-v1:0",
    "Nova2.0Lite": "amazon.nova-2-lite-v1:0",
    "Nova 2.0 Lite": "amazon.nova-2-lite-v1:0",
    "zai.glm5": "zai.glm-5",
    "qwen.qwen3-32b": "qwen.qwen3-32b-v1:0",
    "Titan Text Express": "amazon.titan-text-express-v1",
    "Titan Text Lite": "amazon.titan-text-lite-v1",
}


_CLAUDE_NAME = re.compile(r"^Claude (Sonnet|Opus|Haiku|Fable) ([\d.]+)$")


def _model_index(models: Iterable[Model]) -> dict[str, Model]:
    by_id = {m.id: m for m in models}
    index: dict[str, Model] = {}
    for m in by_id.values():
        for name in (m.id, m.name, *m.aliases):
            index[_norm(name)] = m
        claude = _CLAUDE_NAME.match(m.name)
        if claude:  # usagetypes spell "Claude Haiku 4.5" as Claude4.5Haiku
            index[_norm(f"Claude{claude.group(2)}{claude.group(1)}")] = m
    for alias, model_id in EXTRA_ALIASES.items():
        index[_norm(alias)] = by_id[model_id]
    return index


_INDEX = _model_index(MODELS)
_EDITION_SUFFIX = re.compile(r"\s*\((Amazon )?Bedrock Edition\)\s*$", re.IGNORECASE)


def model_for_name(name: str | None) -> Model | None:
    """Catalog model for a Price List model name, servicename or usagetype token (exact, normalised)."""
    if not name:
        return None
    return _INDEX.get(_norm(_EDITION_SUFFIX.sub("", name)))


# ---- usagetype grammars ----------------------------------------------------------------------------------

_REGION_PREFIX = re.compile(r"^[A-Z]{2,4}\d?-")
_MP_BODY = re.compile(r"^MP:(?:[A-Z]{2,4}\d?_)?(?P<body>.+?)(?:-Units)?$")
_LEGACY = re.compile(
    r"^(?P<model>.+?)-(?P<dim>input-tokens|output-tokens|cache-read-input-token-count|"
    r"cache-write-input-token-count)(?P<suffix>(?:-[a-z0-9]+)*)$"
)
_MANTLE = re.compile(
    r"^(?P<model>.+?)-mantle-(?P<dim>input-tokens|output-tokens|cache-read-input-tokens|cache-read-tokens|"
    r"cache-write-tokens-5m|cache-write-tokens-1h|cache-write-tokens)(?P<suffix>(?:-[a-z0-9]+)*)$"
)
_DIMS = {
    "input-tokens": "input",
    "output-tokens": "output",
    "cache-read-input-token-count": "cache_read",
    "cache-write-input-token-count": "cache_write",
    "cache-read-input-tokens": "cache_read",
    "cache-read-tokens": "cache_read",
    "cache-write-tokens-5m": "cache_write",
    "cache-write-tokens": "cache_write",
    "cache-write-tokens-1h": "cache_write_1h",
}
_CAMEL_METRICS: dict[str, tuple[str, bool]] = {
    "InputTokenCount": ("input", False),
    "OutputTokenCount": ("output", False),
    "CacheReadInputTokenCount": ("cache_read", False),
    "CacheWriteInputTokenCount": ("cache_write", False),
    "CacheWrite5mInputTokenCount": ("cache_write", False),
    "CacheWrite1hInputTokenCount": ("cache_write_1h", False),
    "MillionBatchInputTokens": ("input", True),
    "MillionBatchOutputTokens": ("output", True),
}
_SNAKE = re.compile(
    r"^(?P<metric>input_tokens|output_tokens|cache_read_input_tokens|cache_read_tokens|cache_write_input_tokens|"
    r"cache_write_tokens_5m|cache_write_tokens_1h|cache_write_tokens)(?P<flags>(?:_[a-z0-9]+)*)$"
)
_SNAKE_METRICS = {
    "input_tokens": "input",
    "output_tokens": "output",
    "cache_read_input_tokens": "cache_read",
    "cache_read_tokens": "cache_read",
    "cache_write_input_tokens": "cache_write",
    "cache_write_tokens_5m": "cache_write",
    "cache_write_tokens": "cache_write",
    "cache_write_tokens_1h": "cache_write_1h",
}
# Multi-word suffix flags, collapsed to one token before splitting on '-' / '_'.
_COMPOUND_FLAGS = (
    ("cross-region-global", "global"),
    ("long-context", "lc"),
    ("long-ctx", "lc"),
    ("long_ctx", "lc"),
    ("long_context", "lc"),
    ("latency-optimized", "latencyoptimized"),
    ("custom-model", "custommodel"),
    ("cross-region-geo", "geo"),
)
_SKIP_FLAGS = {
    "latencyoptimized": "latency-optimized inference rates are not collected",
    "custommodel": "custom-model inference is not priced per base-model token",
    "reserved": "reserved capacity is priced per 1K tokens-per-minute per hour/month, not per token",
}


@dataclass(slots=True)
class _Parsed:
    model_token: str | None
    field: str
    flags: set[str]


class _Skip(Exception):
    """Record deliberately not mapped; the message is the reason."""


def _flags_from(suffix: str, sep: str) -> set[str]:
    for compound, token in _COMPOUND_FLAGS:
        suffix = suffix.replace(compound, token)
    return {f.lower() for f in suffix.split(sep) if f}


def parse_usagetype(usagetype: str) -> _Parsed:
    rest = _REGION_PREFIX.sub("", usagetype, count=1)
    if "TPM" in rest or "Reserved" in rest or "ProvisionedThroughput" in rest:
        raise _Skip(_SKIP_FLAGS["reserved"])
    mp = _MP_BODY.match(rest)
    if mp:
        body = mp.group("body")
        if body[:1].isupper():
            metric, *flags = body.split("_")
            if metric not in _CAMEL_METRICS:
                raise _Skip(f"unknown Marketplace metric {metric!r}")
            fld, batch = _CAMEL_METRICS[metric]
            parsed_flags = {f.lower() for f in flags} | ({"batch"} if batch else set())
            return _Parsed(None, fld, parsed_flags)
        snake = _SNAKE.match(body)
        if not snake:
            raise _Skip(f"unknown Marketplace usagetype body {body!r}")
        return _Parsed(None, _SNAKE_METRICS[snake.group("metric")], _flags_from(snake.group("flags"), "_"))
    for grammar in (_MANTLE, _LEGACY):
        m = grammar.match(rest)
        if m:
            return _Parsed(m.group("model"), _DIMS[m.group("dim")], _flags_from(m.group("suffix"), "-"))
    raise _Skip(f"usagetype {usagetype!r} matches no known grammar")


def usagetype_fields(usagetype: str) -> tuple[str | None, str] | None:
    """(model token, rate field) of a usagetype in one of the known grammars, or None."""
    try:
        parsed = parse_usagetype(usagetype)
    except _Skip:
        return None
    return parsed.model_token, parsed.field


# ---- units -----------------------------------------------------------------------------------------------


def per_million_factor(unit: str, description: str = "", usagetype: str = "") -> Decimal:
    """Multiplier from the record's price unit to USD per 1M tokens."""
    u = unit.strip().lower().replace(",", "")
    if u in ("1k tokens", "1k token", "thousand tokens", "1000 tokens", "per 1k tokens", "1k input tokens"):
        return Decimal(1000)
    if u in ("1m tokens", "1m token", "million tokens", "1000000 tokens", "per 1m tokens", "1m input tokens"):
        return Decimal(1)
    if u in ("tokens", "token"):
        return _PER_MILLION
    if u in ("units", "unit", ""):
        # Marketplace 'Units' rows carry no readable unit: accept only an explicit statement.
        text = description.lower()
        if "Million" in usagetype or re.search(r"\b(per )?(1m|one million|million)\b", text):
            return Decimal(1)
        if re.search(r"\b(per )?(1k|1,000|one thousand|thousand)\b", text):
            return Decimal(1000)
        raise _Skip(f"price unit {unit!r} does not say whether it is per 1K or 1M tokens")
    raise _Skip(f"price unit {unit!r} is not a token unit")


# ---- records ---------------------------------------------------------------------------------------------


def _service_code(record: Mapping[str, Any], attrs: Mapping[str, Any]) -> str | None:
    code = record.get("serviceCode") or attrs.get("servicecode") or record.get("_service_code")
    return None if code is None else str(code)


def _single_dimension(record: Mapping[str, Any]) -> Mapping[str, Any]:
    terms = record.get("terms") or {}
    on_demand = terms.get("OnDemand") or {}
    if not on_demand:
        if terms.get("Reserved"):
            raise _Skip(_SKIP_FLAGS["reserved"])
        raise _Skip("record has no OnDemand price")
    dims: list[Mapping[str, Any]] = [
        d for term in on_demand.values() for d in (term.get("priceDimensions") or {}).values()
    ]
    if len(dims) != 1:
        raise _Skip(f"record has {len(dims)} OnDemand price dimensions; expected exactly one")
    return dims[0]


def parse_record(record: Mapping[str, Any] | str) -> PriceRow | UnmappedRecord:
    """Map one GetProducts document (dict, or the JSON string boto3 returns) to a catalog cell."""
    if isinstance(record, str):
        try:
            record = json.loads(record)
        except json.JSONDecodeError as exc:
            return UnmappedRecord(None, None, None, f"not JSON: {exc}")
    if not isinstance(record, Mapping):
        return UnmappedRecord(None, None, None, "record is not a JSON object")
    product = record.get("product") or {}
    attrs: Mapping[str, Any] = product.get("attributes") or {}
    sku = product.get("sku")
    code = _service_code(record, attrs)
    usagetype = str(attrs.get("usagetype") or "")
    try:
        return _parse(record, attrs, sku, code, usagetype)
    except _Skip as skip:
        return UnmappedRecord(sku, code, usagetype or None, str(skip))


def _tier(flags: set[str], attrs: Mapping[str, Any]) -> tuple[Literal["standard", "flex", "priority"], bool]:
    tiers = flags & {"flex", "priority", "standard", "batch"}
    attr_tier = str(attrs.get("service_tier") or "").lower()
    if attr_tier in ("flex", "priority", "batch"):
        tiers.add(attr_tier)
    # The batch trap: a batch row still says inferenceType "Input tokens"; feature/suffix tell it apart.
    if str(attrs.get("feature") or "").lower().startswith("batch"):
        tiers.add("batch")
    tiers.discard("standard")
    batch = "batch" in tiers
    tiers.discard("batch")
    if len(tiers) > 1 or (batch and tiers):
        raise _Skip(f"contradictory tier flags {sorted(tiers | ({'batch'} if batch else set()))}")
    tier = tiers.pop() if tiers else "standard"
    return tier, batch  # type: ignore[return-value]


def _parse(
    record: Mapping[str, Any], attrs: Mapping[str, Any], sku: str | None, code: str | None, usagetype: str
) -> PriceRow:
    if code not in SERVICE_CODES:
        raise _Skip(f"service code {code!r} does not carry Bedrock token prices")
    if not usagetype:
        raise _Skip("record has no usagetype")
    region = attrs.get("regionCode")
    if not region:
        raise _Skip("record has no regionCode")
    feature = str(attrs.get("feature") or "").lower()
    if "provisioned" in feature or "reserved" in feature:
        raise _Skip(_SKIP_FLAGS["reserved"])
    parsed = parse_usagetype(usagetype)
    for flag, reason in _SKIP_FLAGS.items():
        if flag in parsed.flags:
            raise _Skip(reason)
    unknown = parsed.flags - {"global", "geo", "regional", "lc", "flex", "priority", "standard", "batch"}
    if unknown:
        raise _Skip(f"unknown usagetype flags {sorted(unknown)}")
    inference_type = str(attrs.get("inferenceType") or "").lower()
    if "long context" in inference_type:
        parsed.flags.add("lc")
    if "latency" in inference_type:
        raise _Skip(_SKIP_FLAGS["latencyoptimized"])
    tier, batch = _tier(parsed.flags, attrs)

    if code == "AmazonBedrockFoundationModels":
        name = attrs.get("servicename")
        model = model_for_name(name)
        if model is None:
            raise _Skip(f"servicename {name!r} is not a model in the catalog source table")
    else:
        name = attrs.get("model") or attrs.get("titanModel")
        model = model_for_name(name) if name else None
        token_model = model_for_name(parsed.model_token)
        if model is None and name:
            raise _Skip(f"model {name!r} is not a model in the catalog source table")
        if model is not None and token_model is not None and token_model.id != model.id:
            raise _Skip(f"model attribute {name!r} and usagetype token {parsed.model_token!r} disagree")
        model = model or token_model
        if model is None:
            raise _Skip(f"usagetype model token {parsed.model_token!r} is not in the catalog source table")

    dim = _single_dimension(record)
    try:
        usd = Decimal(str((dim.get("pricePerUnit") or {})["USD"]))
    except (KeyError, InvalidOperation) as exc:
        raise _Skip(f"record has no USD price ({exc})") from None
    factor = per_million_factor(str(dim.get("unit") or ""), str(dim.get("description") or ""), usagetype)
    if parsed.field not in RATE_FIELDS:  # pragma: no cover - grammar tables only produce RATE_FIELDS
        raise _Skip(f"unsupported field {parsed.field}")
    return PriceRow(
        sku=sku,
        service_code=code,
        usagetype=usagetype,
        model_id=model.id,
        region=str(region),
        scope="global" if "global" in parsed.flags else "*",
        tier=tier,
        batch=batch,
        long_context="lc" in parsed.flags,
        field=parsed.field,
        rate=(usd * factor).normalize(),
    )


# ---- catalog assembly ------------------------------------------------------------------------------------


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def build_catalog(records: Iterable[Mapping[str, Any] | str], *, as_of: str, source: str) -> BuildResult:
    """Catalog dict (bundled-catalog schema) from GetProducts records; unmappable records listed apart."""
    by_id = {m.id: m for m in MODELS}
    unmapped: list[UnmappedRecord] = []
    cells: dict[tuple[str, str, str, str, str], PriceRow] = {}
    conflicted: set[tuple[str, str, str, str, str]] = set()
    rows: list[PriceRow] = []
    for record in records:
        result = parse_record(record)
        if isinstance(result, UnmappedRecord):
            unmapped.append(result)
            continue
        key = (result.model_id, result.region, result.scope, result.variant, result.field)
        prior = cells.get(key)
        if prior is not None and prior.rate != result.rate:
            conflicted.add(key)
            unmapped.append(
                UnmappedRecord(
                    result.sku,
                    result.service_code,
                    result.usagetype,
                    f"conflicts with {prior.usagetype} ({prior.rate} vs {result.rate} per 1M), same cell",
                )
            )
            continue
        cells[key] = result
        rows.append(result)
    rows = [r for r in rows if (r.model_id, r.region, r.scope, r.variant, r.field) not in conflicted]

    models: dict[str, Any] = {}
    for row in rows:
        meta = by_id[row.model_id]
        model = models.setdefault(
            row.model_id, {"name": meta.name, "provider": meta.provider, "kind": meta.kind, "regions": {}}
        )
        if meta.long_context_threshold is not None:
            model["long_context_threshold"] = meta.long_context_threshold
        entry = (
            model["regions"]
            .setdefault(row.region, {})
            .setdefault(row.scope, {"as_of": as_of, "source": ["price-list"], "confidence": "high"})
        )
        entry.setdefault(row.variant, {})[row.field] = _fmt(row.rate)
    catalog = {
        "schema": 1,
        "version": f"price-list-{as_of}",
        "as_of": as_of,
        "source": source,
        "currency": "USD",
        "unit": "USD per 1M tokens",
        "sources": {"price-list": source},
        "models": dict(sorted(models.items())),
    }
    return BuildResult(catalog, unmapped, rows)


# ---- diffs -----------------------------------------------------------------------------------------------


def _cells(catalog: Mapping[str, Any]) -> dict[tuple[str, str, str, str, str], Decimal]:
    out: dict[tuple[str, str, str, str, str], Decimal] = {}
    for model_id, model in (catalog.get("models") or {}).items():
        for region, scopes in (model.get("regions") or {}).items():
            for scope, entry in scopes.items():
                for variant, card in entry.items():
                    if not isinstance(card, Mapping):
                        continue
                    for fld in RATE_FIELDS:
                        if card.get(fld) is not None:
                            out[(model_id, region, scope, variant, fld)] = Decimal(str(card[fld]))
    return out


def diff_catalogs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[CatalogChange]:
    """Rate-level changes between two catalog dicts (numeric comparison: "3.30" equals "3.3")."""
    a, b = _cells(old), _cells(new)
    changes: list[CatalogChange] = []
    for key in sorted(a.keys() | b.keys()):
        before, after = a.get(key), b.get(key)
        if before == after:
            continue
        kind: Literal["added", "removed", "changed"] = (
            "added" if before is None else "removed" if after is None else "changed"
        )
        changes.append(CatalogChange(kind, *key, old=before, new=after))
    return changes


def format_changes(changes: Iterable[CatalogChange]) -> str:
    lines = [c.describe() for c in changes]
    if not lines:
        return "no price changes"
    marks = (("added", "+"), ("removed", "-"), ("changed", "~"))
    counts = {k: sum(1 for line in lines if line.startswith(s)) for k, s in marks}
    header = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    return "\n".join([f"{len(lines)} price changes ({header}):", *lines])


# ---- fetching (boto3; not used by the tests) -------------------------------------------------------------


def fetch_records(
    pricing_client: Any, service_codes: Iterable[str] = SERVICE_CODES, region_code: str | None = None
) -> Iterator[dict[str, Any]]:
    """Yield GetProducts documents, tagged with their service code, from a boto3 ``pricing`` client.

    Use a client in us-east-1 or ap-south-1 (the Price List API endpoints).
    """
    paginator = pricing_client.get_paginator("get_products")
    for code in service_codes:
        filters = [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region_code}] if region_code else []
        for page in paginator.paginate(ServiceCode=code, Filters=filters, FormatVersion="aws_v1"):
            for doc in page.get("PriceList", []):
                record: dict[str, Any] = json.loads(doc) if isinstance(doc, str) else dict(doc)
                record.setdefault("serviceCode", code)
                yield record
