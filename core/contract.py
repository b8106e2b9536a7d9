"""The metric contract: namespace, metric names, dimension names and sets. The product's public interface.

Metering, the evaluator, alarms, dashboards and replay all name metrics from here; change a name only with
a migration note (users' dashboards and alarms read them).
"""

from __future__ import annotations

NAMESPACE = "GenAI/Cost"
BEDROCK_NAMESPACE = "AWS/Bedrock"

# Metering (lambdas/metering), one EMF document per (minute, application, feature, model).
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
# Successful calls a guardrail blocked before the model ran (or the response says it intervened); in a
# metering document only when non-zero (a metric per dimension combination costs money every month).
GUARDRAIL_INTERVENTIONS = "GuardrailInterventions"
# Count metrics of a metering document and the MetricDoc / Usage attribute each one carries.
COUNT_METRICS: tuple[tuple[str, str], ...] = (
    (INVOCATIONS, "invocations"),
    (INPUT_TOKENS, "input_tokens"),
    (OUTPUT_TOKENS, "output_tokens"),
    (CACHE_READ_TOKENS, "cache_read_tokens"),
    (CACHE_WRITE_TOKENS, "cache_write_tokens"),
    (UNPRICED, "unpriced"),
    (FAILED, "failed"),
    (THROTTLED, "throttled"),
)
METERING_METRICS = (*(name for name, _attr in COUNT_METRICS), COST, MALFORMED, GUARDRAIL_INTERVENTIONS)
# Attribute name (MetricDoc, the evaluator's Usage, replay's totals) -> metering metric name.
METRIC_OF_ATTRIBUTE: dict[str, str] = {attr: name for name, attr in COUNT_METRICS} | {"cost": COST}
# Evaluator, [Environment, Application, Feature].
BUDGET_USED_PERCENT = "BudgetUsedPercent"
FORECAST = "ForecastUSD"
MONTH_TO_DATE = "MonthToDateUSD"
EVALUATOR_METRICS = (BUDGET_USED_PERCENT, FORECAST, MONTH_TO_DATE)
# Price refresh, [Environment].
PRICE_CATALOG_AGE_DAYS = "PriceCatalogAgeDays"
# Features a run could not finish (read, claim, publish or mark failed; retried next run), [Environment]:
# the evaluator's and the detector's, published on every run (0 when none failed).
EVALUATOR_FEATURE_FAILURES = "EvaluatorFeatureFailures"
DETECTOR_FEATURE_FAILURES = "DetectorFeatureFailures"
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
BEDROCK_INVOCATION_LOG_DELIVERY_FAILURES = "ModelInvocationLogsCloudWatchDeliveryFailure"
BEDROCK_MODEL_DIM = "ModelId"

ENVIRONMENT = "Environment"
APPLICATION = "Application"
FEATURE = "Feature"
MODEL = "Model"
# Every dimension set a metering document carries (MalformedRecords: [Environment] only).
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
# The Model dimension of a call whose model id cannot be resolved.
UNKNOWN_MODEL = "unknown"

Dimensions = tuple[tuple[str, str], ...]


def app_dims(environment: str, application: str) -> dict[str, str]:
    return {ENVIRONMENT: environment, APPLICATION: application}


def feature_dims(environment: str, application: str, feature: str) -> dict[str, str]:
    return {ENVIRONMENT: environment, APPLICATION: application, FEATURE: feature}


def feature_dimensions(environment: str, application: str, feature: str) -> Dimensions:
    """The feature's dimension set as ordered (name, value) pairs, as alarms and GetMetricData take them."""
    return ((ENVIRONMENT, environment), (APPLICATION, application), (FEATURE, feature))


def search(
    metric_name: str, dims: dict[str, str | None], stat: str, period: int, namespace: str = NAMESPACE
) -> str:
    """A SEARCH expression over exactly the dimension names in `dims` (their order is the schema);
    a value of None leaves that dimension free, a value is matched exactly (quoted)."""
    schema = ",".join([namespace, *dims])  # like AWS's own '{AWS/EC2,InstanceId}': no quotes needed
    terms = [f'MetricName="{metric_name}"'] + [f'{k}="{v}"' for k, v in dims.items() if v is not None]
    return f"SEARCH('{{{schema}}} {' '.join(terms)}', '{stat}', {period})"
