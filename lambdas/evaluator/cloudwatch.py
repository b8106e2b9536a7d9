"""CloudWatch access for the evaluator: plain-statistic GetMetricData (no metric math) that never passes
incomplete data off as a sum, ListMetrics to find the models a feature used, and BudgetUsedPercent /
ForecastUSD / MonthToDateUSD published as EMF (lambdas.own_metrics)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from core import contract as c
from lambdas import own_metrics
from lambdas.evaluator.decomposition import Usage
from lambdas.own_metrics import MetricUnit

# Usage field -> metering metric name.
USAGE_METRICS: dict[str, str] = {f.name: c.METRIC_OF_ATTRIBUTE[f.name] for f in fields(Usage)}
MAX_QUERIES_PER_CALL = 500
COMPLETE = "Complete"

Dims = Sequence[tuple[str, str]]


def _dims(dims: Dims) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in dims]


class IncompleteMetricData(Exception):
    """GetMetricData still reported data missing (PartialData, InternalError, Forbidden) for some queries
    after every page was read: their sums would be too low, so the caller must not use them."""

    def __init__(self, statuses: Mapping[str, str]) -> None:
        self.statuses = dict(statuses)
        super().__init__(
            "incomplete metric data: " + ", ".join(f"{q} {s}" for q, s in sorted(self.statuses.items()))
        )


@dataclass
class MetricSums:
    """{query id: {bucket start: Sum}}, and the queries whose data is incomplete (query id -> status)."""

    series: dict[str, dict[datetime, float]] = field(default_factory=dict)
    incomplete: dict[str, str] = field(default_factory=dict)


def fetch_sums(
    cw: Any,
    namespace: str,
    queries: Mapping[str, tuple[str, Dims]],
    start: datetime,
    end: datetime,
    period: int,
) -> MetricSums:
    """Plain MetricStat Sum queries, 500 per request, every page read (the paginator follows NextToken,
    which is how CloudWatch hands over the rest of a `PartialData` result). A query whose last page still
    says anything but `Complete` is reported in `incomplete`."""
    out = MetricSums(defaultdict(dict))
    paginator = cw.get_paginator("get_metric_data")
    items = list(queries.items())
    for i in range(0, len(items), MAX_QUERIES_PER_CALL):
        batch = [
            {
                "Id": qid,
                "MetricStat": {
                    "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": _dims(dims)},
                    "Period": period,
                    "Stat": "Sum",
                },
                "ReturnData": True,
            }
            for qid, (metric, dims) in items[i : i + MAX_QUERIES_PER_CALL]
        ]
        status: dict[str, str] = {}
        for page in paginator.paginate(MetricDataQueries=batch, StartTime=start, EndTime=end):
            for result in page.get("MetricDataResults", []):
                series = out.series[result["Id"]]
                for ts, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                    series[ts] = series.get(ts, 0.0) + float(value)
                status[result["Id"]] = result.get("StatusCode", COMPLETE)
        out.incomplete.update({qid: code for qid, code in status.items() if code != COMPLETE})
    out.series = dict(out.series)
    return out


def get_sums(
    cw: Any,
    namespace: str,
    queries: Mapping[str, tuple[str, Dims]],
    start: datetime,
    end: datetime,
    period: int,
) -> dict[str, dict[datetime, float]]:
    """{query id: {bucket start: Sum}}; raises IncompleteMetricData rather than return a short sum."""
    sums = fetch_sums(cw, namespace, queries, start, end, period)
    if sums.incomplete:
        raise IncompleteMetricData(sums.incomplete)
    return sums.series


def feature_models(cw: Any, namespace: str, feature_dims: Dims) -> list[str]:
    """Model ids that have metrics under this feature (ListMetrics: the last two weeks)."""
    wanted = dict(feature_dims)
    models: set[str] = set()
    paginator = cw.get_paginator("list_metrics")
    for page in paginator.paginate(
        Namespace=namespace, MetricName="Invocations", Dimensions=_dims(feature_dims)
    ):
        for metric in page.get("Metrics", []):
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            if (
                "Model" in dims
                and len(dims) == len(wanted) + 1
                and all(dims.get(k) == v for k, v in wanted.items())
            ):
                models.add(dims["Model"])
    return sorted(models)


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
