"""Scheduled entry point: `lambdas.detector.handler.lambda_handler` (EventBridge, every minute)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.clients import client
from lambdas.detector.service import load, run

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings, deployment = load()
    result = run(
        datetime.now(UTC),
        settings,
        deployment,
        client("cloudwatch"),
        client("sns"),
        client("dynamodb"),
    )
    report = {
        "minute": result.minute,
        "messages": {
            o.feature: o.event.reason
            for o in result.outcomes
            if o.event is not None and o.message is not None
        },
        "firing": {
            o.feature: sorted(o.observation.signals) for o in result.outcomes if o.observation.signals
        },
        "published": result.published,
        "skipped": result.skipped,
        "errors": result.errors,
    }
    logger.info("detected", extra=report)
    if result.errors:
        # Fail the invocation so the Errors metric (and the DetectorErrors alarm) shows it.
        raise RuntimeError(f"detector failed for {', '.join(result.errors)}: {list(result.errors.values())}")
    return report
