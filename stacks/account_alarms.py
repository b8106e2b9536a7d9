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
from stacks.feature_alarms import FeatureCostAlarms, FeatureTokenAlarms, metric_alarm


class AccountHealthAlarms(Construct):
    """Unattributed share, unpriced and malformed records, metering Lambda errors and DLQ depth, Bedrock
    invocation-log delivery failures, and the detector's own health. Each pages the topic directly."""

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
        detector_function: lambda_.IFunction | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.definitions: AccountAlarmSet = build_alarm_set(
            config,
            account,
            metering_function_name=metering_function.function_name if metering_function else None,
            dead_letter_queue_name=dead_letter_queue.queue_name if dead_letter_queue else None,
            detector_function_name=detector_function.function_name if detector_function else None,
        )
        defs = self.definitions
        self.cost = FeatureCostAlarms(self, "Cost", definitions=defs.family("cost"), topic=topic)
        self.tokens = FeatureTokenAlarms(self, "Tokens", definitions=defs.family("tokens"), topic=topic)
        self.health = AccountHealthAlarms(
            self, "Health", definitions=defs.family("account_health"), topic=topic
        )
