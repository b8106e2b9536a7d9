"""CloudWatch access for the evaluator: plain-statistic GetMetricData (no metric math), ListMetrics to find
the models a feature used, PutMetricData for BudgetUsedPercent / ForecastUSD."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from core import contract as c
from lambdas.evaluator.decomposition import Usage

# Usage field -> metering metric name.
USAGE_METRICS: dict[str, str] = {f.name: c.METRIC_OF_ATTRIBUTE[f.name] for f in fields(Usage)}
MAX_QUERIES_PER_CALL = 500

Dims = Sequence[tuple[str, str]]


def _dims(dims: Dims) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in dims]


def get_sums(
    cw: Any,
    namespace: str,
    queries: Mapping[str, tuple[str, Dims]],
    start: datetime,
    end: datetime,
    period: int,
) -> dict[str, dict[datetime, float]]:
    """{query id: {bucket start: Sum}} for plain MetricStat queries, paginated and chunked."""
    out: dict[str, dict[datetime, float]] = defaultdict(dict)
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
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"MetricDataQueries": batch, "StartTime": start, "EndTime": end}
            if token:
                kwargs["NextToken"] = token
            response = cw.get_metric_data(**kwargs)
            for result in response.get("MetricDataResults", []):
                series = out[result["Id"]]
                for ts, value in zip(result.get("Timestamps", []), result.get("Values", []), strict=False):
                    series[ts] = series.get(ts, 0.0) + float(value)
            token = response.get("NextToken")
            if not token:
                break
    return dict(out)


def feature_models(cw: Any, namespace: str, feature_dims: Dims) -> list[str]:
    """Model ids that have metrics under this feature (ListMetrics: the last two weeks)."""
    wanted = dict(feature_dims)
    models: set[str] = set()
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {
            "Namespace": namespace,
            "MetricName": "Invocations",
            "Dimensions": _dims(feature_dims),
        }
        if token:
            kwargs["NextToken"] = token
        response = cw.list_metrics(**kwargs)
        for metric in response.get("Metrics", []):
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            if (
                "Model" in dims
                and len(dims) == len(wanted) + 1
                and all(dims.get(k) == v for k, v in wanted.items())
            ):
                models.add(dims["Model"])
        token = response.get("NextToken")
        if not token:
            break
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


def put_budget_metrics(
    cw: Any, namespace: str, points: Sequence[tuple[Dims, float, float, float]], timestamp: datetime
) -> None:
    """(feature dims, BudgetUsedPercent, ForecastUSD, MonthToDateUSD) per feature, 500 datums per call.
    MonthToDateUSD lets a dashboard sum any number of features with one SEARCH (a metric-math sum of
    BudgetUsedPercent x budget needs one metric per feature, 100 per widget at most)."""
    data: list[dict[str, Any]] = []
    for dims, used_percent, forecast, month_to_date in points:
        data.append(
            {
                "MetricName": "BudgetUsedPercent",
                "Dimensions": _dims(dims),
                "Timestamp": timestamp,
                "Value": used_percent,
                "Unit": "Percent",
            }
        )
        data.append(
            {
                "MetricName": "ForecastUSD",
                "Dimensions": _dims(dims),
                "Timestamp": timestamp,
                "Value": forecast,
                "Unit": "None",
            }
        )
        data.append(
            {
                "MetricName": "MonthToDateUSD",
                "Dimensions": _dims(dims),
                "Timestamp": timestamp,
                "Value": month_to_date,
                "Unit": "None",
            }
        )
    for i in range(0, len(data), 500):
        cw.put_metric_data(Namespace=namespace, MetricData=data[i : i + 500])


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
