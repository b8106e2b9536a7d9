"""Shared builders for the metering tests: real-format records and subscription envelopes."""

from __future__ import annotations

import base64
import copy
import gzip
import json
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsLambdaContext

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "tests" / "data" / "invocation-logs.jsonl"
METERING_DATA = ROOT / "tests" / "data" / "metering"
ACCOUNT = "222222222222"
TICKET_PROFILE_ID = "tsprof0a1b2c"
TICKET_PROFILE_ARN = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/{TICKET_PROFILE_ID}"


def sample_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines() if line.strip()]


def data_records(name: str) -> list[dict[str, Any]]:
    text = (METERING_DATA / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


_BASE = sample_records()[0]


def record(**changes: Any) -> dict[str, Any]:
    """The first real sample record (Claude 3 Haiku, support-chat metadata) with top-level changes.

    ``input``/``output`` given as dicts replace the whole object; a value of ``...`` deletes the key.
    """
    rec = copy.deepcopy(_BASE)
    for key, value in changes.items():
        if value is ...:
            rec.pop(key, None)
        else:
            rec[key] = value
    return rec


def usage(
    input_tokens: int = 0, output_tokens: int = 0, cache_read: int = 0, cache_write: int = 0
) -> dict[str, Any]:
    inp: dict[str, Any] = {"inputContentType": "application/json", "inputTokenCount": input_tokens}
    if cache_read or cache_write:
        inp["cacheReadInputTokenCount"] = cache_read
        inp["cacheWriteInputTokenCount"] = cache_write
    return {
        "input": inp,
        "output": {"outputContentType": "application/json", "outputTokenCount": output_tokens},
    }


def log_events(
    messages: Iterable[str | dict[str, Any]], start_ms: int = 1_793_628_300_000
) -> list[dict[str, Any]]:
    return [
        {
            "id": f"3800000000000000000000000000000000000000000000{k:010d}",
            "timestamp": start_ms + k,
            "message": m if isinstance(m, str) else json.dumps(m),
        }
        for k, m in enumerate(messages)
    ]


def subscription_event(
    messages: Iterable[str | dict[str, Any]], message_type: str = "DATA_MESSAGE"
) -> dict[str, Any]:
    """A real CloudWatch Logs → Lambda subscription event: {"awslogs": {"data": base64(gzip(json))}}."""
    payload = {
        "messageType": message_type,
        "owner": ACCOUNT if message_type == "DATA_MESSAGE" else "CloudwatchLogs",
        "logGroup": "/aws/bedrock/invocation-logs" if message_type == "DATA_MESSAGE" else "",
        "logStream": "aws/bedrock/modelinvocations" if message_type == "DATA_MESSAGE" else "",
        "subscriptionFilters": ["genai-guardrails-metering"] if message_type == "DATA_MESSAGE" else [],
        "logEvents": log_events(messages)
        if message_type == "DATA_MESSAGE"
        else [
            {
                "id": "",
                "timestamp": 1_793_628_300_000,
                "message": "CWL CONTROL MESSAGE: Checking health of destination Lambda.",
            }
        ],
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()}}


class LambdaContext(PowertoolsLambdaContext):
    """Stand-in for the Lambda context (as Powertools' own tests use), of a function with a 60 s timeout
    invoked when the context is created; ``clock`` (seconds) is what the remaining time is counted on."""

    def __init__(self, timeout_seconds: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._deadline = clock() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:  # type: ignore[override]
        return int((self._deadline - self._clock()) * 1000)

    function_name = "genai-guardrails-metering"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:genai-guardrails-metering"
    aws_request_id = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    log_group_name = "/aws/lambda/genai-guardrails-metering"
    log_stream_name = "2026/11/02/[$LATEST]abc"


@contextmanager
def wall_clock_at(iso: str) -> Iterator[None]:
    """The handler's wall clock pinned to an ISO 8601 instant (UTC when no zone): the sample records are
    dated 2026-11-02 and the handler counts records outside CloudWatch's window as malformed."""
    from lambdas.metering import handler

    when = datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()
    saved = handler.clock
    handler.clock = lambda: when
    try:
        yield
    finally:
        handler.clock = saved


# An hour after the sample records' minutes (2026-11-02T14:05 .. 14:09).
SAMPLES_NOW = "2026-11-02T15:00:00Z"


def emf_documents(stdout: str) -> list[dict[str, Any]]:
    """Every EMF blob in captured stdout (one JSON document per line with an _aws key)."""
    docs = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            doc = json.loads(line)
            if "_aws" in doc:
                docs.append(doc)
    return docs
