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

from lambdas.evaluator import change, service
from lambdas.evaluator.budget import Threshold
from lambdas.evaluator.state import NotificationState
from lambdas.pricing.catalog import PriceCatalog
from tests.unit.aws_faults import emf_documents, emf_metrics, inject, throttled

# NOW is in the past: Powertools warns that CloudWatch would drop a metric stamped that long ago.
pytestmark = pytest.mark.filterwarnings("ignore:This metric doesn't meet the requirements:UserWarning")
REGION = "us-east-1"
NOW = datetime(2026, 3, 18, 16, 0, tzinfo=UTC)  # a Wednesday
# The comparison: the same hours on the 5 previous weekdays (Tue 17, Mon 16, Fri 13, Thu 12, Wed 11 March).
EARLIER = [NOW - timedelta(days=d) for d in change.comparison_days(NOW)]
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
    feature: str = FEATURE


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
            {"Name": "Feature", "Value": hour.feature},
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
    """16 hours of `base` each hour on each comparison day (their average is `before`); today: `base` before
    `split`, then `current`."""
    before = sum(world.day(midnight(day), {h: base for h in range(16)}) for day in EARLIER) / len(EARLIER)
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
    assert status is not None
    msg = only_message(world)
    summary = msg["body"]["summary"]
    assert summary.startswith(
        f"support-chat: ${after:,.0f} today vs ${before:,.2f} its average over the 5 previous weekdays "
        "(+200%). Driver: traffic +200% (16,000 -> 48,000 requests"
    )
    assert "output tokens per request unchanged" in summary and "model mix unchanged" in summary
    drivers = msg["body"]["explanation"]["drivers"]
    assert drivers[0]["factor"] == "traffic"
    assert abs(sum(d["contribution_usd"] for d in drivers) - (after - before)) < 0.01 + 0.005 * len(drivers)
    assert msg["subject"] == (
        f"GenAI cost prod/support-chat: {status.used_percent:.0f}% of monthly budget, "
        f"forecast {status.forecast_percent:.0f}%"
    )
    assert status.month_to_date_usd == pytest.approx(after + 5 * before)  # every day is in March
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
    # Named with the throttles that cost nothing: 200 throttled attempts per 1,000 successful calls.
    assert "Driver: retries +40% (1.00 -> 1.40, +$" in body["summary"]
    assert "; throttled attempts per successful call 0.00 -> 0.20)" in body["summary"]
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


def test_a_claim_a_dead_run_left_is_finalized_and_never_sent(world: World) -> None:
    """At most once: a claim without a mark (the run died after claiming) is not published again."""
    scenario(world, [Hour()], [Hour(requests=3000)])
    state = NotificationState(world.ddb, "state")
    old = int((NOW - timedelta(hours=1)).timestamp())
    for key in ("actual#50", "forecasted#100"):
        assert state.claim(f"support-chat#2026-03#{key}", "dead-run", old, old + 86400)
    results = world.run("run-2")
    assert results[0].crossed == ["forecasted#100", "actual#50"] and results[0].notified == []
    assert world.messages() == []
    item = state.get("support-chat#2026-03#actual#50")
    assert item is not None and item["status"] == "NOTIFIED" and item["run_id"] == "dead-run"


def test_publishes_budget_metrics_as_emf(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    scenario(world, [Hour()], [Hour()])
    status = world.run()[0].status
    assert status is not None
    out = capsys.readouterr().out
    dims = {"Environment": ENV, "Application": APP, "Feature": FEATURE}
    ((got_dims, got, unit),) = emf_metrics(out, "BudgetUsedPercent")
    assert (got_dims, unit) == (dims, "Percent") and got == pytest.approx(status.used_percent)
    ((got_dims, got, unit),) = emf_metrics(out, "ForecastUSD")
    assert (got_dims, unit) == (dims, "None") and got == pytest.approx(status.forecast_usd)
    ((got_dims, got, unit),) = emf_metrics(out, "MonthToDateUSD")
    assert (got_dims, unit) == (dims, "None") and got == pytest.approx(status.month_to_date_usd)
    assert emf_metrics(out, "EvaluatorFeatureFailures") == [({"Environment": ENV}, 0.0, "Count")]
    (budget_doc,) = [d for d in emf_documents(out) if "BudgetUsedPercent" in d]
    assert budget_doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "GenAI/Cost"
    assert budget_doc["_aws"]["Timestamp"] == int(NOW.timestamp() * 1000)
    # Nothing went through PutMetricData: the metrics exist only as log documents.
    assert world.cw.list_metrics(Namespace="GenAI/Cost", MetricName="BudgetUsedPercent")["Metrics"] == []


SEARCH = "search"


def two_features(world: World) -> None:
    """support-chat and search, both tripling today (both cross 50 % actual and 100 % forecasted)."""
    world.settings = replace(
        world.settings, features=(*world.settings.features, service.FeatureBudget(SEARCH, APP, 100.0))
    )
    scenario(
        world,
        [Hour(), Hour(feature=SEARCH)],
        [Hour(requests=3000), Hour(requests=3000, feature=SEARCH)],
    )


def for_feature(params: dict[str, Any], feature: str) -> bool:
    return any(
        {"Name": "Feature", "Value": feature} in q["MetricStat"]["Metric"]["Dimensions"]
        for q in params["MetricDataQueries"]
    )


def partial_page(params: dict[str, Any], next_token: str | None) -> tuple[int, dict[str, Any]]:
    results = [
        {"Id": q["Id"], "Label": q["Id"], "Timestamps": [], "Values": [], "StatusCode": "PartialData"}
        for q in params["MetricDataQueries"]
    ]
    page: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
    if next_token:
        page["NextToken"] = next_token
    return 200, page


def test_a_failed_mark_after_a_publish_is_never_sent_again(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario(world, [Hour()], [Hour(requests=3000)])
    failing_ddb = boto3.client("dynamodb", region_name=REGION)
    marks = inject(
        failing_ddb,
        "UpdateItem",
        lambda _: (500, {"Error": {"Code": "InternalServerError", "Message": "try again"}}),
    )
    (result,) = service.evaluate(NOW, world.settings, world.cw, world.sns, failing_ddb, "run-1")
    assert marks.answered == 1 and result.error is not None and "InternalServerError" in result.error
    assert len(world.messages()) == 1
    assert emf_metrics(capsys.readouterr().out, "EvaluatorFeatureFailures") == [
        ({"Environment": ENV}, 1.0, "Count")
    ]
    state = NotificationState(world.ddb, "state")
    item = state.get("support-chat#2026-03#actual#50")
    assert item is not None and item["status"] == "CLAIMED"
    # The next run sees the claim and publishes nothing; one after the lease also finalizes it.
    assert world.run("run-2")[0].notified == []
    later = service.evaluate(
        NOW + timedelta(minutes=20), world.settings, world.cw, world.sns, world.ddb, "run-3"
    )
    assert later[0].error is None and later[0].notified == []
    assert world.messages() == []
    item = state.get("support-chat#2026-03#actual#50")
    assert item is not None and item["status"] == "NOTIFIED"


def test_a_throttled_read_skips_only_that_feature(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    two_features(world)
    reads = inject(world.cw, "GetMetricData", lambda p: throttled() if for_feature(p, FEATURE) else None)
    results = {r.feature: r for r in world.run("run-1")}
    assert reads.answered >= 1
    chat, search = results[FEATURE], results[SEARCH]
    assert chat.status is None and chat.error is not None and "ThrottlingException" in chat.error
    assert search.error is None and search.notified == ["forecasted#100", "actual#50"]
    (msg,) = world.messages()
    assert msg["body"]["feature"] == SEARCH
    out = capsys.readouterr().out
    assert [d["Feature"] for d, _v, _u in emf_metrics(out, "BudgetUsedPercent")] == [SEARCH]
    assert emf_metrics(out, "EvaluatorFeatureFailures") == [({"Environment": ENV}, 1.0, "Count")]
    # Nothing was claimed for the throttled feature: the next run (a client without the fault) notifies it.
    world.cw = boto3.client("cloudwatch", region_name=REGION)
    again = {r.feature: r for r in world.run("run-2")}
    assert again[FEATURE].notified == ["forecasted#100", "actual#50"] and again[SEARCH].notified == []
    assert [m["body"]["feature"] for m in world.messages()] == [FEATURE]


def test_partial_data_is_read_to_the_last_page(world: World) -> None:
    """A PartialData page with no values is followed by its NextToken, not read as $0."""
    before, after = scenario(world, [Hour()], [Hour(requests=3000)])
    reads = inject(world.cw, "GetMetricData", lambda p: None if "NextToken" in p else partial_page(p, "more"))
    (result,) = world.run()
    assert reads.answered >= 1 and any("NextToken" in call for call in reads.calls)
    assert result.error is None and result.status is not None
    assert result.status.month_to_date_usd == pytest.approx(after + 5 * before)
    assert result.notified == ["forecasted#100", "actual#50"]


def test_data_that_stays_partial_skips_the_feature(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    two_features(world)
    inject(world.cw, "GetMetricData", lambda p: partial_page(p, None) if for_feature(p, FEATURE) else None)
    results = {r.feature: r for r in world.run("run-1")}
    chat = results[FEATURE]
    assert chat.status is None and chat.notified == []
    assert chat.error == "IncompleteMetricData: incomplete metric data: cost PartialData"
    assert results[SEARCH].notified == ["forecasted#100", "actual#50"]
    out = capsys.readouterr().out
    assert [d["Feature"] for d, _v, _u in emf_metrics(out, "BudgetUsedPercent")] == [SEARCH]
    assert emf_metrics(out, "EvaluatorFeatureFailures") == [({"Environment": ENV}, 1.0, "Count")]
    assert NotificationState(world.ddb, "state").get("support-chat#2026-03#actual#50") is None


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


def test_a_throttle_storm_that_costs_nothing_is_still_named(world: World) -> None:
    scenario(world, [Hour()], [Hour(throttled=500)])
    world.settings = replace(world.settings, thresholds=(Threshold(1, "actual"),))
    world.run()
    summary = only_message(world)["body"]["summary"]
    assert (
        "(+0%). Driver: retries +0% (1.00 -> 1.00, +$0.00; throttled attempts per successful call 0.00 -> "
        in (summary)
    )


def test_a_feature_costing_cents_still_gets_its_driver() -> None:
    """Materiality is relative to the change explained: cents of change still name their driver."""
    from lambdas.evaluator import explain
    from lambdas.evaluator.decomposition import Usage, decompose

    before = {HAIKU: Usage(invocations=4, input_tokens=4000, output_tokens=1200, cost=0.01)}
    after = {HAIKU: Usage(invocations=4, input_tokens=4000, output_tokens=2400, cost=0.016)}
    result = decompose(before, after)
    ranked = explain.drivers(result, before, after, ())
    text = explain.summary("tiny", result, ranked, "now", "before", None)
    assert "Driver: output tokens per request +100% (300 -> 600, +$0.01)" in text
