"""Bedrock invocation logs -> metering Lambda: the infrastructure half of metering.

- turns on model invocation logging for the account and region (no CloudFormation resource exists for it,
  so an AwsCustomResource calls PutModelInvocationLoggingConfiguration, and Delete... on stack delete),
  with bodies off by default: token counts and metadata are all metering needs;
- or, with `invocation_logging.mode: existing`, meters the log group the account already logs to;
- subscribes the metering function to that log group, with failed batches kept in an encrypted SQS queue.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as lambda_destinations
from aws_cdk import aws_logs as logs
from aws_cdk import aws_logs_destinations as logs_destinations
from aws_cdk import aws_sqs as sqs
from aws_cdk import custom_resources as cr
from constructs import Construct

from core.config_model import LOG_RETENTION_DAYS, InvocationLogging
from core.contract import NAMESPACE
from core.runtime_config import PROFILE_FEATURES_ENV
from stacks.guardrail_function import GuardrailFunction
from stacks.nag import (
    INVOCATION_LOG_DELIVERY_ROLE,
    INVOCATION_LOGGING_CUSTOM_RESOURCE,
    KMS_GRANT_WILDCARDS,
    METERING_DEAD_LETTER_QUEUE,
    acknowledge,
    metering_function_findings,
)

DEFAULT_INVOCATION_LOG_GROUP = "/aws/bedrock/model-invocations"
METERING_HANDLER = "lambdas.metering.handler.lambda_handler"


def retention(days: int) -> logs.RetentionDays:
    """Config's retention days (validated against CloudWatch's list) as the CDK enum; jsii enums carry
    names, not numbers, and both lists run in the same ascending order."""
    by_days = dict(
        zip(LOG_RETENTION_DAYS, [r for r in logs.RetentionDays if r.name != "INFINITE"], strict=True)
    )
    return by_days[days]


class InvocationLoggingSetup(Construct):
    """The account's Bedrock model invocation logging, delivered to a KMS-encrypted log group."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: InvocationLogging, key: kms.IKey
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=settings.log_group_name or DEFAULT_INVOCATION_LOG_GROUP,
            retention=retention(settings.retention_days),
            encryption_key=key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        # The role Bedrock assumes to write the logs; only this account's Bedrock in this region may.
        self.delivery_role = iam.Role(
            self,
            "DeliveryRole",
            assumed_by=iam.ServicePrincipal(
                "bedrock.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}:*"
                    },
                },
            ),
            description="Bedrock writes model invocation logs to the guardrail log group",
        )
        self.delivery_role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[f"{self.log_group.log_group_arn}:log-stream:*"],
            )
        )
        acknowledge(self.delivery_role, INVOCATION_LOG_DELIVERY_ROLE)
        logging_config = {
            "loggingConfig": {
                "cloudWatchConfig": {
                    "logGroupName": self.log_group.log_group_name,
                    "roleArn": self.delivery_role.role_arn,
                },
                # Bodies cost ingestion and carry user data; token counts arrive without them.
                "textDataDeliveryEnabled": settings.text_data_delivery,
                "imageDataDeliveryEnabled": False,
                "embeddingDataDeliveryEnabled": False,
                "videoDataDeliveryEnabled": False,
            }
        }
        put_call = cr.AwsSdkCall(
            service="bedrock",
            action="PutModelInvocationLoggingConfiguration",
            parameters=logging_config,
            physical_resource_id=cr.PhysicalResourceId.of(f"bedrock-invocation-logging-{stack.region}"),
        )
        self.logging_configuration = cr.AwsCustomResource(
            self,
            "LoggingConfiguration",
            on_create=put_call,
            on_update=put_call,
            on_delete=cr.AwsSdkCall(service="bedrock", action="DeleteModelInvocationLoggingConfiguration"),
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    # The logging configuration is an account-level setting with no resource ARN.
                    iam.PolicyStatement(
                        actions=[
                            "bedrock:PutModelInvocationLoggingConfiguration",
                            "bedrock:DeleteModelInvocationLoggingConfiguration",
                        ],
                        resources=["*"],
                    ),
                    iam.PolicyStatement(
                        actions=["iam:PassRole"],
                        resources=[self.delivery_role.role_arn],
                        conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
                    ),
                ]
            ),
            install_latest_aws_sdk=False,
            # The provider function's own logs: encrypted, with retention, like every log group here.
            log_group=logs.LogGroup(
                self,
                "ProviderLogs",
                retention=logs.RetentionDays.ONE_MONTH,
                encryption_key=key,
                removal_policy=cdk.RemovalPolicy.DESTROY,
            ),
        )
        acknowledge(self.logging_configuration, INVOCATION_LOGGING_CUSTOM_RESOURCE)


class BedrockInvocationMetering(Construct):
    """Invocation log group (created or existing) -> subscription filter -> metering function (+ DLQ)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: InvocationLogging,
        reserved_concurrency: int | None,
        code: lambda_.Code,
        key: kms.IKey,
        profile_features_json: str | None = None,
        metrics_namespace: str = NAMESPACE,
    ) -> None:
        super().__init__(scope, construct_id)
        self.logging: InvocationLoggingSetup | None = None
        if settings.mode == "create":
            self.logging = InvocationLoggingSetup(self, "InvocationLogging", settings=settings, key=key)
            self.log_group: logs.ILogGroup = self.logging.log_group
        else:
            assert settings.log_group_name is not None  # enforced by the config model
            self.log_group = logs.LogGroup.from_log_group_name(
                self, "ExistingLogGroup", settings.log_group_name
            )
        self.log_group_name = settings.log_group_name or DEFAULT_INVOCATION_LOG_GROUP

        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        acknowledge(self.dead_letter_queue, METERING_DEAD_LETTER_QUEUE)
        environment = {PROFILE_FEATURES_ENV: profile_features_json} if profile_features_json else {}
        self.metering = GuardrailFunction(
            self,
            "Metering",
            code=code,
            handler=METERING_HANDLER,
            description="Meters Bedrock invocation logs into GenAI/Cost metrics: attribute, price, aggregate",
            service_name="genai-metering",
            environment=environment,
            memory_size=256,
            timeout=cdk.Duration.seconds(60),
            log_key=key,
            metrics_namespace=metrics_namespace,
            reserved_concurrency=reserved_concurrency,
        )
        self.function = self.metering.function
        # The one AWS call metering may make: resolving an application inference profile it was not told
        # about (cached per container; a failure leaves the record unpriced, not lost).
        stack = cdk.Stack.of(self)
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["bedrock:GetInferenceProfile"],
                resources=[
                    f"arn:{stack.partition}:bedrock:{stack.region}:{stack.account}:application-inference-profile/*"
                ],
            )
        )
        acknowledge(self.function, {**KMS_GRANT_WILDCARDS, **metering_function_findings(stack)})
        # Logs delivers to Lambda asynchronously: after two retries a batch lands in the queue, not the void.
        self.function.configure_async_invoke(
            on_failure=lambda_destinations.SqsDestination(self.dead_letter_queue),
            retry_attempts=2,
            max_event_age=cdk.Duration.hours(6),
        )
        self.subscription = logs.SubscriptionFilter(
            self,
            "Subscription",
            log_group=self.log_group,
            destination=logs_destinations.LambdaDestination(self.function),
            filter_pattern=logs.FilterPattern.all_events(),  # malformed records must reach the meter too
            filter_name="genai-cost-guardrails-metering",
        )
        if self.logging is not None:
            self.subscription.node.add_dependency(self.logging.logging_configuration)
