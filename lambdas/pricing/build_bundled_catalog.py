"""Build ``catalog.json`` from the hand-kept source table (``sources/table.py``).

    python -m lambdas.pricing.build_bundled_catalog          # rewrite catalog.json
    python -m lambdas.pricing.build_bundled_catalog --check  # exit 1 if catalog.json is stale

The AWS pricing rules (regional 1.10x, cache multipliers, batch, tiers, long context) are applied here,
once, so the runtime only looks rates up. Every derived figure is named in the entry's ``derived`` list.
"""

from __future__ import annotations

import argparse
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from lambdas.pricing.catalog import RATE_FIELDS
from lambdas.pricing.sources.table import MODELS, SOURCES, Model, Price

CATALOG_PATH = Path(__file__).with_name("catalog.json")
SCHEMA = 2
VERSION = "2026.11.1"
CURRENCY = "USD"
UNIT = "USD per 1M tokens"
SOURCE = (
    "genai-cost-guardrails bundled catalog, built by lambdas/pricing/build_bundled_catalog.py from the "
    "hand-kept table lambdas/pricing/sources/table.py (AWS Price List records, AWS documentation, "
    "pydantic/genai-prices, LiteLLM); per-entry sources are keys of 'sources'"
)

REGIONAL_UPLIFT = Decimal("1.10")  # rule-cris
BATCH = Decimal("0.5")  # rule-batch
TIER_MULTIPLIER = {"flex": Decimal("0.5"), "priority": Decimal("1.75")}  # rule-tier
LC_INPUT, LC_OUTPUT, LC_CACHE = Decimal(2), Decimal("1.5"), Decimal(2)  # rule-lc
ANTHROPIC_CACHE = {"cache_read": Decimal("0.1"), "cache_write": Decimal("1.25")}
ANTHROPIC_CACHE_1H = Decimal(2)
NOVA_CACHE_READ = Decimal("0.25")


def fmt(value: Decimal) -> str:
    """Plain decimal string without exponent or trailing zeros ("3.3", "0.00875", "15")."""
    text = format(value.normalize(), "f")
    return text


def _d(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _scale(card: dict[str, Decimal | None], factors: dict[str, Decimal]) -> dict[str, Decimal]:
    return {k: v * factors[k] for k, v in card.items() if v is not None and k in factors}


def _standard_card(
    model: Model, price: Price, uplift: Decimal, derived: list[str]
) -> dict[str, Decimal | None]:
    inp = None if price.input is None else Decimal(price.input) * uplift
    out = None if price.output is None else Decimal(price.output) * uplift
    card: dict[str, Decimal | None] = {"input": inp, "output": out}
    for field_name, rate in price.units:
        if field_name not in RATE_FIELDS:
            raise ValueError(f"{model.id}: unknown rate field {field_name!r}")
        card[field_name] = Decimal(rate) * uplift
    if inp is None:
        return card
    explicit = {
        "cache_read": _d(price.cache_read),
        "cache_write": _d(price.cache_write),
        "cache_write_1h": _d(price.cache_write_1h),
    }
    for key, value in explicit.items():
        if value is not None:
            card[key] = value * uplift
    if model.cache in ("anthropic", "anthropic_1h"):
        for key, mult in ANTHROPIC_CACHE.items():
            if card.get(key) is None:
                card[key] = inp * mult
                derived.append(f"{key}={mult}x input (rule-cache-anthropic)")
        if model.cache == "anthropic_1h" and card.get("cache_write_1h") is None:
            card["cache_write_1h"] = inp * ANTHROPIC_CACHE_1H
            derived.append(f"cache_write_1h={ANTHROPIC_CACHE_1H}x input (rule-cache-anthropic)")
    elif model.cache == "nova" and card.get("cache_read") is None:
        card["cache_read"] = inp * NOVA_CACHE_READ
        derived.append(f"cache_read={NOVA_CACHE_READ}x input (rule-cache-nova)")
    if uplift != 1:
        derived.insert(0, f"standard={uplift}x list (rule-cris)")
    return card


def build_entry(model: Model, price: Price, uplift: Decimal) -> dict[str, Any]:
    derived: list[str] = []
    std = _standard_card(model, price, uplift, derived)
    cards: dict[str, dict[str, Decimal]] = {"standard": {k: v for k, v in std.items() if v is not None}}
    in_out = {"input": Decimal(1), "output": Decimal(1)}
    priced = std.get("input") is not None
    if model.batch and priced:
        cards["batch"] = _scale(std, {k: BATCH for k in in_out})
        derived.append(f"batch={BATCH}x input/output (rule-batch)")
    for tier in model.tiers if priced else ():
        mult = TIER_MULTIPLIER[tier]
        cards[tier] = _scale(std, {k: mult for k in in_out})
        derived.append(f"{tier}={mult}x input/output (rule-tier)")
    if model.long_context_threshold is not None and priced:
        cards["long_context"] = _scale(
            std,
            {
                "input": LC_INPUT,
                "output": LC_OUTPUT,
                "cache_read": LC_CACHE,
                "cache_write": LC_CACHE,
                "cache_write_1h": LC_CACHE,
            },
        )
        derived.append(f"long_context=input {LC_INPUT}x, output {LC_OUTPUT}x, cache {LC_CACHE}x (rule-lc)")
    sources = list(price.source)
    for note in derived:
        rule = note[note.rfind("(") + 1 : -1]
        if rule not in sources:
            sources.append(rule)
    entry: dict[str, Any] = {"as_of": price.as_of, "source": sources, "confidence": price.confidence}
    if price.effective_from:
        entry["effective_from"] = price.effective_from
    if price.note:
        entry["note"] = price.note
    if derived:
        entry["derived"] = derived
    for name, card in cards.items():
        if card:  # a period no source prices (after a repricing nobody quoted) has no card at all
            entry[name] = {k: fmt(v) for k, v in card.items()}
    return entry


def _scopes_of(model: Model, price: Price) -> dict[str, dict[str, Any]]:
    if model.scheme == "global_list" and not price.flat:
        return {
            "*": build_entry(model, price, REGIONAL_UPLIFT),
            "global": build_entry(model, price, Decimal(1)),
        }
    return {price.scope: build_entry(model, price, Decimal(1))}


def build_regions(model: Model) -> dict[str, dict[str, Any]]:
    """{Region: {scope: entry}}: the latest period is the entry, earlier ones its ``history``."""
    periods: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for price in model.prices:
        for src in price.source:
            if src not in SOURCES:
                raise ValueError(f"{model.id}: unknown source {src!r}")
        for scope, entry in _scopes_of(model, price).items():
            for region in price.regions:
                key = (region, scope)
                start = price.effective_from or ""
                if any(s == start for s, _ in periods.get(key, [])):
                    raise ValueError(
                        f"{model.id}: region {region} scope {scope} listed twice for {start or 'launch'}"
                    )
                periods.setdefault(key, []).append((start, entry))
    regions: dict[str, dict[str, Any]] = {}
    for (region, scope), dated in sorted(periods.items()):
        dated.sort(key=lambda item: item[0], reverse=True)
        current = dict(dated[0][1])
        if len(dated) > 1:
            current["history"] = [entry for _, entry in dated[1:]]
        regions.setdefault(region, {})[scope] = current
    return dict(sorted(regions.items()))


def build() -> dict[str, Any]:
    models: dict[str, Any] = {}
    as_of = "0000-00-00"
    for model in MODELS:
        if model.id in models:
            raise ValueError(f"duplicate model {model.id}")
        as_of = max([as_of, *(p.as_of for p in model.prices)])
        entry: dict[str, Any] = {"name": model.name, "provider": model.provider, "kind": model.kind}
        if model.long_context_threshold is not None:
            entry["long_context_threshold"] = model.long_context_threshold
        entry["regions"] = build_regions(model)
        models[model.id] = entry
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "as_of": as_of,
        "source": SOURCE,
        "currency": CURRENCY,
        "unit": UNIT,
        "sources": SOURCES,
        "models": dict(sorted(models.items())),
    }


def dumps(catalog: dict[str, Any]) -> str:
    """Compact JSON with one model per line, so a price change is a one-line diff."""
    head = {k: v for k, v in catalog.items() if k != "models"}
    lines = ["{"]
    for key, value in head.items():
        lines.append(f"{json.dumps(key)}: {json.dumps(value, separators=(',', ':'))},")
    lines.append('"models": {')
    items = list(catalog["models"].items())
    for i, (model_id, entry) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"{json.dumps(model_id)}: {json.dumps(entry, separators=(',', ':'))}{comma}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if catalog.json is not up to date")
    parser.add_argument("--output", type=Path, default=CATALOG_PATH)
    args = parser.parse_args(argv)
    text = dumps(build())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is stale: rerun this builder and commit the result", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(text)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
