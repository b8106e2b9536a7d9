"""Draw dashboard bodies (the builders the stacks deploy) to PNG with matplotlib's Agg backend.

Deterministic: the same traffic gives the same bytes (no timestamp or software version in the PNG), so
`make preview` twice leaves the committed images unchanged.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle, Wedge

from cli.replay.engine import ALARM, INSUFFICIENT, OK, alarm_series, evaluate_alarm
from core.alarm_definitions import build_alarm_set
from core.config_model import GuardrailsConfig
from dashboards import (
    Dashboard,
    build_account_dashboards,
    build_application_dashboards,
    build_organization_dashboards,
)
from dashboards.common import DEFAULT_LOG_GROUP, alarm_name_of
from tools.preview.metrics import Line, WidgetMetrics, datapoints
from tools.preview.traffic import START, AccountTraffic

# No "Software" key (matplotlib's version) in the PNG: the bytes depend on the drawing only.
PNG_METADATA: dict[str, str | None] = {"Software": None}
STATE_COLORS = {
    OK: ("#e8f5e9", "#1b5e20"),
    ALARM: ("#ffebee", "#b71c1c"),
    INSUFFICIENT: ("#eeeeee", "#555555"),
}


@dataclass
class Preview:
    """One dashboard to draw: its body, the traffic its metrics read, and its alarms' states."""

    dashboard: Dashboard
    sources: Mapping[str, AccountTraffic]  # by account id (the organization dashboard names them)
    default: AccountTraffic | None  # the account whose stack deploys it (None: organization)
    alarm_states: Mapping[str, str]  # alarm name -> state at the day's end ("not simulated" if absent)
    prefix: str = ""  # shown alarm names without it


def alarm_states(config: GuardrailsConfig, traffic: AccountTraffic) -> dict[str, str]:
    """Each replayable alarm's state at the end of the simulation, evaluated by replay's engine."""
    states: dict[str, str] = {}
    for alarm in build_alarm_set(config, traffic.account).alarms:
        if alarm.replayable:
            series = alarm_series(alarm, traffic.raw, traffic.minutes, traffic.start_ms)
            states[alarm.name] = evaluate_alarm(alarm, series)[0][-1]
    return states


# ---------------------------------------------------------------------------------------------------
# Drawing

COL_INCH = 0.95
ROW_INCH = 0.42
COLORS: list[Any] = [plt.get_cmap("tab20")(i) for i in range(20)]


def _plain(markdown: str) -> list[str]:
    lines = []
    for raw in markdown.splitlines():
        line = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", raw)
        lines.append(line.replace("**", "").replace("`", ""))
    return lines


def _draw_text(ax: Axes, widget: dict[str, Any]) -> None:
    y = 0.9
    width_chars = int(widget["width"] * COL_INCH * 11)
    for line in _plain(widget["properties"]["markdown"]):
        heading = line.startswith("#")
        content = line.lstrip("# ")
        for part in textwrap.wrap(content, width_chars) or [""]:
            ax.text(
                0.01,
                y,
                part,
                fontsize=13 if heading else 9.5,
                weight="bold" if heading else "normal",
                va="top",
                transform=ax.transAxes,
            )
            y -= (0.32 if heading else 0.22) * 4 / max(widget["height"], 1) * 1.1
    ax.set_axis_off()


def _fmt(value: float) -> str:
    if np.isnan(value):
        return "no data"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def _latest(values: Sequence[float | None]) -> float:
    present = [v for v in values if v is not None]
    return float(present[-1]) if present else float("nan")


def _range_value(values: Sequence[float | None], period: int, whole_range: bool) -> float:
    """A line's one value for singleValue, pie and bar views: the whole day's window with
    setPeriodToTimeRange, else its latest datapoint."""
    if whole_range:
        return _latest(values[-1:])
    return _latest([v for _h, v in datapoints(values, period)])


def _draw_metric(ax: Axes, widget: dict[str, Any], series: list[Line]) -> None:
    props = widget["properties"]
    view = props.get("view", "timeSeries")
    period = props.get("period", 300)
    whole_range = bool(props.get("setPeriodToTimeRange"))
    if view == "singleValue":
        shown = series or [("", [])]
        for index, (label, values) in enumerate(shown):
            x = (index + 0.5) / len(shown)
            value = _range_value(values, period, whole_range)
            size = 24 if len(shown) == 1 else 17
            ax.text(x, 0.42, _fmt(value), fontsize=size, ha="center", va="center", transform=ax.transAxes)
            if len(shown) > 1:
                ax.text(
                    x, 0.0, _short(label), fontsize=8, ha="center", color="#555555", transform=ax.transAxes
                )
        ax.set_axis_off()
        return
    if view == "gauge":
        value = _range_value(series[0][1], period, whole_range) if series else float("nan")
        value = 0.0 if np.isnan(value) else value
        low, high = props["yAxis"]["left"]["min"], props["yAxis"]["left"]["max"]
        share = min(max((value - low) / (high - low), 0), 1)
        ax.add_patch(Wedge((0.5, 0.15), 0.4, 0, 180, width=0.12, color="#dddddd"))
        color = "#2e7d32" if value < 80 else "#f9a825" if value < 100 else "#c62828"
        ax.add_patch(Wedge((0.5, 0.15), 0.4, 180 - 180 * share, 180, width=0.12, color=color))
        ax.text(0.5, 0.2, f"{value:.0f}%", fontsize=20, ha="center", transform=ax.transAxes)
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 0.65)
        ax.set_aspect("equal")
        ax.set_axis_off()
        return
    totals = [(label, _range_value(values, period, whole_range)) for label, values in series]
    if view == "pie":
        shares = [(label, v) for label, v in totals if v > 0]
        if shares:
            total = sum(v for _l, v in shares)
            ax.pie(
                [v for _l, v in shares],
                colors=COLORS[: len(shares)],
                startangle=90,
                wedgeprops={"linewidth": 1, "edgecolor": "white"},
            )
            ax.legend(
                [f"{_short(name)} {100 * v / total:.0f}%" for name, v in shares],
                loc="center left",
                bbox_to_anchor=(1.0, 0.5),
                fontsize=7.5,
                frameon=False,
            )
        ax.set_aspect("equal")
        return
    if view == "bar":
        ax.barh([_short(name) for name, _v in totals], [0.0 if np.isnan(v) else v for _l, v in totals])
        ax.tick_params(labelsize=7.5)
        ax.invert_yaxis()
        return
    if not any(v is not None for _l, values in series for v in values):
        ax.text(
            0.5,
            0.5,
            "no data (not simulated)",
            ha="center",
            va="center",
            color="#777777",
            transform=ax.transAxes,
        )
    if props.get("stacked") and series:
        # every period boundary, a missing datapoint drawn as zero
        filled = [[0.0 if v is None else v for v in values] for _l, values in series]
        hours = [24 + h for h, _v in datapoints(filled[0], period)]
        ax.stackplot(
            hours,
            *[[v for _h, v in datapoints(values, period)] for values in filled],
            labels=[_short(name) for name, _v in series],
            colors=COLORS[: len(series)],
            alpha=0.85,
        )
    else:
        for index, (label, values) in enumerate(series):
            points = datapoints(values, period)
            ax.plot(
                [24 + h for h, _v in points],
                [v for _h, v in points],
                label=_short(label),
                color=COLORS[index % 20],
                linewidth=1.2,
            )
    for annotation in props.get("annotations", {}).get("horizontal", []):
        ax.axhline(annotation["value"], color="#c62828", linestyle="--", linewidth=1)
        ax.text(
            0.01,
            annotation["value"],
            f" {annotation['label']}",
            color="#c62828",
            fontsize=7,
            va="bottom",
            transform=ax.get_yaxis_transform(),
        )
    ticks = range(0, 25, 6 if widget["width"] < 12 else 3)
    ax.set_xlim(0, 24)
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"-{24 - h}h" if h < 24 else "now" for h in ticks])
    ax.tick_params(labelsize=7.5)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    if series:
        ax.legend(
            fontsize=7,
            loc="center left",
            bbox_to_anchor=(1.0, 0.5),
            frameon=False,
            ncol=1 if len(series) <= 12 else 2,
        )


def _short(label: str) -> str:
    return label if len(label) <= 34 else label[:32] + "…"


def _draw_alarms(ax: Axes, widget: dict[str, Any], states: Mapping[str, str], prefix: str) -> None:
    alarms = [alarm_name_of(a) for a in widget["properties"]["alarms"]]
    columns = max(1, widget["width"] // 6)
    rows = -(-len(alarms) // columns)
    for index, name in enumerate(alarms):
        col, row = index % columns, index // columns
        y = 1 - (row + 1) / max(rows, 1)
        state = states.get(name)
        fill, ink = STATE_COLORS.get(state or INSUFFICIENT, STATE_COLORS[INSUFFICIENT])
        ax.add_patch(
            Rectangle(
                (col / columns + 0.005, y + 0.01),
                1 / columns - 0.01,
                1 / max(rows, 1) - 0.02,
                color=fill,
                transform=ax.transAxes,
            )
        )
        ax.text(
            col / columns + 0.01,
            y + 0.5 / max(rows, 1),
            f"{state or 'not simulated'}  {_short(name.removeprefix(prefix))}",
            fontsize=7.5,
            va="center",
            transform=ax.transAxes,
            color=ink,
        )
    ax.set_axis_off()


def _draw_log(ax: Axes, source: AccountTraffic | None) -> None:
    callers = sorted(
        (source.callers if source else {}).items(),
        key=lambda item: (-(item[1].input_tokens + item[1].output_tokens), item[0]),
    )[:8]
    header = (
        "caller (identity.arn)",
        "feature",
        "total_tokens",
        "input_tokens",
        "output_tokens",
        "invocations",
    )
    cells = [
        [
            _short(arn[-48:]),
            feature,
            f"{row.input_tokens + row.output_tokens:,}",
            f"{row.input_tokens:,}",
            f"{row.output_tokens:,}",
            f"{row.invocations:,}",
        ]
        for (arn, feature), row in callers
    ]
    table = ax.table(
        cellText=cells or [[""] * len(header)],
        colLabels=header,
        loc="upper center",
        cellLoc="left",
        colWidths=[0.38, 0.14, 0.12, 0.12, 0.12, 0.12],
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.scale(1, 1.25)
    ax.set_axis_off()


def render(preview: Preview, out: Path) -> Path:
    """Draw one dashboard to `out` (PNG)."""
    dashboard = preview.dashboard
    widgets = dashboard.body["widgets"]
    rows = max(w["y"] + w["height"] for w in widgets)
    banner = 0.9
    fig_w, fig_h = 24 * COL_INCH, rows * ROW_INCH + banner
    fig = plt.figure(figsize=(fig_w, fig_h), dpi=80)
    fig.text(0.005, 1 - 0.35 / fig_h, f"{dashboard.name}", fontsize=16, weight="bold", va="top")
    day = START.date().fromordinal(START.date().toordinal() + 1)
    fig.text(
        0.995,
        1 - 0.35 / fig_h,
        f"PREVIEW · SIMULATED TRAFFIC ({day} UTC, cli/replay/simulate.py, replay's metering and engine)"
        " · `make preview`",
        fontsize=12,
        color="#c62828",
        ha="right",
        va="top",
        weight="bold",
    )
    for widget in widgets:
        left = widget["x"] / 24
        width = widget["width"] / 24
        top = 1 - (banner + widget["y"] * ROW_INCH) / fig_h
        height = widget["height"] * ROW_INCH / fig_h
        frame = fig.add_axes((left + 0.002, top - height + 0.002, width - 0.004, height - 0.004))
        frame.set_xticks([])
        frame.set_yticks([])
        for spine in frame.spines.values():
            spine.set_color("#bbbbbb")
        title = widget["properties"].get("title")
        kind = widget["type"]
        inner_top = 0.78 if title else 0.95
        if title:
            frame.text(0.01, 0.985, title, fontsize=9.5, weight="bold", va="top", transform=frame.transAxes)
        has_legend = kind == "metric" and widget["properties"].get("view", "timeSeries") in (
            "timeSeries",
            "pie",
        )
        right = 0.62 if has_legend and widget["width"] >= 8 else 0.97 if not has_legend else 0.55
        ax = fig.add_axes(
            (
                left + width * (0.09 if has_legend or kind == "metric" else 0.01),
                top - height + height * 0.12,
                width * (right - (0.09 if has_legend or kind == "metric" else 0.01)),
                height * (inner_top - 0.12),
            )
        )
        if kind == "text":
            ax.set_position((left + 0.004, top - height + 0.004, width - 0.008, height - 0.008))
            _draw_text(ax, widget)
        elif kind == "alarm":
            _draw_alarms(ax, widget, preview.alarm_states, preview.prefix)
        elif kind == "log":
            _draw_log(ax, preview.default)
        else:
            lines = WidgetMetrics(widget["properties"], preview.sources, preview.default).lines()
            _draw_metric(ax, widget, lines)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, metadata=PNG_METADATA)
    plt.close(fig)
    return out


def previews(config: GuardrailsConfig, traffic: Mapping[str, AccountTraffic]) -> list[Preview]:
    """Every dashboard the stacks deploy for `config` (alarm names from core.alarm_definitions), with the
    traffic (by account id) its metrics read."""
    result: list[Preview] = []
    every_state: dict[str, str] = {}
    for account in config.accounts:
        source = traffic[account.account_id]
        states = alarm_states(config, source)
        every_state.update(states)
        alarm_set = build_alarm_set(config, account)
        alarms, by_feature = alarm_set.names(), alarm_set.names_by_feature()
        log_group = account.invocation_logging.log_group_name or DEFAULT_LOG_GROUP
        prefix = f"GenAiGuardrails-{account.name}-"
        bodies = build_account_dashboards(account, alarms=alarms, log_group_name=log_group)
        for application in account.applications:
            bodies += build_application_dashboards(
                account, application, alarms=alarms, feature_alarms=by_feature or None
            )
        result += [Preview(body, traffic, source, states, prefix) for body in bodies]
    result += [Preview(d, traffic, None, every_state) for d in build_organization_dashboards(config)]
    return result
