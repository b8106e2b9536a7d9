"""`make preview`: render every dashboard of the example config to PNG under docs/dashboards/.

The layout, titles and series come from the real dashboard bodies (the same builders the stacks use);
the values come from a metric source. Until the replay engine (issue 7) exists, `SampleTraffic` makes
deterministic per-minute series from the kind of traffic in tests/data/invocation-logs.jsonl with a
seeded generator, and every image says "sample traffic". To use the replay instead, give `render` any
object with the `MetricSource` methods (`series`, `search`)."""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import textwrap
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle, Wedge

from config.loader import load_config
from core import contract as c
from core.alarm_definitions import build_alarm_set
from core.config_model import Account, GuardrailsConfig
from dashboards import (
    Dashboard,
    build_account_dashboards,
    build_application_dashboards,
    build_organization_dashboards,
)
from dashboards.common import DEFAULT_LOG_GROUP, alarm_name_of

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LOGS = ROOT / "tests" / "data" / "invocation-logs.jsonl"
MINUTES = 24 * 60
SEED = 7
# USD per million tokens (input, output) for the sample models only: a preview, not the price catalog.
SAMPLE_PRICES = {
    "anthropic.claude-3-haiku-20240307-v1:0": (0.25, 1.25),
    "anthropic.claude-sonnet-4-20250514-v1:0": (3.0, 15.0),
    "anthropic.claude-haiku-4-5-20251001-v1:0": (1.0, 5.0),
    "amazon.titan-embed-text-v2:0": (0.02, 0.0),
    "amazon.nova-micro-v1:0": (0.035, 0.14),
}
Dims = dict[str, str]


class MetricSource(Protocol):
    def series(self, namespace: str, name: str, dims: Dims) -> np.ndarray | None:
        """Per-minute values of one metric over the last 24 h (NaN where nothing was published)."""

    def search(self, namespace: str, name: str, schema: Sequence[str], filters: Dims) -> list[Dims]:
        """Dimension values of every metric with exactly `schema` dimensions matching `filters`."""


def _base_model(model_id: str) -> str:
    model = model_id.rsplit("/", 1)[-1]
    return re.sub(r"^(us|eu|apac|jp|au|us-gov|global)\.", "", model)


class SampleTraffic:
    """Seeded per-minute traffic for one account: each configured feature uses one or two of the models
    seen in the sample invocation logs, with token counts around the logged ones and a daily curve."""

    def __init__(self, account: Account, seed: int = SEED) -> None:
        rng = random.Random(f"{seed}-{account.name}")
        np_rng = np.random.default_rng(rng.randrange(2**32))
        records = [json.loads(line) for line in SAMPLE_LOGS.read_text(encoding="utf-8").splitlines() if line]
        shapes = [
            (_base_model(r["modelId"]), r["input"]["inputTokenCount"], r["output"]["outputTokenCount"])
            for r in records
            if _base_model(r["modelId"]) in SAMPLE_PRICES and r["input"]["inputTokenCount"] > 0
        ]
        self.account = account
        self.env = account.environment
        minutes = np.arange(MINUTES)
        daily = (
            0.35 + 0.65 * np.clip(np.sin((minutes / MINUTES) * 2 * np.pi - np.pi / 2) + 0.6, 0, None) / 1.6
        )
        self.cells: dict[tuple[str, str, str], dict[str, np.ndarray]] = {}
        self.callers: list[tuple[str, str, int, int, int]] = []
        owners = [(f.application, f.name, float(f.hourly_limit_usd)) for f in account.features]
        owners.append((c.UNATTRIBUTED, c.UNATTRIBUTED, 1.0))
        for app, feature, hourly in owners:
            picks = rng.sample(shapes, k=min(len(shapes), rng.choice((1, 2))))
            for share, (model, tin, tout) in zip((0.7, 0.3), picks, strict=False):
                price_in, price_out = SAMPLE_PRICES[model]
                per_call = (tin * price_in + tout * price_out) / 1e6
                # aim for about a third of the hourly limit at peak
                rate = max(0.05, hourly / 3 / 60 / max(per_call, 1e-6) * share / (1 if share > 0.5 else 2))
                calls = np_rng.poisson(rate * daily)
                inputs = calls * tin * np_rng.uniform(0.7, 1.3, MINUTES)
                outputs = calls * tout * np_rng.uniform(0.7, 1.3, MINUTES)
                cached = inputs * (3.0 if "claude" in model else 0.0) * np_rng.uniform(0.5, 1.0, MINUTES)
                throttled = np_rng.binomial(calls, 0.01)
                self.cells[(app, feature, model)] = {
                    c.INVOCATIONS: calls.astype(float),
                    c.INPUT_TOKENS: inputs,
                    c.OUTPUT_TOKENS: outputs,
                    c.CACHE_READ_TOKENS: cached,
                    c.CACHE_WRITE_TOKENS: cached * 0.1,
                    c.COST: (inputs * price_in + outputs * price_out + cached * price_in * 0.1) / 1e6,
                    c.THROTTLED: throttled.astype(float),
                    c.FAILED: (throttled + np_rng.binomial(calls, 0.003)).astype(float),
                    c.UNPRICED: np.zeros(MINUTES),
                }
                role = "unknown-caller" if app == c.UNATTRIBUTED else f"{feature}-api"
                self.callers.append(
                    (
                        f"arn:aws:sts::{account.account_id}:assumed-role/{role}/i-{rng.randrange(16**6):06x}",
                        feature if app != c.UNATTRIBUTED else "(none)",
                        int(inputs.sum()),
                        int(outputs.sum()),
                        int(calls.sum()),
                    )
                )
        self.malformed = np_rng.binomial(1, 0.01, MINUTES).astype(float)

    def _cells(self, dims: Dims) -> Iterable[dict[str, np.ndarray]]:
        for (app, feature, model), values in self.cells.items():
            here = {c.APPLICATION: app, c.FEATURE: feature, c.MODEL: model}
            if all(here[k] == v for k, v in dims.items() if k in here):
                yield values

    def series(self, namespace: str, name: str, dims: Dims) -> np.ndarray | None:
        if dims.get(c.ENVIRONMENT, self.env) != self.env:
            return None
        if namespace == c.BEDROCK_NAMESPACE:
            model = dims.get(c.BEDROCK_MODEL_DIM, "")
            calls = sum(
                (v[c.INVOCATIONS] for (_a, _f, m), v in self.cells.items() if m == model), np.zeros(MINUTES)
            )
            base = 350.0 if name == c.BEDROCK_TTFT else 1400.0
            scale = 2.5 if "sonnet" in model else 0.6 if "titan" in model or "micro" in model else 1.0
            wobble = 1 + 0.15 * np.sin(np.arange(MINUTES) / 47.0 + len(model))
            return np.where(calls > 0, base * scale * wobble, np.nan)
        if name == c.MALFORMED:
            return self.malformed
        if name in (c.BUDGET_USED_PERCENT, c.FORECAST):
            feature = next(f for f in self.account.features if f.name == dims.get(c.FEATURE))
            spent = sum((v[c.COST] for v in self._cells(dims)), np.zeros(MINUTES))
            month_to_date: np.ndarray = np.cumsum(spent) + spent.sum() * 17  # as if on day 18 of the month
            if name == c.FORECAST:
                return month_to_date / 18 * 30
            return 100 * month_to_date / float(feature.monthly_budget_usd)
        found = [v[name] for v in self._cells(dims) if name in v]
        return np.sum(found, axis=0) if found else None

    def search(self, namespace: str, name: str, schema: Sequence[str], filters: Dims) -> list[Dims]:
        keys = [k for k in schema if k != c.ENVIRONMENT]
        if namespace == c.BEDROCK_NAMESPACE:
            return [{c.BEDROCK_MODEL_DIM: m} for m in sorted({m for (_a, _f, m) in self.cells})]
        if name in (c.BUDGET_USED_PERCENT, c.FORECAST):
            return [
                {c.ENVIRONMENT: self.env, c.APPLICATION: f.application, c.FEATURE: f.name}
                for f in self.account.features
            ]
        found: dict[tuple[str, ...], Dims] = {}
        for app, feature, model in self.cells:
            here = {c.APPLICATION: app, c.FEATURE: feature, c.MODEL: model}
            if all(here.get(k, self.env if k == c.ENVIRONMENT else None) == v for k, v in filters.items()):
                found[tuple(here[k] for k in keys)] = {c.ENVIRONMENT: self.env, **{k: here[k] for k in keys}}
        return [found[k] for k in sorted(found)]


class OrganizationSample:
    """The organization view: each account's own sample traffic, chosen by `accountId`."""

    def __init__(self, config: GuardrailsConfig) -> None:
        self.by_id = {a.account_id: SampleTraffic(a) for a in config.accounts}


# ---------------------------------------------------------------------------------------------------
# Evaluating a widget's metrics (metric rows, SEARCH and the metric math the builders use)

SEARCH_RE = re.compile(
    r"SEARCH\('\{(?P<schema>[^}]*)\}(?P<terms>[^']*)',\s*'(?P<stat>[^']+)',\s*(?P<period>\d+)\)"
)
Series = list[tuple[str, np.ndarray]]


def _bin(values: np.ndarray, period: int, stat: str) -> np.ndarray:
    size = max(1, period // 60)
    trimmed = values[: len(values) // size * size].reshape(-1, size)
    with np.errstate(all="ignore"):
        if stat in ("Sum", "SampleCount"):
            out = np.nansum(trimmed, axis=1)
            out[np.all(np.isnan(trimmed), axis=1)] = np.nan
            return np.asarray(out)
        if stat == "Maximum":
            return np.asarray(np.nanmax(np.where(np.isnan(trimmed), -np.inf, trimmed), axis=1)).clip(min=0)
        with warnings.catch_warnings():
            warnings.simplefilter(
                "ignore", RuntimeWarning
            )  # a period with no datapoint is NaN, as in CloudWatch
            return np.asarray(np.nanmean(trimmed, axis=1)) * (1.25 if stat.startswith("p") else 1.0)


def _label(template: str, dims: Dims) -> str:
    return re.sub(r"\$\{PROP\('Dim\.(\w+)'\)\}", lambda m: dims.get(m.group(1), "?"), template)


class Evaluator:
    def __init__(self, source: SampleTraffic | OrganizationSample, period: int, stat: str) -> None:
        self.source, self.period, self.stat = source, period, stat

    def _source(self, options: dict[str, Any]) -> SampleTraffic | None:
        if isinstance(self.source, OrganizationSample):
            return self.source.by_id.get(options.get("accountId", ""))
        return self.source

    def widget(self, properties: dict[str, Any]) -> Series:
        values: dict[str, np.ndarray | Series] = {}
        visible: Series = []
        for index, row in enumerate(properties["metrics"]):
            if isinstance(row[0], dict):
                options = row[0]
                result = self._expression(options["expression"], values, options.get("label", ""))
            else:
                options = row[-1] if isinstance(row[-1], dict) else {}
                plain = row[:-1] if options else row
                namespace, name, *pairs = plain
                dims = dict(zip(pairs[::2], pairs[1::2], strict=True))
                source = self._source(options)
                raw = source.series(namespace, name, dims) if source else None
                stat = options.get("stat", properties.get("stat", self.stat))
                period = options.get("period", properties.get("period", self.period))
                result = _bin(raw if raw is not None else np.full(MINUTES, np.nan), period, stat)
            key = options.get("id", f"row{index}")
            values[key] = result
            if options.get("visible", True):
                if isinstance(result, list):
                    visible += result
                else:
                    visible.append((options.get("label") or key, result))
        return visible

    def _search(self, match: re.Match[str]) -> Series:
        namespace, *schema = [p.strip() for p in match["schema"].split(",")]
        terms = dict(re.findall(r'(\w+)="([^"]*)"', match["terms"]))
        name = terms.pop("MetricName")
        out: Series = []
        sources = (
            list(self.source.by_id.values()) if isinstance(self.source, OrganizationSample) else [self.source]
        )
        for source in sources:
            for dims in source.search(namespace, name, schema, terms):
                raw = source.series(namespace, name, dims)
                if raw is not None:
                    out.append((json.dumps(dims), _bin(raw, int(match["period"]), match["stat"])))
        return out

    def _expression(self, expression: str, values: dict[str, Any], label: str) -> Any:
        searches: dict[str, Series] = {}

        def replace(match: re.Match[str]) -> str:
            name = f"_search{len(searches)}"
            searches[name] = self._search(match)
            return name

        tree = ast.parse(SEARCH_RE.sub(replace, expression), mode="eval")
        result = self._eval(tree.body, {**values, **searches})
        if isinstance(result, list):
            return [(_label(label, json.loads(key)), series) for key, series in result]
        return result

    def _eval(self, node: ast.AST, names: dict[str, Any]) -> Any:
        if isinstance(node, ast.Constant):
            return float(node.value) if isinstance(node.value, int | float) else node.value
        if isinstance(node, ast.Name):
            return names[node.id]
        if isinstance(node, ast.BinOp):
            left, right = self._eval(node.left, names), self._eval(node.right, names)
            ops = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
            op = ops[type(node.op)]
            with np.errstate(all="ignore"):
                if isinstance(left, list):
                    return [(k, op(v, right)) for k, v in left]
                if isinstance(right, list):
                    return [(k, op(left, v)) for k, v in right]
                return op(left, right)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [self._eval(a, names) for a in node.args]
            if node.func.id == "SUM":
                series = args[0]
                if isinstance(series, list):
                    return np.nansum([v for _k, v in series], axis=0) if series else np.full(MINUTES, np.nan)
                return series
            if node.func.id == "FILL":
                if isinstance(args[0], list):
                    return [(k, np.nan_to_num(v, nan=args[1])) for k, v in args[0]]
                return np.nan_to_num(args[0], nan=args[1])
        raise ValueError(f"preview cannot evaluate {ast.dump(node)}")


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


def _draw_metric(ax: Axes, widget: dict[str, Any], evaluator: Evaluator) -> None:
    props = widget["properties"]
    series = evaluator.widget(props)
    view = props.get("view", "timeSeries")
    if view == "singleValue":
        value = np.nan
        if series:
            values = series[0][1]
            if props.get("setPeriodToTimeRange"):
                value = (
                    float(np.nansum(values))
                    if props.get("stat", "Sum") == "Sum"
                    else float(np.nanmax(values))
                )
            else:
                finite = values[~np.isnan(values)]
                value = float(finite[-1]) if finite.size else np.nan
        ax.text(0.5, 0.42, _fmt(value), fontsize=24, ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    if view == "gauge":
        finite = series[0][1][~np.isnan(series[0][1])] if series else np.array([])
        value = float(finite[-1]) if finite.size else 0.0
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
    if view == "pie":
        totals = [(label, float(np.nansum(values))) for label, values in series]
        totals = [t for t in totals if t[1] > 0]
        if totals:
            total = sum(v for _l, v in totals)
            ax.pie(
                [v for _l, v in totals],
                colors=COLORS[: len(totals)],
                startangle=90,
                wedgeprops={"linewidth": 1, "edgecolor": "white"},
            )
            ax.legend(
                [f"{_short(name)} {100 * v / total:.0f}%" for name, v in totals],
                loc="center left",
                bbox_to_anchor=(1.0, 0.5),
                fontsize=7.5,
                frameon=False,
            )
        ax.set_aspect("equal")
        return
    period = props.get("period", 300)
    hours = np.arange(MINUTES // max(1, period // 60)) * period / 3600
    if view == "bar":
        labels = [_short(name) for name, _v in series]
        ax.barh(labels, [float(np.nansum(v)) for _l, v in series], color=COLORS[: len(series)])
        ax.tick_params(labelsize=7.5)
        ax.invert_yaxis()
        return
    if props.get("stacked") and series:
        ax.stackplot(
            hours[: len(series[0][1])],
            *[np.nan_to_num(v) for _l, v in series],
            labels=[_short(name) for name, _v in series],
            colors=COLORS[: len(series)],
            alpha=0.85,
        )
    else:
        for index, (label, values) in enumerate(series):
            ax.plot(
                hours[: len(values)], values, label=_short(label), color=COLORS[index % 20], linewidth=1.2
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
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 6 if widget["width"] < 12 else 3))
    ax.set_xticklabels(
        [f"-{24 - h}h" if h < 24 else "now" for h in range(0, 25, 6 if widget["width"] < 12 else 3)]
    )
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


def _draw_alarms(ax: Axes, widget: dict[str, Any], prefix: str) -> None:
    alarms = [alarm_name_of(a).removeprefix(prefix) for a in widget["properties"]["alarms"]]
    columns = max(1, widget["width"] // 6)
    rows = -(-len(alarms) // columns)
    for index, name in enumerate(alarms):
        col, row = index % columns, index // columns
        y = 1 - (row + 1) / max(rows, 1)
        ax.add_patch(
            Rectangle(
                (col / columns + 0.005, y + 0.01),
                1 / columns - 0.01,
                1 / max(rows, 1) - 0.02,
                color="#e8f5e9",
                transform=ax.transAxes,
            )
        )
        ax.text(
            col / columns + 0.01,
            y + 0.5 / max(rows, 1),
            f"OK  {_short(name)}",
            fontsize=7.5,
            va="center",
            transform=ax.transAxes,
            color="#1b5e20",
        )
    ax.set_axis_off()


def _draw_log(ax: Axes, widget: dict[str, Any], source: SampleTraffic) -> None:
    rows = sorted(source.callers, key=lambda r: -(r[2] + r[3]))[:8]
    header = (
        "caller (identity.arn)",
        "feature",
        "total_tokens",
        "input_tokens",
        "output_tokens",
        "invocations",
    )
    cells = [
        [_short(r[0][-48:]), r[1], f"{r[2] + r[3]:,}", f"{r[2]:,}", f"{r[3]:,}", f"{r[4]:,}"] for r in rows
    ]
    table = ax.table(
        cellText=cells,
        colLabels=header,
        loc="upper center",
        cellLoc="left",
        colWidths=[0.38, 0.14, 0.12, 0.12, 0.12, 0.12],
    )
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.scale(1, 1.25)
    ax.set_axis_off()


def render(
    dashboard: Dashboard, source: SampleTraffic | OrganizationSample, out: Path, prefix: str = ""
) -> Path:
    widgets = dashboard.body["widgets"]
    rows = max(w["y"] + w["height"] for w in widgets)
    banner = 0.9
    fig_w, fig_h = 24 * COL_INCH, rows * ROW_INCH + banner
    fig = plt.figure(figsize=(fig_w, fig_h), dpi=80)
    fig.text(0.005, 1 - 0.35 / fig_h, f"{dashboard.name}", fontsize=16, weight="bold", va="top")
    fig.text(
        0.995,
        1 - 0.35 / fig_h,
        "PREVIEW · SAMPLE TRAFFIC (seeded, not real data) · `make preview`",
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
            _draw_alarms(ax, widget, prefix)
        elif kind == "log":
            assert isinstance(source, SampleTraffic)
            _draw_log(ax, widget, source)
        else:
            evaluator = Evaluator(
                source, widget["properties"].get("period", 300), widget["properties"].get("stat", "Sum")
            )
            _draw_metric(ax, widget, evaluator)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
    return out


def example_dashboards(
    config: GuardrailsConfig,
) -> list[tuple[Dashboard, SampleTraffic | OrganizationSample, str]]:
    """Every dashboard the stacks deploy for `config`, with alarm names from core.alarm_definitions."""
    result: list[tuple[Dashboard, SampleTraffic | OrganizationSample, str]] = []
    for account in config.accounts:
        traffic = SampleTraffic(account)
        alarm_set = build_alarm_set(config, account)
        alarms, by_feature = alarm_set.names(), alarm_set.names_by_feature()
        log_group = account.invocation_logging.log_group_name or DEFAULT_LOG_GROUP
        prefix = f"GenAiGuardrails-{account.name}-"
        for dashboard in build_account_dashboards(account, alarms=alarms, log_group_name=log_group):
            result.append((dashboard, traffic, prefix))
        for application in account.applications:
            for dashboard in build_application_dashboards(
                account, application, alarms=alarms, feature_alarms=by_feature or None
            ):
                result.append((dashboard, traffic, prefix))
    organization = OrganizationSample(config)
    result += [(d, organization, "") for d in build_organization_dashboards(config)]
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "example.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboards")
    args = parser.parse_args(argv)
    config = load_config(args.config)
    for dashboard, source, prefix in example_dashboards(config):
        path = render(dashboard, source, args.out / f"{dashboard.name}.png", prefix)
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
