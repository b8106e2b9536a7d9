"""The two sides, read with the AWS clients passed in: Cost Explorer (the bill) and CloudWatch (the meter).

Cost Explorer: ``GetCostAndUsage`` grouped by [SERVICE, USAGE_TYPE], usage records only (credits and refunds
are not prices), all services (Bedrock's own and its Marketplace editions are picked out by name, so no
list of edition names has to be kept), paged with ``NextPageToken``; and once more grouped by the
``GenAI:Workload`` cost allocation tag, filtered to the Bedrock services the first answer named. Each
request costs $0.01 (bench/cost_model.py counts four a day).

CloudWatch: the metering's ``CostUSD`` (and token counts) per [Environment, Model] summed over the period,
found with ``ListMetrics`` and read with ``GetMetricData`` (boto3 paginators, at most 500 queries each).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from core import contract as c
from lambdas.reconcile.bill import is_bedrock_service

COST_METRIC = "UnblendedCost"
USAGE_METRIC = "UsageQuantity"
ENVIRONMENT, MODEL, COST = c.ENVIRONMENT, c.MODEL, c.COST
TOKEN_METRICS = {
    "input": c.INPUT_TOKENS,
    "output": c.OUTPUT_TOKENS,
    "cache_read": c.CACHE_READ_TOKENS,
    "cache_write": c.CACHE_WRITE_TOKENS,
}
_QUERIES_PER_REQUEST = 500


def cost_and_usage_pages(
    ce: Any,
    start: date,
    end: date,
    group_by: Sequence[Mapping[str, str]],
    *,
    granularity: str = "DAILY",
    services: Sequence[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every page of one GetCostAndUsage question over [start, end) (Cost Explorer's End is exclusive)."""
    usage_only: dict[str, Any] = {"Dimensions": {"Key": "RECORD_TYPE", "Values": ["Usage"]}}
    filt: dict[str, Any] = usage_only
    if services:
        filt = {"And": [usage_only, {"Dimensions": {"Key": "SERVICE", "Values": list(services)}}]}
    kwargs: dict[str, Any] = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": granularity,
        "Metrics": [COST_METRIC, USAGE_METRIC],
        "GroupBy": list(group_by),
        "Filter": filt,
    }
    while True:
        page: dict[str, Any] = ce.get_cost_and_usage(**kwargs)
        yield page
        token = page.get("NextPageToken")
        if not token:
            return
        kwargs["NextPageToken"] = token


def bill_pages(ce: Any, start: date, end: date, granularity: str) -> list[dict[str, Any]]:
    """Bedrock spend by [SERVICE, USAGE_TYPE]."""
    group_by = [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}]
    return list(cost_and_usage_pages(ce, start, end, group_by, granularity=granularity))


def bedrock_services(pages: Sequence[Mapping[str, Any]]) -> list[str]:
    names = {
        str(group["Keys"][0])
        for page in pages
        for result in page.get("ResultsByTime", [])
        for group in result.get("Groups", [])
        if group.get("Keys") and is_bedrock_service(str(group["Keys"][0]))
    }
    return sorted(names)


def tag_pages(
    ce: Any, start: date, end: date, granularity: str, tag_key: str, services: Sequence[str]
) -> list[dict[str, Any]]:
    """Bedrock spend by the workload cost allocation tag (nothing to ask when no Bedrock service billed)."""
    if not services:
        return []
    group_by = [{"Type": "TAG", "Key": tag_key}]
    return list(cost_and_usage_pages(ce, start, end, group_by, granularity=granularity, services=services))


# ---- the meter ----------------------------------------------------------------------------------------


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start, start + timedelta(days=1)


def _models_with(cloudwatch: Any, namespace: str, environment: str, metric: str) -> list[str]:
    models: set[str] = set()
    for page in cloudwatch.get_paginator("list_metrics").paginate(
        Namespace=namespace, MetricName=metric, Dimensions=[{"Name": ENVIRONMENT, "Value": environment}]
    ):
        for m in page.get("Metrics", []):
            dims = {d["Name"]: d["Value"] for d in m.get("Dimensions", [])}
            if set(dims) == {ENVIRONMENT, MODEL}:
                models.add(dims[MODEL])
    return sorted(models)


def metered_sums(
    cloudwatch: Any,
    namespace: str,
    environment: str,
    start: datetime,
    end: datetime,
    metrics: Sequence[str] = (COST,),
) -> dict[str, dict[str, Decimal]]:
    """{metric: {Model: sum over [start, end)}} of the metering's [Environment, Model] series."""
    queries: list[tuple[str, str, dict[str, Any]]] = []
    for metric in metrics:
        for model in _models_with(cloudwatch, namespace, environment, metric):
            qid = f"q{len(queries)}"
            dims = [{"Name": ENVIRONMENT, "Value": environment}, {"Name": MODEL, "Value": model}]
            stat = {
                "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dims},
                "Period": 86_400,
                "Stat": "Sum",
            }
            queries.append((metric, model, {"Id": qid, "MetricStat": stat, "ReturnData": True}))
    out: dict[str, dict[str, Decimal]] = {m: {} for m in metrics}
    paginator = cloudwatch.get_paginator("get_metric_data")
    for first in range(0, len(queries), _QUERIES_PER_REQUEST):
        chunk = queries[first : first + _QUERIES_PER_REQUEST]
        by_id = {q[2]["Id"]: (q[0], q[1]) for q in chunk}
        for page in paginator.paginate(MetricDataQueries=[q[2] for q in chunk], StartTime=start, EndTime=end):
            for result in page.get("MetricDataResults", []):
                metric, model = by_id[result["Id"]]
                total = sum((Decimal(repr(v)) for v in result.get("Values", [])), Decimal(0))
                out[metric][model] = out[metric].get(model, Decimal(0)) + total
    return out


def metered_costs_and_tokens(
    cloudwatch: Any, namespace: str, environment: str, start: datetime, end: datetime
) -> tuple[dict[str, Decimal], dict[str, dict[str, Decimal]]]:
    """({Model: CostUSD}, {Model: {token dimension: tokens}}) over [start, end)."""
    sums = metered_sums(cloudwatch, namespace, environment, start, end, (COST, *TOKEN_METRICS.values()))
    tokens: dict[str, dict[str, Decimal]] = {}
    for dim, metric in TOKEN_METRICS.items():
        for model, value in sums[metric].items():
            tokens.setdefault(model, {})[dim] = value
    return sums[COST], tokens
