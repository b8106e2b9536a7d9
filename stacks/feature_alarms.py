"""Per-feature alarm families as CDK constructs: each turns its definitions from core/alarm_definitions.py
into `AWS::CloudWatch::Alarm` resources field by field (L1, so the template is exactly the definition).
Feature alarms have no actions: the detector (stacks/detector.py) pages for them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_sns as sns
from constructs import Construct

from config.unit_templates import tag_list
from core.alarm_model import AlarmDefinition, to_template_alarm


def metric_alarm(
    scope: Construct, definition: AlarmDefinition, topic_arn: str, tags: Mapping[str, str]
) -> cdk.CfnResource:
    """One definition -> one `AWS::CloudWatch::Alarm`, its properties rendered by the same function the
    nested templates use (`core.alarm_model.to_template_alarm`). A plain CfnResource, not CfnAlarm: an
    account holds hundreds of alarms, and building CfnAlarm's typed property structs (each checked by
    typeguard) was most of their synth time. It is not taggable, so it carries the stack's tags itself.
    Alarms that page notify the topic (`topic_arn`, read once per family: each read is a jsii round trip)
    on ALARM and on OK."""
    return cdk.CfnResource(
        scope,
        definition.key,
        type="AWS::CloudWatch::Alarm",
        properties={**to_template_alarm(definition, topic_arn), "Tags": tag_list(tags)},
    )


class AlarmFamily(Construct):
    """Base: the alarms of one family, by definition key (`.alarms`); the family classes below and the
    account health alarms (stacks/account_alarms.py) are its kinds."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definitions: Sequence[AlarmDefinition],
        topic: sns.ITopic,
        tags: Mapping[str, str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.definitions = tuple(definitions)
        topic_arn = topic.topic_arn
        self.alarms: dict[str, cdk.CfnResource] = {
            d.key: metric_alarm(self, d, topic_arn, tags) for d in self.definitions
        }


class FeatureCostAlarms(AlarmFamily):
    """Hourly limit (rolling hour) and daily budget (rolling 24 hours) per feature."""


class FeatureTokenAlarms(AlarmFamily):
    """The static tokens-per-request ceiling, where config sets one."""
