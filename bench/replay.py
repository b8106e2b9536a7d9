"""Replay throughput: records/s and peak memory for `replay` on 1M simulated invocation-log records.

Generates the records with the simulator (config/example.yaml, prod account, each feature's shape at a volume
scaled to about 1M records in 7 days), then times `runner.replay` (read .gz, meter with the metering Lambda's
code per visibility class, evaluate every alarm, run the detector every minute for every feature, explain
every page, play the budget notifications) on one core. Peak memory is the process's max RSS after the
replay (ru_maxrss).
Run: `.venv/bin/python bench/replay.py` (part of `make bench`). Figures go in docs/performance.md, "Replay".
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cli.replay import runner  # noqa: E402
from cli.replay.simulate import simulate  # noqa: E402
from config.loader import load_config  # noqa: E402

TARGET_RECORDS = 1_000_000


def main() -> int:
    config = load_config(ROOT / "config" / "example.yaml")
    account = config.account("prod")
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp) / "bench.jsonl.gz"
        started = time.perf_counter()
        from cli.replay.simulate import default_traffic

        # The demo's volumes make about 490,000 records in 7 days.
        factor = TARGET_RECORDS / 490_000
        volumes = {f.name: default_traffic(f).volume * factor for f in account.features}
        plan = simulate(config, account, 7, 1, logs, volumes=volumes)
        simulated = time.perf_counter() - started
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        result = runner.replay(config, account, [logs], progress=False)
        elapsed = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = logs.stat().st_size
    records = result.store.records
    print(f"simulated {plan.records:,} records ({size / 1e6:.1f} MB gzip) in {simulated:.1f} s")
    print(
        f"replay: {records:,} records in {elapsed:.1f} s = {records / elapsed:,.0f} records/s (one core), "
        f"{len(result.pages)} pages"
    )
    print(f"peak RSS: {rss / 1024:.0f} MB (before replay {rss_before / 1024:.0f} MB)")
    scaled = elapsed * TARGET_RECORDS / max(records, 1)
    print(f"target: 1M records < 60 s -> {'met' if scaled < 60 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
