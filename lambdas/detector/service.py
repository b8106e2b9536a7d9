"""One detector run (every minute): read every feature's last hour and the account's alarm states, evaluate
each feature (pages.evaluate_feature), publish its page or resolved message, store its state. AWS clients
are passed in, so tests drive it on moto."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from core.contract import DETECTOR_FEATURE_FAILURES, ENVIRONMENT, NAMESPACE, feature_dimensions
from core.runtime_config import DeployEnvironment, load_runtime_config
from lambdas import own_metrics
from lambdas.detector import cloudwatch, pages, store
from lambdas.detector.model import LOOKBACK_MINUTES, DetectorSettings, FeatureSettings
from lambdas.evaluator.cloudwatch import CloudWatchUsage
from lambdas.own_metrics import MetricUnit

logger = Logger(child=True)


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
    errors: dict[str, str] = field(default_factory=dict)  # feature -> what failed this run
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
    """Evaluate the newest minute that has ended, each feature on its own: a failure (read, save or publish)
    is logged, reported in `errors` and counted in DetectorFeatureFailures, and the others still run. The
    save comes before the publish and is the claim on the message (lambdas.detector.store): a failed save
    sends nothing and the next run evaluates the minute again; a failed publish is carried to the next run."""
    minute = pages.epoch_minute(now.astimezone(UTC)) - 1
    result = RunResult(minute)
    features = settings.features
    if not features:
        return result
    fetched = cloudwatch.fetch_views(
        cw,
        deployment.namespace,
        settings.environment,
        features,
        settings.premium_models,
        minute - LOOKBACK_MINUTES + 1,
        minute,
    )
    result.errors.update(fetched.failed)
    try:
        stored = store.load_all(ddb, deployment.table_name, [f.name for f in features])
    except (ClientError, BotoCoreError) as error:  # no feature can run without its state
        stored = {}
        for f in features:
            result.errors.setdefault(f.name, f"state: {type(error).__name__}: {error}")
    alarm_states: dict[str, str] = {}
    if any(f.alarm_names for f in features):
        try:
            alarm_states = cloudwatch.alarm_states(cw, deployment.alarm_name_prefix)
        except (ClientError, BotoCoreError) as error:
            for f in features:
                if f.alarm_names and f.name not in result.errors:
                    result.errors[f.name] = f"alarm states: {type(error).__name__}: {error}"
    expires_at = int((now + timedelta(days=store.TTL_DAYS)).timestamp())
    for feature in features:
        if feature.name in result.errors:
            continue
        previous = stored[feature.name]
        if previous.minute is not None and previous.minute >= minute:
            result.skipped.append(feature.name)
            continue
        try:
            run_feature(
                settings,
                deployment,
                feature,
                previous,
                fetched.views[feature.name],
                alarm_states,
                minute,
                expires_at,
                cw,
                sns,
                ddb,
                result,
            )
        except Exception as error:  # one feature's failure must not stop the others
            result.errors[feature.name] = f"{type(error).__name__}: {error}"
    for name, failure in result.errors.items():
        logger.error("feature not evaluated", extra={"feature": name, "error": failure, "minute": minute})
    own_metrics.publish(
        [(ENVIRONMENT, settings.environment)],
        [(DETECTOR_FEATURE_FAILURES, MetricUnit.Count, float(len(result.errors)))],
        namespace=deployment.namespace,
        timestamp=now,
    )
    return result


def run_feature(
    settings: DetectorSettings,
    deployment: Deployment,
    feature: FeatureSettings,
    previous: store.Stored,
    view: cloudwatch.CloudWatchView,
    alarm_states: Mapping[str, str],
    minute: int,
    expires_at: int,
    cw: Any,
    sns: Any,
    ddb: Any,
    result: RunResult,
) -> None:
    """Evaluate, save (the claim), then publish what the item carried and this minute's message."""
    state = previous.state
    outcome = pages.evaluate_feature(
        settings,
        feature,
        state,
        view,
        minute,
        cloudwatch.in_alarm(feature, alarm_states),
        CloudWatchUsage(
            cw,
            deployment.namespace,
            feature_dimensions(settings.environment, feature.application, feature.name),
        ),
    )
    result.outcomes.append(outcome)
    if not store.save(ddb, deployment.table_name, feature.name, state, minute, expires_at):
        result.skipped.append(feature.name)  # another run saved this minute: it sends the messages
        return
    outbox = list(previous.unsent)
    if outcome.message is not None:
        outbox.append(store.Unsent(outcome.message.subject, outcome.message.body))
    for i, message in enumerate(outbox):
        try:
            response = sns.publish(
                TopicArn=deployment.topic_arn, Subject=message.subject, Message=message.body
            )
        except Exception as error:
            kept = store.keep_unsent(ddb, deployment.table_name, feature.name, minute, outbox[i:])
            raise RuntimeError(
                f"publish failed ({type(error).__name__}: {error}); "
                + (
                    f"{len(outbox) - i} message(s) kept for the next run"
                    if kept
                    else "a later run owns the item"
                )
            ) from error
        result.published[feature.name] = response["MessageId"]
