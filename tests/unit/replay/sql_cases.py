"""Random invocation-log lines for the SQL engines' tests: every attribution path, modelId form, timestamp
form, token type and malformed shape the metering Lambda distinguishes, as hypothesis strategies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from core.runtime_config import RuntimeConfig, parse_runtime_config

ACCOUNT = "222222222222"
STACK_PROFILE = "chatprof0001"  # created by the stack for feature chat (GUARDRAILS_PROFILE_FEATURES)
CONFIG_PROFILE = "rep0profile1"  # an existing profile named in the config for feature report
CHAT_TARGET = "us.anthropic.claude-haiku-4-5-20251001-v1:0"  # what the stack's chat profile copies
BUDGETS = {"monthly_budget_usd": "100", "daily_budget_usd": "10", "hourly_limit_usd": "1"}
RUNTIME_CONFIG: dict[str, Any] = {
    "version": 1,
    "account": "prop",
    "environment": "test",
    "features": [
        {"name": "chat", "application": "support", **BUDGETS, "inference_profile_copy_from": CHAT_TARGET},
        {"name": "search", "application": "kb", **BUDGETS, "inference_profile_copy_from": None},
        {"name": "report", "application": "kb", **BUDGETS, "inference_profile_copy_from": None},
        {"name": "ingest", "application": "kb", **BUDGETS, "inference_profile_copy_from": None},
    ],
    "metadata_rules": [
        {"feature": "chat", "application": "support", "match": {"feature": "chat"}},
        {"feature": "search", "application": "kb", "match": {"feature": "search", "team": "kb"}},
        {"feature": "report", "application": "kb", "match": {"app.name": "report"}},
        {"feature": "ingest", "application": "kb", "match": {"feature": "ingest"}},
    ],
    "profile_rules": [{"feature": "report", "application": "kb", "profile_ids": [CONFIG_PROFILE]}],
    "identity_rules": [
        {"feature": "search", "application": "kb", "globs": ["arn:aws:sts::*:assumed-role/search-*/*"]},
        {
            "feature": "ingest",
            "application": "kb",
            "globs": ["arn:aws:iam::????????????:user/ingest_100%", "arn:aws:sts::*:assumed-role/ingest/*"],
        },
    ],
    "pricing": {"discount_percent": "0", "premium_models": [], "overrides": []},
}  # fmt: skip


def runtime() -> RuntimeConfig:
    return parse_runtime_config(RUNTIME_CONFIG, {STACK_PROFILE: "chat"})


def _app_profile(pid: str) -> str:
    return f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/{pid}"


MODEL_IDS = [
    "anthropic.claude-haiku-4-5-20251001-v1:0",
    "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    "anthropic.claude-sonnet-4-20250514-v1:0",  # long-context pricing over 200K prompt tokens
    "us.anthropic.claude-sonnet-4-20250514-v1:0",
    "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
    "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
    f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0",
    _app_profile(STACK_PROFILE),
    _app_profile(CONFIG_PROFILE),
    _app_profile("unknown0042"),
    f"arn:aws:bedrock:us-east-1:{ACCOUNT}:provisioned-model/pt0abc",
    "amazon.titan-embed-text-v2:0",
    "acme.secret-model-v9:0",
    "?? not a model",
    "caf\u00e9.model",
]
ODD_MODEL_IDS: list[Any] = ["", "12", "true", "-x", "{x}", 5, 5.5, True, None, ["a"], {"a": 1}]
ARNS = [
    f"arn:aws:sts::{ACCOUNT}:assumed-role/search-api/i-1",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/search-/x",
    f"arn:aws:iam::{ACCOUNT}:user/ingest_100%",
    f"arn:aws:iam::{ACCOUNT}:user/ingestX100%",  # '_' in the glob is a literal underscore, not a wildcard
    f"arn:aws:iam::{ACCOUNT}1:user/ingest_100%",  # '?' x 12 means exactly 12 characters
    f"arn:aws:sts::{ACCOUNT}:assumed-role/ingest/job",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/other/job",
]
START = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

ABSENT = object()


def _timestamp(draw: st.DrawFn) -> Any:
    at = START + timedelta(seconds=draw(st.integers(0, 3 * 3600)))
    form = draw(st.integers(0, 14))
    base = at.strftime("%Y-%m-%dT%H:%M:%S")
    forms: list[Any] = [
        base + "Z",
        base + "Z",
        base + "Z",
        base + ".123Z",
        base + ".654321Z",
        base,  # no zone: UTC
        base + "+02:00",
        base + "-05:30",
        at.strftime("%Y-%m-%d %H:%M:%S") + "Z",  # space separator: residue, Python decides (valid)
        base + ".1234567Z",  # more than 6 fraction digits: residue
        base + "+0000",  # compact offset: residue
        "2026-02-30T10:00:00Z",  # no such day: residue, malformed for Python
        "2026-11-02T24:00:00Z",  # no such hour: residue, malformed for Python
        "yesterday",
        draw(st.sampled_from([12345, None, True, ABSENT])),
    ]
    return forms[form]


def _count(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 3)):
        return draw(st.integers(0, 4000))
    return draw(st.sampled_from([0, 250_000, 100_000_001, -1, 5.0, "5", True, None]))


def _io(draw: st.DrawFn, fields: list[str], content_type: bool) -> Any:
    shape = draw(st.integers(0, 12))
    if shape == 9:
        return ABSENT
    if shape == 10:
        return None
    if shape == 11:
        return draw(st.sampled_from([5, [1], "x", {}]))
    obj: dict[str, Any] = {}
    if content_type and draw(st.booleans()):
        obj["inputContentType" if "inputTokenCount" in fields else "outputContentType"] = "application/json"
    for name in fields:
        if draw(st.integers(0, 5)) > 0:
            obj[name] = _count(draw)
    return obj


@st.composite
def record(draw: st.DrawFn) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "schemaType": draw(st.sampled_from(["ModelInvocationLog"] * 12 + ["Other", 5])),
        "schemaVersion": "1.0",
        "timestamp": _timestamp(draw),
        "accountId": ACCOUNT,
        "region": draw(st.sampled_from(["us-east-1"] * 6 + ["eu-west-1", "", "12", 5, ABSENT])),
        "requestId": "0b7e9f3a-6a55-4b8e-8a71-3f6a0c1d2e3f",
        "operation": "Converse",
        "modelId": draw(st.sampled_from(MODEL_IDS * 4 + ODD_MODEL_IDS + [ABSENT])),
        "input": _io(
            draw, ["inputTokenCount", "cacheReadInputTokenCount", "cacheWriteInputTokenCount"], True
        ),
        "output": _io(draw, ["outputTokenCount"], True),
        "errorCode": draw(
            st.sampled_from(
                [ABSENT] * 8
                + [None, "", "ThrottlingException", "throttlingException", "ModelTimeoutException", 5, True]
                + [{"code": "Throttling"}]
            )
        ),
        "identity": draw(
            st.one_of(
                st.builds(lambda a: {"arn": a}, st.sampled_from(ARNS)),
                st.sampled_from([{"arn": 5}, "str", {}, ABSENT]),
            )
        ),
        "requestMetadata": draw(
            st.sampled_from(
                [
                    {"feature": "chat", "tenant": "acme"},
                    {"feature": "search", "team": "kb"},
                    {"feature": "search", "team": "other"},
                    {"app.name": "report"},
                    {"feature": "ingest"},
                    {"feature": ["chat"]},  # a list: the Lambda skips every metadata rule
                    {"feature": "chat", "team": {"a": 1}},
                    {"feature": 5},
                    {"feature": "nobody"},
                    {},
                    "str",
                    ABSENT,
                    ABSENT,
                ]
            )
        ),
    }
    return {k: v for k, v in rec.items() if v is not ABSENT}


# An unfinished object is only ever the last line of a file (a write cut short): DuckDB's JSON reader would
# read on into the next line, where the Lambda's parser stops at the newline (see cli/replay/sql.py).
TRUNCATED = '{"schemaType": "ModelInvocationLog", "modelId": '
GARBAGE = [
    "not json",
    "[1, 2]",
    '"ModelInvocationLog"',
    "null",
    '{"a": 1} trailing',
    "",
    "   ",
]


@st.composite
def json_lines(draw: st.DrawFn) -> list[str]:
    """A JSON Lines file: records (compact or spaced JSON) and malformed lines."""
    lines = []
    for _ in range(draw(st.integers(1, 40))):
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(GARBAGE)))
        else:
            compact = draw(st.booleans())
            lines.append(json.dumps(draw(record()), separators=(",", ":") if compact else None))
    if draw(st.integers(0, 9)) == 0:
        lines.append(TRUNCATED)
    return lines


@st.composite
def export_lines(draw: st.DrawFn) -> list[str]:
    """A CloudWatch Logs export file: ``<timestamp> <json>`` lines, some malformed."""
    lines = []
    for _ in range(draw(st.integers(1, 20))):
        if draw(st.integers(0, 9)) == 0:
            lines.append("2026-11-02T10:00:00.000Z " + draw(st.sampled_from(GARBAGE)))
        else:
            lines.append("2026-11-02T10:00:00.000Z " + json.dumps(draw(record())))
    return lines
