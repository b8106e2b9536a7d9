"""The daily reconciliation, with its AWS clients passed in (the handler builds them; tests use moto).

1. Cost Explorer for yesterday (UTC) and the month so far: Bedrock spend by usage type (``sources``), mapped
   to models (``bill``), and by the ``GenAI:Workload`` tag.
2. CloudWatch: the metering's ``CostUSD`` and token counts per model over the same periods.
3. Per model and for the account: billed, metered, estimate error. EMF through Powertools ``Metrics``,
   timestamped at the reconciled day: ``BilledUSD`` and ``EstimateErrorPercent`` per [Environment, Model]
   and per [Environment], and ``EstimateErrorPercentWorstModel`` per [Environment] (the largest absolute
   error among models with real spend), which the ``EstimateOffBill`` alarm compares with
   ``pricing.reconcile_tolerance_percent``.
4. When a model is off by more than the tolerance: one SNS message naming the model, the usage types on its
   bill and what differs (batch lines the log never shows, a token dimension billed more than metered).

Cost Explorer's figures for a day settle during the next day: the schedule runs in the afternoon (UTC).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from core import contract as c
from core.runtime_config import DeployEnvironment, load_runtime_config
from lambdas.reconcile.bill import Reconciliation, bill_lines, describe, reconcile, tag_costs
from lambdas.reconcile.sources import (
    ENVIRONMENT,
    MODEL,
    bedrock_services,
    bill_pages,
    day_bounds,
    metered_costs_and_tokens,
    tag_pages,
)

BILLED = c.BILLED
ESTIMATE_ERROR = c.ESTIMATE_ERROR
ESTIMATE_ERROR_WORST_MODEL = c.ESTIMATE_ERROR_WORST_MODEL
TAG_KEY = "GenAI:Workload"
DEFAULT_TOLERANCE = Decimal(5)
# "Real spend": below this a day's bill (or estimate) for a model is too small to compare in percent.
DEFAULT_MIN_BILLED_USD = Decimal(1)


@dataclass(frozen=True)
class Settings:
    environment: str
    namespace: str
    topic_arn: str | None
    tolerance_percent: Decimal = DEFAULT_TOLERANCE
    min_billed_usd: Decimal = DEFAULT_MIN_BILLED_USD
    tag_key: str = TAG_KEY

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        runtime = load_runtime_config(environ=environ)
        return cls(
            environment=runtime.environment,
            namespace=c.NAMESPACE,
            topic_arn=DeployEnvironment.from_environ(environ).topic_arn,
            tolerance_percent=runtime.pricing.reconcile_tolerance_percent,
        )


@dataclass(frozen=True)
class Report:
    day: Reconciliation
    month: Reconciliation
    notified: bool
    ce_requests: int

    def summary(self) -> dict[str, Any]:
        return {
            "day": self.day.period,
            "billed_usd": str(self.day.billed_total),
            "metered_usd": str(self.day.metered_total),
            "error_percent": None if self.day.error_percent is None else f"{self.day.error_percent:.2f}",
            "off_models": [m.model for m in self.day.off_models],
            "month_billed_usd": str(self.month.billed_total),
            "month_metered_usd": str(self.month.metered_total),
            "notified": self.notified,
            "cost_explorer_requests": self.ce_requests,
        }


def periods(now: datetime) -> tuple[date, date]:
    """(yesterday, first day of yesterday's month): on the 1st the month so far is the whole last month."""
    yesterday = now.astimezone(UTC).date() - timedelta(days=1)
    return yesterday, yesterday.replace(day=1)


def reconcile_periods(
    ce: Any, cloudwatch: Any, settings: Settings, now: datetime
) -> tuple[Reconciliation, Reconciliation, int]:
    """(yesterday, month so far, Cost Explorer requests made)."""
    day, month_start = periods(now)
    end = day + timedelta(days=1)
    day_bill = bill_pages(ce, day, end, "DAILY")
    month_bill = bill_pages(ce, month_start, end, "MONTHLY")
    services = bedrock_services([*day_bill, *month_bill])
    day_tags = tag_pages(ce, day, end, "DAILY", settings.tag_key, services)
    month_tags = tag_pages(ce, month_start, end, "MONTHLY", settings.tag_key, services)
    requests = len(day_bill) + len(month_bill) + len(day_tags) + len(month_tags)
    day_start, day_end = day_bounds(day)
    day_cost, day_tokens = metered_costs_and_tokens(
        cloudwatch, settings.namespace, settings.environment, day_start, day_end
    )
    month_cost, month_tokens = metered_costs_and_tokens(
        cloudwatch,
        settings.namespace,
        settings.environment,
        datetime.combine(month_start, time(0), tzinfo=UTC),
        day_end,
    )
    common = {"tolerance_percent": settings.tolerance_percent, "min_billed_usd": settings.min_billed_usd}
    day_rec = reconcile(
        day.isoformat(), bill_lines(day_bill), day_cost, metered_tokens=day_tokens,
        workloads=tag_costs(day_tags, settings.tag_key), **common,
    )  # fmt: skip
    month_rec = reconcile(
        f"{month_start.isoformat()}..{day.isoformat()}", bill_lines(month_bill), month_cost,
        metered_tokens=month_tokens, workloads=tag_costs(month_tags, settings.tag_key), **common,
    )  # fmt: skip
    return day_rec, month_rec, requests


def publish_metrics(metrics: Metrics, rec: Reconciliation, environment: str, day: date) -> int:
    """EMF documents for the reconciled day (one per model, one for the account); returns how many."""
    stamp = datetime.combine(day, time(0), tzinfo=UTC)
    documents = 0
    metrics.set_default_dimensions(**{ENVIRONMENT: environment})
    for gap in rec.models:
        if gap.billed == 0 and gap.error_percent is None and gap.metered == 0:
            continue
        metrics.add_dimension(name=MODEL, value=gap.model)
        metrics.add_metric(name=BILLED, unit=MetricUnit.NoUnit, value=float(gap.billed))
        if gap.error_percent is not None:
            metrics.add_metric(name=ESTIMATE_ERROR, unit=MetricUnit.Percent, value=float(gap.error_percent))
        metrics.set_timestamp(stamp)
        metrics.flush_metrics()
        documents += 1
    metrics.add_metric(name=BILLED, unit=MetricUnit.NoUnit, value=float(rec.billed_total))
    if rec.error_percent is not None:
        metrics.add_metric(name=ESTIMATE_ERROR, unit=MetricUnit.Percent, value=float(rec.error_percent))
    worst = rec.worst_error_percent
    if worst is not None:
        metrics.add_metric(name=ESTIMATE_ERROR_WORST_MODEL, unit=MetricUnit.Percent, value=float(worst))
    metrics.set_timestamp(stamp)
    metrics.flush_metrics()
    return documents + 1


def notification(settings: Settings, day: Reconciliation, month: Reconciliation) -> tuple[str, str]:
    """(subject, message) naming the models and the usage types that differ."""
    names = ", ".join(m.model for m in day.off_models)
    subject = (
        f"GenAI cost guardrails ({settings.environment}): estimate off the bill for {names} on {day.period}"
    )
    lines = [
        f"Environment {settings.environment}: the metered cost of these models differs from the bill "
        f"(Cost Explorer) by more than pricing.reconcile_tolerance_percent ({settings.tolerance_percent}%):",
        "",
        *describe(day),
        "",
        "Month so far:",
        *describe(month),
        "",
        "What to do: a usage type the log never shows (batch, provisioned) is spend the estimate cannot see; "
        "a token dimension billed more than metered is a price the catalog lacks or misprices: refresh the "
        "prices (price_refresh), add a pricing.overrides entry, or check docs/pricing.md ('Reconciliation').",
    ]
    return subject[:100], "\n".join(lines)


def run_reconciliation(
    *,
    ce: Any,
    cloudwatch: Any,
    sns: Any,
    settings: Settings,
    metrics: Metrics | None = None,
    now: datetime | None = None,
) -> Report:
    now = now or datetime.now(UTC)
    day_rec, month_rec, requests = reconcile_periods(ce, cloudwatch, settings, now)
    metrics = metrics or Metrics(namespace=settings.namespace, service="")
    publish_metrics(metrics, day_rec, settings.environment, periods(now)[0])
    notified = False
    if day_rec.off_models and settings.topic_arn:
        subject, message = notification(settings, day_rec, month_rec)
        sns.publish(TopicArn=settings.topic_arn, Subject=subject, Message=message)
        notified = True
    return Report(day_rec, month_rec, notified, requests)
