"""Account-wide health alarms as a CDK construct, plus the wiring of every alarm family of an account."""

from __future__ import annotations

import re
from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from config.stack_limits import resource_tags
from core import contract as c
from core.alarm_model import AccountAlarmSet, ServiceHealthAlarm, ServiceMetric, Source
from core.config_model import Account
from stacks.feature_alarms import AlarmFamily, FeatureCostAlarms, FeatureTokenAlarms


class AccountHealthAlarms(AlarmFamily):
    """Unattributed share, unpriced and malformed records: alarms on the metered data, paging directly."""


def _enum_name(api_value: str) -> str:
    """`GreaterThanThreshold` / `notBreaching` (CloudWatch's API) as the CDK enum member's name."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", api_value).upper()


class ServiceHealthAlarms(Construct):
    """The guardrail watching itself (core.service_health): L2 alarms on the metrics of its own functions
    and queue, and of Bedrock, each paging the topic directly."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definitions: tuple[ServiceHealthAlarm, ...],
        functions: Mapping[Source, lambda_.IFunction],
        dead_letter_queue: sqs.IQueue,
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        self.definitions = definitions
        action = cloudwatch_actions.SnsAction(topic)

        def metric(m: ServiceMetric, period: cdk.Duration) -> cloudwatch.Metric:
            if m.source == "bedrock":
                return cloudwatch.Metric(
                    namespace=c.BEDROCK_NAMESPACE,
                    metric_name=m.metric_name,
                    statistic=m.statistic,
                    period=period,
                )
            if m.source == "dead_letter_queue":
                return dead_letter_queue.metric_approximate_number_of_messages_visible(
                    statistic=m.statistic, period=period
                )
            function = functions[m.source]
            named = {
                "Errors": function.metric_errors,
                "Throttles": function.metric_throttles,
                "Invocations": function.metric_invocations,
            }.get(m.metric_name)
            if named is not None:
                return named(statistic=m.statistic, period=period)
            return function.metric(m.metric_name, statistic=m.statistic, period=period)

        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for d in definitions:
            period = cdk.Duration.seconds(d.period)
            watched: cloudwatch.Metric | cloudwatch.MathExpression = (
                metric(d.metrics[0], period)
                if d.expression is None
                else cloudwatch.MathExpression(
                    expression=d.expression,
                    using_metrics={m.id: metric(m, period) for m in d.metrics},
                    period=period,
                    label=d.kind,
                )
            )
            alarm = watched.create_alarm(
                self,
                d.key,
                alarm_name=d.name,
                alarm_description=d.description,
                threshold=d.threshold,
                comparison_operator=cloudwatch.ComparisonOperator[_enum_name(d.comparison)],
                evaluation_periods=d.evaluation_periods,
                datapoints_to_alarm=d.datapoints_to_alarm,
                treat_missing_data=cloudwatch.TreatMissingData[_enum_name(d.treat_missing_data)],
            )
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            self.alarms[d.key] = alarm


class GuardrailAlarms(Construct):
    """Hands each family of the account's alarm definitions (the stack's layout built them) to its
    construct."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        account: Account,
        alarm_set: AccountAlarmSet,
        topic: sns.ITopic,
        functions: Mapping[Source, lambda_.IFunction],
        dead_letter_queue: sqs.IQueue,
        feature_alarms: bool = True,
    ) -> None:
        """`feature_alarms=False`: only the account health alarms here (a split account's feature alarms
        live in its nested templates); their construct paths, so logical ids, stay the same."""
        super().__init__(scope, construct_id)
        self.definitions: AccountAlarmSet = alarm_set
        defs = self.definitions
        tags = resource_tags(account)
        self.health = AccountHealthAlarms(
            self, "Health", definitions=defs.family("account_health"), topic=topic, tags=tags
        )
        self.service_health = ServiceHealthAlarms(
            self,
            "ServiceHealth",
            definitions=defs.service_health,
            functions=functions,
            dead_letter_queue=dead_letter_queue,
            topic=topic,
        )
        if not feature_alarms:
            return
        self.cost = FeatureCostAlarms(self, "Cost", definitions=defs.family("cost"), topic=topic, tags=tags)
        self.tokens = FeatureTokenAlarms(
            self, "Tokens", definitions=defs.family("tokens"), topic=topic, tags=tags
        )
