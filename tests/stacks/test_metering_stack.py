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


LOGGING_HANDLER = "lambdas.invocation_logging.handler.lambda_handler"


def logging_resource(app: SynthesizedApp, stack: str) -> tuple[str, dict[str, Any]]:
    found = app.resources(stack, "Custom::BedrockInvocationLogging")
    assert len(found) == 1, f"{stack}: {list(found)}"
    return next(iter(found.items()))


def handler_statements(app: SynthesizedApp, stack: str, resource: dict[str, Any]) -> list[dict[str, Any]]:
    """The IAM statements of the function behind the custom resource's Provider framework."""
    template = app.templates[stack]["Resources"]
    framework = template[resource["Properties"]["ServiceToken"]["Fn::GetAtt"][0]]
    handler_id = framework["Properties"]["Environment"]["Variables"]["USER_ON_EVENT_FUNCTION_ARN"][
        "Fn::GetAtt"
    ][0]
    handler = template[handler_id]["Properties"]
    assert handler["Handler"] == LOGGING_HANDLER
    role_id = handler["Role"]["Fn::GetAtt"][0]
    return [
        statement
        for policy in app.resources(stack, "AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def actions(statement: dict[str, Any]) -> set[str]:
    action = statement["Action"]
    return set(action) if isinstance(action, list) else {action}


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


def test_logging_configuration_coexists_through_the_apps_own_function(example_app: SynthesizedApp) -> None:
    stack = "GenAiGuardrails-prod"
    logical_id, resource = logging_resource(example_app, stack)
    props = resource["Properties"]
    assert props["Mode"] == "create"
    assert props["TextDataDelivery"] == "false"  # bodies off unless config asks
    template = example_app.templates[stack]["Resources"]
    assert (
        template[props["LogGroupName"]["Ref"]]["Properties"]["LogGroupName"]
        == "/aws/bedrock/model-invocations"
    )
    role_id = props["RoleArn"]["Fn::GetAtt"][0]
    assert template[role_id]["Type"] == "AWS::IAM::Role"
    # It may read, write and delete the account-level setting, and pass only the delivery role to Bedrock.
    statements = handler_statements(example_app, stack, resource)
    (bedrock,) = [s for s in statements if any(a.startswith("bedrock:") for a in actions(s))]
    assert actions(bedrock) == {
        "bedrock:GetModelInvocationLoggingConfiguration",
        "bedrock:PutModelInvocationLoggingConfiguration",
        "bedrock:DeleteModelInvocationLoggingConfiguration",
    }
    (pass_role,) = [s for s in statements if "iam:PassRole" in actions(s)]
    assert pass_role["Resource"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}}
    # Metering subscribes to whatever group the custom resource answers (its own, or the account's).
    subscription = _one(example_app, stack, "AWS::Logs::SubscriptionFilter")
    assert subscription["Properties"]["LogGroupName"] == {"Fn::GetAtt": [logical_id, "LogGroupName"]}
    outputs = example_app.templates[stack]["Outputs"]
    assert outputs["InvocationLogGroupName"]["Value"] == {"Fn::GetAtt": [logical_id, "LogGroupName"]}
    assert outputs["InvocationLoggingOutcome"]["Value"] == {"Fn::GetAtt": [logical_id, "Outcome"]}
    # The CDK's AwsCustomResource that overwrote and deleted the setting only remains as the read-only
    # upgrade guard (test_an_upgrade_never_deletes_the_accounts_logging); sandbox meters a named group.
    for name in ("GenAiGuardrails-prod", "GenAiGuardrails-staging"):
        (guard,) = example_app.resources(name, "Custom::AWS").values()
        assert "Delete" not in guard["Properties"] and "Put" not in json.dumps(guard["Properties"])
    assert example_app.resources("GenAiGuardrails-sandbox", "Custom::AWS") == {}


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


def test_existing_mode_with_a_named_group_touches_no_logging_configuration(
    example_app: SynthesizedApp,
) -> None:
    stack = "GenAiGuardrails-sandbox"
    assert example_app.resources(stack, "Custom::BedrockInvocationLogging") == {}
    subscription = _one(example_app, stack, "AWS::Logs::SubscriptionFilter")
    assert subscription["Properties"]["LogGroupName"] == "/aws/bedrock/invocation-logs"


def test_existing_mode_without_a_group_looks_it_up_read_only(
    synth_factory: Callable[[dict[str, Any]], SynthesizedApp], example_data: dict[str, Any]
) -> None:
    data = json.loads(json.dumps(example_data))
    data["accounts"] = [data["accounts"][2]]  # sandbox
    data["accounts"][0]["invocation_logging"] = {"mode": "existing"}
    app = synth_factory(data)
    stack = "GenAiGuardrails-sandbox"
    logical_id, resource = logging_resource(app, stack)
    assert resource["Properties"]["Mode"] == "existing"
    statements = handler_statements(app, stack, resource)
    granted = set().union(*(actions(s) for s in statements))
    assert "bedrock:GetModelInvocationLoggingConfiguration" in granted
    assert not granted & {
        "bedrock:PutModelInvocationLoggingConfiguration",
        "bedrock:DeleteModelInvocationLoggingConfiguration",
        "iam:PassRole",
    }
    subscription = _one(app, stack, "AWS::Logs::SubscriptionFilter")
    assert subscription["Properties"]["LogGroupName"] == {"Fn::GetAtt": [logical_id, "LogGroupName"]}
    assert not [
        g for g in app.resources(stack, "AWS::Logs::LogGroup").values() if "LogGroupName" in g["Properties"]
    ], "existing mode creates no invocation log group"


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
    _, resource = logging_resource(app, "GenAiGuardrails-prod")
    assert resource["Properties"]["TextDataDelivery"] == "true"


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


def test_an_upgrade_never_deletes_the_accounts_logging(example_app: SynthesizedApp) -> None:
    """Stacks deployed before the coexisting custom resource hold an AwsCustomResource whose delete turned
    logging off. The same logical id, service token and physical id stay in the template as a read-only
    guard, so CloudFormation updates that resource instead of deleting it."""
    resources = example_app.templates["GenAiGuardrails-prod"]["Resources"]
    guard = resources["MeteringInvocationLoggingLoggingConfiguration4F443671"]
    assert guard["Type"] == "Custom::AWS"
    assert guard["Properties"]["ServiceToken"] == {
        "Fn::GetAtt": ["AWS679f53fac002430cb0da5b7982bd22872D164C4C", "Arn"]
    }
    calls = {key: json.loads(guard["Properties"][key]) for key in ("Create", "Update")}
    for call in calls.values():
        assert (call["service"], call["action"]) == ("bedrock", "GetModelInvocationLoggingConfiguration")
        assert call["physicalResourceId"] == {"id": "bedrock-invocation-logging-us-east-1"}
    assert "Delete" not in guard["Properties"]
    (policy,) = [
        r
        for r in resources.values()
        if r["Type"] == "AWS::IAM::Policy"
        and "GetModelInvocationLoggingConfiguration" in json.dumps(r)
        and "AWS679f53fac002430cb0da5b7982bd2287" in json.dumps(r["Properties"]["Roles"])
    ]
    (statement,) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "bedrock:GetModelInvocationLoggingConfiguration"
