"""Does the price catalog know a model id written in a config, and is it priced in a Region?

Pure functions over a ``PriceCatalog`` (the bundled one by default); config validation
(``config/model_checks.py``) turns their answers into errors and warnings. The id may be anything a config
names: a base model id (``pricing.premium_models``, ``pricing.overrides[].model_id``) or a system inference
profile id or ARN (``inference_profile.copy_from``). Near misses are found on normalised ids, so
``claude-sonnet-4.5`` suggests ``anthropic.claude-sonnet-4-5-20250929-v1:0``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from lambdas.pricing.catalog import ANY, DateLike, PriceCatalog, day_of
from lambdas.pricing.model_ids import Scope, resolve_model_id

_VERSION_SUFFIX = re.compile(r"(-\d{8})?(-v\d+)?(:\d+)?$")
_SEPARATORS = re.compile(r"[._:/\s]+")


@dataclass(frozen=True, slots=True)
class ModelIdCheck:
    """The answer for one id. ``closest`` are catalog ids, best first (empty when nothing is close)."""

    model_id: str
    base_model_id: str | None
    scope: Scope
    known: bool
    closest: tuple[str, ...]
    problem: str | None  # why the id is not usable (None when known)


def normalised(model_id: str) -> str:
    """``anthropic.claude-sonnet-4-5-20250929-v1:0`` -> ``claude-sonnet-4-5``: what people type."""
    text = re.sub(r"\s+", "-", model_id.strip().lower())
    first, sep, rest = text.partition(".")
    if sep and "-" not in first and rest:  # drop the provider
        text = rest
    text = _VERSION_SUFFIX.sub("", text)
    return _SEPARATORS.sub("-", text).strip("-")


def closest_model_ids(model_id: str, catalog: PriceCatalog, limit: int = 3) -> tuple[str, ...]:
    """Catalog ids closest to ``model_id`` (difflib on normalised ids, then on full ids)."""
    ids = catalog.model_ids()
    by_norm: dict[str, list[str]] = {}
    for mid in ids:
        by_norm.setdefault(normalised(mid), []).append(mid)
    found: list[str] = []
    for match in difflib.get_close_matches(normalised(model_id), list(by_norm), n=limit, cutoff=0.6):
        found.extend(by_norm[match])
    for match in difflib.get_close_matches(model_id.strip().lower(), ids, n=limit, cutoff=0.6):
        if match not in found:
            found.append(match)
    return tuple(found[:limit])


def check_model_id(model_id: str, catalog: PriceCatalog | None = None, *, limit: int = 3) -> ModelIdCheck:
    """Is ``model_id`` (base id, profile id or ARN) a model the catalog knows? If not, the closest ids."""
    catalog = catalog or PriceCatalog.load()
    resolved = resolve_model_id(model_id)
    base = resolved.base_model_id
    if base is not None and resolved.unpriced_reason is None and catalog.model(base) is not None:
        return ModelIdCheck(model_id, base, resolved.scope, True, (), None)
    closest = closest_model_ids(base or model_id, catalog, limit)
    if base is None or resolved.unpriced_reason is not None:
        problem = resolved.unpriced_reason or f"{model_id!r} is not a Bedrock model id"
    else:
        problem = f"{base!r} is not a model the price catalog ({catalog.version}) knows"
    return ModelIdCheck(model_id, base, resolved.scope, False, closest, problem)


def priced_in_region(
    model_id: str,
    region: str,
    catalog: PriceCatalog | None = None,
    *,
    scope: Scope | None = None,
    at: DateLike = None,
) -> bool:
    """Does the catalog price ``model_id`` for calls made in ``region`` (in ``scope``, or any scope)?"""
    catalog = catalog or PriceCatalog.load()
    resolved = resolve_model_id(model_id)
    base = resolved.base_model_id
    info = catalog.model(base) if base is not None else None
    if info is None:
        return False
    scopes = info.regions.get(region) or info.regions.get(ANY)
    if not scopes:
        return False
    day = day_of(at)
    wanted = [scope] if scope is not None else list(scopes)
    for name in wanted:
        entry = scopes.get(name) or scopes.get(ANY)
        period = entry.at(day) if entry is not None else None
        if period is not None and "standard" in period.cards:
            return True
    return False
