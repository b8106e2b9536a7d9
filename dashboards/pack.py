"""Split sections of rows into as many dashboards as CloudWatch's limits require."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dashboards.layout import Row, height, stack
from dashboards.limits import DEFAULT, DashboardLimits, violations


@dataclass(frozen=True)
class Dashboard:
    name: str
    body: dict[str, Any]


def _body(rows: Sequence[Row], start: str) -> dict[str, Any]:
    return {"start": start, "periodOverride": "inherit", "widgets": stack(rows)}


def pack(
    sections: Sequence[Sequence[Row]],
    *,
    name: Callable[[int], str],
    continuation: Callable[[int], Row],
    limits: DashboardLimits = DEFAULT,
    start: str = "-PT24H",
) -> list[Dashboard]:
    """Fill dashboards with whole sections, in order; a section that does not fit starts the next
    dashboard, which opens with `continuation(part)` (part counts from 2). `name(part)` names part 1, 2..."""
    parts: list[list[Row]] = [[]]
    for section in sections:
        candidate = parts[-1] + list(section)
        if parts[-1] and violations(_body(candidate, start), limits):
            parts.append([continuation(len(parts) + 1), *section])
            candidate = parts[-1]
        else:
            parts[-1] = candidate
        problems = violations(_body(candidate, start), limits)
        if problems:
            raise ValueError(
                f"{name(len(parts))}: one section alone exceeds the limits: {'; '.join(problems)}"
            )
    assert all(height(p) for p in parts)
    return [Dashboard(name(i + 1), _body(rows, start)) for i, rows in enumerate(parts)]
