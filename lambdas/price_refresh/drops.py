"""Price drops the refresh will not publish on its own (pure: no AWS calls).

A wrong price is worse than an old one: a zero or slashed rate makes every cost metric, alarm and budget
of a model read low, silently. So a refreshed rate of a model in use that is zero, or less than half the
rate it replaces, is held back (the previous rate stays in the published catalog) unless config allows
drops (`price_refresh.allow_price_drops`); either way the refresh notifies. Rates of models nobody calls
are published as they come: they decide nothing until used, and a later drop is checked then.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lambdas.pricing.price_list import CatalogChange

MAX_DROP = Decimal("0.5")  # a new rate below half the old one is suspect


@dataclass(frozen=True)
class SuspectPrice:
    change: CatalogChange
    why: str  # "zero price" or "-63% drop"

    def describe(self) -> str:
        c = self.change
        was = "no price" if c.old is None else f"{c.old}"
        return f"{c.model_id} {c.region} {c.scope} {c.variant}.{c.field}: {was} -> {c.new} ({self.why})"


def suspect_prices(changes: Iterable[CatalogChange], models_in_use: set[str] | None) -> list[SuspectPrice]:
    """Changes that set a rate of a model in use (None: treat every model as in use) to zero, or below
    half of what it was. A new input rate of zero is suspect too: no Bedrock model reads for free (an
    embedding model's output rate of zero is normal, so new output rates are not checked)."""
    suspects = []
    for change in changes:
        if models_in_use is not None and change.model_id not in models_in_use:
            continue
        new, old = change.new, change.old
        if new is None:
            continue
        if change.kind == "changed" and old is not None and old > 0:
            if new == 0:
                suspects.append(SuspectPrice(change, "zero price"))
            elif new < old * MAX_DROP:
                suspects.append(SuspectPrice(change, f"{(new - old) / old * 100:.0f}% drop"))
        elif change.kind == "added" and change.field == "input" and new == 0:
            suspects.append(SuspectPrice(change, "zero price"))
    return suspects


def hold_back(catalog: Mapping[str, Any], suspects: Sequence[SuspectPrice]) -> dict[str, Any]:
    """The catalog with each suspect rate set back to the rate it replaces (removed if it had none)."""
    held: dict[str, Any] = copy.deepcopy(dict(catalog))
    for suspect in suspects:
        c = suspect.change
        card = held["models"][c.model_id]["regions"][c.region][c.scope][c.variant]
        if c.old is None:
            card.pop(c.field, None)
        else:
            card[c.field] = format(c.old.normalize(), "f")
    return held
