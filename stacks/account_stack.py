"""AccountGuardrails: everything one workload account needs (notifications, metering, alarms, budgets,
dashboards). Constructs are composed here and wired through their attributes."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from core.config_model import Account, GuardrailsConfig
from core.contract import NAMESPACE
from core.naming import account_stack_name, alarm_name_prefix
from core.runtime_config import build_runtime_config
from stacks.account_alarms import GuardrailAlarms
from stacks.anomaly_detection import BedrockAnomalyDetection
from stacks.budgets import GuardrailBudgets
from stacks.dashboards import GuardrailDashboards
from stacks.data_key import GuardrailDataKey
from stacks.detector import FeatureDetector
from stacks.evaluator import BudgetEvaluator
from stacks.inference_profiles import FeatureInferenceProfiles, output_id
from stacks.kill_switch import GuardrailKillSwitches
from stacks.lambda_code import lambda_code
from stacks.metering import BedrockInvocationMetering
from stacks.notifications import GuardrailNotifications
from stacks.price_refresh import PriceCatalogRefresh


class AccountGuardrailsStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: GuardrailsConfig,
        account: Account,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.account_config = account
        self.data_key = GuardrailDataKey(self, "DataKey")
        # One code asset for every guardrail Lambda of the account: the lambdas package + runtime config.
        self.runtime_config = build_runtime_config(config, account)
        self.lambda_code = lambda_code(self.runtime_config)
        self.notifications = GuardrailNotifications(
            self,
            "Notifications",
            topic_name=f"{account_stack_name(account.name)}-notifications",
            emails=config.notifications.emails,
            slack=config.notifications.slack,
        )
        cdk.CfnOutput(self, "NotificationTopicArn", value=self.notifications.topic.topic_arn)

        # Billing-true guardrails (README "Budgets and tags"): application inference profiles, AWS Budgets,
        # optional kill switches, Cost Anomaly Detection. `self.inference_profiles.profile_features_json()`
        # is the metering Lambda's GUARDRAILS_PROFILE_FEATURES value.
        account_index = config.accounts.index(account)
        topic_arn = self.notifications.topic.topic_arn
        self.inference_profiles = FeatureInferenceProfiles(self, "InferenceProfiles", account=account)
        for feature_name, profile in self.inference_profiles.profiles.items():
            arn = profile.attr_inference_profile_arn
            cdk.CfnOutput(self, output_id("InferenceProfileArn", feature_name), value=arn)
        self.budgets = GuardrailBudgets(
            self,
            "Budgets",
            account=account,
            topic_arn=topic_arn,
            emails=config.notifications.emails,
        )
        cdk.CfnOutput(self, "BedrockBudgetName", value=self.budgets.account_budget_name)
        self.kill_switches = GuardrailKillSwitches(
            self,
            "KillSwitches",
            account=account,
            account_index=account_index,
            budgets=self.budgets,
            profiles=self.inference_profiles,
            topic_arn=topic_arn,
            emails=config.notifications.emails,
        )
        self.anomaly_detection: BedrockAnomalyDetection | None = None
        if account.anomaly_detection.enabled:
            self.anomaly_detection = BedrockAnomalyDetection(
                self,
                "AnomalyDetection",
                name_prefix=account_stack_name(account.name),
                threshold_usd=account.anomaly_detection.threshold_usd,
                topic_arn=topic_arn,
            )
            cdk.CfnOutput(self, "AnomalyMonitorArn", value=self.anomaly_detection.monitor.attr_monitor_arn)

        self.metering = BedrockInvocationMetering(
            self,
            "Metering",
            settings=account.invocation_logging,
            code=self.lambda_code,
            key=self.data_key.key,
            # {profile id: feature} for the profiles created above: attribution with no API call.
            profile_features_json=(
                self.inference_profiles.profile_features_json() if self.inference_profiles.profiles else None
            ),
            metrics_namespace=NAMESPACE,
        )
        cdk.CfnOutput(self, "InvocationLogGroupName", value=self.metering.log_group_name)
        cdk.CfnOutput(self, "MeteringFunctionName", value=self.metering.function.function_name)

        # Optional weekly price refresh (README "Prices"): catalog in S3, read by metering; bundled fallback.
        self.price_refresh: PriceCatalogRefresh | None = None
        if account.price_refresh.enabled:
            self.price_refresh = PriceCatalogRefresh(
                self,
                "PriceRefresh",
                code=self.lambda_code,
                key=self.data_key.key,
                topic=self.notifications.topic,
                topic_key=self.notifications.key,
                schedule_days=account.price_refresh.schedule_days,
                metrics_namespace=NAMESPACE,
            )
            self.price_refresh.add_reader(self.metering.function)
            cdk.CfnOutput(self, "PriceCatalogBucketName", value=self.price_refresh.bucket.bucket_name)

        # The evaluator (budgets, forecast), the detector (per-feature tests and the pages), and the alarms
        # (definitions in core/alarm_definitions.py; the detector pages for the feature alarms).
        self.evaluator = BudgetEvaluator(
            self,
            "Evaluator",
            code=self.lambda_code,
            topic=self.notifications.topic,
            topic_key=self.notifications.key,
            data_key=self.data_key.key,
            schedule_minutes=account.evaluator.schedule_minutes,
            metrics_namespace=NAMESPACE,
        )
        cdk.CfnOutput(self, "EvaluatorStateTableName", value=self.evaluator.table.table_name)
        self.detector = FeatureDetector(
            self,
            "Detector",
            code=self.lambda_code,
            topic=self.notifications.topic,
            topic_key=self.notifications.key,
            data_key=self.data_key.key,
            table=self.evaluator.table,
            metrics_namespace=NAMESPACE,
            alarm_name_prefix=alarm_name_prefix(account.name),
            every_minutes=account.alarms.detector_every_minutes,
        )
        cdk.CfnOutput(self, "DetectorFunctionName", value=self.detector.function.function_name)
        self.alarms = GuardrailAlarms(
            self,
            "Alarms",
            config=config,
            account=account,
            topic=self.notifications.topic,
            metering_function=self.metering.function,
            dead_letter_queue=self.metering.dead_letter_queue,
            detector_function=self.detector.function,
        )

        # Last, so the alarm-status widgets see every alarm defined above.
        self.dashboards = GuardrailDashboards.for_account(
            self,
            "Dashboards",
            account=account,
            alarm_set=self.alarms.definitions,
            log_group_name=self.metering.log_group_name,
        )
