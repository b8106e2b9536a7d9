"""Detection matrix: volumes x drift kinds x seeds, with thresholds set by rule from a baseline week.

For each volume (calls per minute, weekday average) and seed, one simulated account of four features, one
per realistic shape (chat sessions, a 5% premium router, a heavy-tailed agent, a nightly batch), all at that
volume, for DAYS days. Each feature gets one drift of DRIFT_MINUTES, the kinds rotated with the seed, at a
random weekday minute between 09:00 and 17:00 UTC after the baseline week.

Nothing is set by hand and the generator's parameters do not depend on the thresholds it tests:
* the limits, by the rule users follow: hourly_limit_usd = 2 x the costliest rolling hour of the baseline
  week, daily_budget_usd = 1.5 x its costliest day, monthly_budget_usd = 30 x its mean day x 1.5;
* the detector's evidence, by `genai-guardrails tune` on the baseline week (its library, cli/tune.py).

Then the whole period is replayed with that config (cli/replay/runner.py, the detector Lambda's own code,
metrics as CloudWatch shows them minute by minute) and counted:
* minutes from each drift's start to its feature's first page (within the drift), and whether the page's
  explanation names the injected driver first;
* pages per episode: the feature's pages from the drift's start to its end plus the hold-off, and how many
  of them were for a new cause;
* false pages: every other page after the baseline week, per feature per 30 days (a page for an hourly or
  daily limit that real spend crossed is counted apart).

Run: `.venv/bin/python bench/detection.py` (in `make bench`; about 25 minutes on 2 cores). Options:
`--volumes 3,10 --seeds 2 --days 21` for a smaller run. Figures: docs/alarms.md, "Detection matrix".
"""

from __future__ import annotations

import argparse
import copy
import math
import random
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from cli.replay import runner  # noqa: E402
from cli.replay.metering import MINUTE_MS, build_meter, meter_messages  # noqa: E402
from cli.replay.simulate import (  # noqa: E402
    DEFAULT_START,
    DRIFT_KINDS,
    SHAPES,
    Traffic,
    drift,
    messages,
    premium_model_id,
)
from cli.tune import patched, profile, recommend  # noqa: E402
from config.loader import parse_config  # noqa: E402

VOLUMES = (0.3, 1.0, 3.0, 10.0, 50.0)
SEEDS = 8
DAYS = 28
BASELINE_DAYS = 7
FEATURES = (("f-chat", "chat"), ("f-router", "router"), ("f-agent", "agent"), ("f-batch", "batch"))
EXPECTED_DRIVER = {
    "prompt_change": "output_tokens",
    "routing": "model_mix",
    "retry_storm": "retries",
    "growth": "traffic",
}
TARGET_MINUTES = {0.3: 15, 1.0: 15}  # else 5
LIMIT_CAUSES = {"hourly_limit", "daily_budget"}


@dataclass
class Row:
    volume: float
    seed: int
    kind: str
    feature: str
    minutes: int | None
    driver_ok: bool
    pages: int
    driver_pages: int


@dataclass
class Job:
    volume: float
    seed: int
    days: int
    rows: list[Row] = field(default_factory=list)
    false_pages: int = 0
    limit_pages: int = 0  # outside drifts, for an hourly or daily limit real spend crossed
    feature_days: float = 0.0
    false_causes: dict[str, int] = field(default_factory=dict)  # "feature cause" -> pages
    seconds: float = 0.0
    records: int = 0


def _config(limits: dict[str, tuple[float, float, float]] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "config" / "example.yaml").read_text())
    prod = copy.deepcopy(data["accounts"][0])
    prod["features"] = []
    for i, (name, _shape) in enumerate(FEATURES):
        hourly, daily, monthly = (limits or {}).get(name, (1000.0, 10000.0, 100000.0))
        prod["features"].append(
            {
                "name": name,
                "application": f"app-{i % 2}",
                "monthly_budget_usd": monthly,
                "daily_budget_usd": daily,
                "hourly_limit_usd": hourly,
            }
        )
    data["accounts"] = [prod]
    return data


def _round_up(value: float) -> float:
    if value <= 0:
        return 0.01
    scale = 10 ** (math.floor(math.log10(value)) - 1)
    return float(math.ceil(value / scale) * scale)


def _drifts(seed: int, days: int) -> list[Any]:
    rng = random.Random(1000 + seed)
    out = []
    weekdays = [
        d for d in range(BASELINE_DAYS, days - 1) if (DEFAULT_START + timedelta(days=d)).weekday() < 5
    ]
    for i, (name, _shape) in enumerate(FEATURES):
        kind = DRIFT_KINDS[(i + seed) % len(DRIFT_KINDS)]
        day = rng.choice(weekdays)
        minute = day * 1440 + rng.randrange(9 * 60, 17 * 60)
        out.append((kind, name, minute))
    return out


def run(volume: float, seed: int, days: int, tune: bool = True) -> Job:
    started = time.perf_counter()
    job = Job(volume, seed, days)
    first = parse_config(_config())
    account = first.account("prod")
    premium = premium_model_id(list(account.pricing.premium_models))
    traffic = {name: Traffic(SHAPES[shape], volume) for name, shape in FEATURES}
    planned = [
        drift(kind, name, minute, DEFAULT_START, premium) for kind, name, minute in _drifts(seed, days)
    ]
    stream = messages(first, account, days, seed, traffic, planned)
    store = meter_messages(build_meter(first, account), stream)
    job.records = store.records
    start_ms = int(DEFAULT_START.timestamp() * 1000)
    minutes = days * 1440
    week = BASELINE_DAYS * 1440
    # Limits by rule from the baseline week; then tune on that week.
    limits = {}
    for feature in account.features:
        p = profile(store, feature, start_ms, week)
        limits[feature.name] = (
            _round_up(2 * p.max_hour),
            _round_up(max(1.5 * p.max_day, 2 * p.max_hour)),
            _round_up(1.5 * p.month),
        )
    limited = parse_config(_config(limits))
    tuning = recommend(store, limited, limited.account("prod"), start_ms, week)
    changes = tuning.changes if tune else {}
    tuned = parse_config(patched(_config(limits), "prod", changes))
    tuned_account = tuned.account("prod")
    result = runner.evaluate(store, tuned, tuned_account, start_ms, minutes)
    plan = {
        "start": DEFAULT_START.isoformat(),
        "drifts": [{**d.__dict__} for d in planned],
    }
    outcomes = runner.drift_outcomes(result, plan, tuned_account.alarms.hold_off_minutes)
    for o in outcomes:
        job.rows.append(
            Row(
                volume,
                seed,
                o.kind,
                o.feature,
                o.detected_after_minutes,
                o.page is not None and o.page.driver == EXPECTED_DRIVER[o.kind],
                len(o.pages),
                sum(1 for p in o.pages if p.reason == "driver"),
            )
        )
    evaluation_start = start_ms + week * MINUTE_MS
    for page in runner.false_pages(result, outcomes):
        if page.minute_ms < evaluation_start or page.feature is None:
            continue
        if set(page.causes) <= LIMIT_CAUSES:
            job.limit_pages += 1
            continue
        job.false_pages += 1
        for cause in page.causes:
            key = f"{page.feature} {cause}"
            job.false_causes[key] = job.false_causes.get(key, 0) + 1
    drift_days = sum((o.end_ms - o.start_ms) / 86_400_000 for o in outcomes)
    job.feature_days = len(FEATURES) * (days - BASELINE_DAYS) - drift_days
    job.seconds = time.perf_counter() - started
    return job


def _median(values: list[int]) -> str:
    return "-" if not values else f"{statistics.median(values):g}"


def report(jobs: list[Job]) -> None:
    volumes = sorted({j.volume for j in jobs})
    print(
        f"\n{len(jobs)} runs, {sum(j.records for j in jobs):,} records, "
        f"{sum(j.seconds for j in jobs) / 60:.0f} CPU-minutes"
    )
    print("\nminutes to the first page: median / max over seeds (missed: not paged within the 3-hour drift);")
    print("[n within target]; right driver first; pages per episode max (of which for a new cause)")
    head = f"{'calls/min':>9} " + " ".join(f"{k:>30}" for k in DRIFT_KINDS)
    print(head)
    for v in volumes:
        target = TARGET_MINUTES.get(v, 5)
        cells = []
        for kind in DRIFT_KINDS:
            rows = [r for j in jobs if j.volume == v for r in j.rows if r.kind == kind]
            found = [r.minutes for r in rows if r.minutes is not None]
            within = sum(1 for m in found if m <= target)
            right = sum(r.driver_ok for r in rows)
            missed = len(rows) - len(found)
            pages = max((r.pages for r in rows), default=0)
            drivers = max((r.driver_pages for r in rows), default=0)
            text = (
                f"{_median(found)}/{max(found, default=0)}"
                + (f" m{missed}" if missed else "")
                + f" [{within}/{len(rows)}] {right}/{len(rows)} {pages}({drivers})"
            )
            cells.append(f"{text:>30}")
        print(f"{v:>9g} " + " ".join(cells))
    print(
        "\nfalse pages per feature per 30 days (after the baseline week, outside drifts); limit pages apart"
    )
    for v in volumes:
        vj = [j for j in jobs if j.volume == v]
        false = sum(j.false_pages for j in vj)
        limit = sum(j.limit_pages for j in vj)
        feature_days = sum(j.feature_days for j in vj)
        causes: dict[str, int] = {}
        for j in vj:
            for c, n in j.false_causes.items():
                causes[c] = causes.get(c, 0) + n
        rate = 30 * false / max(feature_days, 1e-9)
        print(
            f"{v:>9g} calls/min: {false} false pages in {feature_days:,.0f} feature-days = {rate:.2f} per "
            f"feature per 30 days {dict(sorted(causes.items())) or ''}; {limit} pages for limits real "
            f"spend crossed"
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--volumes", default=",".join(f"{v:g}" for v in VOLUMES))
    parser.add_argument("--seeds", type=int, default=SEEDS)
    parser.add_argument("--days", type=int, default=DAYS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rule", action="store_true", help="the default evidence rule, not tune's values")
    parser.add_argument("--rows", action="store_true", help="print every drift's row")
    args = parser.parse_args(argv)
    volumes = [float(v) for v in args.volumes.split(",")]
    jobs = [
        (v, s, args.days, not args.rule)
        for v in sorted(volumes, reverse=True)
        for s in range(1, args.seeds + 1)
    ]
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(run, *zip(*jobs, strict=True)))
    if args.rows:
        for j in results:
            for r in j.rows:
                print(
                    f"{r.volume:g} seed {r.seed} {r.kind:<14} {r.feature:<9} {r.minutes} min, "
                    f"driver ok {r.driver_ok}, {r.pages} pages"
                )
            if j.false_causes:
                print(f"{j.volume:g} seed {j.seed} false: {j.false_causes}")
    report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
