"""The detector: a Lambda run every minute that tests each feature's traffic, tokens per request, model mix,
retries and cost projection, reads the state of its CloudWatch alarms, and pages once per episode with the
explanation (lambdas/detector). It keeps its state in the evaluator's table."""

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
from stacks.nag import DETECTOR_FUNCTION, acknowledge, detector_alarm_findings

DETECTOR_HANDLER = "lambdas.detector.handler.lambda_handler"
# A run reads an hour of metrics and writes one item per feature: seconds. It must end before the next.
TIMEOUT = cdk.Duration.seconds(50)


class FeatureDetector(Construct):
    """`.function` and `.rule` are public."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        topic: sns.ITopic,
        topic_key: kms.IKey | None,
        data_key: kms.IKey,
        table: dynamodb.ITable,
        metrics_namespace: str,
        alarm_name_prefix: str,
        every_minutes: int = 1,
    ) -> None:
        super().__init__(scope, construct_id)
        self.detector = GuardrailFunction(
            self,
            "Detector",
            code=code,
            handler=DETECTOR_HANDLER,
            description="GenAI cost guardrails: per-feature drift tests every minute, one page per episode",
            service_name="genai-guardrails-detector",
            environment={TOPIC_ARN_ENV: topic.topic_arn, STATE_TABLE_ENV: table.table_name},
            memory_size=256,
            timeout=TIMEOUT,
            log_key=data_key,
            metrics_namespace=metrics_namespace,
        )
        self.function = self.detector.function
        # Reading metrics cannot be scoped to a resource (CloudWatch has no metric ARNs): acknowledged in nag.
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                sid="ReadGuardrailMetrics",
                actions=["cloudwatch:GetMetricData", "cloudwatch:ListMetrics"],
                resources=["*"],
            )
        )
        # The state of this account's guardrail alarms (hourly limit, daily budget, tokens ceiling).
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                sid="ReadGuardrailAlarmStates",
                actions=["cloudwatch:DescribeAlarms"],
                resources=[
                    cdk.Stack.of(self).format_arn(
                        service="cloudwatch",
                        resource="alarm",
                        resource_name=f"{alarm_name_prefix}*",
                        arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            )
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(sid="Page", actions=["sns:Publish"], resources=[topic.topic_arn])
        )
        if topic_key is not None:
            topic_key.grant(self.function, "kms:Decrypt", "kms:GenerateDataKey")
        table.grant(self.function, "dynamodb:BatchGetItem", "dynamodb:PutItem")
        data_key.grant(self.function, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey")
        self.rule = events.Rule(
            self,
            "Schedule",
            description=f"Runs the GenAI cost detector every {every_minutes} minute(s)",
            schedule=events.Schedule.rate(cdk.Duration.minutes(every_minutes)),
            targets=[
                targets.LambdaFunction(
                    self.function, retry_attempts=0, max_event_age=cdk.Duration.seconds(60)
                )
            ],
        )
        acknowledge(self, DETECTOR_FUNCTION)
        acknowledge(self, detector_alarm_findings(cdk.Stack.of(self), alarm_name_prefix))
