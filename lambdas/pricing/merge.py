"""Merge a Price List catalog (``price_list.build_catalog``) over the bundled catalog.

The Price List lacks many models and Regions the bundled catalog covers (LiteLLM- or rule-derived
figures), and a refreshed entry usually carries only the cells AWS publishes (often input and output, no
batch or cache rows). So the merge works cell by cell:

* every (model, Region, scope, variant, field) the Price List priced replaces the bundled cell;
* a bundled cell the Price List did not price is kept; if the entry's standard input (or output) rate
  changed, a kept cell priced like input (cache, or output) moves by the same ratio, so derived rates keep
  their multipliers (batch 0.5x, long context 2x, cache 0.1x/1.25x), as ``with_overrides`` does;
* a refreshed ``global`` entry where the bundled catalog has only ``*`` starts from that ``*`` entry (which
  served global calls until now);
* models, Regions and scopes the Price List lacks stay exactly as bundled;
* prices keep their dates: when a refreshed standard rate differs from the bundled one, the bundled period
  moves into the entry's ``history`` and the refreshed one is in force from the refresh date
  (``effective_from``: the day the change was first seen, which can be later than the day AWS made it).

Pure: no AWS calls. The result has the bundled-catalog schema, version ``price-list-<as_of>``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from lambdas.pricing.catalog import ANY, TEXT_TOKEN_FIELDS, VARIANTS

REFRESHED_VERSION_PREFIX = "price-list-"
_INPUT_LIKE = frozenset({"input", "cache_read", "cache_write", "cache_write_1h"})
_PROVENANCE_KEYS = frozenset(
    {"as_of", "source", "confidence", "derived", "refreshed", "note", "effective_from", "history"}
)


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _ratio(new: Any, old: Any) -> Decimal | None:
    if new is None or old is None:
        return None
    old_d = Decimal(str(old))
    if old_d == 0:
        return None
    ratio = Decimal(str(new)) / old_d
    return None if ratio == 1 else ratio


def _cards(entry: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: dict(v) for k, v in entry.items() if k in VARIANTS and isinstance(v, Mapping)}


def merge_entry(
    bundled: Mapping[str, Any] | None, refreshed: Mapping[str, Any], as_of: str
) -> dict[str, Any]:
    """One (model, Region, scope) entry: refreshed cells win, kept cells follow the standard rate."""
    new_cards = _cards(refreshed)
    refreshed_cells = sorted(f"{v}.{f}" for v, card in new_cards.items() for f in card)
    if bundled is None:
        return {
            "as_of": as_of,
            "source": ["price-list"],
            "confidence": "high",
            **new_cards,
            "refreshed": refreshed_cells,
        }
    old_cards = _cards(bundled)
    std_new, std_old = new_cards.get("standard", {}), old_cards.get("standard", {})
    r_in = _ratio(std_new.get("input"), std_old.get("input"))
    r_out = _ratio(std_new.get("output"), std_old.get("output"))
    derived = list(bundled.get("derived", []))
    merged: dict[str, dict[str, Any]] = {}
    for variant, card in old_cards.items():
        out = dict(card)
        for fld in TEXT_TOKEN_FIELDS:
            if out.get(fld) is None or fld in new_cards.get(variant, {}):
                continue
            ratio = r_in if fld in _INPUT_LIKE else r_out
            if ratio is not None:
                out[fld] = _fmt(Decimal(str(out[fld])) * ratio)
                derived.append(f"{variant}.{fld} rescaled x{_fmt(ratio)} with the refreshed standard rate")
        merged[variant] = out
    for variant, card in new_cards.items():
        merged.setdefault(variant, {}).update(card)
    sources = list(dict.fromkeys(["price-list", *bundled.get("source", [])]))
    priced_standard = "input" in std_new
    entry: dict[str, Any] = {
        "as_of": as_of,
        "source": sources,
        "confidence": "high" if priced_standard else str(bundled.get("confidence", "")),
    }
    if derived:
        entry["derived"] = derived
    entry.update(merged)
    entry["refreshed"] = refreshed_cells
    if r_in is not None or r_out is not None:
        # A new price: the bundled period stays in force for the dates before the refresh saw the change.
        previous = {k: copy.deepcopy(v) for k, v in bundled.items() if k != "history"}
        entry["effective_from"] = as_of
        entry["history"] = [previous, *copy.deepcopy(list(bundled.get("history", [])))]
    else:
        for key in ("effective_from", "history"):
            if key in bundled:
                entry[key] = copy.deepcopy(bundled[key])
    return entry


def merge_catalogs(
    bundled: Mapping[str, Any],
    refreshed: Mapping[str, Any],
    *,
    as_of: str,
    source: str,
    unmapped_count: int | None = None,
) -> dict[str, Any]:
    """A full catalog: ``bundled`` with every cell of ``refreshed`` (a ``build_catalog`` dict) merged in."""
    models: dict[str, Any] = copy.deepcopy(dict(bundled.get("models") or {}))
    refreshed_models: Mapping[str, Any] = refreshed.get("models") or {}
    for model_id, r_model in refreshed_models.items():
        model = models.get(model_id)
        if model is None:
            models[model_id] = copy.deepcopy(dict(r_model))
            for new_scopes in models[model_id].get("regions", {}).values():
                for scope, entry in list(new_scopes.items()):
                    new_scopes[scope] = merge_entry(None, entry, as_of)
            continue
        regions: dict[str, Any] = model.setdefault("regions", {})
        for region, r_scopes in (r_model.get("regions") or {}).items():
            scopes: dict[str, Any] = regions.setdefault(region, {})
            for scope, r_entry in r_scopes.items():
                # A new `global` entry starts from the `*` entry that served global calls until now.
                base = scopes.get(scope) or (scopes.get(ANY) if scope != ANY else None)
                scopes[scope] = merge_entry(base, r_entry, as_of)
    refresh_info: dict[str, Any] = {
        "models": len(refreshed_models),
        "cells": sum(1 for _ in _iter_cells(refreshed)),
    }
    if unmapped_count is not None:
        refresh_info["unmapped_records"] = unmapped_count
    sources = dict(bundled.get("sources") or {})
    sources["price-list"] = source
    return {
        "schema": bundled.get("schema", 1),
        "version": f"{REFRESHED_VERSION_PREFIX}{as_of}",
        "as_of": as_of,
        "source": f"{source}; merged over bundled catalog {bundled.get('version')} (kept where the Price "
        "List has no record)",
        "currency": bundled.get("currency", "USD"),
        "unit": bundled.get("unit", "USD per 1M tokens"),
        "bundled_version": bundled.get("version"),
        "refresh": refresh_info,
        "sources": sources,
        "models": dict(sorted(models.items())),
    }


def _iter_cells(catalog: Mapping[str, Any]) -> Iterable[tuple[str, str, str, str, str]]:
    for model_id, model in (catalog.get("models") or {}).items():
        for region, scopes in (model.get("regions") or {}).items():
            for scope, entry in scopes.items():
                for variant, card in _cards(entry).items():
                    for fld in card:
                        yield model_id, region, scope, variant, fld
