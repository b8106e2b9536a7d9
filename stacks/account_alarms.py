"""Account-wide health alarms as a CDK construct, plus the wiring of every alarm family of an account."""

from __future__ import annotations

from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from core.alarm_definitions import build_alarm_set
from core.alarm_model import AccountAlarmSet, AlarmDefinition
from core.config_model import Account, GuardrailsConfig
from stacks.feature_alarms import (
    FeatureCompositeAlarms,
    FeatureCostAlarms,
    FeatureModelMixAlarms,
    FeatureThrottleAlarms,
    FeatureTokenAlarms,
    FeatureTrafficAlarms,
    metric_alarm,
)


class AccountHealthAlarms(Construct):
    """Unattributed share, unpriced and malformed records, metering Lambda errors and DLQ depth, and Bedrock
    invocation-log delivery failures. Each pages the topic directly."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        definitions: tuple[AlarmDefinition, ...],
        topic: sns.ITopic,
    ) -> None:
        super().__init__(scope, construct_id)
        self.definitions = definitions
        self.alarms: dict[str, cloudwatch.CfnAlarm] = {
            d.key: metric_alarm(self, d, topic) for d in definitions
        }


class GuardrailAlarms(Construct):
    """Builds the account's alarm definitions once and hands each family to its construct."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: GuardrailsConfig,
        account: Account,
        topic: sns.ITopic,
        metering_function: lambda_.IFunction | None = None,
        dead_letter_queue: sqs.IQueue | None = None,
        feature_alarms: bool = True,
    ) -> None:
        """`feature_alarms=False`: only the account health alarms here (a split account's feature alarms
        live in its nested templates); their construct paths, so logical ids, stay the same."""
        super().__init__(scope, construct_id)
        self.definitions: AccountAlarmSet = build_alarm_set(
            config,
            account,
            metering_function_name=metering_function.function_name if metering_function else None,
            dead_letter_queue_name=dead_letter_queue.queue_name if dead_letter_queue else None,
        )
        defs = self.definitions
        self.health = AccountHealthAlarms(
            self, "Health", definitions=defs.family("account_health"), topic=topic
        )
        if not feature_alarms:
            return
        self.cost = FeatureCostAlarms(self, "Cost", definitions=defs.family("cost"), topic=topic)
        self.traffic = FeatureTrafficAlarms(self, "Traffic", definitions=defs.family("traffic"), topic=topic)
        self.tokens = FeatureTokenAlarms(self, "Tokens", definitions=defs.family("tokens"), topic=topic)
        self.model_mix = FeatureModelMixAlarms(
            self, "ModelMix", definitions=defs.family("model_mix"), topic=topic
        )
        self.throttles = FeatureThrottleAlarms(
            self, "Throttles", definitions=defs.family("throttles"), topic=topic
        )
        by_name = {
            d.name: family.alarms[d.key]
            for family in (self.cost, self.traffic, self.tokens, self.model_mix, self.throttles)
            for d in family.definitions
        }
        self.composites = FeatureCompositeAlarms(
            self, "Composite", definitions=defs.composites, children=by_name, topic=topic
        )
