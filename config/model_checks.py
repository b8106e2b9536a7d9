"""Model ids in a config against the price catalog: typos are errors, unpriced Regions are warnings.

Runs after the pydantic validation (``config.loader.parse_config`` calls ``model_id_errors``;
``genai-guardrails validate`` prints ``model_id_warnings``). The ids checked are the ones that decide what
is priced and alarmed: ``pricing.premium_models``, ``features[].inference_profile.copy_from`` and
``pricing.overrides[].model_id``. An override with ``add_model: true`` deliberately prices a model the
bundled catalog lacks: it is not an error, and its model counts as known for the rest of the account.
"""

from __future__ import annotations

from collections.abc import Iterator

from core.config_model import Account, GuardrailsConfig
from lambdas.pricing.catalog import PriceCatalog
from lambdas.pricing.known_models import check_model_id, priced_in_region


def _ids(account: Account, index: int) -> Iterator[tuple[str, str, bool]]:
    """(field path, model id, whether calls use the id's own routing scope) for every model id it names.

    A ``copy_from`` profile is called as written (``global.`` is a global call); a base id in
    ``premium_models`` or an override may be called through any scope.
    """
    where = f"accounts[{index}]"
    for k, model in enumerate(account.pricing.premium_models):
        yield f"{where}.pricing.premium_models[{k}]", model, False
    for k, feature in enumerate(account.features):
        if feature.inference_profile is not None:
            path = f"{where}.features[{k}].inference_profile.copy_from"
            yield path, feature.inference_profile.copy_from, True
    for k, override in enumerate(account.pricing.overrides):
        if not override.add_model:
            yield f"{where}.pricing.overrides[{k}].model_id", override.model_id, False


def _catalog(account: Account, base: PriceCatalog, *, only_added: bool = False) -> PriceCatalog:
    """The account's catalog: with every override (what is priced), or only add_model ones (what exists)."""
    overrides = [o for o in account.pricing.overrides if o.add_model or not only_added]
    if not overrides:
        return base
    return base.with_overrides(overrides)


def model_id_errors(config: GuardrailsConfig, catalog: PriceCatalog | None = None) -> list[str]:
    """One message per model id the catalog does not know, naming the closest ids it does."""
    base = catalog or PriceCatalog.load()
    problems: list[str] = []
    for index, account in enumerate(config.accounts):
        known = _catalog(account, base, only_added=True)
        for path, model_id, _exact_scope in _ids(account, index):
            check = check_model_id(model_id, known)
            if check.known:
                continue
            hint = f"; closest known: {', '.join(check.closest)}" if check.closest else ""
            extra = (
                " (to price a model the catalog lacks, add an override with add_model: true)"
                if path.endswith(".model_id")
                else ""
            )
            problems.append(f"{path}: {check.problem}{hint}{extra} (got {model_id!r})")
    return problems


def model_id_warnings(config: GuardrailsConfig, catalog: PriceCatalog | None = None) -> list[str]:
    """Known models with no price in the account's Region: their calls would be metered as unpriced."""
    base = catalog or PriceCatalog.load()
    warnings: list[str] = []
    for index, account in enumerate(config.accounts):
        known = _catalog(account, base)
        for path, model_id, exact_scope in _ids(account, index):
            check = check_model_id(model_id, known)
            if not check.known:
                continue  # an error already
            in_scope = check.scope if exact_scope else None
            if priced_in_region(model_id, account.region, known, scope=in_scope):
                continue
            how = f" for {in_scope} calls" if in_scope else ""
            warnings.append(
                f"{path}: {model_id} has no price in {account.region}{how} (account {account.name}): its "
                "calls will be metered as unpriced; add a pricing.overrides entry for that Region or enable "
                "price_refresh"
            )
    return warnings
