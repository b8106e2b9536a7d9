"""Parsing one log event: real records, and every malformed case."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lambdas.metering.aggregate import Meter
from lambdas.metering.records import (
    MAX_TOKENS_PER_RECORD,
    InvocationRecord,
    MalformedRecord,
    minute_of,
    parse_record,
)
from tests.unit.metering.helpers import log_events, record, sample_records, usage


def test_every_sample_record_parses() -> None:
    for rec in sample_records():
        parsed = parse_record(json.dumps(rec))
        assert isinstance(parsed, InvocationRecord), parsed


def test_fields_of_a_real_record() -> None:
    rec = sample_records()[1]  # sonnet 4 via us. profile ARN, cache read + write
    parsed = parse_record(json.dumps(rec))
    assert isinstance(parsed, InvocationRecord)
    assert parsed.minute_ms == 1_793_628_300_000  # 2026-11-02T14:05:00Z
    assert parsed.region == "us-east-1"
    assert parsed.model_id == rec["modelId"]
    assert parsed.identity_arn == "arn:aws:sts::222222222222:assumed-role/search-indexer/worker-7"
    assert parsed.request_metadata is None
    assert parsed.error_code is None
    assert (parsed.input_tokens, parsed.output_tokens) == (1204, 733)
    assert (parsed.cache_read_tokens, parsed.cache_write_tokens) == (18000, 2048)


def test_throttled_record_keeps_error_code() -> None:
    parsed = parse_record(json.dumps(sample_records()[3]))
    assert isinstance(parsed, InvocationRecord)
    assert parsed.error_code == "ThrottlingException"
    assert parsed.input_tokens == parsed.output_tokens == 0


def test_failed_record_without_token_counts_is_metered_with_zero() -> None:
    rec = record(errorCode="ValidationException", input=..., output=...)
    parsed = parse_record(json.dumps(rec))
    assert isinstance(parsed, InvocationRecord)
    assert (parsed.input_tokens, parsed.output_tokens, parsed.error_code) == (0, 0, "ValidationException")


def test_optional_fields_default() -> None:
    rec = record(identity=..., requestMetadata=..., output={"outputContentType": "application/json"})
    parsed = parse_record(json.dumps(rec).encode())  # bytes work too
    assert isinstance(parsed, InvocationRecord)
    assert parsed.identity_arn is None and parsed.request_metadata is None and parsed.output_tokens == 0


@pytest.mark.parametrize(
    ("timestamp", "minute"),
    [
        ("2026-11-02T14:05:17Z", "2026-11-02T14:05:00+00:00"),
        ("2026-11-02T14:05:59.999Z", "2026-11-02T14:05:00+00:00"),
        ("2026-11-02T15:05:17+01:00", "2026-11-02T14:05:00+00:00"),
        ("2026-11-02T14:05:17", "2026-11-02T14:05:00+00:00"),  # no zone: UTC
    ],
)
def test_minute_of(timestamp: str, minute: str) -> None:
    from datetime import datetime

    assert minute_of(timestamp) == int(datetime.fromisoformat(minute).timestamp() * 1000)


def _bad_counts(**fields: Any) -> dict[str, Any]:
    u = usage(10, 10)
    for k, v in fields.items():
        target = u["output"] if k == "outputTokenCount" else u["input"]
        target[k] = v
    return record(**u)


MALFORMED: list[tuple[str, str | bytes, str]] = [
    ("not json", "this is not json {", "not JSON"),
    ("invalid utf-8", b"\xff\xfe{", "not JSON"),
    ("json array", "[1, 2]", "not a JSON object"),
    ("json string", '"ModelInvocationLog"', "not a JSON object"),
    ("wrong schemaType", json.dumps(record(schemaType="SomethingElse")), "schemaType"),
    ("missing schemaType", json.dumps(record(schemaType=...)), "schemaType"),
    ("missing modelId", json.dumps(record(modelId=...)), "missing modelId"),
    ("empty modelId", json.dumps(record(modelId="")), "missing modelId"),
    ("numeric modelId", json.dumps(record(modelId=42)), "missing modelId"),
    ("missing timestamp", json.dumps(record(timestamp=...)), "missing timestamp"),
    ("bad timestamp", json.dumps(record(timestamp="yesterday")), "not ISO 8601"),
    ("missing region", json.dumps(record(region=...)), "missing region"),
    ("missing input", json.dumps(record(input=...)), "missing input"),
    ("input not object", json.dumps(record(input=[1])), "input is not an object"),
    ("output not object", json.dumps(record(output="x")), "output is not an object"),
    (
        "missing inputTokenCount",
        json.dumps(record(input={"inputContentType": "application/json"})),
        "missing",
    ),
    ("negative input", json.dumps(_bad_counts(inputTokenCount=-1)), "negative"),
    ("negative output", json.dumps(_bad_counts(outputTokenCount=-5)), "negative"),
    ("negative cache read", json.dumps(_bad_counts(cacheReadInputTokenCount=-1)), "negative"),
    ("float input", json.dumps(_bad_counts(inputTokenCount=12.5)), "not an integer"),
    ("integral float", json.dumps(_bad_counts(inputTokenCount=12.0)), "not an integer"),
    ("string count", json.dumps(_bad_counts(outputTokenCount="12")), "not an integer"),
    ("bool count", json.dumps(_bad_counts(inputTokenCount=True)), "boolean"),
    ("bool cache write", json.dumps(_bad_counts(cacheWriteInputTokenCount=False)), "boolean"),
    ("over 100M one count", json.dumps(_bad_counts(inputTokenCount=MAX_TOKENS_PER_RECORD + 1)), "exceeds"),
    (
        "over 100M in total",
        json.dumps(_bad_counts(inputTokenCount=60_000_000, outputTokenCount=50_000_000)),
        "over 100000000",
    ),
]


@pytest.mark.parametrize(
    ("message", "reason"), [(m, r) for _, m, r in MALFORMED], ids=[i for i, _, _ in MALFORMED]
)
def test_malformed_cases(message: str | bytes, reason: str) -> None:
    parsed = parse_record(message)
    assert isinstance(parsed, MalformedRecord), parsed
    assert reason in parsed.reason


def test_exactly_100m_tokens_is_allowed() -> None:
    parsed = parse_record(json.dumps(_bad_counts(inputTokenCount=MAX_TOKENS_PER_RECORD - 10)))
    assert isinstance(parsed, InvocationRecord)


def test_malformed_records_are_counted_and_the_rest_metered(meter: Meter) -> None:
    good = sample_records()
    messages: list[Any] = [m for _, m, _ in MALFORMED if isinstance(m, str)]
    events = log_events([*good[:3], *messages, *good[3:]])
    events.append({"id": "no-message", "timestamp": 0})  # a log event without a message at all
    result = meter.meter(events)
    assert result.records == len(good)
    assert result.malformed == len(messages) + 1
    assert sum(d.invocations for d in result.docs) == len(good)
    event_id, reason, first_bytes = result.malformed_samples[0]
    assert event_id == events[3]["id"] and reason == "not JSON" and first_bytes == messages[0][:200]
    assert all(len(s[2].encode()) <= 200 for s in result.malformed_samples)
