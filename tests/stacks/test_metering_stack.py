"""The metering infrastructure: invocation logging, log group, function, DLQ, subscription."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import SynthesizedApp


def _one(app: SynthesizedApp, stack: str, kind: str) -> dict[str, Any]:
    found = app.resources(stack, kind)
    assert len(found) == 1, f"{stack}: expected one {kind}, found {list(found)}"
    return next(iter(found.values()))


def sdk_call(value: Any) -> dict[str, Any]:
    """A Custom::AWS call is a Fn::Join of JSON text and tokens: parse it with tokens as "<token>"."""
    if isinstance(value, str):
        parsed: dict[str, Any] = json.loads(value)
        return parsed
    parts = value["Fn::Join"][1]
    return sdk_call("".join(p if isinstance(p, str) else "<token>" for p in parts))


@pytest.mark.parametrize(("stack", "days"), [("GenAiGuardrails-prod", 30), ("GenAiGuardrails-staging", 14)])
def test_created_invocation_log_group_is_encrypted_with_retention(
    example_app: SynthesizedApp, stack: str, days: int
) -> None:
    groups = example_app.resources(stack, "AWS::Logs::LogGroup")
    invocation = [
        g for g in groups.values() if g["Properties"].get("LogGroupName") == "/aws/bedrock/model-invocations"
    ]
    assert len(invocation) == 1
    props = invocation[0]["Properties"]
    assert props["RetentionInDays"] == days
    assert "KmsKeyId" in props
    # every log group of the stack (function logs too) has retention and a key
    for group in groups.values():
        assert "RetentionInDays" in group["Properties"] and "KmsKeyId" in group["Properties"]


def test_logging_configuration_custom_resource_turns_bodies_off(example_app: SynthesizedApp) -> None:
    resource = _one(example_app, "GenAiGuardrails-prod", "Custom::AWS")
    create = sdk_call(resource["Properties"]["Create"])
    assert (create["service"], create["action"]) == ("bedrock", "PutModelInvocationLoggingConfiguration")
    config = create["parameters"]["loggingConfig"]
    assert config["cloudWatchConfig"] == {"logGroupName": "<token>", "roleArn": "<token>"}
    for body in ("text", "image", "embedding", "video"):
        assert config[f"{body}DataDeliveryEnabled"] is False, body
    assert sdk_call(resource["Properties"]["Update"]) == create
    assert sdk_call(resource["Properties"]["Delete"])["action"] == "DeleteModelInvocationLoggingConfiguration"


def test_delivery_role_trusts_only_this_accounts_bedrock(example_app: SynthesizedApp) -> None:
    roles = example_app.resources("GenAiGuardrails-prod", "AWS::IAM::Role")
    (role,) = [
        r
        for r in roles.values()
        if r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"].get("Service")
        == "bedrock.amazonaws.com"
    ]
    condition = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition["StringEquals"]["aws:SourceAccount"] == "222222222222"
    assert "aws:SourceArn" in condition["ArnLike"]


def test_existing_mode_creates_no_logging_configuration(example_app: SynthesizedApp) -> None:
    stack = "GenAiGuardrails-sandbox"
    assert example_app.resources(stack, "Custom::AWS") == {}
    subscription = _one(example_app, stack, "AWS::Logs::SubscriptionFilter")
    assert subscription["Properties"]["LogGroupName"] == "/aws/bedrock/invocation-logs"


@pytest.mark.parametrize(
    "stack", ["GenAiGuardrails-prod", "GenAiGuardrails-staging", "GenAiGuardrails-sandbox"]
)
def test_metering_function_and_its_failure_path(example_app: SynthesizedApp, stack: str) -> None:
    functions = example_app.resources(stack, "AWS::Lambda::Function")
    (metering,) = [
        f
        for f in functions.values()
        if f["Properties"].get("Handler") == "lambdas.metering.handler.lambda_handler"
    ]
    props = metering["Properties"]
    assert props["Runtime"] in ("python3.12", "python3.13")
    assert props["Architectures"] == ["arm64"]
    layer = json.dumps(props["Layers"])
    assert "017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64" in layer
    assert props["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"] == "GenAI/Cost"
    # No Docker: the code is a plain asset in the bootstrap bucket.
    assert "S3Key" in props["Code"]

    invoke_config = _one(example_app, stack, "AWS::Lambda::EventInvokeConfig")
    assert invoke_config["Properties"]["MaximumRetryAttempts"] == 2
    queue_ref = invoke_config["Properties"]["DestinationConfig"]["OnFailure"]["Destination"]["Fn::GetAtt"][0]
    queue = example_app.templates[stack]["Resources"][queue_ref]
    assert queue["Type"] == "AWS::SQS::Queue"
    assert "KmsMasterKeyId" in queue["Properties"]

    subscription = _one(example_app, stack, "AWS::Logs::SubscriptionFilter")
    assert subscription["Properties"]["FilterPattern"] == ""
    permissions = example_app.resources(stack, "AWS::Lambda::Permission")
    assert any(p["Properties"]["Principal"] == "logs.amazonaws.com" for p in permissions.values())


def test_text_delivery_switch(
    synth_factory: Callable[[dict[str, Any]], SynthesizedApp], example_data: dict[str, Any]
) -> None:
    data = json.loads(json.dumps(example_data))
    data["accounts"] = [data["accounts"][0]]
    data["accounts"][0]["invocation_logging"] = {
        "mode": "create",
        "text_data_delivery": True,
        "retention_days": 7,
    }
    app = synth_factory(data)
    create = sdk_call(_one(app, "GenAiGuardrails-prod", "Custom::AWS")["Properties"]["Create"])
    config = create["parameters"]["loggingConfig"]
    assert config["textDataDeliveryEnabled"] is True
    assert config["imageDataDeliveryEnabled"] is False


def test_profile_features_reach_the_metering_function(example_app: SynthesizedApp) -> None:
    """prod's ticket-summary has an application inference profile: its id -> feature is in the env."""
    stack = "GenAiGuardrails-prod"
    functions = example_app.resources(stack, "AWS::Lambda::Function")
    (metering,) = [
        f
        for f in functions.values()
        if f["Properties"].get("Handler") == "lambdas.metering.handler.lambda_handler"
    ]
    value = json.dumps(metering["Properties"]["Environment"]["Variables"]["GUARDRAILS_PROFILE_FEATURES"])
    (profile_id,) = example_app.resources(stack, "AWS::Bedrock::ApplicationInferenceProfile")
    assert profile_id in value and "ticket-summary" in value
    staging = example_app.resources("GenAiGuardrails-staging", "AWS::Lambda::Function")
    for function in staging.values():
        assert "GUARDRAILS_PROFILE_FEATURES" not in function["Properties"].get("Environment", {}).get(
            "Variables", {}
        )


def test_metering_may_only_read_this_accounts_application_profiles(example_app: SynthesizedApp) -> None:
    policies = example_app.resources("GenAiGuardrails-prod", "AWS::IAM::Policy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    (grant,) = [s for s in statements if s["Action"] == "bedrock:GetInferenceProfile"]
    resource = json.dumps(grant["Resource"])
    assert ":bedrock:us-east-1:222222222222:application-inference-profile/*" in resource
