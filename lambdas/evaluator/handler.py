"""Scheduled entry point: `lambdas.evaluator.handler.lambda_handler` (EventBridge, every few minutes)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.clients import client
from lambdas.evaluator.service import evaluate, load_settings

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = load_settings()
    results = evaluate(
        datetime.now(UTC),
        settings,
        client("cloudwatch"),
        client("sns"),
        client("dynamodb"),
        run_id=getattr(context, "aws_request_id", None) or str(uuid.uuid4()),
    )
    report = {
        r.feature: {
            "budget_used_percent": None if r.status is None else round(r.status.used_percent, 1),
            "forecast_usd": None if r.status is None else round(r.status.forecast_usd, 2),
            "crossed": r.crossed,
            "notified": r.notified,
            "error": r.error,
        }
        for r in results
    }
    logger.info("evaluated", extra={"features": report})
    failed = [r.feature for r in results if r.error]
    if failed:
        # Fail the invocation so the Errors metric shows it (after every feature ran); each one is retried
        # next run, and none was published twice (lambdas.evaluator.state).
        raise RuntimeError(
            f"evaluation failed for {', '.join(failed)}: {[r.error for r in results if r.error]}"
        )
    return report
