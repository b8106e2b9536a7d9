"""The detector Lambda's service on moto (CloudWatch, SNS read back through SQS, DynamoDB), against replay.

Replay meters simulated records (lateness off, so both sides see the same final metrics) and finds the
minute support-chat pages for a prompt change. The metrics the Lambda reads at that minute (the last hour,
and the explanation's windows today and the day before) go into moto's CloudWatch, the detector's state of
the minute before into moto's DynamoDB; the Lambda's run then publishes its page, and its body must be
replay's byte for byte. Then: a page is sent once per minute evaluated, never twice; a failed publish is
carried to the next run, a failed save sends nothing; one feature's throttled or partial read costs only that
feature its run; partial data is followed to its last page.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
import yaml
from moto import mock_aws

from cli.replay import runner
from cli.replay.metering import (
    COST,
    CR,
    CW,
    FAILED,
    INP,
    INV,
    MINUTE_MS,
    OUT,
    THROTTLED,
    build_meter,
    meter_messages,
)
from cli.replay.readers import iter_messages
from cli.replay.simulate import DEFAULT_START, drift, simulate
from config.loader import parse_config
from core.runtime_config import build_runtime_config
from lambdas.detector import service, store
from lambdas.detector.model import DetectorSettings, FeatureState
from tests.unit.aws_faults import emf_metrics, inject, throttled

# The replayed minutes are in the past: Powertools warns that CloudWatch would drop a metric stamped then.
pytestmark = pytest.mark.filterwarnings("ignore:This metric doesn't meet the requirements:UserWarning")
ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"
FEATURE = "support-chat"
SLOT_METRICS = {
    "Invocations": INV,
    "FailedInvocations": FAILED,
    "ThrottledInvocations": THROTTLED,
    "InputTokens": INP,
    "OutputTokens": OUT,
    "CacheReadInputTokens": CR,
    "CacheWriteInputTokens": CW,
    "CostUSD": COST,
}


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One feature of the example's prod account, two days at 8 calls a minute, output tokens doubled from
    day 1 14:05; replayed with lateness off. The page, its minute and the state the minute before."""
    data = yaml.safe_load((ROOT / "config" / "example.yaml").read_text())
    prod = data["accounts"][0]
    prod["features"] = [f for f in prod["features"] if f["name"] == FEATURE]
    data["accounts"] = [prod]
    config = parse_config(data)
    account = config.account("prod")
    logs = tmp_path_factory.mktemp("moto") / "logs.jsonl"
    at = 1440 + 14 * 60 + 5
    simulate(
        config,
        account,
        2,
        9,
        logs,
        volumes={FEATURE: 8.0},
        drifts=[drift("prompt_change", FEATURE, at, DEFAULT_START, "")],
    )
    metered = meter_messages(build_meter(config, account), iter_messages([logs]), lateness=False)
    settings = DetectorSettings.from_runtime(build_runtime_config(config, account), REGION)
    start = int(DEFAULT_START.timestamp() * 1000)
    minutes = at + 30  # the page comes within minutes of the drift
    pages = [m for m in runner.run_detector(metered, settings, start, minutes, {}) if m.kind == "page"]
    page = next(p for p in pages if p.minute_ms >= start + at * MINUTE_MS)
    minute = page.minute_ms // MINUTE_MS
    states: dict[str, FeatureState] = {}
    runner.run_detector(metered, settings, start, minute - start // MINUTE_MS, {}, states=states)
    return {"store": metered, "settings": settings, "page": page, "minute": minute, "state": states[FEATURE]}


class World:
    def __init__(self) -> None:
        self.cw = boto3.client("cloudwatch", region_name=REGION)
        self.sns = boto3.client("sns", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.ddb = boto3.client("dynamodb", region_name=REGION)
        self.topic = self.sns.create_topic(Name="guardrails")["TopicArn"]
        self.queue = self.sqs.create_queue(QueueName="inbox")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        self.sns.subscribe(
            TopicArn=self.topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"}
        )
        self.ddb.create_table(
            TableName="state",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.deployment = service.Deployment(self.topic, "state", "GenAiGuardrails-prod-")

    def messages(self) -> list[str]:
        out: list[str] = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10).get("Messages", [])
            if not got:
                return out
            for m in got:
                out.append(m["Body"])
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture
def world(replayed: dict[str, Any]) -> Iterator[World]:
    with mock_aws():
        w = World()
        _publish_metrics(w.cw, replayed)
        state: FeatureState = replayed["state"]
        stored = FeatureState.from_json(state.to_json())
        store.save(w.ddb, "state", FEATURE, stored, replayed["minute"] - 1, 2**31)
        yield w


def _publish_metrics(cw: Any, replayed: dict[str, Any]) -> None:
    """What the metering Lambda's EMF would have published, for the minutes the Lambda reads at the page:
    the last hour, and the explanation's windows today and on the day before."""
    metered, minute = replayed["store"], replayed["minute"]
    ranges = [(minute - 240, minute + 1), (minute - 1440 - 240, minute - 1440 + 1)]
    datums: list[dict[str, Any]] = []
    for lo, hi in ranges:
        by_feature = np.zeros((hi - lo, 4, 11))
        for key in metered.keys(FEATURE):
            block = metered.block(key, lo, hi - lo)
            by_feature += block
            dims = [
                {"Name": "Environment", "Value": "prod"},
                {"Name": "Application", "Value": key[0]},
                {"Name": "Feature", "Value": FEATURE},
            ]
            model = [*dims, {"Name": "Model", "Value": key[2]}]
            for i in range(hi - lo):
                if not block[i, :, 9].sum():
                    continue
                when = datetime.fromtimestamp((lo + i) * 60, UTC)
                for name, slot in SLOT_METRICS.items():
                    value = float(block[i, :, slot].sum())
                    datums.append(
                        {"MetricName": name, "Dimensions": model, "Timestamp": when, "Value": value}
                    )
                    if name not in ("CacheReadInputTokens", "CacheWriteInputTokens"):
                        datums.append(
                            {"MetricName": name, "Dimensions": dims, "Timestamp": when, "Value": value}
                        )
    # Feature-level values: one datum per model and minute, as one EMF document per model publishes them.
    for i in range(0, len(datums), 1000):
        cw.put_metric_data(Namespace="GenAI/Cost", MetricData=datums[i : i + 1000])


def _now(minute: int) -> datetime:
    return datetime.fromtimestamp((minute + 1) * 60 + 40, UTC)


def test_the_lambdas_page_is_replays_byte_for_byte(world: World, replayed: dict[str, Any]) -> None:
    result = service.run(
        _now(replayed["minute"]), replayed["settings"], world.deployment, world.cw, world.sns, world.ddb
    )
    assert result.errors == {} and FEATURE in result.published
    (body,) = world.messages()
    assert body == replayed["page"].body
    document = json.loads(body)
    assert document["reason"] == "new" and document["causes"] == ["output_tokens"]
    assert "Driver: output tokens per request" in document["summary"]


def test_a_minute_is_evaluated_once(world: World, replayed: dict[str, Any]) -> None:
    now = _now(replayed["minute"])
    service.run(now, replayed["settings"], world.deployment, world.cw, world.sns, world.ddb)
    again = service.run(
        now + timedelta(seconds=10), replayed["settings"], world.deployment, world.cw, world.sns, world.ddb
    )
    assert again.skipped == [FEATURE] and again.published == {}
    assert len(world.messages()) == 1


def test_a_failed_publish_is_carried_to_the_next_run_and_sent_once(
    world: World, replayed: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    now = _now(replayed["minute"])
    failing_sns = boto3.client("sns", region_name=REGION)
    inject(failing_sns, "Publish", lambda _: (500, {"Error": {"Code": "InternalError", "Message": "down"}}))
    result = service.run(now, replayed["settings"], world.deployment, world.cw, failing_sns, world.ddb)
    assert result.errors[FEATURE].endswith("1 message(s) kept for the next run") and world.messages() == []
    assert emf_metrics(capsys.readouterr().out, "DetectorFeatureFailures") == [
        ({"Environment": "prod"}, 1.0, "Count")
    ]
    carried = store.load_all(world.ddb, "state", [FEATURE])[FEATURE]
    assert carried.minute == replayed["minute"] and len(carried.unsent) == 1
    # The same minute again: already evaluated, nothing sent; the next minute sends the carried page once.
    again = service.run(now, replayed["settings"], world.deployment, world.cw, world.sns, world.ddb)
    assert again.skipped == [FEATURE] and world.messages() == []
    later = now + timedelta(minutes=1)
    result = service.run(later, replayed["settings"], world.deployment, world.cw, world.sns, world.ddb)
    assert result.errors == {} and FEATURE in result.published
    assert world.messages() == [replayed["page"].body]
    assert store.load_all(world.ddb, "state", [FEATURE])[FEATURE].unsent == []
    service.run(
        later + timedelta(minutes=1), replayed["settings"], world.deployment, world.cw, world.sns, world.ddb
    )
    assert world.messages() == []


def test_a_failed_save_sends_nothing_and_the_next_run_sends_the_page_once(
    world: World, replayed: dict[str, Any]
) -> None:
    now = _now(replayed["minute"])
    failing_ddb = boto3.client("dynamodb", region_name=REGION)
    saves = inject(
        failing_ddb, "PutItem", lambda _: (500, {"Error": {"Code": "InternalServerError", "Message": "x"}})
    )
    result = service.run(now, replayed["settings"], world.deployment, world.cw, world.sns, failing_ddb)
    assert saves.answered == 1 and "InternalServerError" in result.errors[FEATURE]
    assert world.messages() == []
    assert store.load_all(world.ddb, "state", [FEATURE])[FEATURE].minute == replayed["minute"] - 1
    result = service.run(now, replayed["settings"], world.deployment, world.cw, world.sns, world.ddb)
    assert result.errors == {} and world.messages() == [replayed["page"].body]


OTHER = "other-feature"


def with_other_feature(settings: DetectorSettings) -> DetectorSettings:
    """The replayed settings plus a quiet second feature (no traffic) in the same application."""
    (chat,) = settings.features
    return replace(settings, features=(chat, replace(chat, name=OTHER, alarm_names={})))


def queries_of(params: dict[str, Any], feature: str) -> list[str]:
    return [
        q["Id"]
        for q in params["MetricDataQueries"]
        if {"Name": "Feature", "Value": feature} in q["MetricStat"]["Metric"]["Dimensions"]
    ]


def test_a_throttled_read_of_one_feature_does_not_stop_the_others(
    world: World, replayed: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    settings = with_other_feature(replayed["settings"])
    reads = inject(world.cw, "GetMetricData", lambda p: throttled() if queries_of(p, OTHER) else None)
    result = service.run(_now(replayed["minute"]), settings, world.deployment, world.cw, world.sns, world.ddb)
    assert reads.answered == 2  # the shared read, then the other feature's own
    assert set(result.errors) == {OTHER} and "ThrottlingException" in result.errors[OTHER]
    assert world.messages() == [replayed["page"].body]
    assert emf_metrics(capsys.readouterr().out, "DetectorFeatureFailures") == [
        ({"Environment": "prod"}, 1.0, "Count")
    ]
    assert store.load_all(world.ddb, "state", [OTHER])[OTHER].minute is None  # evaluated again next run


def test_partial_data_is_followed_to_the_last_page(world: World, replayed: dict[str, Any]) -> None:
    def partial(params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if "NextToken" in params or not queries_of(params, FEATURE) or len(params["MetricDataQueries"]) < 6:
            return None
        results = [
            {"Id": q["Id"], "Label": q["Id"], "Timestamps": [], "Values": [], "StatusCode": "PartialData"}
            for q in params["MetricDataQueries"]
        ]
        return 200, {"MetricDataResults": results, "Messages": [], "NextToken": "more"}

    reads = inject(world.cw, "GetMetricData", partial)
    result = service.run(
        _now(replayed["minute"]), replayed["settings"], world.deployment, world.cw, world.sns, world.ddb
    )
    assert reads.answered >= 1 and any("NextToken" in call for call in reads.calls)
    assert result.errors == {} and world.messages() == [replayed["page"].body]


def test_data_that_stays_partial_skips_that_feature_only(world: World, replayed: dict[str, Any]) -> None:
    settings = with_other_feature(replayed["settings"])
    clean = boto3.client("cloudwatch", region_name=REGION)

    def partial_for_other(params: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        ids = set(queries_of(params, OTHER))
        if not ids:
            return None
        page = clean.get_metric_data(**params)
        for r in page["MetricDataResults"]:
            if r["Id"] in ids:
                r.update(Timestamps=[], Values=[], StatusCode="PartialData")
        return 200, page

    inject(world.cw, "GetMetricData", partial_for_other)
    result = service.run(_now(replayed["minute"]), settings, world.deployment, world.cw, world.sns, world.ddb)
    assert set(result.errors) == {OTHER} and result.errors[OTHER].startswith("IncompleteMetricData")
    assert world.messages() == [replayed["page"].body]
    assert store.load_all(world.ddb, "state", [OTHER])[OTHER].minute is None
