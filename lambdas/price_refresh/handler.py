"""Lambda entry point (EventBridge schedule): refresh the price catalog. Thin: clients, settings, log."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from lambdas.clients import client
from lambdas.price_refresh.refresh import Settings, run_refresh

logger = Logger(service="genai-guardrails-price-refresh")

# The Price List API is served from us-east-1 (and ap-south-1), whatever Region the function runs in.
PRICE_LIST_ENDPOINT_REGION = "us-east-1"


@logger.inject_lambda_context(log_event=False, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = Settings.from_environment()
    report = run_refresh(
        pricing=client("pricing", region_name=PRICE_LIST_ENDPOINT_REGION),
        s3=client("s3"),
        cloudwatch=client("cloudwatch"),
        sns=client("sns"),
        settings=settings,
        function_name=getattr(context, "function_name", "") or "<price refresh function>",
    )
    summary = report.summary()
    if report.held:
        logger.warning("price drops held back", extra=summary)
    elif report.missing:
        logger.warning("models in use without a price", extra=summary)
    else:
        logger.info("price catalog refreshed", extra=summary)
    return summary
