"""The guardrail watching itself: alarms on the metrics AWS publishes about the guardrail's own pipeline.

A dead pipeline must not look healthy. Error alarms catch a function that runs and fails; the heartbeat
catches the pipeline that stopped running: Bedrock is being called (AWS/Bedrock Invocations) while the
metering function is not invoked at all (logging turned off, the subscription filter removed, the log group
deleted). Each pages the notification topic directly.

These are plain data; `stacks/account_alarms.py` builds each one from the construct's own L2 metric
(`function.metric_errors()`, `queue.metric_approximate_number_of_messages_visible()`, ...). Replay does not
evaluate them: invocation logs carry none of these metrics.
"""

from __future__ import annotations

from core import contract as c
from core.alarm_model import MAX_DESCRIPTION_LENGTH, ServiceHealthAlarm, ServiceMetric, Source
from core.config_model import Account
from core.naming import alarm_name

FIVE_MINUTES = 300
# The heartbeat's window: Logs delivers to the subscription within seconds, and a quiet Bedrock minute is
# normal, so it takes three five-minute periods of calls with no metering at all.
HEARTBEAT_PERIODS = 3
# The detector runs every 1 to 5 minutes and pages for every feature: it is alarmed when it keeps failing
# (in every 5 minutes of the last 10) or stops running (no run in 15 minutes).
DETECTOR_ERROR_PERIODS = 2
DETECTOR_STALLED_PERIOD = 900


def _describe(text: str, runbook: str) -> str:
    description = f"{text} Runbook: {runbook}"
    if len(description) > MAX_DESCRIPTION_LENGTH:
        description = f"{text[: MAX_DESCRIPTION_LENGTH - len(runbook) - 12]}… Runbook: {runbook}"
    return description


def service_health_alarms(account: Account, runbook_url: str) -> tuple[ServiceHealthAlarm, ...]:
    who = f"Account {account.name} (environment {account.environment})"

    def alarm(
        kind: str, text: str, anchor: str, metrics: tuple[ServiceMetric, ...], **kwargs: object
    ) -> ServiceHealthAlarm:
        return ServiceHealthAlarm(
            key=kind,
            kind=kind,
            name=alarm_name(account.name, "account", kind),
            description=_describe(f"{who}: {text}", f"{runbook_url}#{anchor}"),
            metrics=metrics,
            **{"threshold": 0.0, **kwargs},  # type: ignore[arg-type]
        )

    def one(source: Source, metric: str, statistic: str = "Sum") -> tuple[ServiceMetric, ...]:
        return (ServiceMetric("m", source, metric, statistic),)

    alarms = [
        alarm(
            "InvocationLogDeliveryFailures",
            f"Bedrock {c.BEDROCK_INVOCATION_LOG_DELIVERY_FAILURES} > 0 in 5 minutes: invocation logs are not "
            "reaching CloudWatch Logs, so nothing is metered.",
            "invocation-log-delivery-failures",
            one("bedrock", c.BEDROCK_INVOCATION_LOG_DELIVERY_FAILURES),
        ),
        alarm(
            "MeteringErrors",
            "the metering Lambda's Errors > 0 in 5 minutes: batches go to its dead-letter queue unmetered.",
            "metering-errors",
            one("metering", "Errors"),
        ),
        alarm(
            "MeteringDlqDepth",
            "the metering dead-letter queue holds messages (ApproximateNumberOfMessagesVisible > 0): failed "
            "batches wait to be replayed.",
            "metering-dead-letter-queue",
            one("dead_letter_queue", "ApproximateNumberOfMessagesVisible", "Maximum"),
        ),
        alarm(
            "MeteringThrottles",
            "the metering Lambda was throttled (Throttles > 0 in 5 minutes): batches wait in Lambda's retry "
            "queue, so metrics arrive late, and are dropped after 6 hours.",
            "metering-throttles",
            one("metering", "Throttles"),
        ),
        alarm(
            "MeteringDroppedEvents",
            "the metering Lambda dropped asynchronous events (AsyncEventsDropped > 0 in 5 minutes): those "
            "batches were neither metered nor kept in the dead-letter queue.",
            "metering-dropped-events",
            one("metering", "AsyncEventsDropped"),
        ),
        alarm(
            "MeteringDestinationFailures",
            "failed metering batches could not be sent to the dead-letter queue (DestinationDeliveryFailures "
            "> 0 in 5 minutes): they are lost unless the logs are replayed.",
            "metering-destination-failures",
            one("metering", "DestinationDeliveryFailures"),
        ),
        alarm(
            "MeteringHeartbeat",
            f"Bedrock is being called (AWS/Bedrock Invocations > 0) but the metering Lambda was not invoked "
            f"for {HEARTBEAT_PERIODS * FIVE_MINUTES // 60} minutes: invocation logging, the log group or the "
            "subscription filter is broken, and spend is not metered.",
            "metering-heartbeat",
            (
                ServiceMetric("bedrock", "bedrock", "Invocations", "Sum"),
                ServiceMetric("metered", "metering", "Invocations", "Sum"),
            ),
            expression="IF(FILL(bedrock, 0) > 0 AND FILL(metered, 0) == 0, 1, 0)",
            evaluation_periods=HEARTBEAT_PERIODS,
            datapoints_to_alarm=HEARTBEAT_PERIODS,
        ),
        alarm(
            "EvaluatorErrors",
            "the evaluator Lambda failed (Errors > 0 in 5 minutes): budget notifications and page follow-ups "
            "are late until a run succeeds.",
            "evaluator-errors",
            one("evaluator", "Errors"),
        ),
        alarm(
            "DetectorErrors",
            f"the detector Lambda failed in every 5 minutes of the last "
            f"{DETECTOR_ERROR_PERIODS * FIVE_MINUTES // 60} minutes: features are not watched.",
            "detector-health",
            one("detector", "Errors"),
            evaluation_periods=DETECTOR_ERROR_PERIODS,
            datapoints_to_alarm=DETECTOR_ERROR_PERIODS,
        ),
        alarm(
            "DetectorStalled",
            f"the detector Lambda has not run for {DETECTOR_STALLED_PERIOD // 60} minutes (it runs every "
            f"{account.alarms.detector_every_minutes} minute(s)): features are not watched.",
            "detector-health",
            one("detector", "Invocations"),
            threshold=1.0,
            comparison="LessThanThreshold",
            period=DETECTOR_STALLED_PERIOD,
            treat_missing_data="breaching",
        ),
    ]
    if account.price_refresh.enabled:
        alarms.append(
            alarm(
                "PriceRefreshErrors",
                "the price-refresh Lambda failed (Errors > 0 in 5 minutes): metering keeps the last good "
                "price catalog, whose age PriceCatalogAgeDays shows.",
                "price-refresh-errors",
                one("price_refresh", "Errors"),
            )
        )
    return tuple(alarms)
