"""The daily reconciliation in the account stacks: on by default, off with pricing.reconcile.enabled false."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from core import contract as c
from stacks.reconciliation import RECONCILE_HANDLER
from tests.conftest import SynthesizedApp

PROD, STAGING = "GenAiGuardrails-prod", "GenAiGuardrails-staging"


@pytest.fixture(scope="module")
def app(
    synth_factory: Callable[[dict[str, Any]], SynthesizedApp], example_data: dict[str, Any]
) -> SynthesizedApp:
    data = copy.deepcopy(example_data)
    assert [a["name"] for a in data["accounts"][:2]] == ["prod", "staging"]
    data["accounts"][0]["pricing"]["reconcile_tolerance_percent"] = 7.5
    data["accounts"][1].setdefault("pricing", {})["reconcile"] = {"enabled": False}
    return synth_factory(data)


def _reconcile_function(app: SynthesizedApp, stack: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (k, v)
        for k, v in app.resources(stack, "AWS::Lambda::Function").items()
        if v["Properties"]["Handler"] == RECONCILE_HANDLER
    ]


def test_function_schedule_and_least_privilege(app: SynthesizedApp) -> None:
    ((logical_id, fn),) = _reconcile_function(app, PROD)
    env = fn["Properties"]["Environment"]["Variables"]
    assert "GUARDRAILS_TOPIC_ARN" in env  # the tolerance travels in the runtime config
    rules = [
        r for r in app.resources(PROD, "AWS::Events::Rule").values()
        if r["Properties"]["ScheduleExpression"].startswith("cron(0 15 ")
    ]  # fmt: skip
    assert len(rules) == 1 and rules[0]["Properties"]["Targets"][0]["Arn"]["Fn::GetAtt"][0] == logical_id
    role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
    actions: set[str] = set()
    for policy in app.resources(PROD, "AWS::IAM::Policy").values():
        if {"Ref": role} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                found = statement["Action"]
                actions |= {found} if isinstance(found, str) else set(found)
    assert {
        "ce:GetCostAndUsage",
        "cloudwatch:GetMetricData",
        "cloudwatch:ListMetrics",
        "sns:Publish",
    } <= actions
    assert not any(a.startswith(("ce:Update", "ce:Create", "cloudwatch:Put", "s3:")) for a in actions)


def test_alarm_compares_the_worst_model_with_the_tolerance_and_notifies(app: SynthesizedApp) -> None:
    (alarm,) = [
        a["Properties"]
        for a in app.resources(PROD, "AWS::CloudWatch::Alarm").values()
        if c.ESTIMATE_ERROR_WORST_MODEL in json.dumps(a["Properties"].get("Metrics"))
    ]
    assert alarm["AlarmName"] == "GenAiGuardrails-prod-account-EstimateOffBill"
    assert alarm["Threshold"] == 7.5 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    (query,) = alarm["Metrics"]
    stat = query["MetricStat"]
    assert stat["Metric"]["Dimensions"] == [{"Name": "Environment", "Value": "prod"}]
    assert (stat["Stat"], stat["Period"]) == ("Maximum", 86400)
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (2, 1)
    assert alarm["TreatMissingData"] == "notBreaching" and alarm["AlarmActions"]
    assert "runbook.md#estimate-off-the-bill" in alarm["AlarmDescription"]


def test_opt_out_removes_it(app: SynthesizedApp) -> None:
    assert _reconcile_function(app, STAGING) == []
    assert not [
        a for a in app.resources(STAGING, "AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("MetricName") == c.ESTIMATE_ERROR_WORST_MODEL
    ]  # fmt: skip
