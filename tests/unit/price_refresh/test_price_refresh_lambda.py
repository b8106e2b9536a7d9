"""The refresh Lambda: Stubber-recorded GetProducts pages in, moto S3 / CloudWatch / SNS out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from core.runtime_config import RuntimeConfig, RuntimeFeature
from lambdas.price_refresh import handler as refresh_handler
from lambdas.price_refresh.drops import suspect_prices
from lambdas.price_refresh.refresh import AGE_METRIC, RefreshError, Settings, models_in_use, run_refresh
from lambdas.pricing.catalog import PriceCatalog, Usage
from lambdas.pricing.price_list import CatalogChange
from tests.unit.aws_faults import emf_documents, emf_metrics
from tests.unit.price_refresh.recorded_pages import api_documents, set_usd, stub_price_list

REGION = "us-east-1"
BUCKET = "guardrails-price-catalog"
KEY = "price-catalog/current.json"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
NOVA_MICRO = "amazon.nova-micro-v1:0"
MISSING_MODEL = "amazon.nova-2-pro-preview-20251202-v1:0"  # not in the catalog: a real in-use gap


@dataclass
class Aws:
    s3: Any
    cloudwatch: Any
    sns: Any
    sqs: Any
    topic_arn: str
    queue_url: str


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic_arn = sns.create_topic(Name="guardrails")["TopicArn"]
        queue_url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
        yield Aws(s3, boto3.client("cloudwatch", region_name=REGION), sns, sqs, topic_arn, queue_url)


def settings(aws: Aws, copy_from: dict[str, str] | None = None) -> Settings:
    return Settings(
        bucket=BUCKET,
        key=KEY,
        topic_arn=aws.topic_arn,
        region=REGION,
        environment="prod",
        namespace="GenAI/Cost",
        schedule_days=7,
        copy_from=copy_from or {},
    )


def pricing_client() -> Any:
    return boto3.client("pricing", region_name="us-east-1")


def put_unpriced(aws: Aws, model: str, value: float) -> None:
    aws.cloudwatch.put_metric_data(
        Namespace="GenAI/Cost",
        MetricData=[
            {
                "MetricName": "UnpricedInvocations",
                "Dimensions": [{"Name": "Environment", "Value": "prod"}, {"Name": "Model", "Value": model}],
                "Timestamp": NOW - timedelta(days=1),
                "Value": value,
                "Unit": "Count",
            }
        ],
    )


def age_values(capsys: pytest.CaptureFixture[str]) -> list[float]:
    """PriceCatalogAgeDays as the function printed it (EMF): only at [Environment], stamped at the run."""
    out = capsys.readouterr().out
    got = emf_metrics(out, AGE_METRIC)
    assert all(dims == {"Environment": "prod"} and unit == "None" for dims, _v, unit in got)
    (doc,) = [d for d in emf_documents(out) if AGE_METRIC in d]
    assert doc["_aws"]["Timestamp"] == int(NOW.timestamp() * 1000)
    assert doc["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "GenAI/Cost"
    return [value for _d, value, _u in got]


def messages(aws: Aws) -> list[dict[str, Any]]:
    got = aws.sqs.receive_message(QueueUrl=aws.queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in got]


def published(aws: Aws) -> tuple[PriceCatalog, dict[str, Any]]:
    obj = aws.s3.get_object(Bucket=BUCKET, Key=KEY)
    return PriceCatalog.from_dict(json.loads(obj["Body"].read())), obj["Metadata"]


def test_refresh_publishes_merged_catalog_age_metric_and_notifies_unpriced_model_in_use(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    put_unpriced(aws, MISSING_MODEL, 12)
    put_unpriced(aws, NOVA_MICRO, 3)  # priced (only some request class was not): no notification for it
    pricing = pricing_client()
    # AWS cut Nova Micro's input price: 0.000035 -> 0.00003 per 1K tokens.
    docs = api_documents(REGION, set_usd("USE1-NovaMicro-input-tokens", "0.0000300000"))
    with Stubber(pricing) as stubber:
        calls = stub_price_list(stubber, REGION, docs)
        report = run_refresh(
            pricing=pricing,
            s3=aws.s3,
            cloudwatch=aws.cloudwatch,
            sns=aws.sns,
            settings=settings(aws, {"support-chat": "us.anthropic.claude-sonnet-4-20250514-v1:0"}),
            now=NOW,
        )
        stubber.assert_no_pending_responses()
    assert calls > len(docs)  # pagination was exercised

    catalog, metadata = published(aws)
    assert (catalog.version, catalog.as_of) == ("price-list-2026-11-23", "2026-11-23")
    assert metadata == {"as-of": "2026-11-23", "version": "price-list-2026-11-23"}
    assert "offer version 20261120000000" in catalog.source
    # the refreshed cell wins; a derived cell follows the new standard input; output untouched
    card = catalog.rates(NOVA_MICRO, REGION, "in_region")
    assert card is not None and (card.input, card.output) == (Decimal("0.03"), Decimal("0.14"))
    batch = catalog.rates(NOVA_MICRO, REGION, "in_region", batch=True)
    assert batch is not None and batch.input == Decimal("0.015")
    # models the Price List lacks keep their bundled prices, in every Region
    bundled = PriceCatalog.load()
    assert catalog.model_ids() == bundled.model_ids()
    opus = "anthropic.claude-3-opus-20240229-v1:0"
    assert catalog.rates(opus, "us-west-2", "in_region") == bundled.rates(opus, "us-west-2", "in_region")
    usage = Usage(input_tokens=1_000_000)
    assert catalog.price(NOVA_MICRO, REGION, "in_region", usage).cost_usd == Decimal("0.03")

    assert (report.published, report.age_days) == (True, 0)
    assert report.changes >= 2 and report.unmapped >= 1
    assert age_values(capsys) == [0.0]

    (note,) = messages(aws)
    assert note["Subject"].startswith("GenAI cost guardrails (prod): 1 model(s) in use have no price")
    assert MISSING_MODEL in note["Message"] and "12 unpriced invocation(s)" in note["Message"]
    assert NOVA_MICRO not in note["Message"]
    assert "prices as of 2026-11-23 (AWS Price List refresh)" in note["Message"]
    assert [m.model for m in report.missing] == [MISSING_MODEL]


def test_feature_copying_an_unpriced_model_is_notified(aws: Aws) -> None:
    pricing = pricing_client()
    with Stubber(pricing) as stubber:
        stub_price_list(stubber, REGION, api_documents(REGION))
        report = run_refresh(
            pricing=pricing,
            s3=aws.s3,
            cloudwatch=aws.cloudwatch,
            sns=aws.sns,
            settings=settings(aws, {"kb-search": f"us.{MISSING_MODEL}", "chat": "amazon.nova-micro-v1:0"}),
            now=NOW,
        )
    assert [m.model for m in report.missing] == [MISSING_MODEL]
    (note,) = messages(aws)
    assert "feature kb-search's inference profile copies us." in note["Message"]


def test_nothing_to_notify_sends_nothing(aws: Aws) -> None:
    pricing = pricing_client()
    with Stubber(pricing) as stubber:
        stub_price_list(stubber, REGION, api_documents(REGION))
        report = run_refresh(
            pricing=pricing,
            s3=aws.s3,
            cloudwatch=aws.cloudwatch,
            sns=aws.sns,
            settings=settings(aws),
            now=NOW,
        )
    assert report.missing == [] and not report.notified
    assert messages(aws) == []


def test_failed_fetch_publishes_nothing_but_still_reports_the_age_in_use(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    pricing = pricing_client()
    with Stubber(pricing) as stubber:
        stubber.add_client_error("get_products", "AccessDeniedException", "not authorized", 400)
        with pytest.raises(Exception, match="not authorized"):
            run_refresh(
                pricing=pricing,
                s3=aws.s3,
                cloudwatch=aws.cloudwatch,
                sns=aws.sns,
                settings=settings(aws),
                now=NOW,
            )
    assert aws.s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    # the bundled catalog (2026-09-09) is what metering uses: 75 days old on 2026-11-23
    assert age_values(capsys) == [75.0]


def test_records_that_map_to_nothing_publish_nothing(aws: Aws) -> None:
    pricing = pricing_client()
    with Stubber(pricing) as stubber:
        stub_price_list(stubber, REGION, {"AmazonBedrock": []})
        with pytest.raises(RefreshError, match="none mapped"):
            run_refresh(
                pricing=pricing,
                s3=aws.s3,
                cloudwatch=aws.cloudwatch,
                sns=aws.sns,
                settings=settings(aws),
                now=NOW,
            )
    assert aws.s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


class _Context:
    function_name = "price-refresh"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:price-refresh"
    aws_request_id = "req-1"


def test_handler_reads_its_environment_and_runtime_config(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    runtime = RuntimeConfig(
        account="prod",
        environment="prod",
        features=(
            RuntimeFeature(
                name="kb-search",
                application="knowledge-base",
                monthly_budget_usd=Decimal(100),
                daily_budget_usd=Decimal(10),
                hourly_limit_usd=Decimal(1),
                inference_profile_copy_from=MISSING_MODEL,
            ),
        ),
    )
    (tmp_path / "runtime_config.json").write_text(runtime.to_json(), encoding="utf-8")
    monkeypatch.setenv("GUARDRAILS_RUNTIME_CONFIG", str(tmp_path / "runtime_config.json"))
    monkeypatch.setenv("GUARDRAILS_PRICE_BUCKET", BUCKET)
    monkeypatch.setenv("GUARDRAILS_PRICE_KEY", KEY)
    monkeypatch.setenv("GUARDRAILS_TOPIC_ARN", aws.topic_arn)
    pricing = pricing_client()
    real_client = boto3.client

    def client(service: str, *args: Any, **kwargs: Any) -> Any:
        if service == "pricing":
            assert kwargs.get("region_name") == "us-east-1"
            return pricing
        return real_client(service, *args, **kwargs)

    monkeypatch.setattr(boto3, "client", client)  # the handler builds its clients with boto3.client
    with Stubber(pricing) as stubber:
        stub_price_list(stubber, REGION, api_documents(REGION))
        summary = refresh_handler.lambda_handler({"source": "aws.events"}, _Context())  # type: ignore[arg-type]
    assert summary["published"] is True and summary["missing"] == [MISSING_MODEL]
    assert summary["label"].startswith("prices as of ") and summary["label"].endswith(
        "(AWS Price List refresh)"
    )
    catalog, _ = published(aws)
    assert catalog.version.startswith("price-list-")


# ---- price drops: a zero or slashed rate for a model in use is held back unless config allows it -------


def put_invocations(aws: Aws, model: str) -> None:
    """The model is metered in this environment: it is in use."""
    aws.cloudwatch.put_metric_data(
        Namespace="GenAI/Cost",
        MetricData=[
            {
                "MetricName": "Invocations",
                "Dimensions": [{"Name": "Environment", "Value": "prod"}, {"Name": "Model", "Value": model}],
                "Timestamp": NOW - timedelta(days=1),
                "Value": 100,
                "Unit": "Count",
            }
        ],
    )


def refresh_with(aws: Aws, usd_per_1k_input: str, *, allow: bool = False) -> Any:
    pricing = pricing_client()
    docs = api_documents(REGION, set_usd("USE1-NovaMicro-input-tokens", usd_per_1k_input))
    with Stubber(pricing) as stubber:
        stub_price_list(stubber, REGION, docs)
        return run_refresh(
            pricing=pricing,
            s3=aws.s3,
            cloudwatch=aws.cloudwatch,
            sns=aws.sns,
            settings=replace(settings(aws), allow_price_drops=allow),
            now=NOW,
            function_name="GenAiGuardrails-prod-PriceRefresh",
        )


@pytest.mark.parametrize(
    ("usd_per_1k", "why"),
    [("0.0000000000", "zero price"), ("0.0000140000", "-60% drop")],  # bundled: 0.035 per 1M
)
def test_a_zero_or_halved_price_of_a_model_in_use_is_held_back_and_notified(
    aws: Aws, usd_per_1k: str, why: str
) -> None:
    put_invocations(aws, NOVA_MICRO)
    report = refresh_with(aws, usd_per_1k)
    catalog, _ = published(aws)
    card = catalog.rates(NOVA_MICRO, REGION, "in_region")
    batch = catalog.rates(NOVA_MICRO, REGION, "in_region", batch=True)
    # The previous rates are published, the derived batch rate (which followed the cut) too.
    assert card is not None and card.input == Decimal("0.035")
    assert batch is not None and batch.input == Decimal("0.0175")
    assert report.published and report.accepted == []
    assert any(f"{NOVA_MICRO} us-east-1 * standard.input" in h and why in h for h in report.held), report.held
    (note,) = messages(aws)
    assert note["Subject"].startswith("GenAI cost guardrails (prod): ") and "held back" in note["Subject"]
    assert "NOT published" in note["Message"] and "allow_price_drops: true" in note["Message"]
    assert "aws lambda invoke --function-name GenAiGuardrails-prod-PriceRefresh" in note["Message"]


def test_allowed_price_drops_are_published_and_notified(aws: Aws) -> None:
    put_invocations(aws, NOVA_MICRO)
    report = refresh_with(aws, "0.0000140000", allow=True)
    catalog, _ = published(aws)
    card = catalog.rates(NOVA_MICRO, REGION, "in_region")
    assert card is not None and card.input == Decimal("0.014")
    assert report.held == [] and report.accepted
    (note,) = messages(aws)
    assert "published" in note["Subject"] and "back to false" in note["Message"]


def test_a_drop_for_a_model_nobody_uses_is_published_without_a_warning(aws: Aws) -> None:
    report = refresh_with(aws, "0.0000140000")
    catalog, _ = published(aws)
    card = catalog.rates(NOVA_MICRO, REGION, "in_region")
    assert card is not None and card.input == Decimal("0.014")
    assert report.held == [] and report.accepted == []
    assert messages(aws) == []


def test_a_feature_profile_makes_its_model_in_use(aws: Aws) -> None:
    pricing = pricing_client()
    docs = api_documents(REGION, set_usd("USE1-NovaMicro-input-tokens", "0.0000000000"))
    with Stubber(pricing) as stubber:
        stub_price_list(stubber, REGION, docs)
        report = run_refresh(
            pricing=pricing,
            s3=aws.s3,
            cloudwatch=aws.cloudwatch,
            sns=aws.sns,
            settings=settings(aws, {"chat": f"us.{NOVA_MICRO}"}),
            now=NOW,
        )
    assert report.held


def test_models_in_use_unknown_means_every_model_is_checked(aws: Aws) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    with Stubber(cloudwatch) as stubber:
        stubber.add_client_error("list_metrics", "Throttling", "slow down", 400)
        assert models_in_use(cloudwatch, settings(aws)) is None
    changes = [
        CatalogChange("changed", "m1", REGION, "*", "standard", "input", Decimal("1"), Decimal("0.4")),
        CatalogChange("changed", "m2", REGION, "*", "standard", "input", Decimal("1"), Decimal("0.5")),
        CatalogChange("changed", "m3", REGION, "*", "standard", "output", Decimal("1"), Decimal("0")),
        CatalogChange("added", "m4", REGION, "*", "standard", "input", None, Decimal("0")),
        CatalogChange("added", "m5", REGION, "*", "standard", "output", None, Decimal("0")),  # embeddings
        CatalogChange("changed", "m6", REGION, "*", "standard", "input", Decimal("1"), Decimal("3")),
    ]
    assert [s.change.model_id for s in suspect_prices(changes, None)] == ["m1", "m3", "m4"]
    assert [s.change.model_id for s in suspect_prices(changes, {"m3"})] == ["m3"]


def test_a_model_priced_per_unit_is_not_reported_missing() -> None:
    from lambdas.price_refresh.refresh import missing_prices

    plain = Settings(
        bucket=BUCKET, key=KEY, topic_arn=None, region="us-east-1", environment="prod",
        schedule_days=7, copy_from={},
    )  # fmt: skip
    in_use = {
        "amazon.nova-canvas-v1:0": 3,
        "amazon.nova-reel-v1:0": 2,
    }  # per image (priced), per second (not)
    assert [m.model for m in missing_prices(PriceCatalog.load(), plain, in_use)] == ["amazon.nova-reel-v1:0"]
