"""Metering's side: ``current_catalog()`` picks a newly published catalog up without a redeploy."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws

from lambdas.pricing import catalog_source
from lambdas.pricing.catalog import PriceCatalog, Usage
from lambdas.pricing.catalog_source import catalog_label, current_catalog, expire_cache, reset_cache
from lambdas.pricing.merge import merge_catalogs
from lambdas.pricing.price_list import build_catalog
from tests.unit.price_refresh.recorded_pages import api_documents, set_usd

BUCKET = "guardrails-price-catalog"
KEY = "price-catalog/current.json"
ENV = {"GUARDRAILS_PRICE_BUCKET": BUCKET, "GUARDRAILS_PRICE_KEY": KEY}
NOVA_MICRO = "amazon.nova-micro-v1:0"
MILLION_IN = Usage(input_tokens=1_000_000)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        reset_cache(client)
        yield client
    reset_cache()


def refreshed(nova_micro_input_per_1k: str, as_of: str) -> dict[str, Any]:
    """What the refresh Lambda publishes, from the recorded pages with one price changed."""
    docs = api_documents("us-east-1", set_usd("USE1-NovaMicro-input-tokens", nova_micro_input_per_1k))
    records = [d for group in docs.values() for d in group]
    built = build_catalog(records, as_of=as_of, source="test pages")
    return merge_catalogs(PriceCatalog.load().to_dict(), built.catalog_dict, as_of=as_of, source="test pages")


def publish(s3: Any, catalog: dict[str, Any]) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(catalog).encode())


def nova_cost(catalog: PriceCatalog) -> Decimal | None:
    return catalog.price(NOVA_MICRO, "us-east-1", "in_region", MILLION_IN).cost_usd


def test_no_bucket_configured_is_the_bundled_catalog() -> None:
    reset_cache()
    assert current_catalog(environ={}) is PriceCatalog.load()
    assert catalog_source.catalog_origin() == "bundled"


def test_nothing_published_yet_is_the_bundled_catalog(s3: Any) -> None:
    assert current_catalog(environ=ENV) is PriceCatalog.load()
    assert catalog_source.catalog_origin() == "bundled"


def test_a_new_price_is_picked_up_after_the_ttl_without_a_redeploy(s3: Any) -> None:
    clock = Clock()
    publish(s3, refreshed("0.0000300000", "2026-11-16"))
    first = current_catalog(environ=ENV, clock=clock)
    assert nova_cost(first) == Decimal("0.03") and first.as_of == "2026-11-16"
    assert catalog_source.catalog_origin() == "s3"

    publish(s3, refreshed("0.0000250000", "2026-11-23"))  # next week's refresh
    clock.now += 60
    assert current_catalog(environ=ENV, clock=clock) is first  # within the TTL: cached, no S3 call
    clock.now += catalog_source.DEFAULT_TTL_SECONDS
    second = current_catalog(environ=ENV, clock=clock)
    assert nova_cost(second) == Decimal("0.025")
    assert catalog_label(second) == "prices as of 2026-11-23 (AWS Price List refresh)"

    expire_cache()  # unchanged object: a 304 keeps the very same catalog object
    assert current_catalog(environ=ENV, clock=clock) is second


def test_overrides_follow_the_refreshed_catalog(s3: Any) -> None:
    clock = Clock()
    overrides = [{"model_id": "amazon.nova-pro-v1:0", "input_per_million": "0.5", "output_per_million": "2"}]
    publish(s3, refreshed("0.0000300000", "2026-11-16"))
    first = current_catalog(overrides, "10", environ=ENV, clock=clock)
    assert nova_cost(first) == Decimal("0.027")  # 10% discount on the refreshed price
    assert current_catalog(overrides, "10", environ=ENV, clock=clock) is first  # customised once
    assert catalog_label(first).endswith("(AWS Price List refresh, with config overrides)")
    publish(s3, refreshed("0.0000200000", "2026-11-23"))
    expire_cache()
    assert nova_cost(current_catalog(overrides, "10", environ=ENV, clock=clock)) == Decimal("0.018")


def test_failures_fall_back_to_the_last_good_catalog_then_the_bundled_one(s3: Any) -> None:
    clock = Clock()
    publish(s3, refreshed("0.0000300000", "2026-11-16"))
    good = current_catalog(environ=ENV, clock=clock)
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"{not json")
    expire_cache()
    assert current_catalog(environ=ENV, clock=clock) is good
    assert catalog_source.catalog_origin() == "fallback"
    # retried after the short back-off, not on every invocation and not only after the full TTL
    clock.now += catalog_source.FAILURE_RETRY_SECONDS
    publish(s3, refreshed("0.0000250000", "2026-11-23"))
    assert nova_cost(current_catalog(environ=ENV, clock=clock)) == Decimal("0.025")

    reset_cache(s3)
    broken = {**ENV, "GUARDRAILS_PRICE_BUCKET": "no-such-bucket"}
    assert current_catalog(environ=broken, clock=clock) is PriceCatalog.load()
    assert catalog_source.catalog_origin() == "fallback"


def test_an_object_that_is_not_a_catalog_is_not_used(s3: Any) -> None:
    bad = copy.deepcopy(refreshed("0.0000300000", "2026-11-16"))
    del bad["models"]
    publish(s3, bad)
    assert current_catalog(environ=ENV, clock=Clock()) is PriceCatalog.load()


def test_catalog_label_names_date_and_source() -> None:
    bundled = PriceCatalog.load()
    assert catalog_label(bundled) == "prices as of 2026-09-09 (bundled 2026.11.1)"
    assert catalog_label(bundled.with_overrides(None, 5)) == (
        "prices as of 2026-09-09 (bundled 2026.11.1, with config overrides)"
    )
