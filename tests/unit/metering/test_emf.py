"""The directly rendered EMF documents are byte for byte what Powertools' EMF provider writes for them.

The reference below is how the metering serialized documents before rendering them directly: one
``AmazonCloudWatchEMFProvider`` per document (``add_dimension`` for the first dimension set,
``add_dimensions`` for the others, ``set_timestamp``, ``add_metric``), ``serialize_metric_set``, each
one-element value list unwrapped (counts as JSON integers), ``json.dumps`` compact.
"""

from __future__ import annotations

import json
import warnings
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider
from hypothesis import given, settings
from hypothesis import strategies as st

from core import contract as c
from lambdas.metering.aggregate import BatchResult, MetricDoc
from lambdas.metering.emf import (
    COUNT,
    NONE,
    build_documents,
    cost_value,
    malformed_line,
    metric_line,
    render_batch,
)

NOW_MS = 1_793_631_600_000  # 2026-11-02T15:00:00Z


def powertools_line(timestamp_ms: int, dimension_sets: list[dict[str, str]], metrics: list[Any]) -> str:
    provider = AmazonCloudWatchEMFProvider(namespace=c.NAMESPACE, service="")
    for name, value in dimension_sets[0].items():
        provider.add_dimension(name=name, value=value)
    for extra in dimension_sets[1:]:
        provider.add_dimensions(**extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        provider.set_timestamp(timestamp_ms)
    for name, unit, value in metrics:
        provider.add_metric(name=name, unit=unit, value=value)
    out: dict[str, Any] = dict(provider.serialize_metric_set())
    for name, unit, _value in metrics:
        values = out[name]
        if isinstance(values, list) and len(values) == 1:
            out[name] = int(values[0]) if unit == COUNT else values[0]
    return json.dumps(out, separators=(",", ":"))


def powertools_metric_line(doc: MetricDoc, environment: str) -> str:
    values = {
        c.ENVIRONMENT: environment,
        c.APPLICATION: doc.application,
        c.FEATURE: doc.feature,
        c.MODEL: doc.model,
    }
    dimension_sets = [{k: values[k] for k in ds} for ds in c.DIMENSION_SETS]
    metrics: list[Any] = [(name, COUNT, float(getattr(doc, attr))) for name, attr in c.COUNT_METRICS]
    if doc.cost_usd is not None:
        metrics.append((c.COST, NONE, cost_value(doc.cost_usd)))
    if doc.guardrail_interventions:
        metrics.append((c.GUARDRAIL_INTERVENTIONS, COUNT, float(doc.guardrail_interventions)))
    return powertools_line(doc.minute_ms, dimension_sets, metrics)


# Dimension values: what config names and model ids look like, plus JSON's awkward characters.
names = st.one_of(
    st.sampled_from(["support-chat", "knowledge-base", "unattributed", "unknown", "bedrock.guardrails"]),
    st.from_regex(r"[\x21-\x7e]{1,40}", fullmatch=True),
    st.text(min_size=1, max_size=30).filter(lambda s: s.strip() != ""),  # Powertools drops blank values
)
counts = st.integers(min_value=0, max_value=2**53)
costs = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=10**9, places=12, allow_nan=False, allow_infinity=False),
)


@st.composite
def metric_docs(draw: st.DrawFn) -> MetricDoc:
    doc = MetricDoc(
        draw(st.integers(min_value=NOW_MS - 14 * 86_400_000, max_value=NOW_MS)) // 60_000 * 60_000,
        draw(names),
        draw(names),
        draw(names),
    )
    for _name, attr in c.COUNT_METRICS:
        setattr(doc, attr, draw(counts))
    doc.cost_usd = draw(costs)
    doc.guardrail_interventions = draw(st.one_of(st.just(0), counts))
    return doc


@settings(max_examples=400, deadline=None)
@given(doc=metric_docs(), environment=names)
def test_metric_documents_are_byte_for_byte_powertools(doc: MetricDoc, environment: str) -> None:
    assert metric_line(doc, environment) == powertools_metric_line(doc, environment)


@given(count=st.integers(min_value=1, max_value=2**40), environment=names)
def test_malformed_document_is_byte_for_byte_powertools(count: int, environment: str) -> None:
    expected = powertools_line(NOW_MS, [{c.ENVIRONMENT: environment}], [(c.MALFORMED, COUNT, float(count))])
    assert malformed_line(count, environment, NOW_MS) == expected


def test_a_batch_renders_one_line_per_document_and_the_malformed_count_last() -> None:
    priced = MetricDoc(
        NOW_MS - 60_000, "customer-support", "support-chat", "anthropic.claude-3-haiku-20240307-v1:0"
    )
    priced.invocations, priced.input_tokens, priced.cost_usd = 3, 105, Decimal("0.0000262499")
    blocked = MetricDoc(NOW_MS - 60_000, "customer-support", "support-chat", "unknown")
    blocked.invocations = blocked.guardrail_interventions = blocked.unpriced = 2
    result = BatchResult(docs=[priced, blocked], records=5, malformed=4)
    text, count, stale = render_batch(result, "prod", NOW_MS)
    lines = text.split("\n")
    assert (count, stale, len(lines)) == (3, 0, 3)
    assert lines[0] == powertools_metric_line(priced, "prod")
    assert lines[1] == powertools_metric_line(blocked, "prod")
    assert lines[2] == malformed_line(4, "prod", NOW_MS)
    first, second, last = (json.loads(line) for line in lines)
    assert first["CostUSD"] == 0.000026 and "GuardrailInterventions" not in first
    assert second["GuardrailInterventions"] == 2 and "CostUSD" not in second
    assert {m["Name"] for m in second["_aws"]["CloudWatchMetrics"][0]["Metrics"]} == {
        *(name for name, _ in c.COUNT_METRICS),
        c.GUARDRAIL_INTERVENTIONS,
    }
    assert last == {
        "_aws": {
            "Timestamp": NOW_MS,
            "CloudWatchMetrics": [
                {
                    "Namespace": "GenAI/Cost",
                    "Dimensions": [["Environment"]],
                    "Metrics": [{"Name": "MalformedRecords", "Unit": "Count"}],
                }
            ],
        },
        "Environment": "prod",
        "MalformedRecords": 4,
    }
    assert build_documents(result, "prod", NOW_MS) == ([first, second, last], 0)


def test_documents_outside_cloudwatchs_window_are_counted_stale() -> None:
    old = MetricDoc(NOW_MS - 15 * 86_400_000, "a", "f", "m", invocations=1)
    ahead = MetricDoc(NOW_MS + 3 * 3_600_000, "a", "f", "m", invocations=1)
    recent = MetricDoc(NOW_MS - 60_000, "a", "f", "m", invocations=1)
    _text, count, stale = render_batch(BatchResult(docs=[old, ahead, recent]), "prod", NOW_MS)
    assert (count, stale) == (3, 2)
