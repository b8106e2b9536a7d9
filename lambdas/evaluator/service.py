"""One evaluator run: per feature, month-to-date and forecast, metrics, and (on a new threshold crossing)
one SNS message explaining the change. AWS clients are passed in, so tests drive it on moto."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from core.contract import NAMESPACE
from core.runtime_config import DeployEnvironment, RuntimeConfig, load_runtime_config
from lambdas.evaluator import alarms, budget, cloudwatch, explain
from lambdas.evaluator.decomposition import Usage, Weights, decompose
from lambdas.evaluator.state import NotificationState

BUCKET_SECONDS = 300
COMPARE_DAYS = 7
SUBJECT_MAX = 100
STATE_RETENTION = timedelta(days=35)  # after the month ends
# Alarm follow-ups explain the minutes since just before the page (15 minutes at least, an hour at most).
ALARM_WINDOW_MIN = timedelta(minutes=15)
ALARM_WINDOW_MAX = timedelta(hours=1)
ALARM_LEAD = timedelta(minutes=5)  # the drift starts a few minutes before the alarm sees it
ALARM_STATE_RETENTION = timedelta(days=2)


@dataclass(frozen=True)
class FeatureBudget:
    name: str
    application: str
    monthly_budget_usd: float


@dataclass(frozen=True)
class Settings:
    account: str
    environment: str
    features: tuple[FeatureBudget, ...]
    thresholds: tuple[budget.Threshold, ...]
    premium_models: tuple[str, ...]
    runbook_url: str
    topic_arn: str
    table_name: str
    region: str = "us-east-1"
    alarm_name_prefix: str = ""  # empty: no alarm follow-ups
    namespace: str = NAMESPACE

    @classmethod
    def from_runtime_config(
        cls, runtime: RuntimeConfig, *, topic_arn: str, table_name: str, region: str
    ) -> Settings:
        return cls(
            account=runtime.account,
            environment=runtime.environment,
            features=tuple(
                FeatureBudget(f.name, f.application, float(f.monthly_budget_usd)) for f in runtime.features
            ),
            thresholds=tuple(budget.Threshold(a.percent, a.type) for a in runtime.evaluator.notify_at),
            premium_models=runtime.pricing.premium_models,
            runbook_url=runtime.evaluator.runbook_url,
            topic_arn=topic_arn,
            table_name=table_name,
            region=region,
            alarm_name_prefix=runtime.evaluator.alarm_name_prefix,
        )


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = DeployEnvironment.from_environ(environ)
    return Settings.from_runtime_config(
        load_runtime_config(environ=environ),
        topic_arn=env.require("topic_arn"),
        table_name=env.require("state_table"),
        region=env.region,
    )


@lru_cache(maxsize=256)
def catalog_weights(model: str, region: str) -> Weights:
    """Token prices relative to input, from the bundled price catalog; typical ratios when it lacks the model
    (they only split the tokens part into input and output; the total stays exact)."""
    try:
        from lambdas.pricing.catalog import PriceCatalog

        card = PriceCatalog.load().rates(model, region, "in_region") or PriceCatalog.load().rates(
            model, region, "geo"
        )
    except Exception:  # a missing or unreadable catalog must not stop the evaluator
        card = None
    if card is None or not card.input:
        return Weights()
    base = float(card.input)
    default = Weights()
    return Weights(
        output=float(card.output) / base if card.output is not None else default.output,
        cache_read=float(card.cache_read) / base if card.cache_read is not None else default.cache_read,
        cache_write=float(card.cache_write) / base if card.cache_write is not None else default.cache_write,
    )


@dataclass
class FeatureResult:
    feature: str
    status: budget.BudgetStatus
    crossed: list[str] = field(default_factory=list)
    notified: list[str] = field(default_factory=list)
    message_id: str | None = None
    error: str | None = None
    alarm_message_id: str | None = None  # the follow-up to a page of this feature's composite alarm


@dataclass(frozen=True)
class Explanation:
    summary: str
    body: dict[str, Any]


def bucket_start(ts: datetime) -> datetime:
    """The start of the 5-minute bucket `ts` falls in."""
    ts = ts.replace(second=0, microsecond=0)
    return ts - timedelta(minutes=ts.minute % (BUCKET_SECONDS // 60))


def windows(now: datetime) -> tuple[datetime, datetime, str, str]:
    """The current window (start, end) and its labels: today since midnight UTC (or the last 24 h in the
    first hour of a day), against the same span a week earlier."""
    end = bucket_start(now)
    midnight = end.replace(hour=0, minute=0)
    week_ago = end - timedelta(days=COMPARE_DAYS)
    if end - midnight >= timedelta(hours=1):
        return midnight, end, "today", f"last {week_ago:%A}"
    return end - timedelta(hours=24), end, "in the last 24 h", "in the same 24 h a week earlier"


def alarm_window(now: datetime, since: datetime) -> tuple[datetime, datetime, str, str]:
    """From just before the page to now (5-minute buckets, 15 minutes to an hour), against a week earlier."""
    end = bucket_start(now)
    start = bucket_start(max(min(since - ALARM_LEAD, end - ALARM_WINDOW_MIN), end - ALARM_WINDOW_MAX))
    minutes = int((end - start).total_seconds() // 60)
    return start, end, f"in the {minutes} min to {end:%H:%M} UTC", "the same window a week earlier"


def explain_feature(
    cw: Any,
    settings: Settings,
    feature: FeatureBudget,
    now: datetime,
    window: tuple[datetime, datetime, str, str] | None = None,
) -> Explanation:
    dims = feature_dims(settings, feature)
    start, end, current_label, base_label = window or windows(now)
    models = cloudwatch.feature_models(cw, settings.namespace, dims)
    delta = timedelta(days=COMPARE_DAYS)
    current = cloudwatch.usage_buckets(cw, settings.namespace, dims, models, start, end, BUCKET_SECONDS)
    base = cloudwatch.usage_buckets(
        cw, settings.namespace, dims, models, start - delta, end - delta, BUCKET_SECONDS
    )
    after, before = cloudwatch.window_usage(current), cloudwatch.window_usage(base)
    result = decompose(before, after, lambda m: catalog_weights(m, settings.region))
    ranked = explain.drivers(result, before, after, settings.premium_models)
    since = None
    top = next((d for d in ranked if not d.unchanged), None)
    if top is not None and top.before is not None and top.after is not None and top.factor != "price":
        _, mix = explain.mix_models(before, after, settings.premium_models)
        times = sorted(current)
        buckets = [(t, current[t]) for t in times]
        base_buckets: list[Mapping[str, Usage]] = [base.get(t - delta, {}) for t in times]
        since = explain.change_point(top.factor, buckets, base_buckets, top.before, top.after, mix)
    text = explain.summary(feature.name, result, ranked, current_label, base_label, since)
    body = {
        "current_window": {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "cost_usd": round(result.after, 2),
        },
        "comparison_window": {
            "start": (start - delta).isoformat(),
            "end": (end - delta).isoformat(),
            "cost_usd": round(result.before, 2),
        },
        "change_usd": round(result.change, 2),
        "method": "LMDI-I (log-mean Divisia) over traffic x retries x model mix x tokens/request x price; "
        "contributions add up to change_usd",
        "since": None if since is None else since.isoformat(),
        "drivers": [d.as_dict() for d in ranked],
    }
    return Explanation(text, body)


def feature_dims(settings: Settings, feature: FeatureBudget) -> tuple[tuple[str, str], ...]:
    return (
        ("Environment", settings.environment),
        ("Application", feature.application),
        ("Feature", feature.name),
    )


def subject(settings: Settings, feature: FeatureBudget, status: budget.BudgetStatus) -> str:
    text = (
        f"GenAI cost {settings.environment}/{feature.name}: {status.used_percent:.0f}% of monthly budget, "
        f"forecast {status.forecast_percent:.0f}%"
    )
    return text.encode("ascii", "replace").decode()[:SUBJECT_MAX]


def prices_label() -> str:
    """The catalog metering priced with (as_of and source), so a reader knows how current the dollars are."""
    try:
        from lambdas.pricing.catalog_source import catalog_label, current_catalog

        return catalog_label(current_catalog())
    except Exception:  # the label is informative only: it must never stop a notification
        return "prices: unknown catalog"


def message(
    settings: Settings,
    feature: FeatureBudget,
    status: budget.BudgetStatus,
    thresholds: Sequence[budget.Threshold],
    explanation: Explanation,
) -> str:
    crossed = ", ".join(t.describe() for t in thresholds)
    document = {
        "summary": explanation.summary,
        "alert": f"{feature.name} crossed {crossed} of its monthly budget of "
        f"{explain.usd(status.budget_usd)}",
        "account": settings.account,
        "environment": settings.environment,
        "application": feature.application,
        "feature": feature.name,
        "thresholds": [{"percent": t.percent, "type": t.type} for t in thresholds],
        "month_to_date_usd": round(status.month_to_date_usd, 2),
        "forecast_usd": round(status.forecast_usd, 2),
        "monthly_budget_usd": round(status.budget_usd, 2),
        "budget_used_percent": round(status.used_percent, 1),
        "forecast_percent": round(status.forecast_percent, 1),
        "run_rate_usd_per_day": round(status.run_rate_usd_per_day, 2),
        "explanation": explanation.body,
        "runbook": f"{settings.runbook_url}#budget-threshold-notifications" if settings.runbook_url else None,
        "prices": prices_label(),
    }
    return json.dumps(document, indent=2)


def alarm_subject(settings: Settings, firing: alarms.FiringFeature) -> str:
    text = (
        f"GenAI cost alarm {settings.environment}/{firing.feature}: {', '.join(firing.firing) or 'Composite'}"
    )
    return text.encode("ascii", "replace").decode()[:SUBJECT_MAX]


def alarm_message(
    settings: Settings, feature: FeatureBudget, firing: alarms.FiringFeature, explanation: Explanation
) -> str:
    document = {
        "summary": explanation.summary,
        "alert": f"{feature.name}: {', '.join(firing.firing) or 'its composite alarm'} in ALARM since "
        f"{firing.since:%Y-%m-%d %H:%M} UTC",
        "account": settings.account,
        "environment": settings.environment,
        "application": feature.application,
        "feature": feature.name,
        "alarm": firing.composite,
        "firing": list(firing.alarms),
        "in_alarm_since": firing.since.isoformat(),
        "explanation": explanation.body,
        "runbook": f"{settings.runbook_url}#feature-composite" if settings.runbook_url else None,
        "prices": prices_label(),
    }
    return json.dumps(document, indent=2)


def notify_alarms(
    now: datetime,
    settings: Settings,
    cw: Any,
    sns: Any,
    state: NotificationState,
    run_id: str,
    results: Mapping[str, FeatureResult],
) -> None:
    """The follow-up to each page: once per ALARM episode of a feature's composite alarm, say which guardrail
    fired and why cost changed. The page itself is the composite's own SNS action (it does not wait for
    this run); a failed follow-up is released and retried by the next run while the alarm lasts."""
    by_name = {f.name: f for f in settings.features}
    expires_at = int((now + ALARM_STATE_RETENTION).timestamp())
    for firing in alarms.firing_features(cw, settings.alarm_name_prefix, by_name):
        feature, result = by_name[firing.feature], results[firing.feature]
        key = f"{feature.name}#alarm#{firing.since:%Y-%m-%dT%H:%M:%S}"
        if not state.claim(key, run_id, int(now.timestamp()), expires_at):
            continue
        try:
            explanation = explain_feature(cw, settings, feature, now, alarm_window(now, firing.since))
            response = sns.publish(
                TopicArn=settings.topic_arn,
                Subject=alarm_subject(settings, firing),
                Message=alarm_message(settings, feature, firing, explanation),
            )
        except Exception as error:  # release: the next run sends this follow-up again
            state.release(key, run_id)
            result.error = f"{type(error).__name__}: {error}"
            continue
        result.alarm_message_id = response["MessageId"]
        state.mark_notified(key, run_id, int(now.timestamp()), response["MessageId"])


def evaluate(
    now: datetime, settings: Settings, cw: Any, sns: Any, dynamodb: Any, run_id: str
) -> list[FeatureResult]:
    """One run over every feature. A feature whose notification fails keeps no mark and is reported in
    `error`; the others still run."""
    now = now.astimezone(UTC)
    state = NotificationState(dynamodb, settings.table_name)
    period = budget.period_key(now)
    expires_at = int((budget.month_end(now) + STATE_RETENTION).timestamp())
    history_start = min(budget.month_start(now), now - timedelta(days=budget.RUN_RATE_DAYS)).replace(
        minute=0, second=0, microsecond=0
    )
    results: list[FeatureResult] = []
    points: list[tuple[tuple[tuple[str, str], ...], float, float, float]] = []
    for feature in settings.features:
        dims = feature_dims(settings, feature)
        costs = cloudwatch.hourly_cost(cw, settings.namespace, dims, history_start, now)
        status = budget.budget_status(costs, now, feature.monthly_budget_usd)
        points.append((dims, status.used_percent, status.forecast_usd, status.month_to_date_usd))
        result = FeatureResult(feature.name, status)
        results.append(result)
        hits = budget.crossed(status, settings.thresholds)
        result.crossed = [t.key for t in hits]
        claimed = [
            t
            for t in hits
            if state.claim(f"{feature.name}#{period}#{t.key}", run_id, int(now.timestamp()), expires_at)
        ]
        if not claimed:
            continue
        keys = [f"{feature.name}#{period}#{t.key}" for t in claimed]
        try:
            explanation = explain_feature(cw, settings, feature, now)
            response = sns.publish(
                TopicArn=settings.topic_arn,
                Subject=subject(settings, feature, status),
                Message=message(settings, feature, status, claimed, explanation),
            )
        except Exception as error:  # release: the next run notifies this crossing again
            for key in keys:
                state.release(key, run_id)
            result.error = f"{type(error).__name__}: {error}"
            continue
        result.message_id = response["MessageId"]
        for key in keys:
            state.mark_notified(key, run_id, int(now.timestamp()), result.message_id)
        result.notified = [t.key for t in claimed]
    if points:
        cloudwatch.put_budget_metrics(cw, settings.namespace, points, now)
    if settings.alarm_name_prefix:
        notify_alarms(now, settings, cw, sns, state, run_id, {r.feature: r for r in results})
    return results
