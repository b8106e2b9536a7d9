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
    ExpressionQuery,
    MetricStatQuery,
    check_limits,
)
from core.config_model import Account, Feature, GuardrailsConfig
from core.naming import alarm_name
from core.runtime_config import NATIVE_FAMILY_KINDS
from core.service_health import service_health_alarms

# Periods (seconds). Alarms use CloudWatch's default sliding evaluation window, so a 1-hour period
# re-evaluated every minute is a rolling hour and a 1-day period a rolling 24 hours.
HOUR = 3600
DAY = 86400
FIVE_MINUTES = 300
MINUTE = 60


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


def account_alarms(account: Account, runbook_url: str) -> tuple[AlarmDefinition, ...]:
    """Account-wide alarms on the metered data (unattributed share, unpriced and malformed records). The
    guardrail's own health (Lambda errors, the heartbeat, ...) is in core.service_health."""
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
    # The estimate against the bill (lambdas/reconcile): the worst model's error, one data point a day stamped
    # at the reconciled day's 00:00 UTC and published about 39 hours later, so two daily periods keep it in
    # the alarm's look-back.
    if account.pricing.reconcile.enabled:
        tolerance = account.pricing.reconcile_tolerance_percent
        alarms.append(
            AlarmDefinition(
                key="EstimateOffBill",
                kind="EstimateOffBill",
                name=alarm_name(account.name, "account", "EstimateOffBill"),
                description=_describe(
                    f"{who}: a model's metered cost differed from the bill (Cost Explorer) by more than "
                    f"{tolerance}% yesterday; the notification names the model and usage types.",
                    _runbook(runbook_url, "estimate-off-the-bill"),
                ),
                queries=(
                    MetricStatQuery(
                        id="m",
                        metric_name=c.ESTIMATE_ERROR_WORST_MODEL,
                        dimensions=((c.ENVIRONMENT, env),),
                        stat="Maximum",
                        period=DAY,
                        label=c.ESTIMATE_ERROR_WORST_MODEL,
                        return_data=True,
                    ),
                ),
                comparison="GreaterThanThreshold",
                threshold=float(tolerance),
                evaluation_periods=2,
                datapoints_to_alarm=1,
                **common,  # type: ignore[arg-type]
            )
        )
    # Malformed records: invocation-log records metering could not read (their cost is not counted).
    alarms.append(
        AlarmDefinition(
            key="MalformedRecords",
            kind="MalformedRecords",
            name=alarm_name(account.name, "account", "MalformedRecords"),
            description=_describe(
                f"{who}: MalformedRecords > 0 in 5 minutes: invocation-log records the metering Lambda could "
                "not parse (their cost is not counted).",
                _runbook(runbook_url, "malformed-records"),
            ),
            queries=(
                MetricStatQuery(
                    id="m",
                    metric_name=c.MALFORMED,
                    dimensions=((c.ENVIRONMENT, env),),
                    stat="Sum",
                    period=FIVE_MINUTES,
                    label=c.MALFORMED,
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


def build_alarm_set(config: GuardrailsConfig, account: Account) -> AccountAlarmSet:
    """Every alarm of one account, checked against CloudWatch's limits."""
    runbook = config.notifications.runbook_url
    alarms: list[AlarmDefinition] = []
    for feature in account.features:
        alarms.extend(feature_alarms(account, feature, runbook))
    alarms.extend(account_alarms(account, runbook))
    health = service_health_alarms(account, runbook)
    for alarm in alarms:
        check_limits(alarm)
    names = [a.name for a in alarms] + [h.name for h in health]
    if len(set(names)) != len(names):
        raise AlarmLimitError(f"account {account.name}: alarm names repeat")
    return AccountAlarmSet(
        account=account.name,
        environment=account.environment,
        alarms=tuple(alarms),
        service_health=health,
    )
