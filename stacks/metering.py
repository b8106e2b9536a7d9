"""Bedrock invocation logs -> metering Lambda: the infrastructure half of metering.

- invocation logging (stacks/invocation_logging.py): with `invocation_logging.mode: create`, a custom
  resource makes sure the account logs to a CloudWatch Logs group while keeping whatever logging the
  account already has; with `mode: existing`, the log group named in config, or the account's own
  CloudWatch Logs destination looked up at deploy time;
- subscribes the metering function to the metered log group, with failed batches kept in an encrypted
  SQS queue.
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
from constructs import Construct

from core.config_model import InvocationLogging
from core.contract import NAMESPACE
from core.runtime_config import PROFILE_FEATURES_ENV
from stacks.guardrail_function import GuardrailFunction
from stacks.invocation_logging import ExistingInvocationLogging, InvocationLoggingSetup
from stacks.nag import (
    KMS_GRANT_WILDCARDS,
    METERING_DEAD_LETTER_QUEUE,
    acknowledge,
    metering_function_findings,
)

METERING_HANDLER = "lambdas.metering.handler.lambda_handler"


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
        upgrade_guard: bool = True,
    ) -> None:
        """`upgrade_guard`: keep the read-only resource that protects stacks deployed before the coexisting
        logging resource (stacks/invocation_logging.py); a template never deployed before needs none."""
        super().__init__(scope, construct_id)
        self.logging: InvocationLoggingSetup | None = None
        self.lookup: ExistingInvocationLogging | None = None
        self.logging_outcome: str | None = None  # what the custom resource did, if there is one
        if settings.mode == "create":
            self.logging = InvocationLoggingSetup(
                self, "InvocationLogging", settings=settings, key=key, code=code, upgrade_guard=upgrade_guard
            )
            log_group_name = self.logging.log_group_name
            self.logging_outcome = self.logging.configuration.outcome
        elif settings.log_group_name:
            log_group_name = settings.log_group_name
        else:
            self.lookup = ExistingInvocationLogging(self, "ExistingInvocationLogging", key=key, code=code)
            log_group_name = self.lookup.log_group_name
            self.logging_outcome = self.lookup.configuration.outcome
        # The group actually metered: with `create`, the custom resource's answer (the app's own group, or
        # the account's CloudWatch Logs destination it found and kept).
        self.log_group_name = log_group_name
        self.log_group = logs.LogGroup.from_log_group_name(self, "MeteredLogGroup", log_group_name)

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
