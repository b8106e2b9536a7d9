"""Replay, both engines side by side: records/s, peak memory, the 100M-record time, and a 90-day, 60-feature
replay end to end with where its time goes.

1. Throughput. The simulator writes 7 days of the example prod account scaled to about 1M records, once as
   one .gz file and once in the S3 delivery layout (one object per 15 minutes, 672 objects). Each run is a
   child process (so its peak RSS is its own), timing the metering stage alone:
   * python: the metering Lambda's Meter on every line of the .gz file (one core);
   * duckdb: the SQL aggregation on all cores of the machine, then the Lambda's pricing and folding, for the
     .gz file (one gzip stream: one core reads it) and the S3 layout (files read in parallel);
   * duckdb at 10x: the S3 layout linked ten times over (10M records), to show time linear in records and
     memory flat; the 100M-record time is that rate extrapolated.
2. End to end: 90 days of an account with 60 features (the example's five kinds, twelve each) at a tenth of
   the example's traffic per feature, in the S3 layout; `replay` with DuckDB, timed by stage: SQL
   aggregation, pricing and folding (Python), alarm evaluation, explanations.

Run: `.venv/bin/python bench/replay.py` (part of `make bench`; about 20 minutes on 2 cores, most of it
simulating the inputs). `--quick` skips the 90-day run. Figures go in docs/performance.md, "Replay".
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cli.replay import duckdb_source, runner  # noqa: E402
from cli.replay import simulate as sim  # noqa: E402
from cli.replay.metering import MINUTE_MS, build_meter, meter_messages  # noqa: E402
from cli.replay.readers import iter_messages  # noqa: E402
from config.loader import load_config, parse_config  # noqa: E402
from core.alarm_definitions import build_alarm_set  # noqa: E402

TARGET_RECORDS = 1_000_000
DEMO_WEEK_RECORDS = 490_000  # the demo's own volumes, 7 days
LAYOUT = "AWSLogs/222222222222/BedrockModelInvocationLogs/us-east-1"


def to_s3_layout(source: Path, root: Path, copies: int = 1) -> int:
    """Split a JSON Lines .gz file into 15-minute objects of the S3 delivery layout, streaming; returns the
    number of objects. The simulator writes in time order give or take a couple of minutes (sessions), so an
    object is written once the records are 30 minutes past its window."""

    def write(key: str, chunk: list[str]) -> None:
        path = root / LAYOUT / f"{key}Z_0.json.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress("".join(chunk).encode(), compresslevel=6))
        for n in range(1, copies):
            os.link(path, path.with_name(f"{path.name[:-8]}_{n}.json.gz"))

    def key_of(when: datetime) -> str:
        return f"{when:%Y/%m/%d/%H}/{when:%Y%m%dT%H}{when.minute // 15 * 15:02d}"

    objects = 0
    open_chunks: dict[str, list[str]] = {}
    written: set[str] = set()
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        for line in lines:
            ts = line[line.index('"timestamp":"') + 13 :][:16]  # YYYY-MM-DDTHH:MM
            when = datetime.fromisoformat(ts)
            key = key_of(when)
            if key in written:
                raise ValueError(f"{source}: a record of {ts} arrived after its object was written")
            open_chunks.setdefault(key, []).append(line)
            settled = key_of(when - timedelta(minutes=30))
            for old in [k for k in open_chunks if k < settled]:
                write(old, open_chunks.pop(old))
                written.add(old)
                objects += 1
    for old in sorted(open_chunks):
        write(old, open_chunks[old])
        objects += 1
    return objects * copies


# ---- child processes: one measurement each, peak RSS of its own --------------------------------------


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM; ru_maxrss would include the parent's from before exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args: argparse.Namespace) -> None:
    config = load_config(args.config)
    account = config.account(args.account)
    meter = build_meter(config, account)
    rss_before = peak_rss_mb()
    out: dict[str, Any] = {}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    if args.child == "python":
        store = meter_messages(meter, iter_messages(args.paths))
    else:
        run = duckdb_source.run(meter, args.paths, timings=out)
        store = run.store
        out["files"] = run.files
        out["aggregates"] = run.aggregates
    out["meter_s"] = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["meter_cpu_s"] = usage.ru_utime + usage.ru_stime - cpu  # all threads of the process
    out["records"] = store.records
    if args.end_to_end:
        start = store.first_ms or 0
        minutes = ((store.last_ms or start) - start) // MINUTE_MS + 1
        alarm_set = build_alarm_set(config, account)
        t = time.perf_counter()
        result = runner.evaluate(store, config, account, start, minutes)
        out["alarms_and_explanations_s"] = time.perf_counter() - t
        out["alarms"] = len([a for a in alarm_set.alarms if a.replayable])
        out["breaches"] = len(result.pages)
        out["minutes"] = minutes
    out["peak_rss_mb"] = peak_rss_mb()
    out["rss_before_mb"] = rss_before
    print(json.dumps(out))


def measure(engine: str, paths: list[Path], config: Path, account: str, end_to_end: bool = False) -> Any:
    command = [sys.executable, __file__, "--child", engine, "--config", str(config), "--account", account]
    if end_to_end:
        command.append("--end-to-end")
    output = subprocess.run([*command, *map(str, paths)], check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


# ---- the 90-day, 60-feature account ----------------------------------------------------------------


def sixty_feature_config(path: Path) -> tuple[Path, int]:
    """The example config with the prod account's five features cloned to 60 (``<name>-<n>``)."""
    data = load_config(ROOT / "config/example.yaml").model_dump(mode="json", exclude_none=True)
    prod = next(a for a in data["accounts"] if a["name"] == "prod")
    base = prod["features"]
    features = []
    for n in range(60):
        feature = copy.deepcopy(base[n % len(base)])
        name = f"{feature['name']}-{n:02d}"
        feature["name"] = name
        feature["match"] = {"request_metadata": {"feature": name}}
        feature.pop("inference_profile", None)
        feature.pop("kill_switch", None)
        features.append(feature)
    prod["features"] = features
    parse_config(data)  # valid
    path.write_text(json.dumps(data), encoding="utf-8")
    return path, len(features)


def available_cores() -> float:
    """CPU seconds per wall second DuckDB gets on a trivially parallel query: how many of the machine's
    cores this run really had (other jobs share them)."""
    conn = duckdb_source.connect()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu, wall = usage.ru_utime + usage.ru_stime, time.perf_counter()
    conn.execute("SELECT sum(hash(i)) FROM range(200000000) t(i)").fetchall()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime - cpu) / (time.perf_counter() - wall)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=("python", "duckdb"))
    parser.add_argument("--config", default=str(ROOT / "config/example.yaml"))
    parser.add_argument("--account", default="prod")
    parser.add_argument("--end-to-end", action="store_true")
    parser.add_argument("--quick", action="store_true", help="skip the 90-day, 60-feature replay")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0

    config = load_config(ROOT / "config/example.yaml")
    account = config.account("prod")
    example = ROOT / "config/example.yaml"
    print(
        f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.1f}, cores available to a "
        f"parallel query: {available_cores():.2f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        logs = tmpdir / "week.jsonl.gz"
        started = time.perf_counter()
        factor = TARGET_RECORDS / DEMO_WEEK_RECORDS
        volumes = {f.name: sim.default_traffic(f).volume * factor for f in account.features}
        plan = sim.simulate(config, account, 7, 1, logs, volumes=volumes)
        objects = to_s3_layout(logs, tmpdir / "s3")
        objects10 = to_s3_layout(logs, tmpdir / "s3x10", copies=10)
        print(
            f"simulated {plan.records:,} records ({logs.stat().st_size / 1e6:.1f} MB gzip; {objects} objects "
            f"in the S3 layout) in {time.perf_counter() - started:.1f} s"
        )
        rows = [
            ("python, .gz file (1 core)", measure("python", [logs], example, "prod")),
            ("duckdb, .gz file", measure("duckdb", [logs], example, "prod")),
            ("duckdb, S3 layout", measure("duckdb", [tmpdir / "s3"], example, "prod")),
            (
                f"duckdb, S3 layout x10 ({objects10} objects)",
                measure("duckdb", [tmpdir / "s3x10"], example, "prod"),
            ),
        ]
        head = (
            "metering stage",
            "records",
            "time",
            "records/s",
            "SQL",
            "fold",
            "CPU",
            "rec/CPU-s",
            "peak RSS",
        )
        print("\n{:<42} {:>11} {:>8} {:>10} {:>7} {:>7} {:>7} {:>10} {:>8}".format(*head))
        for name, r in rows:
            sql = f"{r['query_s']:.2f}s" if "query_s" in r else "-"
            fold = f"{r['fold_s']:.2f}s" if "fold_s" in r else "-"
            print(
                f"{name:<42} {r['records']:>11,} {r['meter_s']:>7.2f}s {r['records'] / r['meter_s']:>10,.0f} "
                f"{sql:>7} {fold:>7} {r['meter_cpu_s']:>6.2f}s {r['records'] / r['meter_cpu_s']:>10,.0f} "
                f"{r['peak_rss_mb']:>6.0f}MB"
            )
        big = rows[-1][1]
        per_record = 1e8 / big["records"]
        python = rows[0][1]
        print(
            f"\n100M records (extrapolated from the x10 run): DuckDB SQL {per_record * big['query_s']:.0f} s,"
            " "
            f"metering stage {per_record * big['meter_s']:.0f} s; Python engine "
            f"{1e8 / python['records'] * python['meter_s'] / 60:.0f} min"
        )

        if args.quick:
            return 0
        cfg, features = sixty_feature_config(tmpdir / "sixty.json")
        sixty = parse_config(json.loads(cfg.read_text()))
        started = time.perf_counter()
        big_logs = tmpdir / "quarter.jsonl.gz"
        # Each clone has its original's shape, at a tenth of the example's traffic.
        originals = {f.name: f for f in config.account("prod").features}
        traffic = {}
        for f in sixty.account("prod").features:
            shape = sim.default_traffic(originals[f.name.rsplit("-", 1)[0]])
            traffic[f.name] = sim.Traffic(shape.shape, shape.volume * 0.1)
        plan = sim.simulate(sixty, sixty.account("prod"), 90, 3, big_logs, traffic=traffic, drifts=[])
        objects = to_s3_layout(big_logs, tmpdir / "quarter")
        big_logs.unlink()
        print(
            f"\n90 days x {features} features: simulated {plan.records:,} records ({objects} objects) in "
            f"{time.perf_counter() - started:.0f} s"
        )
        r = measure("duckdb", [tmpdir / "quarter"], cfg, "prod", end_to_end=True)
        total = r["meter_s"] + r["alarms_and_explanations_s"]
        print(
            f"replay end to end: {total:.1f} s, peak RSS {r['peak_rss_mb']:.0f} MB; {r['alarms']} alarms "
            f"over {r['minutes']:,} minutes, {r['breaches']} pages explained"
        )
        for stage, seconds in (
            ("SQL aggregation (DuckDB)", r["query_s"]),
            (f"pricing and folding {r['aggregates']:,} aggregates (Python)", r["fold_s"]),
            ("alarms, detector, budgets and explanations", r["alarms_and_explanations_s"]),
        ):
            print(f"  {stage:<52} {seconds:>7.1f} s  {100 * seconds / total:>4.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
