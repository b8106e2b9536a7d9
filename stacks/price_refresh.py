"""Optional scheduled price-catalog refresh (config `accounts[].price_refresh`).

An EventBridge rule runs the refresh function every `schedule_days` days; it rebuilds the catalog from the
AWS Price List API, merges it over the bundled catalog and writes it to one object in a KMS-encrypted S3
bucket, which the metering function reads (cached; bundled catalog as fallback).

Why S3 and not an SSM parameter: the catalog JSON is about 200 KB, and SSM parameters hold at most 4 KB
(Standard) or 8 KB (Advanced).

Prices decide every cost metric, so the catalog cannot be written around the refresh: the bucket policy
denies object writes and deletes to every principal but the refresh function's role and the principal
that deploys the stack (the bootstrap's CloudFormation execution role; none with CLI credentials). The
bucket is retained on stack delete (earlier catalogs are an audit trail), and so is its own KMS key:
deleting the key with the stack would leave the retained objects unreadable.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from constructs import Construct

from core.contract import NAMESPACE
from core.runtime_config import (
    DEFAULT_PRICE_KEY,
    PRICE_BUCKET_ENV,
    PRICE_KEY_ENV,
    PRICE_SCHEDULE_DAYS_ENV,
    TOPIC_ARN_ENV,
)
from stacks.guardrail_function import GuardrailFunction
from stacks.nag import PRICE_CATALOG_BUCKET, PRICE_REFRESH_FUNCTION, acknowledge

PRICE_REFRESH_HANDLER = "lambdas.price_refresh.handler.lambda_handler"
# Every S3 action that creates, replaces or removes an object version (the catalog's content).
OBJECT_WRITE_ACTIONS = (
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:RestoreObject",
    "s3:ReplicateObject",
    "s3:ReplicateDelete",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
)


def deploying_principal_arn(stack: cdk.Stack) -> str | None:
    """The role CloudFormation deploys the stack with (DefaultStackSynthesizer), None without one."""
    synthesizer = stack.synthesizer
    if isinstance(synthesizer, cdk.DefaultStackSynthesizer):
        return cdk.Fn.sub(synthesizer.cloud_formation_execution_role_arn)
    return None


class PriceCatalogRefresh(Construct):
    """Bucket + refresh function + schedule. `.bucket`, `.object_key`, `.function`, `.rule` are public."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        key: kms.IKey,
        topic: sns.ITopic,
        topic_key: kms.IKey | None = None,
        schedule_days: int = 7,
        metrics_namespace: str = NAMESPACE,
    ) -> None:
        super().__init__(scope, construct_id)
        # Its own key, retained with the bucket it encrypts (the stack's data key is deleted with the stack).
        self.key = kms.Key(
            self,
            "CatalogKey",
            description="GenAI cost guardrails: price catalog bucket (retained with the bucket)",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.object_key = DEFAULT_PRICE_KEY
        self.bucket = s3.Bucket(
            self,
            "Catalog",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,  # earlier catalogs stay readable for an audit of a price change
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(365))],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(self.bucket, PRICE_CATALOG_BUCKET)

        self.refresh = GuardrailFunction(
            self,
            "Refresh",
            code=code,
            handler=PRICE_REFRESH_HANDLER,
            description="Refreshes the Bedrock price catalog from the AWS Price List API into S3",
            service_name="genai-price-refresh",
            environment={
                **self.environment(),
                TOPIC_ARN_ENV: topic.topic_arn,
                PRICE_SCHEDULE_DAYS_ENV: str(schedule_days),
            },
            memory_size=512,
            timeout=cdk.Duration.minutes(5),
            log_key=key,
            metrics_namespace=metrics_namespace,
        )
        self.function = self.refresh.function
        self.grant_read(self.function)
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:PutObject"], resources=[self.object_arn])
        )
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["kms:GenerateDataKey"], resources=[self.key.key_arn])
        )
        writers = [self.function.role.role_arn] if self.function.role is not None else []
        deployer = deploying_principal_arn(cdk.Stack.of(self))
        if deployer is not None:
            writers.append(deployer)
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyTheRefreshWritesPrices",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=list(OBJECT_WRITE_ACTIONS),
                resources=[self.bucket.arn_for_objects("*")],
                conditions={"ArnNotEquals": {"aws:PrincipalArn": writers}},
            )
        )
        # sns:Publish on the one topic, and its key (exact actions: grant_publish adds GenerateDataKey*).
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["sns:Publish"], resources=[topic.topic_arn])
        )
        if topic_key is not None:
            self.function.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[topic_key.key_arn]
                )
            )
        # These actions support no resource ARN: '*' is the only resource IAM accepts (acknowledged in nag).
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["pricing:GetProducts", "cloudwatch:ListMetrics", "cloudwatch:GetMetricData"],
                resources=["*"],
            )
        )
        acknowledge(self.function, PRICE_REFRESH_FUNCTION)

        self.rule = events.Rule(
            self,
            "Schedule",
            description=f"Refresh the Bedrock price catalog every {schedule_days} day(s)",
            schedule=events.Schedule.rate(cdk.Duration.days(schedule_days)),
            targets=[targets.LambdaFunction(self.function, retry_attempts=2)],
        )

    @property
    def object_arn(self) -> str:
        return self.bucket.arn_for_objects(self.object_key)

    def environment(self) -> dict[str, str]:
        """What a reader of the catalog needs in its environment (see lambdas/pricing/catalog_source.py)."""
        return {PRICE_BUCKET_ENV: self.bucket.bucket_name, PRICE_KEY_ENV: self.object_key}

    def grant_read(self, grantee: iam.IGrantable) -> None:
        """GetObject on the one catalog object, ListBucket for that key only (so a missing object is a 404,
        not a 403), and Decrypt with the bucket's key."""
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[self.object_arn])
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[self.bucket.bucket_arn],
                conditions={"StringEquals": {"s3:prefix": [self.object_key]}},
            )
        )
        grantee.grant_principal.add_to_principal_policy(
            iam.PolicyStatement(actions=["kms:Decrypt"], resources=[self.key.key_arn])
        )

    def add_reader(self, function: lambda_.Function) -> None:
        """Point a function at the refreshed catalog and let it read it."""
        for name, value in self.environment().items():
            function.add_environment(name, value)
        self.grant_read(function)
