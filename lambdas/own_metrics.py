"""The guardrail's own metrics (evaluator, detector, price refresh) as CloudWatch embedded metric format
through Powertools Metrics: printed to the function's log, no PutMetricData call and no IAM grant.

Each call prints one document for one dimension set. Powertools adds a `service` dimension when
POWERTOOLS_SERVICE_NAME is set (the stack sets it for the logger); the metric contract's dimension sets are
the public interface dashboards and alarms read, so the service dimension is switched off here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from core.contract import NAMESPACE

__all__ = ["MetricUnit", "publish"]


def publish(
    dimensions: Sequence[tuple[str, str]],
    values: Sequence[tuple[str, MetricUnit, float]],
    *,
    namespace: str = NAMESPACE,
    timestamp: datetime | None = None,
) -> None:
    """One EMF document: `values` ((name, unit, value) each) at exactly `dimensions`."""
    metrics = Metrics(namespace=namespace, service="")  # "" (not None): no service dimension
    for dimension, label in dimensions:
        metrics.add_dimension(name=dimension, value=label)
    for name, unit, value in values:
        metrics.add_metric(name=name, unit=unit, value=value)
    if timestamp is not None:
        metrics.set_timestamp(timestamp)
    metrics.flush_metrics(raise_on_empty_metrics=True)
