"""Split sections of rows into as many dashboards as CloudWatch's limits require."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dashboards.layout import Row, height, stack
from dashboards.limits import DEFAULT, DashboardLimits, violations, widget_metric_count
from dashboards.widgets import Widget


@dataclass(frozen=True)
class Dashboard:
    name: str
    body: dict[str, Any]


def _body(rows: Sequence[Row], start: str) -> dict[str, Any]:
    return {"start": start, "periodOverride": "inherit", "widgets": stack(rows)}


def _size(widget: Widget) -> int:
    return len(json.dumps(widget, separators=(",", ":")).encode("utf-8"))


@dataclass
class _Part:
    """One dashboard being filled: its rows and running totals, so adding a section costs only that
    section (re-measuring the whole body for every section was quadratic in the features)."""

    start: str
    rows: list[Row] = field(default_factory=list)
    widgets: int = 0
    metrics: int = 0
    bytes: int = 0
    top: int = 0

    def __post_init__(self) -> None:
        self.bytes = len(json.dumps(_body([], self.start), separators=(",", ":")))

    def measure(self, rows: Sequence[Row]) -> tuple[int, int, int]:
        """(widgets, metrics, bytes) `rows` add when placed below this part's rows (a comma per widget)."""
        placed = stack(rows, top=self.top)
        metrics = sum(widget_metric_count(w) for w in placed)
        return len(placed), metrics, sum(_size(w) for w in placed) + len(placed)

    def fits(self, added: tuple[int, int, int], limits: DashboardLimits) -> bool:
        widgets, metrics, size = added
        return (
            self.widgets + widgets <= limits.max_widgets
            and self.metrics + metrics <= limits.max_metrics_per_dashboard
            and self.bytes + size <= limits.max_body_bytes
        )

    def add(self, rows: Sequence[Row], added: tuple[int, int, int] | None = None) -> None:
        widgets, metrics, size = added or self.measure(rows)
        self.rows.extend(rows)
        self.widgets += widgets
        self.metrics += metrics
        self.bytes += size
        self.top += height(rows)


def pack(
    sections: Sequence[Sequence[Row]],
    *,
    name: Callable[[int], str],
    continuation: Callable[[int], Row],
    limits: DashboardLimits = DEFAULT,
    start: str = "-PT24H",
) -> list[Dashboard]:
    """Fill dashboards with whole sections, in order; a section that does not fit starts the next
    dashboard, which opens with `continuation(part)` (part counts from 2). `name(part)` names part 1, 2...
    Raises ValueError (naming the dashboard and the limit) when one section alone cannot fit."""
    parts: list[_Part] = [_Part(start)]
    for section in sections:
        rows = list(section)
        added = parts[-1].measure(rows)
        if parts[-1].rows and not parts[-1].fits(added, limits):
            parts.append(_Part(start))
            parts[-1].add([continuation(len(parts))])
            added = parts[-1].measure(rows)  # placed lower on the new part: positions differ
        parts[-1].add(rows, added)
        # Per-widget limits (metrics, alarms per widget, grid) and the totals, checked on the section.
        problems = violations(_body(rows, start), limits)
        if not problems and not parts[-1].fits((0, 0, 0), limits):
            problems = violations(_body(parts[-1].rows, start), limits)
        if problems:
            raise ValueError(
                f"{name(len(parts))}: one section alone exceeds the limits: {'; '.join(problems)}"
            )
    assert all(height(p.rows) for p in parts)
    return [Dashboard(name(i + 1), _body(p.rows, start)) for i, p in enumerate(parts)]
