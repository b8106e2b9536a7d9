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

    def fits(self, rows: Sequence[Row], limits: DashboardLimits) -> bool:
        placed = stack(rows, top=self.top)
        widgets = self.widgets + len(placed)
        metrics = self.metrics + sum(widget_metric_count(w) for w in placed)
        size = self.bytes + sum(_size(w) for w in placed) + len(placed)  # a comma per widget (bound)
        return (
            widgets <= limits.max_widgets
            and metrics <= limits.max_metrics_per_dashboard
            and size <= limits.max_body_bytes
        )

    def add(self, rows: Sequence[Row]) -> None:
        placed = stack(rows, top=self.top)
        self.rows.extend(rows)
        self.widgets += len(placed)
        self.metrics += sum(widget_metric_count(w) for w in placed)
        self.bytes += sum(_size(w) for w in placed) + len(placed)
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
        if parts[-1].rows and not parts[-1].fits(rows, limits):
            parts.append(_Part(start))
            parts[-1].add([continuation(len(parts))])
        parts[-1].add(rows)
        # Per-widget limits (metrics, alarms per widget, grid) and the totals, checked on the section.
        problems = violations(_body(rows, start), limits)
        if not problems and not parts[-1].fits([], limits):
            problems = violations(_body(parts[-1].rows, start), limits)
        if problems:
            raise ValueError(
                f"{name(len(parts))}: one section alone exceeds the limits: {'; '.join(problems)}"
            )
    assert all(height(p.rows) for p in parts)
    return [Dashboard(name(i + 1), _body(p.rows, start)) for i, p in enumerate(parts)]
