"""Bedrock model invocation logging that coexists with the account's own (README "Invocation logging").

No CloudFormation resource exists for the account-level logging configuration, so a custom resource backed
by this app's own function (lambdas/invocation_logging) reads it first and changes only what metering needs:

- `mode: create` (`InvocationLoggingSetup`): a KMS-encrypted log group and the role Bedrock writes with;
  the function creates the configuration if there is none, adds the app's CloudWatch Logs destination
  beside an S3-only one (keeping every destination and delivery flag), or, if the account already has a
  CloudWatch Logs destination, changes nothing and meters that log group. On stack delete it undoes only
  what it did (restores what was there, or deletes what it created).
- `mode: existing` without a log group name (`ExistingInvocationLogging`): read only; meters the account's
  CloudWatch Logs destination, or fails the deploy saying what metering needs.

Either way `.log_group_name` is the custom resource's `LogGroupName` attribute: the group actually metered.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from core.config_model import LOG_RETENTION_DAYS, InvocationLogging
from stacks.guardrail_function import GuardrailFunction
from stacks.nag import (
    INVOCATION_LOG_DELIVERY_ROLE,
    INVOCATION_LOGGING_FUNCTION,
    INVOCATION_LOGGING_LEGACY_GUARD,
    acknowledge,
    invocation_logging_provider_findings,
)

DEFAULT_INVOCATION_LOG_GROUP = "/aws/bedrock/model-invocations"
INVOCATION_LOGGING_HANDLER = "lambdas.invocation_logging.handler.lambda_handler"
RESOURCE_TYPE = "Custom::BedrockInvocationLogging"
READ_ACTION = "bedrock:GetModelInvocationLoggingConfiguration"
WRITE_ACTIONS = (
    "bedrock:PutModelInvocationLoggingConfiguration",
    "bedrock:DeleteModelInvocationLoggingConfiguration",
)


def retention(days: int) -> logs.RetentionDays:
    """Config's retention days (validated against CloudWatch's list) as the CDK enum; jsii enums carry
    names, not numbers, and both lists run in the same ascending order."""
    by_days = dict(
        zip(LOG_RETENTION_DAYS, [r for r in logs.RetentionDays if r.name != "INFINITE"], strict=True)
    )
    return by_days[days]


class InvocationLoggingConfiguration(Construct):
    """The function, the CDK Provider framework in front of it (it answers CloudFormation), and the
    `Custom::BedrockInvocationLogging` resource. `delivery_role` None: read only (`existing` mode)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        key: kms.IKey,
        properties: dict[str, str],
        delivery_role: iam.IRole | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.handler = GuardrailFunction(
            self,
            "Handler",
            code=code,
            handler=INVOCATION_LOGGING_HANDLER,
            description="Reads, merges and restores the account's Bedrock model invocation logging",
            service_name="genai-invocation-logging",
            memory_size=256,
            timeout=cdk.Duration.seconds(60),
            log_key=key,
        )
        actions = [READ_ACTION] if delivery_role is None else [READ_ACTION, *WRITE_ACTIONS]
        # The logging configuration is an account-level setting with no resource ARN: '*' is all IAM takes.
        self.handler.function.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=["*"]))
        if delivery_role is not None:
            self.handler.function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["iam:PassRole"],
                    resources=[delivery_role.role_arn],
                    conditions={"StringEquals": {"iam:PassedToService": "bedrock.amazonaws.com"}},
                )
            )
        acknowledge(self.handler.function, INVOCATION_LOGGING_FUNCTION)
        # The framework logs into the handler's encrypted group: one log group per custom resource.
        self.provider = cr.Provider(
            self, "Provider", on_event_handler=self.handler.function, log_group=self.handler.log_group
        )
        handler_id = cdk.Stack.of(self).get_logical_id(
            self.handler.function.node.default_child  # type: ignore[arg-type]
        )
        acknowledge(self.provider, invocation_logging_provider_findings(handler_id))
        self.resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=self.provider.service_token,
            resource_type=RESOURCE_TYPE,
            properties=properties,
        )
        self.log_group_name = self.resource.get_att_string("LogGroupName")
        self.outcome = self.resource.get_att_string("Outcome")  # what the last deploy did, one sentence


class InvocationLoggingSetup(Construct):
    """`mode: create`: the app's log group and delivery role, and the coexisting configuration."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: InvocationLogging,
        key: kms.IKey,
        code: lambda_.Code,
        upgrade_guard: bool = True,
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
        self.configuration = InvocationLoggingConfiguration(
            self,
            "Configuration",
            code=code,
            key=key,
            delivery_role=self.delivery_role,
            properties={
                "Mode": "create",
                "LogGroupName": self.log_group.log_group_name,
                "RoleArn": self.delivery_role.role_arn,
                # Bodies cost ingestion and carry user data; token counts arrive without them.
                "TextDataDelivery": "true" if settings.text_data_delivery else "false",
            },
        )
        # Bedrock validates the destination when the configuration is written: role policy first.
        self.configuration.resource.node.add_dependency(self.delivery_role)
        self.log_group_name = self.configuration.log_group_name
        self.legacy_guard = legacy_logging_guard(self, key=key) if upgrade_guard else None


# Stacks deployed before the coexisting custom resource held, at this construct path, an AwsCustomResource
# whose delete call was DeleteModelInvocationLoggingConfiguration. Removing it from the template would make
# CloudFormation run that delete after an upgrade (turning the account's logging off); keeping a read-only
# resource at the same path, with the same physical id, makes CloudFormation update it instead.
LEGACY_CONSTRUCT_ID = "LoggingConfiguration"
LEGACY_PHYSICAL_ID = "bedrock-invocation-logging-{region}"


def legacy_logging_guard(scope: Construct, *, key: kms.IKey) -> cr.AwsCustomResource:
    """The upgrade guard above: reads the configuration on create and update, does nothing on delete."""
    stack = cdk.Stack.of(scope)
    read = cr.AwsSdkCall(
        service="bedrock",
        action="GetModelInvocationLoggingConfiguration",
        physical_resource_id=cr.PhysicalResourceId.of(LEGACY_PHYSICAL_ID.format(region=stack.region)),
    )
    guard = cr.AwsCustomResource(
        scope,
        LEGACY_CONSTRUCT_ID,
        on_update=read,  # also used on create; no call on delete
        policy=cr.AwsCustomResourcePolicy.from_statements(
            [iam.PolicyStatement(actions=[READ_ACTION], resources=["*"])]
        ),
        install_latest_aws_sdk=False,
        log_group=logs.LogGroup(
            scope,
            "LegacyGuardProviderLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            encryption_key=key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        ),
    )
    acknowledge(guard, INVOCATION_LOGGING_LEGACY_GUARD)
    return guard


class ExistingInvocationLogging(Construct):
    """`mode: existing` with no log group named: look up the account's CloudWatch Logs destination."""

    def __init__(self, scope: Construct, construct_id: str, *, key: kms.IKey, code: lambda_.Code) -> None:
        super().__init__(scope, construct_id)
        self.configuration = InvocationLoggingConfiguration(
            self, "Configuration", code=code, key=key, delivery_role=None, properties={"Mode": "existing"}
        )
        self.log_group_name = self.configuration.log_group_name
