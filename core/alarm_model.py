"""The alarm model: one `AWS::CloudWatch::Alarm` as plain data, and CloudWatch's limits.

`core.alarm_definitions` builds these from config; the CDK constructs synthesize them field by field; the
replay engine evaluates the very same objects. Field names follow the CloudWatch API (`PutMetricAlarm`,
`MetricDataQuery`), so a definition maps 1:1 onto a template and back (`from_template_alarm`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from core import contract as c

# CloudWatch limits (PutMetricAlarm API reference).
MAX_METRIC_STATS_PER_ALARM = 10  # MetricDataQuery structures with a MetricStat
MAX_EXPRESSIONS_PER_ALARM = 10  # MetricDataQuery structures with an Expression
MAX_ALARM_NAME_LENGTH = 255
MAX_DESCRIPTION_LENGTH = 1024
MAX_PERIOD_TIMES_EVALUATIONS = 7 * 86400  # Period x EvaluationPeriods for periods of 1 h or more
HOUR = 3600

Comparison = Literal[
    "GreaterThanThreshold",
    "GreaterThanOrEqualToThreshold",
    "LessThanThreshold",
    "LessThanOrEqualToThreshold",
    "GreaterThanUpperThreshold",
    "LessThanLowerThreshold",
    "LessThanLowerOrGreaterThanUpperThreshold",
]
TreatMissingData = Literal["notBreaching", "breaching", "ignore", "missing"]
Family = Literal["cost", "tokens", "account_health"]
ACCOUNT_SUBJECT = "account"


class AlarmLimitError(ValueError):
    """The config asks for an alarm CloudWatch cannot hold (too many metrics in one expression, ...)."""


@dataclass(frozen=True)
class MetricStatQuery:
    """A `MetricDataQuery` with a `MetricStat`: one metric, one statistic over one period."""

    id: str
    metric_name: str
    dimensions: c.Dimensions
    stat: str
    period: int
    namespace: str = c.NAMESPACE
    label: str = ""
    return_data: bool = False


@dataclass(frozen=True)
class ExpressionQuery:
    """A `MetricDataQuery` with a metric-math `Expression` over the other queries' ids."""

    id: str
    expression: str
    label: str
    return_data: bool = False


Query = MetricStatQuery | ExpressionQuery


@dataclass(frozen=True)
class AlarmDefinition:
    """One metric alarm. `threshold` is None for anomaly-detection alarms (`threshold_metric_id` set)."""

    key: str  # unique within the account, used as the construct id
    family: Family
    subject: str  # feature name, or "account"
    kind: str
    name: str
    description: str
    queries: tuple[Query, ...]
    comparison: Comparison
    threshold: float | None
    evaluation_periods: int
    datapoints_to_alarm: int
    threshold_metric_id: str | None = None
    treat_missing_data: TreatMissingData = "notBreaching"
    # Account alarms page the topic directly; feature alarms have no actions: the detector reads their state
    # and pages once per episode (lambdas/detector).
    notify: bool = True
    application: str | None = None

    @property
    def metric_stats(self) -> tuple[MetricStatQuery, ...]:
        return tuple(q for q in self.queries if isinstance(q, MetricStatQuery))

    @property
    def expressions(self) -> tuple[ExpressionQuery, ...]:
        return tuple(q for q in self.queries if isinstance(q, ExpressionQuery))

    @property
    def period(self) -> int:
        return self.metric_stats[0].period

    @property
    def feature(self) -> str | None:
        """The feature this alarm watches; None for an account-wide alarm."""
        return None if self.subject == ACCOUNT_SUBJECT else self.subject

    @property
    def replayable(self) -> bool:
        """Only GenAI/Cost metrics come out of invocation logs; AWS/Bedrock, AWS/Lambda, AWS/SQS do not."""
        return all(q.namespace == c.NAMESPACE for q in self.metric_stats)

    @property
    def watched(self) -> Query:
        """The query whose value is compared with the threshold (or with the anomaly band)."""
        returned = [q for q in self.queries if q.return_data and q.id != self.threshold_metric_id]
        return returned[0]


# What a health metric is about: one of the guardrail's resources, or Bedrock itself.
Source = Literal["metering", "evaluator", "detector", "price_refresh", "dead_letter_queue", "bedrock"]


@dataclass(frozen=True)
class ServiceMetric:
    id: str
    source: Source
    metric_name: str
    statistic: str


@dataclass(frozen=True)
class ServiceHealthAlarm:
    """One alarm on AWS-published metrics; `expression` combines the metrics by id (None: the one metric)."""

    key: str
    kind: str
    name: str
    description: str
    metrics: tuple[ServiceMetric, ...]
    threshold: float
    expression: str | None = None
    period: int = 300
    comparison: Comparison = "GreaterThanThreshold"
    evaluation_periods: int = 1
    datapoints_to_alarm: int = 1
    treat_missing_data: TreatMissingData = "notBreaching"


@dataclass(frozen=True)
class AccountAlarmSet:
    """Everything alarmed in one account, in deployment order."""

    account: str
    environment: str
    alarms: tuple[AlarmDefinition, ...]
    # Alarms on AWS-published metrics of the guardrail's own resources (core.service_health).
    service_health: tuple[ServiceHealthAlarm, ...] = field(default=())

    def family(self, family: Family) -> tuple[AlarmDefinition, ...]:
        return tuple(a for a in self.alarms if a.family == family)

    def names(self) -> list[str]:
        """Every alarm name: alarms on metered data, then the guardrail's own health alarms."""
        return [a.name for a in self.alarms] + [h.name for h in self.service_health]

    def names_by_feature(self) -> dict[str, list[str]]:
        """Feature -> the names of its alarms."""
        out: dict[str, list[str]] = {}
        for each in self.alarms:
            if each.feature is not None:
                out.setdefault(each.feature, []).append(each.name)
        return out


def check_limits(alarm: AlarmDefinition) -> None:
    """Raise AlarmLimitError when a definition breaks a CloudWatch limit."""
    if len(alarm.metric_stats) > MAX_METRIC_STATS_PER_ALARM:
        raise AlarmLimitError(
            f"{alarm.name}: {len(alarm.metric_stats)} metrics in one alarm; CloudWatch allows "
            f"{MAX_METRIC_STATS_PER_ALARM}"
        )
    if len(alarm.expressions) > MAX_EXPRESSIONS_PER_ALARM:
        raise AlarmLimitError(f"{alarm.name}: more than {MAX_EXPRESSIONS_PER_ALARM} expressions")
    if len(alarm.name) > MAX_ALARM_NAME_LENGTH:
        raise AlarmLimitError(f"{alarm.name[:60]}...: alarm name longer than {MAX_ALARM_NAME_LENGTH}")
    if len(alarm.description) > MAX_DESCRIPTION_LENGTH:
        raise AlarmLimitError(f"{alarm.name}: description longer than {MAX_DESCRIPTION_LENGTH}")
    periods = {q.period for q in alarm.metric_stats}
    if len(periods) != 1:
        raise AlarmLimitError(f"{alarm.name}: every metric of an alarm must share one period, got {periods}")
    if alarm.period >= HOUR and alarm.period * alarm.evaluation_periods > MAX_PERIOD_TIMES_EVALUATIONS:
        raise AlarmLimitError(f"{alarm.name}: period x evaluation periods exceeds 7 days")
    ids = [q.id for q in alarm.queries]
    if len(set(ids)) != len(ids):
        raise AlarmLimitError(f"{alarm.name}: repeated query ids {ids}")
    returned = [q for q in alarm.queries if q.return_data]
    expected = 2 if alarm.threshold_metric_id else 1
    if len(returned) != expected:
        raise AlarmLimitError(f"{alarm.name}: {len(returned)} queries return data, expected {expected}")
    if not 1 <= alarm.datapoints_to_alarm <= alarm.evaluation_periods:
        raise AlarmLimitError(f"{alarm.name}: datapoints_to_alarm must be within 1..evaluation_periods")


# ---- the template round trip ----------------------------------------------------------------------------


def _dimensions(raw: Any) -> c.Dimensions:
    return tuple((str(d["Name"]), str(d["Value"])) for d in raw or ())


def from_template_alarm(props: Mapping[str, Any]) -> AlarmDefinition:
    """An ``AWS::CloudWatch::Alarm`` resource's Properties as a definition (names must be plain strings).

    What a template does not carry (key, family, subject, application) is left empty: compare definitions
    with ``signature``.
    """
    queries: list[Query] = []
    if "Metrics" in props:
        for m in props["Metrics"]:
            stat = m.get("MetricStat")
            if stat is not None:
                metric = stat["Metric"]
                queries.append(
                    MetricStatQuery(
                        id=m["Id"],
                        metric_name=metric["MetricName"],
                        namespace=metric.get("Namespace", ""),
                        dimensions=_dimensions(metric.get("Dimensions")),
                        stat=stat["Stat"],
                        period=int(stat["Period"]),
                        return_data=bool(m.get("ReturnData", True)),
                        label=m.get("Label", ""),
                    )
                )
            else:
                queries.append(
                    ExpressionQuery(
                        id=m["Id"],
                        expression=m["Expression"],
                        return_data=bool(m.get("ReturnData", True)),
                        label=m.get("Label", ""),
                    )
                )
    else:
        queries.append(
            MetricStatQuery(
                id="m1",
                metric_name=props["MetricName"],
                namespace=props.get("Namespace", ""),
                dimensions=_dimensions(props.get("Dimensions")),
                stat=props.get("Statistic") or props.get("ExtendedStatistic") or "Sum",
                period=int(props["Period"]),
                return_data=True,
            )
        )
    evaluation = int(props["EvaluationPeriods"])
    threshold = props.get("Threshold")
    return AlarmDefinition(
        key="",
        family="cost",
        subject="",
        kind="",
        name=str(props.get("AlarmName", "")),
        description=str(props.get("AlarmDescription", "")),
        queries=tuple(queries),
        comparison=props["ComparisonOperator"],
        threshold=None if threshold is None else float(threshold),
        evaluation_periods=evaluation,
        datapoints_to_alarm=int(props.get("DatapointsToAlarm", evaluation)),
        threshold_metric_id=props.get("ThresholdMetricId"),
        treat_missing_data=props.get("TreatMissingData", "missing"),
    )


def signature(alarm: AlarmDefinition) -> dict[str, Any]:
    """What must agree between a definition and its template: thresholds, periods, expressions, M of N."""
    return {
        "comparison": alarm.comparison,
        "threshold": alarm.threshold,
        "threshold_metric_id": alarm.threshold_metric_id,
        "evaluation_periods": alarm.evaluation_periods,
        "datapoints_to_alarm": alarm.datapoints_to_alarm,
        "treat_missing_data": alarm.treat_missing_data,
        "description": alarm.description,
        "queries": sorted(
            (
                q.id,
                q.metric_name if isinstance(q, MetricStatQuery) else "",
                q.namespace if isinstance(q, MetricStatQuery) else "",
                tuple(sorted(q.dimensions)) if isinstance(q, MetricStatQuery) else (),
                q.stat if isinstance(q, MetricStatQuery) else "",
                q.period if isinstance(q, MetricStatQuery) else 0,
                " ".join(q.expression.split()) if isinstance(q, ExpressionQuery) else "",
                q.return_data,
            )
            for q in alarm.queries
        ),
    }


def _template_query(query: Query) -> dict[str, Any]:
    """One `MetricDataQuery` as CloudFormation writes it (what CfnAlarm renders for the same fields)."""
    if isinstance(query, ExpressionQuery):
        return {
            "Id": query.id,
            "Expression": query.expression,
            "Label": query.label,
            "ReturnData": query.return_data,
        }
    metric: dict[str, Any] = {"Namespace": query.namespace, "MetricName": query.metric_name}
    if query.dimensions:
        metric["Dimensions"] = [{"Name": k, "Value": v} for k, v in query.dimensions]
    out: dict[str, Any] = {
        "Id": query.id,
        "MetricStat": {"Metric": metric, "Period": query.period, "Stat": query.stat},
        "ReturnData": query.return_data,
    }
    if query.label:
        out["Label"] = query.label
    return out


def to_template_alarm(alarm: AlarmDefinition, topic: Any) -> dict[str, Any]:
    """The ``AWS::CloudWatch::Alarm`` Properties of a definition (inverse of ``from_template_alarm``);
    `topic` is the notification topic's ARN or a reference to it, used when the alarm pages."""
    props: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "Metrics": [_template_query(q) for q in alarm.queries],
        "ComparisonOperator": alarm.comparison,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "TreatMissingData": alarm.treat_missing_data,
        "ActionsEnabled": True,
    }
    if alarm.threshold is not None:
        props["Threshold"] = alarm.threshold
    if alarm.threshold_metric_id is not None:
        props["ThresholdMetricId"] = alarm.threshold_metric_id
    if alarm.notify:
        props["AlarmActions"] = [topic]
        props["OKActions"] = [topic]
    return props
