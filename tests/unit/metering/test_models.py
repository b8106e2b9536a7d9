"""Every modelId form an invocation log carries, resolved and priced (or knowingly unpriced) by the Meter."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from core.contract import UNKNOWN_MODEL
from core.runtime_config import load_runtime_config
from lambdas.metering.aggregate import Meter, MetricDoc
from lambdas.metering.profiles import FAILURE_TTL_SECONDS, ProfileResolver, target_from_response
from tests.unit.metering.helpers import (
    ACCOUNT,
    TICKET_PROFILE_ARN,
    TICKET_PROFILE_ID,
    log_events,
    record,
    usage,
)

SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"
SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
M = Decimal(1_000_000)


def arn(kind: str, rid: str, region: str = "us-east-1") -> str:
    return f"arn:aws:bedrock:{region}:{ACCOUNT}:{kind}/{rid}"


def meter_one(meter: Meter, rec: dict[str, Any]) -> MetricDoc:
    result = meter.meter(log_events([rec]))
    assert result.malformed == 0 and result.records == 1
    assert len(result.docs) == 1
    return result.docs[0]


# (modelId, record region, expected Model dimension, expected scope)
FORMS = [
    (SONNET4, "us-east-1", SONNET4, "in_region"),
    (arn("foundation-model", SONNET4), "us-east-1", SONNET4, "in_region"),
    (f"us.{SONNET4}", "us-east-1", SONNET4, "geo"),
    (arn("inference-profile", f"us.{SONNET4}"), "us-east-1", SONNET4, "geo"),
    (f"eu.{SONNET4}", "eu-west-1", SONNET4, "geo"),
    (arn("inference-profile", f"eu.{SONNET4}", "eu-central-1"), "eu-central-1", SONNET4, "geo"),
    (f"apac.{SONNET4}", "ap-northeast-1", SONNET4, "geo"),
    (arn("inference-profile", f"apac.{SONNET4}", "ap-northeast-1"), "ap-northeast-1", SONNET4, "geo"),
    (f"jp.{SONNET45}", "ap-northeast-1", SONNET45, "geo"),
    (arn("inference-profile", f"jp.{SONNET45}", "ap-northeast-1"), "ap-northeast-1", SONNET45, "geo"),
    (f"au.{SONNET45}", "ap-southeast-2", SONNET45, "geo"),
    (arn("inference-profile", f"au.{SONNET45}", "ap-southeast-2"), "ap-southeast-2", SONNET45, "geo"),
    (f"global.{HAIKU45}", "us-east-1", HAIKU45, "global"),
    (arn("inference-profile", f"global.{HAIKU45}"), "us-east-1", HAIKU45, "global"),
]


@pytest.mark.parametrize(("model_id", "region", "dimension", "scope"), FORMS, ids=[f[0] for f in FORMS])
def test_model_id_forms(meter: Meter, model_id: str, region: str, dimension: str, scope: str) -> None:
    doc = meter_one(meter, record(modelId=model_id, region=region, **usage(1000, 100)))
    assert doc.model == dimension
    assert ":" not in doc.model.split(".", 1)[0] and not doc.model.startswith("arn:")
    entry = meter.models.get(model_id)
    assert entry.scope == scope and entry.base_model_id == dimension
    expected = meter.catalog.price(dimension, region, scope, _usage(1000, 100)).cost_usd
    assert expected is not None and doc.cost_usd == expected and doc.unpriced == 0


def _usage(i: int, o: int, cr: int = 0, cw: int = 0) -> Any:
    from lambdas.pricing.catalog import Usage

    return Usage(i, o, cr, cw)


def test_geo_and_global_are_priced_differently(meter: Meter) -> None:
    """Claude Haiku 4.5 in us-east-1: regional/geo 1.10/5.50, global 1.00/5.00 per 1M (bundled catalog)."""
    geo = meter_one(meter, record(modelId=f"us.{HAIKU45}", **usage(1_000_000, 100_000)))
    glob = meter_one(meter, record(modelId=f"global.{HAIKU45}", **usage(1_000_000, 100_000)))
    assert geo.cost_usd == Decimal("1.10") + Decimal("0.55")
    assert glob.cost_usd == Decimal("1.00") + Decimal("0.50")


def test_stack_profile_mapped_via_env_and_copy_from(meter: Meter) -> None:
    # GUARDRAILS_PROFILE_FEATURES {tsprof0a1b2c: ticket-summary}; ticket-summary copies
    # us.anthropic.claude-haiku-4-5-20251001-v1:0 → geo-priced Haiku 4.5, no AWS call (FailingFactory).
    doc = meter_one(meter, record(modelId=TICKET_PROFILE_ARN, requestMetadata=..., **usage(5120, 1900)))
    assert (doc.application, doc.feature, doc.model) == ("customer-support", "ticket-summary", HAIKU45)
    assert doc.cost_usd == (5120 * Decimal("1.1") + 1900 * Decimal("5.5")) / M
    assert meter.models.get(TICKET_PROFILE_ARN).scope == "geo"
    assert meter.resolver.calls == 0


def test_env_mapping_keyed_by_arn(
    runtime_file: Any, monkeypatch: pytest.MonkeyPatch, make_meter: Callable[..., Meter]
) -> None:
    monkeypatch.setenv("GUARDRAILS_PROFILE_FEATURES", json.dumps({TICKET_PROFILE_ARN: "ticket-summary"}))
    meter = make_meter(rt=load_runtime_config())
    doc = meter_one(meter, record(modelId=TICKET_PROFILE_ARN, requestMetadata=..., **usage(10, 10)))
    assert (doc.feature, doc.model) == ("ticket-summary", HAIKU45)


def _bedrock_client() -> Any:
    return boto3.client(
        "bedrock", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )


def _profile_response(profile_arn: str, model: str, regions: list[str]) -> dict[str, Any]:
    return {
        "inferenceProfileName": "batch-tool",
        "inferenceProfileArn": profile_arn,
        "inferenceProfileId": profile_arn.rsplit("/", 1)[-1],
        "status": "ACTIVE",
        "type": "APPLICATION",
        "models": [{"modelArn": f"arn:aws:bedrock:{r}::foundation-model/{model}"} for r in regions],
    }


def test_unknown_app_profile_resolved_with_get_inference_profile(make_meter: Callable[..., Meter]) -> None:
    profile = arn("application-inference-profile", "zz9plural9z")
    client = _bedrock_client()
    with Stubber(client) as stub:
        stub.add_response(
            "get_inference_profile",
            _profile_response(profile, SONNET4, ["us-east-1", "us-east-2", "us-west-2"]),
            {"inferenceProfileIdentifier": profile},
        )
        meter = make_meter(ProfileResolver(lambda region: client))
        recs = [
            record(modelId=profile, requestMetadata=..., identity=..., **usage(1000, 100)) for _ in range(50)
        ]
        result = meter.meter(log_events(recs))
        again = meter.meter(log_events(recs))  # cached for the life of the container: no second call
        stub.assert_no_pending_responses()
    assert meter.resolver.calls == 1
    for res in (result, again):
        (doc,) = res.docs
        assert doc.model == SONNET4 and doc.invocations == 50 and doc.unpriced == 0
        assert doc.cost_usd == 50 * (1000 * Decimal(3) + 100 * Decimal(15)) / M
    assert meter.models.get(profile).scope == "geo"


def test_unknown_app_profile_lookup_failure_is_unpriced_not_lost(make_meter: Callable[..., Meter]) -> None:
    profile = arn("application-inference-profile", "denied00001")
    client = _bedrock_client()
    now = [1000.0]
    with Stubber(client) as stub:
        stub.add_client_error("get_inference_profile", "AccessDeniedException", "not allowed", 403)
        meter = make_meter(ProfileResolver(lambda region: client, clock=lambda: now[0]))
        recs = [record(modelId=profile, **usage(700, 70)) for _ in range(3)]
        result = meter.meter(log_events(recs))
        meter.meter(log_events(recs))  # within the failure TTL: no new call
        stub.assert_no_pending_responses()
        assert meter.resolver.calls == 1
        (doc,) = result.docs
        assert (
            doc.model == UNKNOWN_MODEL and doc.invocations == 3 and doc.unpriced == 3 and doc.cost_usd is None
        )
        assert (doc.input_tokens, doc.output_tokens) == (2100, 210)
        assert doc.feature == "support-chat"  # still attributed (requestMetadata)
        (reason,) = result.unpriced_reasons
        assert "GetInferenceProfile failed" in reason and "AccessDenied" in reason
        # After the TTL the lookup is retried, and a success is then priced.
        stub.add_response(
            "get_inference_profile",
            _profile_response(profile, HAIKU45, ["us-east-1"]),
            {"inferenceProfileIdentifier": profile},
        )
        now[0] += FAILURE_TTL_SECONDS + 1
        (doc2,) = meter.meter(log_events(recs)).docs
        assert doc2.model == HAIKU45 and doc2.unpriced == 0 and doc2.cost_usd is not None
        assert meter.resolver.calls == 2


@pytest.mark.parametrize(
    ("regions", "target"),
    [
        (["us-east-1"], SONNET4),
        (["us-east-1", "us-west-2"], f"us.{SONNET4}"),
        (["eu-west-1", "eu-central-1"], f"eu.{SONNET4}"),
        (["ap-northeast-1", "ap-northeast-3"], f"jp.{SONNET4}"),
        (["ap-southeast-2", "ap-southeast-4"], f"au.{SONNET4}"),
        (["ap-northeast-1", "ap-south-1", "ap-southeast-2"], f"apac.{SONNET4}"),
        (["us-east-1", "eu-west-1", "ap-northeast-1"], f"global.{SONNET4}"),
    ],
)
def test_target_from_get_inference_profile_response(regions: list[str], target: str) -> None:
    assert target_from_response(_profile_response("arn:x", SONNET4, regions)) == target


def test_profile_response_with_several_models_is_an_error() -> None:
    resp = _profile_response("arn:x", SONNET4, ["us-east-1"])
    resp["models"].append({"modelArn": f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU45}"})
    with pytest.raises(ValueError, match="2 models"):
        target_from_response(resp)


@pytest.mark.parametrize(
    ("model_id", "dimension", "reason"),
    [
        (arn("provisioned-model", "pt0a1b2c3d"), "provisioned-model/pt0a1b2c3d", "provisioned throughput"),
        (
            arn("custom-model", "anthropic.claude-3-haiku/cm123"),
            "custom-model/anthropic.claude-3-haiku/cm123",
            "custom",
        ),
        (arn("imported-model", "im0abc"), "imported-model/im0abc", "imported"),
        ("acme.secret-model-v9:0", "acme.secret-model-v9:0", "not in catalog"),
        ("not a model id!", UNKNOWN_MODEL, "unrecognised"),
    ],
)
def test_unpriceable_models_are_metered_unpriced(
    meter: Meter, model_id: str, dimension: str, reason: str
) -> None:
    result = meter.meter(log_events([record(modelId=model_id, **usage(100, 50))]))
    (doc,) = result.docs
    assert doc.model == dimension and not doc.model.startswith("arn:")
    assert (doc.invocations, doc.unpriced, doc.cost_usd) == (1, 1, None)
    assert (doc.input_tokens, doc.output_tokens) == (100, 50)
    (why,) = result.unpriced_reasons
    assert reason in why


def test_spellings_of_one_model_fold_into_one_document(meter: Meter) -> None:
    recs = [
        record(modelId=f"us.{SONNET4}", **usage(100, 10)),
        record(modelId=arn("inference-profile", f"us.{SONNET4}"), **usage(200, 20)),
        record(modelId=SONNET4, **usage(300, 30)),  # in-Region: its own price, same document
    ]
    (doc,) = meter.meter(log_events(recs)).docs
    assert (doc.model, doc.invocations, doc.input_tokens, doc.output_tokens) == (SONNET4, 3, 600, 60)
    assert doc.cost_usd == (600 * Decimal(3) + 60 * Decimal(15)) / M


def test_no_aws_call_for_known_forms(meter: Meter) -> None:
    meter.meter(
        log_events([record(modelId=f[0], region=f[1]) for f in FORMS] + [record(modelId=TICKET_PROFILE_ARN)])
    )
    assert meter.resolver.calls == 0
    assert TICKET_PROFILE_ID in meter.runtime.profile_features


def test_non_ascii_model_dimension_becomes_unknown(meter: Meter) -> None:
    (doc,) = meter.meter(log_events([record(modelId=arn("provisioned-model", "pt-ünï"), **usage(1, 1))])).docs
    assert doc.model == UNKNOWN_MODEL and doc.unpriced == 1
