"""CloudWatch Embedded Metric Format documents for one metered batch.

One document per (minute, application, feature, model), timestamped at the start of the records' own minute,
carrying all four dimension sets, each also carrying Environment:

    [Environment, Application] [Environment, Application, Feature] [Environment, Application, Feature, Model]
    [Environment, Model]

Every document belongs to exactly one value of each dimension set, so CloudWatch's Sum over documents is
exact for every set. ``MalformedRecords`` goes in its own document with [Environment] only, at arrival time
(a malformed record may have no usable timestamp), and only when a batch had some.

Serialization uses Powertools' ``AmazonCloudWatchEMFProvider`` (``add_dimension`` for the first set,
``add_dimensions`` for the others, ``set_timestamp`` for the record minute). One fresh provider per
document, not the ``Metrics`` singleton: the singleton shares one metric/dimension state per process and
flushes with the *current* time, while a batch needs several documents with different timestamps and
dimension values. ``service=""`` keeps Powertools from adding a ``service`` dimension to the first set.
Powertools stores each value as a one-element list of floats; we unwrap it to a scalar and write counts
as JSON integers (all valid EMF).

Values: counts and tokens are exact integers (floats are exact far past any per-minute count). ``CostUSD``
is the aggregate's Decimal cost rounded half-even to 1e-6 USD, so a sum over N documents is within
N x 0.5e-6 USD of the exact Decimal total: totals match to the cent. A document with nothing priceable
carries no ``CostUSD`` (never a guessed 0); its invocations are in ``UnpricedInvocations``.

CloudWatch drops EMF data points older than 14 days or more than 2 hours in the future; such documents are
still written (the log keeps them) and counted in ``stale_documents`` for the handler to log once.
"""

from __future__ import annotations

import json
import warnings
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

from core import contract as c
from lambdas.metering.aggregate import BatchResult, MetricDoc

COUNT = "Count"
NONE = "None"
COST_QUANTUM = Decimal("0.000001")
MAX_PAST_MS = 14 * 24 * 3600 * 1000
MAX_FUTURE_MS = 2 * 3600 * 1000


def cost_value(cost: Decimal) -> float:
    """The EMF value of a Decimal cost: rounded half-even to 1e-6 USD."""
    return float(cost.quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN))


def _serialize(
    timestamp_ms: int,
    dimension_sets: list[dict[str, str]],
    metrics: list[tuple[str, str, float]],
) -> dict[str, Any]:
    provider = AmazonCloudWatchEMFProvider(namespace=c.NAMESPACE, service="")
    for dim_name, dim_value in dimension_sets[0].items():
        provider.add_dimension(name=dim_name, value=dim_value)
    for extra in dimension_sets[1:]:
        provider.add_dimensions(**extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # out-of-window timestamps: counted by the caller, logged once
        provider.set_timestamp(timestamp_ms)
    for name, unit, value in metrics:
        provider.add_metric(name=name, unit=unit, value=value)
    out: dict[str, Any] = dict(provider.serialize_metric_set())
    for name, unit, _value in metrics:
        values = out[name]
        if isinstance(values, list) and len(values) == 1:
            # Counts back to JSON integers (exact, and shorter than Powertools' floats).
            out[name] = int(values[0]) if unit == COUNT else values[0]
    return out


def metric_document(doc: MetricDoc, environment: str) -> dict[str, Any]:
    values = {
        c.ENVIRONMENT: environment,
        c.APPLICATION: doc.application,
        c.FEATURE: doc.feature,
        c.MODEL: doc.model,
    }
    dimension_sets = [{k: values[k] for k in ds} for ds in c.DIMENSION_SETS]
    metrics = [(name, COUNT, float(getattr(doc, attr))) for name, attr in c.COUNT_METRICS]
    if doc.cost_usd is not None:
        metrics.append((c.COST, NONE, cost_value(doc.cost_usd)))
    return _serialize(doc.minute_ms, dimension_sets, metrics)


def malformed_document(count: int, environment: str, timestamp_ms: int) -> dict[str, Any]:
    return _serialize(timestamp_ms, [{c.ENVIRONMENT: environment}], [(c.MALFORMED, COUNT, float(count))])


def build_documents(result: BatchResult, environment: str, now_ms: int) -> tuple[list[dict[str, Any]], int]:
    """(EMF documents for the batch, number of documents CloudWatch will drop for their timestamp)."""
    docs = [metric_document(d, environment) for d in result.docs]
    stale = sum(1 for d in result.docs if not (now_ms - MAX_PAST_MS <= d.minute_ms <= now_ms + MAX_FUTURE_MS))
    if result.malformed:
        docs.append(malformed_document(result.malformed, environment, now_ms))
    return docs, stale


def render(documents: list[dict[str, Any]]) -> str:
    """One compact JSON document per line (each line becomes one log event, as EMF requires)."""
    return "\n".join(json.dumps(d, separators=(",", ":")) for d in documents)
