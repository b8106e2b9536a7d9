"""Every guardrail alarm as plain data, built from config: the one source of truth.

The CDK constructs (stacks/feature_alarms.py, stacks/account_alarms.py) turn these definitions into
`AWS::CloudWatch::Alarm` / `AWS::CloudWatch::CompositeAlarm` resources field by field, and the replay
engine evaluates the same definitions offline. This module must stay pure data: no aws_cdk import.

Field names follow the CloudWatch API (`PutMetricAlarm` / `MetricDataQuery`) so that a definition maps
1:1 onto the synthesized template. See docs/alarms.md for the math of each alarm and its limits.
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
    Family,
    MetricStatQuery,
    Query,
    check_composite_limits,
    check_limits,
)
from core.config_model import Account, Feature, GuardrailsConfig
from core.naming import alarm_name
from core.service_health import service_health_alarms

# Periods (seconds). Alarms use CloudWatch's default sliding evaluation window, so a 1-hour period
# re-evaluated every minute is a rolling hour and a 1-day period a rolling 24 hours.
HOUR = 3600
DAY = 86400
FIVE_MINUTES = 300
# CostBurst's sliding window; 60 must divide by it (the projection factor is 60 // BURST_MINUTES).
BURST_MINUTES = 5
MINUTE = 60

# Fast alarms (see docs/alarms.md "Detection within minutes"). Ratios over a minute of a handful of calls
# are noise, so the 1-minute ratio alarms only count minutes with at least MIN_CALLS_PER_MINUTE invocations
# (metric math IF; a guarded-out minute is no datapoint, or 0 for the static thresholds, never breaching).
MIN_CALLS_PER_MINUTE = 5
TPR_PERIODS, TPR_DATAPOINTS = 4, 3  # tokens-per-request anomaly: 3 of 4 one-minute datapoints
THROTTLE_PERIODS, THROTTLE_DATAPOINTS = 3, 2  # throttle ratio: 2 of 3 one-minute datapoints
# The 5-minute premium-share alarm only counts windows whose spend is material: at least this fraction of
# the feature's hourly limit when projected to an hour (12 x the 5-minute CostUSD).
MODEL_MIX_MIN_SHARE_OF_HOURLY_LIMIT = 0.10
# Traffic anomaly: Invocations per minute above its anomaly band in TRAFFIC_DATAPOINTS of TRAFFIC_PERIODS
# minutes, counting only minutes whose spend, projected to an hour (60 x the minute's CostUSD), is at least
# TRAFFIC_MIN_SHARE_OF_HOURLY_LIMIT of the hourly limit: a surge of cheap calls is not a cost event.
TRAFFIC_PERIODS, TRAFFIC_DATAPOINTS = 4, 3
TRAFFIC_MIN_SHARE_OF_HOURLY_LIMIT = 0.25


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


def _above_band_alarm(
    *,
    inputs: tuple[Query, ...],
    watched: ExpressionQuery,
    band_label: str,
    width: float,
    periods: int,
    datapoints: int,
    key: str,
    kind: str,
    name: str,
    family: Family,
    description: str,
    subject: str,
    application: str,
    notify: bool,
) -> AlarmDefinition:
    """An anomaly-detection alarm: `watched` above ANOMALY_DETECTION_BAND(watched, width), M of N periods."""
    band = ExpressionQuery(
        id="band",
        expression=f"ANOMALY_DETECTION_BAND({watched.id}, {_num(width)})",
        label=band_label,
        return_data=True,
    )
    return AlarmDefinition(
        queries=(*inputs, watched, band),
        comparison="GreaterThanUpperThreshold",
        threshold=None,
        threshold_metric_id=band.id,
        evaluation_periods=periods,
        datapoints_to_alarm=datapoints,
        key=key,
        kind=kind,
        name=name,
        family=family,
        description=description,
        subject=subject,
        application=application,
        notify=notify,
    )


class AlarmIdentity(TypedDict):
    key: str
    kind: str
    name: str


class FeatureAlarmCommon(TypedDict):
    subject: str
    application: str
    notify: bool


def feature_alarms(
    account: Account, feature: Feature, runbook_url: str
) -> tuple[tuple[AlarmDefinition, ...], CompositeAlarmDefinition]:
    """The alarms of one feature (cost, traffic, tokens, model mix, throttles), and the composite that pages
    for all of them."""
    env = account.environment
    dims = _feature_dims(env, feature)
    who = f"Feature {feature.name} (application {feature.application}, environment {env})"
    common = FeatureAlarmCommon(subject=feature.name, application=feature.application, notify=False)

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
                f"{_usd(amount)}.",
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

    # Cost rate: CostUSD summed over a rolling hour.
    alarms.append(
        rolling_cost("CostRate", HOUR, "hour", "hour", "hourly limit", feature.hourly_limit_usd, "cost-rate")
    )
    # Cost burst: the hourly rate projected from the last BURST_MINUTES (60 // BURST_MINUTES x CostUSD over a
    # sliding window) above the same hourly limit. The rolling-hour CostRate needs ~half an hour of 3x growth
    # to cross; this one sees a surge once its rate is past the limit (TrafficAnomaly sees it sooner).
    alarms.append(
        AlarmDefinition(
            **identity("CostBurst"),
            family="cost",
            description=_describe(
                f"{who}: Bedrock cost over the last {BURST_MINUTES} minutes, projected to an hour "
                f"({60 // BURST_MINUTES} x CostUSD Sum, {BURST_MINUTES} min), is above the hourly limit of "
                f"{_usd(feature.hourly_limit_usd)}.",
                _runbook(runbook_url, "cost-burst"),
            ),
            queries=(
                _stat("cost", "CostUSD", dims, BURST_MINUTES * 60),
                ExpressionQuery(
                    id="hourly",
                    expression=f"{60 // BURST_MINUTES} * FILL(cost, 0)",
                    label=f"CostUSD per hour, projected from {BURST_MINUTES} min",
                    return_data=True,
                ),
            ),
            comparison="GreaterThanThreshold",
            threshold=float(feature.hourly_limit_usd),
            evaluation_periods=1,
            datapoints_to_alarm=1,
            **common,
        )
    )
    # Traffic anomaly: more calls than this hour usually sees. CostBurst fires only once the surge has
    # crossed the hourly limit; this one names the surge while it is still on its way there.
    traffic_floor = float(feature.hourly_limit_usd) * TRAFFIC_MIN_SHARE_OF_HOURLY_LIMIT / 60
    traffic_band = feature.alarms.traffic_band_width
    alarms.append(
        _above_band_alarm(
            **identity("TrafficAnomaly"),
            family="traffic",
            description=_describe(
                f"{who}: invocations per minute are above their anomaly-detection band of "
                f"{_num(traffic_band)} standard deviations in {TRAFFIC_DATAPOINTS} of {TRAFFIC_PERIODS} "
                f"minutes, counting minutes whose cost projects to at least {_usd(traffic_floor * 60)} an "
                f"hour ({_num(TRAFFIC_MIN_SHARE_OF_HOURLY_LIMIT * 100)}% of the hourly limit).",
                _runbook(runbook_url, "traffic"),
            ),
            inputs=(_stat("calls", "Invocations", dims, MINUTE), _stat("cost", "CostUSD", dims, MINUTE)),
            watched=ExpressionQuery(
                id="traffic",
                expression=f"IF(FILL(cost, 0) >= {_num(round(traffic_floor, 6))}, calls)",
                label="Invocations per minute",
                return_data=True,
            ),
            band_label="Expected invocations per minute",
            width=traffic_band,
            periods=TRAFFIC_PERIODS,
            datapoints=TRAFFIC_DATAPOINTS,
            **common,
        )
    )
    # Daily burn: one 1-day period, evaluated on CloudWatch's sliding window = a rolling 24 hours.
    alarms.append(
        rolling_cost(
            "DailyBurn", DAY, "24 hours", "24 h", "daily budget", feature.daily_budget_usd, "daily-burn"
        )
    )
    # Tokens per request: (InputTokens + OutputTokens) / Invocations. The anomaly alarm works per minute,
    # M of N, on minutes with at least MIN_CALLS_PER_MINUTE calls (others are no datapoint); the static
    # ceiling keeps its 5-minute window.
    tpr_expression = "(FILL(input, 0) + FILL(output, 0)) / calls"
    tpr_queries: tuple[Query, ...] = (
        _stat("input", "InputTokens", dims, FIVE_MINUTES),
        _stat("output", "OutputTokens", dims, FIVE_MINUTES),
        _stat("calls", "Invocations", dims, FIVE_MINUTES),
    )
    fast_tpr_queries: tuple[Query, ...] = (
        _stat("input", "InputTokens", dims, MINUTE),
        _stat("output", "OutputTokens", dims, MINUTE),
        _stat("calls", "Invocations", dims, MINUTE),
    )
    guarded_tpr = f"IF(calls >= {MIN_CALLS_PER_MINUTE}, {tpr_expression})"
    band = feature.alarms.anomaly_band_width
    alarms.append(
        _above_band_alarm(
            **identity("TokensPerRequestAnomaly"),
            family="tokens",
            description=_describe(
                f"{who}: tokens per request ((InputTokens + OutputTokens) / Invocations, 1 min, minutes with "
                f"at least {MIN_CALLS_PER_MINUTE} calls) is above its anomaly-detection band of {_num(band)} "
                f"standard deviations in {TPR_DATAPOINTS} of {TPR_PERIODS} minutes.",
                _runbook(runbook_url, "tokens-per-request"),
            ),
            inputs=fast_tpr_queries,
            watched=ExpressionQuery(
                id="tpr", expression=guarded_tpr, label="Tokens per request", return_data=True
            ),
            band_label="Expected tokens per request",
            width=band,
            periods=TPR_PERIODS,
            datapoints=TPR_DATAPOINTS,
            **common,
        )
    )
    if feature.alarms.tokens_per_request_max is not None:
        ceiling = feature.alarms.tokens_per_request_max
        alarms.append(
            AlarmDefinition(
                **identity("TokensPerRequestMax"),
                family="tokens",
                description=_describe(
                    f"{who}: tokens per request ((InputTokens + OutputTokens) / Invocations, 5 min) is "
                    f"above the ceiling of {ceiling:,} tokens.",
                    _runbook(runbook_url, "tokens-per-request"),
                ),
                queries=(
                    *tpr_queries,
                    ExpressionQuery(
                        id="tpr", expression=tpr_expression, label="Tokens per request", return_data=True
                    ),
                ),
                comparison="GreaterThanThreshold",
                threshold=float(ceiling),
                evaluation_periods=1,
                datapoints_to_alarm=1,
                **common,
            )
        )
    # Model mix: premium models' share of the feature's cost over a sliding 5 minutes, counted only when
    # those 5 minutes' spend projects to at least MODEL_MIX_MIN_SHARE_OF_HOURLY_LIMIT of the hourly limit.
    premium = list(dict.fromkeys(account.pricing.premium_models))
    if premium:
        if len(premium) > MAX_METRIC_STATS_PER_ALARM - 1:
            raise AlarmLimitError(
                f"account {account.name}: {len(premium)} premium models; the model-mix alarm sums one "
                "CostUSD metric per premium model plus the feature total, and CloudWatch allows "
                f"{MAX_METRIC_STATS_PER_ALARM} metrics per alarm: list at most "
                f"{MAX_METRIC_STATS_PER_ALARM - 1}"
            )
        model_queries = tuple(
            MetricStatQuery(
                id=f"premium{i}",
                metric_name="CostUSD",
                dimensions=(*dims, ("Model", model)),
                stat="Sum",
                period=FIVE_MINUTES,
                label=f"CostUSD {model}",
            )
            for i, model in enumerate(premium, start=1)
        )
        summed = " + ".join(f"FILL({q.id}, 0)" for q in model_queries)
        share = feature.alarms.premium_share_percent
        floor = float(feature.hourly_limit_usd) * MODEL_MIX_MIN_SHARE_OF_HOURLY_LIMIT / 12
        alarms.append(
            AlarmDefinition(
                **identity("ModelMix"),
                family="model_mix",
                description=_describe(
                    f"{who}: premium models ({', '.join(premium)}) carry more than {_num(share)}% of the "
                    f"feature's cost over the last 5 minutes (windows costing at least {_usd(floor)}, i.e. "
                    f"{_num(MODEL_MIX_MIN_SHARE_OF_HOURLY_LIMIT * 100)}% of the hourly limit when projected "
                    "to an hour).",
                    _runbook(runbook_url, "model-mix"),
                ),
                queries=(
                    *model_queries,
                    _stat("total", "CostUSD", dims, FIVE_MINUTES),
                    ExpressionQuery(
                        id="share",
                        expression=(
                            f"IF(FILL(total, 0) >= {_num(round(floor, 6))}, 100 * ({summed}) / total, 0)"
                        ),
                        label="Premium share of cost (%)",
                        return_data=True,
                    ),
                ),
                comparison="GreaterThanThreshold",
                threshold=float(share),
                evaluation_periods=1,
                datapoints_to_alarm=1,
                **common,
            )
        )
    # Retries / throttles: ThrottledInvocations / Invocations over 5 minutes.
    throttle = feature.alarms.throttle_percent
    alarms.append(
        AlarmDefinition(
            **identity("ThrottleRate"),
            family="throttles",
            description=_describe(
                f"{who}: throttled invocations are more than {_num(throttle)}% of invocations "
                f"(ThrottledInvocations / Invocations, 1 min, minutes with at least {MIN_CALLS_PER_MINUTE} "
                f"calls) in {THROTTLE_DATAPOINTS} of {THROTTLE_PERIODS} minutes.",
                _runbook(runbook_url, "throttles-and-retries"),
            ),
            queries=(
                _stat("throttled", "ThrottledInvocations", dims, MINUTE),
                _stat("calls", "Invocations", dims, MINUTE),
                ExpressionQuery(
                    id="rate",
                    expression=(
                        f"IF(FILL(calls, 0) >= {MIN_CALLS_PER_MINUTE}, 100 * FILL(throttled, 0) / calls, 0)"
                    ),
                    label="Throttled (%)",
                    return_data=True,
                ),
            ),
            comparison="GreaterThanThreshold",
            threshold=float(throttle),
            evaluation_periods=THROTTLE_PERIODS,
            datapoints_to_alarm=THROTTLE_DATAPOINTS,
            **common,
        )
    )
    children = tuple(a.name for a in alarms)
    rule = " OR ".join(f'ALARM("{name}")' for name in children)
    composite = CompositeAlarmDefinition(
        key=f"{feature.name}-Composite",
        subject=feature.name,
        name=alarm_name(account.name, feature.name, "Composite"),
        description=_describe(
            f"{who}: one page for any of its cost alarms: hourly limit "
            f"{_usd(feature.hourly_limit_usd)} (rolling hour, and {BURST_MINUTES} minutes projected to an "
            f"hour), daily budget {_usd(feature.daily_budget_usd)}, tokens per request"
            + (
                f" (ceiling {feature.alarms.tokens_per_request_max:,})"
                if feature.alarms.tokens_per_request_max
                else ""
            )
            + (f", premium share {_num(feature.alarms.premium_share_percent)}%" if premium else "")
            + f", throttles {_num(throttle)}%. The alarm reason names the child alarm that fired.",
            _runbook(runbook_url, "feature-composite"),
        ),
        children=children,
        rule=rule,
    )
    return tuple(alarms), composite


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
    composites: list[CompositeAlarmDefinition] = []
    for feature in account.features:
        children, composite = feature_alarms(account, feature, runbook)
        alarms.extend(children)
        composites.append(composite)
    alarms.extend(account_alarms(account, runbook))
    health = service_health_alarms(account, runbook)
    for alarm in alarms:
        check_limits(alarm)
    for composite in composites:
        check_composite_limits(composite)
    names = [a.name for a in alarms] + [c.name for c in composites] + [h.name for h in health]
    if len(set(names)) != len(names):
        raise AlarmLimitError(f"account {account.name}: alarm names repeat")
    return AccountAlarmSet(
        account=account.name,
        environment=account.environment,
        alarms=tuple(alarms),
        composites=tuple(composites),
        service_health=health,
    )
