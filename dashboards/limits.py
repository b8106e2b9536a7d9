"""CloudWatch dashboard limits, and how a body is measured against them (docs/dashboards.md cites the
sources). `HARD` are CloudWatch's quotas; `DEFAULT` is the stricter budget the builders pack to."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# A SEARCH returns as many series as match (CloudWatch caps it at 500); the count is only known at
# run time, so each SEARCH is budgeted at this many series.
SEARCH_SERIES_ESTIMATE = 20


@dataclass(frozen=True)
class DashboardLimits:
    max_widgets: int
    max_metrics_per_widget: int
    max_metrics_per_dashboard: int
    max_alarms_per_widget: int
    max_body_bytes: int


# CloudWatch: 0-500 widgets per body; 500 metrics per widget and 2,500 per dashboard, counting every
# metric retrieved for metric math even when hidden; 1-100 alarms per alarm-status widget. The body sits
# in a CloudFormation template (1 MB), so we give one dashboard at most 256 KB.
HARD = DashboardLimits(
    max_widgets=500,
    max_metrics_per_widget=500,
    max_metrics_per_dashboard=2500,
    max_alarms_per_widget=100,
    max_body_bytes=256_000,
)
# What the builders pack to: the older, stricter metric quotas (100 per widget, also
# GetMetricWidgetImage's limit; 500 per dashboard), so a dashboard stays quick to load and readable.
DEFAULT = DashboardLimits(
    max_widgets=500,
    max_metrics_per_widget=100,
    max_metrics_per_dashboard=500,
    max_alarms_per_widget=100,
    max_body_bytes=128_000,
)


def widget_metric_count(widget: dict[str, Any]) -> int:
    """Metrics a widget retrieves: each metric row (visible or not) counts 1, each SEARCH counts
    SEARCH_SERIES_ESTIMATE, pure math expressions retrieve nothing themselves."""
    if widget.get("type") != "metric":
        return 0
    total = 0
    for row in widget["properties"].get("metrics", []):
        if isinstance(row[0], dict) and "expression" in row[0]:
            total += row[0]["expression"].count("SEARCH(") * SEARCH_SERIES_ESTIMATE
        else:
            total += 1
    return total


def body_size(body: dict[str, Any]) -> int:
    return len(json.dumps(body, separators=(",", ":")).encode("utf-8"))


def violations(body: dict[str, Any], limits: DashboardLimits = HARD) -> list[str]:
    """Every way `body` breaks `limits` (empty when it fits), plus grid overlaps and out-of-grid widgets."""
    problems: list[str] = []
    widgets = body["widgets"]
    if len(widgets) > limits.max_widgets:
        problems.append(f"{len(widgets)} widgets > {limits.max_widgets}")
    total = 0
    for widget in widgets:
        count = widget_metric_count(widget)
        total += count
        title = widget.get("properties", {}).get("title", widget["type"])
        if count > limits.max_metrics_per_widget:
            problems.append(f"widget {title!r}: {count} metrics > {limits.max_metrics_per_widget}")
        if (
            widget["type"] == "alarm"
            and not 1 <= len(widget["properties"]["alarms"]) <= limits.max_alarms_per_widget
        ):
            problems.append(f"widget {title!r}: {len(widget['properties']['alarms'])} alarms")
        if widget["x"] < 0 or widget["x"] + widget["width"] > 24 or widget["y"] < 0:
            problems.append(f"widget {title!r} outside the 24-column grid")
    if total > limits.max_metrics_per_dashboard:
        problems.append(f"{total} metrics > {limits.max_metrics_per_dashboard} per dashboard")
    size = body_size(body)
    if size > limits.max_body_bytes:
        problems.append(f"body is {size} bytes > {limits.max_body_bytes}")
    problems.extend(overlaps(widgets))
    return problems


def overlaps(widgets: list[dict[str, Any]]) -> list[str]:
    cells: dict[tuple[int, int], int] = {}
    found: list[str] = []
    for index, w in enumerate(widgets):
        for x in range(w["x"], w["x"] + w["width"]):
            for y in range(w["y"], w["y"] + w["height"]):
                if (x, y) in cells:
                    found.append(f"widgets {cells[(x, y)]} and {index} overlap at ({x}, {y})")
                    return found
                cells[(x, y)] = index
    return found
