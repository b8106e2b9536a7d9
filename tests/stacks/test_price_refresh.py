"""The optional price refresh (accounts[].price_refresh): one synth with it enabled for prod only."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from config.loader import parse_config
from core.runtime_config import build_runtime_config
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
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    (tls,) = [s for s in statements if "aws:SecureTransport" in json.dumps(s.get("Condition"))]
    assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert app.resources(STAGING, "AWS::S3::Bucket") == {}  # disabled by default


def test_only_the_refresh_and_the_deployer_may_write_prices(app: SynthesizedApp) -> None:
    (policy,) = app.resources(PROD, "AWS::S3::BucketPolicy").values()
    (writes,) = [
        s
        for s in policy["Properties"]["PolicyDocument"]["Statement"]
        if s.get("Sid") == "OnlyTheRefreshWritesPrices"
    ]
    assert writes["Effect"] == "Deny" and writes["Principal"] == {"AWS": "*"}
    assert {"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"} <= set(writes["Action"])
    _, function = _function(app, "lambdas.price_refresh.handler.lambda_handler")
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    allowed = writes["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    assert allowed[0] == {"Fn::GetAtt": [role_id, "Arn"]}
    exec_role = "cdk-hnb659fds-cfn-exec-role-222222222222-us-east-1"  # the bootstrap's deploying role
    assert allowed[1] == {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::222222222222:role/{exec_role}"}
    assert len(allowed) == 2
    # Nobody else is granted writes in the first place: the metering function only reads.
    metering_id, _ = _function(app, "lambdas.metering.handler.lambda_handler")
    assert not any(a in OBJECT_WRITES for s in _statements(app, metering_id) for a in _actions(s))


OBJECT_WRITES = {"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"}


def test_the_retained_bucket_keeps_its_key(app: SynthesizedApp) -> None:
    resources = app.templates[PROD]["Resources"]
    ((bucket_id, bucket),) = app.resources(PROD, "AWS::S3::Bucket").items()
    assert bucket["DeletionPolicy"] == "Retain" and bucket["UpdateReplacePolicy"] == "Retain"
    sse = bucket["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    key_id = sse["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]["Fn::GetAtt"][0]
    key = resources[key_id]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["DeletionPolicy"] == "Retain" and key["UpdateReplacePolicy"] == "Retain"
    assert key["Properties"]["EnableKeyRotation"] is True
    # The stack's other data (logs, queues) keep the data key, deleted with the stack.
    others = [r for k, r in app.resources(PROD, "AWS::KMS::Key").items() if k != key_id]
    assert others and all(r["DeletionPolicy"] == "Delete" for r in others)
    # Readers decrypt with the catalog key.
    metering_id, _ = _function(app, "lambdas.metering.handler.lambda_handler")
    decrypt = [s for s in _statements(app, metering_id) if _actions(s) == ["kms:Decrypt"]]
    assert {"Fn::GetAtt": [key_id, "Arn"]} in [s["Resource"] for s in decrypt]
    assert bucket_id


def test_price_drops_are_held_back_unless_config_allows_them(example_data: dict[str, Any]) -> None:
    """The refresh reads the switch from the runtime config the stack bundles (off unless config says)."""
    data = copy.deepcopy(example_data)
    config = parse_config(data)
    assert build_runtime_config(config, config.accounts[0]).price_refresh.allow_price_drops is False
    data["accounts"][0]["price_refresh"] = {"enabled": True, "allow_price_drops": True}
    config = parse_config(data)
    runtime = build_runtime_config(config, config.accounts[0])
    assert runtime.price_refresh.allow_price_drops is True
    assert json.loads(runtime.to_json())["price_refresh"] == {"allow_price_drops": True}


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
        ]
    )
    actions = {a for s in statements for a in _actions(s)}
    assert "cloudwatch:PutMetricData" not in actions  # PriceCatalogAgeDays is EMF in its log
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
