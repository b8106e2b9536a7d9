"""Scheduled entry point: `lambdas.evaluator.handler.lambda_handler` (EventBridge, every few minutes)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.evaluator.service import evaluate, load_settings

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = load_settings()
    results = evaluate(
        datetime.now(UTC),
        settings,
        boto3.client("cloudwatch"),
        boto3.client("sns"),
        boto3.client("dynamodb"),
        run_id=getattr(context, "aws_request_id", None) or str(uuid.uuid4()),
    )
    report = {
        r.feature: {
            "budget_used_percent": round(r.status.used_percent, 1),
            "forecast_usd": round(r.status.forecast_usd, 2),
            "crossed": r.crossed,
            "notified": r.notified,
            "error": r.error,
        }
        for r in results
    }
    logger.info("evaluated", extra={"features": report})
    failed = [r.feature for r in results if r.error]
    if failed:
        # Fail the invocation so the Errors metric shows it; no notify-once mark was left for these features.
        raise RuntimeError(
            f"notification failed for {', '.join(failed)}: {[r.error for r in results if r.error]}"
        )
    return report
