"""`genai-guardrails tune LOGS --config C --account A [--out patch.yaml]`: size the guardrails from your own
invocation logs.

Per feature, from the logs:

* its volume: calls per minute by hour of day (weekdays), the peak hour and its rate (the patch sets it as
  `expected_calls_per_minute`);
* its cost: the p99 of the 5-minute cost rate, the costliest rolling hour against `hourly_limit_usd`, the
  costliest day against `daily_budget_usd`, a 30-day projection against `monthly_budget_usd`; a limit the
  feature's normal traffic crosses is said plainly, and the patch raises it;
* the evidence each detector test needs (`alarms.evidence`), from the detector run over the history: the
  statistic's daily maxima follow a Gumbel law of scale ~1 nat (a CUSUM of log-likelihood ratios), so the
  maximum over 30 days sits about ln(30) above the median daily maximum. Recommended: that plus 1 nat, at
  least 0.5 above every day's maximum except incidents (a day more than INCIDENT_NATS above the median:
  said, and left out), and within RULE_BAND nats below the default rule at most. Fewer than MIN_DAYS days
  of a running test: the rule stays;
* how fast each drift kind would be paged: the simulator's injectors applied to the feature's own records
  for three hours from its peak hour on the last full weekday, the detector replayed over them.

The patch is the whole config with those values (YAML, `genai-guardrails validate` accepts it).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import random
import statistics
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from cli.replay import runner
from cli.replay.metering import (
    COST,
    INV,
    MINUTE_MS,
    MetricStore,
    StoreUsage,
    StoreView,
    build_meter,
    meter_messages,
)
from cli.replay.readers import iter_messages
from cli.replay.simulate import DRIFT_KINDS, DRIFT_MINUTES, inject, premium_model_id
from core.runtime_config import build_runtime_config
from lambdas.detector import sequential as sq
from lambdas.detector.detect import Observation
from lambdas.detector.model import DetectorSettings, FeatureState
from lambdas.detector.pages import evaluate_feature
from lambdas.metering.records import InvocationRecord, parse_record

INCIDENT_NATS = 8.0  # a day's maximum this far above the median day's is an incident, not noise
MIN_DAYS = 3  # days a test must have run to be calibrated
MARGIN_NATS = 1.0
ROLLING_HOUR = 60
BLOCKS = "▁▂▃▄▅▆▇█"
KIND_CAUSE = {
    "prompt_change": "output_tokens",
    "routing": "model_mix",
    "retry_storm": "retries",
    "growth": "traffic",
}


@dataclass
class Profile:
    feature: str
    days: float
    calls_by_hour: list[float]  # weekday calls per minute, UTC hours 0..23
    peak_hour: int
    peak_rate: float
    p99_rate: float  # USD per hour, 5-minute windows
    max_hour: float  # costliest rolling hour
    hours_over_limit: int  # distinct hours whose rolling hour crossed the limit
    max_day: float  # costliest calendar day (UTC)
    month: float  # 30 x the mean day


@dataclass
class Calibration:
    family: str
    rule: float
    daily_max: list[float]
    recommended: float | None
    incidents: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class Tuning:
    start_ms: int
    minutes: int
    profiles: dict[str, Profile]
    calibrations: dict[str, dict[str, Calibration]]
    changes: dict[str, dict[str, Any]]  # feature -> {dotted field: value}
    notes: list[str]
    detections: dict[str, dict[str, int | None]] = field(default_factory=dict)  # feature -> kind -> minutes


def _ceil_money(value: float) -> float:
    """A limit a person would write: 2 significant digits, rounded up."""
    if value <= 0:
        return 1.0
    scale = 10 ** (math.floor(math.log10(value)) - 1)
    return float(math.ceil(value / scale) * scale)


def profile(
    store: MetricStore, feature: Any, start_ms: int, minutes: int, incidents: Sequence[int] = ()
) -> Profile:
    """`incidents`: epoch days left out of the cost figures (a test saw an incident on them)."""
    first = start_ms // MINUTE_MS
    calls = store.per_minute(feature.name, first, minutes, INV)
    cost = store.per_minute(feature.name, first, minutes, COST)
    for day in incidents:
        lo, hi = max(0, day * 1440 - first), min(minutes, day * 1440 + 1440 - first)
        if lo < hi:
            cost[lo:hi] = np.nan
    stamps = [datetime.fromtimestamp((first + i) * 60, UTC) for i in range(0, minutes, 60)]
    by_hour: dict[int, list[float]] = defaultdict(list)
    for h0, when in enumerate(stamps):
        if when.weekday() < 5:
            chunk = calls[h0 * 60 : h0 * 60 + 60]
            if len(chunk) == 60:
                by_hour[when.hour].append(float(chunk.mean()))
    hours = [statistics.fmean(by_hour[h]) if by_hour.get(h) else 0.0 for h in range(24)]
    peak = max(range(24), key=lambda h: hours[h])
    five = np.convolve(cost, np.ones(5), mode="valid") * 12 if minutes >= 5 else np.zeros(1)
    hour = np.convolve(cost, np.ones(ROLLING_HOUR), mode="valid") if minutes >= ROLLING_HOUR else np.zeros(1)
    five, hour = five[~np.isnan(five)], hour[~np.isnan(hour)]
    limit = float(feature.hourly_limit_usd)
    over = {int(i // 60) for i in np.nonzero(hour > limit)[0]}
    days = (minutes - int(np.isnan(cost).sum())) / 1440
    whole = [cost[d * 1440 : d * 1440 + 1440] for d in range(minutes // 1440)]
    day_cost = [float(c.sum()) for c in whole if not np.isnan(c).any()] or [float(np.nansum(cost))]
    return Profile(
        feature.name,
        days,
        hours,
        peak,
        hours[peak],
        float(np.percentile(five, 99)) if len(five) else 0.0,
        float(hour.max()) if len(hour) else 0.0,
        len(over),
        max(day_cost),
        30.0 * float(np.nansum(cost)) / max(days, 1e-9),
    )


class _Maxima:
    """Observer: each test's daily maximum excess over its threshold (statistic - threshold, nats; negative
    while it stays under), per feature, and the highest threshold the rule gave it."""

    def __init__(self) -> None:
        self.daily: dict[str, dict[str, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
        self.armed: dict[str, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
        self.rule: dict[str, dict[str, float]] = defaultdict(dict)

    def __call__(self, feature: str, observation: Observation) -> None:
        day = observation.minute // 1440
        for family, (stat, threshold) in observation.statistics.items():
            if family == "burst":
                continue
            days = self.daily[feature][family]
            days[day] = max(days.get(day, -1e9), stat - threshold)
            counts = self.armed[feature][family]
            counts[day] = counts.get(day, 0) + 1
            rules = self.rule[feature]
            rules[family] = max(rules.get(family, 0.0), threshold)


def calibrate(maxima: _Maxima, feature: str) -> dict[str, Calibration]:
    """Per test: the extra evidence the history asks for, on top of the rule (0: the rule holds, nothing
    recommended); the recommendation is the rule's highest threshold plus that, a constant at least as
    strict as the rule at every hour."""
    out: dict[str, Calibration] = {}
    for family, days in maxima.daily[feature].items():
        armed = maxima.armed[feature][family]
        full = sorted(d for d in days if armed.get(d, 0) >= 720)  # days the test ran at least 12 hours
        values = [days[d] for d in full]
        rule = maxima.rule[feature].get(family, sq.MIN_EVIDENCE)
        if len(values) < MIN_DAYS:
            out[family] = Calibration(family, rule, values, None)
            continue
        median = statistics.median(values)
        incidents = [(d, v) for d, v in zip(full, values, strict=True) if v > median + INCIDENT_NATS]
        rest = [v for v in values if v <= median + INCIDENT_NATS]
        extra = max(0.0, median + math.log(30.0) + MARGIN_NATS, max(rest) + 0.5)
        recommended = None if extra <= 0 else min(round(rule + extra, 1), 60.0)
        out[family] = Calibration(
            family,
            rule,
            values,
            recommended,
            [(datetime.fromtimestamp(d * 86400, UTC).strftime("%Y-%m-%d"), v) for d, v in incidents],
        )
    return out


def recommend(
    store: MetricStore, config: Any, account: Any, start_ms: int, minutes: int, untuned: bool = True
) -> Tuning:
    """Profiles, calibrations and limit changes from the replayed history. `untuned`: calibrate with the
    default rule for every test (a config's own `alarms.evidence` left out)."""
    if untuned:
        from config.loader import parse_config

        data = config.model_dump(mode="json")
        for a in data["accounts"]:
            for f in a["features"]:
                f.get("alarms", {}).pop("evidence", None)
        config = parse_config(data)
        account = config.account(account.name)
    maxima = _Maxima()
    runner.evaluate(store, config, account, start_ms, minutes, observer=maxima)
    profiles: dict[str, Profile] = {}
    calibrations: dict[str, dict[str, Calibration]] = {}
    changes: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    for feature in account.features:
        calibrations[feature.name] = calibrate(maxima, feature.name)
        incidents = sorted(
            {
                int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() // 86400)
                for c in calibrations[feature.name].values()
                for day, _v in c.incidents
            }
        )
        p = profile(store, feature, start_ms, minutes, incidents)
        profiles[feature.name] = p
        change: dict[str, Any] = {}
        if p.peak_rate > 0:
            change["expected_calls_per_minute"] = float(f"{p.peak_rate:.2g}")
        evidence = {
            f: c.recommended for f, c in calibrations[feature.name].items() if c.recommended is not None
        }
        if evidence:
            change["alarms.evidence"] = dict(sorted(evidence.items()))
        limit = float(feature.hourly_limit_usd)
        per_month = p.hours_over_limit * 30 / max(p.days, 1e-9)
        if per_month > 1:
            raised = _ceil_money(1.25 * p.max_hour)
            change["hourly_limit_usd"] = raised
            notes.append(
                f"{feature.name}: hourly_limit_usd {limit:g} is {limit / max(p.max_hour, 1e-9):.1f}x your "
                f"costliest hour (${p.max_hour:,.2f}); your own traffic crossed it in {p.hours_over_limit} "
                f"hours of {p.days:.1f} days (about {per_month:.0f} a month, each a page): raise it to "
                f"{raised:g}, or keep it if those hours should page."
            )
        elif p.max_hour > 0 and limit < 1.5 * p.max_hour:
            notes.append(
                f"{feature.name}: hourly_limit_usd {limit:g} is only {limit / p.max_hour:.1f}x your "
                f"costliest hour (${p.max_hour:,.2f}): busier hours than these will page."
            )
        budget = float(feature.daily_budget_usd)
        if p.max_day > budget:
            raised = _ceil_money(1.25 * p.max_day)
            change["daily_budget_usd"] = max(raised, change.get("hourly_limit_usd", 0.0))
            notes.append(
                f"{feature.name}: daily_budget_usd {budget:g} is below your costliest day "
                f"(${p.max_day:,.2f}): raise it to {change['daily_budget_usd']:g}, or keep it if such days "
                "should page."
            )
        monthly = float(feature.monthly_budget_usd)
        if p.month > monthly:
            notes.append(
                f"{feature.name}: at this pace a month costs ${p.month:,.0f}, over monthly_budget_usd "
                f"{monthly:g}: the evaluator's forecast notification will say so (the patch does not change "
                "budgets)."
            )
        for family, c in calibrations[feature.name].items():
            for day, value in c.incidents:
                notes.append(
                    f"{feature.name}: on {day} the {family} test went {value:+.1f} nats past its threshold "
                    f"(most days peak at {statistics.median(c.daily_max):+.1f}): an incident? that day is "
                    "left out of the calibration and of the cost figures."
                )
        changes[feature.name] = change
    return Tuning(start_ms, minutes, profiles, calibrations, changes, notes)


# ---- drift injection into the user's own records -----------------------------------------------------


def _injection_start(p: Profile, start_ms: int, minutes: int) -> int | None:
    """Epoch minute: the peak hour of the last weekday with a full day of history before it ends."""
    first = start_ms // MINUTE_MS
    last = first + minutes - DRIFT_MINUTES - 1
    for day in range(last // 1440, first // 1440, -1):
        when = day * 1440 + p.peak_hour * 60
        if first + 1440 <= when <= last and datetime.fromtimestamp(when * 60, UTC).weekday() < 5:
            return when
    return None


def _has_output(store: MetricStore, feature: str) -> bool:
    return any(t.output_tokens for (_a, f, _m), t in store.totals.items() if f == feature)


def _window_messages(paths: Sequence[Path], lo: int, hi: int) -> list[str]:
    """Every message whose record minute is in [lo, hi] (epoch minutes)."""
    out = []
    for message in iter_messages(paths):
        rec = parse_record(message)
        if isinstance(rec, InvocationRecord) and lo <= rec.minute_ms // MINUTE_MS <= hi:
            out.append(message)
    return out


def detection_times(
    paths: Sequence[Path], store: MetricStore, config: Any, account: Any, tuning: Tuning, seed: int = 1
) -> dict[str, dict[str, int | None]]:
    """Per feature and drift kind: minutes to the first page naming the drift, within DRIFT_MINUTES."""
    meter = build_meter(config, account)
    runtime = build_runtime_config(config, account)
    settings = DetectorSettings.from_runtime(runtime, account.region)
    premium = premium_model_id(list(account.pricing.premium_models))
    out: dict[str, dict[str, int | None]] = {}
    first = tuning.start_ms // MINUTE_MS
    for feature in settings.features:
        start = _injection_start(tuning.profiles[feature.name], tuning.start_ms, tuning.minutes)
        if start is None:
            continue
        window = _window_messages(paths, start, start + DRIFT_MINUTES - 1)
        # The detector's state at the injection: run it over the clean history up to then.
        arrays = store.detector_arrays(feature.name, settings.premium_models, tuning.start_ms, start - first)
        view = StoreView.build(arrays, first)
        base = FeatureState()
        for now in range(first, start):
            view.now = now
            evaluate_feature(settings, feature, base, view, now, {}, StoreUsage(store, feature.name, now))
        snapshot = base.to_json()
        out[feature.name] = {}
        for kind in DRIFT_KINDS:
            if kind == "routing" and not settings.premium_models:
                continue
            if kind == "prompt_change" and not _has_output(store, feature.name):
                continue  # nothing to double (embeddings)
            rng = random.Random(seed)
            span = (
                datetime.fromtimestamp(start * 60, UTC),
                datetime.fromtimestamp((start + DRIFT_MINUTES) * 60, UTC),
            )
            injected = list(_inject_feature(window, kind, feature.name, meter, rng, premium, span))
            drifted = _overlay(store, meter, injected, start, DRIFT_MINUTES)
            arrays = drifted.detector_arrays(
                feature.name, settings.premium_models, (start - 60) * MINUTE_MS, DRIFT_MINUTES + 60
            )
            view = StoreView.build(arrays, start - 60)
            state = FeatureState.from_json(snapshot)
            minutes = None
            for now in range(start, start + DRIFT_MINUTES):
                view.now = now
                outcome = evaluate_feature(
                    settings, feature, state, view, now, {}, StoreUsage(drifted, feature.name, now)
                )
                if (
                    outcome.event is not None
                    and outcome.event.is_page
                    and KIND_CAUSE[kind] in outcome.event.causes
                ):
                    minutes = now - start + 1
                    break
            out[feature.name][kind] = minutes
    return out


def _inject_feature(
    messages: Iterable[str],
    kind: str,
    feature: str,
    meter: Any,
    rng: random.Random,
    premium: str,
    span: tuple[datetime, datetime],
) -> Iterator[str]:
    """The window's messages, the feature's records through the drift's injector (attributed by the
    metering Lambda's own rules)."""
    for message in messages:
        rec = parse_record(message)
        if isinstance(rec, InvocationRecord):
            entry = meter.models.get(rec.model_id)
            att = meter.attributor.attribute(rec.request_metadata, entry.profile_id, rec.identity_arn)
            if att.feature == feature:
                for out in inject(kind, json.loads(message), rng, premium, span):
                    yield json.dumps(out, separators=(",", ":"))
                continue
        yield message


def _overlay(store: MetricStore, meter: Any, messages: list[str], start: int, minutes: int) -> MetricStore:
    """The store with the window [start, start + minutes) replaced by the metered `messages`."""
    window = meter_messages(meter, messages)
    drifted = MetricStore(store.environment)
    drifted.first_ms, drifted.last_ms = store.first_ms, store.last_ms
    for key, per_day in store.days.items():
        drifted.days[key] = {day: data.copy() for day, data in per_day.items()}
        drifted.totals[key] = store.totals[key]
    for key in list(drifted.days):
        for minute in range(start, start + minutes):
            day, index = divmod(minute, 1440)
            if day in drifted.days[key]:
                drifted.days[key][day][index] = 0.0
    for key, per_day in window.days.items():
        target = drifted.days.setdefault(key, {})
        for day, data in per_day.items():
            block = target.setdefault(day, np.zeros_like(data))
            lo, hi = max(start, day * 1440), min(start + minutes, day * 1440 + 1440)
            if lo < hi:
                block[lo - day * 1440 : hi - day * 1440] = data[lo - day * 1440 : hi - day * 1440]
    return drifted


# ---- the patch ---------------------------------------------------------------------------------------


def patched(data: dict[str, Any], account: str, changes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    out = copy.deepcopy(data)
    acct = next(a for a in out["accounts"] if a["name"] == account)
    for feature in acct.get("features", []):
        for name, value in changes.get(feature["name"], {}).items():
            target = feature
            *path, last = name.split(".")
            for part in path:
                target = target.setdefault(part, {})
            target[last] = value
    return out


def write_patch(path: Path, source: Path, data: dict[str, Any], tuning: Tuning, account: str) -> None:
    import yaml

    header = [
        f"# {source.name} with the values `genai-guardrails tune` recommends for account {account}, from "
        f"{tuning.minutes / 1440:.1f} days of invocation logs:",
        *(f"#   {f}: {c}" for f, c in tuning.changes.items() if c),
        "# Check it with `genai-guardrails validate`, replay it, then merge what you keep into your config.",
        "",
    ]
    path.write_text(
        "\n".join(header) + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )


# ---- printing -------------------------------------------------------------------------------------------


def sparkline(values: Sequence[float]) -> str:
    top = max(values, default=0.0)
    if top <= 0:
        return BLOCKS[0] * len(values)
    return "".join(BLOCKS[min(len(BLOCKS) - 1, int(v / top * (len(BLOCKS) - 1) + 0.5))] for v in values)


def print_tuning(tuning: Tuning, account: Any, out: TextIO) -> None:
    limits = {f.name: f for f in account.features}
    print(
        f"\n{'feature':<16} {'calls/min by UTC hour, weekdays (00..23)':<26} {'peak':>12} {'p99 5-min':>10} "
        f"{'costliest hour / limit':>24} {'costliest day / budget':>24} {'30 days / budget':>22}",
        file=out,
    )
    for name, p in tuning.profiles.items():
        f = limits[name]
        print(
            f"{name:<16} {sparkline(p.calls_by_hour):<26} {p.peak_hour:02d}:00 {p.peak_rate:>5.2f} "
            f"${p.p99_rate:>8,.2f}/h "
            f"${p.max_hour:>9,.2f} / ${float(f.hourly_limit_usd):<9,.2f}"
            f" ${p.max_day:>9,.2f} / ${float(f.daily_budget_usd):<9,.2f}"
            f" ${p.month:>8,.0f} / ${float(f.monthly_budget_usd):<8,.0f}",
            file=out,
        )
    families = ["traffic", "input_tokens", "output_tokens", "model_mix", "retries"]
    print(
        "\nevidence each test needs (nats): the rule's highest threshold -> recommended (only where your "
        "history is noisier than the rule allows), from the median and largest daily maximum of statistic - "
        "threshold",
        file=out,
    )
    print(f"{'feature':<16} " + " ".join(f"{fam:>22}" for fam in families), file=out)
    for name, cals in tuning.calibrations.items():
        cells = []
        for fam in families:
            c = cals.get(fam)
            if c is None:
                cells.append(f"{'-':>22}")
                continue
            if not c.daily_max or len(c.daily_max) < MIN_DAYS:
                cells.append(f"{f'{c.rule:.1f} (too little data)':>22}")
                continue
            med, top = statistics.median(c.daily_max), max(c.daily_max)
            target = "rule" if c.recommended is None else f"{c.recommended:.1f}"
            cells.append(f"{f'{c.rule:.1f}->{target} ({med:+.1f}/{top:+.1f})':>22}")
        print(f"{name:<16} " + " ".join(cells), file=out)
    if tuning.detections:
        print(
            f"\nminutes to the page, each drift injected into your own records for {DRIFT_MINUTES} min from "
            "the peak hour of your last full weekday (recommended evidence):",
            file=out,
        )
        print(f"{'feature':<16} " + " ".join(f"{k:>14}" for k in DRIFT_KINDS), file=out)
        for name, kinds in tuning.detections.items():
            cells = []
            for k in DRIFT_KINDS:
                value = kinds.get(k, "-") if k in kinds else "-"
                cells.append(f"{'not paged' if k in kinds and value is None else str(value):>14}")
            print(f"{name:<16} " + " ".join(cells), file=out)
    if tuning.notes:
        print("", file=out)
        for note in tuning.notes:
            print(f"* {note}", file=out)


def run_tune(args: argparse.Namespace) -> int:
    import yaml

    from analytics.sql import UnsupportedRule
    from cli.replay.athena_source import AthenaError
    from cli.replay.cli import load_account, read_inputs
    from cli.replay.duckdb_source import SourceError
    from cli.replay.progress import Progress
    from config.loader import parse_config

    source = Path(args.config)
    loaded = load_account(args)
    if loaded is None:
        return 1
    config, account = loaded
    inputs = read_inputs(args, account)
    if inputs is None:
        return 1
    since, until, target = inputs
    # Drift injection rewrites the records themselves: only local logs have them at hand.
    local = not args.athena and not any(str(p).startswith("s3://") for p in args.logs)
    paths = [Path(p) for p in args.logs] if local else []
    try:
        meter = build_meter(config, account)
        bar = Progress(100, stream=sys.stderr, enabled=not args.no_progress)
        if target is not None:
            from cli.replay import athena_source

            store = athena_source.run(meter, target, since, until, log=sys.stderr).store
        else:
            store = runner.meter_logs(meter, args.logs, since, until, args.engine, bar, sys.stderr)
        bar.close()
        runner.check_input(store, account)
    except (FileNotFoundError, runner.ReplayInputError, SourceError, AthenaError, UnsupportedRule) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    start = store.first_ms or 0
    minutes = ((store.last_ms or start) - start) // MINUTE_MS + 1
    out = sys.stdout
    print(
        f"tune: account {account.name}, {minutes / 1440:.1f} days from {runner.iso(start)} UTC, "
        f"{store.records:,} records",
        file=out,
    )
    tuning = recommend(store, config, account, start, minutes)
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    new_data = patched(data, account.name, tuning.changes)
    tuned = parse_config(new_data)
    if not args.no_injection and local:
        tuning.detections = detection_times(paths, store, tuned, tuned.account(account.name), tuning)
    elif not args.no_injection:
        tuning.notes.append(
            "drift injections skipped: they rewrite the records themselves, so need local logs"
        )
    print_tuning(tuning, account, out)
    if args.out:
        write_patch(Path(args.out), source, new_data, tuning, account.name)
        print(
            f"\npatch: {args.out} (the whole config with these values; `genai-guardrails validate` it)",
            file=out,
        )
    return 0


def add_tune_parser(commands: Any) -> None:
    tune = commands.add_parser(
        "tune", help="size detection and limits from your own invocation logs, and write a config patch"
    )
    from cli.replay.cli import add_engine_arguments

    tune.add_argument("logs", nargs="*", help="invocation logs, as replay reads them (or --athena)")
    tune.add_argument("--config", default="config/example.yaml")
    tune.add_argument("--account", help="account name in the config (default: the first)")
    tune.add_argument("--out", metavar="PATCH.yaml", help="write the config with the recommended values")
    tune.add_argument("--no-injection", action="store_true", help="skip the drift injections (faster)")
    tune.add_argument("--since", help="first minute to read (ISO 8601, UTC)")
    tune.add_argument("--until", help="minute to stop before (ISO 8601, UTC)")
    tune.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    add_engine_arguments(tune)
    tune.set_defaults(run=run_tune)
