"""The evaluator end to end on moto: CloudWatch metric history, SNS (read back through SQS) and DynamoDB.
One scenario per driver, plus notify-once and recovery after a failed publish."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import pytest
from moto import mock_aws
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.models import DEFAULT_ACCOUNT_ID

from lambdas.evaluator import alarms, service
from lambdas.evaluator.budget import Threshold
from lambdas.evaluator.state import NotificationState
from lambdas.pricing.catalog import PriceCatalog

REGION = "us-east-1"
NOW = datetime(2026, 3, 18, 16, 0, tzinfo=UTC)  # a Wednesday
WEEK_AGO = NOW - timedelta(days=7)
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"
ENV, APP, FEATURE = "prod", "customer-support", "support-chat"


@dataclass
class Hour:
    """One hour of one model's traffic: successful calls, extra billed failed attempts, throttles."""

    model: str = HAIKU
    requests: int = 1000
    input_per_request: int = 1000
    output_per_request: int = 300
    failed_billed: int = 0  # failed attempts that consumed tokens (replays)
    throttled: int = 0
    price_factor: float = 1.0


def price(model: str, input_tokens: float, output_tokens: float) -> float:
    card = PriceCatalog.load().rates(model, REGION, "in_region")
    assert card is not None and card.input is not None and card.output is not None
    return (input_tokens * float(card.input) + output_tokens * float(card.output)) / 1e6


class World:
    def __init__(self) -> None:
        self.cw = boto3.client("cloudwatch", region_name=REGION)
        self.sns = boto3.client("sns", region_name=REGION)
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.ddb = boto3.client("dynamodb", region_name=REGION)
        self.topic_arn = self.sns.create_topic(Name="guardrails")["TopicArn"]
        self.queue_url = self.sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=queue_arn)
        self.ddb.create_table(
            TableName="state",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        self.settings = service.Settings(
            account="prod",
            environment=ENV,
            namespace="GenAI/Cost",
            features=(service.FeatureBudget(FEATURE, APP, 100.0),),
            thresholds=(Threshold(50, "actual"), Threshold(100, "forecasted")),
            premium_models=(SONNET,),
            runbook_url="https://example.com/runbook.md",
            topic_arn=self.topic_arn,
            table_name="state",
            region=REGION,
        )

    def emit(self, when: datetime, hour: Hour) -> float:
        billed = hour.requests + hour.failed_billed
        invocations = billed + hour.throttled
        input_tokens = billed * hour.input_per_request
        output_tokens = billed * hour.output_per_request
        cost = price(hour.model, input_tokens, output_tokens) * hour.price_factor
        feature = [
            {"Name": "Environment", "Value": ENV},
            {"Name": "Application", "Value": APP},
            {"Name": "Feature", "Value": FEATURE},
        ]
        model = [*feature, {"Name": "Model", "Value": hour.model}]
        values = {
            "Invocations": invocations,
            "FailedInvocations": hour.failed_billed + hour.throttled,
            "ThrottledInvocations": hour.throttled,
            "InputTokens": input_tokens,
            "OutputTokens": output_tokens,
            "CacheReadInputTokens": 0,
            "CacheWriteInputTokens": 0,
            "CostUSD": cost,
        }
        data: list[dict[str, Any]] = [
            {"MetricName": name, "Dimensions": model, "Timestamp": when, "Value": float(value)}
            for name, value in values.items()
        ]
        data.append({"MetricName": "CostUSD", "Dimensions": feature, "Timestamp": when, "Value": cost})
        self.cw.put_metric_data(Namespace="GenAI/Cost", MetricData=data)
        return cost

    def day(self, start: datetime, hours: dict[int, list[Hour]]) -> float:
        return sum(self.emit(start + timedelta(hours=h), each) for h, many in hours.items() for each in many)

    def run(self, run_id: str = "run-1") -> list[service.FeatureResult]:
        return service.evaluate(NOW, self.settings, self.cw, self.sns, self.ddb, run_id)

    def messages(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while True:
            got = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
                "Messages", []
            )
            if not got:
                return out
            for m in got:
                envelope = json.loads(m["Body"])
                out.append({"subject": envelope.get("Subject"), "body": json.loads(envelope["Message"])})
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])


@pytest.fixture
def world() -> Iterator[World]:
    with mock_aws():
        yield World()


def midnight(ts: datetime) -> datetime:
    return ts.replace(hour=0, minute=0)


def scenario(
    world: World, base: list[Hour], current: dict[str, list[Hour]] | list[Hour], split: int = 0
) -> tuple[float, float]:
    """16 hours a week ago with `base` each hour; today: `base` before `split`, then `current`."""
    before = world.day(midnight(WEEK_AGO), {h: base for h in range(16)})
    changed = current if isinstance(current, list) else current["hours"]
    after = world.day(midnight(NOW), {h: (base if h < split else changed) for h in range(16)})
    return before, after


def only_message(world: World) -> dict[str, Any]:
    (msg,) = world.messages()
    assert len(msg["subject"]) <= 100
    return msg


def test_traffic_growth(world: World) -> None:
    before, after = scenario(world, [Hour()], [Hour(requests=3000)])
    status = world.run()[0].status
    msg = only_message(world)
    summary = msg["body"]["summary"]
    assert summary.startswith(
        f"support-chat: ${after:,.0f} today vs ${before:,.2f} last Wednesday (+200%). Driver: traffic +200% "
        "(16,000 -> 48,000 requests"
    )
    assert "output tokens per request unchanged" in summary and "model mix unchanged" in summary
    drivers = msg["body"]["explanation"]["drivers"]
    assert drivers[0]["factor"] == "traffic"
    assert abs(sum(d["contribution_usd"] for d in drivers) - (after - before)) < 0.01 + 0.005 * len(drivers)
    assert msg["subject"] == (
        f"GenAI cost prod/support-chat: {status.used_percent:.0f}% of monthly budget, "
        f"forecast {status.forecast_percent:.0f}%"
    )
    assert status.month_to_date_usd == pytest.approx(after + before)  # both days are in March
    assert msg["body"]["month_to_date_usd"] == round(status.month_to_date_usd, 2)
    catalog = json.loads((Path(__file__).resolve().parents[3] / "lambdas/pricing/catalog.json").read_text())
    assert msg["body"]["prices"] == f"prices as of {catalog['as_of']} (bundled {catalog['version']})"


def test_prompt_change_doubles_output_tokens_since_eight(world: World) -> None:
    before, after = scenario(world, [Hour()], [Hour(output_per_request=600)], split=8)
    world.run()
    summary = only_message(world)["body"]["summary"]
    assert "Driver: output tokens per request +50% (300 -> 450, +$" in summary
    assert "since 08:00 UTC; traffic unchanged" in summary
    assert f"(+{100 * (after - before) / before:.0f}%)" in summary


def test_routing_drift_to_premium_model(world: World) -> None:
    base = [Hour(requests=1000)]
    drift = [Hour(requests=700), Hour(model=SONNET, requests=300)]
    scenario(world, base, drift)
    world.run()
    body = only_message(world)["body"]
    assert "Driver: model mix: premium-model share 0% -> 30% (+$" in body["summary"]
    assert body["explanation"]["drivers"][0]["factor"] == "model_mix"
    assert "traffic unchanged" in body["summary"]


def test_price_increase(world: World) -> None:
    scenario(world, [Hour()], [Hour(price_factor=1.2)])
    world.run()
    summary = only_message(world)["body"]["summary"]
    assert "Driver: price per token +20% (+$" in summary
    assert "traffic unchanged" in summary and "output tokens per request unchanged" in summary


def test_retry_storm_replays_whole_prompts(world: World) -> None:
    before, after = scenario(world, [Hour()], [Hour(failed_billed=400, throttled=200)])
    world.run()
    body = only_message(world)["body"]
    assert "Driver: retries +40% (1.00 -> 1.40, +$" in body["summary"]
    assert "traffic unchanged" in body["summary"]
    (retries,) = [d for d in body["explanation"]["drivers"] if d["factor"] == "retries"]
    assert abs(retries["contribution_usd"] - (after - before)) < 0.01


def test_notifies_once_per_threshold_and_period(world: World) -> None:
    scenario(world, [Hour()], [Hour(requests=3000)])
    first = world.run("run-1")
    assert first[0].notified == ["forecasted#100", "actual#50"]
    assert len(world.messages()) == 1
    second = world.run("run-2")
    assert second[0].crossed == ["forecasted#100", "actual#50"] and second[0].notified == []
    assert world.messages() == []
    item = NotificationState(world.ddb, "state").get("support-chat#2026-03#actual#50")
    assert item is not None and item["status"] == "NOTIFIED"
    assert int(item["expires_at"]) > NOW.timestamp() + 30 * 86400


def test_failed_publish_leaves_no_mark_and_the_next_run_recovers(world: World) -> None:
    scenario(world, [Hour()], [Hour(requests=3000)])
    failing = mock.Mock(wraps=world.sns)
    failing.publish.side_effect = RuntimeError("SNS is down")
    results = service.evaluate(NOW, world.settings, world.cw, failing, world.ddb, "run-1")
    assert results[0].error == "RuntimeError: SNS is down"
    assert NotificationState(world.ddb, "state").get("support-chat#2026-03#actual#50") is None
    assert world.messages() == []
    results = world.run("run-2")
    assert results[0].error is None and results[0].notified
    assert len(world.messages()) == 1


def test_stale_pending_claim_of_a_dead_run_is_taken_over(world: World) -> None:
    scenario(world, [Hour()], [Hour(requests=3000)])
    state = NotificationState(world.ddb, "state")
    old = int((NOW - timedelta(hours=1)).timestamp())
    for key in ("actual#50", "forecasted#100"):
        assert state.claim(f"support-chat#2026-03#{key}", "dead-run", old, old + 86400)
    world.run("run-2")
    assert len(world.messages()) == 1


def test_publishes_budget_metrics(world: World) -> None:
    scenario(world, [Hour()], [Hour()])
    world.run()
    dims = [
        {"Name": "Environment", "Value": ENV},
        {"Name": "Application", "Value": APP},
        {"Name": "Feature", "Value": FEATURE},
    ]
    got = {}
    for name in ("BudgetUsedPercent", "ForecastUSD", "MonthToDateUSD"):
        stats = world.cw.get_metric_statistics(
            Namespace="GenAI/Cost",
            MetricName=name,
            Dimensions=dims,
            StartTime=NOW - timedelta(minutes=5),
            EndTime=NOW + timedelta(minutes=5),
            Period=600,
            Statistics=["Maximum"],
        )
        got[name] = stats["Datapoints"][0]["Maximum"]
    status = world.run("again")[0].status
    assert got["BudgetUsedPercent"] == pytest.approx(status.used_percent)
    assert got["ForecastUSD"] == pytest.approx(status.forecast_usd)
    assert got["MonthToDateUSD"] == pytest.approx(status.month_to_date_usd)


def test_handler_reads_the_bundled_runtime_config(
    world: World, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {
        "version": 1,
        "account": "prod",
        "environment": ENV,
        "features": [
            {
                "name": FEATURE,
                "application": APP,
                "monthly_budget_usd": "100",
                "daily_budget_usd": "10",
                "hourly_limit_usd": "1",
                "inference_profile_copy_from": None,
            }
        ],
        "pricing": {"discount_percent": "0", "premium_models": [SONNET], "overrides": []},
        "evaluator": {
            "notify_at": [{"percent": 50, "type": "actual"}],
            "runbook_url": "https://example.com/r",
        },
    }
    path = tmp_path / "runtime_config.json"
    path.write_text(json.dumps(config))
    monkeypatch.setenv("GUARDRAILS_RUNTIME_CONFIG", str(path))
    monkeypatch.setenv("GUARDRAILS_TOPIC_ARN", world.topic_arn)
    monkeypatch.setenv("GUARDRAILS_STATE_TABLE", "state")
    settings = service.load_settings()
    assert settings.features[0].monthly_budget_usd == 100.0
    assert settings.thresholds == (Threshold(50.0, "actual"),)
    assert settings.premium_models == (SONNET,)


# ---- follow-ups to pages ------------------------------------------------------------------------------

PREFIX = "GenAiGuardrails-prod-"


def page(world: World, feature: str, kinds: list[str]) -> None:
    """The feature's composite (and the named children) in ALARM, as CloudWatch would have them."""
    children = [f"{PREFIX}{feature}-{kind}" for kind in kinds]
    for name in children:
        world.cw.put_metric_alarm(
            AlarmName=name,
            Namespace="GenAI/Cost",
            MetricName="Invocations",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold",
        )
        world.cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")
    composite_alarm(world, f"{PREFIX}{feature}-Composite", " OR ".join(f'ALARM("{n}")' for n in children))


def composite_alarm(world: World, name: str, rule: str) -> None:
    """moto 5.2.5 has no PutCompositeAlarm API; its backend keeps a composite as an alarm with a rule, which
    DescribeAlarms then returns under CompositeAlarms, as CloudWatch does."""
    backend = cloudwatch_backends[DEFAULT_ACCOUNT_ID][REGION]
    backend.put_metric_alarm(
        name=name,
        namespace="",
        metric_name="",
        comparison_operator="",
        evaluation_periods=0,
        period=0,
        threshold=0.0,
        statistic="",
        description="",
        dimensions=[],
        alarm_actions=[],
        rule=rule or "FALSE",
    )
    world.cw.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="test")


@pytest.fixture
def paged(world: World) -> World:
    """Budget thresholds off (the follow-up alone is under test); the alarm-name prefix set as the stack sets
    it; tripled traffic in the 15 minutes before NOW against the same minutes a week earlier."""
    world.settings = replace(world.settings, thresholds=(), alarm_name_prefix=PREFIX)
    for minutes_before in (12, 7, 2):
        world.emit(NOW - timedelta(minutes=minutes_before), Hour(requests=300))
        world.emit(WEEK_AGO - timedelta(minutes=minutes_before), Hour(requests=100))
    return world


def test_a_page_is_followed_by_its_explanation_once(paged: World) -> None:
    page(paged, FEATURE, ["TrafficAnomaly", "CostBurst"])
    results = paged.run("run-1")
    msg = only_message(paged)
    assert msg["subject"] == "GenAI cost alarm prod/support-chat: CostBurst, TrafficAnomaly"
    body = msg["body"]
    assert body["summary"].startswith("support-chat: $") and "in the 15 min to 16:00 UTC" in body["summary"]
    assert "Driver: traffic +200% (300 -> 900 requests" in body["summary"]
    assert body["alarm"] == f"{PREFIX}support-chat-Composite"
    assert body["firing"] == [f"{PREFIX}support-chat-CostBurst", f"{PREFIX}support-chat-TrafficAnomaly"]
    assert body["explanation"]["drivers"][0]["factor"] == "traffic"
    assert body["runbook"] == "https://example.com/runbook.md#feature-composite"
    assert results[0].alarm_message_id is not None and results[0].notified == []
    paged.run("run-2")  # the same ALARM episode: no second follow-up
    assert paged.messages() == []


def test_no_follow_up_without_a_page_or_for_another_accounts_alarms(paged: World) -> None:
    page(paged, "other-feature", ["CostRate"])  # not a feature of this account's config
    composite_alarm(paged, "GenAiGuardrails-staging-support-chat-Composite", "TRUE")
    assert paged.run()[0].alarm_message_id is None
    assert paged.messages() == []


def test_a_feature_named_like_the_start_of_another_gets_only_its_own_alarms(world: World) -> None:
    page(world, "kb", ["CostRate"])
    page(world, "kb-search", ["ThrottleRate"])
    firing = {f.feature: f.firing for f in alarms.firing_features(world.cw, PREFIX, ["kb", "kb-search"])}
    assert firing == {"kb": ("CostRate",), "kb-search": ("ThrottleRate",)}


def test_a_failed_follow_up_is_sent_by_the_next_run(paged: World) -> None:
    page(paged, FEATURE, ["TrafficAnomaly"])
    failing = mock.Mock(wraps=paged.sns)
    failing.publish.side_effect = RuntimeError("SNS is down")
    results = service.evaluate(NOW, paged.settings, paged.cw, failing, paged.ddb, "run-1")
    assert results[0].error == "RuntimeError: SNS is down" and results[0].alarm_message_id is None
    assert paged.messages() == []
    assert paged.run("run-2")[0].alarm_message_id is not None
    assert only_message(paged)["subject"] == "GenAI cost alarm prod/support-chat: TrafficAnomaly"


def test_alarm_window_runs_from_just_before_the_page() -> None:
    now = datetime(2026, 3, 18, 16, 7, 30, tzinfo=UTC)
    start, end, label, _ = service.alarm_window(now, datetime(2026, 3, 18, 15, 20, tzinfo=UTC))
    assert (start, end, label) == (
        datetime(2026, 3, 18, 15, 15, tzinfo=UTC),
        datetime(2026, 3, 18, 16, 5, tzinfo=UTC),
        "in the 50 min to 16:05 UTC",
    )
    start, _, _, _ = service.alarm_window(now, now - timedelta(minutes=2))  # at least 15 minutes
    assert start == datetime(2026, 3, 18, 15, 50, tzinfo=UTC)
    start, _, _, _ = service.alarm_window(now, now - timedelta(hours=5))  # at most an hour
    assert start == datetime(2026, 3, 18, 15, 5, tzinfo=UTC)
