"""AccountGuardrails: everything one workload account needs (notifications, metering, alarms, budgets,
dashboards). Constructs are composed here and wired through their attributes."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from config.loader import ConfigRuleError
from config.model import Account, GuardrailsConfig
from config.runtime import build_runtime_config
from stacks.account_alarms import GuardrailAlarms
from stacks.anomaly_detection import BedrockAnomalyDetection
from stacks.athena_logs import InvocationLogAnalyticsTable
from stacks.budgets import GuardrailBudgets, check_billing_guardrails
from stacks.dashboards import GuardrailDashboards
from stacks.data_key import GuardrailDataKey
from stacks.evaluator import BudgetEvaluator
from stacks.inference_profiles import FeatureInferenceProfiles, output_id
from stacks.kill_switch import GuardrailKillSwitches
from stacks.lambda_code import lambda_code
from stacks.metering import BedrockInvocationMetering
from stacks.naming import METRIC_NAMESPACE, account_stack_name, alarm_name_prefix
from stacks.notifications import GuardrailNotifications
from stacks.price_refresh import PriceCatalogRefresh

# CloudFormation's quota of resources per stack (CDK enforces it at synth too).
CLOUDFORMATION_MAX_RESOURCES = 500


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
        self.runtime_config = build_runtime_config(config, account, namespace=METRIC_NAMESPACE)
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
        check_billing_guardrails(config)
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
            account_index=account_index,
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
            metrics_namespace=METRIC_NAMESPACE,
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
                metrics_namespace=METRIC_NAMESPACE,
            )
            self.price_refresh.add_reader(self.metering.function)
            cdk.CfnOutput(self, "PriceCatalogBucketName", value=self.price_refresh.bucket.bucket_name)

        # Optional Glue table + Athena workgroup over the S3 invocation logs, for `replay --athena`.
        self.log_analytics: InvocationLogAnalyticsTable | None = None
        if account.invocation_log_analytics.enabled:
            self.log_analytics = InvocationLogAnalyticsTable(
                self,
                "LogAnalytics",
                settings=account.invocation_log_analytics,
                account_name=account.name,
                account_id=account.account_id,
                region=account.region,
                runtime_config=self.runtime_config,
                key=self.data_key.key,
            )
            cdk.CfnOutput(self, "LogAnalyticsWorkGroup", value=self.log_analytics.workgroup.ref)
            cdk.CfnOutput(self, "LogAnalyticsDatabase", value=self.log_analytics.database_name)

        # Alarms (one construct per family, definitions in stacks/alarm_definitions.py) and the evaluator.
        self.alarms = GuardrailAlarms(
            self,
            "Alarms",
            config=config,
            account=account,
            topic=self.notifications.topic,
            metering_function=self.metering.function,
            dead_letter_queue=self.metering.dead_letter_queue,
        )
        self.evaluator = BudgetEvaluator(
            self,
            "Evaluator",
            code=self.lambda_code,
            topic=self.notifications.topic,
            topic_key=self.notifications.key,
            data_key=self.data_key.key,
            schedule_minutes=account.evaluator.schedule_minutes,
            metrics_namespace=METRIC_NAMESPACE,
            alarm_name_prefix=alarm_name_prefix(account.name),
        )
        cdk.CfnOutput(self, "EvaluatorStateTableName", value=self.evaluator.table.table_name)

        # Last, so the alarm-status widgets see every alarm defined above.
        self.dashboards = GuardrailDashboards.for_account(
            self, "Dashboards", config=config, account=account, log_group_name=self.metering.log_group_name
        )
        check_resource_limit(self, account_index, len(account.features))


def check_resource_limit(stack: cdk.Stack, account_index: int, feature_count: int) -> None:
    """Fail with the config field to change, not CDK's TooManyResourcesInStack traceback at synth. About 8
    resources per feature (mostly alarms): at most 57 features per account (bench/stack_size.py)."""
    count = sum(1 for child in stack.node.find_all() if isinstance(child, cdk.CfnResource))
    if count > CLOUDFORMATION_MAX_RESOURCES:
        raise ConfigRuleError(
            f"accounts[{account_index}].features: {feature_count} features need {count} CloudFormation "
            f"resources in stack {stack.stack_name}; CloudFormation allows {CLOUDFORMATION_MAX_RESOURCES} "
            "per stack: split the features across accounts or regions, or drop premium_models alarms"
        )
