"""Every modelId form an invocation log can carry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lambdas.pricing.catalog import PriceCatalog
from lambdas.pricing.model_ids import ResolvedModel, resolve_model_id

DATA = Path(__file__).resolve().parents[2] / "data" / "pricing"
SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"
HAIKU45 = "anthropic.claude-haiku-4-5-20251001-v1:0"


@pytest.mark.parametrize(
    ("model_id", "base", "scope", "prefix", "kind"),
    [
        (SONNET4, SONNET4, "in_region", None, "foundation_model"),
        ("amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0", "in_region", None, "foundation_model"),
        ("deepseek.v3.2", "deepseek.v3.2", "in_region", None, "foundation_model"),
        ("openai.gpt-oss-120b-1:0", "openai.gpt-oss-120b-1:0", "in_region", None, "foundation_model"),
        (
            f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET4}",
            SONNET4, "in_region", None, "foundation_model",
        ),
        (f"us.{SONNET4}", SONNET4, "geo", "us", "system_profile"),
        (f"eu.{SONNET4}", SONNET4, "geo", "eu", "system_profile"),
        (f"apac.{SONNET4}", SONNET4, "geo", "apac", "system_profile"),
        (f"jp.{HAIKU45}", HAIKU45, "geo", "jp", "system_profile"),
        (f"au.{HAIKU45}", HAIKU45, "geo", "au", "system_profile"),
        (f"ca.{HAIKU45}", HAIKU45, "geo", "ca", "system_profile"),
        (f"us-gov.{HAIKU45}", HAIKU45, "geo", "us-gov", "system_profile"),
        (f"global.{HAIKU45}", HAIKU45, "global", "global", "system_profile"),
        ("us.deepseek.r1-v1:0", "deepseek.r1-v1:0", "geo", "us", "system_profile"),
        # A geography AWS adds later is still recognised by the provider that follows it.
        (f"mx.{HAIKU45}", HAIKU45, "geo", "mx", "system_profile"),
        (
            f"arn:aws:bedrock:us-east-1:222222222222:inference-profile/us.{SONNET4}",
            SONNET4, "geo", "us", "system_profile",
        ),
        (
            f"arn:aws:bedrock:eu-central-1:222222222222:inference-profile/global.{HAIKU45}",
            HAIKU45, "global", "global", "system_profile",
        ),
        (
            f"arn:aws-us-gov:bedrock:us-gov-west-1:222222222222:inference-profile/us-gov.{HAIKU45}",
            HAIKU45, "geo", "us-gov", "system_profile",
        ),
        (
            f"arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/{HAIKU45}",
            HAIKU45, "in_region", None, "foundation_model",
        ),
        (f"  {SONNET4}\n", SONNET4, "in_region", None, "foundation_model"),
    ],
)  # fmt: skip
def test_priceable_forms(model_id: str, base: str, scope: str, prefix: str | None, kind: str) -> None:
    r = resolve_model_id(model_id)
    assert (r.base_model_id, r.scope, r.geo_prefix, r.source_kind) == (base, scope, prefix, kind)
    assert r.unpriced_reason is None
    assert r.priceable


def test_metric_dimension_is_never_an_arn_or_prefixed() -> None:
    for mid in (f"us.{SONNET4}", f"arn:aws:bedrock:us-east-1:1:inference-profile/global.{HAIKU45}"):
        base = resolve_model_id(mid).base_model_id
        assert base is not None and not base.startswith(("arn:", "us.", "global."))


APP_ARN = "arn:aws:bedrock:us-east-1:222222222222:application-inference-profile/a1b2c3d4e5f6"


def test_application_profile_unmapped_is_unpriced_with_reason() -> None:
    r = resolve_model_id(APP_ARN)
    assert r.base_model_id is None
    assert r.source_kind == "application_profile"
    assert r.unpriced_reason is not None and "GetInferenceProfile" in r.unpriced_reason
    assert not r.priceable


def test_application_profile_mapped_by_arn_to_system_profile_keeps_its_scope() -> None:
    r = resolve_model_id(APP_ARN, {APP_ARN: f"global.{HAIKU45}"})
    assert r == ResolvedModel(HAIKU45, "global", "global", "application_profile", None)


def test_application_profile_mapped_by_id_to_model_and_arn_targets() -> None:
    assert resolve_model_id(APP_ARN, {"a1b2c3d4e5f6": SONNET4}) == ResolvedModel(
        SONNET4, "in_region", None, "application_profile", None
    )
    target = f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET4}"
    assert resolve_model_id(APP_ARN, {APP_ARN: target}).base_model_id == SONNET4
    # A bare profile id (as GetInferenceProfile returns) is accepted too.
    assert resolve_model_id("a1b2c3d4e5f6", {"a1b2c3d4e5f6": f"eu.{SONNET4}"}).scope == "geo"


def test_application_profile_loops_and_garbage_targets_stay_unpriced() -> None:
    loop = resolve_model_id(APP_ARN, {APP_ARN: APP_ARN})
    assert loop.base_model_id is None and loop.unpriced_reason is not None
    bad = resolve_model_id(APP_ARN, {APP_ARN: "not a model"})
    assert bad.base_model_id is None and bad.source_kind == "application_profile"
    assert bad.unpriced_reason is not None and "not a model" in bad.unpriced_reason


def test_mapping_does_not_change_other_ids() -> None:
    assert resolve_model_id(SONNET4, {APP_ARN: HAIKU45}) == resolve_model_id(SONNET4)


@pytest.mark.parametrize(
    ("arn", "kind", "base"),
    [
        ("arn:aws:bedrock:us-east-1:222222222222:provisioned-model/abc123xyz", "provisioned",
         "provisioned-model/abc123xyz"),
        ("arn:aws:bedrock:us-east-1:222222222222:custom-model/amazon.titan-text-express-v1:0:8k/ly16hhi765j4",
         "custom_model", "custom-model/amazon.titan-text-express-v1:0:8k/ly16hhi765j4"),
        ("arn:aws:bedrock:us-west-2:222222222222:imported-model/k2l3m4n5o6p7", "imported_model",
         "imported-model/k2l3m4n5o6p7"),
        ("arn:aws-us-gov:bedrock:us-gov-west-1:222222222222:provisioned-model/q1w2e3", "provisioned",
         "provisioned-model/q1w2e3"),
    ],
)  # fmt: skip
def test_non_token_billed_models(arn: str, kind: str, base: str) -> None:
    r = resolve_model_id(arn)
    assert r.source_kind == kind
    assert r.base_model_id == base
    assert r.unpriced_reason
    assert not r.priceable


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "   ",
        "claude",
        "not a model",
        "arn:aws:s3:::my-bucket",
        "arn:aws:bedrock:us-east-1:1:agent/ABC",
        "arn:aws:bedrock:us-east-1:1:inference-profile/",
        "arn:aws:bedrock:us-east-1::foundation-model/us.anthropic.claude-3-haiku-20240307-v1:0",
        "arn:bogus:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0",
        "us.",
        "bedrock/anthropic.claude-3-haiku",
    ],
)
def test_garbage_is_unknown_with_reason(garbage: str) -> None:
    r = resolve_model_id(garbage)
    assert r.source_kind == "unknown"
    assert r.base_model_id is None
    assert r.unpriced_reason


def test_non_string_is_unknown() -> None:
    r = resolve_model_id(None)  # type: ignore[arg-type]
    assert r.source_kind == "unknown"


def test_common_case_is_cached() -> None:
    assert resolve_model_id(f"us.{SONNET4}") is resolve_model_id(f"us.{SONNET4}")


# ---- the real-format sample log ------------------------------------------------------------------------

EXPECTED_SAMPLE = {
    "915a6a04-2d1c-4f7e-9c8b-0f1e2d3c4b5a": (
        "anthropic.claude-3-haiku-20240307-v1:0",
        "in_region",
        "foundation_model",
    ),
    "0b7e9f3a-6a55-4b8e-8a71-3f6a0c1d2e3f": (SONNET4, "geo", "system_profile"),
    "6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f": (None, "in_region", "application_profile"),
    "7d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a": (HAIKU45, "global", "system_profile"),
    "8e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b": ("amazon.titan-embed-text-v2:0", "in_region", "foundation_model"),
    "9f4a5b6c-7d8e-4f9a-0b1c-2d3e4f5a6b7c": ("amazon.nova-micro-v1:0", "in_region", "foundation_model"),
}


def _sample_records() -> list[dict[str, object]]:
    lines = (DATA / "invocation-logs.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_every_sample_record_resolves_to_expected_base_model() -> None:
    records = _sample_records()
    assert {str(r["requestId"]) for r in records} == set(EXPECTED_SAMPLE)
    catalog = PriceCatalog.load()
    for rec in records:
        r = resolve_model_id(str(rec["modelId"]))
        assert (r.base_model_id, r.scope, r.source_kind) == EXPECTED_SAMPLE[str(rec["requestId"])]
        if r.base_model_id is not None:
            # Every priceable sample model is priced in the Region the call was made in.
            assert catalog.entry(r.base_model_id, str(rec["region"]), r.scope) is not None
