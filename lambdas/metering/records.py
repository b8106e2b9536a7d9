"""Parse and validate one CloudWatch Logs event as a Bedrock ``ModelInvocationLog`` record.

The result is either an ``InvocationRecord`` (a NamedTuple: cheap to build, no per-record dict copies) or a
``MalformedRecord`` carrying a one-line reason. Validation rules:

* the message is a JSON object whose ``schemaType`` is ``ModelInvocationLog``;
* ``modelId`` and ``region`` are non-empty strings; ``timestamp`` is an ISO 8601 string (no zone = UTC)
  not before 1970 (a year-0001 timestamp would give a negative EMF timestamp); whether it is inside
  CloudWatch's window (``timestamp_problem``) depends on the clock, so the Meter checks that;
* token counts are JSON integers (not floats, strings or booleans), >= 0, and the record's total is at most
  ``MAX_TOKENS_PER_RECORD``; ``input.inputTokenCount`` is required when the record has other token counts
  and no ``errorCode``; ``output.outputTokenCount`` and the cache counts default to 0 when absent or null
  (embedding and failed calls omit them). A record with an ``input`` object and no token count at all is a
  call that never reached the model (an ``InvokeModel`` a guardrail blocked is logged so: no counts, no
  ``errorCode``): an invocation with zero tokens;
* ``identity.arn`` and ``requestMetadata`` are optional (without them only fewer attribution rules apply).

``input.cacheWriteInputTokenCount`` counts all cache writes; only a response body says how many had a 1-hour
TTL. A record that carries a request or response body (text/image data delivery on) also gets a
``RecordDetail`` (``usage_detail``): service tier, prompt-router target, images, queries, speech tokens,
guardrail units. Such a record may lack ``inputTokenCount`` (image models), which then counts as 0.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, NamedTuple

from lambdas.metering.usage_detail import NOTHING_NEW, RecordDetail, record_detail

SCHEMA_TYPE = "ModelInvocationLog"
MAX_TOKENS_PER_RECORD = 100_000_000
_MINUTE_MS = 60_000
_MAX_CACHED_TIMESTAMPS = 100_000
# CloudWatch accepts metric data points up to 14 days old and up to 2 hours ahead of its clock.
MAX_PAST_MS = 14 * 24 * 3600 * 1000
MAX_FUTURE_MS = 2 * 3600 * 1000

_loads = json.loads


class InvocationRecord(NamedTuple):
    minute_ms: int  # start of the record's own minute, epoch milliseconds (UTC)
    region: str
    model_id: str
    identity_arn: str | None
    request_metadata: dict[str, Any] | None
    error_code: str | None
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    detail: RecordDetail | None = None  # only for records that carry a request/response body


class MalformedRecord(NamedTuple):
    reason: str


_minute_cache: dict[str, int] = {}


def minute_of(timestamp: str) -> int | None:
    """Epoch ms of the start of the minute of an ISO 8601 timestamp, or None when it does not parse."""
    minute = _minute_cache.get(timestamp)
    if minute is not None:
        return minute
    try:
        parsed = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    minute = int(parsed.timestamp() // 60) * _MINUTE_MS
    if len(_minute_cache) >= _MAX_CACHED_TIMESTAMPS:
        _minute_cache.clear()
    _minute_cache[timestamp] = minute
    return minute


def timestamp_problem(minute_ms: int, now_ms: int) -> str | None:
    """Why CloudWatch would drop a data point stamped ``minute_ms`` at ``now_ms`` (None: it keeps it)."""
    if minute_ms < now_ms - MAX_PAST_MS:
        return "timestamp more than 14 days old (CloudWatch drops such metric data)"
    if minute_ms > now_ms + MAX_FUTURE_MS:
        return "timestamp more than 2 hours ahead (CloudWatch drops such metric data)"
    return None


def _count_problem(name: str, value: Any) -> str:
    if value is None:
        return f"missing {name}"
    if type(value) is bool:
        return f"{name} is a boolean ({value!r})"
    if type(value) is float:
        return f"{name} is not an integer ({value!r})"
    if type(value) is not int:
        return f"{name} is not an integer (got {type(value).__name__})"
    if value < 0:
        return f"{name} is negative ({value})"
    return f"{name} exceeds {MAX_TOKENS_PER_RECORD} tokens ({value})"


def _counts_problem(counts: tuple[tuple[str, Any], ...]) -> str:
    for name, value in counts:
        if type(value) is not int or value < 0 or value > MAX_TOKENS_PER_RECORD:
            return _count_problem(name, value)
    total = sum(v for _, v in counts)
    return f"token counts total {total}, over {MAX_TOKENS_PER_RECORD} in one record"


def parse_record(message: str | bytes) -> InvocationRecord | MalformedRecord:
    """Parse one log event message. Never raises."""
    try:
        rec = _loads(message)
    except (ValueError, TypeError, RecursionError):
        return MalformedRecord("not JSON")
    if type(rec) is not dict:
        return MalformedRecord(f"not a JSON object (got {type(rec).__name__})")
    if rec.get("schemaType") != SCHEMA_TYPE:
        return MalformedRecord(f"schemaType is {rec.get('schemaType')!r}, not {SCHEMA_TYPE!r}")
    model_id = rec.get("modelId")
    if type(model_id) is not str or not model_id:
        return MalformedRecord("missing modelId")
    ts = rec.get("timestamp")
    if type(ts) is not str:
        return MalformedRecord("missing timestamp")
    minute = _minute_cache.get(ts)
    if minute is None:
        minute = minute_of(ts)
        if minute is None:
            return MalformedRecord(f"timestamp {ts[:40]!r} is not ISO 8601")
    if minute < 0:
        return MalformedRecord(f"timestamp {ts[:40]!r} is before 1970")
    region = rec.get("region")
    if type(region) is not str or not region:
        return MalformedRecord("missing region")

    error = rec.get("errorCode")
    if error is not None and type(error) is not str:
        error = str(error)
    if not error:
        error = None

    inp = rec.get("input")
    if type(inp) is not dict:
        if inp is not None:
            return MalformedRecord(f"input is not an object (got {type(inp).__name__})")
        if error is None:
            return MalformedRecord("missing input")
        inp = {}
    out = rec.get("output")
    if type(out) is not dict:
        if out is not None:
            return MalformedRecord(f"output is not an object (got {type(out).__name__})")
        out = {}
    has_body = "inputBodyJson" in inp or "outputBodyJson" in out
    i = inp.get("inputTokenCount")
    o = out.get("outputTokenCount")
    cr = inp.get("cacheReadInputTokenCount")
    cw = inp.get("cacheWriteInputTokenCount")
    if i is None and (error is not None or has_body or (o is None and cr is None and cw is None)):
        i = 0  # failed, image/body record, or never reached the model (no count at all)
    if o is None:
        o = 0
    if cr is None:
        cr = 0
    if cw is None:
        cw = 0
    if (
        type(i) is not int
        or type(o) is not int
        or type(cr) is not int
        or type(cw) is not int
        or i < 0
        or o < 0
        or cr < 0
        or cw < 0
        or i + o + cr + cw > MAX_TOKENS_PER_RECORD
    ):
        return MalformedRecord(
            _counts_problem(
                (
                    ("input.inputTokenCount", i),
                    ("output.outputTokenCount", o),
                    ("input.cacheReadInputTokenCount", cr),
                    ("input.cacheWriteInputTokenCount", cw),
                )
            )
        )

    identity = rec.get("identity")
    arn = identity.get("arn") if type(identity) is dict else None
    if type(arn) is not str:
        arn = None
    metadata = rec.get("requestMetadata")
    if type(metadata) is not dict or not metadata:
        metadata = None
    if has_body:
        detail = record_detail(inp, out)
        if detail is None and error is None and not i + o + cr + cw:
            # The bodies say no guardrail intervened: keep that (see aggregate, GuardrailInterventions).
            detail = NOTHING_NEW
        if detail is not None:
            if detail.cache_write_1h > cw:
                return MalformedRecord(
                    f"response body reports {detail.cache_write_1h} 1-hour cache-write tokens, more than "
                    f"input.cacheWriteInputTokenCount ({cw})"
                )
            return InvocationRecord(minute, region, model_id, arn, metadata, error, i, o, cr, cw, detail)
    return InvocationRecord(minute, region, model_id, arn, metadata, error, i, o, cr, cw)


def is_throttle(error_code: str) -> bool:
    """``ThrottlingException`` (and the lower-case ``throttling`` some clients log) counts as throttled."""
    return "throttl" in error_code.lower()
