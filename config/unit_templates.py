"""Nested templates written without CDK: a unit of an account's alarms and dashboards as a CloudFormation
template (plain JSON), so a large account's thousands of alarms cost no construct, no token resolution and
no cdk-nag pass at synth (docs/performance.md), and the plan knows each template's exact size.

A unit takes the parameters it reads: the notification topic's ARN (alarms with actions page it) and the
invocation log group the metering reads (dashboards query it); every alarm carries the stack's standard
tags, as the Tags aspect would have added them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from core.alarm_model import (
    AlarmDefinition,
    to_template_alarm,
)
from dashboards.pack import Dashboard

TOPIC_PARAMETER = "TopicArn"
# Dashboards of nested units are rendered with this in place of the invocation log group's name; the parent
# passes the group actually metered (the logging custom resource's answer, known at deploy time) as the
# LOG_GROUP_PARAMETER of the units whose dashboards read it.
LOG_GROUP_PARAMETER = "InvocationLogGroupName"
LOG_GROUP_PLACEHOLDER = "{{InvocationLogGroupName}}"
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def logical_id(kind: str, key: str) -> str:
    """A stable logical id from a unique key: readable part plus a hash (so `a-b` and `ab` differ)."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:8].upper()
    return f"{kind}{_NOT_ALPHANUMERIC.sub('', key)[:200]}{digest}"


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": tags[k]} for k in sorted(tags)]


def alarm_resources(
    alarms: Sequence[AlarmDefinition],
    tags: Mapping[str, str],
    topic: Any,
) -> dict[str, dict[str, Any]]:
    """Alarms as template resources."""
    tagged = tag_list(tags)
    return {
        logical_id("Alarm", alarm.key): {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {**to_template_alarm(alarm, topic), "Tags": tagged},
        }
        for alarm in alarms
    }


def _dashboard_body(body: Mapping[str, Any]) -> str | dict[str, Any]:
    """The body as a string, or an Fn::Join that puts the log group parameter where the placeholder is."""
    text = json.dumps(body, separators=(",", ":"))
    if LOG_GROUP_PLACEHOLDER not in text:
        return text
    parts: list[Any] = []
    for n, piece in enumerate(text.split(LOG_GROUP_PLACEHOLDER)):
        parts += [{"Ref": LOG_GROUP_PARAMETER}] if n else []
        parts += [piece] if piece else []
    return {"Fn::Join": ["", parts]}


def dashboard_resources(dashboards: Sequence[Dashboard]) -> dict[str, dict[str, Any]]:
    return {
        logical_id("Dashboard", d.name): {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {"DashboardName": d.name, "DashboardBody": _dashboard_body(d.body)},
        }
        for d in dashboards
    }


def unit_template(
    *,
    description: str,
    alarms: Sequence[AlarmDefinition] = (),
    dashboards: Sequence[Dashboard] = (),
    tags: Mapping[str, str],
) -> dict[str, Any]:
    """The whole nested template of one unit."""
    resources = {
        **alarm_resources(alarms, tags, {"Ref": TOPIC_PARAMETER}),
        **dashboard_resources(dashboards),
    }
    # Only the parameters something in the unit reads (an unused one is a template defect, cfn-lint W2001).
    parameters: dict[str, Any] = {}
    if any(alarm.notify for alarm in alarms):
        parameters[TOPIC_PARAMETER] = {
            "Type": "String",
            "Description": "The account's guardrail notification topic (alarms with actions page it).",
        }
    if any(not isinstance(r["Properties"].get("DashboardBody", ""), str) for r in resources.values()):
        parameters[LOG_GROUP_PARAMETER] = {
            "Type": "String",
            "Description": "The invocation log group the account's metering reads (dashboards query it).",
        }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        **({"Parameters": parameters} if parameters else {}),
        "Resources": resources,
    }


def template_text(template: Mapping[str, Any]) -> str:
    """How a unit template is written (compact: the 1 MB quota counts every byte)."""
    return json.dumps(template, separators=(",", ":"), sort_keys=True)


def template_bytes(template: Mapping[str, Any]) -> int:
    return len(template_text(template).encode("utf-8"))
