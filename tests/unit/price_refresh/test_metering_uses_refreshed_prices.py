"""The metering Lambda prices with a newly published catalog on its next check: no redeploy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from config.loader import load_config
from core.runtime_config import build_runtime_config
from lambdas.metering import handler
from lambdas.pricing import catalog_source
from lambdas.pricing.catalog import PriceCatalog
from lambdas.pricing.merge import merge_catalogs
from lambdas.pricing.price_list import build_catalog
from tests.unit.price_refresh.recorded_pages import api_documents, set_usd

BUCKET = "guardrails-price-catalog"
KEY = "price-catalog/current.json"
RECORD = {
    "schemaType": "ModelInvocationLog",
    "schemaVersion": "1.0",
    "timestamp": "2026-11-23T09:00:05Z",
    "accountId": "222222222222",
    "identity": {"arn": "arn:aws:sts::222222222222:assumed-role/support-chat-api/i-0abc"},
    "region": "us-east-1",
    "requestId": "r-1",
    "operation": "Converse",
    "modelId": "amazon.nova-micro-v1:0",
    "input": {"inputTokenCount": 1_000_000, "cacheReadInputTokenCount": 0, "cacheWriteInputTokenCount": 0},
    "output": {"outputTokenCount": 0},
    "requestMetadata": {"feature": "support-chat"},
}


@pytest.fixture
def metering(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    config = load_config()
    prod = next(a for a in config.accounts if a.name == "prod")
    path = tmp_path / "runtime_config.json"
    path.write_text(build_runtime_config(config, prod).to_json(), encoding="utf-8")
    for name, value in {
        "GUARDRAILS_RUNTIME_CONFIG": str(path),
        "GUARDRAILS_PRICE_BUCKET": BUCKET,
        "GUARDRAILS_PRICE_KEY": KEY,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        catalog_source.reset_cache(s3)
        handler.reset_meter()
        yield s3
        handler.reset_meter()
        catalog_source.reset_cache()


def publish(s3: Any, nova_micro_input_per_1k: str, as_of: str) -> None:
    docs = api_documents("us-east-1", set_usd("USE1-NovaMicro-input-tokens", nova_micro_input_per_1k))
    built = build_catalog([d for g in docs.values() for d in g], as_of=as_of, source="recorded pages")
    merged = merge_catalogs(PriceCatalog.load().to_dict(), built.catalog_dict, as_of=as_of, source="recorded")
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(merged).encode())


def cost_of_one_call(capsys: pytest.CaptureFixture[str]) -> Decimal:
    event = {"id": "e1", "timestamp": 1_795_000_000_000, "message": json.dumps(RECORD)}
    handler.meter_events(handler.get_meter(), [event], "/aws/bedrock/model-invocations")
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    costs = [Decimal(str(d["CostUSD"])) for d in docs if "CostUSD" in d and "Feature" in d]
    assert len(costs) == 1, docs
    return costs[0]


def test_metering_picks_up_a_new_price_without_a_redeploy(metering: Any, capsys: Any) -> None:
    # nothing published yet: the bundled catalog (Nova Micro input $0.035 per 1M)
    assert cost_of_one_call(capsys) == Decimal("0.035")
    assert catalog_source.catalog_origin() == "bundled"

    publish(metering, "0.0000300000", "2026-11-23")  # the weekly refresh runs
    assert cost_of_one_call(capsys) == Decimal("0.035")  # cached within the TTL: no S3 call per batch
    catalog_source.expire_cache()  # 15 minutes later
    assert cost_of_one_call(capsys) == Decimal("0.03")
    assert catalog_source.catalog_label(handler.get_meter().catalog) == (
        "prices as of 2026-11-23 (AWS Price List refresh)"
    )

    metering.delete_object(Bucket=BUCKET, Key=KEY)  # catalog gone: bundled again, never unpriced
    catalog_source.expire_cache()
    assert cost_of_one_call(capsys) == Decimal("0.035")
