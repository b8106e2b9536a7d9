"""The replay engine's view of an alarm: the fields of ``AWS::CloudWatch::Alarm`` it evaluates.

Field names follow CloudWatch's ``PutMetricAlarm`` API (and so the synthesized template), so an alarm can be
built from the stacks' pure-data alarm definitions or read straight back from a template
(``from_template_alarm``), and the two compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

NOT_BREACHING = "notBreaching"
BREACHING = "breaching"
IGNORE = "ignore"
MISSING = "missing"


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """One entry of an alarm's ``Metrics``: a metric stat or a metric math expression."""

    id: str
    metric_name: str | None = None  # set for a metric stat
    namespace: str = "GenAI/Cost"
    dimensions: Mapping[str, str] = field(default_factory=dict)
    stat: str = "Sum"
    period: int = 60  # seconds
    expression: str | None = None  # set for a metric math expression
    return_data: bool = False
    label: str = ""


@dataclass(frozen=True, slots=True)
class AlarmDef:
    """A metric alarm (single metric, metric math, or anomaly detection band)."""

    name: str
    metrics: tuple[MetricQuery, ...]
    comparison: (
        str  # GreaterThanThreshold, ..., GreaterThanUpperThreshold, LessThanLowerOrGreaterThanUpper...
    )
    evaluation_periods: int
    datapoints_to_alarm: int
    treat_missing_data: str = NOT_BREACHING
    threshold: float | None = None
    threshold_metric_id: str | None = None  # the ANOMALY_DETECTION_BAND expression's id
    feature: str | None = None  # None: account-level
    application: str | None = None
    family: str = ""  # cost-rate, daily-burn, tokens-per-request, tokens-ceiling, model-mix, throttles, ...
    description: str = ""
    replayable: bool = True  # False: its metric is not produced by invocation logs (Lambda errors, DLQ, ...)

    @property
    def period(self) -> int:
        periods = {m.period for m in self.metrics if m.metric_name is not None}
        return max(periods) if periods else 60


@dataclass(frozen=True, slots=True)
class CompositeDef:
    name: str
    rule: str  # e.g. ALARM("a") OR ALARM("b")
    feature: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class AlarmSet:
    alarms: tuple[AlarmDef, ...]
    composites: tuple[CompositeDef, ...] = ()
    source: str = ""  # where the definitions came from


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def from_template_alarm(props: Mapping[str, Any]) -> AlarmDef:
    """An ``AWS::CloudWatch::Alarm`` resource's Properties as an AlarmDef (names must be plain strings)."""
    metrics: list[MetricQuery] = []
    if "Metrics" in props:
        for m in props["Metrics"]:
            stat = m.get("MetricStat")
            if stat is not None:
                metric = stat["Metric"]
                metrics.append(
                    MetricQuery(
                        id=m["Id"],
                        metric_name=metric["MetricName"],
                        namespace=metric.get("Namespace", ""),
                        dimensions={d["Name"]: d["Value"] for d in metric.get("Dimensions", [])},
                        stat=stat["Stat"],
                        period=int(stat["Period"]),
                        return_data=bool(m.get("ReturnData", True)),
                        label=m.get("Label", ""),
                    )
                )
            else:
                metrics.append(
                    MetricQuery(
                        id=m["Id"],
                        expression=m["Expression"],
                        period=int(m.get("Period", 60)),
                        return_data=bool(m.get("ReturnData", True)),
                        label=m.get("Label", ""),
                    )
                )
    else:
        metrics.append(
            MetricQuery(
                id="m1",
                metric_name=props["MetricName"],
                namespace=props.get("Namespace", ""),
                dimensions={d["Name"]: d["Value"] for d in props.get("Dimensions", [])},
                stat=props.get("Statistic") or props.get("ExtendedStatistic") or "Sum",
                period=int(props["Period"]),
                return_data=True,
            )
        )
    evaluation = int(props["EvaluationPeriods"])
    return AlarmDef(
        name=str(props.get("AlarmName", "")),
        metrics=tuple(metrics),
        comparison=props["ComparisonOperator"],
        evaluation_periods=evaluation,
        datapoints_to_alarm=int(props.get("DatapointsToAlarm", evaluation)),
        treat_missing_data=props.get("TreatMissingData", MISSING),
        threshold=_num(props.get("Threshold")),
        threshold_metric_id=props.get("ThresholdMetricId"),
        description=str(props.get("AlarmDescription", "")),
    )


def signature(alarm: AlarmDef) -> dict[str, Any]:
    """What must agree between replay and the template: thresholds, periods, expressions, M of N."""
    return {
        "comparison": alarm.comparison,
        "threshold": alarm.threshold,
        "threshold_metric_id": alarm.threshold_metric_id,
        "evaluation_periods": alarm.evaluation_periods,
        "datapoints_to_alarm": alarm.datapoints_to_alarm,
        "treat_missing_data": alarm.treat_missing_data,
        "metrics": sorted(
            (
                m.id,
                m.metric_name or "",
                tuple(sorted(m.dimensions.items())),
                m.stat if m.metric_name else "",
                m.period if m.metric_name else 0,
                " ".join((m.expression or "").split()),
                m.return_data,
            )
            for m in alarm.metrics
        ),
    }


def from_definition(definition: Any) -> AlarmDef:
    """A ``stacks.alarm_definitions.AlarmDefinition`` as an AlarmDef (field for field, nothing re-derived)."""
    period = definition.period
    metrics: list[MetricQuery] = []
    for q in definition.queries:
        if getattr(q, "metric_name", None) is not None:
            metrics.append(
                MetricQuery(
                    id=q.id,
                    metric_name=q.metric_name,
                    namespace=q.namespace,
                    dimensions=dict(q.dimensions),
                    stat=q.stat,
                    period=int(q.period),
                    return_data=bool(q.return_data),
                    label=q.label,
                )
            )
        else:
            metrics.append(
                MetricQuery(
                    id=q.id,
                    expression=q.expression,
                    period=period,
                    return_data=bool(q.return_data),
                    label=q.label,
                )
            )
    namespaces = {m.namespace for m in metrics if m.metric_name is not None}
    return AlarmDef(
        name=definition.name,
        metrics=tuple(metrics),
        comparison=definition.comparison,
        evaluation_periods=int(definition.evaluation_periods),
        datapoints_to_alarm=int(definition.datapoints_to_alarm),
        treat_missing_data=definition.treat_missing_data,
        threshold=None if definition.threshold is None else float(definition.threshold),
        threshold_metric_id=definition.threshold_metric_id,
        feature=None if definition.subject == "account" else definition.subject,
        application=definition.application,
        family=str(definition.kind),
        description=definition.description,
        # Only GenAI/Cost metrics come out of invocation logs; AWS/Bedrock, AWS/Lambda, AWS/SQS do not.
        replayable=namespaces <= {"GenAI/Cost"},
    )


def alarm_set_for(config: Any, account: Any) -> AlarmSet:
    """The account's alarms from the stacks' own definitions (``stacks.alarm_definitions``)."""
    from stacks.alarm_definitions import build_alarm_set

    built = build_alarm_set(config, account)
    composites = tuple(
        CompositeDef(name=c.name, rule=c.rule, feature=c.subject, description=c.description)
        for c in built.composites
    )
    return AlarmSet(
        alarms=tuple(from_definition(a) for a in built.alarms),
        composites=composites,
        source="stacks.alarm_definitions.build_alarm_set",
    )
