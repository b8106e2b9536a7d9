"""Every alarm of the example app in the template, with its math; the detector that pages for the feature
alarms; CloudWatch limits for the example config and for a 60-feature config (pure definitions, no synth)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from config.loader import parse_config
from core.alarm_definitions import build_alarm_set
from core.alarm_model import MAX_METRIC_STATS_PER_ALARM, AlarmLimitError
from lambdas.detector.pages import RUNBOOK_ANCHORS
from lambdas.detector.paging import CAUSES
from tests.conftest import SynthesizedApp

STACK = "GenAiGuardrails-prod"
RUNBOOK = "https://github.com/genai-cost-guardrails/genai-cost-guardrails/blob/main/docs/runbook.md"


def _alarms(app: SynthesizedApp) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in app.resources(STACK, "AWS::CloudWatch::Alarm").values()
    }


def _expr(props: dict[str, Any], qid: str) -> str:
    return str(next(m["Expression"] for m in props["Metrics"] if m["Id"] == qid))


def _stat(props: dict[str, Any], qid: str) -> dict[str, Any]:
    return next(m["MetricStat"] for m in props["Metrics"] if m["Id"] == qid)


def _dims(stat: dict[str, Any]) -> dict[str, str]:
    return {d["Name"]: d["Value"] for d in stat["Metric"].get("Dimensions", [])}


def test_every_definition_is_in_the_template_as_defined(
    example_app: SynthesizedApp, example_data: dict[str, Any]
) -> None:
    config = parse_config(example_data)
    defined = build_alarm_set(config, config.account("prod"))
    alarms = _alarms(example_app)
    # Every metric-data alarm is in the template field by field; the guardrail's own health alarms are
    # checked in test_the_guardrail_watches_its_own_pipeline, the reconciliation's in
    # test_reconciliation_stack.py.
    assert set(alarms) == {a.name for a in defined.alarms} | {h.name for h in defined.service_health} | {
        "GenAiGuardrails-prod-account-EstimateOffBill"
    }
    for d in defined.alarms:
        props = alarms[d.name]
        assert props["AlarmDescription"] == d.description
        assert props["ComparisonOperator"] == d.comparison
        assert props.get("Threshold") == d.threshold
        assert props["EvaluationPeriods"] == d.evaluation_periods
        assert props["DatapointsToAlarm"] == d.datapoints_to_alarm
        assert props["TreatMissingData"] == d.treat_missing_data == "notBreaching"
        assert [m["Id"] for m in props["Metrics"]] == [q.id for q in d.queries]
        for q in d.expressions:
            assert _expr(props, q.id) == q.expression
        for s in d.metric_stats:
            stat = _stat(props, s.id)
            assert (stat["Metric"]["MetricName"], stat["Stat"], stat["Period"]) == (
                s.metric_name,
                s.stat,
                s.period,
            )
            assert _dims(stat) == dict(s.dimensions)


def test_feature_alarms_and_their_math(example_app: SynthesizedApp) -> None:
    alarms = _alarms(example_app)
    prefix = "GenAiGuardrails-prod-support-chat-"
    dims = {"Environment": "prod", "Application": "customer-support", "Feature": "support-chat"}

    cost = alarms[prefix + "CostRate"]
    assert cost["Threshold"] == 30 and _stat(cost, "cost")["Period"] == 3600
    assert _stat(cost, "cost")["Metric"]["MetricName"] == "CostUSD" and _dims(_stat(cost, "cost")) == dims
    burn = alarms[prefix + "DailyBurn"]
    assert (
        burn["Threshold"] == 250 and _stat(burn, "cost")["Period"] == 86400 and burn["EvaluationPeriods"] == 1
    )
    ceiling = alarms[prefix + "TokensPerRequestMax"]
    assert ceiling["Threshold"] == 20000
    assert _expr(ceiling, "tpr") == "(FILL(input, 0) + FILL(output, 0)) / calls"
    assert _stat(ceiling, "calls")["Period"] == 300
    assert "GenAiGuardrails-prod-ticket-summary-TokensPerRequestMax" not in alarms  # no ceiling configured
    for props in (cost, burn, ceiling):
        assert "support-chat" in props["AlarmDescription"] and f"{RUNBOOK}#" in props["AlarmDescription"]
        assert "The detector pages for it" in props["AlarmDescription"]
        assert "AlarmActions" not in props and "OKActions" not in props  # the detector pages for them
    assert "$30.00" in cost["AlarmDescription"] and "$250.00" in burn["AlarmDescription"]
    assert "20,000" in ceiling["AlarmDescription"]
    # The drift tests run in the detector, not in CloudWatch: no anomaly bands, no composite.
    kinds = {name.rsplit("-", 1)[-1] for name in alarms if name.startswith("GenAiGuardrails-prod-")}
    assert not kinds & {"CostBurst", "TrafficAnomaly", "TokensPerRequestAnomaly", "ModelMix", "ThrottleRate"}
    assert example_app.resources(STACK, "AWS::CloudWatch::CompositeAlarm") == {}


def test_a_disabled_family_has_no_alarm(example_data: dict[str, Any]) -> None:
    data = copy.deepcopy(example_data)
    data["accounts"][0]["features"][1]["alarms"] = {"disabled": ["daily_budget", "traffic"]}
    config = parse_config(data)
    names = {a.name for a in build_alarm_set(config, config.account("prod")).alarms}
    assert "GenAiGuardrails-prod-ticket-summary-CostRate" in names
    assert "GenAiGuardrails-prod-ticket-summary-DailyBurn" not in names
    assert "GenAiGuardrails-prod-support-chat-DailyBurn" in names


def test_the_detector_runs_every_minute_and_pages_the_topic(example_app: SynthesizedApp) -> None:
    functions = example_app.resources(STACK, "AWS::Lambda::Function")
    (logical_id,) = [
        k
        for k, r in functions.items()
        if r["Properties"]["Handler"] == "lambdas.detector.handler.lambda_handler"
    ]
    detector = functions[logical_id]["Properties"]
    assert detector["Timeout"] < 60
    assert detector["Environment"]["Variables"]["GUARDRAILS_TOPIC_ARN"] == {"Ref": _topic(example_app)}
    rules = [
        r["Properties"]
        for r in example_app.resources(STACK, "AWS::Events::Rule").values()
        if r["Properties"]["Targets"][0]["Arn"] == {"Fn::GetAtt": [logical_id, "Arn"]}
    ]
    assert [r["ScheduleExpression"] for r in rules] == ["rate(1 minute)"]
    statements = [
        st
        for policy in example_app.resources(STACK, "AWS::IAM::Policy").values()
        if {"Ref": functions[logical_id]["Properties"]["Role"]["Fn::GetAtt"][0]}
        in policy["Properties"]["Roles"]
        for st in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    describe = next(st for st in statements if st.get("Sid") == "ReadGuardrailAlarmStates")
    assert "alarm:GenAiGuardrails-prod-*" in str(describe["Resource"])
    assert any(st.get("Sid") == "Page" and st["Action"] == "sns:Publish" for st in statements)


def _topic(app: SynthesizedApp) -> str:
    (logical_id,) = app.resources(STACK, "AWS::SNS::Topic")
    return logical_id


def test_account_health_alarms_page_the_topic(example_app: SynthesizedApp) -> None:
    alarms = _alarms(example_app)
    topic = [{"Ref": _topic(example_app)}]
    p = "GenAiGuardrails-prod-account-"
    share = alarms[p + "UnattributedShare"]
    assert share["Threshold"] == 10
    assert _expr(share, "share") == "100 * FILL(app3, 0) / (FILL(app1, 0) + FILL(app2, 0) + FILL(app3, 0))"
    assert _dims(_stat(share, "app3")) == {"Environment": "prod", "Application": "unattributed"}
    unpriced = alarms[p + "UnpricedInvocations"]
    assert _expr(unpriced, "unpriced") == "FILL(app1, 0) + FILL(app2, 0) + FILL(app3, 0)"
    malformed = alarms[p + "MalformedRecords"]
    assert _dims(_stat(malformed, "m")) == {"Environment": "prod"}
    for name in ("UnattributedShare", "UnpricedInvocations", "MalformedRecords"):
        props = alarms[p + name]
        assert props["AlarmActions"] == topic == props["OKActions"], name
        assert props["TreatMissingData"] == "notBreaching"
        assert props["ComparisonOperator"] == "GreaterThanThreshold"
        assert f"{RUNBOOK}#" in props["AlarmDescription"]


# Ten distinct models the price catalog knows (config validation rejects ids it does not).
PREMIUM = [
    "anthropic.claude-opus-4-5-20251101-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "anthropic.claude-opus-4-1-20250805-v1:0", "anthropic.claude-opus-4-20250514-v1:0",
    "anthropic.claude-opus-4-6-v1", "anthropic.claude-opus-4-7", "anthropic.claude-opus-4-8",
    "anthropic.claude-opus-5", "anthropic.claude-fable-5", "amazon.nova-premier-v1:0",
]  # fmt: skip


def _sixty_features(example_data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(example_data)
    prod = data["accounts"][0]
    prod["pricing"]["premium_models"] = PREMIUM[:9]
    prod["features"] = [
        {
            "name": f"feature-{i:02d}",
            "application": f"app-{i % 9}",
            "monthly_budget_usd": 1000,
            "daily_budget_usd": 50,
            "hourly_limit_usd": 5,
            "alarms": {"tokens_per_request_max": 10000},
        }
        for i in range(60)
    ]
    return data


@pytest.mark.parametrize("variant", ["example", "sixty"])
def test_within_cloudwatch_limits(example_data: dict[str, Any], variant: str) -> None:
    data = example_data if variant == "example" else _sixty_features(example_data)
    config = parse_config(data)
    for account in config.accounts:
        alarm_set = build_alarm_set(config, account)
        for alarm in alarm_set.alarms:
            assert len(alarm.metric_stats) <= MAX_METRIC_STATS_PER_ALARM
            assert len(alarm.expressions) <= 10
    if variant == "sixty":
        prod = build_alarm_set(config, config.account("prod"))
        assert max(len(a.metric_stats) for a in prod.alarms) == 10  # 9 applications + unattributed
        assert len(prod.alarms) == 60 * 3 + 4  # hourly limit, daily budget, ceiling; account alarms


def test_limits_are_enforced_with_a_clear_message(example_data: dict[str, Any]) -> None:
    data = _sixty_features(example_data)
    data["accounts"][0]["features"][0]["application"] = "app-extra"
    config = parse_config(data)
    with pytest.raises(AlarmLimitError, match="unattributed-share"):
        build_alarm_set(config, config.account("prod"))


def test_definitions_module_is_pure_data() -> None:
    import ast
    from pathlib import Path

    import core.alarm_definitions as module

    tree = ast.parse(Path(module.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(name and name.startswith(("aws_cdk", "constructs")) for name in imported)


def _github_anchor(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")


def test_every_runbook_link_lands_on_a_runbook_section(example_data: dict[str, Any]) -> None:
    """Alarm descriptions and evaluator messages link to docs/runbook.md#<anchor>: each anchor must exist."""
    runbook = (Path(__file__).resolve().parents[2] / "docs" / "runbook.md").read_text()
    anchors = {_github_anchor(line[3:]) for line in runbook.splitlines() if line.startswith("## ")}
    config = parse_config(example_data)
    # The evaluator's messages, and the detector's pages (one anchor per cause, and the default).
    linked = {"budget-threshold-notifications", "feature-pages", *RUNBOOK_ANCHORS.values()}
    for account in config.accounts:
        alarm_set = build_alarm_set(config, account)
        descriptions = [a.description for a in alarm_set.alarms] + [
            h.description for h in alarm_set.service_health
        ]
        for description in descriptions:
            linked.update(re.findall(r"runbook\.md#([a-z0-9-]+)", description))
    assert {"traffic", "cost-burst", "detector-health", "metering-heartbeat", "evaluator-errors"} <= linked
    assert set(CAUSES) == set(RUNBOOK_ANCHORS)  # every cause a page can name links somewhere
    assert linked <= anchors, f"runbook sections missing for {sorted(linked - anchors)}"


def _function_id(app: SynthesizedApp, stack: str, handler: str) -> str:
    (logical_id,) = [
        k
        for k, v in app.resources(stack, "AWS::Lambda::Function").items()
        if v["Properties"].get("Handler") == handler
    ]
    return logical_id


SERVICE_HEALTH = {
    # kind: (namespace, metric, statistic, the Lambda it watches or None)
    "InvocationLogDeliveryFailures": (
        "AWS/Bedrock",
        "ModelInvocationLogsCloudWatchDeliveryFailure",
        "Sum",
        None,
    ),
    "MeteringErrors": ("AWS/Lambda", "Errors", "Sum", "lambdas.metering.handler.lambda_handler"),
    "MeteringThrottles": ("AWS/Lambda", "Throttles", "Sum", "lambdas.metering.handler.lambda_handler"),
    "MeteringDroppedEvents": (
        "AWS/Lambda",
        "AsyncEventsDropped",
        "Sum",
        "lambdas.metering.handler.lambda_handler",
    ),
    "MeteringDestinationFailures": (
        "AWS/Lambda",
        "DestinationDeliveryFailures",
        "Sum",
        "lambdas.metering.handler.lambda_handler",
    ),
    "EvaluatorErrors": ("AWS/Lambda", "Errors", "Sum", "lambdas.evaluator.handler.lambda_handler"),
    "MeteringDlqDepth": ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", None),
}


def test_the_guardrail_watches_its_own_pipeline(example_app: SynthesizedApp) -> None:
    alarms = _alarms(example_app)
    topic = [{"Ref": _topic(example_app)}]
    p = "GenAiGuardrails-prod-account-"
    for kind, (namespace, metric, statistic, handler) in SERVICE_HEALTH.items():
        props = alarms[p + kind]
        assert (props["Namespace"], props["MetricName"], props["Statistic"]) == (namespace, metric, statistic)
        assert props["AlarmActions"] == topic == props["OKActions"], kind
        assert props["TreatMissingData"] == "notBreaching" and props["Threshold"] == 0
        assert f"{RUNBOOK}#" in props["AlarmDescription"]
        if handler is not None:
            (dimension,) = props["Dimensions"]
            assert dimension == {
                "Name": "FunctionName",
                "Value": {"Ref": _function_id(example_app, STACK, handler)},
            }
    heartbeat = alarms[p + "MeteringHeartbeat"]
    metrics = {m["Id"]: m for m in heartbeat["Metrics"]}
    assert metrics["bedrock"]["MetricStat"]["Metric"] == {
        "Namespace": "AWS/Bedrock",
        "MetricName": "Invocations",
    }
    metered = metrics["metered"]["MetricStat"]["Metric"]
    assert (metered["Namespace"], metered["MetricName"]) == ("AWS/Lambda", "Invocations")
    watched = [m for m in heartbeat["Metrics"] if m.get("ReturnData", True)]
    assert [m["Expression"] for m in watched] == ["IF(FILL(bedrock, 0) > 0 AND FILL(metered, 0) == 0, 1, 0)"]
    assert heartbeat["EvaluationPeriods"] == heartbeat["DatapointsToAlarm"] == 3
    assert heartbeat["AlarmActions"] == topic
    # Price refresh is off in the example: no alarm on a function that does not exist.
    assert p + "PriceRefreshErrors" not in alarms


def test_metering_reserves_its_concurrency(example_app: SynthesizedApp) -> None:
    metering = _function_id(example_app, STACK, "lambdas.metering.handler.lambda_handler")
    props = example_app.resources(STACK, "AWS::Lambda::Function")[metering]["Properties"]
    assert props["ReservedConcurrentExecutions"] == 5
