"""Entry point of the invocation-logging custom resource (called by the CDK Provider framework, which
sends CloudFormation the response): thin, see service.py and configuration.py."""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import CloudFormationCustomResourceEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.invocation_logging.service import LoggingProperties, handle

logger = Logger()


@logger.inject_lambda_context(log_event=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = CloudFormationCustomResourceEvent(event)
    old = request.old_resource_properties
    plan = handle(
        boto3.client("bedrock"),
        request.request_type,
        LoggingProperties.parse(request.resource_properties or {}),
        LoggingProperties.parse(old) if old else None,
        request.physical_resource_id,
        os.environ.get("AWS_REGION", ""),
    )
    data = {"Outcome": plan.outcome}
    if plan.log_group_name:
        data["LogGroupName"] = plan.log_group_name
    return {"PhysicalResourceId": plan.physical_id, "Data": data}
