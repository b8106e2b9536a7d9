"""One evaluator run: per feature, month-to-date and forecast, metrics, and (on a new threshold crossing)
one SNS message explaining the change. AWS clients are passed in, so tests drive it on moto. (Pages for
the alarms are the detector's: lambdas/detector.)"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from aws_lambda_powertools import Logger

from core.contract import ENVIRONMENT, EVALUATOR_FEATURE_FAILURES, NAMESPACE
from core.runtime_config import DeployEnvironment, RuntimeConfig, load_runtime_config
from lambdas import own_metrics
from lambdas.evaluator import budget, change, cloudwatch, explain
from lambdas.evaluator.change import Explanation
from lambdas.evaluator.decomposition import Weights
from lambdas.evaluator.state import NotificationState
from lambdas.own_metrics import MetricUnit

BUCKET_SECONDS = 300
SUBJECT_MAX = 100
STATE_RETENTION = timedelta(days=35)  # after the month ends

logger = Logger(child=True)


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
    status: budget.BudgetStatus | None  # None when its cost could not be read this run
    crossed: list[str] = field(default_factory=list)
    notified: list[str] = field(default_factory=list)
    message_id: str | None = None
    error: str | None = None


def bucket_start(ts: datetime) -> datetime:
    """The start of the 5-minute bucket `ts` falls in."""
    ts = ts.replace(second=0, microsecond=0)
    return ts - timedelta(minutes=ts.minute % (BUCKET_SECONDS // 60))


def windows(now: datetime) -> tuple[datetime, datetime, str]:
    """The current window (start, end) and its label: today since midnight UTC (or the last 24 h in the
    first hour of a day), in 5-minute buckets."""
    end = bucket_start(now)
    midnight = end.replace(hour=0, minute=0)
    if end - midnight >= timedelta(hours=1):
        return midnight, end, "today"
    return end - timedelta(hours=24), end, "in the last 24 h"


def explain_feature(cw: Any, settings: Settings, feature: FeatureBudget, now: datetime) -> Explanation:
    start, end, label = windows(now)
    source = cloudwatch.CloudWatchUsage(cw, settings.namespace, feature_dims(settings, feature))
    return change.explain_change(
        source,
        feature.name,
        start,
        end,
        premium_models=settings.premium_models,
        weights=lambda m: catalog_weights(m, settings.region),
        current_label=label,
    )


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


def evaluate(
    now: datetime, settings: Settings, cw: Any, sns: Any, dynamodb: Any, run_id: str
) -> list[FeatureResult]:
    """One run over every feature; each feature is isolated (`evaluate_feature`): a failure is logged,
    reported in its result's `error` and counted in EvaluatorFeatureFailures, and the others still run."""
    now = now.astimezone(UTC)
    results: list[FeatureResult] = []
    points: list[tuple[tuple[tuple[str, str], ...], float, float, float]] = []
    for feature in settings.features:
        result = evaluate_feature(now, settings, feature, cw, sns, dynamodb, run_id)
        results.append(result)
        if result.status is not None:
            dims = feature_dims(settings, feature)
            points.append(
                (
                    dims,
                    result.status.used_percent,
                    result.status.forecast_usd,
                    result.status.month_to_date_usd,
                )
            )
    if points:
        cloudwatch.publish_budget_metrics(settings.namespace, points, now)
    own_metrics.publish(
        [(ENVIRONMENT, settings.environment)],
        [(EVALUATOR_FEATURE_FAILURES, MetricUnit.Count, float(sum(1 for r in results if r.error)))],
        namespace=settings.namespace,
        timestamp=now,
    )
    return results


def evaluate_feature(
    now: datetime,
    settings: Settings,
    feature: FeatureBudget,
    cw: Any,
    sns: Any,
    dynamodb: Any,
    run_id: str,
) -> FeatureResult:
    """Read the feature's cost, and on a threshold crossing nobody claimed yet: explain, claim, publish,
    mark (lambdas.evaluator.state). Data CloudWatch reports incomplete skips the feature this run rather
    than computing a budget percent from a short sum; the next run reads it again."""
    result = FeatureResult(feature.name, None)
    state = NotificationState(dynamodb, settings.table_name)
    stamp = int(now.timestamp())
    claimed: list[str] = []
    try:
        history_start = min(budget.month_start(now), now - timedelta(days=budget.RUN_RATE_DAYS)).replace(
            minute=0, second=0, microsecond=0
        )
        costs = cloudwatch.hourly_cost(
            cw, settings.namespace, feature_dims(settings, feature), history_start, now
        )
        status = result.status = budget.budget_status(costs, now, feature.monthly_budget_usd)
        hits = budget.crossed(status, settings.thresholds)
        result.crossed = [t.key for t in hits]
        period = budget.period_key(now)
        due = [t for t in hits if state.is_open(f"{feature.name}#{period}#{t.key}", stamp)]
        if not due:
            return result
        explanation = explain_feature(cw, settings, feature, now)
        expires_at = int((budget.month_end(now) + STATE_RETENTION).timestamp())
        claimed_thresholds = [
            t for t in due if state.claim(f"{feature.name}#{period}#{t.key}", run_id, stamp, expires_at)
        ]
        claimed = [f"{feature.name}#{period}#{t.key}" for t in claimed_thresholds]
        if not claimed:
            return result
        try:
            response = sns.publish(
                TopicArn=settings.topic_arn,
                Subject=subject(settings, feature, status),
                Message=message(settings, feature, status, claimed_thresholds, explanation),
            )
        except Exception:  # nothing was sent: release, so the next run notifies this crossing again
            for key in claimed:
                state.release(key, run_id)
            raise
        result.message_id = response["MessageId"]
        result.notified = [t.key for t in claimed_thresholds]
        for key in claimed:  # a failure here leaves the claim: the next run finalizes it, never re-sends
            state.mark_notified(key, run_id, stamp, result.message_id)
    except Exception as error:  # one feature's failure must not stop the others
        result.error = f"{type(error).__name__}: {error}"
        logger.exception(
            "feature not evaluated",
            extra={"feature": feature.name, "claimed": claimed, "notified": result.notified},
        )
    return result
