"""Property: no input makes the handler raise, and every valid record is in the output, priced exactly."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.loader import load_config
from core.runtime_config import build_runtime_config
from lambdas.metering import handler
from lambdas.metering.aggregate import Meter
from lambdas.metering.profiles import ProfileResolver
from lambdas.pricing.catalog import Usage
from lambdas.pricing.model_ids import resolve_model_id
from tests.unit.metering.helpers import (
    TICKET_PROFILE_ARN,
    TICKET_PROFILE_ID,
    LambdaContext,
    emf_documents,
    subscription_event,
    wall_clock_at,
)

_config = load_config()
_RUNTIME = build_runtime_config(_config, _config.account("prod")).with_profile_features(
    {TICKET_PROFILE_ID: "ticket-summary"}
)
_TICKET_TARGET = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
UNKNOWN_PROFILE = "arn:aws:bedrock:us-east-1:222222222222:application-inference-profile/hyp0unknown"


def _no_aws(region: str) -> Any:
    raise RuntimeError("no AWS in this test")


MODELS = [
    "anthropic.claude-3-haiku-20240307-v1:0",
    "us.anthropic.claude-sonnet-4-20250514-v1:0",
    "arn:aws:bedrock:us-east-1:222222222222:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0",
    "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
    "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "amazon.titan-embed-text-v2:0",
    "amazon.nova-micro-v1:0",
    "acme.secret-model-v9:0",
    "arn:aws:bedrock:us-east-1:222222222222:provisioned-model/pt0abc",
    TICKET_PROFILE_ARN,
    UNKNOWN_PROFILE,
    "?? not a model",
]
ARNS = [
    "arn:aws:sts::222222222222:assumed-role/support-chat-api/i-1",
    "arn:aws:sts::222222222222:assumed-role/search-indexer/w",
    "arn:aws:sts::222222222222:assumed-role/rag-embedder/b",
    "arn:aws:iam::222222222222:user/alice",
]
FEATURES = ["support-chat", "ticket-summary", "kb-search", "report-writer", "doc-embedding", "nope"]
START = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
counts = st.integers(min_value=0, max_value=400_000)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def valid_records(draw: st.DrawFn) -> dict[str, Any]:
    err = draw(st.sampled_from([None, None, None, "ThrottlingException", "ValidationException"]))
    inp: dict[str, Any] = {"inputContentType": "application/json", "inputTokenCount": draw(counts)}
    if draw(st.booleans()):
        inp["cacheReadInputTokenCount"] = draw(counts)
        inp["cacheWriteInputTokenCount"] = draw(st.integers(0, 50_000))
    rec: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": (START + timedelta(seconds=draw(st.integers(0, 600)))).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "accountId": "222222222222",
        "region": draw(st.sampled_from(["us-east-1", "us-east-1", "us-west-2", "eu-west-1"])),
        "requestId": "r",
        "operation": "Converse",
        "modelId": draw(st.sampled_from(MODELS)),
        "input": inp,
        "output": {"outputContentType": "application/json", "outputTokenCount": draw(counts)},
    }
    if draw(st.booleans()):
        rec["identity"] = {"arn": draw(st.sampled_from(ARNS))}
    if draw(st.booleans()):
        md = draw(st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3))
        if draw(st.booleans()):
            md["feature"] = draw(st.sampled_from(FEATURES))
        rec["requestMetadata"] = md
    if err:
        rec["errorCode"] = err
    return rec


BAD_COUNTS = st.one_of(
    st.integers(max_value=-1), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=5),
    st.booleans(), st.integers(min_value=100_000_001, max_value=10**12),
)  # fmt: skip


@st.composite
def broken_records(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["text", "json", "count", "schema", "model", "timestamp"]))
    if kind == "text":
        return draw(st.text(max_size=300).filter(lambda s: not s.strip().startswith("{")))
    if kind == "json":
        value = draw(json_values)
        if isinstance(value, dict):
            value.pop("schemaType", None)
        return json.dumps(value)
    rec = draw(valid_records())
    if kind == "count":
        field = draw(st.sampled_from(["inputTokenCount", "cacheReadInputTokenCount", "outputTokenCount"]))
        (rec["output"] if field == "outputTokenCount" else rec["input"])[field] = draw(BAD_COUNTS)
    elif kind == "schema":
        rec["schemaType"] = draw(st.text(max_size=20).filter(lambda s: s != "ModelInvocationLog"))
    elif kind == "model":
        rec["modelId"] = draw(st.sampled_from([None, "", 7, ["x"]]))
    else:
        rec["timestamp"] = draw(
            st.sampled_from(
                [
                    None, 12, "", "not a time", "2026-13-45T99:00:00Z",
                    "0001-01-01T00:00:00Z",  # before 1970: a negative EMF timestamp
                    "2026-10-19T14:59:00Z",  # over 14 days before the handler's clock (2026-11-02T15:00Z)
                    "2026-11-02T17:01:00Z",  # over 2 hours after it
                ]
            )
        )  # fmt: skip
    return json.dumps(rec)


def reference(valid: list[dict[str, Any]], meter: Meter) -> tuple[Decimal, int]:
    """Per-record pricing straight from lambdas.pricing (no aggregation): exact cost and unpriced count."""
    catalog = meter.catalog
    total, unpriced = Decimal(0), 0
    for r in valid:
        model = resolve_model_id(r["modelId"], {TICKET_PROFILE_ARN: _TICKET_TARGET})
        i = r["input"]["inputTokenCount"]
        cr = r["input"].get("cacheReadInputTokenCount", 0)
        cw = r["input"].get("cacheWriteInputTokenCount", 0)
        o = r["output"]["outputTokenCount"]
        if i == o == cr == cw == 0:
            continue  # nothing billable: costs 0 whatever the model, never unpriced
        if not model.priceable or model.base_model_id is None:
            unpriced += 1
            continue
        lc = catalog.is_long_context(model.base_model_id, i, cr, cw)
        res = catalog.price(
            model.base_model_id, r["region"], model.scope, Usage(i, o, cr, cw), long_context=lc
        )
        if res.cost_usd is None:
            unpriced += 1
        else:
            total += res.cost_usd
    return total, unpriced


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(valid_records().map(lambda r: ("ok", r)), broken_records().map(lambda s: ("bad", s))),
        max_size=40,
    )
)
def test_handler_never_raises_and_never_loses_a_valid_record(items: list[tuple[str, Any]]) -> None:
    meter = Meter.from_runtime(_RUNTIME, ProfileResolver(_no_aws))
    handler.reset_meter(meter)
    try:
        out = io.StringIO()
        with redirect_stdout(out), wall_clock_at("2026-11-02T15:00:00Z"):
            summary = handler.lambda_handler(subscription_event([m for _, m in items]), LambdaContext())
    finally:
        handler.reset_meter()
    valid = [m for kind, m in items if kind == "ok"]
    docs = emf_documents(out.getvalue())
    metric_docs = [d for d in docs if "Model" in d]
    malformed = sum(d.get("MalformedRecords", 0) for d in docs)
    assert summary["records"] == len(valid)
    assert malformed == summary["malformed"] == len(items) - len(valid)
    assert sum(d["Invocations"] for d in metric_docs) == len(valid)
    assert sum(d["InputTokens"] for d in metric_docs) == sum(r["input"]["inputTokenCount"] for r in valid)
    assert sum(d["OutputTokens"] for d in metric_docs) == sum(r["output"]["outputTokenCount"] for r in valid)
    assert sum(d["CacheReadInputTokens"] for d in metric_docs) == sum(
        r["input"].get("cacheReadInputTokenCount", 0) for r in valid
    )
    assert sum(d["ThrottledInvocations"] for d in metric_docs) == sum(
        1 for r in valid if r.get("errorCode") == "ThrottlingException"
    )
    expected_cost, expected_unpriced = reference(valid, meter)
    assert sum(d["UnpricedInvocations"] for d in metric_docs) == expected_unpriced
    assert Decimal(summary.get("cost_usd", "0")) == expected_cost
    emitted = sum(Decimal(str(d.get("CostUSD", 0))) for d in metric_docs)
    assert abs(emitted - expected_cost) <= Decimal("0.0000005") * max(1, len(metric_docs))
