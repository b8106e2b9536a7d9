"""End to end through ``lambda_handler``: a real gzip+base64 subscription event in, EMF on stdout out.

Runs under ``moto.mock_aws`` so that any AWS call is intercepted: the only one the records below cause is
``bedrock:GetInferenceProfile`` for an application inference profile the config does not know, which moto
does not implement, so that lookup fails and the record must come out unpriced (not lost).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from lambdas.metering import handler
from tests.unit.metering.helpers import (
    SAMPLES_NOW,
    LambdaContext,
    data_records,
    emf_documents,
    sample_records,
    subscription_event,
    wall_clock_at,
)

M = Decimal(1_000_000)
ENV_DIMS = [
    ["Environment", "Application"],
    ["Environment", "Application", "Feature"],
    ["Environment", "Application", "Feature", "Model"],
    ["Environment", "Model"],
]
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"
SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
TITAN = "amazon.titan-embed-text-v2:0"
NOVA_MICRO = "amazon.nova-micro-v1:0"

# Rates of the bundled catalog (USD per 1M tokens, us-east-1), written out so the expected cost below is
# hand arithmetic, not a second run of the code under test.
EXPECTED_COSTS = {
    # tests/data/invocation-logs.jsonl
    "haiku3 35 in / 446 out": 35 * Decimal("0.25") + 446 * Decimal("1.25"),
    "sonnet4 us. profile, cache read + write": (
        1204 * Decimal(3) + 733 * Decimal(15) + 18000 * Decimal("0.3") + 2048 * Decimal("3.75")
    ),
    "app profile a1b2c3d4e5f6 → us. haiku 4.5 (geo)": 5120 * Decimal("1.1") + 1900 * Decimal("5.5"),
    "throttled global haiku 4.5": Decimal(0),
    "titan embed v2": 812 * Decimal("0.02"),
    "nova micro": 2000 * Decimal("0.035") + 1000 * Decimal("0.14"),
    # tests/data/metering/batch-extra.jsonl
    "sonnet 4.5 long context (250k input)": 250_000 * Decimal("6.6") + 1000 * Decimal("24.75"),
    "sonnet 4.5 191k prompt incl. cache: standard": (
        1000 * Decimal("3.3") + 500 * Decimal("16.5") + 150_000 * Decimal("0.33") + 40_000 * Decimal("4.125")
    ),
    "sonnet 4.5 long context via cache reads": 100 * Decimal("6.6")
    + 10 * Decimal("24.75")
    + 199_950 * Decimal("0.66"),
    "haiku3 14:09": 1000 * Decimal("0.25") + 1000 * Decimal("1.25"),
}
EXPECTED_TOTAL = sum(EXPECTED_COSTS.values(), Decimal(0)) / M  # = 2.07973599 USD


def minute_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).replace(tzinfo=UTC).timestamp() * 1000)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, runtime_file: Path) -> Iterator[None]:
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "genai-guardrails-metering",  # must not add a 'service' dimension
    }.items():
        monkeypatch.setenv(key, value)
    # The stack's profiles: the sample's a1b2c3d4e5f6 is the ticket-summary profile.
    monkeypatch.setenv("GUARDRAILS_PROFILE_FEATURES", json.dumps({"a1b2c3d4e5f6": "ticket-summary"}))
    handler.reset_meter()
    with mock_aws(), wall_clock_at(SAMPLES_NOW):
        yield
    handler.reset_meter()


def _messages() -> list[Any]:
    good = sample_records() + data_records("batch-extra.jsonl")
    bad = ["not json at all", json.dumps({"schemaType": "SomethingElse", "modelId": HAIKU3})]
    return [*good[:4], bad[0], *good[4:], bad[1]]


def by_key(docs: list[dict[str, Any]]) -> dict[tuple[int, str, str, str], dict[str, Any]]:
    return {
        (d["_aws"]["Timestamp"], d["Application"], d["Feature"], d["Model"]): d for d in docs if "Model" in d
    }


def test_subscription_event_to_emf(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    messages = _messages()
    valid = [m for m in messages if isinstance(m, dict)]
    summary = handler.lambda_handler(subscription_event(messages), LambdaContext())
    docs = emf_documents(capsys.readouterr().out)

    assert summary["records"] == len(valid) == 14 and summary["malformed"] == 2

    metric_docs = [d for d in docs if "Model" in d]
    (malformed,) = [d for d in docs if "MalformedRecords" in d]
    assert malformed["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["Environment"]]
    assert malformed["MalformedRecords"] == 2 and malformed["Environment"] == "prod"
    assert set(malformed) == {"_aws", "Environment", "MalformedRecords"}

    for d in metric_docs:
        (directive,) = d["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "GenAI/Cost"
        assert directive["Dimensions"] == ENV_DIMS
        assert d["Environment"] == "prod" and "service" not in d
        assert not d["Model"].startswith(("arn:", "us.", "eu.", "global."))
        assert d["_aws"]["Timestamp"] % 60_000 == 0
        names = {m["Name"] for m in directive["Metrics"]}
        assert names >= {
            "Invocations", "InputTokens", "OutputTokens", "CacheReadInputTokens", "CacheWriteInputTokens",
            "UnpricedInvocations", "FailedInvocations", "ThrottledInvocations",
        }  # fmt: skip
        assert all(name in d for name in names)

    # Totals: every valid record, every token, the cost to the cent (and to 1e-6 x documents).
    assert sum(d["Invocations"] for d in metric_docs) == len(valid)
    assert sum(d["InputTokens"] for d in metric_docs) == sum(r["input"]["inputTokenCount"] for r in valid)
    assert sum(d["OutputTokens"] for d in metric_docs) == sum(r["output"]["outputTokenCount"] for r in valid)
    assert sum(d["CacheReadInputTokens"] for d in metric_docs) == sum(
        r["input"].get("cacheReadInputTokenCount", 0) for r in valid
    )
    emitted = sum((Decimal(str(d.get("CostUSD", 0))) for d in metric_docs), Decimal(0))
    assert Decimal("2.07973599") == EXPECTED_TOTAL
    assert emitted.quantize(Decimal("0.01")) == EXPECTED_TOTAL.quantize(Decimal("0.01"))
    assert abs(emitted - EXPECTED_TOTAL) <= Decimal("0.0000005") * len(metric_docs)
    assert Decimal(summary["cost_usd"]) == EXPECTED_TOTAL  # the exact Decimal, before EMF rounding
    assert sum(d["UnpricedInvocations"] for d in metric_docs) == 3
    assert sum(d["FailedInvocations"] for d in metric_docs) == 2
    assert sum(d["ThrottledInvocations"] for d in metric_docs) == 1

    docs_by = by_key(metric_docs)
    m0505, m0506, m0507, m0509 = (minute_ms(f"2026-11-02T14:{mm}:00") for mm in ("05", "06", "07", "09"))
    assert set(docs_by) == {
        (m0505, "customer-support", "support-chat", HAIKU3),
        (m0505, "knowledge-base", "kb-search", SONNET4),
        (m0506, "customer-support", "ticket-summary", HAIKU45),
        (m0506, "customer-support", "support-chat", HAIKU45),
        (m0506, "knowledge-base", "doc-embedding", TITAN),
        (m0506, "knowledge-base", "report-writer", SONNET45),
        (m0507, "customer-support", "support-chat", "acme.secret-model-v9:0"),
        (m0507, "knowledge-base", "doc-embedding", "unknown"),
        (m0507, "unattributed", "unattributed", NOVA_MICRO),
        (m0509, "customer-support", "support-chat", HAIKU3),
        (m0509, "customer-support", "support-chat", HAIKU45),
    }

    kb = docs_by[(m0505, "knowledge-base", "kb-search", SONNET4)]
    tokens = ("InputTokens", "OutputTokens", "CacheReadInputTokens", "CacheWriteInputTokens")
    assert [kb[t] for t in tokens] == [1204, 733, 18000, 2048]
    assert kb["CostUSD"] == 0.027687

    throttled = docs_by[(m0506, "customer-support", "support-chat", HAIKU45)]
    assert (throttled["Invocations"], throttled["FailedInvocations"], throttled["ThrottledInvocations"]) == (
        1,
        1,
        1,
    )
    assert throttled["CostUSD"] == 0.0

    failed = docs_by[(m0509, "customer-support", "support-chat", HAIKU45)]
    assert (failed["FailedInvocations"], failed["ThrottledInvocations"]) == (1, 0)

    report = docs_by[(m0506, "knowledge-base", "report-writer", SONNET45)]
    lc = (
        EXPECTED_COSTS["sonnet 4.5 long context (250k input)"]
        + EXPECTED_COSTS["sonnet 4.5 191k prompt incl. cache: standard"]
        + EXPECTED_COSTS["sonnet 4.5 long context via cache reads"]
    ) / M
    assert report["Invocations"] == 3 and report["CostUSD"] == float(lc.quantize(Decimal("0.000001")))

    ticket = docs_by[(m0506, "customer-support", "ticket-summary", HAIKU45)]
    assert ticket["CostUSD"] == 0.016082

    nova = docs_by[(m0507, "unattributed", "unattributed", NOVA_MICRO)]  # one priced + one with cache writes
    assert (nova["Invocations"], nova["UnpricedInvocations"], nova["CostUSD"]) == (2, 1, 0.00021)
    assert nova["CacheWriteInputTokens"] == 50

    unknown_model = docs_by[(m0507, "customer-support", "support-chat", "acme.secret-model-v9:0")]
    assert unknown_model["UnpricedInvocations"] == 1 and "CostUSD" not in unknown_model
    assert "CostUSD" not in {m["Name"] for m in unknown_model["_aws"]["CloudWatchMetrics"][0]["Metrics"]}

    lost_profile = docs_by[(m0507, "knowledge-base", "doc-embedding", "unknown")]
    assert lost_profile["UnpricedInvocations"] == 1 and lost_profile["InputTokens"] == 640


def test_sum_over_dimension_sets_is_consistent(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    """Aggregating documents the way CloudWatch does per dimension set gives one total for every set."""
    handler.lambda_handler(subscription_event(_messages()), LambdaContext())
    docs = [d for d in emf_documents(capsys.readouterr().out) if "Model" in d]
    for dims in ENV_DIMS:
        series: dict[tuple[str, ...], int] = {}
        for d in docs:
            key = tuple(d[k] for k in dims)
            series[key] = series.get(key, 0) + d["InputTokens"]
        assert sum(series.values()) == sum(d["InputTokens"] for d in docs)
    apps = {d["Application"] for d in docs}
    assert apps == {"customer-support", "knowledge-base", "unattributed"}


def test_control_message_is_ignored(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    result = handler.lambda_handler(subscription_event([], message_type="CONTROL_MESSAGE"), LambdaContext())
    assert result["ignored"] == "CONTROL_MESSAGE" and result["records"] == 0
    assert emf_documents(capsys.readouterr().out) == []


def test_bad_envelope_raises_before_emitting(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(Exception):  # noqa: B017 - any decoding error; the subscription retries
        handler.lambda_handler({"awslogs": {"data": "!!! not base64 gzip !!!"}}, LambdaContext())
    assert emf_documents(capsys.readouterr().out) == []


def test_never_raises_after_emission(
    aws: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("logging backend down")

    monkeypatch.setattr(handler, "_log_batch", boom)
    summary = handler.lambda_handler(subscription_event(sample_records()), LambdaContext())
    assert summary["records"] == 6
    assert sum(d.get("Invocations", 0) for d in emf_documents(capsys.readouterr().out)) == 6


def test_empty_data_message_emits_nothing(aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    summary = handler.lambda_handler(subscription_event([]), LambdaContext())
    assert summary == {"records": 0, "malformed": 0, "documents": 0, "cost_usd": "0"}
    assert emf_documents(capsys.readouterr().out) == []


def test_malformed_records_are_logged_with_id_reason_and_bytes(
    aws: None, caplog: pytest.LogCaptureFixture
) -> None:
    handler.lambda_handler(subscription_event(["x" * 500, *sample_records()]), LambdaContext())
    (log,) = [r for r in caplog.records if r.getMessage() == "malformed record"]
    assert log.reason == "not JSON" and log.first_200_bytes == "x" * 200  # type: ignore[attr-defined]
    assert log.event_id.startswith("38")  # type: ignore[attr-defined]
