"""The bill against the estimate, as pure functions: Cost Explorer lines -> models -> per-model gaps.

Cost Explorer names Bedrock spend by SERVICE and USAGE_TYPE, not by model id:

* ``Amazon Bedrock`` (and ``Amazon Bedrock Service``) lines carry the model in the usage type, in the
  Price List's grammars: ``USE1-NovaMicro-input-tokens``, ``USE1-Claude4.5Haiku-cache-read-input-token-count
  -cross-region-global``, ``USE1-openai.gpt-oss-120b-mantle-input-tokens-flex``;
* Marketplace editions are their own SERVICE, named after the model (``Claude Sonnet 4.5 (Amazon Bedrock
  Edition)``), with usage types such as ``USE1-MP:USE1_InputTokenCount_Global-Units``;
* Guardrails lines (``...Guardrail...``) are the ``bedrock.guardrails`` Model dimension of the metering.

A line whose model cannot be named with certainty is kept apart as *unmapped*: it counts in the account
totals and is listed in the report, never guessed onto a model.

The estimate error of a model is (metered - billed) / billed x 100: positive when the metering says more
than the bill. A model is *off the bill* when it has real spend (billed, or metered, at least
``min_billed_usd`` that day) and its error is beyond the tolerance (or it is on only one side).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lambdas.pricing.catalog import GUARDRAILS_MODEL_ID
from lambdas.pricing.price_list import model_for_name, usagetype_fields

BEDROCK_SERVICE_MARKERS = (
    "Bedrock",
)  # "Amazon Bedrock", "Amazon Bedrock Service", "... (Amazon Bedrock Edition)"
_REGION_PREFIX = re.compile(r"^[A-Z]{2,4}\d?-")
_HUNDRED = Decimal(100)
_QUANTITY_TOKENS = {"1k tokens": 1000, "1m tokens": 1_000_000, "tokens": 1, "token": 1}
# Usage types the invocation log never shows: their spend is on the bill and not in the estimate.
NOT_LOGGED = (
    ("batch", "batch inference jobs are billed but not in the invocation log"),
    ("reserved", "reserved capacity is billed per tokens-per-minute commitment, not per logged call"),
    ("tpm", "reserved capacity is billed per tokens-per-minute commitment, not per logged call"),
    ("provisioned", "provisioned throughput is billed per model-unit hour, not per logged call"),
    ("latency-optimized", "latency-optimized inference is priced at standard rates by the metering"),
    ("custom-model", "custom-model inference is not priced per base-model token"),
)


def is_bedrock_service(service: str) -> bool:
    return any(marker in service for marker in BEDROCK_SERVICE_MARKERS)


def model_of(service: str, usage_type: str) -> str | None:
    """The base model id (the metering's Model dimension) a bill line belongs to, or None if not certain."""
    if "guardrail" in usage_type.lower():
        return GUARDRAILS_MODEL_ID
    edition = model_for_name(service) if "Edition" in service else None
    if edition is not None:
        return edition.id
    rest = _REGION_PREFIX.sub("", usage_type, count=1)
    fields = usagetype_fields(usage_type)
    token = fields[0] if fields is not None else None
    if token:
        model = model_for_name(token)
        if model is not None:
            return model.id
    # Unknown grammar ("USE1-NovaReel-T2V-720p", "USE1-moonshotai.kimi-k2.5-input"): the longest leading
    # run of dash-separated parts that names a catalog model.
    parts = rest.split("-")
    for end in range(len(parts), 0, -1):
        model = model_for_name("-".join(parts[:end]))
        if model is not None:
            return model.id
    return None


def dimension_of(usage_type: str) -> str | None:
    """``input`` / ``output`` / ``cache_read`` / ``cache_write`` for a token usage type, else None."""
    fields = usagetype_fields(usage_type)
    return None if fields is None else fields[1].replace("_1h", "")


def not_logged_reason(usage_type: str) -> str | None:
    text = usage_type.lower()
    for marker, reason in NOT_LOGGED:
        if marker in text:
            return reason
    return None


@dataclass(frozen=True)
class BillLine:
    service: str
    usage_type: str
    cost: Decimal
    quantity: Decimal
    unit: str
    model: str | None

    @property
    def tokens(self) -> Decimal | None:
        factor = _QUANTITY_TOKENS.get(self.unit.strip().lower())
        return None if factor is None else self.quantity * factor


def bill_lines(response_pages: Iterable[Mapping[str, Any]]) -> list[BillLine]:
    """Bedrock lines of GetCostAndUsage pages grouped by [SERVICE, USAGE_TYPE] (other services dropped)."""
    lines: dict[tuple[str, str], BillLine] = {}
    for page in response_pages:
        for result in page.get("ResultsByTime", []):
            for group in result.get("Groups", []):
                keys = group.get("Keys") or []
                if len(keys) != 2 or not is_bedrock_service(str(keys[0])):
                    continue
                service, usage_type = str(keys[0]), str(keys[1])
                metrics = group.get("Metrics") or {}
                cost = Decimal(str((metrics.get("UnblendedCost") or {}).get("Amount", "0")))
                usage = metrics.get("UsageQuantity") or {}
                quantity = Decimal(str(usage.get("Amount", "0")))
                unit = str(usage.get("Unit", ""))
                prior = lines.get((service, usage_type))
                if prior is not None:  # the same line in several time buckets (month to date)
                    cost += prior.cost
                    quantity += prior.quantity
                lines[(service, usage_type)] = BillLine(
                    service, usage_type, cost, quantity, unit, model_of(service, usage_type)
                )
    return sorted(lines.values(), key=lambda line: (-line.cost, line.usage_type))


def tag_costs(response_pages: Iterable[Mapping[str, Any]], tag_key: str) -> dict[str, Decimal]:
    """{tag value: cost} from GetCostAndUsage pages grouped by [TAG]; untagged spend under ""."""
    out: dict[str, Decimal] = {}
    for page in response_pages:
        for result in page.get("ResultsByTime", []):
            for group in result.get("Groups", []):
                (key,) = group.get("Keys") or [""]
                value = str(key).split("$", 1)[1] if "$" in str(key) else ""
                if str(key).split("$", 1)[0] not in (tag_key, ""):
                    continue
                amount = Decimal(
                    str(((group.get("Metrics") or {}).get("UnblendedCost") or {}).get("Amount", "0"))
                )
                out[value] = out.get(value, Decimal(0)) + amount
    return out


@dataclass(frozen=True)
class ModelGap:
    model: str
    billed: Decimal
    metered: Decimal
    error_percent: Decimal | None  # None when nothing was billed (the estimate has no bill to compare with)
    off: bool
    usage_types: tuple[BillLine, ...]
    hints: tuple[str, ...]  # which usage types or token dimensions differ, in words


@dataclass(frozen=True)
class Reconciliation:
    period: str  # "2026-11-29" or "2026-11-01..2026-11-29"
    billed_total: Decimal
    metered_total: Decimal
    models: tuple[ModelGap, ...]
    unmapped: tuple[BillLine, ...]
    tolerance_percent: Decimal
    min_billed_usd: Decimal
    workloads: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def error_percent(self) -> Decimal | None:
        return error_percent(self.metered_total, self.billed_total)

    @property
    def off_models(self) -> tuple[ModelGap, ...]:
        return tuple(m for m in self.models if m.off)

    @property
    def worst_error_percent(self) -> Decimal | None:
        """The largest absolute error among models with real spend (the alarm's metric); a model metered
        with nothing on the bill counts as 100% off. None when no model had real spend."""
        errors = [
            abs(m.error_percent) if m.error_percent is not None else _HUNDRED
            for m in self.models
            if max(m.billed, m.metered) >= self.min_billed_usd
        ]
        return max(errors) if errors else None


def error_percent(metered: Decimal, billed: Decimal) -> Decimal | None:
    if billed == 0:
        return None
    return (metered - billed) / billed * _HUNDRED


def _hints(lines: Iterable[BillLine], metered_tokens: Mapping[str, Decimal]) -> tuple[str, ...]:
    hints: list[str] = []
    billed_tokens: dict[str, Decimal] = {}
    for line in lines:
        reason = not_logged_reason(line.usage_type)
        if reason is not None and line.cost > 0:
            hints.append(f"{line.usage_type} (${line.cost:.2f}): {reason}")
            continue
        dim = dimension_of(line.usage_type)
        tokens = line.tokens
        if dim is not None and tokens is not None:
            billed_tokens[dim] = billed_tokens.get(dim, Decimal(0)) + tokens
    for dim, billed in sorted(billed_tokens.items()):
        metered = metered_tokens.get(dim)
        if metered is None or billed == 0:
            continue
        gap = error_percent(metered, billed)
        if gap is not None and abs(gap) >= 1:
            hints.append(
                f"{dim.replace('_', ' ')} tokens: billed {billed:,.0f}, metered {metered:,.0f} ({gap:+.1f}%)"
            )
    return tuple(hints)


def reconcile(
    period: str,
    lines: Iterable[BillLine],
    metered: Mapping[str, Decimal],
    *,
    tolerance_percent: Decimal,
    min_billed_usd: Decimal,
    metered_tokens: Mapping[str, Mapping[str, Decimal]] | None = None,
    workloads: Mapping[str, Decimal] | None = None,
) -> Reconciliation:
    """Per model: billed vs metered, error and whether it is off the bill; account totals over everything."""
    lines = list(lines)
    by_model: dict[str, list[BillLine]] = {}
    unmapped: list[BillLine] = []
    for line in lines:
        if line.model is None:
            unmapped.append(line)
        else:
            by_model.setdefault(line.model, []).append(line)
    gaps: list[ModelGap] = []
    for model in sorted(set(by_model) | set(metered)):
        model_lines = by_model.get(model, [])
        billed = sum((line.cost for line in model_lines), Decimal(0))
        spent = metered.get(model, Decimal(0))
        err = error_percent(spent, billed)
        real_spend = max(billed, spent) >= min_billed_usd
        off = real_spend and (err is None or abs(err) > tolerance_percent)
        hints = _hints(model_lines, (metered_tokens or {}).get(model, {})) if off else ()
        gaps.append(ModelGap(model, billed, spent, err, off, tuple(model_lines), hints))
    gaps.sort(key=lambda g: (not g.off, -max(g.billed, g.metered), g.model))
    return Reconciliation(
        period=period,
        billed_total=sum((line.cost for line in lines), Decimal(0)),
        metered_total=sum(metered.values(), Decimal(0)),
        models=tuple(gaps),
        unmapped=tuple(unmapped),
        tolerance_percent=tolerance_percent,
        min_billed_usd=min_billed_usd,
        workloads=dict(workloads or {}),
    )


def describe(rec: Reconciliation, *, limit: int = 10) -> list[str]:
    """Plain-text lines for a notification or the CLI: off models first, with what differs."""
    account = rec.error_percent
    lines = [
        f"{rec.period}: billed ${rec.billed_total:,.2f}, metered ${rec.metered_total:,.2f}"
        + (f" ({account:+.1f}%)" if account is not None else "")
        + f"; tolerance {rec.tolerance_percent}%"
    ]
    for gap in rec.models[:limit]:
        err = f"{gap.error_percent:+.1f}%" if gap.error_percent is not None else "not on the bill"
        mark = "OFF " if gap.off else "ok  "
        lines.append(f"  {mark}{gap.model}: billed ${gap.billed:,.4f}, metered ${gap.metered:,.4f} ({err})")
        for line in gap.usage_types[:5] if gap.off else ():
            lines.append(f"        {line.usage_type} [{line.service}]: ${line.cost:,.4f}")
        lines.extend(f"        differs: {hint}" for hint in gap.hints)
    if rec.unmapped:
        total = sum((line.cost for line in rec.unmapped), Decimal(0))
        lines.append(f"  unmapped bill lines (no model named with certainty): ${total:,.4f}")
        lines.extend(
            f"        {line.usage_type} [{line.service}]: ${line.cost:,.4f}" for line in rec.unmapped[:5]
        )
    if rec.workloads:
        tagged = ", ".join(f"{k or '(untagged)'} ${v:,.2f}" for k, v in sorted(rec.workloads.items()))
        lines.append(f"  billed by GenAI:Workload tag: {tagged}")
    return lines
