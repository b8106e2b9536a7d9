"""Replay orchestration: meter, evaluate every alarm, explain every breach, print."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from cli.replay.engine import ALARM, Transition, alarm_series, evaluate_alarm, evaluate_composites
from cli.replay.metering import (
    CR,
    CW,
    FAILED,
    INP,
    INV,
    MINUTE_MS,
    OUT,
    THROTTLED,
    MetricStore,
    build_meter,
    meter_messages,
)
from cli.replay.progress import Progress
from cli.replay.readers import input_size, iter_messages
from core.alarm_definitions import build_alarm_set
from core.alarm_model import AccountAlarmSet
from lambdas.pricing.catalog_source import catalog_label


@dataclass
class Breach:
    """A metric alarm that went to ALARM, with the evaluator's explanation of its feature's change."""

    alarm: str
    family: str
    feature: str | None
    minute_ms: int  # the minute whose data completed the breach (the alarm fires at its end)
    value: float | None
    threshold: float | None
    explanation: str = ""
    drivers: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ReplayResult:
    store: MetricStore
    alarms: AccountAlarmSet
    start_ms: int
    minutes: int
    breaches: list[Breach]
    composites: list[Transition]
    skipped: list[str]  # alarms replay cannot evaluate (metrics not in invocation logs)
    prices: str = ""  # the price catalog's as_of and source, as the metering Lambda would label it


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def parse_time(text: str) -> int:
    """ISO 8601 (no zone = UTC) as epoch ms."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


# ---- explanation (the evaluator's own decomposition and wording) ---------------------------------------


def _usage(slot: Sequence[float]) -> Any:
    from lambdas.evaluator.decomposition import Usage

    return Usage(
        invocations=slot[INV],
        failed=slot[FAILED],
        throttled=slot[THROTTLED],
        input_tokens=slot[INP],
        output_tokens=slot[OUT],
        cache_read_tokens=slot[CR],
        cache_write_tokens=slot[CW],
        cost=slot[8],
    )


def _average_window(
    store: MetricStore, feature: str, start_ms: int, end_ms: int, days: int
) -> dict[str, Any]:
    """Per model, the mean usage of the same clock window over the `days` days before (absent days: 0)."""
    from lambdas.evaluator.decomposition import Usage

    total: dict[str, Any] = {}
    for day in range(1, days + 1):
        shift = day * 86_400_000
        for model, slot in store.window(feature, start_ms - shift, end_ms - shift).items():
            total[model] = total.get(model, Usage()) + _usage(slot)
    return {m: Usage(**{f.name: getattr(u, f.name) / days for f in fields(u)}) for m, u in total.items()}


def explain(
    store: MetricStore, feature: str, end_ms: int, window_minutes: int, premium: Sequence[str], region: str
) -> tuple[str, list[dict[str, Any]]]:
    """The evaluator's explanation (LMDI decomposition, drivers, since when) for the window ending at end_ms,
    against the same window a week earlier (a day earlier when the logs do not reach back a week)."""
    from lambdas.evaluator import explain as ev
    from lambdas.evaluator.decomposition import decompose
    from lambdas.evaluator.service import catalog_weights

    start_ms = end_ms - window_minutes * MINUTE_MS
    first = store.first_ms or start_ms
    back_days = 7 if start_ms - 7 * 86_400_000 >= first else 1
    delta = back_days * 86_400_000
    after = {m: _usage(s) for m, s in store.window(feature, start_ms, end_ms).items()}
    # Baseline: the same window averaged over every earlier day the logs reach (up to 7), not one day: a
    # window of a few minutes holds a few dozen calls, and one day's Poisson noise would name "traffic".
    days = max(1, min(7, (start_ms - first) // 86_400_000))
    before = _average_window(store, feature, start_ms, end_ms, days)
    result = decompose(before, after, lambda m: catalog_weights(m, region))
    ranked = ev.drivers(result, before, after, premium)
    since = None
    top = next((d for d in ranked if not d.unchanged), None)
    if top is not None and top.before is not None and top.after is not None and top.factor != "price":
        _, mix = ev.mix_models(before, after, premium)
        bucket = 5 * MINUTE_MS
        buckets = []
        base_buckets = []
        for b in range(start_ms, end_ms, bucket):
            now = {m: _usage(s) for m, s in store.window(feature, b, b + bucket).items()}
            then = {m: _usage(s) for m, s in store.window(feature, b - delta, b + bucket - delta).items()}
            buckets.append((datetime.fromtimestamp(b / 1000, UTC), now))
            base_buckets.append(then)
        since = ev.change_point(top.factor, buckets, base_buckets, top.before, top.after, mix)
    label = f"in the {window_minutes} min to {iso(end_ms)[11:]} UTC"
    base_label = (
        "the same window on the day before" if days == 1 else f"its average over the {days} days before"
    )
    text = ev.summary(feature, result, ranked, label, base_label, since)
    return text, [d.as_dict() for d in ranked]


# ---- replay -------------------------------------------------------------------------------------------


def _window_minutes(family: str, period_s: int, evaluation_periods: int) -> int:
    """Explain the span the alarm itself looked at: a fast alarm fires minutes into a drift, and a longer
    window would be mostly pre-drift minutes, where noise (not the drift) decides the driver."""
    if family == "DailyBurn":
        return 1440
    return max(5, min(60, period_s * evaluation_periods // 60))


def evaluate(
    store: MetricStore,
    alarm_set: AccountAlarmSet,
    start_ms: int,
    minutes: int,
    premium: Sequence[str] = (),
    region: str = "us-east-1",
    explain_breaches: bool = True,
) -> ReplayResult:
    states: dict[str, list[str]] = {}
    breaches: list[Breach] = []
    skipped: list[str] = []
    for alarm in alarm_set.alarms:
        if not alarm.replayable:
            skipped.append(alarm.name)
            continue
        series = alarm_series(alarm, lambda q: store.series(q, start_ms, minutes), minutes, start_ms)
        alarm_states, transitions = evaluate_alarm(alarm, series)
        states[alarm.name] = alarm_states
        for t in transitions:
            if t.state != ALARM:
                continue
            minute_ms = start_ms + t.minute * MINUTE_MS
            breach = Breach(alarm.name, alarm.kind, alarm.feature, minute_ms, t.value, t.threshold)
            if explain_breaches and alarm.feature is not None:
                window = _window_minutes(alarm.kind, alarm.period, alarm.evaluation_periods)
                breach.explanation, breach.drivers = explain(
                    store, alarm.feature, minute_ms + MINUTE_MS, window, premium, region
                )
            breaches.append(breach)
    composites = evaluate_composites(alarm_set.composites, states, minutes)
    breaches.sort(key=lambda b: (b.minute_ms, b.alarm))
    return ReplayResult(store, alarm_set, start_ms, minutes, breaches, composites, skipped)


ENGINES = ("duckdb", "python")


def meter_logs(
    meter: Any,
    paths: Sequence[str | Path],
    since_ms: int | None,
    until_ms: int | None,
    engine: str,
    bar: Progress,
    log: TextIO,
) -> MetricStore:
    """The per-minute metric store of ``paths``: DuckDB runs the SQL aggregation (``analytics.sql``) and
    the Lambda's code prices and folds its rows; ``python`` feeds every line to the Lambda's Meter."""
    if engine == "duckdb":
        from analytics.sql import UnsupportedRule
        from cli.replay import duckdb_source

        try:
            return duckdb_source.run(meter, paths, since_ms, until_ms, bar=bar, log=log).store
        except UnsupportedRule as exc:
            print(f"note: {exc}; metering with --engine python instead", file=log)
    elif engine != "python":
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if any(str(p).startswith("s3://") for p in paths):
        raise FileNotFoundError("s3:// input needs the DuckDB engine (--engine duckdb)")
    bar.total = max(1, input_size(paths))
    return meter_messages(meter, iter_messages(paths, bar.advance), since_ms, until_ms, bar.count_records)


def replay(
    config: Any,
    account: Any,
    paths: Iterable[str | Path],
    since_ms: int | None = None,
    until_ms: int | None = None,
    progress: bool = True,
    explain_breaches: bool = True,
    stream: TextIO | None = None,
    engine: str = "duckdb",
    athena: Any = None,
) -> ReplayResult:
    """Meter the logs (local paths or s3:// with ``engine``; Athena when ``athena`` is an
    ``athena_source.AthenaTarget``), evaluate every alarm of the account, explain every breach."""
    paths = list(paths)
    meter = build_meter(config, account)
    log = stream or sys.stderr
    bar = Progress(100, stream=log, enabled=progress)
    if athena is not None:
        from cli.replay import athena_source

        store = athena_source.run(meter, athena, since_ms, until_ms, log=log).store
    else:
        store = meter_logs(meter, paths, since_ms, until_ms, engine, bar, log)
    bar.close()
    start = since_ms if since_ms is not None else (store.first_ms or 0)
    end = until_ms if until_ms is not None else ((store.last_ms or start) + MINUTE_MS)
    minutes = max(1, (end - start) // MINUTE_MS)
    alarm_set = build_alarm_set(config, account)
    result = evaluate(
        store,
        alarm_set,
        start,
        minutes,
        list(account.pricing.premium_models),
        account.region,
        explain_breaches,
    )
    result.prices = catalog_label(meter.catalog)
    return result


# ---- printing -----------------------------------------------------------------------------------------


def _money(value: Decimal) -> str:
    return f"${value:,.2f}"


def print_cost_table(result: ReplayResult, out: TextIO) -> None:
    store = result.store
    rows = sorted(store.totals.items(), key=lambda kv: (kv[0][0], kv[0][1], -kv[1].cost_usd))
    total_cost = sum((t.cost_usd for t in store.totals.values()), Decimal(0))
    total_inv = sum(t.invocations for t in store.totals.values())
    head = (
        f"{'application':<18} {'feature':<16} {'model':<44} {'requests':>10} {'in tokens':>13} "
        f"{'out tokens':>12} {'cost':>12} {'unpriced':>8}"
    )
    if result.prices:
        print(f"costs priced with {result.prices}", file=out)
    print(head, file=out)
    print("-" * len(head), file=out)
    for (app, feature, model), t in rows:
        print(
            f"{app:<18} {feature:<16} {model[:44]:<44} {t.invocations:>10,} {t.input_tokens:>13,} "
            f"{t.output_tokens:>12,} {_money(t.cost_usd):>12} {t.unpriced:>8,}",
            file=out,
        )
    print("-" * len(head), file=out)
    for (app, feature), t in sorted(store.feature_totals().items()):
        print(
            f"{app:<18} {feature:<16} {'(all models)':<44} {t.invocations:>10,} {t.input_tokens:>13,} "
            f"{t.output_tokens:>12,} {_money(t.cost_usd):>12} {t.unpriced:>8,}",
            file=out,
        )
    unattributed = sum(
        (t.cost_usd for (app, _f, _m), t in store.totals.items() if app == "unattributed"), Decimal(0)
    )
    unpriced = sum(t.unpriced for t in store.totals.values())
    share = (unattributed / total_cost * 100) if total_cost else Decimal(0)
    print(
        f"total: {store.records:,} records, {total_inv:,} invocations, {_money(total_cost)}; unattributed "
        f"{share:.1f}% of cost; unpriced {unpriced:,} invocations "
        f"({(100 * unpriced / total_inv) if total_inv else 0:.2f}%); malformed {store.malformed_total:,}",
        file=out,
    )
    for reason, count in sorted(store.unpriced_reasons.items(), key=lambda kv: -kv[1])[:5]:
        print(f"  unpriced: {count:,} x {reason}", file=out)


def print_timeline(result: ReplayResult, out: TextIO) -> None:
    print("\nalarms that would have fired (the alarm definitions the account stack deploys):", file=out)
    if not result.breaches:
        print("  none", file=out)
    for b in result.breaches:
        value = "-" if b.value is None else f"{b.value:,.2f}"
        threshold = "-" if b.threshold is None else f"{b.threshold:,.2f}"
        print(f"  {iso(b.minute_ms + MINUTE_MS)}  {b.alarm}  value {value} > {threshold}", file=out)
        if b.explanation:
            print(f"      {b.explanation}", file=out)
    pages = [t for t in result.composites if t.state == ALARM]
    print(f"\npages (composite alarms to ALARM): {len(pages)}", file=out)
    for t in pages:
        print(f"  {iso(result.start_ms + (t.minute + 1) * MINUTE_MS)}  {t.alarm}", file=out)
    if result.skipped:
        print(f"\nnot replayable from invocation logs: {', '.join(result.skipped)}", file=out)


def first_breach(result: ReplayResult, feature: str, after_ms: int) -> Breach | None:
    for b in result.breaches:
        if b.feature == feature and b.minute_ms >= after_ms:
            return b
    return None


def start_of(plan: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(plan["start"]).replace("Z", "+00:00"))


def drift_report(result: ReplayResult, plan: dict[str, Any], out: TextIO) -> dict[str, Any]:
    """Minutes from each drift's injection to its feature's first alarm, and false alarms elsewhere."""
    start = start_of(plan)
    drifts = plan.get("drifts", [])
    summary: dict[str, Any] = {"drifts": [], "false_alarms": []}
    explained: list[tuple[str, int, int]] = []
    print("\ndrift detection (simulated minutes from injection to first alarm):", file=out)
    for d in drifts:
        begin = int((start + timedelta(minutes=d["start_minute"])).timestamp() * 1000)
        end = begin + (d["duration_minutes"] + 1440) * MINUTE_MS  # its effects last up to the 24 h window
        explained.append((d["feature"], begin, end))
        hit = first_breach(result, d["feature"], begin)
        if hit is None or hit.minute_ms >= end:
            print(f"  {d['kind']:<14} {d['feature']:<16} NOT DETECTED", file=out)
            summary["drifts"].append({**d, "detected_after_minutes": None})
            continue
        minutes = (hit.minute_ms + MINUTE_MS - begin) // MINUTE_MS
        print(f"  {d['kind']:<14} {d['feature']:<16} {minutes:>4} min  by {hit.alarm}", file=out)
        print(f"      {hit.explanation}", file=out)
        summary["drifts"].append(
            {
                **d,
                "detected_after_minutes": minutes,
                "alarm": hit.alarm,
                "explanation": hit.explanation,
                "top_driver": next((x["factor"] for x in hit.drivers if not x["unchanged"]), None),
            }
        )
    false = [
        b
        for b in result.breaches
        if not any(b.feature == f and lo <= b.minute_ms < hi for f, lo, hi in explained)
    ]
    drift_days = {(lo - int(start.timestamp() * 1000)) // 86_400_000 for _f, lo, _hi in explained}
    days = int(plan.get("days", 0))
    free_days = [d for d in range(days) if d not in drift_days]
    on_free_days = [
        b for b in false if (b.minute_ms - int(start.timestamp() * 1000)) // 86_400_000 in free_days
    ]
    print(
        f"\nfalse alarms: {len(false)} in total, {len(on_free_days)} on the {len(free_days)} drift-free days "
        f"(days {', '.join(str(d) for d in free_days) or '-'})",
        file=out,
    )
    for b in false:
        print(f"  {iso(b.minute_ms + MINUTE_MS)}  {b.alarm}", file=out)
    summary["false_alarms"] = [b.alarm for b in false]
    summary["false_alarms_on_drift_free_days"] = len(on_free_days)
    return summary
