"""Self-contained HTML report: cost per feature over time with alarm markers (PNG charts as base64)."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cli.replay.runner import ReplayResult, iso

BUCKET_MINUTES = 15


def _chart(result: ReplayResult) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    per_feature = result.store.feature_cost_per_minute()
    fig, ax = plt.subplots(figsize=(12, 5), dpi=90)
    bucket_ms = BUCKET_MINUTES * 60_000
    colors: dict[str, Any] = {}
    for feature in sorted(per_feature):
        buckets: dict[int, float] = {}
        for minute, cost in per_feature[feature].items():
            key = minute - (minute - result.start_ms) % bucket_ms
            buckets[key] = buckets.get(key, 0.0) + cost
        xs = sorted(buckets)
        when_x: Any = [datetime.fromtimestamp(x / 1000, UTC) for x in xs]
        (line,) = ax.plot(
            when_x,
            [buckets[x] * 60 / BUCKET_MINUTES for x in xs],
            label=feature,
            linewidth=1,
        )
        colors[feature] = line.get_color()
    for b in result.breaches:
        when: Any = datetime.fromtimestamp((b.minute_ms + 60_000) / 1000, UTC)
        ax.axvline(
            when,
            color=colors.get(b.feature or "", "red"),
            linestyle="--",
            linewidth=0.8,
            alpha=0.8,
        )
        ax.annotate(
            b.alarm.rsplit("-", 1)[-1],
            (when, ax.get_ylim()[1] * 0.95),
            rotation=90,
            fontsize=7,
            va="top",
            ha="right",
            color=colors.get(b.feature or "", "red"),
        )
    ax.set_ylabel(f"cost rate, USD per hour ({BUCKET_MINUTES}-min buckets)")
    ax.set_title("Cost per feature, with the alarms that would have fired")
    ax.legend(fontsize=8, loc="upper left")
    fig.autofmt_xdate()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def write_report(result: ReplayResult, directory: Path, drifts: Mapping[str, Any] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(app)}</td><td>{esc(feature)}</td><td>{esc(model)}</td><td>{t.invocations:,}</td>"
        f"<td>{t.input_tokens:,}</td><td>{t.output_tokens:,}</td><td>${t.cost_usd:,.2f}</td><td>{t.unpriced:,}</td></tr>"
        for (app, feature, model), t in sorted(result.store.totals.items())
    )
    alarms = (
        "".join(
            f"<tr><td>{iso(b.minute_ms + 60_000)}</td><td>{esc(b.alarm)}</td>"
            f"<td>{'' if b.value is None else f'{b.value:,.2f}'}</td>"
            f"<td>{'' if b.threshold is None else f'{b.threshold:,.2f}'}</td>"
            f"<td>{esc(b.explanation)}</td></tr>"
            for b in result.breaches
        )
        or "<tr><td colspan=5>none</td></tr>"
    )
    drift_html = ""
    if drifts:
        items = "".join(
            f"<li>{esc(d['kind'])} on {esc(d['feature'])} at {esc(d['start'])}: "
            + (
                f"detected after {d['detected_after_minutes']} min by {esc(d.get('alarm', ''))}"
                if d.get("detected_after_minutes") is not None
                else "not detected"
            )
            + "</li>"
            for d in drifts.get("drifts", [])
        )
        false = len(drifts.get("false_alarms", []))
        drift_html = f"<h2>Injected drifts</h2><ul>{items}</ul><p>False alarms: {false}</p>"
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>GenAI Cost Guardrails: replay</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse;font-size:13px}}
td,th{{border:1px solid #ccc;padding:3px 6px;text-align:left}}</style></head><body>
<h1>Replay: {iso(result.start_ms)} UTC + {result.minutes:,} minutes</h1>
<p>{result.store.records:,} records metered with the metering Lambda's code, {esc(result.prices)};
alarms from the definitions the account stack deploys.</p>
<img alt="cost per feature over time" src="data:image/png;base64,{_chart(result)}">
{drift_html}
<h2>Alarms that would have fired</h2>
<table><tr><th>at (UTC)</th><th>alarm</th><th>value</th><th>threshold</th><th>explanation</th></tr>
{alarms}</table>
<h2>Cost by application, feature and model</h2>
<table><tr><th>application</th><th>feature</th><th>model</th><th>requests</th><th>input tokens</th>
<th>output tokens</th><th>cost</th><th>unpriced</th></tr>{rows}</table>
</body></html>
"""
    path = directory / "replay.html"
    path.write_text(page, encoding="utf-8")
    return path
