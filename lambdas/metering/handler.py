"""Lambda entry point: CloudWatch Logs subscription (Bedrock invocation logs) → EMF metrics on stdout.

Thin on purpose: decode the envelope, hand the log events to ``aggregate.Meter``, print the EMF documents
from ``emf`` in one write, then log. Ordering rule: anything may raise *before* the metrics are printed (a
bad envelope, an unreadable runtime config: the subscription retries and nothing was counted); nothing may
raise *after* (a retry would count the batch twice), so everything after the print is guarded.

The Meter (runtime config, price catalog with overrides and discount, caches) is built on first use and
kept for the life of the container. No AWS call is made to meter a record, except
``bedrock:GetInferenceProfile`` for an application inference profile the config does not map: those run
within a per-batch budget (``profiles``), at most ``LOOKUP_BUDGET_SECONDS`` and never once fewer than
``RESERVE_SECONDS`` of the function's time remain (the Lambda context's remaining time), so that a batch
of any number of unknown profiles finishes far inside the 60 s timeout instead of going to the DLQ.

Metrics are rendered by ``emf``, one document per (minute, application, feature, model), in the bytes
Powertools' EMF provider writes; the Powertools ``Metrics`` singleton is not used because it holds a single
dimension/timestamp state per flush.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import CloudWatchLogsEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from core.runtime_config import load_runtime_config
from lambdas.metering.aggregate import BatchResult, Meter
from lambdas.metering.emf import render_batch
from lambdas.metering.profiles import LOOKUP_BUDGET_SECONDS
from lambdas.pricing.catalog_source import current_catalog

logger = Logger(service="genai-guardrails-metering")

# The function's timeout as the stack sets it (stacks/metering.py), for a context that cannot tell.
FUNCTION_TIMEOUT_SECONDS = 60.0
# No profile lookup starts with less than this left: the slowest lookup (~11 s: two attempts of 2 s
# connect + 3 s read), metering the rest of a 10,000-record batch at 256 MB and printing, with room to spare.
RESERVE_SECONDS = 25.0
# Wall clock (epoch seconds) for record timestamps against CloudWatch's window; tests pin it.
clock: Callable[[], float] = time.time

_meter: Meter | None = None
_follow_catalog = True  # False while a test or benchmark injected its own Meter


def get_meter() -> Meter:
    """The container's Meter, built on first use (raises if the bundled runtime config is unusable).

    Once per invocation it asks ``current_catalog()`` (cached for 15 minutes, no AWS call in between) and
    rebuilds the Meter, keeping its profile resolver, when a newly refreshed price catalog was published.
    """
    global _meter
    if _meter is None:
        _meter = Meter.from_runtime(load_runtime_config())
    elif _follow_catalog:
        runtime = _meter.runtime
        catalog = current_catalog(runtime.price_overrides(), runtime.pricing.discount_percent)
        if catalog is not _meter.catalog:
            _meter = Meter(runtime, catalog, _meter.resolver)
    return _meter


def reset_meter(meter: Meter | None = None) -> None:
    """Forget (or replace) the cached Meter: for tests and the benchmark."""
    global _meter, _follow_catalog
    _meter = meter
    _follow_catalog = meter is None


def lookup_budget_seconds(context: Any) -> float:
    """Seconds this invocation may spend starting profile lookups, from the context's remaining time."""
    try:
        remaining = float(context.get_remaining_time_in_millis()) / 1000
    except Exception:  # no Lambda context (a test, a script): the function's own timeout
        remaining = FUNCTION_TIMEOUT_SECONDS
    return max(0.0, min(LOOKUP_BUDGET_SECONDS, remaining - RESERVE_SECONDS))


def _log_batch(result: BatchResult, documents: int, stale: int, log_group: str) -> None:
    for event_id, reason, first_bytes in result.malformed_samples:
        logger.warning(
            "malformed record", extra={"event_id": event_id, "reason": reason, "first_200_bytes": first_bytes}
        )
    if result.malformed > len(result.malformed_samples):
        logger.warning(
            "more malformed records not logged individually",
            extra={"not_logged": result.malformed - len(result.malformed_samples)},
        )
    if result.unpriced_reasons:
        logger.warning(
            "unpriced invocations (tokens metered, no cost)", extra={"reasons": result.unpriced_reasons}
        )
    if result.estimated:
        logger.info("invocations priced at an estimate", extra={"reasons": result.estimated})
    if result.out_of_window:
        logger.warning(
            "records outside CloudWatch's timestamp window counted as malformed, not emitted",
            extra={"reasons": result.out_of_window},
        )
    if result.profiles_deferred:
        logger.warning(
            "application inference profile lookups deferred to a later batch (metered unpriced meanwhile)",
            extra={"deferred": result.profiles_deferred, "looked_up": result.profile_lookups},
        )
    if stale:
        logger.warning(
            "metric documents outside CloudWatch's timestamp window (14 days past, 2 hours future)",
            extra={"documents": stale},
        )
    logger.info(
        "batch metered",
        extra={
            "log_group": log_group,
            "records": result.records,
            "malformed": result.malformed,
            "documents": documents,
            "cost_usd": str(result.total_cost()),
            "guardrail_interventions": result.guardrail_interventions,
            "profile_lookups": result.profile_lookups,
        },
    )


def meter_events(
    meter: Meter,
    log_events: list[dict[str, Any]],
    log_group: str = "",
    *,
    lookup_budget: float = LOOKUP_BUDGET_SECONDS,
) -> dict[str, Any]:
    """Meter decoded log events, print their EMF, log; never raises once the EMF is printed."""
    now_ms = int(clock() * 1000)
    result = meter.meter(log_events, now_ms=now_ms, lookup_budget_seconds=lookup_budget)
    text, documents, stale = render_batch(result, meter.runtime.environment, now_ms)
    if documents:
        print(text, flush=True)
    # ---- metrics are out: from here on, never raise (a retry of this batch would double-count) ----
    summary: dict[str, Any] = {
        "records": result.records,
        "malformed": result.malformed,
        "documents": documents,
    }
    try:
        summary["cost_usd"] = str(result.total_cost())
        _log_batch(result, documents, stale, log_group)
    except Exception:  # pragma: no cover - logging must not undo a successful emission
        with contextlib.suppress(Exception):
            logger.exception("logging after emission failed; metrics were emitted")
    return summary


@logger.inject_lambda_context(log_event=False, clear_state=True)
@event_source(data_class=CloudWatchLogsEvent)
def lambda_handler(event: CloudWatchLogsEvent, context: LambdaContext) -> dict[str, Any]:
    decoded = event.parse_logs_data()  # a bad envelope raises here, before anything was emitted
    if decoded.message_type != "DATA_MESSAGE":
        # CONTROL_MESSAGE: CloudWatch Logs checking that the destination is reachable.
        logger.debug("ignoring non-data message", extra={"message_type": decoded.message_type})
        return {"records": 0, "malformed": 0, "documents": 0, "ignored": decoded.message_type}
    meter = get_meter()
    log_events = decoded.raw_event.get("logEvents") or []
    log_group = str(decoded.raw_event.get("logGroup", ""))
    return meter_events(meter, log_events, log_group, lookup_budget=lookup_budget_seconds(context))
