"""CloudWatch access for the detector: one GetMetricData call (per 500 queries) for every feature's last hour
of 1-minute sums, and one paginated DescribeAlarms for the states of the account's alarms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from core import contract as c
from lambdas.detector.model import EMPTY, MINUTE_MS, FeatureSettings, Minute
from lambdas.evaluator.cloudwatch import get_sums

# Minute field -> metric at [Environment, Application, Feature]. `premium` sums Invocations over the premium
# models' [.., Model] series.
FEATURE_METRICS: dict[str, str] = {
    "calls": c.INVOCATIONS,
    "failed": c.FAILED,
    "throttled": c.THROTTLED,
    "input_tokens": c.INPUT_TOKENS,
    "output_tokens": c.OUTPUT_TOKENS,
    "cost": c.COST,
}


@dataclass
class CloudWatchView:
    """`FeatureView` over fetched 1-minute sums (epoch minute -> Minute)."""

    minutes: dict[int, Minute] = field(default_factory=dict)

    def minute(self, epoch_minute: int) -> Minute:
        return self.minutes.get(epoch_minute, EMPTY)

    def totals(self, first: int, last: int) -> Minute:
        out = EMPTY
        for minute, value in self.minutes.items():
            if first <= minute <= last:
                out = out + value
        return out


def queries_per_feature(premium_models: Sequence[str]) -> int:
    """Metrics one evaluation requests per feature (GetMetricData bills per metric requested)."""
    return len(FEATURE_METRICS) + len(premium_models)


def fetch_views(
    cw: Any,
    namespace: str,
    environment: str,
    features: Sequence[FeatureSettings],
    premium_models: Sequence[str],
    first: int,
    last: int,
) -> dict[str, CloudWatchView]:
    """Every feature's 1-minute sums over epoch minutes first..last."""
    queries: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {}
    routes: dict[str, tuple[str, str]] = {}  # query id -> (feature, Minute field)
    for i, feature in enumerate(features):
        dims = c.feature_dimensions(environment, feature.application, feature.name)
        for name, metric in FEATURE_METRICS.items():
            qid = f"f{i}_{name}"
            queries[qid] = (metric, dims)
            routes[qid] = (feature.name, name)
        for j, model in enumerate(premium_models):
            qid = f"f{i}_premium{j}"
            queries[qid] = (c.INVOCATIONS, (*dims, (c.MODEL, model)))
            routes[qid] = (feature.name, "premium")
    start = datetime.fromtimestamp(first * MINUTE_MS / 1000, UTC)
    end = datetime.fromtimestamp((last + 1) * MINUTE_MS / 1000, UTC)
    sums = get_sums(cw, namespace, queries, start, end, 60)
    fields_by_minute: dict[str, dict[int, dict[str, float]]] = {f.name: {} for f in features}
    for qid, series in sums.items():
        feature_name, name = routes[qid]
        for ts, value in series.items():
            minute = int(ts.timestamp() // 60)
            slot = fields_by_minute[feature_name].setdefault(minute, {})
            slot[name] = slot.get(name, 0.0) + value
    return {
        name: CloudWatchView({m: Minute(**values) for m, values in per_minute.items()})
        for name, per_minute in fields_by_minute.items()
    }


def alarm_states(cw: Any, prefix: str) -> dict[str, str]:
    """{alarm name: state} of the metric alarms whose names start with `prefix`."""
    out: dict[str, str] = {}
    pages = cw.get_paginator("describe_alarms").paginate(AlarmNamePrefix=prefix, AlarmTypes=["MetricAlarm"])
    for page in pages:
        for alarm in page.get("MetricAlarms", []):
            out[alarm["AlarmName"]] = alarm.get("StateValue", "INSUFFICIENT_DATA")
    return out


def in_alarm(feature: FeatureSettings, states: Mapping[str, str]) -> dict[str, bool]:
    """family -> the feature's CloudWatch alarm of that family is in ALARM."""
    return {family: states.get(name) == "ALARM" for family, name in feature.alarm_names.items()}
