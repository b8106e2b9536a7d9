"""AccountGuardrails: everything one workload account needs (notifications, metering, alarms, budgets,
dashboards). Constructs are composed here and wired through their attributes."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from config.stack_limits import AccountLayout, account_layout
from config.unit_templates import LOG_GROUP_PARAMETER, TOPIC_PARAMETER
from core.alarm_model import Source
from core.config_model import Account, GuardrailsConfig
from core.contract import NAMESPACE
from core.naming import account_stack_name, alarm_name_prefix, dashboard_name
from core.runtime_config import build_runtime_config
from stacks.account_alarms import GuardrailAlarms
from stacks.anomaly_detection import BedrockAnomalyDetection
from stacks.athena_logs import InvocationLogAnalyticsTable
from stacks.budgets import GuardrailBudgets
from stacks.dashboards import GuardrailDashboards
from stacks.data_key import GuardrailDataKey
from stacks.detector import FeatureDetector
from stacks.evaluator import BudgetEvaluator
from stacks.inference_profiles import FeatureInferenceProfiles, output_id
from stacks.kill_switch import GuardrailKillSwitches
from stacks.lambda_code import lambda_code
from stacks.layout_guard import DASHBOARDS_CONSTRUCT_ID, layout_guard
from stacks.metering import BedrockInvocationMetering
from stacks.nested_template import NestedTemplateHost, TemplateNestedStack
from stacks.notifications import GuardrailNotifications
from stacks.observability import observability_link
from stacks.price_refresh import PriceCatalogRefresh
from stacks.reconciliation import BillReconciliation


class AccountGuardrailsStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: GuardrailsConfig,
        account: Account,
        layout: AccountLayout | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # A synthesizer given from Python is bound lazily (CDK binds a copy, which jsii hands back as the
        # unbound original); nested templates add their assets from Python, so bind it now, as the
        # baseline stack does.
        if kwargs.get("synthesizer") is not None:
            kwargs["synthesizer"].bind(self)
        self.account_config = account
        # Where everything goes (config/stack_limits.py): one template, or nested templates per unit.
        self.layout = layout or account_layout(config, account)
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
            region_only=len(config.regions_of(account.account_id)) > 1,
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
            reserved_concurrency=account.metering.reserved_concurrency,
            code=self.lambda_code,
            key=self.data_key.key,
            # {profile id: feature} for the profiles created above: attribution with no API call.
            profile_features_json=(
                self.inference_profiles.profile_features_json() if self.inference_profiles.profiles else None
            ),
            metrics_namespace=NAMESPACE,
        )
        cdk.CfnOutput(self, "InvocationLogGroupName", value=self.metering.log_group_name)
        if self.metering.logging_outcome is not None:  # README "Invocation logging"
            cdk.CfnOutput(self, "InvocationLoggingOutcome", value=self.metering.logging_outcome)
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

        # Daily reconciliation with the bill (pricing.reconcile, on by default): metrics, alarm, notification.
        self.reconciliation: BillReconciliation | None = None
        if account.pricing.reconcile.enabled:
            self.reconciliation = BillReconciliation(
                self,
                "Reconciliation",
                code=self.lambda_code,
                topic=self.notifications.topic,
                topic_key=self.notifications.key,
                log_key=self.data_key.key,
                metrics_namespace=NAMESPACE,
            )

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

        # The evaluator (budgets, forecast) and the detector (per-feature tests and the pages).
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
        functions: dict[Source, lambda_.IFunction] = {
            "metering": self.metering.function,
            "evaluator": self.evaluator.function,
            "detector": self.detector.function,
        }
        if self.price_refresh is not None:
            functions["price_refresh"] = self.price_refresh.function
        # Alarms: one construct per family (definitions in core/alarm_definitions.py; the detector pages for
        # the feature alarms), and the guardrail's own health (core/service_health.py) on the functions above.
        self.alarms = GuardrailAlarms(
            self,
            "Alarms",
            account=account,
            alarm_set=self.layout.alarm_set,
            topic=self.notifications.topic,
            functions=functions,
            dead_letter_queue=self.metering.dead_letter_queue,
            feature_alarms=not self.layout.split,
        )

        # Cross-account observability: a link to the monitoring account's sink, in the sink's Region.
        sink = config.organization.oam_sink_arn
        if sink and sink.split(":")[3] == account.region and account.account_id != sink.split(":")[4]:
            observability_link(self, "ObservabilityLink", sink_arn=sink)
        # A split account's feature alarms and dashboards: one nested template per unit, rendered CDK-free.
        self.units: dict[str, TemplateNestedStack] = {}
        if self.layout.units:
            values = {
                TOPIC_PARAMETER: self.notifications.topic.topic_arn,
                LOG_GROUP_PARAMETER: self.metering.log_group_name,
            }
            host = NestedTemplateHost.of(self)
            for unit in self.layout.units:
                self.units[unit.id] = TemplateNestedStack(
                    self,
                    unit.id,
                    template=unit.template,
                    parameters={name: values[name] for name in unit.template.get("Parameters", {})},
                    host=host,
                )
        if self.layout.split:
            self.layout_guard = layout_guard(self, account_dashboard=dashboard_name(account.name))
            return
        # One template: the dashboards here, reading the log group the logging custom resource answers.
        self.dashboards = GuardrailDashboards(
            self,
            DASHBOARDS_CONSTRUCT_ID,
            dashboards=self.layout.dashboards,
            log_group_name=self.metering.log_group_name,
        )
