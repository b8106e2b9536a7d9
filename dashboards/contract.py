"""The metric contract the dashboards read (issue 3, metering; issue 5, evaluator).

Kept here as plain data so every builder and every test names metrics and dimensions from one place.
"""

from __future__ import annotations

from stacks.naming import METRIC_NAMESPACE

NAMESPACE = METRIC_NAMESPACE  # "GenAI/Cost"
BEDROCK_NAMESPACE = "AWS/Bedrock"

# Metering (lambdas/metering), one EMF document per minute.
INVOCATIONS = "Invocations"
INPUT_TOKENS = "InputTokens"
OUTPUT_TOKENS = "OutputTokens"
CACHE_READ_TOKENS = "CacheReadInputTokens"
CACHE_WRITE_TOKENS = "CacheWriteInputTokens"
COST = "CostUSD"
UNPRICED = "UnpricedInvocations"
FAILED = "FailedInvocations"
THROTTLED = "ThrottledInvocations"
MALFORMED = "MalformedRecords"
METERING_METRICS = (
    INVOCATIONS,
    INPUT_TOKENS,
    OUTPUT_TOKENS,
    CACHE_READ_TOKENS,
    CACHE_WRITE_TOKENS,
    COST,
    UNPRICED,
    FAILED,
    THROTTLED,
    MALFORMED,
)
# Evaluator (issue 5), [Environment, Application, Feature].
BUDGET_USED_PERCENT = "BudgetUsedPercent"
FORECAST = "ForecastUSD"
EVALUATOR_METRICS = (BUDGET_USED_PERCENT, FORECAST)
# Reconciliation with the bill (lambdas/reconcile), one data point a day stamped at the day's 00:00 UTC:
# BilledUSD and EstimateErrorPercent per [Environment, Model] and [Environment]; the worst model's absolute
# error per [Environment] (what the EstimateOffBill alarm watches).
BILLED = "BilledUSD"
ESTIMATE_ERROR = "EstimateErrorPercent"
ESTIMATE_ERROR_WORST_MODEL = "EstimateErrorPercentWorstModel"
RECONCILE_METRICS = (BILLED, ESTIMATE_ERROR, ESTIMATE_ERROR_WORST_MODEL)
# Free native Bedrock runtime metrics, dimension ModelId.
BEDROCK_LATENCY = "InvocationLatency"
BEDROCK_TTFT = "TimeToFirstToken"
BEDROCK_MODEL_DIM = "ModelId"

ENVIRONMENT = "Environment"
APPLICATION = "Application"
FEATURE = "Feature"
MODEL = "Model"
# Every dimension set the metering emits (MalformedRecords: [Environment] only).
DIMENSION_SETS: tuple[tuple[str, ...], ...] = (
    (ENVIRONMENT, APPLICATION),
    (ENVIRONMENT, APPLICATION, FEATURE),
    (ENVIRONMENT, APPLICATION, FEATURE, MODEL),
    (ENVIRONMENT, MODEL),
)
MALFORMED_DIMENSION_SET: tuple[str, ...] = (ENVIRONMENT,)
EVALUATOR_DIMENSION_SET: tuple[str, ...] = (ENVIRONMENT, APPLICATION, FEATURE)
RECONCILE_DIMENSION_SETS: tuple[tuple[str, ...], ...] = ((ENVIRONMENT,), (ENVIRONMENT, MODEL))
# Calls no attribution rule matches: feature "unattributed" in application "unattributed".
UNATTRIBUTED = "unattributed"


def app_dims(environment: str, application: str) -> dict[str, str]:
    return {ENVIRONMENT: environment, APPLICATION: application}


def feature_dims(environment: str, application: str, feature: str) -> dict[str, str]:
    return {ENVIRONMENT: environment, APPLICATION: application, FEATURE: feature}


def search(
    metric_name: str, dims: dict[str, str | None], stat: str, period: int, namespace: str = NAMESPACE
) -> str:
    """A SEARCH expression over exactly the dimension names in `dims` (their order is the schema);
    a value of None leaves that dimension free, a value is matched exactly (quoted)."""
    schema = ",".join([namespace, *dims])  # like AWS's own '{AWS/EC2,InstanceId}': no quotes needed
    terms = [f'MetricName="{metric_name}"'] + [f'{k}="{v}"' for k, v in dims.items() if v is not None]
    return f"SEARCH('{{{schema}}} {' '.join(terms)}', '{stat}', {period})"
