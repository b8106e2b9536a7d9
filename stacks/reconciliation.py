"""Daily reconciliation of the estimate with the bill (config `accounts[].pricing.reconcile`).

An EventBridge rule runs the reconcile function every afternoon (UTC), when Cost Explorer has settled
yesterday's figures. It compares yesterday's metered CostUSD per model with Cost Explorer, publishes
BilledUSD / EstimateErrorPercent (EMF), and notifies the topic naming the model that is off. The
`EstimateOffBill` alarm pages when the worst model's error exceeds `pricing.reconcile_tolerance_percent`.
"""

from __future__ import annotations

from decimal import Decimal

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from dashboards import contract as c
from lambdas.reconcile.service import MIN_BILLED_ENV, TOLERANCE_ENV, TOPIC_ENV
from stacks.guardrail_function import GuardrailFunction
from stacks.nag import RECONCILE_FUNCTION, acknowledge

RECONCILE_HANDLER = "lambdas.reconcile.handler.lambda_handler"
RECONCILE_HOUR_UTC = 15  # Cost Explorer refreshes a day's figures several times during the next day
ALARM_KIND = "EstimateOffBill"
RUNBOOK_ANCHOR = "estimate-off-the-bill"


class BillReconciliation(Construct):
    """Reconcile function + daily schedule + alarm. `.function`, `.rule`, `.alarm` are public."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        topic: sns.ITopic,
        topic_key: kms.IKey | None,
        log_key: kms.IKey,
        environment: str,
        tolerance_percent: Decimal,
        alarm_name: str,
        runbook_url: str,
        metrics_namespace: str = c.NAMESPACE,
        min_billed_usd: Decimal = Decimal(1),
    ) -> None:
        super().__init__(scope, construct_id)
        self.reconcile = GuardrailFunction(
            self,
            "Reconcile",
            code=code,
            handler=RECONCILE_HANDLER,
            description="Compares yesterday's metered Bedrock cost per model with the bill (Cost Explorer)",
            service_name="genai-guardrails-reconcile",
            environment={
                TOPIC_ENV: topic.topic_arn,
                TOLERANCE_ENV: str(tolerance_percent),
                MIN_BILLED_ENV: str(min_billed_usd),
            },
            memory_size=256,
            timeout=cdk.Duration.minutes(5),
            log_key=log_key,
            metrics_namespace=metrics_namespace,
        )
        self.function = self.reconcile.function
        # Cost Explorer and CloudWatch reads support no resource ARN: '*' (acknowledged in nag).
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                sid="ReadBillAndMeter",
                actions=["ce:GetCostAndUsage", "cloudwatch:GetMetricData", "cloudwatch:ListMetrics"],
                resources=["*"],
            )
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(sid="Notify", actions=["sns:Publish"], resources=[topic.topic_arn])
        )
        if topic_key is not None:
            self.function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[topic_key.key_arn]
                )
            )
        acknowledge(self.function, RECONCILE_FUNCTION)
        self.rule = events.Rule(
            self,
            "Schedule",
            description="Reconciles yesterday's metered Bedrock cost with the bill, daily",
            schedule=events.Schedule.cron(minute="0", hour=str(RECONCILE_HOUR_UTC)),
            targets=[targets.LambdaFunction(self.function, retry_attempts=2)],
        )
        self.alarm = cloudwatch.Alarm(
            self,
            "EstimateOffBill",
            alarm_name=alarm_name,
            alarm_description=(
                f"A model's metered cost differed from the bill (Cost Explorer) by more than "
                f"{tolerance_percent}% yesterday; the notification names the model and usage types. "
                f"Runbook: {runbook_url}#{RUNBOOK_ANCHOR}"
            ),
            metric=cloudwatch.Metric(
                namespace=metrics_namespace,
                metric_name=c.ESTIMATE_ERROR_WORST_MODEL,
                dimensions_map={c.ENVIRONMENT: environment},
                statistic="Maximum",
                period=cdk.Duration.days(1),
            ),
            threshold=float(tolerance_percent),
            # The metric is stamped at the reconciled day's 00:00 UTC and published about 39 hours later:
            # two daily periods keep that data point inside the alarm's look-back.
            evaluation_periods=2,
            datapoints_to_alarm=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.alarm.add_alarm_action(cw_actions.SnsAction(topic))
