"""The nested templates of a `stack_layout: nested` account, deployed: every unit is created by moto's
CloudFormation with the parameters the parent passes, its dashboards exist under their public names with
bodies that query the log group passed in, and every alarm is accepted by CloudWatch's PutMetricAlarm
(moto's CloudFormation does not create `AWS::CloudWatch::Alarm`; CloudFormation's properties for an alarm are
PutMetricAlarm's parameters, name for name)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from config.loader import check_rules, parse_config
from config.stack_limits import AccountLayout, account_layout
from config.unit_templates import LOG_GROUP_PARAMETER, TOPIC_PARAMETER

REGION = "us-east-1"
KEPT_LOG_GROUP = "/aws/bedrock/kept-destination"  # what the logging custom resource answered
TOPIC_ARN = f"arn:aws:sns:{REGION}:333333333333:GenAiGuardrails-staging-notifications"


@pytest.fixture
def staging_nested(example_data: dict[str, Any]) -> AccountLayout:
    data = copy.deepcopy(example_data)
    for account in data["accounts"]:
        account["stack_layout"] = "nested"
    config = check_rules(parse_config(data))
    return account_layout(config, config.account("staging"))


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def _parameters(template: dict[str, Any]) -> list[dict[str, str]]:
    values = {LOG_GROUP_PARAMETER: KEPT_LOG_GROUP, TOPIC_PARAMETER: TOPIC_ARN}
    return [{"ParameterKey": k, "ParameterValue": values[k]} for k in template.get("Parameters", {})]


# moto's CloudFormation skips the alarms (with this warning): the next test checks them against CloudWatch.
@pytest.mark.filterwarnings("ignore:Tried to parse AWS")
def test_every_unit_deploys_and_its_dashboards_query_the_group_passed_in(
    staging_nested: AccountLayout, aws: None
) -> None:
    cfn = boto3.client("cloudformation", region_name=REGION)
    for unit in staging_nested.units:
        cfn.create_stack(
            StackName=f"staging-{unit.id}",
            TemplateBody=json.dumps(unit.template),
            Parameters=_parameters(unit.template),
        )
        (stack,) = cfn.describe_stacks(StackName=f"staging-{unit.id}")["Stacks"]
        assert stack["StackStatus"] == "CREATE_COMPLETE", unit.id
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    deployed = {d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]}
    assert deployed == {d for unit in staging_nested.units for d in unit.dashboards}
    queries = []
    for name in deployed:
        body = json.loads(cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])
        queries += [w["properties"]["query"] for w in body["widgets"] if w["type"] == "log"]
    assert queries, "the account dashboard has a Logs Insights widget"
    assert all(q.startswith(f"SOURCE '{KEPT_LOG_GROUP}' |") for q in queries), queries


def test_every_alarm_of_the_units_is_a_valid_put_metric_alarm(
    staging_nested: AccountLayout, aws: None
) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    expected = []
    for unit in staging_nested.units:
        for resource in unit.template["Resources"].values():
            if resource["Type"] != "AWS::CloudWatch::Alarm":
                continue
            properties = json.loads(
                json.dumps(resource["Properties"]).replace(
                    json.dumps({"Ref": TOPIC_PARAMETER}), '"' + TOPIC_ARN + '"'
                )
            )
            cloudwatch.put_metric_alarm(**properties)
            expected.append(properties["AlarmName"])
    names = [a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNames=expected)["MetricAlarms"]]
    feature_alarms = [a.name for a in staging_nested.alarm_set.alarms if a.feature is not None]
    assert sorted(names) == sorted(expected) == sorted(feature_alarms)
