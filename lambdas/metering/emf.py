"""CloudWatch Embedded Metric Format documents for one metered batch.

One document per (minute, application, feature, model), timestamped at the start of the records' own minute,
carrying all four dimension sets, each also carrying Environment:

    [Environment, Application] [Environment, Application, Feature] [Environment, Application, Feature, Model]
    [Environment, Model]

Every document belongs to exactly one value of each dimension set, so CloudWatch's Sum over documents is
exact for every set. ``MalformedRecords`` goes in its own document with [Environment] only, at arrival time
(a malformed record may have no usable timestamp), and only when a batch had some.

**Rendered directly.** Each document is one line written from precomputed JSON fragments: the directive
(namespace, dimension sets, metric names and units) is the same for every document of a shape, so only
the timestamp, three dimension values and the numbers change. The output is byte for byte what
Powertools' ``AmazonCloudWatchEMFProvider`` (``add_dimension`` for the first set, ``add_dimensions`` for
the others, ``set_timestamp``, ``add_metric``, ``serialize_metric_set``) gives for the same document,
dumped compactly with counts as JSON integers; tests/unit/metering/test_emf.py compares the two. Going
through Powertools costs ~0.2 ms a document (a provider, validation and a dict per metric), which on
sparse traffic (a document per three records) was most of the handler's time.

Values: counts and tokens are exact integers. ``CostUSD`` is the aggregate's Decimal cost rounded
half-even to 1e-6 USD, so a sum over N documents is within N x 0.5e-6 USD of the exact Decimal total:
totals match to the cent. A document with nothing priceable carries no ``CostUSD`` (never a guessed 0);
its invocations are in ``UnpricedInvocations``. ``GuardrailInterventions`` is carried only when non-zero.

CloudWatch drops EMF data points older than 14 days or more than 2 hours in the future. The Lambda's
Meter counts such records malformed before they reach a document; ``stale`` still reports any document
outside the window (replay builds documents for old minutes).
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from operator import attrgetter
from typing import Any

from core import contract as c
from lambdas.metering.aggregate import BatchResult, MetricDoc
from lambdas.metering.records import MAX_FUTURE_MS, MAX_PAST_MS

COUNT = "Count"
NONE = "None"
COST_QUANTUM = Decimal("0.000001")
_COMPACT = (",", ":")
# The document's attribute for each dimension other than Environment (which is per function).
_DOC_DIMENSIONS = {c.APPLICATION: "application", c.FEATURE: "feature", c.MODEL: "model"}


def cost_value(cost: Decimal) -> float:
    """The EMF value of a Decimal cost: rounded half-even to 1e-6 USD."""
    return float(cost.quantize(COST_QUANTUM, rounding=ROUND_HALF_EVEN))


def _dimension_order(dimension_sets: tuple[tuple[str, ...], ...]) -> list[str]:
    """Dimension keys in the order Powertools writes them: first set, then each later set's new keys."""
    order: list[str] = []
    for dimension_set in dimension_sets:
        order.extend(name for name in dimension_set if name not in order)
    return order


def _directive(dimension_sets: tuple[tuple[str, ...], ...], metrics: list[tuple[str, str]]) -> str:
    return json.dumps(
        {
            "Namespace": c.NAMESPACE,
            "Dimensions": [list(s) for s in dimension_sets],
            "Metrics": [{"Name": name, "Unit": unit} for name, unit in metrics],
        },
        separators=_COMPACT,
    )


class _Renderer:
    """Line templates of one environment's documents, one per shape (with or without CostUSD and
    GuardrailInterventions); ``%`` placeholders for the timestamp, dimension values and numbers."""

    def __init__(self, environment: str) -> None:
        self._environment = json.dumps(environment)
        self._templates: dict[tuple[bool, bool], str] = {}
        self._strings: dict[str, str] = {}
        self.malformed_template = self._template(
            (c.MALFORMED_DIMENSION_SET,), [(c.MALFORMED, COUNT)], {c.MALFORMED: "%d"}
        )

    def _template(
        self,
        dimension_sets: tuple[tuple[str, ...], ...],
        metrics: list[tuple[str, str]],
        placeholders: dict[str, str],
    ) -> str:
        def fixed(text: str) -> str:
            return text.replace("%", "%%")

        parts = [
            '{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[',
            fixed(_directive(dimension_sets, metrics)),
            "]}",
        ]
        for name in _dimension_order(dimension_sets):
            value = fixed(self._environment) if name == c.ENVIRONMENT else "%s"
            parts.append(f",{fixed(json.dumps(name))}:{value}")
        parts.extend(f",{fixed(json.dumps(name))}:{placeholders[name]}" for name, _unit in metrics)
        parts.append("}")
        return "".join(parts)

    def metric_template(self, with_cost: bool, with_interventions: bool) -> str:
        key = (with_cost, with_interventions)
        template = self._templates.get(key)
        if template is None:
            metrics = [(name, COUNT) for name, _attr in c.COUNT_METRICS]
            placeholders = {name: "%d" for name, _unit in metrics}
            if with_cost:
                metrics.append((c.COST, NONE))
                placeholders[c.COST] = "%s"
            if with_interventions:
                metrics.append((c.GUARDRAIL_INTERVENTIONS, COUNT))
                placeholders[c.GUARDRAIL_INTERVENTIONS] = "%d"
            template = self._templates[key] = self._template(c.DIMENSION_SETS, metrics, placeholders)
        return template

    def string(self, value: str) -> str:
        """A dimension value as a JSON string (cached: a batch repeats a handful of values)."""
        out = self._strings.get(value)
        if out is None:
            if len(self._strings) >= 10_000:
                self._strings.clear()
            out = self._strings[value] = json.dumps(value)
        return out


@lru_cache(maxsize=8)
def _renderer(environment: str) -> _Renderer:
    return _Renderer(environment)


_counts = attrgetter(*(attr for _name, attr in c.COUNT_METRICS))
_dimensions = attrgetter(
    *(_DOC_DIMENSIONS[name] for name in _dimension_order(c.DIMENSION_SETS) if name != c.ENVIRONMENT)
)


def metric_line(doc: MetricDoc, environment: str) -> str:
    """One metering document as a compact JSON line."""
    renderer = _renderer(environment)
    string = renderer.string
    cost = doc.cost_usd
    interventions = doc.guardrail_interventions
    values = (doc.minute_ms, *map(string, _dimensions(doc)), *_counts(doc))
    if cost is not None:
        values += (repr(cost_value(cost)),)  # what json.dumps writes for the float
    if interventions:
        values += (interventions,)
    return renderer.metric_template(cost is not None, interventions > 0) % values


def malformed_line(count: int, environment: str, timestamp_ms: int) -> str:
    return _renderer(environment).malformed_template % (timestamp_ms, count)


def render_batch(result: BatchResult, environment: str, now_ms: int) -> tuple[str, int, int]:
    """(the batch's EMF documents, one per line; how many; how many CloudWatch will drop for their time)."""
    lines = [metric_line(d, environment) for d in result.docs]
    stale = sum(1 for d in result.docs if not (now_ms - MAX_PAST_MS <= d.minute_ms <= now_ms + MAX_FUTURE_MS))
    if result.malformed:
        lines.append(malformed_line(result.malformed, environment, now_ms))
    return "\n".join(lines), len(lines), stale


def metric_document(doc: MetricDoc, environment: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(metric_line(doc, environment))
    return document


def build_documents(result: BatchResult, environment: str, now_ms: int) -> tuple[list[dict[str, Any]], int]:
    """(the batch's EMF documents as dicts, how many CloudWatch will drop for their timestamp)."""
    text, _count, stale = render_batch(result, environment, now_ms)
    return [json.loads(line) for line in text.splitlines()], stale
