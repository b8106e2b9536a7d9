"""Daily reconciliation of the estimate with the bill (config `accounts[].pricing.reconcile`).

An EventBridge rule runs the reconcile function every afternoon (UTC), when Cost Explorer has settled
yesterday's figures. It compares yesterday's metered CostUSD per model with Cost Explorer, publishes
BilledUSD / EstimateErrorPercent (EMF), and notifies the topic naming the model that is off. The
`EstimateOffBill` alarm (core/alarm_definitions.py, built with the account's other alarms) pages when the
worst model's error exceeds `pricing.reconcile_tolerance_percent`.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from core import contract as c
from core.runtime_config import TOPIC_ARN_ENV
from stacks.guardrail_function import GuardrailFunction
from stacks.nag import RECONCILE_FUNCTION, acknowledge

RECONCILE_HANDLER = "lambdas.reconcile.handler.lambda_handler"
RECONCILE_HOUR_UTC = 15  # Cost Explorer refreshes a day's figures several times during the next day


class BillReconciliation(Construct):
    """Reconcile function + daily schedule. `.function` and `.rule` are public."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        topic: sns.ITopic,
        topic_key: kms.IKey | None,
        log_key: kms.IKey,
        metrics_namespace: str = c.NAMESPACE,
    ) -> None:
        super().__init__(scope, construct_id)
        self.reconcile = GuardrailFunction(
            self,
            "Reconcile",
            code=code,
            handler=RECONCILE_HANDLER,
            description="Compares yesterday's metered Bedrock cost per model with the bill (Cost Explorer)",
            service_name="genai-guardrails-reconcile",
            # The tolerance travels in the runtime config (pricing.reconcile_tolerance_percent).
            environment={TOPIC_ARN_ENV: topic.topic_arn},
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
