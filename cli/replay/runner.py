"""Replay orchestration: meter, evaluate what the account stack deploys minute by minute, print.

What runs, in the order the account would see it:

* the CloudWatch alarms (core.alarm_definitions, the objects the stack synthesizes) through the engine;
* the detector (lambdas.detector.pages.evaluate_feature, the function the detector Lambda runs) once per
  minute and feature, on what CloudWatch showed at that minute, with the alarm states of the minute before
  (the detector and the alarms run at the same moment, so it reads their previous state);
* the account alarms that notify the topic directly (pages);
* the evaluator's budget notifications (lambdas.evaluator.budget and the evaluator's message) every
  `evaluator.schedule_minutes`.

Every explanation is `lambdas.evaluator.change.explain_change` on the replayed metrics as visible then.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import islice
from pathlib import Path
from typing import Any, TextIO

from cli.replay.engine import ALARM, OK, Transition, alarm_series, evaluate_alarm
from cli.replay.metering import (
    MINUTE_MS,
    MetricStore,
    StoreUsage,
    StoreView,
    build_meter,
    meter_messages,
)
from cli.replay.progress import Progress
from cli.replay.readers import input_size, iter_messages
from core.alarm_definitions import build_alarm_set
from core.alarm_model import AccountAlarmSet
from core.runtime_config import build_runtime_config
from lambdas.detector.detect import Observation
from lambdas.detector.model import SETTLE_MINUTES, DetectorSettings, FeatureState
from lambdas.detector.pages import evaluate_feature
from lambdas.evaluator import budget, change, service
from lambdas.pricing.catalog_source import catalog_label


class ReplayInputError(ValueError):
    """The logs cannot be replayed for this account (nothing valid, or another account's records)."""


@dataclass(frozen=True)
class Message:
    """What the SNS topic would have received. Pages: detector pages and account alarms going to ALARM."""

    minute_ms: int  # the minute evaluated; the message goes out about 40 s after it ends
    kind: str  # "page", "resolved", "alarm", "alarm-ok", "budget"
    feature: str | None
    reason: str  # detector: new | driver | reminder; alarm: its name; budget: the thresholds
    subject: str
    summary: str
    causes: tuple[str, ...] = ()
    driver: str | None = None  # the explanation's first changed factor
    body: str = ""  # the SNS message body the Lambda would publish (detector and evaluator messages)

    @property
    def is_page(self) -> bool:
        return self.kind in ("page", "alarm")


@dataclass
class ReplayResult:
    store: MetricStore
    alarms: AccountAlarmSet
    start_ms: int
    minutes: int
    messages: list[Message]
    transitions: list[Transition]  # CloudWatch alarm state changes
    skipped: list[str]  # alarms replay cannot evaluate (metrics not in invocation logs)
    prices: str = ""  # the price catalog's as_of and source, as the metering Lambda would label it
    account_features: tuple[Any, ...] = ()  # the config's features (limits, budgets)

    @property
    def pages(self) -> list[Message]:
        return [m for m in self.messages if m.is_page]


Observer = Callable[[str, Observation], None]


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def parse_time(text: str) -> int:
    """ISO 8601 (no zone = UTC) as epoch ms."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def _top_driver(body: dict[str, Any]) -> str | None:
    drivers = body.get("explanation", {}).get("drivers", [])
    return next((d["factor"] for d in drivers if not d["unchanged"]), None)


# ---- the detector ---------------------------------------------------------------------------------------


def run_detector(
    store: MetricStore,
    settings: DetectorSettings,
    start_ms: int,
    minutes: int,
    alarm_states: dict[str, list[str]],
    observer: Observer | None = None,
    states: dict[str, FeatureState] | None = None,
) -> list[Message]:
    """The detector Lambda's evaluation, once per minute and feature, on the metrics visible then."""
    import json

    first = start_ms // MINUTE_MS
    out: list[Message] = []
    for feature in settings.features:
        arrays = store.detector_arrays(feature.name, settings.premium_models, start_ms, minutes)
        view = StoreView.build(arrays, first)
        state = FeatureState() if states is None else states.setdefault(feature.name, FeatureState())
        names = {family: alarm_states.get(name) for family, name in feature.alarm_names.items()}
        for i in range(minutes):
            now = first + i
            if now % settings.every_minutes:
                continue  # the detector runs every N minutes (and reads every minute since its last run)
            view.now = now

            in_alarm = {f: s is not None and i > 0 and s[i - 1] == ALARM for f, s in names.items()}
            usage = StoreUsage(store, feature.name, now)
            outcome = evaluate_feature(settings, feature, state, view, now, in_alarm, usage)
            if observer is not None:
                observer(feature.name, outcome.observation)
            if outcome.message is None or outcome.event is None:
                continue
            body = json.loads(outcome.message.body)
            out.append(
                Message(
                    now * MINUTE_MS,
                    "page" if outcome.event.is_page else "resolved",
                    feature.name,
                    outcome.event.reason,
                    outcome.message.subject,
                    outcome.message.summary,
                    outcome.event.new_causes,
                    _top_driver(body),
                    outcome.message.body,
                )
            )
    return out


# ---- budget notifications -------------------------------------------------------------------------------


def run_budgets(store: MetricStore, config: Any, account: Any, start_ms: int, minutes: int) -> list[Message]:
    """The evaluator every `evaluator.schedule_minutes`: month-to-date and forecast per feature, each
    `notify_at` threshold once per month, with its message."""
    import json

    runtime = build_runtime_config(config, account)
    settings = service.Settings.from_runtime_config(
        runtime, topic_arn="", table_name="", region=account.region
    )
    step = account.evaluator.schedule_minutes
    first = start_ms // MINUTE_MS
    notified: set[str] = set()
    out: list[Message] = []
    for minute in range((first // step + 1) * step, first + minutes, step):
        now = datetime.fromtimestamp(minute * 60, UTC)
        history = min(budget.month_start(now), now - timedelta(days=budget.RUN_RATE_DAYS))
        for feature in settings.features:
            costs = store.hourly_cost(feature.name, int(history.timestamp() * 1000), minute * MINUTE_MS)
            status = budget.budget_status(costs, now, feature.monthly_budget_usd)
            period = budget.period_key(now)
            fresh = [
                t
                for t in budget.crossed(status, settings.thresholds)
                if f"{feature.name}#{period}#{t.key}" not in notified
            ]
            if not fresh:
                continue
            notified.update(f"{feature.name}#{period}#{t.key}" for t in fresh)
            lo, hi, label = service.windows(now)
            explanation = change.explain_change(
                StoreUsage(store, feature.name, minute - 1),
                feature.name,
                lo,
                hi,
                premium_models=settings.premium_models,
                weights=lambda model: service.catalog_weights(model, settings.region),
                current_label=label,
            )
            text = service.message(settings, feature, status, fresh, explanation)
            body = json.loads(text)
            out.append(
                Message(
                    (minute - 1) * MINUTE_MS,
                    "budget",
                    feature.name,
                    ", ".join(t.describe() for t in fresh),
                    service.subject(settings, feature, status),
                    f"{body['alert']}. {explanation.summary}",
                    driver=_top_driver(body),
                    body=text,
                )
            )
    return out


# ---- replay -------------------------------------------------------------------------------------------


def evaluate(
    store: MetricStore,
    config: Any,
    account: Any,
    start_ms: int,
    minutes: int,
    observer: Observer | None = None,
) -> ReplayResult:
    alarm_set = build_alarm_set(config, account)
    states: dict[str, list[str]] = {}
    transitions: list[Transition] = []
    skipped: list[str] = []
    messages: list[Message] = []
    for alarm in alarm_set.alarms:
        if not alarm.replayable:
            skipped.append(alarm.name)
            continue
        series = alarm_series(alarm, lambda q: store.series(q, start_ms, minutes), minutes, start_ms)
        alarm_states, changes = evaluate_alarm(alarm, series)
        states[alarm.name] = alarm_states
        transitions.extend(changes)
        if not alarm.notify:
            continue
        for t in changes:
            if t.state not in (ALARM, OK) or (t.state == OK and t.minute == 0):
                continue
            value = "-" if t.value is None else f"{t.value:,.2f}"
            out = "alarm" if t.state == ALARM else "alarm-ok"
            messages.append(
                Message(
                    start_ms + t.minute * MINUTE_MS,
                    out,
                    None,
                    alarm.name,
                    f"{t.state}: {alarm.name}",
                    f"{alarm.kind} {t.state} (value {value}, threshold {t.threshold}): {alarm.description}",
                )
            )
    runtime = build_runtime_config(config, account)
    detector = DetectorSettings.from_runtime(runtime, account.region)
    messages += run_detector(store, detector, start_ms, minutes, states, observer)
    messages += run_budgets(store, config, account, start_ms, minutes)
    order = {"alarm": 0, "page": 1, "alarm-ok": 2, "resolved": 3, "budget": 4}
    messages.sort(key=lambda m: (m.minute_ms, order[m.kind], m.feature or "", m.reason))
    return ReplayResult(
        store,
        alarm_set,
        start_ms,
        minutes,
        messages,
        transitions,
        skipped,
        account_features=tuple(account.features),
    )


def check_input(store: MetricStore, account: Any) -> None:
    """Nothing valid, or records of another account or Region: say what was found, replay nothing."""
    if store.records == 0:
        found = f"{store.messages:,} messages, {store.malformed_total:,} malformed"
        reasons = "; ".join(f"{reason} ({snippet!r})" for reason, snippet in store.malformed_samples[:3])
        raise ReplayInputError(
            f"no valid Bedrock invocation-log records in the input: {found}"
            + (f": {reasons}" if reasons else "")
        )
    foreign = {
        (acct, region): n
        for (acct, region), n in store.identities.items()
        if acct and (acct != account.account_id or region != account.region)
    }
    if foreign:
        listed = ", ".join(
            f"{n:,} of account {acct} in {region}" for (acct, region), n in sorted(foreign.items())[:5]
        )
        raise ReplayInputError(
            f"records of another account or Region than --account {account.name} ({account.account_id} in "
            f"{account.region}): {listed}; pass only that account's logs, or the account they belong to"
        )


ENGINES = ("duckdb", "python")
MALFORMED_SAMPLE_LINES = 1000


def meter_logs(
    meter: Any,
    paths: Sequence[str | Path],
    since_ms: int | None,
    until_ms: int | None,
    engine: str,
    bar: Progress,
    log: TextIO,
    lateness: bool = True,
) -> MetricStore:
    """The per-minute metric store of ``paths``: DuckDB runs the SQL aggregation (``analytics.sql``) and
    the Lambda's code prices and folds its rows; ``python`` feeds every line to the Lambda's Meter."""
    if engine == "duckdb":
        from analytics.sql import UnsupportedRule
        from cli.replay import duckdb_source

        try:
            store = duckdb_source.run(
                meter, paths, since_ms, until_ms, bar=bar, log=log, lateness=lateness
            ).store
            if store.records == 0 and not any(str(p).startswith("s3://") for p in paths):
                # Nothing valid: the Lambda's parser says why, on the first lines (check_input prints it).
                sample = meter_messages(meter, islice(iter_messages(paths), MALFORMED_SAMPLE_LINES))
                store.malformed_samples = sample.malformed_samples
            return store
        except UnsupportedRule as exc:
            print(f"note: {exc}; metering with --engine python instead", file=log)
    elif engine != "python":
        raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if any(str(p).startswith("s3://") for p in paths):
        raise FileNotFoundError("s3:// input needs the DuckDB engine (--engine duckdb)")
    bar.total = max(1, input_size(paths))
    return meter_messages(
        meter, iter_messages(paths, bar.advance), since_ms, until_ms, bar.count_records, lateness
    )


def replay(
    config: Any,
    account: Any,
    paths: Iterable[str | Path],
    since_ms: int | None = None,
    until_ms: int | None = None,
    progress: bool = True,
    stream: TextIO | None = None,
    engine: str = "duckdb",
    athena: Any = None,
    lateness: bool = True,
    observer: Observer | None = None,
) -> ReplayResult:
    """Meter the logs (local paths or s3:// with ``engine``; Athena when ``athena`` is an
    ``athena_source.AthenaTarget``), evaluate every alarm of the account, explain every breach."""
    paths = list(paths)
    meter = build_meter(config, account)
    log = stream or sys.stderr
    bar = Progress(100, stream=log, enabled=progress)
    if athena is not None:
        from cli.replay import athena_source

        store = athena_source.run(meter, athena, since_ms, until_ms, log=log, lateness=lateness).store
    else:
        store = meter_logs(meter, paths, since_ms, until_ms, engine, bar, log, lateness)
    bar.close()
    check_input(store, account)
    start = since_ms if since_ms is not None else (store.first_ms or 0)
    # Run past the last record until its minutes settle.
    end = until_ms if until_ms is not None else ((store.last_ms or start) + (SETTLE_MINUTES + 1) * MINUTE_MS)
    minutes = max(1, (end - start) // MINUTE_MS)
    result = evaluate(store, config, account, start, minutes, observer)
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
    pages = result.pages
    print(
        f"\npages (what the SNS topic would have paged, in time order; sent about 40 s after the minute): "
        f"{len(pages)}",
        file=out,
    )
    if not pages:
        print("  none", file=out)
    for m in pages:
        who = m.feature or "account"
        print(f"  {iso(m.minute_ms + MINUTE_MS)}  {who:<16} {m.reason:<9} {m.subject}", file=out)
        print(f"      {m.summary}", file=out)
    others = [m for m in result.messages if not m.is_page]
    print(
        f"\nother notifications (budget thresholds, resolved episodes, alarms back to OK): {len(others)}",
        file=out,
    )
    for m in others:
        print(f"  {iso(m.minute_ms + MINUTE_MS)}  {m.kind:<8} {m.subject}", file=out)
        if m.kind == "budget":
            print(f"      {m.summary}", file=out)
    if result.skipped:
        print(f"\nnot replayable from invocation logs: {', '.join(result.skipped)}", file=out)


def start_of(plan: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(plan["start"]).replace("Z", "+00:00"))


@dataclass
class DriftOutcome:
    kind: str
    feature: str
    start_ms: int
    end_ms: int
    detected_after_minutes: int | None = None
    page: Message | None = None
    pages: list[Message] = field(default_factory=list)  # during the drift (and its hold-off)


def drift_outcomes(
    result: ReplayResult, plan: dict[str, Any], hold_off_minutes: int = 60
) -> list[DriftOutcome]:
    start = start_of(plan)
    out = []
    for d in plan.get("drifts", []):
        begin = int((start + timedelta(minutes=d["start_minute"])).timestamp() * 1000)
        end = begin + (d["duration_minutes"] + hold_off_minutes) * MINUTE_MS
        pages = [p for p in result.pages if p.feature == d["feature"] and begin <= p.minute_ms < end]
        first = next((p for p in pages if p.minute_ms < begin + d["duration_minutes"] * MINUTE_MS), None)
        minutes = None if first is None else (first.minute_ms + MINUTE_MS - begin) // MINUTE_MS
        out.append(DriftOutcome(d["kind"], d["feature"], begin, end, minutes, first, pages))
    return out


def false_pages(result: ReplayResult, outcomes: Sequence[DriftOutcome]) -> list[Message]:
    """Pages outside every drift's feature and span (the drift and its hold-off)."""
    return [
        p
        for p in result.pages
        if not any(p.feature == o.feature and o.start_ms <= p.minute_ms < o.end_ms for o in outcomes)
    ]


def drift_report(result: ReplayResult, plan: dict[str, Any], out: TextIO) -> dict[str, Any]:
    """Minutes from each drift's injection to its feature's first page, and pages outside the drifts."""
    outcomes = drift_outcomes(result, plan)
    summary: dict[str, Any] = {"drifts": [], "false_pages": []}
    print(
        "\ndrift detection (simulated minutes from injection to the first page; pages while it lasted):",
        file=out,
    )
    for o in outcomes:
        row = {"kind": o.kind, "feature": o.feature, "pages": len(o.pages)}
        if o.page is None:
            print(f"  {o.kind:<14} {o.feature:<16} NOT DETECTED", file=out)
            summary["drifts"].append({**row, "detected_after_minutes": None})
            continue
        print(
            f"  {o.kind:<14} {o.feature:<16} {o.detected_after_minutes:>4} min  {', '.join(o.page.causes)}  "
            f"{len(o.pages)} page(s)",
            file=out,
        )
        print(f"      {o.page.summary}", file=out)
        summary["drifts"].append(
            {
                **row,
                "detected_after_minutes": o.detected_after_minutes,
                "causes": list(o.page.causes),
                "explanation": o.page.summary,
                "top_driver": o.page.driver,
            }
        )
    false = false_pages(result, outcomes)
    print(f"\nfalse pages (outside every drift and its hold-off): {len(false)}", file=out)
    for p in false:
        print(f"  {iso(p.minute_ms + MINUTE_MS)}  {p.subject}", file=out)
    summary["false_pages"] = [p.subject for p in false]
    return summary
