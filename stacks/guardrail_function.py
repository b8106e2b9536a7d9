"""One way to build every guardrail Lambda: Python 3.13 on arm64, Powertools from its public layer,
an encrypted log group with retention, nothing bundled with Docker."""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from core.contract import NAMESPACE

RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
# Public Powertools for AWS Lambda (Python) v3 layer, published by AWS in every commercial region under
# account 017000801446; version 27 is pinned so deploys are reproducible.
POWERTOOLS_LAYER_ACCOUNT = "017000801446"
POWERTOOLS_LAYER_VERSION = 27
POWERTOOLS_LAYER_NAME = "AWSLambdaPowertoolsPythonV3-python313-arm64"


def powertools_layer_arn() -> str:
    return cdk.Fn.sub(
        f"arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:{POWERTOOLS_LAYER_ACCOUNT}:layer:"
        f"{POWERTOOLS_LAYER_NAME}:{POWERTOOLS_LAYER_VERSION}"
    )


class GuardrailFunction(Construct):
    """A Lambda function with its own KMS-encrypted log group; `.function` and `.log_group` are public."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        handler: str,
        description: str,
        service_name: str,
        environment: Mapping[str, str] | None = None,
        memory_size: int = 256,
        timeout: cdk.Duration | None = None,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        log_key: kms.IKey,
        metrics_namespace: str = NAMESPACE,
        reserved_concurrency: int | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=log_retention,
            encryption_key=log_key,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        layer = lambda_.LayerVersion.from_layer_version_arn(self, "Powertools", powertools_layer_arn())
        self.function = lambda_.Function(
            self,
            "Function",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=handler,
            code=code,
            description=description,
            memory_size=memory_size,
            timeout=timeout or cdk.Duration.seconds(60),
            layers=[layer],
            reserved_concurrent_executions=reserved_concurrency,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            environment={
                "POWERTOOLS_SERVICE_NAME": service_name,
                "POWERTOOLS_METRICS_NAMESPACE": metrics_namespace,
                "POWERTOOLS_LOG_LEVEL": "INFO",
                **(environment or {}),
            },
        )
