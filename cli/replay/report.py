"""Self-contained HTML report of a replay: inline SVG charts (no image files, no library), readable with
many features.

* Overview: every feature's cost per hour stacked, in 20 distinct colours (Kelly's colours of maximum
  contrast, then the same colours dashed), the total on top; hovering a legend row highlights its feature.
* One panel per feature, largest cost first: its cost per hour (15-minute buckets) with its hourly limit
  (dashed red) and its daily budget as an hourly rate (dotted orange); injected drifts shaded; the pages it
  sent as markers in a lane above, markers closer than MERGE_PX merged into one with a count.
* Tables: pages and other notifications in time order, drifts, cost by feature and model with totals.

The page's script only highlights and marks itself ready (`data-report="ready"` on <body>); errors are
recorded in `data-report-errors` (tests/unit/replay/test_report_chromium.py loads it in Chromium).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli.replay.metering import MINUTE_MS
from cli.replay.runner import Message, ReplayResult, drift_outcomes, iso

BUCKET_MINUTES = 15
# Kelly (1965), 22 colours of maximum contrast, white and black left out.
PALETTE = (
    "#F3C300",
    "#875692",
    "#F38400",
    "#A1CAF1",
    "#BE0032",
    "#C2B280",
    "#848482",
    "#008856",
    "#E68FAC",
    "#0067A5",
    "#F99379",
    "#604E97",
    "#F6A600",
    "#B3446C",
    "#DCD300",
    "#882D17",
    "#8DB600",
    "#654522",
    "#E25822",
    "#2B3D26",
)
WIDTH = 1100
LEFT = 70
RIGHT = 20
OVERVIEW_HEIGHT = 280
PANEL_HEIGHT = 70
LANE_HEIGHT = 16
MERGE_PX = 8
esc = html.escape


def colour(index: int) -> tuple[str, str]:
    """(colour, dash pattern): the palette, then again dashed, then dotted."""
    dash = ("", "6 3", "2 2")[min(index // len(PALETTE), 2)]
    return PALETTE[index % len(PALETTE)], dash


def _buckets(per_minute: Mapping[int, float], start_ms: int, n: int) -> list[float]:
    """USD per hour in BUCKET_MINUTES buckets of the timeline."""
    out = [0.0] * n
    bucket_ms = BUCKET_MINUTES * MINUTE_MS
    for minute, cost in per_minute.items():
        i = (minute - start_ms) // bucket_ms
        if 0 <= i < n:
            out[i] += cost * 60 / BUCKET_MINUTES
    return out


def _x(ms: int, start_ms: int, span_ms: int) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * (ms - start_ms) / max(span_ms, 1)


def _axis(start_ms: int, span_ms: int, top: float, height: float) -> str:
    """Day ticks and labels along the bottom of a chart."""
    parts = []
    day_ms = 86_400_000
    first = (start_ms // day_ms + 1) * day_ms
    for t in range(first, start_ms + span_ms, day_ms):
        x = _x(t, start_ms, span_ms)
        label = datetime.fromtimestamp(t / 1000, UTC).strftime("%a %d %b")
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + height}" class="grid"/>'
            f'<text x="{x + 3:.1f}" y="{top + height + 12}" class="tick">{label}</text>'
        )
    return "".join(parts)


def _money(value: float) -> str:
    return f"${value:,.0f}" if value >= 100 else f"${value:,.2f}"


def overview(
    result: ReplayResult,
    features: Sequence[str],
    series: Mapping[str, list[float]],
    colours: Mapping[str, int],
) -> str:
    n = len(next(iter(series.values()), []))
    span = result.minutes * MINUTE_MS
    top, height = 10, OVERVIEW_HEIGHT - 40
    totals = [sum(series[f][i] for f in features) for i in range(n)]
    peak = max(totals, default=0.0) or 1.0
    step = span / max(n, 1)

    def y(v: float) -> float:
        return top + height - height * v / (peak * 1.08)

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {OVERVIEW_HEIGHT}" role="img" aria-label="cost per hour">'
    ]
    parts.append(_axis(result.start_ms, span, top, height))
    for frac in (0.25, 0.5, 0.75, 1.0):
        v = peak * frac
        parts.append(
            f'<line x1="{LEFT}" y1="{y(v):.1f}" x2="{WIDTH - RIGHT}" y2="{y(v):.1f}" class="grid"/>'
            f'<text x="{LEFT - 4}" y="{y(v) + 4:.1f}" class="tick" text-anchor="end">{_money(v)}/h</text>'
        )
    below = [0.0] * n
    for f in features:  # stacked, largest first at the bottom
        upper = [below[i] + series[f][i] for i in range(n)]
        xs = [_x(int(result.start_ms + (i + 0.5) * step), result.start_ms, span) for i in range(n)]
        path = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in zip(xs, upper, strict=True))
        back = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in zip(reversed(xs), reversed(below), strict=True))
        c, dash = colour(colours[f])
        parts.append(
            f'<polygon data-feature="{esc(f)}" points="{path} {back}" fill="{c}" fill-opacity="0.75" '
            f'stroke="{c}" stroke-dasharray="{dash}"><title>{esc(f)}</title></polygon>'
        )
        below = upper
    xs = [_x(int(result.start_ms + (i + 0.5) * step), result.start_ms, span) for i in range(n)]
    line = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in zip(xs, totals, strict=True))
    parts.append(f'<polyline points="{line}" class="total"><title>total</title></polyline>')
    parts.append("</svg>")
    return "".join(parts)


def _markers(pages: Sequence[Message], start_ms: int, span: int, top: float) -> str:
    """Page markers in a lane; markers closer than MERGE_PX merge into one with a count."""
    groups: list[list[Message]] = []
    last_x = -1e9
    for p in sorted(pages, key=lambda m: m.minute_ms):
        x = _x(p.minute_ms + MINUTE_MS, start_ms, span)
        if groups and x - last_x < MERGE_PX:
            groups[-1].append(p)
        else:
            groups.append([p])
            last_x = x
    parts = []
    for group in groups:
        x = _x(group[0].minute_ms + MINUTE_MS, start_ms, span)
        tip = "&#10;".join(
            f"{iso(p.minute_ms + MINUTE_MS)} {esc(p.reason)}: {esc(', '.join(p.causes))}" for p in group
        )
        y0 = top + 2
        parts.append(
            f'<g class="page"><polygon points="{x - 5:.1f},{y0:.1f} {x + 5:.1f},{y0:.1f} '
            f'{x:.1f},{y0 + 10:.1f}"/>'
            + (
                f'<text x="{x + 7:.1f}" y="{y0 + 9:.1f}" class="count">x{len(group)}</text>'
                if len(group) > 1
                else ""
            )
            + f"<title>{tip}</title></g>"
        )
    return "".join(parts)


def panel(
    result: ReplayResult,
    feature: str,
    values: list[float],
    index: int,
    limits: Mapping[str, tuple[float, float]],
    pages: Sequence[Message],
    drifts: Sequence[tuple[int, int, str]],
) -> str:
    span = result.minutes * MINUTE_MS
    n = len(values)
    step = span / max(n, 1)
    hourly, daily = limits.get(feature, (0.0, 0.0))
    peak = max([*values, hourly, daily / 24, 1e-9])
    top, height = LANE_HEIGHT, PANEL_HEIGHT - 16
    total_h = LANE_HEIGHT + PANEL_HEIGHT

    def y(v: float) -> float:
        return top + height - height * v / (peak * 1.1)

    c, dash = colour(index)
    parts = [f'<svg class="panel" viewBox="0 0 {WIDTH} {total_h}" data-feature="{esc(feature)}">']
    for begin, end, kind in drifts:
        x0, x1 = _x(begin, result.start_ms, span), _x(end, result.start_ms, span)
        parts.append(
            f'<rect x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 1):.1f}" height="{height}" class="drift">'
            f"<title>injected {esc(kind)}</title></rect>"
        )
    parts.append(_axis(result.start_ms, span, top, height).replace('class="tick"', 'class="tick small"'))
    xs = [_x(int(result.start_ms + (i + 0.5) * step), result.start_ms, span) for i in range(n)]
    line = " ".join(f"{x:.1f},{y(v):.1f}" for x, v in zip(xs, values, strict=True))
    parts.append(
        f'<polyline points="{line}" fill="none" stroke="{c}" stroke-width="1.3" stroke-dasharray="{dash}"/>'
    )
    if hourly:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(hourly):.1f}" x2="{WIDTH - RIGHT}" y2="{y(hourly):.1f}" class="limit">'
            f"<title>hourly limit {_money(hourly)}</title></line>"
            f'<text x="{LEFT - 4}" y="{y(hourly) + 4:.1f}" class="tick limit-label" text-anchor="end">'
            f"{_money(hourly)}/h</text>"
        )
    if daily:
        parts.append(
            f'<line x1="{LEFT}" y1="{y(daily / 24):.1f}" x2="{WIDTH - RIGHT}" y2="{y(daily / 24):.1f}" '
            f'class="budget"><title>daily budget {_money(daily)} (as an hourly rate)</title></line>'
        )
    parts.append(f'<text x="{LEFT}" y="11" class="name">{esc(feature)}</text>')
    parts.append(_markers(pages, result.start_ms, span, 0))
    parts.append("</svg>")
    return "".join(parts)


SCRIPT = """
window.onerror = function (message) {
  var errors = document.body.getAttribute('data-report-errors') || '';
  document.body.setAttribute('data-report-errors', errors + message + '; ');
};
document.querySelectorAll('tr[data-feature]').forEach(function (row) {
  var name = row.getAttribute('data-feature');
  row.addEventListener('mouseenter', function () {
    document.querySelectorAll('[data-feature]').forEach(function (el) {
      if (el.tagName.toLowerCase() !== 'tr') {
        el.classList.toggle('dim', el.getAttribute('data-feature') !== name);
      }
    });
  });
  row.addEventListener('mouseleave', function () {
    document.querySelectorAll('.dim').forEach(function (el) { el.classList.remove('dim'); });
  });
});
document.body.setAttribute('data-report', 'ready');
"""

STYLE = """
body{font-family:sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;font-size:12px;margin-bottom:1.5em}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
td.num,th.num{text-align:right}
svg.chart,svg.panel{width:100%;max-width:1100px;display:block}
.grid{stroke:#e4e4e4}.tick{font-size:10px;fill:#555}.tick.small{font-size:8px}
.total{fill:none;stroke:#111;stroke-width:1.5}
.limit{stroke:#c00;stroke-dasharray:6 4}.budget{stroke:#e69500;stroke-dasharray:2 3}
.limit-label{fill:#c00}.name{font-size:11px;font-weight:bold}
.drift{fill:#f6e3a0;fill-opacity:0.6}.page polygon{fill:#c00}.count{font-size:9px;fill:#c00}
.dim{opacity:0.15}.swatch{display:inline-block;width:18px;height:10px;margin-right:4px}
"""


def write_report(result: ReplayResult, directory: Path, plan: Mapping[str, Any] | None = None) -> Path:
    """`plan`: simulate's sidecar (its drifts are shaded and tabled)."""
    directory.mkdir(parents=True, exist_ok=True)
    per_minute = result.store.feature_cost_per_minute()
    totals = result.store.feature_totals()
    cost_of = {f: float(t.cost_usd) for (_a, f), t in totals.items()}
    features = sorted(per_minute, key=lambda f: -cost_of.get(f, 0.0))
    colours = {f: i for i, f in enumerate(features)}
    n = max(1, -(-result.minutes // BUCKET_MINUTES))
    series = {f: _buckets(per_minute[f], result.start_ms, n) for f in features}
    limits = {
        feature.name: (float(feature.hourly_limit_usd), float(feature.daily_budget_usd))
        for feature in result.account_features
    }
    pages_by_feature: dict[str, list[Message]] = {}
    for p in result.pages:
        pages_by_feature.setdefault(p.feature or "account", []).append(p)
    outcomes = drift_outcomes(result, dict(plan)) if plan else []
    drifts_by_feature: dict[str, list[tuple[int, int, str]]] = {}
    for o in outcomes:
        duration = (
            next(d["duration_minutes"] for d in plan["drifts"] if d["feature"] == o.feature) if plan else 0
        )
        drifts_by_feature.setdefault(o.feature, []).append(
            (o.start_ms, o.start_ms + duration * MINUTE_MS, o.kind)
        )
    legend = "".join(
        f'<tr data-feature="{esc(f)}"><td><span class="swatch" '
        f'style="background:{colour(colours[f])[0]}"></span>'
        f"{esc(f)}</td><td class=num>{_money(cost_of.get(f, 0.0))}</td>"
        f"<td class=num>{len(pages_by_feature.get(f, []))}</td></tr>"
        for f in features
    )
    total_cost = sum(cost_of.values())
    legend += (
        f"<tr><th>total ({len(features)} features)</th><th class=num>{_money(total_cost)}</th>"
        f"<th class=num>{len(result.pages)}</th></tr>"
    )
    panels = "".join(
        panel(
            result,
            f,
            series[f],
            colours[f],
            limits,
            pages_by_feature.get(f, []),
            drifts_by_feature.get(f, []),
        )
        for f in features
    )
    account_pages = pages_by_feature.get("account", [])
    rows = (
        "".join(
            f"<tr><td>{iso(m.minute_ms + MINUTE_MS)}</td><td>{esc(m.feature or 'account')}</td>"
            f"<td>{esc(m.kind)}</td><td>{esc(m.reason)}</td><td>{esc(m.summary)}</td></tr>"
            for m in result.messages
        )
        or "<tr><td colspan=5>none</td></tr>"
    )
    drift_rows = "".join(
        f"<tr><td>{esc(o.kind)}</td><td>{esc(o.feature)}</td><td>{iso(o.start_ms)}</td>"
        f"<td class=num>{'-' if o.detected_after_minutes is None else o.detected_after_minutes}</td>"
        f"<td>{esc(', '.join(o.page.causes) if o.page else 'not detected')}</td>"
        f"<td class=num>{len(o.pages)}</td>"
        f"<td>{esc(o.page.driver or '') if o.page else ''}</td></tr>"
        for o in outcomes
    )
    drift_html = (
        "<h2>Injected drifts</h2><table><tr><th>drift</th><th>feature</th><th>start (UTC)</th>"
        "<th class=num>minutes to page</th><th>causes paged</th><th class=num>pages</th>"
        "<th>first driver</th></tr>"
        f"{drift_rows}</table>"
        if outcomes
        else ""
    )
    cost_rows = "".join(
        f"<tr><td>{esc(app)}</td><td>{esc(feature)}</td><td>{esc(model)}</td>"
        f"<td class=num>{t.invocations:,}</td>"
        f"<td class=num>{t.input_tokens:,}</td><td class=num>{t.output_tokens:,}</td>"
        f"<td class=num>${t.cost_usd:,.2f}</td><td class=num>{t.unpriced:,}</td></tr>"
        for (app, feature, model), t in sorted(result.store.totals.items())
    )
    all_inv = sum(t.invocations for t in result.store.totals.values())
    all_cost = sum((t.cost_usd for t in result.store.totals.values()), Decimal(0))
    cost_rows += (
        f"<tr><th colspan=3>total</th><th class=num>{all_inv:,}</th><th></th><th></th>"
        f"<th class=num>${all_cost:,.2f}</th><th></th></tr>"
    )
    others = len(result.messages) - len(result.pages)
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>GenAI Cost Guardrails: replay</title>
<style>{STYLE}</style></head><body>
<h1>Replay: {iso(result.start_ms)} UTC + {result.minutes:,} minutes</h1>
<p>{result.store.records:,} records metered with the metering Lambda's code, {esc(result.prices)}; CloudWatch
alarms from the definitions the account stack deploys, pages from the detector Lambda's code; metrics
as CloudWatch showed them at each minute (EMF lands 1 to 3 minutes late). {len(result.pages)} pages
({len(account_pages)} from account alarms), {others} other notifications.</p>
<h2>Cost per hour, all features</h2>
{overview(result, features, series, colours)}
<table><tr><th>feature (hover to highlight)</th><th class=num>cost</th><th class=num>pages</th></tr>
{legend}</table>
<h2>Per feature</h2>
<p>Cost per hour ({BUCKET_MINUTES}-minute buckets); <span style="color:#c00">dashed red: hourly
limit</span>; <span style="color:#e69500">dotted orange: daily budget / 24</span>; shaded: injected drift;
red markers: pages (hover for times; nearby pages merge, with their count).</p>
{panels}
{drift_html}
<h2>What the topic received, in time order</h2>
<table><tr><th>at (UTC)</th><th>feature</th><th>kind</th><th>reason</th><th>summary</th></tr>{rows}</table>
<h2>Cost by application, feature and model</h2>
<table><tr><th>application</th><th>feature</th><th>model</th><th class=num>requests</th>
<th class=num>input tokens</th><th class=num>output tokens</th><th class=num>cost</th>
<th class=num>unpriced</th></tr>{cost_rows}</table>
<script>{SCRIPT}</script>
</body></html>
"""
    path = directory / "replay.html"
    path.write_text(page, encoding="utf-8")
    return path
