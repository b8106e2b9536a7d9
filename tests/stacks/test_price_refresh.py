"""The optional price refresh (accounts[].price_refresh): one synth with it enabled for prod only."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import SynthesizedApp

PROD, STAGING = "GenAiGuardrails-prod", "GenAiGuardrails-staging"


@pytest.fixture(scope="module")
def app(
    synth_factory: Callable[[dict[str, Any]], SynthesizedApp], example_data: dict[str, Any]
) -> SynthesizedApp:
    data = copy.deepcopy(example_data)
    data["accounts"][0]["price_refresh"] = {"enabled": True, "schedule_days": 3}
    assert data["accounts"][0]["name"] == "prod"
    return synth_factory(data)


def _function(app: SynthesizedApp, handler: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (k, v)
        for k, v in app.resources(PROD, "AWS::Lambda::Function").items()
        if v["Properties"]["Handler"] == handler
    ]
    return found


def _statements(app: SynthesizedApp, function_logical_id: str) -> list[dict[str, Any]]:
    role = app.templates[PROD]["Resources"][function_logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]
    return [
        s
        for p in app.resources(PROD, "AWS::IAM::Policy").values()
        if {"Ref": role} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_catalog_bucket_is_private_encrypted_and_versioned(app: SynthesizedApp) -> None:
    (bucket,) = app.resources(PROD, "AWS::S3::Bucket").values()
    props = bucket["Properties"]
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert sse["SSEAlgorithm"] == "aws:kms" and "KMSMasterKeyID" in sse
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(props["PublicAccessBlockConfiguration"].values())
    (policy,) = app.resources(PROD, "AWS::S3::BucketPolicy").values()
    (deny,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert app.resources(STAGING, "AWS::S3::Bucket") == {}  # disabled by default


def test_refresh_function_runs_on_the_configured_schedule(app: SynthesizedApp) -> None:
    logical_id, function = _function(app, "lambdas.price_refresh.handler.lambda_handler")
    env = function["Properties"]["Environment"]["Variables"]
    assert env["GUARDRAILS_PRICE_KEY"] == "price-catalog/current.json"
    assert env["GUARDRAILS_PRICE_SCHEDULE_DAYS"] == "3"
    assert set(env) >= {"GUARDRAILS_PRICE_BUCKET", "GUARDRAILS_TOPIC_ARN"}
    (rule,) = [
        r
        for r in app.resources(PROD, "AWS::Events::Rule").values()
        if r["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    ]
    assert rule["Properties"]["ScheduleExpression"] == "rate(3 days)"


def test_refresh_permissions_are_least_privilege(app: SynthesizedApp) -> None:
    logical_id, _ = _function(app, "lambdas.price_refresh.handler.lambda_handler")
    statements = _statements(app, logical_id)
    wildcard = [a for s in statements if s["Resource"] == "*" for a in _actions(s)]
    assert sorted(wildcard) == sorted(
        [
            "pricing:GetProducts",
            "cloudwatch:ListMetrics",
            "cloudwatch:GetMetricData",
            "cloudwatch:PutMetricData",
        ]
    )
    (put_metric,) = [s for s in statements if "cloudwatch:PutMetricData" in _actions(s)]
    assert put_metric["Condition"] == {"StringEquals": {"cloudwatch:namespace": "GenAI/Cost"}}
    actions = {a for s in statements for a in _actions(s)}
    assert not any(a.endswith("*") for a in actions), actions
    assert {"s3:PutObject", "s3:GetObject", "sns:Publish"} <= actions


def test_metering_reads_the_refreshed_catalog(app: SynthesizedApp) -> None:
    logical_id, function = _function(app, "lambdas.metering.handler.lambda_handler")
    env = function["Properties"]["Environment"]["Variables"]
    (bucket_id,) = app.resources(PROD, "AWS::S3::Bucket")
    assert env["GUARDRAILS_PRICE_BUCKET"] == {"Ref": bucket_id}
    assert env["GUARDRAILS_PRICE_KEY"] == "price-catalog/current.json"
    statements = _statements(app, logical_id)
    (get,) = [s for s in statements if _actions(s) == ["s3:GetObject"]]
    assert get["Resource"]["Fn::Join"][1][1] == "/price-catalog/current.json"
    assert not any("s3:PutObject" in _actions(s) for s in statements)
