"""The guardrail's own monthly AWS cost for the example config's prod account, from measured figures.

    .venv/bin/python bench/cost_model.py            (also run by `make bench`; docs/cost-of-guardrails.md)

Measured here (nothing is taken from the docs):
* invocation-log bytes per record, bodies off: the real-format records in tests/data/invocation-logs.jsonl;
* handler CPU time per record (batched replay, bench/metering.py) and per invocation (1 record per event);
* EMF and Lambda log bytes per invocation and per record, from the handler's actual stdout;
* the custom metrics (unique metric name x dimension combination) the example prod account's traffic mix
  produces, from the EMF documents of a replay;
* the Bedrock spend of that traffic mix (bundled price catalog), to express the guardrail as a share of it.

Public us-east-1 prices and the assumptions are constants below; change them and re-run.
"""

from __future__ import annotations

import io
import json
import math
import sys
import tempfile
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import metering as mb  # noqa: E402

# ---- public prices, us-east-1 (USD) ------------------------------------------------------------------
LOGS_INGEST_PER_GB = 0.50
LOGS_STORAGE_PER_GB_MONTH = 0.03
CUSTOM_METRIC_PER_MONTH = 0.30  # first 10,000 metrics
LAMBDA_ARM_PER_GB_S = 0.0000133334
LAMBDA_PER_MILLION_REQUESTS = 0.20
GET_METRIC_DATA_PER_1000_METRICS = 0.01
COST_EXPLORER_PER_REQUEST = 0.01  # GetCostAndUsage, per paginated request

# ---- assumptions ---------------------------------------------------------------------------------------
INVOCATIONS_PER_MONTH = 1_000_000
LAMBDA_MEMORY_MB = 256
FULL_VCPU_MB = 1769  # Lambda gives one full vCPU at 1,769 MB; CPU share scales with memory below that
GRAVITON_SLOWDOWN = 1.5  # assume a Lambda arm64 core is 1.5x slower than the benchmark machine's core
CWL_EVENT_OVERHEAD_BYTES = 26  # CloudWatch Logs bills each event's bytes plus 26 bytes of metadata
LAMBDA_PLATFORM_LOG_BYTES = 330  # START / END / REPORT lines per invocation (typical sizes)
STORAGE_COMPRESSION = 0.15  # stored (compressed) bytes / ingested bytes
RETENTION_MONTHS = 1.0  # 30-day retention of both log groups: one month stored at steady state
EVALUATOR_RUNS_PER_MONTH = 30 * 24 * 12  # scheduled evaluator every 5 minutes (assumption)
EVALUATOR_METRICS_PER_FEATURE = 3  # CostUSD, Invocations, ThrottledInvocations per feature per run
# Daily reconciliation (lambdas/reconcile): yesterday and the month so far, by usage type and by tag, one page
# each (a bill with more lines than a page holds costs one more request per page).
RECONCILE_RUNS_PER_MONTH = 30
RECONCILE_CE_REQUESTS_PER_RUN = 4
RECONCILE_METRICS_PER_MODEL = 5 * 2  # CostUSD + 4 token counts, for the day and for the month so far
# BilledUSD + EstimateErrorPercent per model, and the three account-level series.
RECONCILE_CUSTOM_METRICS_PER_MODEL = 2
RECONCILE_CUSTOM_METRICS_ACCOUNT = 3
GB = 1024**3


def log_bytes_per_record() -> float:
    lines = [ln for ln in (ROOT / "tests/data/invocation-logs.jsonl").read_text().splitlines() if ln.strip()]
    return sum(len(ln.encode()) for ln in lines) / len(lines) + CWL_EVENT_OVERHEAD_BYTES


def replay(events: list[dict[str, Any]]) -> tuple[float, str]:
    """(CPU seconds, stdout) of the handler over events."""
    from lambdas.metering import handler

    out = io.StringIO()
    ctx = mb.Context()
    t0 = mb.CLOCK()
    with redirect_stdout(out):
        for ev in events:
            handler.lambda_handler(ev, ctx)
    return mb.CLOCK() - t0, out.getvalue()


def _bytes(lines: list[str]) -> int:
    """CloudWatch Logs billed bytes of these log lines (each an event: bytes + 26 bytes metadata)."""
    return sum(len(ln.encode()) + CWL_EVENT_OVERHEAD_BYTES for ln in lines)


def measure() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        batched = mb.measure(records=50_000, passes=3)  # speed, EMF bytes per 1,000 records (batched)

        mb.setup_runtime(Path(tmp))
        from lambdas.metering import handler

        handler.reset_meter()
        handler.logger.setLevel("INFO")  # as deployed: one INFO line per batch
        log_sink = io.StringIO()
        handler.logger.registered_handler.setStream(log_sink)  # type: ignore[attr-defined]
        handler.get_meter().resolver.client_factory = lambda _region: mb.FakeBedrock()

        def logs() -> list[str]:
            lines = log_sink.getvalue().splitlines()
            log_sink.seek(0)
            log_sink.truncate()
            return lines

        # Batched replay of the realistic mix: EMF + app log bytes per batch, and the metric combinations.
        packed = mb.pack(mb.make_messages(20_000, seed=5))
        logs()
        _t, stdout = replay(packed)
        batch_app_log = _bytes(logs()) / len(packed)
        emf = [ln for ln in stdout.splitlines() if ln.startswith('{"_aws"')]
        batch_emf_per_record = _bytes(emf) / 20_000
        docs = [json.loads(ln) for ln in emf]

        # Worst case for cost: every record arrives in its own subscription event (low traffic).
        events = [mb.pack([m])[0] for m in mb.make_messages(2_000, seed=11)]
        replay(events[:200])  # warm
        logs()
        elapsed, stdout = replay(events)
        single_app_log = _bytes(logs()) / len(events)
        single_emf = _bytes([ln for ln in stdout.splitlines() if ln.startswith('{"_aws"')]) / len(events)
    combos: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
    features: set[tuple[str, str]] = set()
    for d in docs:
        (directive,) = d["_aws"]["CloudWatchMetrics"]
        for dims in directive["Dimensions"]:
            key = tuple((k, d[k]) for k in dims)
            for metric in directive["Metrics"]:
                combos.add((metric["Name"], key))
        if "Feature" in d:
            features.add((d["Application"], d["Feature"]))
    return {
        "batched": batched,
        "log_bytes_per_record": log_bytes_per_record(),
        "single_invocation_ms": 1000 * elapsed / len(events),
        "emf_bytes_per_single_invocation": single_emf,
        "app_log_bytes_per_single_invocation": single_app_log,
        "emf_bytes_per_record_batched": batch_emf_per_record,
        "app_log_bytes_per_batch": batch_app_log,
        "custom_metrics": len(combos),
        "features": len(features),
        "models": len({d["Model"] for d in docs if "Model" in d}),
    }


def cpu_share() -> float:
    """Share of a vCPU Lambda gives the function at its memory size (1.0 from 1,769 MB)."""
    return min(1.0, LAMBDA_MEMORY_MB / FULL_VCPU_MB)


def reconcile_lines(models: int) -> dict[str, float]:
    """The daily reconciliation with the bill: Cost Explorer requests, its metric reads and its metrics."""
    return {
        "Cost Explorer requests (reconciliation)": RECONCILE_RUNS_PER_MONTH
        * RECONCILE_CE_REQUESTS_PER_RUN
        * COST_EXPLORER_PER_REQUEST,
        "GetMetricData (reconciliation)": RECONCILE_RUNS_PER_MONTH
        * models
        * RECONCILE_METRICS_PER_MODEL
        / 1000
        * GET_METRIC_DATA_PER_1000_METRICS,
        "reconciliation metrics (BilledUSD, EstimateErrorPercent)": (
            models * RECONCILE_CUSTOM_METRICS_PER_MODEL + RECONCILE_CUSTOM_METRICS_ACCOUNT
        )
        * CUSTOM_METRIC_PER_MONTH,
    }


def model(m: dict[str, Any], invocations: int = INVOCATIONS_PER_MONTH) -> dict[str, Any]:
    b = m["batched"]
    bedrock_usd_per_record = float(b["cost_usd"]) / b["records"]
    invocation_log_gb = invocations * m["log_bytes_per_record"] / GB
    scenarios = {}
    per_batch = b["records_per_batch"]
    single_ms = m["single_invocation_ms"] * GRAVITON_SLOWDOWN / cpu_share()
    cases = [
        # worst case: one record per Lambda invocation; billed duration rounds up to a whole ms
        (
            "one record per invocation",
            invocations,
            invocations * math.ceil(single_ms) / 1000,
            invocations * m["emf_bytes_per_single_invocation"],
            invocations * m["app_log_bytes_per_single_invocation"],
        ),
        # batched like the benchmark (~1,600 records per subscription event)
        (
            "batched (bench batch size)",
            invocations / per_batch,
            invocations / b["handler_records_per_s"] * GRAVITON_SLOWDOWN / cpu_share(),
            invocations * m["emf_bytes_per_record_batched"],
            invocations / per_batch * m["app_log_bytes_per_batch"],
        ),
    ]
    for name, lambda_invocations, lambda_seconds, emf_b, app_b in cases:
        lambda_log_gb = (emf_b + app_b + lambda_invocations * LAMBDA_PLATFORM_LOG_BYTES) / GB
        ingest_gb = invocation_log_gb + lambda_log_gb
        gb_s = lambda_seconds * LAMBDA_MEMORY_MB / 1024
        lines = {
            "invocation log ingestion": invocation_log_gb * LOGS_INGEST_PER_GB,
            "Lambda log ingestion (EMF + logs)": lambda_log_gb * LOGS_INGEST_PER_GB,
            "log storage": ingest_gb * STORAGE_COMPRESSION * RETENTION_MONTHS * LOGS_STORAGE_PER_GB_MONTH,
            "Lambda compute": gb_s * LAMBDA_ARM_PER_GB_S,
            "Lambda requests": lambda_invocations / 1e6 * LAMBDA_PER_MILLION_REQUESTS,
            "custom metrics": m["custom_metrics"] * CUSTOM_METRIC_PER_MONTH,
            "GetMetricData (evaluator)": EVALUATOR_RUNS_PER_MONTH
            * m["features"]
            * EVALUATOR_METRICS_PER_FEATURE
            / 1000
            * GET_METRIC_DATA_PER_1000_METRICS,
            **reconcile_lines(m["models"]),
        }
        total = sum(lines.values())
        scenarios[name] = {
            "lines": lines,
            "total": total,
            "gb_ingested": ingest_gb,
            "lambda_gb_s": gb_s,
            "lambda_invocations": lambda_invocations,
        }
    bedrock = bedrock_usd_per_record * invocations
    return {"bedrock_usd": bedrock, "scenarios": scenarios}


def main() -> None:
    m = measure()
    r = model(m)
    b = m["batched"]
    print(f"guardrail cost model: {INVOCATIONS_PER_MONTH:,} Bedrock invocations/month, example prod account")
    print(
        f"  measured: invocation log {m['log_bytes_per_record']:.0f} B/record "
        f"(incl. {CWL_EVENT_OVERHEAD_BYTES} B event overhead); handler {b['handler_records_per_s']:,.0f} "
        f"records/CPU-s batched, {m['single_invocation_ms']:.3f} ms per 1-record invocation (local core)"
    )
    print(
        f"  measured: EMF {m['emf_bytes_per_single_invocation']:.0f} B + app log "
        f"{m['app_log_bytes_per_single_invocation']:.0f} B per 1-record invocation; EMF "
        f"{m['emf_bytes_per_record_batched']:.1f} B/record batched; {m['custom_metrics']} custom metrics "
        f"({m['features']} application/feature pairs, {m['models']} models)"
    )
    print(f"  Bedrock spend of this traffic mix: ${r['bedrock_usd']:,.2f}/month")
    for name, s in r["scenarios"].items():
        print(
            f"  -- {name}: {s['lambda_invocations']:,.0f} Lambda invocations, "
            f"{s['lambda_gb_s']:,.1f} GB-s, {s['gb_ingested']:.3f} GB ingested"
        )
        for line, usd in s["lines"].items():
            print(f"     {line:<56} ${usd:>9.2f}")
        share = 100 * s["total"] / r["bedrock_usd"]
        print(f"     {'total':<56} ${s['total']:>9.2f}   ({share:.2f}% of the Bedrock spend it guards)")
    if "--json" in sys.argv:
        print(json.dumps({"measured": m, "model": r}, indent=1, default=str))


if __name__ == "__main__":
    main()
