"""CloudWatch access for the evaluator: plain-statistic GetMetricData (no metric math) that never passes
incomplete data off as a sum, ListMetrics to find the models a feature used, and BudgetUsedPercent /
ForecastUSD / MonthToDateUSD published as EMF (lambdas.own_metrics)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from core import contract as c
from lambdas import own_metrics
from lambdas.evaluator.decomposition import Usage
from lambdas.metric_data import Dims, get_sums, models_listed
from lambdas.own_metrics import MetricUnit

# Usage field -> metering metric name.
USAGE_METRICS: dict[str, str] = {f.name: c.METRIC_OF_ATTRIBUTE[f.name] for f in fields(Usage)}


def feature_models(cw: Any, namespace: str, feature_dims: Dims) -> list[str]:
    """Model ids that have metrics under this feature (ListMetrics: the last two weeks)."""
    return models_listed(cw, namespace, c.INVOCATIONS, feature_dims)


def usage_buckets(
    cw: Any,
    namespace: str,
    feature_dims: Dims,
    models: Sequence[str],
    start: datetime,
    end: datetime,
    period: int,
) -> dict[datetime, dict[str, Usage]]:
    """Per bucket start, per model: the feature's usage."""
    queries: dict[str, tuple[str, Dims]] = {}
    for i, model in enumerate(models):
        for field_name, metric in USAGE_METRICS.items():
            queries[f"m{i}_{field_name}"] = (metric, (*feature_dims, ("Model", model)))
    sums = get_sums(cw, namespace, queries, start, end, period)
    fields: dict[datetime, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(dict))
    for qid, series in sums.items():
        index, field_name = qid[1:].split("_", 1)
        model = models[int(index)]
        for ts, value in series.items():
            fields[ts][model][field_name] = value
    return {ts: {m: Usage(**f) for m, f in per_model.items()} for ts, per_model in fields.items()}


def window_usage(buckets: Mapping[datetime, Mapping[str, Usage]]) -> dict[str, Usage]:
    total: dict[str, Usage] = {}
    for per_model in buckets.values():
        for model, usage in per_model.items():
            total[model] = total.get(model, Usage()) + usage
    return total


def hourly_cost(
    cw: Any, namespace: str, feature_dims: Dims, start: datetime, end: datetime
) -> list[tuple[datetime, float]]:
    sums = get_sums(cw, namespace, {"cost": ("CostUSD", feature_dims)}, start, end, 3600)
    return sorted(sums.get("cost", {}).items())


def publish_budget_metrics(
    namespace: str, points: Sequence[tuple[Dims, float, float, float]], timestamp: datetime
) -> None:
    """(feature dims, BudgetUsedPercent, ForecastUSD, MonthToDateUSD) per feature, one EMF document each.
    MonthToDateUSD lets a dashboard sum any number of features with one SEARCH (a metric-math sum of
    BudgetUsedPercent x budget needs one metric per feature, 100 per widget at most)."""
    for dims, used_percent, forecast, month_to_date in points:
        own_metrics.publish(
            dims,
            [
                (c.BUDGET_USED_PERCENT, MetricUnit.Percent, used_percent),
                (c.FORECAST, MetricUnit.NoUnit, forecast),
                (c.MONTH_TO_DATE, MetricUnit.NoUnit, month_to_date),
            ],
            namespace=namespace,
            timestamp=timestamp,
        )


class CloudWatchUsage:
    """`change.UsageSource` over GetMetricData: one feature's 1-minute sums per model (models from
    ListMetrics, once)."""

    def __init__(self, cw: Any, namespace: str, feature_dims: Dims) -> None:
        self.cw = cw
        self.namespace = namespace
        self.dims = feature_dims
        self._models: list[str] | None = None

    def minutes(self, start: datetime, end: datetime) -> dict[datetime, dict[str, Usage]]:
        if self._models is None:
            self._models = feature_models(self.cw, self.namespace, self.dims)
        if not self._models:
            return {}
        return usage_buckets(self.cw, self.namespace, self.dims, self._models, start, end, 60)
