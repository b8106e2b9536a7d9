"""Reading the metering's own metrics back from CloudWatch, for every scheduled Lambda: plain-statistic Sum
queries through GetMetricData (500 per request, every page read, incomplete data reported, never passed
off as a sum), and the models ListMetrics knows under a dimension set."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core import contract as c

MAX_QUERIES_PER_CALL = 500
COMPLETE = "Complete"

Dims = Sequence[tuple[str, str]]


def dimensions(dims: Dims) -> list[dict[str, str]]:
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
                    "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dimensions(dims)},
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


def models_listed(cw: Any, namespace: str, metric: str, dims: Dims) -> list[str]:
    """Model ids of the `metric` series whose dimensions are exactly `dims` plus Model (ListMetrics: the
    last two weeks)."""
    wanted = dict(dims)
    models: set[str] = set()
    paginator = cw.get_paginator("list_metrics")
    for page in paginator.paginate(Namespace=namespace, MetricName=metric, Dimensions=dimensions(dims)):
        for listed in page.get("Metrics", []):
            found = {d["Name"]: d["Value"] for d in listed.get("Dimensions", [])}
            if (
                c.MODEL in found
                and len(found) == len(wanted) + 1
                and all(found.get(k) == v for k, v in wanted.items())
            ):
                models.add(found[c.MODEL])
    return sorted(models)
