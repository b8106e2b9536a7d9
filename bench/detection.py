"""Detection across seeds: `make demo`'s scenario (7 days, prod account of config/example.yaml, four drifts)
replayed for several simulator seeds, so the alarm design is judged on more than the one seed the demo prints.

For each seed and drift: minutes from injection to the feature's first alarm, whether the explanation's top
driver is the injected one, and the pages (composite alarms going to ALARM) the feature sent while the
drift lasted. Then the false alarms: alarms outside every drift's feature and span (the drift plus the
24 hours its cost stays in the rolling windows).

Run: `.venv/bin/python bench/detection.py [SEEDS...]` (in `make bench`; seeds 1-8 by default, 2 processes).
Figures go in docs/replay.md, "Detection across seeds".
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cli.replay import runner  # noqa: E402
from cli.replay.engine import ALARM  # noqa: E402
from cli.replay.simulate import DRIFT_MINUTES, drift_sidecar_path, load_plan, simulate  # noqa: E402
from config.loader import load_config  # noqa: E402

DAYS = 7
EXPECTED_DRIVER = {
    "prompt_change": "output_tokens",
    "routing": "model_mix",
    "retry_storm": "retries",
    "growth": "traffic",
}
MINUTE_MS = 60_000


def run_seed(seed: int) -> dict[str, Any]:
    config = load_config(ROOT / "config" / "example.yaml")
    account = config.account("prod")
    with tempfile.TemporaryDirectory() as tmp:
        logs = Path(tmp) / "invocations.jsonl.gz"
        simulate(config, account, DAYS, seed, logs)
        plan = load_plan(drift_sidecar_path(logs))
        result = runner.replay(config, account, [logs], progress=False)
    summary = runner.drift_report(result, plan, StringIO())
    start = runner.start_of(plan)
    rows = []
    for drift in summary["drifts"]:
        begin = int((start + timedelta(minutes=drift["start_minute"])).timestamp() * 1000)
        end = begin + DRIFT_MINUTES * MINUTE_MS
        pages = [
            t
            for t in result.composites
            if t.state == ALARM
            and t.feature == drift["feature"]
            and begin <= result.start_ms + t.minute * MINUTE_MS < end
        ]
        rows.append(
            {
                "kind": drift["kind"],
                "minutes": drift["detected_after_minutes"],
                "driver_ok": drift.get("top_driver") == EXPECTED_DRIVER[drift["kind"]],
                "pages": len(pages),
            }
        )
    return {"seed": seed, "drifts": rows, "false_alarms": summary["false_alarms"]}


def main(argv: list[str]) -> int:
    seeds = [int(a) for a in argv] or list(range(1, 9))
    with ProcessPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run_seed, seeds))
    print(f"{'seed':>4}  " + "  ".join(f"{k:>22}" for k in EXPECTED_DRIVER) + "  false alarms")
    for r in results:
        cells = []
        for kind in EXPECTED_DRIVER:
            row = next((d for d in r["drifts"] if d["kind"] == kind), None)
            if row is None or row["minutes"] is None:
                cells.append(f"{'missed':>22}")
                continue
            driver = "driver ok" if row["driver_ok"] else "WRONG driver"
            cells.append(f"{row['minutes']:>3} min {driver:>12} {row['pages']:>2}p")
        print(
            f"{r['seed']:>4}  " + "  ".join(cells) + f"  {len(r['false_alarms'])} {r['false_alarms'] or ''}"
        )
    print("\nper drift over all seeds: detection minutes (max / median), right driver, pages while it lasted")
    worst = 0
    for kind in EXPECTED_DRIVER:
        rows = [d for r in results for d in r["drifts"] if d["kind"] == kind]
        found = [d["minutes"] for d in rows if d["minutes"] is not None]
        missed = len(rows) - len(found)
        worst = max([worst, *found]) if found else worst
        pages = [d["pages"] for d in rows]
        median = statistics.median(found or [0])
        print(
            f"  {kind:<14} max {max(found, default=0):>3} min, median {median:>4} min, missed {missed}, "
            f"right driver {sum(d['driver_ok'] for d in rows)}/{len(rows)}, "
            f"pages {min(pages, default=0)}-{max(pages, default=0)}"
        )
    false = sum(len(r["false_alarms"]) for r in results)
    print(f"  false alarms: {false} in {len(results) * DAYS} simulated days; slowest detection {worst} min")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
