"""Calls a Bedrock guardrail stopped: invocations with zero tokens (not malformed), counted in
GuardrailInterventions when the record says so (body) or, without bodies, when a per-token model read no
prompt token. Records: tests/data/metering/guardrails.jsonl (see its README)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from lambdas.metering import handler
from lambdas.metering.aggregate import GUARDRAILS_MODEL, Meter
from lambdas.metering.records import InvocationRecord, MalformedRecord, parse_record
from tests.unit.metering.helpers import (
    SAMPLES_NOW,
    LambdaContext,
    data_records,
    emf_documents,
    log_events,
    record,
    subscription_event,
    usage,
    wall_clock_at,
)

D = Decimal
M = D(1_000_000)
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"
RECORDS = {r["requestId"][-2:]: r for r in data_records("guardrails.jsonl")}
UNITS = {int(r["requestId"][-2:]): r for r in data_records("units.jsonl")}


def test_a_blocked_invoke_model_without_bodies_parses_as_zero_tokens() -> None:
    parsed = parse_record(json.dumps(RECORDS["g1"]))
    assert isinstance(parsed, InvocationRecord), parsed
    assert parsed[6:10] == (0, 0, 0, 0) and parsed.error_code is None and parsed.detail is None


@pytest.mark.parametrize("suffix", ["g2", "g3", "g4"])
def test_the_body_says_the_guardrail_intervened(suffix: str) -> None:
    parsed = parse_record(json.dumps(RECORDS[suffix]))
    assert isinstance(parsed, InvocationRecord) and parsed.detail is not None
    assert parsed.detail.guardrail_intervened


def test_a_body_that_answered_says_no_intervention() -> None:
    parsed = parse_record(json.dumps(RECORDS["g5"]))
    assert isinstance(parsed, InvocationRecord)
    assert parsed.detail is None or not parsed.detail.guardrail_intervened


@pytest.mark.parametrize(
    ("suffix", "tokens", "interventions"), [("g1", 0, 1), ("g2", 0, 1), ("g3", 0, 1), ("g5", 32, 0)]
)
def test_each_record_is_one_invocation(meter: Meter, suffix: str, tokens: int, interventions: int) -> None:
    result = meter.meter(log_events([RECORDS[suffix]]))
    assert (result.records, result.malformed, result.guardrail_interventions) == (1, 0, interventions)
    (doc,) = [d for d in result.docs if d.model == HAIKU3]
    assert (doc.invocations, doc.failed, doc.unpriced) == (1, 0, 0)
    assert doc.input_tokens + doc.output_tokens == tokens
    assert doc.guardrail_interventions == interventions
    assert doc.cost_usd == (12 * D("0.25") + 20 * D("1.25")) / M if tokens else doc.cost_usd == 0
    assert result.unpriced_reasons == {}


def test_output_blocked_after_the_model_ran_keeps_its_tokens_and_cost(meter: Meter) -> None:
    result = meter.meter(log_events([RECORDS["g4"]]))
    docs = {d.model: d for d in result.docs}
    doc = docs[SONNET4]
    assert (doc.invocations, doc.guardrail_interventions, doc.input_tokens, doc.output_tokens) == (
        1,
        1,
        1200,
        300,
    )
    assert doc.cost_usd == (1200 * D(3) + 300 * D(15)) / M
    assert docs[GUARDRAILS_MODEL].cost_usd == D("0.15") / 1000  # one content-policy text unit


@pytest.fixture
def aws(runtime_file: Path) -> Iterator[None]:
    handler.reset_meter()
    with wall_clock_at(SAMPLES_NOW):
        yield
    handler.reset_meter()


def test_through_the_handler(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    summary = handler.lambda_handler(subscription_event(list(RECORDS.values())), LambdaContext())
    assert (summary["records"], summary["malformed"]) == (5, 0)
    docs = emf_documents(capsys.readouterr().out)
    assert not [d for d in docs if "MalformedRecords" in d]
    by_key = {(d["_aws"]["Timestamp"] // 60_000 % 60, d["Model"]): d for d in docs}
    blocked = by_key[(21, HAIKU3)]
    assert (blocked["Invocations"], blocked["GuardrailInterventions"], blocked["InputTokens"]) == (3, 3, 0)
    assert blocked["CostUSD"] == 0.0 and blocked["UnpricedInvocations"] == 0
    assert by_key[(22, SONNET4)]["GuardrailInterventions"] == 1
    answered = by_key[(22, HAIKU3)]
    assert answered["Invocations"] == 1 and "GuardrailInterventions" not in answered
    assert "GuardrailInterventions" not in {
        m["Name"] for m in answered["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    }
    # Guardrail text units (2 content + 1 topic at 14:21, 1 content at 14:22) at 0.15 USD per 1,000.
    assert by_key[(21, GUARDRAILS_MODEL)]["CostUSD"] == 0.00045
    assert by_key[(22, GUARDRAILS_MODEL)]["CostUSD"] == 0.00015
    assert sum(d.get("GuardrailInterventions", 0) for d in docs) == 4


def test_zero_tokens_of_a_model_billed_per_image_is_not_taken_for_a_block(meter: Meter) -> None:
    # Nova Canvas and Stable Diffusion without bodies: zero tokens is what every call of theirs logs.
    result = meter.meter(log_events([UNITS[2], UNITS[4]]))
    assert result.records == 2 and result.guardrail_interventions == 0


def test_failed_and_throttled_calls_are_not_interventions(meter: Meter) -> None:
    recs = [
        record(errorCode="ThrottlingException", input=..., output=...),
        record(errorCode="ValidationException", **usage(0, 0)),
    ]
    result = meter.meter(log_events(recs))
    assert (result.records, result.guardrail_interventions) == (2, 0)
    (doc,) = result.docs
    assert (doc.failed, doc.throttled, doc.guardrail_interventions) == (2, 1, 0)


def test_an_output_count_without_an_input_count_is_still_malformed() -> None:
    rec = record(input={"inputContentType": "application/json"})  # the sample's output has a count
    parsed = parse_record(json.dumps(rec))
    assert isinstance(parsed, MalformedRecord) and "missing input.inputTokenCount" in parsed.reason


def test_a_blocked_record_and_a_normal_one_share_a_document(meter: Meter) -> None:
    blocked = RECORDS["g1"] | {"timestamp": "2026-11-02T14:05:30Z"}
    normal = record(**usage(100, 10))  # same minute, model and feature as the blocked one
    (doc,) = meter.meter(log_events([blocked, normal])).docs
    assert (doc.invocations, doc.guardrail_interventions, doc.input_tokens) == (2, 1, 100)


def test_a_call_with_any_token_is_not_taken_for_a_block(meter: Meter) -> None:
    result = meter.meter(log_events([record(**usage(0, 5)), record(**usage(0, 0, cache_read=40))]))
    assert (result.records, result.guardrail_interventions) == (2, 0)
