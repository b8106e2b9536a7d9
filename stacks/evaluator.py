"""The scheduled budget evaluator: a DynamoDB table for notify-once state, an EventBridge schedule, and the
evaluator Lambda with least-privilege grants."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from core.runtime_config import STATE_TABLE_ENV, TOPIC_ARN_ENV
from stacks.guardrail_function import GuardrailFunction
from stacks.nag import EVALUATOR_FUNCTION, acknowledge

EVALUATOR_HANDLER = "lambdas.evaluator.handler.lambda_handler"
STATE_TTL_ATTRIBUTE = "expires_at"


class BudgetEvaluator(Construct):
    """`.table`, `.rule`, `.function` are public."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        topic: sns.ITopic,
        topic_key: kms.IKey | None,
        data_key: kms.IKey,
        schedule_minutes: int,
        metrics_namespace: str,
    ) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "NotificationState",
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=data_key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=STATE_TTL_ATTRIBUTE,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.evaluator = GuardrailFunction(
            self,
            "Evaluator",
            code=code,
            handler=EVALUATOR_HANDLER,
            description="GenAI cost guardrails: month-to-date, forecast and why-did-cost-change per feature",
            service_name="genai-guardrails-evaluator",
            environment={
                TOPIC_ARN_ENV: topic.topic_arn,
                STATE_TABLE_ENV: self.table.table_name,
            },
            memory_size=256,
            timeout=cdk.Duration.minutes(5),
            log_key=data_key,
            metrics_namespace=metrics_namespace,
        )
        self.function = self.evaluator.function
        # Reading metrics cannot be scoped to a resource (CloudWatch has no metric ARNs): acknowledged in nag.
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                sid="ReadGuardrailMetrics",
                actions=["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"],
                resources=["*"],
            )
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(sid="Notify", actions=["sns:Publish"], resources=[topic.topic_arn])
        )
        if topic_key is not None:
            topic_key.grant(self.function, "kms:Decrypt", "kms:GenerateDataKey")
        self.table.grant(
            self.function,
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
        )
        data_key.grant(self.function, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey")
        self.rule = events.Rule(
            self,
            "Schedule",
            description=f"Runs the GenAI cost evaluator every {schedule_minutes} minutes",
            schedule=events.Schedule.rate(cdk.Duration.minutes(schedule_minutes)),
            targets=[targets.LambdaFunction(self.function, retry_attempts=0)],
        )
        acknowledge(self, EVALUATOR_FUNCTION)
