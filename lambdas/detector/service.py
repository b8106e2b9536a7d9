"""One detector run (every minute): read every feature's last hour and the account's alarm states, evaluate
each feature (pages.evaluate_feature), publish its page or resolved message, store its state. AWS clients
are passed in, so tests drive it on moto."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from core.contract import NAMESPACE, feature_dimensions
from core.runtime_config import DeployEnvironment, load_runtime_config
from lambdas.detector import cloudwatch, pages, store
from lambdas.detector.model import LOOKBACK_MINUTES, DetectorSettings
from lambdas.evaluator.cloudwatch import CloudWatchUsage


@dataclass(frozen=True)
class Deployment:
    topic_arn: str
    table_name: str
    alarm_name_prefix: str
    namespace: str = NAMESPACE


@dataclass
class RunResult:
    minute: int  # the newest minute evaluated (epoch minutes)
    outcomes: list[pages.Outcome] = field(default_factory=list)
    published: dict[str, str] = field(default_factory=dict)  # feature -> SNS message id
    errors: dict[str, str] = field(default_factory=dict)  # feature -> what failed (state not stored)
    skipped: list[str] = field(default_factory=list)  # features another run already evaluated


def load(environ: Mapping[str, str] | None = None) -> tuple[DetectorSettings, Deployment]:
    env = DeployEnvironment.from_environ(environ)
    runtime = load_runtime_config(environ=environ)
    settings = DetectorSettings.from_runtime(runtime, env.region)
    deployment = Deployment(
        topic_arn=env.require("topic_arn"),
        table_name=env.require("state_table"),
        alarm_name_prefix=runtime.evaluator.alarm_name_prefix,
    )
    return settings, deployment


def run(
    now: datetime, settings: DetectorSettings, deployment: Deployment, cw: Any, sns: Any, ddb: Any
) -> RunResult:
    """Evaluate the newest minute that has ended. A feature whose message fails to publish keeps its old
    state, so the next run evaluates and sends it again."""
    minute = pages.epoch_minute(now.astimezone(UTC)) - 1
    result = RunResult(minute)
    features = settings.features
    if not features:
        return result
    views = cloudwatch.fetch_views(
        cw,
        deployment.namespace,
        settings.environment,
        features,
        settings.premium_models,
        minute - LOOKBACK_MINUTES + 1,
        minute,
    )
    states = store.load(ddb, deployment.table_name, [f.name for f in features])
    alarm_states: dict[str, str] = {}
    if any(f.alarm_names for f in features):
        alarm_states = cloudwatch.alarm_states(cw, deployment.alarm_name_prefix)
    expires_at = int((now + timedelta(days=store.TTL_DAYS)).timestamp())
    for feature in features:
        state, last = states[feature.name]
        if last is not None and last >= minute:
            result.skipped.append(feature.name)
            continue
        try:
            outcome = pages.evaluate_feature(
                settings,
                feature,
                state,
                views[feature.name],
                minute,
                cloudwatch.in_alarm(feature, alarm_states),
                CloudWatchUsage(
                    cw,
                    deployment.namespace,
                    feature_dimensions(settings.environment, feature.application, feature.name),
                ),
            )
            result.outcomes.append(outcome)
            if outcome.message is not None:
                response = sns.publish(
                    TopicArn=deployment.topic_arn,
                    Subject=outcome.message.subject,
                    Message=outcome.message.body,
                )
                result.published[feature.name] = response["MessageId"]
        except Exception as error:  # one feature's failure must not stop the others
            result.errors[feature.name] = f"{type(error).__name__}: {error}"
            continue
        if not store.save(ddb, deployment.table_name, feature.name, state, minute, expires_at):
            result.skipped.append(feature.name)
    return result
