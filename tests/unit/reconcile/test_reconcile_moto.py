"""The daily reconciliation against moto: Cost Explorer results injected through moto's API, the metering's
CostUSD in moto's CloudWatch, the notification read back from an SQS queue subscribed to the topic.

Yesterday (2026-11-29): Claude Haiku 4.5 metered $44.00, billed $40.00 (off by +10%, tolerance 5%); Nova
Micro metered $12.00, billed $12.00; a small unmapped line; a batch line the invocation log never shows.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws

from core.runtime_config import RuntimeConfig
from lambdas.reconcile import handler
from lambdas.reconcile.service import (
    BILLED,
    ESTIMATE_ERROR,
    ESTIMATE_ERROR_WORST_MODEL,
    Settings,
    run_reconciliation,
)

HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
NOVA = "amazon.nova-micro-v1:0"
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
DAY = datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
NAMESPACE = "GenAI/Cost"
ENV = "prod"
MOTO_CE = "http://motoapi.amazonaws.com/moto-api/static/ce/cost-and-usage-results"


def group(service: str, usage_type: str, cost: str, quantity: str, unit: str = "1K tokens") -> dict[str, Any]:
    return {
        "Keys": [service, usage_type],
        "Metrics": {
            "UnblendedCost": {"Amount": cost, "Unit": "USD"},
            "UsageQuantity": {"Amount": quantity, "Unit": unit},
        },
    }


HAIKU_EDITION = "Claude Haiku 4.5 (Amazon Bedrock Edition)"
DAY_GROUPS = [
    # Haiku 4.5 global: 10M input at $1/M = $10, 6M output at $5/M = $30 -> $40 billed.
    group(HAIKU_EDITION, "USE1-MP:USE1_InputTokenCount_Global-Units", "10.00", "10", "1M tokens"),
    group(HAIKU_EDITION, "USE1-MP:USE1_OutputTokenCount_Global-Units", "30.00", "6", "1M tokens"),
    # Nova Micro: 100M input $3.50 + 60.7142857M output $8.50 = $12.00 billed; plus a batch job.
    group("Amazon Bedrock", "USE1-NovaMicro-input-tokens", "3.50", "100000"),
    group("Amazon Bedrock", "USE1-NovaMicro-output-tokens", "8.50", "60714.2857"),
    group("Amazon Bedrock", "USE1-NovaMicro-input-tokens-batch", "0.00", "0"),
    group("Amazon Bedrock", "USE1-Bedrock-Websearch-Queries", "0.24", "20", "Queries"),
    group("Amazon Simple Storage Service", "USE1-TimedStorage-ByteHrs", "3.00", "100", "GB-Mo"),
]
MONTH_GROUPS = [
    group(HAIKU_EDITION, "USE1-MP:USE1_InputTokenCount_Global-Units", "280.00", "280", "1M tokens"),
    group(HAIKU_EDITION, "USE1-MP:USE1_OutputTokenCount_Global-Units", "840.00", "168", "1M tokens"),
    group("Amazon Bedrock", "USE1-NovaMicro-input-tokens", "98.00", "2800000"),
    group("Amazon Bedrock", "USE1-NovaMicro-output-tokens", "238.00", "1700000"),
    group("Amazon Bedrock", "USE1-NovaMicro-input-tokens-batch", "7.00", "400000"),
]


def results(groups: list[dict[str, Any]], start: str, end: str) -> dict[str, Any]:
    return {
        "ResultsByTime": [
            {"TimePeriod": {"Start": start, "End": end}, "Total": {}, "Groups": groups, "Estimated": False}
        ],
        "DimensionValueAttributes": [],
    }


def tag_results(start: str, end: str, values: dict[str, str]) -> dict[str, Any]:
    groups = [
        {"Keys": [f"GenAI:Workload${k}"], "Metrics": {"UnblendedCost": {"Amount": v, "Unit": "USD"}}}
        for k, v in values.items()
    ]
    return results(groups, start, end)


@dataclass
class Aws:
    ce: Any
    cloudwatch: Any
    sns: Any
    sqs: Any
    topic_arn: str
    queue_url: str


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    with mock_aws():
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        topic = sns.create_topic(Name="guardrails")["TopicArn"]
        queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"}
        )
        cloudwatch = boto3.client("cloudwatch")
        # What the metering published for yesterday: Haiku 4.5 $44 (10% over the bill), Nova Micro $12.
        metered = {HAIKU: (44.0, 10_000_000, 6_800_000), NOVA: (12.0, 100_000_000, 60_714_286)}
        for model, (cost, inp, out) in metered.items():
            dims = [{"Name": "Environment", "Value": ENV}, {"Name": "Model", "Value": model}]
            cloudwatch.put_metric_data(
                Namespace=NAMESPACE,
                MetricData=[
                    {
                        "MetricName": name,
                        "Dimensions": dims,
                        "Timestamp": DAY.replace(hour=h),
                        "Value": value / 2,
                    }
                    for name, value in (("CostUSD", cost), ("InputTokens", inp), ("OutputTokens", out))
                    for h in (9, 17)
                ],
            )
        # Cost Explorer answers in the order the reconciliation asks: day, month by usage type, then by tag.
        queued = [
            results(DAY_GROUPS, "2026-11-29", "2026-11-30"),
            results(MONTH_GROUPS, "2026-11-01", "2026-11-30"),
            tag_results("2026-11-29", "2026-11-30", {"support-chat": "40.00", "": "12.24"}),
            tag_results("2026-11-01", "2026-11-30", {"support-chat": "1120.00", "": "343.00"}),
        ]
        response = requests.post(MOTO_CE, json={"results": queued}, timeout=5)
        assert response.status_code == 201
        yield Aws(boto3.client("ce", region_name="us-east-1"), cloudwatch, sns, sqs, topic, queue)


def settings(aws: Aws, **kw: Any) -> Settings:
    return Settings(environment=ENV, namespace=NAMESPACE, topic_arn=aws.topic_arn, **kw)


def run(aws: Aws, **kw: Any) -> tuple[Any, list[dict[str, Any]]]:
    out = io.StringIO()
    with redirect_stdout(out):
        report = run_reconciliation(
            ce=aws.ce, cloudwatch=aws.cloudwatch, sns=aws.sns, settings=settings(aws, **kw), now=NOW
        )
    docs = [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]
    return report, docs


def messages(aws: Aws) -> list[str]:
    got = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [m["Body"] for m in got]


def by_model(docs: list[dict[str, Any]]) -> dict[str | None, dict[str, Any]]:
    """Documents by their Model dimension (None: the account); Powertools writes each value as [value]."""
    unwrapped = [{k: v[0] if isinstance(v, list) and len(v) == 1 else v for k, v in d.items()} for d in docs]
    return {d.get("Model"): d for d in unwrapped}


def test_a_ten_percent_gap_on_one_model_is_published_alarmed_and_named(aws: Aws) -> None:
    report, docs = run(aws)
    # Metrics (EMF through Powertools): per model and for the account, stamped at the reconciled day.
    per = by_model(docs)
    haiku, nova, account = per[HAIKU], per[NOVA], per[None]
    assert haiku[BILLED] == 40.0 and haiku[ESTIMATE_ERROR] == pytest.approx(10.0)
    assert nova[BILLED] == 12.0 and nova[ESTIMATE_ERROR] == pytest.approx(0.0)
    assert account[BILLED] == pytest.approx(52.24)  # every Bedrock line, the unmapped one too; not S3
    assert account[ESTIMATE_ERROR] == pytest.approx((56 - 52.24) / 52.24 * 100)
    assert account[ESTIMATE_ERROR_WORST_MODEL] == pytest.approx(10.0)
    for doc in docs:
        directive = doc["_aws"]
        assert directive["Timestamp"] == int(DAY.timestamp() * 1000)
        (metric_set,) = directive["CloudWatchMetrics"]
        assert metric_set["Namespace"] == NAMESPACE
        assert metric_set["Dimensions"] in ([["Environment", "Model"]], [["Environment"]])
    # The alarm: EstimateOffBill compares the worst model's error with the tolerance (5%): 10% breaches it.
    assert account[ESTIMATE_ERROR_WORST_MODEL] > float(report.day.tolerance_percent)
    # The notification names the model, its usage types and what differs.
    (message,) = messages(aws)
    assert report.notified and [m.model for m in report.day.off_models] == [HAIKU]
    assert f"OFF {HAIKU}: billed $40.0000, metered $44.0000 (+10.0%)" in message
    assert "USE1-MP:USE1_OutputTokenCount_Global-Units" in message
    assert "output tokens: billed 6,000,000, metered 6,800,000 (+13.3%)" in message
    assert f"ok  {NOVA}" in message
    assert "USE1-Bedrock-Websearch-Queries" in message  # unmapped, listed, never guessed onto a model
    assert "support-chat $40.00" in message
    # Month so far, for context: the batch job the log never shows is named.
    assert "USE1-NovaMicro-input-tokens-batch ($7.00): batch inference jobs are billed but not in" in message
    assert report.ce_requests == 4


def test_within_tolerance_publishes_metrics_and_sends_nothing(aws: Aws) -> None:
    report, docs = run(aws, tolerance_percent=Decimal(15))
    assert report.day.off_models == () and not report.notified
    assert messages(aws) == []
    assert by_model(docs)[HAIKU][ESTIMATE_ERROR] == pytest.approx(10.0)


def test_small_spend_is_not_real_spend(aws: Aws) -> None:
    report, _docs = run(aws, min_billed_usd=Decimal(100))
    assert report.day.off_models == () and messages(aws) == []


def test_handler_reads_its_environment(aws: Aws, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = RuntimeConfig(account="prod", environment=ENV)  # the default tolerance, 5%
    path = tmp_path / "runtime_config.json"
    path.write_text(runtime.to_json(), encoding="utf-8")
    monkeypatch.setenv("GUARDRAILS_RUNTIME_CONFIG", str(path))
    monkeypatch.setenv("GUARDRAILS_TOPIC_ARN", aws.topic_arn)

    class Context:
        function_name, memory_limit_in_mb, invoked_function_arn, aws_request_id = "f", 256, "arn", "r"

    import lambdas.reconcile.service as service

    monkeypatch.setattr(service, "datetime", _Frozen)
    out = io.StringIO()
    with redirect_stdout(out):
        summary = handler.lambda_handler({}, Context())  # type: ignore[arg-type]
    assert summary["off_models"] == [HAIKU] and summary["notified"] is True
    assert summary["day"] == "2026-11-29" and summary["cost_explorer_requests"] == 4


class _Frozen(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return NOW


def test_the_cli_reconciles_the_same_day_from_a_workstation(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    root = Path(__file__).resolve().parents[3]
    status = main(
        [
            "reconcile",
            "--config",
            str(root / "config" / "example.yaml"),
            "--account",
            "prod",
            "--day",
            "2026-11-29",
        ]
    )
    out = capsys.readouterr().out
    assert status == 3  # a model is off the bill
    assert "4 Cost Explorer requests" in out and f"OFF {HAIKU}" in out and "(+10.0%)" in out
    assert messages(aws) == []  # nothing published, nobody notified
