"""Nested templates written without CDK: a unit of an account's alarms and dashboards as a CloudFormation
template (plain JSON), so a large account's thousands of alarms cost no construct, no token resolution and
no cdk-nag pass at synth (docs/performance.md), and the plan knows each template's exact size.

A unit takes one parameter, the notification topic's ARN (alarms with actions page it); every alarm carries
the stack's standard tags, as the Tags aspect would have added them.
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


def dashboard_resources(dashboards: Sequence[Dashboard]) -> dict[str, dict[str, Any]]:
    return {
        logical_id("Dashboard", d.name): {
            "Type": "AWS::CloudWatch::Dashboard",
            "Properties": {
                "DashboardName": d.name,
                "DashboardBody": json.dumps(d.body, separators=(",", ":")),
            },
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
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": description,
        "Parameters": {
            TOPIC_PARAMETER: {
                "Type": "String",
                "Description": "The account's guardrail notification topic (alarms with actions page it).",
            }
        },
        "Resources": resources,
    }


def template_text(template: Mapping[str, Any]) -> str:
    """How a unit template is written (compact: the 1 MB quota counts every byte)."""
    return json.dumps(template, separators=(",", ":"), sort_keys=True)


def template_bytes(template: Mapping[str, Any]) -> int:
    return len(template_text(template).encode("utf-8"))
