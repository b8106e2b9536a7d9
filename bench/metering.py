"""Metering throughput: realistic invocation-log records through the real handler, dense and sparse.

    .venv/bin/python bench/metering.py          (also run by `make bench`)

Generates records for the example config's prod account (all attribution kinds, model-id forms, cache and
long-context usage, throttles, errors, a few malformed lines) and packs them into gzip+base64 CloudWatch
Logs subscription events in two shapes:

* dense: 100,000 records in events of realistic size (up to 1 MB of messages or 10,000 events each);
* sparse: 30,000 records as low-volume features log them: each event a few records of one minute, in one
  to four (feature, model) groups of three, so about one EMF document per three records;

then measures, for each:

* floor:   base64 + gzip decode + json.loads of the envelope and of every message, nothing else;
* handler: ``lambda_handler`` end to end (decode, parse, attribute, aggregate, price, EMF print), warm
           container (best of several passes; the first, cold pass is reported too);
* EMF bytes written per 1,000 records.

Times are process CPU time (``time.process_time``), best of ``PASSES`` passes.

Prints a table; ``--json`` prints the figures as JSON (used by bench/cost_model.py).
"""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import random
import sys
import tempfile
import time
import uuid
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RECORDS = 100_000
SPARSE_RECORDS = 30_000
MAX_BATCH_BYTES = 1_000_000
MAX_BATCH_EVENTS = 10_000
PASSES = 5
# CPU time of this process, not wall time: the figure is "records per CPU-second on one core", and it is
# far less disturbed by other processes on a shared machine than perf_counter (the code is single-threaded).
CLOCK = time.process_time
ACCOUNT = "222222222222"
REGION = "us-east-1"
TICKET_PROFILE = "tsprof0a1b2c"  # created by the stack for ticket-summary (GUARDRAILS_PROFILE_FEATURES)
FOREIGN_PROFILE = "xq7forgn9z1k"  # not in config: resolved once through GetInferenceProfile


def _arn(kind: str, rid: str) -> str:
    return f"arn:aws:bedrock:{REGION}:{ACCOUNT}:{kind}/{rid}"


# (weight, feature-ish label, identity role/session, metadata, model ids, (input, output, cache read, write))
_PROFILES: list[tuple[int, str, str, dict[str, str] | None, list[str], tuple[int, int, int, int]]] = [
    (40, "support-chat", "support-chat-api/i-0{n:03x}", {"feature": "support-chat"},
     ["global.anthropic.claude-haiku-4-5-20251001-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
      "anthropic.claude-3-haiku-20240307-v1:0"], (1500, 400, 6000, 300)),
    (15, "ticket-summary", "ticket-worker/{n}", {"tenant": "t{n}"},
     [_arn("application-inference-profile", TICKET_PROFILE)], (4000, 300, 0, 0)),
    (15, "kb-search", "search-indexer/worker-{n}", None,
     [_arn("inference-profile", "us.anthropic.claude-sonnet-4-20250514-v1:0"),
      _arn("foundation-model", "anthropic.claude-sonnet-4-20250514-v1:0")], (2500, 700, 18000, 2048)),
    (8, "report-writer", "report-writer/job-{n}", None,
     ["eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "us.anthropic.claude-opus-4-5-20251101-v1:0"],
     (8000, 2500, 0, 0)),
    (12, "doc-embedding", "rag-embedder/batch-{n}", {"feature": "doc-embedding"},
     ["amazon.titan-embed-text-v2:0", "cohere.embed-english-v3"], (800, 0, 0, 0)),
    (6, "unattributed", "analytics/{n}", None, ["amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0",
     "meta.llama3-3-70b-instruct-v1:0"], (2000, 800, 0, 0)),
    (2, "foreign-profile", "batch-tool/{n}", None, [_arn("application-inference-profile", FOREIGN_PROFILE)],
     (3000, 500, 0, 0)),
    (2, "unknown-model", "labs/{n}", {"feature": "support-chat"}, ["acme.secret-model-v9:0"],
     (100, 100, 0, 0)),
]  # fmt: skip


def make_record(rng: random.Random, when: datetime) -> str:
    weights = [p[0] for p in _PROFILES]
    _, _label, role, metadata, models, (ti, to, tcr, tcw) = rng.choices(_PROFILES, weights)[0]
    model = rng.choice(models)
    err = None
    roll = rng.random()
    if roll < 0.01:
        err = "ThrottlingException"
    elif roll < 0.015:
        err = "ValidationException"
    long_ctx = "sonnet-4" in model and rng.random() < 0.02
    inp = 0 if err else max(1, int(rng.gauss(ti, ti / 3))) + (210_000 if long_ctx else 0)
    out = 0 if err else max(0, int(rng.gauss(to, to / 3)))
    cr = 0 if err or not tcr or rng.random() < 0.5 else int(rng.uniform(0.5, 1.5) * tcr)
    cw = 0 if err or not tcw or rng.random() < 0.8 else int(rng.uniform(0.5, 1.5) * tcw)
    n = rng.randrange(64)
    rec: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": ACCOUNT,
        "identity": {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role.format(n=n)}"},
        "region": REGION,
        "requestId": str(uuid.UUID(int=rng.getrandbits(128))),
        "operation": rng.choice(["Converse", "ConverseStream", "InvokeModel"]),
        "modelId": model,
    }
    if model.startswith(("us.", "eu.", "global.")) or "inference-profile/" in model:
        rec["inferenceRegion"] = rng.choice(["us-east-1", "us-east-2", "us-west-2"])
    if err:
        rec["errorCode"] = err
    rec["input"] = {"inputContentType": "application/json", "inputTokenCount": inp}
    if tcr:
        rec["input"]["cacheReadInputTokenCount"] = cr
        rec["input"]["cacheWriteInputTokenCount"] = cw
    rec["output"] = {"outputContentType": "application/json", "outputTokenCount": out}
    if metadata:
        rec["requestMetadata"] = {k: v.format(n=n) for k, v in metadata.items()}
    return json.dumps(rec)


def make_messages(count: int, seed: int = 7, start: datetime | None = None) -> list[str]:
    rng = random.Random(seed)
    start = start or datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)
    out = []
    for k in range(count):
        when = start + timedelta(seconds=k * 1800 / count)  # 30 minutes of traffic
        if rng.random() < 0.0005:
            out.append(rng.choice(['{"schemaType": "ModelInvocationLog", "modelId": 1}', "not json {", "[]"]))
        else:
            out.append(make_record(rng, when))
    return out


def make_sparse_batches(count: int, seed: int = 13, start: datetime | None = None) -> list[list[str]]:
    """Sparse traffic: batches of one to four groups of three records, each group one (feature, model) in
    one minute (one EMF document), so about a document per three records."""
    rng = random.Random(seed)
    start = start or datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=30)
    batches: list[list[str]] = []
    made = 0
    while made < count:
        when = start + timedelta(seconds=rng.uniform(0, 1800))
        when = when.replace(second=rng.randrange(0, 50))  # the batch's records stay in one minute
        groups: dict[tuple[str, str], dict[str, Any]] = {}
        for _ in range(rng.randint(1, 4)):
            for _attempt in range(10):
                rec = json.loads(make_record(rng, when))
                key = (rec["modelId"], json.dumps([rec.get("requestMetadata"), rec["identity"]["arn"]]))
                if key not in groups:
                    groups[key] = rec
                    break
        batch = []
        for rec in groups.values():
            for k in range(3):
                copy = dict(rec, requestId=str(uuid.UUID(int=rng.getrandbits(128))))
                copy["timestamp"] = (when + timedelta(seconds=3 * k)).strftime("%Y-%m-%dT%H:%M:%SZ")
                batch.append(json.dumps(copy))
        batches.append(batch[: count - made])
        made += len(batches[-1])
    return batches


def _event(batch: list[dict[str, Any]]) -> dict[str, Any]:
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": ACCOUNT,
        "logGroup": "/aws/bedrock/invocation-logs",
        "logStream": "aws/bedrock/modelinvocations",
        "subscriptionFilters": ["genai-guardrails-metering"],
        "logEvents": batch,
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(payload).encode(), 6)).decode()}}


def pack_batches(batches: list[list[str]]) -> list[dict[str, Any]]:
    """One subscription event per batch of messages."""
    base_ms = int(time.time() * 1000)
    events = []
    k = 0
    for messages in batches:
        log_events = []
        for msg in messages:
            event_id = str(38_000_000_000_000_000_000_000_000_000_000_000 + k)
            log_events.append({"id": event_id, "timestamp": base_ms + k, "message": msg})
            k += 1
        events.append(_event(log_events))
    return events


def pack(messages: list[str]) -> list[dict[str, Any]]:
    """CloudWatch Logs subscription events: {"awslogs": {"data": base64(gzip(json))}}."""
    events: list[dict[str, Any]] = []
    batch: list[dict[str, Any]] = []
    size = 0
    base_ms = int(time.time() * 1000)

    def flush() -> None:
        events.append(_event(batch))

    for k, msg in enumerate(messages):
        if batch and (size + len(msg) > MAX_BATCH_BYTES or len(batch) >= MAX_BATCH_EVENTS):
            flush()
            batch, size = [], 0
        batch.append({"id": str(37_000_000_000_000_000_000_000_000_000_000_000 + k), "timestamp": base_ms + k,
                      "message": msg})  # fmt: skip
        size += len(msg)
    if batch:
        flush()
    return events


def floor(events: list[dict[str, Any]]) -> int:
    n = 0
    loads = json.loads
    for ev in events:
        payload = loads(gzip.decompress(base64.b64decode(ev["awslogs"]["data"])))
        for le in payload["logEvents"]:
            try:  # noqa: SIM105 - contextlib.suppress per record would slow the floor down unfairly
                loads(le["message"])
            except ValueError:
                pass  # the malformed lines: the handler pays the same failed parse
            n += 1
    return n


class Context(LambdaContext):
    function_name = "genai-guardrails-metering"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:genai-guardrails-metering"
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/genai-guardrails-metering"
    log_stream_name = "bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000  # each invocation starts with the function's whole timeout


class FakeBedrock:
    """Stands in for bedrock:GetInferenceProfile (called once per unknown profile per container)."""

    def get_inference_profile(self, inferenceProfileIdentifier: str) -> dict[str, Any]:
        return {"models": [{"modelArn": f"arn:aws:bedrock:{r}::foundation-model/amazon.nova-pro-v1:0"}
                           for r in ("us-east-1", "us-east-2", "us-west-2")]}  # fmt: skip


def setup_runtime(tmp: Path) -> None:
    from config.loader import load_config
    from core.runtime_config import build_runtime_config

    config = load_config()
    prod = next(a for a in config.accounts if a.name == "prod")
    path = tmp / "runtime_config.json"
    path.write_text(build_runtime_config(config, prod).to_json(), encoding="utf-8")
    os.environ["GUARDRAILS_RUNTIME_CONFIG"] = str(path)
    os.environ["GUARDRAILS_PROFILE_FEATURES"] = json.dumps({TICKET_PROFILE: "ticket-summary"})


def run_handler(events: list[dict[str, Any]]) -> tuple[float, int, int, list[dict[str, Any]]]:
    """(seconds, records metered, EMF bytes, summaries) for one pass."""
    from lambdas.metering import handler

    sink = io.StringIO()
    ctx = Context()
    summaries = []
    t0 = CLOCK()
    with redirect_stdout(sink):
        for ev in events:
            summaries.append(handler.lambda_handler(ev, ctx))
    elapsed = CLOCK() - t0
    emf_bytes = sum(len(line) + 1 for line in sink.getvalue().splitlines() if line.startswith('{"_aws"'))
    return elapsed, sum(s["records"] + s["malformed"] for s in summaries), emf_bytes, summaries


def measure(records: int = RECORDS, passes: int = PASSES, *, sparse: bool = False) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        setup_runtime(Path(tmp))
        from lambdas.metering import handler

        handler.reset_meter()
        handler.logger.setLevel("WARNING")  # per-batch INFO lines are not part of the measurement
        handler.logger.registered_handler.setStream(io.StringIO())  # type: ignore[attr-defined]
        handler.get_meter().resolver.client_factory = lambda _region: FakeBedrock()

        if sparse:
            batches = make_sparse_batches(records)
            messages = [m for b in batches for m in b]
            events = pack_batches(batches)
        else:
            messages = make_messages(records)
            events = pack(messages)
        message_bytes = sum(len(m) for m in messages)
        floor_times = []
        for _ in range(passes):
            t0 = CLOCK()
            assert floor(events) == records
            floor_times.append(CLOCK() - t0)
        handler_times = []
        emf_bytes = 0
        summaries: list[dict[str, Any]] = []
        for _ in range(passes):
            elapsed, n, emf_bytes, summaries = run_handler(events)
            assert n == records, (n, records)
            handler_times.append(elapsed)
        best_floor, best = min(floor_times), min(handler_times)
        return {
            "records": records,
            "batches": len(events),
            "avg_message_bytes": message_bytes / records,
            "floor_records_per_s": records / best_floor,
            "handler_records_per_s": records / best,
            "handler_cold_pass_records_per_s": records / handler_times[0],
            "ratio_to_floor": best / best_floor,
            "ms_per_batch": 1000 * best / len(events),
            "records_per_batch": records / len(events),
            "emf_bytes_per_1000_records": 1000 * emf_bytes / records,
            "emf_documents": sum(s["documents"] for s in summaries),
            "records_per_emf_document": records / max(1, sum(s["documents"] for s in summaries)),
            "malformed": sum(s["malformed"] for s in summaries),
            "cost_usd": str(sum((float(s["cost_usd"]) for s in summaries), 0.0)),
            "python": sys.version.split()[0],
        }


def _print(title: str, r: dict[str, Any]) -> None:
    rows = [
        ("records (batches)", f"{r['records']:,} ({r['batches']:,} x ~{r['records_per_batch']:,.1f})"),
        ("avg record bytes", f"{r['avg_message_bytes']:.0f}"),
        ("floor: decode + json.loads", f"{r['floor_records_per_s']:,.0f} records/s"),
        ("handler (warm, best of passes)", f"{r['handler_records_per_s']:,.0f} records/s"),
        ("handler (first, cold pass)", f"{r['handler_cold_pass_records_per_s']:,.0f} records/s"),
        ("ratio handler / floor", f"{r['ratio_to_floor']:.2f}x  (target <= 3x)"),
        ("time per batch", f"{r['ms_per_batch']:.2f} ms"),
        ("EMF bytes / 1,000 records", f"{r['emf_bytes_per_1000_records']:,.0f}"),
        (
            "EMF documents (one pass)",
            f"{r['emf_documents']:,} (one per {r['records_per_emf_document']:.1f} records)",
        ),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"{title} (Python {r['python']}, one core)")
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")


def main() -> None:
    dense = measure()
    sparse = measure(SPARSE_RECORDS, sparse=True)
    if "--json" in sys.argv:
        print(json.dumps(dense | {"sparse": sparse}, indent=1))
        return
    _print("metering benchmark, dense traffic", dense)
    _print("metering benchmark, sparse traffic", sparse)


if __name__ == "__main__":
    main()
