"""Every guardrail CloudWatch alarm as plain data, built from config: the one source of truth.

The CDK constructs (stacks/feature_alarms.py, stacks/account_alarms.py) turn these definitions into
`AWS::CloudWatch::Alarm` resources field by field, and the replay engine evaluates the same definitions
offline. This module must stay pure data: no aws_cdk import.

Per feature, CloudWatch holds the hard limits the config states (the rolling hour against
`hourly_limit_usd`, the rolling 24 hours against `daily_budget_usd`, and the optional tokens-per-request
ceiling). They have no actions: the detector (lambdas/detector) reads their state every minute and pages for
them, once per episode, alongside its own tests. Account-wide health alarms page the topic directly. See
docs/alarms.md for the math of each alarm and its limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TypedDict

from core import contract as c
from core.alarm_model import (
    MAX_DESCRIPTION_LENGTH,
    MAX_METRIC_STATS_PER_ALARM,
    AccountAlarmSet,
    AlarmDefinition,
    AlarmLimitError,
    CompositeAlarmDefinition,
    ExpressionQuery,
    MetricStatQuery,
    check_composite_limits,
    check_limits,
)
from core.config_model import Account, Feature, GuardrailsConfig
from core.naming import alarm_name
from core.runtime_config import NATIVE_FAMILY_KINDS

# Periods (seconds). Alarms use CloudWatch's default sliding evaluation window, so a 1-hour period
# re-evaluated every minute is a rolling hour and a 1-day period a rolling 24 hours.
HOUR = 3600
DAY = 86400
FIVE_MINUTES = 300
MINUTE = 60
# The detector runs every 1 to 5 minutes: these alarms page when it keeps failing (every 5 minutes of the
# last 10) or stops running (no run in 15 minutes).
DETECTOR_HEALTH_PERIODS = 2  # of FIVE_MINUTES, for errors
STALLED_PERIOD = 900


# ---- helpers --------------------------------------------------------------------------------------------


def _usd(value: Decimal | float) -> str:
    return f"${Decimal(str(value)):,.2f}"


def _num(value: float) -> str:
    return f"{value:g}"


def _runbook(url: str, anchor: str) -> str:
    return f"{url}#{anchor}"


def _feature_dims(environment: str, feature: Feature) -> tuple[tuple[str, str], ...]:
    return (("Environment", environment), ("Application", feature.application), ("Feature", feature.name))


def _describe(text: str, runbook: str) -> str:
    description = f"{text} Runbook: {runbook}"
    if len(description) > MAX_DESCRIPTION_LENGTH:  # keep the runbook link, shorten the prose
        description = f"{text[: MAX_DESCRIPTION_LENGTH - len(runbook) - 12]}… Runbook: {runbook}"
    return description


def _stat(
    qid: str, metric: str, dims: tuple[tuple[str, str], ...], period: int, stat: str = "Sum"
) -> MetricStatQuery:
    return MetricStatQuery(
        id=qid, metric_name=metric, dimensions=dims, stat=stat, period=period, label=metric
    )


# ---- per feature ----------------------------------------------------------------------------------------


class AlarmIdentity(TypedDict):
    key: str
    kind: str
    name: str


class FeatureAlarmCommon(TypedDict):
    subject: str
    application: str
    notify: bool


def feature_alarms(account: Account, feature: Feature, runbook_url: str) -> tuple[AlarmDefinition, ...]:
    """The CloudWatch alarms of one feature: its hard limits. No actions: the detector pages for them."""
    env = account.environment
    dims = _feature_dims(env, feature)
    who = f"Feature {feature.name} (application {feature.application}, environment {env})"
    common = FeatureAlarmCommon(subject=feature.name, application=feature.application, notify=False)
    paged = "The detector pages for it, once per episode."

    def identity(kind: str) -> AlarmIdentity:
        """key, kind and name of one of this feature's alarms, from its kind alone (they must agree)."""
        return AlarmIdentity(
            key=f"{feature.name}-{kind}", kind=kind, name=alarm_name(account.name, feature.name, kind)
        )

    def rolling_cost(
        kind: str, period: int, span: str, short_span: str, limit: str, amount: Decimal, anchor: str
    ) -> AlarmDefinition:
        """CostUSD summed over one sliding period (a rolling hour, a rolling 24 hours) above a limit."""
        return AlarmDefinition(
            **identity(kind),
            family="cost",
            description=_describe(
                f"{who}: Bedrock cost (CostUSD, Sum) over the last rolling {span} is above the {limit} of "
                f"{_usd(amount)}. {paged}",
                _runbook(runbook_url, anchor),
            ),
            queries=(
                MetricStatQuery(
                    id="cost",
                    metric_name="CostUSD",
                    dimensions=dims,
                    stat="Sum",
                    period=period,
                    label=f"CostUSD per rolling {short_span}",
                    return_data=True,
                ),
            ),
            comparison="GreaterThanThreshold",
            threshold=float(amount),
            evaluation_periods=1,
            datapoints_to_alarm=1,
            **common,
        )

    alarms: list[AlarmDefinition] = []
    off = set(feature.alarms.disabled)
    if "hourly_limit" not in off:
        alarms.append(
            rolling_cost(
                NATIVE_FAMILY_KINDS["hourly_limit"],
                HOUR,
                "hour",
                "hour",
                "hourly limit",
                feature.hourly_limit_usd,
                "cost-rate",
            )
        )
    if "daily_budget" not in off:
        # One 1-day period, evaluated on CloudWatch's sliding window = a rolling 24 hours.
        alarms.append(
            rolling_cost(
                NATIVE_FAMILY_KINDS["daily_budget"],
                DAY,
                "24 hours",
                "24 h",
                "daily budget",
                feature.daily_budget_usd,
                "daily-burn",
            )
        )
    if feature.alarms.tokens_per_request_max is not None:
        ceiling = feature.alarms.tokens_per_request_max
        alarms.append(
            AlarmDefinition(
                **identity(NATIVE_FAMILY_KINDS["tokens_ceiling"]),
                family="tokens",
                description=_describe(
                    f"{who}: tokens per request ((InputTokens + OutputTokens) / Invocations, 5 min) is "
                    f"above the ceiling of {ceiling:,} tokens. {paged}",
                    _runbook(runbook_url, "tokens-per-request"),
                ),
                queries=(
                    _stat("input", "InputTokens", dims, FIVE_MINUTES),
                    _stat("output", "OutputTokens", dims, FIVE_MINUTES),
                    _stat("calls", "Invocations", dims, FIVE_MINUTES),
                    ExpressionQuery(
                        id="tpr",
                        expression="(FILL(input, 0) + FILL(output, 0)) / calls",
                        label="Tokens per request",
                        return_data=True,
                    ),
                ),
                comparison="GreaterThanThreshold",
                threshold=float(ceiling),
                evaluation_periods=1,
                datapoints_to_alarm=1,
                **common,
            )
        )
    return tuple(alarms)


# ---- per account ----------------------------------------------------------------------------------------


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def account_alarms(
    account: Account,
    runbook_url: str,
    *,
    metering_function_name: str | None = None,
    dead_letter_queue_name: str | None = None,
    detector_function_name: str | None = None,
) -> tuple[AlarmDefinition, ...]:
    """Account-wide health alarms. The metering Lambda, DLQ and detector alarms exist only when their names
    are given (the CDK passes deploy-time tokens; an offline replay has none)."""
    env = account.environment
    who = f"Account {account.name} (environment {env})"
    apps = [*account.applications, c.UNATTRIBUTED]
    alarms: list[AlarmDefinition] = []
    common = {"family": "account_health", "subject": "account"}

    # Unattributed share: unattributed CostUSD / sum of every application's CostUSD, rolling hour.
    if len(apps) > MAX_METRIC_STATS_PER_ALARM:
        raise AlarmLimitError(
            f"account {account.name}: the unattributed-share alarm sums CostUSD over {len(apps)} "
            f"applications (including 'unattributed'); CloudWatch allows {MAX_METRIC_STATS_PER_ALARM} "
            "metrics per alarm: use "
            f"at most {MAX_METRIC_STATS_PER_ALARM - 1} applications per account"
        )
    app_queries = tuple(
        MetricStatQuery(
            id=f"app{i}",
            metric_name="CostUSD",
            dimensions=(("Environment", env), ("Application", app)),
            stat="Sum",
            period=HOUR,
            label=f"CostUSD {app}",
        )
        for i, app in enumerate(apps, start=1)
    )
    unattributed_id = app_queries[-1].id
    total = " + ".join(f"FILL({q.id}, 0)" for q in app_queries)
    share = account.alarms.unattributed_share_percent
    alarms.append(
        AlarmDefinition(
            key="UnattributedShare",
            kind="UnattributedShare",
            name=alarm_name(account.name, "account", "UnattributedShare"),
            description=_describe(
                f"{who}: Bedrock calls no attribution rule matched (feature 'unattributed') carry more than "
                f"{_num(share)}% of the account's cost over the last rolling hour.",
                _runbook(runbook_url, "unattributed-share"),
            ),
            queries=(
                *app_queries,
                ExpressionQuery(
                    id="share",
                    expression=f"100 * FILL({unattributed_id}, 0) / ({total})",
                    label="Unattributed share of cost (%)",
                    return_data=True,
                ),
            ),
            comparison="GreaterThanThreshold",
            threshold=float(share),
            evaluation_periods=1,
            datapoints_to_alarm=1,
            **common,  # type: ignore[arg-type]
        )
    )
    # Unpriced invocations > 0: summed over applications (10 per alarm; more applications, more alarms).
    for n, group in enumerate(_chunks(apps, MAX_METRIC_STATS_PER_ALARM), start=1):
        suffix = "" if n == 1 else f"{n}"
        queries = tuple(
            MetricStatQuery(
                id=f"app{i}",
                metric_name="UnpricedInvocations",
                dimensions=(("Environment", env), ("Application", app)),
                stat="Sum",
                period=FIVE_MINUTES,
                label=f"UnpricedInvocations {app}",
            )
            for i, app in enumerate(group, start=1)
        )
        alarms.append(
            AlarmDefinition(
                key=f"UnpricedInvocations{suffix}",
                kind=f"UnpricedInvocations{suffix}",
                name=alarm_name(account.name, "account", f"UnpricedInvocations{suffix}"),
                description=_describe(
                    f"{who}: UnpricedInvocations > 0 in 5 minutes (applications {', '.join(group)}): "
                    "calls to a model the price catalog lacks are metered in tokens but not in dollars.",
                    _runbook(runbook_url, "unpriced-invocations"),
                ),
                queries=(
                    *queries,
                    ExpressionQuery(
                        id="unpriced",
                        expression=" + ".join(f"FILL({q.id}, 0)" for q in queries),
                        label="Unpriced invocations",
                        return_data=True,
                    ),
                ),
                comparison="GreaterThanThreshold",
                threshold=0.0,
                evaluation_periods=1,
                datapoints_to_alarm=1,
                **common,  # type: ignore[arg-type]
            )
        )
    single: list[tuple[str, str, str, str, tuple[tuple[str, str], ...], str, str]] = [
        (
            "MalformedRecords",
            c.NAMESPACE,
            "MalformedRecords",
            "Sum",
            (("Environment", env),),
            "MalformedRecords > 0 in 5 minutes: invocation-log records the metering Lambda could not parse "
            "(their cost is not counted).",
            "malformed-records",
        ),
        (
            "InvocationLogDeliveryFailures",
            "AWS/Bedrock",
            "ModelInvocationLogsCloudWatchDeliveryFailure",
            "Sum",
            (),
            "Bedrock ModelInvocationLogsCloudWatchDeliveryFailure > 0 in 5 minutes: invocation logs are not "
            "reaching CloudWatch Logs, so nothing is metered.",
            "invocation-log-delivery-failures",
        ),
    ]
    if metering_function_name is not None:
        single.append(
            (
                "MeteringErrors",
                "AWS/Lambda",
                "Errors",
                "Sum",
                (("FunctionName", metering_function_name),),
                "the metering Lambda's Errors > 0 in 5 minutes: batches go to its dead-letter queue "
                "unmetered.",
                "metering-errors",
            )
        )
    if dead_letter_queue_name is not None:
        single.append(
            (
                "MeteringDlqDepth",
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "Maximum",
                (("QueueName", dead_letter_queue_name),),
                "the metering dead-letter queue holds messages (ApproximateNumberOfMessagesVisible > 0): "
                "failed batches wait to be replayed.",
                "metering-dead-letter-queue",
            )
        )
    if detector_function_name is not None:
        alarms.extend(_detector_health(account, runbook_url, detector_function_name, who))
    for kind, namespace, metric, stat, dims, text, anchor in single:
        alarms.append(
            AlarmDefinition(
                key=kind,
                kind=kind,
                name=alarm_name(account.name, "account", kind),
                description=_describe(f"{who}: {text}", _runbook(runbook_url, anchor)),
                queries=(
                    MetricStatQuery(
                        id="m",
                        metric_name=metric,
                        dimensions=dims,
                        stat=stat,
                        period=FIVE_MINUTES,
                        namespace=namespace,
                        label=metric,
                        return_data=True,
                    ),
                ),
                comparison="GreaterThanThreshold",
                threshold=0.0,
                evaluation_periods=1,
                datapoints_to_alarm=1,
                **common,  # type: ignore[arg-type]
            )
        )
    return tuple(alarms)


def _detector_health(account: Account, runbook_url: str, function: str, who: str) -> list[AlarmDefinition]:
    """The detector pages for every feature: these page directly when it stops running or keeps failing."""
    dims = (("FunctionName", function),)
    window = f"{DETECTOR_HEALTH_PERIODS * FIVE_MINUTES // 60} minutes"
    every = account.alarms.detector_every_minutes
    out = []
    for kind, metric, comparison, threshold, missing, period, periods, text in (
        (
            "DetectorErrors",
            "Errors",
            "GreaterThanThreshold",
            0.0,
            "notBreaching",
            FIVE_MINUTES,
            DETECTOR_HEALTH_PERIODS,
            f"the detector Lambda failed in every 5 minutes of the last {window}: features are not watched",
        ),
        (
            "DetectorStalled",
            "Invocations",
            "LessThanThreshold",
            1.0,
            "breaching",
            STALLED_PERIOD,
            1,
            f"the detector Lambda has not run for {STALLED_PERIOD // 60} minutes (it runs every {every} "
            "minute(s)): features are not watched",
        ),
    ):
        out.append(
            AlarmDefinition(
                key=kind,
                kind=kind,
                name=alarm_name(account.name, "account", kind),
                family="account_health",
                subject="account",
                description=_describe(f"{who}: {text}.", _runbook(runbook_url, "detector-health")),
                queries=(
                    MetricStatQuery(
                        id="m",
                        metric_name=metric,
                        dimensions=dims,
                        stat="Sum",
                        period=period,
                        namespace="AWS/Lambda",
                        label=metric,
                        return_data=True,
                    ),
                ),
                comparison=comparison,  # type: ignore[arg-type]
                threshold=threshold,
                evaluation_periods=periods,
                datapoints_to_alarm=periods,
                treat_missing_data=missing,  # type: ignore[arg-type]
            )
        )
    return out


def build_alarm_set(
    config: GuardrailsConfig,
    account: Account,
    *,
    metering_function_name: str | None = None,
    dead_letter_queue_name: str | None = None,
    detector_function_name: str | None = None,
) -> AccountAlarmSet:
    """Every alarm of one account, checked against CloudWatch's limits."""
    runbook = config.notifications.runbook_url
    alarms: list[AlarmDefinition] = []
    composites: list[CompositeAlarmDefinition] = []
    for feature in account.features:
        alarms.extend(feature_alarms(account, feature, runbook))
    alarms.extend(
        account_alarms(
            account,
            runbook,
            metering_function_name=metering_function_name,
            dead_letter_queue_name=dead_letter_queue_name,
            detector_function_name=detector_function_name,
        )
    )
    for alarm in alarms:
        check_limits(alarm)
    for composite in composites:
        check_composite_limits(composite)
    names = [a.name for a in alarms] + [c.name for c in composites]
    if len(set(names)) != len(names):
        raise AlarmLimitError(f"account {account.name}: alarm names repeat")
    return AccountAlarmSet(
        account=account.name,
        environment=account.environment,
        alarms=tuple(alarms),
        composites=tuple(composites),
    )
