"""Widget helpers: plain dicts in the CloudWatch dashboard body format (no aws_cdk here).

x and y are set by `layout.stack`; every helper takes width and height in grid units (24 columns)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.contract import NAMESPACE

Widget = dict[str, Any]
MetricRow = list[Any]


def metric(
    name: str,
    dims: Mapping[str, str],
    *,
    id: str | None = None,
    label: str | None = None,
    stat: str | None = None,
    period: int | None = None,
    visible: bool | None = None,
    account_id: str | None = None,
    region: str | None = None,
    namespace: str = NAMESPACE,
) -> MetricRow:
    row: MetricRow = [namespace, name]
    for dim, dim_value in dims.items():
        row += [dim, dim_value]
    options: dict[str, Any] = {}
    settings: tuple[tuple[str, Any], ...] = (
        ("id", id),
        ("label", label),
        ("stat", stat),
        ("period", period),
        ("visible", visible),
        ("accountId", account_id),
        ("region", region),
    )
    for key, value in settings:
        if value is not None:
            options[key] = value
    if options:
        row.append(options)
    return row


def expression(
    expr: str,
    id: str,
    label: str | None = None,
    *,
    visible: bool | None = None,
    account_id: str | None = None,
    region: str | None = None,
) -> MetricRow:
    """A metric-math row; `account_id` runs it in another account (cross-account observability)."""
    options: dict[str, Any] = {"expression": expr, "id": id}
    if label is not None:
        options["label"] = label
    if visible is not None:
        options["visible"] = visible
    if account_id is not None:
        options["accountId"] = account_id
    if region is not None:
        options["region"] = region
    return [options]


def _metric_widget(
    title: str, metrics: Sequence[MetricRow], width: int, height: int, region: str, **properties: Any
) -> Widget:
    props: dict[str, Any] = {"title": title, "region": region, "metrics": list(metrics)}
    props.update({k: v for k, v in properties.items() if v is not None})
    return {"type": "metric", "width": width, "height": height, "properties": props}


def graph(
    title: str,
    metrics: Sequence[MetricRow],
    *,
    region: str,
    width: int = 12,
    height: int = 6,
    stacked: bool = False,
    stat: str = "Sum",
    period: int = 300,
    y_label: str | None = None,
    annotations: Sequence[tuple[str, float]] = (),
    view: str = "timeSeries",
) -> Widget:
    y_axis: dict[str, Any] = {"left": {"min": 0, "showUnits": False}}
    if y_label:
        y_axis["left"]["label"] = y_label
    extra: dict[str, Any] = {}
    if annotations:
        extra["annotations"] = {
            "horizontal": [{"label": label, "value": value} for label, value in annotations]
        }
    return _metric_widget(
        title,
        metrics,
        width,
        height,
        region,
        view=view,
        stacked=stacked,
        stat=stat,
        period=period,
        yAxis=y_axis,
        legend={"position": "right" if width >= 12 else "bottom"},
        **extra,
    )


def single_value(
    title: str,
    metrics: Sequence[MetricRow],
    *,
    region: str,
    width: int = 6,
    height: int = 4,
    start: str | None = None,
    stat: str = "Sum",
    period: int = 300,
    whole_range: bool = True,
) -> Widget:
    """One number: over the whole time range (the widget's own `start` when given), or with
    `whole_range=False` the latest datapoint (for gauges such as the evaluator's month to date)."""
    return _metric_widget(
        title,
        metrics,
        width,
        height,
        region,
        view="singleValue",
        stat=stat,
        period=period,
        setPeriodToTimeRange=whole_range or None,
        start=start,
    )


def gauge(
    title: str,
    metrics: Sequence[MetricRow],
    *,
    region: str,
    low: float,
    high: float,
    width: int = 6,
    height: int = 4,
    stat: str = "Maximum",
    period: int = 900,
) -> Widget:
    return _metric_widget(
        title,
        metrics,
        width,
        height,
        region,
        view="gauge",
        stat=stat,
        period=period,
        yAxis={"left": {"min": low, "max": high}},
    )


def pie(
    title: str,
    metrics: Sequence[MetricRow],
    *,
    region: str,
    width: int = 8,
    height: int = 6,
    stat: str = "Sum",
) -> Widget:
    """Share of the total over the whole time range."""
    return _metric_widget(
        title,
        metrics,
        width,
        height,
        region,
        view="pie",
        stat=stat,
        period=300,
        setPeriodToTimeRange=True,
        legend={"position": "right" if width >= 8 else "bottom"},
        labels={"visible": True},
    )


def text(markdown: str, *, width: int = 24, height: int = 2) -> Widget:
    return {"type": "text", "width": width, "height": height, "properties": {"markdown": markdown}}


def alarm_status(
    title: str, alarm_arns: Sequence[str], *, width: int = 24, height: int | None = None
) -> Widget:
    rows = -(-len(alarm_arns) // max(1, width // 6))  # the widget shows about one alarm per 6 columns
    return {
        "type": "alarm",
        "width": width,
        "height": height if height is not None else min(2 + rows, 20),
        "properties": {"title": title, "alarms": list(alarm_arns), "sortBy": "stateUpdatedTimestamp"},
    }


def log_table(
    title: str, log_group: str, query: str, *, region: str, width: int = 24, height: int = 7
) -> Widget:
    """A Logs Insights query over one log group, as a table."""
    return {
        "type": "log",
        "width": width,
        "height": height,
        "properties": {
            "title": title,
            "region": region,
            "query": f"SOURCE '{log_group}' | {query}",
            "view": "table",
        },
    }
