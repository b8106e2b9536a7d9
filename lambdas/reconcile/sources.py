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
from lambdas.metric_data import fetch_sums, models_listed
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


def metered_sums(
    cloudwatch: Any,
    namespace: str,
    environment: str,
    start: datetime,
    end: datetime,
    metrics: Sequence[str] = (COST,),
) -> dict[str, dict[str, Decimal]]:
    """{metric: {Model: sum over [start, end)}} of the metering's [Environment, Model] series."""
    env = ((ENVIRONMENT, environment),)
    queries: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
    routes: dict[str, tuple[str, str]] = {}  # query id -> (metric, model)
    for metric in metrics:
        for model in models_listed(cloudwatch, namespace, metric, env):
            qid = f"q{len(queries)}"
            queries[qid] = (metric, (*env, (MODEL, model)))
            routes[qid] = (metric, model)
    out: dict[str, dict[str, Decimal]] = {m: {} for m in metrics}
    sums = fetch_sums(cloudwatch, namespace, queries, start, end, 86_400)
    for qid, series in sums.series.items():
        metric, model = routes[qid]
        total = sum((Decimal(repr(v)) for v in series.values()), Decimal(0))
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
