"""The evaluator construct: encrypted table with TTL and PITR, schedule, least-privilege function; and the
detector's grants (it shares the table)."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import SynthesizedApp

STACK = "GenAiGuardrails-prod"


def test_state_table(example_app: SynthesizedApp) -> None:
    (table,) = example_app.resources(STACK, "AWS::DynamoDB::Table").values()
    props = table["Properties"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEType"] == "KMS"
    assert "DataKey" in json.dumps(props["SSESpecification"]["KMSMasterKeyId"])
    assert props["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]


def test_schedule_runs_the_evaluator(example_app: SynthesizedApp) -> None:
    (rule,) = [
        r
        for r in example_app.resources(STACK, "AWS::Events::Rule").values()
        if r["Properties"]["ScheduleExpression"] == "rate(15 minutes)"  # the reconciliation runs by cron
    ]
    (fn_id,) = [
        k
        for k, v in example_app.resources(STACK, "AWS::Lambda::Function").items()
        if v["Properties"].get("Handler") == "lambdas.evaluator.handler.lambda_handler"
    ]
    (rule,) = [
        r
        for r in example_app.resources(STACK, "AWS::Events::Rule").values()
        if r["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [fn_id, "Arn"]}
    ]
    assert rule["Properties"]["ScheduleExpression"] == "rate(15 minutes)"
    env = example_app.resources(STACK, "AWS::Lambda::Function")[fn_id]["Properties"]["Environment"][
        "Variables"
    ]
    assert {"GUARDRAILS_TOPIC_ARN", "GUARDRAILS_STATE_TABLE"} <= set(env)


def _statements(app: SynthesizedApp) -> list[dict[str, Any]]:
    policies = [p for k, p in app.resources(STACK, "AWS::IAM::Policy").items() if k.startswith("Evaluator")]
    assert len(policies) == 1
    statements: list[dict[str, Any]] = policies[0]["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return list(action) if isinstance(action, list) else [action]


def test_least_privilege(example_app: SynthesizedApp) -> None:
    # Keyed by sorted actions: cdk.json's @aws-cdk/aws-iam:minimizePolicies may reorder them.
    by_action = {json.dumps(sorted(_actions(s))): s for s in _statements(example_app)}
    read = by_action[json.dumps(["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"])]
    assert read["Resource"] == "*"
    # Its metrics are EMF in its log: no PutMetricData grant.
    assert not any("cloudwatch:PutMetricData" in _actions(s) for s in _statements(example_app))
    assert json.dumps(["cloudwatch:DescribeAlarms"]) not in by_action  # the detector reads alarm states
    publish = by_action[json.dumps(["sns:Publish"])]
    assert "Ref" in publish["Resource"]
    ddb = by_action[
        json.dumps(["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"])
    ]
    assert "NotificationState" in json.dumps(ddb["Resource"])
    for statement in _statements(example_app):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any("*" in a for a in actions)
        if statement["Resource"] == "*":
            assert all(a.startswith("cloudwatch:") for a in actions)
            assert "cloudwatch:DescribeAlarms" not in actions


def test_detector_least_privilege(example_app: SynthesizedApp) -> None:
    policies = [
        p for k, p in example_app.resources(STACK, "AWS::IAM::Policy").items() if k.startswith("Detector")
    ]
    (policy,) = policies
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    by_action = {json.dumps(s["Action"]): s for s in statements}
    describe = by_action[json.dumps("cloudwatch:DescribeAlarms")]
    # The partition is a literal: the stack's Region is known at synth time.
    assert describe["Resource"] == "arn:aws:cloudwatch:us-east-1:222222222222:alarm:GenAiGuardrails-prod-*"
    ddb = by_action[json.dumps(["dynamodb:BatchGetItem", "dynamodb:PutItem"])]
    assert "NotificationState" in json.dumps(ddb["Resource"])
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any("*" in a for a in actions)
        if statement["Resource"] == "*":
            assert set(actions) == {"cloudwatch:GetMetricData", "cloudwatch:ListMetrics"}
