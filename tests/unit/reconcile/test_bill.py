"""Bill lines to models, and the gap arithmetic, on Cost Explorer usage types as they appear on bills."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lambdas.reconcile.bill import (
    BillLine,
    dimension_of,
    error_percent,
    model_of,
    not_logged_reason,
    reconcile,
)

D = Decimal


@pytest.mark.parametrize(
    ("service", "usage_type", "model"),
    [
        ("Amazon Bedrock", "USE1-NovaMicro-input-tokens", "amazon.nova-micro-v1:0"),
        ("Amazon Bedrock", "APN1-NovaPro-cache-read-input-token-count", "amazon.nova-pro-v1:0"),
        (
            "Amazon Bedrock",
            "USE1-Claude4.5Haiku-cache-read-input-token-count-cross-region-global",
            "anthropic.claude-haiku-4-5-20251001-v1:0",
        ),
        ("Amazon Bedrock", "USE1-Claude3Haiku-input-tokens", "anthropic.claude-3-haiku-20240307-v1:0"),
        ("Amazon Bedrock", "USE1-openai.gpt-oss-120b-mantle-input-tokens-flex", "openai.gpt-oss-120b-1:0"),
        ("Amazon Bedrock", "USE1-moonshotai.kimi-k2.5-input", "moonshotai.kimi-k2.5"),
        ("Amazon Bedrock", "USE1-NovaReel-T2V-Medfps-HDRes", "amazon.nova-reel-v1:0"),
        (
            "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
            "USE1-MP:USE1_InputTokenCount_Global-Units",
            "anthropic.claude-sonnet-4-5-20250929-v1:0",
        ),
        ("Amazon Bedrock", "USE1-Guardrails-TopicPolicyUnitsConsumed", "bedrock.guardrails"),
        ("Amazon Bedrock", "USE1-Bedrock-Websearch-Queries", None),
        ("Amazon Bedrock", "USE1-Runtime:Consumption-based:vCPU", None),
    ],
)
def test_usage_types_name_their_model_or_none(service: str, usage_type: str, model: str | None) -> None:
    assert model_of(service, usage_type) == model


def test_dimensions_and_lines_the_log_never_shows() -> None:
    assert dimension_of("USE1-NovaMicro-output-tokens") == "output"
    assert dimension_of("USE1-MP:USE1_CacheWrite1hInputTokenCount-Units") == "cache_write"
    assert dimension_of("USE1-Bedrock-Websearch-Queries") is None
    assert "batch" in (not_logged_reason("USE1-NovaMicro-input-tokens-batch") or "")
    assert not_logged_reason("USE1-NovaMicro-input-tokens") is None


def line(model: str | None, cost: str, usage_type: str = "USE1-NovaMicro-input-tokens") -> BillLine:
    return BillLine("Amazon Bedrock", usage_type, D(cost), D(0), "1K tokens", model)


def test_gaps_real_spend_and_one_sided_models() -> None:
    rec = reconcile(
        "2026-11-29",
        [line("a", "100"), line("b", "0.40"), line(None, "2")],
        {"a": D("105"), "b": D("0.80"), "c": D("3")},
        tolerance_percent=D(5),
        min_billed_usd=D(1),
    )
    gaps = {g.model: g for g in rec.models}
    assert gaps["a"].error_percent == D(5) and not gaps["a"].off  # at the tolerance: not beyond it
    assert gaps["b"].error_percent == D(100) and not gaps["b"].off  # $0.80 is not real spend
    assert gaps["c"].error_percent is None and gaps["c"].off  # metered $3, nothing billed
    assert rec.billed_total == D("102.40") and rec.metered_total == D("108.80")
    assert rec.worst_error_percent == D(100)  # c counts as 100% off; b is below real spend
    assert error_percent(D(0), D(0)) is None
