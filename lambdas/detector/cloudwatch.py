"""CloudWatch access for the detector: one GetMetricData call (per 500 queries) for every feature's last hour
of 1-minute sums, and one paginated DescribeAlarms for the states of the account's alarms.

A feature whose data CloudWatch reports incomplete (PartialData after every page, InternalError, Forbidden)
gets no view this run, and neither does one whose read fails: when the shared call fails (after botocore's
retries), each feature is read on its own, so one feature's failure costs only that feature this run.
GetMetricData bills per metric requested, so the fallback costs no more than the shared call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from core import contract as c
from lambdas.detector.model import EMPTY, MINUTE_MS, FeatureSettings, Minute
from lambdas.metric_data import IncompleteMetricData, fetch_sums

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


@dataclass
class Views:
    """Each feature's view, or why it has none this run."""

    views: dict[str, CloudWatchView] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def fetch_views(
    cw: Any,
    namespace: str,
    environment: str,
    features: Sequence[FeatureSettings],
    premium_models: Sequence[str],
    first: int,
    last: int,
) -> Views:
    """Every feature's 1-minute sums over epoch minutes first..last: one shared read, or one read per
    feature when the shared one fails."""
    try:
        return _read_views(cw, namespace, environment, features, premium_models, first, last)
    except (ClientError, BotoCoreError) as error:
        if len(features) == 1:
            return Views(failed={features[0].name: f"{type(error).__name__}: {error}"})
    out = Views()
    for feature in features:
        try:
            one = _read_views(cw, namespace, environment, [feature], premium_models, first, last)
        except (ClientError, BotoCoreError) as error:
            out.failed[feature.name] = f"{type(error).__name__}: {error}"
            continue
        out.views.update(one.views)
        out.failed.update(one.failed)
    return out


def _read_views(
    cw: Any,
    namespace: str,
    environment: str,
    features: Sequence[FeatureSettings],
    premium_models: Sequence[str],
    first: int,
    last: int,
) -> Views:
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
    sums = fetch_sums(cw, namespace, queries, start, end, 60)
    incomplete: dict[str, dict[str, str]] = {}
    for qid, status in sums.incomplete.items():
        incomplete.setdefault(routes[qid][0], {})[qid] = status
    fields_by_minute: dict[str, dict[int, dict[str, float]]] = {f.name: {} for f in features}
    for qid, series in sums.series.items():
        feature_name, name = routes[qid]
        for ts, value in series.items():
            minute = int(ts.timestamp() // 60)
            slot = fields_by_minute[feature_name].setdefault(minute, {})
            slot[name] = slot.get(name, 0.0) + value
    return Views(
        views={
            name: CloudWatchView({m: Minute(**values) for m, values in per_minute.items()})
            for name, per_minute in fields_by_minute.items()
            if name not in incomplete
        },
        failed={
            name: f"IncompleteMetricData: {IncompleteMetricData(ids)}" for name, ids in incomplete.items()
        },
    )


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
