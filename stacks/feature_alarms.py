"""Per-feature alarm families as CDK constructs: each turns its definitions from core/alarm_definitions.py
into `AWS::CloudWatch::Alarm` resources field by field (L1, so the template is exactly the definition).
Feature alarms have no actions: the detector (stacks/detector.py) pages for them."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sns as sns
from constructs import Construct

from core.alarm_model import AlarmDefinition, ExpressionQuery, MetricStatQuery, Query


def _query(query: Query) -> cloudwatch.CfnAlarm.MetricDataQueryProperty:
    if isinstance(query, ExpressionQuery):
        return cloudwatch.CfnAlarm.MetricDataQueryProperty(
            id=query.id, expression=query.expression, label=query.label, return_data=query.return_data
        )
    assert isinstance(query, MetricStatQuery)
    return cloudwatch.CfnAlarm.MetricDataQueryProperty(
        id=query.id,
        label=query.label or None,
        return_data=query.return_data,
        metric_stat=cloudwatch.CfnAlarm.MetricStatProperty(
            metric=cloudwatch.CfnAlarm.MetricProperty(
                namespace=query.namespace,
                metric_name=query.metric_name,
                dimensions=[
                    cloudwatch.CfnAlarm.DimensionProperty(name=k, value=v) for k, v in query.dimensions
                ]
                or None,
            ),
            period=query.period,
            stat=query.stat,
        ),
    )


def metric_alarm(scope: Construct, definition: AlarmDefinition, topic: sns.ITopic) -> cloudwatch.CfnAlarm:
    """One definition -> one CfnAlarm. Alarms that page notify the topic on ALARM and on OK."""
    actions = [topic.topic_arn] if definition.notify else None
    return cloudwatch.CfnAlarm(
        scope,
        definition.key,
        alarm_name=definition.name,
        alarm_description=definition.description,
        metrics=[_query(q) for q in definition.queries],
        comparison_operator=definition.comparison,
        threshold=definition.threshold,
        threshold_metric_id=definition.threshold_metric_id,
        evaluation_periods=definition.evaluation_periods,
        datapoints_to_alarm=definition.datapoints_to_alarm,
        treat_missing_data=definition.treat_missing_data,
        actions_enabled=True,
        alarm_actions=actions,
        ok_actions=actions,
    )


class _AlarmFamily(Construct):
    """Base: the alarms of one family, by definition key (`.alarms`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definitions: Sequence[AlarmDefinition],
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        self.definitions = tuple(definitions)
        self.alarms: dict[str, cloudwatch.CfnAlarm] = {
            d.key: metric_alarm(self, d, topic) for d in self.definitions
        }


class FeatureCostAlarms(_AlarmFamily):
    """Hourly limit (rolling hour) and daily budget (rolling 24 hours) per feature."""


class FeatureTokenAlarms(_AlarmFamily):
    """The static tokens-per-request ceiling, where config sets one."""
