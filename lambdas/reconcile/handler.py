"""Lambda entry point (EventBridge, daily): reconcile yesterday's metered cost with the bill. Thin: clients,
settings, log; the work is in ``service``."""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.reconcile.service import Settings, run_reconciliation

logger = Logger(service="genai-guardrails-reconcile")

# Cost Explorer is a global service answered from us-east-1, whatever Region the function runs in.
COST_EXPLORER_REGION = "us-east-1"


@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = Settings.from_environment()
    report = run_reconciliation(
        ce=boto3.client("ce", region_name=COST_EXPLORER_REGION),
        cloudwatch=boto3.client("cloudwatch"),
        sns=boto3.client("sns"),
        settings=settings,
    )
    summary = report.summary()
    if report.day.off_models:
        logger.warning("estimate off the bill", extra=summary)
    else:
        logger.info("estimate reconciled with the bill", extra=summary)
    return summary
