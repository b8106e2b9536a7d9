"""The hand-kept source table behind ``catalog.json``. Edit this, then run
``python -m lambdas.pricing.build_bundled_catalog`` and commit both files.

Every number here is USD per 1M tokens, copied from a named source (see SOURCES), never extrapolated to
another model or Region. Rates that follow from a documented AWS rule (batch = 0.5x, Anthropic cache
multipliers, the Claude 4.5+ regional 1.10x, long context) are derived by the builder, not typed here;
each derived figure is listed in the catalog entry's ``derived`` field.

Where sources disagree, the rules of docs/pricing.md apply: an AWS-derived figure (Price List
record, AWS pricing page, pydantic/genai-prices rows generated from the Price List) beats LiteLLM.

Confidence:
  high   - the figure is in an AWS Price List record or an AWS-generated source for that Region;
  medium - two independent sources agree, or an AWS rule applied to a high figure, or a Region assumed to
           share the us-east-1 price because AWS prices US East/US West alike (see "us-parity");
  low    - one non-AWS source only (mostly LiteLLM), or flagged unverified in the README.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

Confidence = Literal["high", "medium", "low"]
Kind = Literal["text", "embedding", "image", "video", "speech", "rerank", "guardrail"]
Scope = Literal["*", "in_region", "geo", "global"]

SOURCES: dict[str, str] = {
    "PL-inferplane": (
        "AWS Price List Query API GetProducts records (ServiceCode AmazonBedrock) fetched 2026-08-26, quoted "
        "in the inferplane/inferplane pricing-sync test fixture: Claude 3 Haiku USE1 input $0.00025/1K "
        "(SKU KMZFVEBPVFAP5FUF); Nova Pro APN1 $0.00096/$0.00384 per 1K, batch input $0.00048, cache read "
        "$0.00024"
    ),
    "PL-qwen": (
        "AWS Price List us-east-1 rates for Qwen3-32B (standard/flex/priority/batch) quoted in a third-party "
        "test dated 2026-07-27"
    ),
    "PL-nova2": (
        "AWS Price List usagetypes USW2-Nova2.0Lite-* (in-region 0.00033/0.00275/0.0000825 per 1K; "
        "priority-cross-region-global input 0.000525 per 1K) quoted in a third-party test fixture"
    ),
    "PL-fm-haiku45": (
        "AWS Price List offer AmazonBedrockFoundationModels v20260901183649, us-east-1, 'Claude Haiku 4.5 "
        "(Amazon Bedrock Edition)': regional 1.10/5.50 (SKUs JQDUC8Q4K8C6GSGH, X629GDA2GXAP6R54), global "
        "1.00/5.00 (DY4B4Q3TRTAY8V6G, XADKFYXVGBFBJSU7)"
    ),
    "PL-fm-haiku45-eu": (
        "AWS Price List AmazonBedrockFoundationModels eu-north-1: Haiku 4.5 1.10/5.50, global 1.00/5.00"
    ),
    "PL-fm-sonnet45": (
        "AmazonBedrockFoundationModels usagetypes for 'Claude Sonnet 4.5 (Amazon Bedrock Edition)' "
        "us-east-1: regional 3.30/16.50, cache read 0.33, cache write 4.125 (5m) / 6.60 (1h); "
        "global 3/15/0.30/3.75/6; regional batch input 1.65; corroborated by Cost Explorer billing of "
        "3.30/16.50 in two projects"
    ),
    "PL-sonnet4-lc": (
        "AWS Price List AmazonBedrockService record "
        "USE1-Claude4Sonnet-input-tokens-long-context-cross-region-global = $0.006/1K "
        "(inferenceType 'Input tokens long context')"
    ),
    "PL-glm5": (
        "AWS Price List GetProducts record APN1-zai.glm5-mantle-input-tokens-flex = $0.0006/1K (SKU "
        "CNU44JCVYWVHJMM5), flex = 0.5 x standard $0.0012/1K, fetched 2026-08-26 (inferplane fixture)"
    ),
    "genai": (
        "pydantic/genai-prices prices/providers/aws.yml @47df840 (2026-08-21); non-Anthropic rows generated "
        "from the AWS Price List API for us-east-1, Anthropic rows entered by hand"
    ),
    "litellm": (
        "LiteLLM model_prices_and_context_window.json, BerriAI/litellm main mirrored by RoCry/llm-api-price "
        "@8442b939 (synced 2026-07-24)"
    ),
    "litellm-region": "LiteLLM region-keyed entries bedrock/<region>/<model> (same snapshot as 'litellm')",
    "ext-access": (
        "AWS Bedrock pricing page as quoted by Helicone PR #5709 (2026-07-04): Claude 3.5 Sonnet 'Public "
        "Extended Access' from 2025-12-01 = $6/$30, cache write $7.50, cache read $0.60"
    ),
    "aws-page": "aws.amazon.com/bedrock/pricing text as quoted by third parties",
    "cohere-page": "cohere.com pricing $0.10/1M for Embed v3 (via LiteLLM PR #32117)",
    "us-parity": (
        "assumption: us-west-2 (and us-east-2 for profile-served models) has the us-east-1 price; the AWS "
        "pricing page lists US East (N. Virginia) and US West (Oregon) together, and LiteLLM's "
        "bedrock/us-west-2 entries equal its us-east-1 entries. Not checked against a Price List record"
    ),
    "rule-batch": (
        "rule: batch = 50% of on-demand input/output in the same routing scope (AWS docs 'Capacity, Limits, "
        "and Cost Optimization'; Price List pairs APN1 Nova Pro 0.00096 -> 0.00048, Qwen3-32B 0.00015 -> "
        "0.000075, Sonnet 4.5 regional 3.30 -> 1.65)"
    ),
    "rule-cache-anthropic": (
        "rule: Anthropic cache read 0.1x input, 5-minute write 1.25x, 1-hour write 2x "
        "(AWS prompt-caching guide)"
    ),
    "rule-cache-nova": (
        "rule: Amazon Nova cache read = 0.25x input ('75% less'); Nova cache write price unverified"
    ),
    "rule-cris": (
        "rule: Claude 4.5+ and Nova 2 Lite: global.* profile = list price; bare in-region id and geo "
        "profiles = 1.10x list (Regional SKU). Older models: profile billed at the source Region's price, "
        "no surcharge"
    ),
    "rule-lc": (
        "rule: Claude Sonnet 4 / 4.5 requests whose prompt (input + cache read + cache write) exceeds "
        "200,000 tokens are billed entirely at long-context rates: input x2, output x1.5, cache x2 (input x2 "
        "confirmed by PL-sonnet4-lc; output x1.5 from LiteLLM/Anthropic). No surcharge for Sonnet/Opus 4.6"
    ),
    "rule-tier": "rule: service tier flex = 0.5x standard, priority = 1.75x standard (PL-qwen, PL-nova2)",
    "aws-page-2025-07": (
        "aws.amazon.com/bedrock/pricing as copied on 2025-07-20 into convo-lang/convo-lang "
        "packages/convo-lang-bedrock/bedrock-pricing.md (us-east-1 tables): Claude 3.5 Sonnet / v2 "
        "$0.003/$0.015 per 1K with batch $0.0015/$0.0075, Nova (incl. Premier cache read and batch), Llama "
        "3.1 405B $0.0024, Llama 3.2, Llama 4 batch, AI21 Jamba, Cohere Command, Pixtral Large"
    ),
    "aws-notice-c35s": (
        "AWS customer notice for anthropic.claude-3-5-sonnet-20240620-v1:0, quoted verbatim in "
        "posit-dev/positron issue #9339 (2025-09-08): in us-east-1, us-east-2, us-west-2, eu-central-1, "
        "eu-central-2, eu-west-1, eu-west-3 extended access with premium pricing from 2025-12-01 "
        "($0.006 input / $0.030 output per 1,000 tokens) until 2026-03-01, after which calls fail"
    ),
    "region-table": (
        "per-Region transcription of the aws.amazon.com/bedrock/pricing tables in Aditya-Poddar/"
        "bedrock-pricing js/config/pricing-data.js @49ebacb (undated; lists models launched up to "
        "December 2025): US East, US West, Mumbai, London, Sao Paulo, Canada, Sydney, Tokyo, Singapore, "
        "Paris, Frankfurt. Hand-copied: used where it agrees with another source, or alone at low confidence"
    ),
    "aws-docs-regions": (
        "Amazon Bedrock user guide: 'Supported Regions and models for model copy' and 'intelligent prompt "
        "routing' Region tables (which Regions sell a model in-Region or through a profile)"
    ),
    "nova-canvas-grid": (
        "Nova Canvas per-image grid (standard / premium x up to 1024x1024 / up to 2048x2048 = 0.04 / 0.06 / "
        "0.06 / 0.08 USD) in third-party code, and exactly 3x that grid in two resellers' tables "
        "(EmpirioLabs, Poe: 0.12 / 0.18 / 0.18 / 0.24)"
    ),
    "guardrails-2024-12": (
        "Bedrock Guardrails price reduction of December 2024 as quoted from the AWS pricing page and What's "
        "New by techjacksolutions.com: content filters $0.15 per 1,000 text units (an 80% cut) and denied "
        "topics $0.15 (an 85% cut); the earlier prices follow from the stated cuts ($0.75, $1.00). The day "
        "of the change is not in the source: the first of the month is used"
    ),
    "sonnet5-standard": (
        "Claude Sonnet 5: the $2/$10 launch price became the standard price and the step-up to $3/$15 on "
        "2026-09-01 was cancelled (awslabs/startups PR #269, 2026-09-09; theopenco/llmgateway PR #3612 "
        "citing Anthropic's pricing page); LiteLLM lists global 2/10 and regional 2.2/11"
    ),
    "genai-dated": (
        "pydantic/genai-prices aws.yml @47df840 dated price entries (constraint start_date) with AWS What's "
        "New references, e.g. GPT-5.6 Terra / Luna price cut of 2026-07-30"
    ),
}

US = ("us-east-1", "us-west-2")
US3 = ("us-east-1", "us-east-2", "us-west-2")
# Regions where the Claude 4.5+ scheme (global list / regional 1.10x) is applied beyond us-east-1.
CRIS_REGIONS = ("us-east-2", "us-west-2", "eu-central-1", "eu-west-1", "ap-northeast-1", "ap-southeast-2")


@dataclass(frozen=True)
class Price:
    """Rates for a set of Regions, all sharing sources, confidence and period.

    For ``scheme="global_list"`` models ``input``/``output``/cache are the *list* (global) prices and the
    builder derives the regional (in-region and geo) card as 1.10x; otherwise one card serves ``scope``
    (``*``: every scope; ``geo``: only calls through a geo profile such as ``eu.``, whose price a source
    gives without tying it to a source Region).

    ``effective_from`` is the first day the price applies (None: since the model was first sold). Several
    prices for the same Region and scope with different ``effective_from`` make a dated history.
    ``units`` holds speech-token rates (USD per 1M) and per-unit rates (per image, second, query, 1,000
    guardrail text units), keyed by the catalog's rate field names.
    """

    regions: tuple[str, ...]
    input: str | None
    output: str | None
    source: tuple[str, ...]
    confidence: Confidence
    as_of: str
    cache_read: str | None = None
    cache_write: str | None = None
    cache_write_1h: str | None = None
    # Only for models whose scheme cannot express the Region (GovCloud sells Claude 4.5 at its own rates).
    flat: bool = False
    note: str | None = None
    effective_from: str | None = None
    scope: Scope = "*"
    units: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    provider: str
    kind: Kind
    prices: tuple[Price, ...]
    scheme: Literal["source_region", "global_list"] = "source_region"
    cache: Literal["none", "anthropic", "anthropic_1h", "nova"] = "none"
    batch: bool = False
    tiers: tuple[Literal["flex", "priority"], ...] = ()
    long_context_threshold: int | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)


PL_DATE = "2026-08-26"
FM_DATE = "2026-09-01"
GENAI_DATE = "2026-08-21"
LITELLM_DATE = "2026-07-24"


def _p(
    regions: tuple[str, ...],
    inp: str | None,
    out: str | None,
    src: tuple[str, ...],
    conf: Confidence,
    as_of: str,
    **kw: Any,
) -> Price:
    return Price(regions, inp, out, src, conf, as_of, **kw)


def _us_pair(
    inp: str | None,
    out: str | None,
    src: tuple[str, ...],
    conf: Confidence,
    as_of: str,
    regions: tuple[str, ...] = US,
    **kw: Any,
) -> tuple[Price, ...]:
    """us-east-1 at the sourced confidence, the other US Regions one step lower (us-parity assumption)."""
    lower: Confidence = "medium" if conf == "high" else "low"
    rest = tuple(r for r in regions if r != "us-east-1")
    prices = [_p(("us-east-1",), inp, out, src, conf, as_of, **kw)]
    if rest:
        prices.append(_p(rest, inp, out, (*src, "us-parity"), lower, as_of, **kw))
    return tuple(prices)


ANTHROPIC: tuple[Model, ...] = (
    Model(
        "anthropic.claude-3-haiku-20240307-v1:0",
        "Claude 3 Haiku",
        "Anthropic",
        "text",
        # No cache rates: Bedrock prompt caching does not support Claude 3 Haiku (LiteLLM lists some anyway).
        prices=(
            *_us_pair("0.25", "1.25", ("PL-inferplane", "aws-page", "genai", "litellm"), "high", PL_DATE),
            _p(
                ("eu-central-1",),
                "0.25",
                "1.25",
                ("litellm",),
                "low",
                LITELLM_DATE,
                note="LiteLLM eu. profile price; EU source-Region price not in a Price List record here",
            ),
            _p(("us-gov-west-1",), "0.30", "1.50", ("litellm-region",), "low", LITELLM_DATE),
        ),
        batch=True,
    ),
    Model(
        "anthropic.claude-3-sonnet-20240229-v1:0",
        "Claude 3 Sonnet",
        "Anthropic",
        "text",
        prices=_us_pair(
            "3",
            "15",
            ("litellm",),
            "low",
            LITELLM_DATE,
            note="legacy model; possible extended-access repricing not verified",
        ),
        batch=True,
    ),
    Model(
        "anthropic.claude-3-opus-20240229-v1:0",
        "Claude 3 Opus",
        "Anthropic",
        "text",
        prices=_us_pair(
            "15",
            "75",
            ("litellm",),
            "low",
            LITELLM_DATE,
            note="legacy model; possible extended-access repricing not verified",
        ),
        batch=True,
    ),
    Model(
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "Claude 3.5 Haiku",
        "Anthropic",
        "text",
        prices=_us_pair(
            "0.8",
            "4",
            ("genai", "litellm"),
            "medium",
            GENAI_DATE,
            cache_read="0.08",
            cache_write="1",
            note="possible legacy/extended-access repricing not verified",
        ),
        cache="anthropic",
        batch=True,
    ),
    # Two prices, two dates (docs/pricing.md, "Claude 3.5 Sonnet"): list price until 2025-11-30, then the
    # premium "public extended access" price until end of life (2026-03-01 for v1 in the Regions AWS named).
    Model(
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "Claude 3.5 Sonnet",
        "Anthropic",
        "text",
        prices=(
            _p(
                ("us-east-1",),
                "3",
                "15",
                ("aws-page-2025-07", "genai", "litellm"),
                "high",
                "2025-07-20",
                note="no prompt caching on Bedrock for this model (AWS page: cache N/A)",
            ),
            _p(
                ("us-east-2", "us-west-2"),
                "3",
                "15",
                ("aws-page-2025-07", "us-parity", "region-table"),
                "medium",
                "2025-07-20",
            ),
            _p(
                ("eu-central-1", "ap-northeast-1", "ap-southeast-1"),
                "3",
                "15",
                ("region-table", "litellm"),
                "low",
                LITELLM_DATE,
                note="Region tables of the AWS page (Frankfurt, Tokyo, Singapore) and LiteLLM's "
                "eu./apac. profiles agree",
            ),
            _p(
                ("eu-west-1", "eu-west-3"),
                "3",
                "15",
                ("litellm",),
                "low",
                LITELLM_DATE,
                note="LiteLLM eu. profile price",
            ),
            _p(
                ("us-east-1", "us-east-2", "us-west-2", "eu-central-1", "eu-west-1", "eu-west-3"),
                "6",
                "30",
                ("aws-notice-c35s", "ext-access"),
                "high",
                "2025-09-08",
                effective_from="2025-12-01",
                note="AWS notice: extended access with premium pricing from 2025-12-01 until end of life on "
                "2026-03-01 ($0.006/$0.030 per 1K); LiteLLM and genai-prices still list the old 3/15",
            ),
            _p(
                ("ap-northeast-1", "ap-southeast-1"),
                None,
                None,
                ("aws-notice-c35s",),
                "low",
                "2025-09-08",
                effective_from="2025-12-01",
                note="extended access began 2025-12-01 where AWS sold the model; no source gives this "
                "Region's price from then, so calls after that day are unpriced",
            ),
        ),
        batch=True,
    ),
    Model(
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "Claude 3.5 Sonnet v2",
        "Anthropic",
        "text",
        prices=(
            _p(
                ("us-east-1",),
                "3",
                "15",
                ("aws-page-2025-07", "genai", "litellm"),
                "high",
                "2025-07-20",
                cache_read="0.3",
                cache_write="3.75",
            ),
            _p(
                ("us-east-2", "us-west-2"),
                "3",
                "15",
                ("aws-page-2025-07", "us-parity"),
                "medium",
                "2025-07-20",
                cache_read="0.3",
                cache_write="3.75",
            ),
            _p(
                ("ap-northeast-1", "ap-south-1", "ap-southeast-2"),
                "3",
                "15",
                ("litellm",),
                "low",
                LITELLM_DATE,
                cache_read="0.3",
                cache_write="3.75",
                note="LiteLLM apac. profile price",
            ),
            _p(
                ("eu-west-3",),
                "3",
                "15",
                ("litellm",),
                "low",
                LITELLM_DATE,
                cache_read="0.3",
                cache_write="3.75",
                note="LiteLLM eu. profile price",
            ),
            _p(
                US3,
                "6",
                "30",
                ("ext-access",),
                "medium",
                "2026-07-04",
                cache_read="0.6",
                cache_write="7.5",
                effective_from="2025-12-01",
                note="Public Extended Access price from 2025-12-01 (AWS pricing page as quoted); LiteLLM's, "
                "genai-prices' 3/15 is the earlier price",
            ),
            _p(
                ("ap-northeast-1", "ap-south-1", "ap-southeast-2", "eu-west-3"),
                None,
                None,
                ("ext-access",),
                "low",
                "2026-07-04",
                effective_from="2025-12-01",
                note="extended access pricing began 2025-12-01; no source prices this Region from then",
            ),
        ),
        cache="anthropic",
        batch=True,
    ),
    Model(
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
        "Claude 3.7 Sonnet",
        "Anthropic",
        "text",
        prices=(
            *_us_pair("3", "15", ("genai", "litellm"), "medium", GENAI_DATE),
            _p(
                ("eu-central-1", "eu-west-1"),
                "3",
                "15",
                ("litellm",),
                "low",
                LITELLM_DATE,
                note="LiteLLM eu. profile price",
            ),
            _p(
                ("us-gov-west-1",),
                "3.6",
                "18",
                ("litellm-region",),
                "low",
                LITELLM_DATE,
                cache_read="0.36",
                cache_write="4.5",
            ),
        ),
        cache="anthropic",
        batch=True,
    ),
    Model(
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "Claude Sonnet 4",
        "Anthropic",
        "text",
        prices=(
            *_us_pair("3", "15", ("genai", "litellm", "PL-sonnet4-lc"), "medium", GENAI_DATE, regions=US3),
            _p(
                ("eu-central-1", "eu-west-1", "ap-northeast-1"),
                "3",
                "15",
                ("litellm",),
                "low",
                LITELLM_DATE,
                note="LiteLLM eu./apac. profile price",
            ),
        ),
        cache="anthropic",
        batch=True,
        long_context_threshold=200_000,
    ),
    Model(
        "anthropic.claude-opus-4-20250514-v1:0",
        "Claude Opus 4",
        "Anthropic",
        "text",
        prices=_us_pair("15", "75", ("litellm",), "low", LITELLM_DATE, regions=US3),
        cache="anthropic",
        batch=True,
    ),
    Model(
        "anthropic.claude-opus-4-1-20250805-v1:0",
        "Claude Opus 4.1",
        "Anthropic",
        "text",
        prices=_us_pair("15", "75", ("litellm",), "low", LITELLM_DATE, regions=US3),
        cache="anthropic",
        batch=True,
    ),
    Model(
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "Claude Sonnet 4.5",
        "Anthropic",
        "text",
        prices=(
            _p(("us-east-1",), "3", "15", ("PL-fm-sonnet45", "genai", "litellm"), "high", FM_DATE),
            _p(
                CRIS_REGIONS,
                "3",
                "15",
                ("rule-cris", "litellm"),
                "medium",
                FM_DATE,
                note="LiteLLM us./eu./jp./au. profiles agree with the rule",
            ),
            _p(
                ("us-gov-west-1",),
                "3.6",
                "18",
                ("litellm-region",),
                "low",
                LITELLM_DATE,
                cache_read="0.36",
                cache_write="4.5",
                cache_write_1h="7.2",
                flat=True,
                note="GovCloud 1.2x list per LiteLLM; unverified",
            ),
        ),
        scheme="global_list",
        cache="anthropic_1h",
        batch=True,
        long_context_threshold=200_000,
    ),
    Model(
        "anthropic.claude-haiku-4-5-20251001-v1:0",
        "Claude Haiku 4.5",
        "Anthropic",
        "text",
        prices=(
            _p(("us-east-1",), "1", "5", ("PL-fm-haiku45", "genai", "litellm"), "high", FM_DATE),
            _p(("eu-north-1",), "1", "5", ("PL-fm-haiku45-eu",), "high", FM_DATE),
            _p(CRIS_REGIONS, "1", "5", ("rule-cris", "litellm"), "medium", FM_DATE),
            _p(
                ("us-gov-west-1",),
                "1.2",
                "6",
                ("litellm-region",),
                "low",
                LITELLM_DATE,
                cache_read="0.12",
                cache_write="1.5",
                cache_write_1h="2.4",
                flat=True,
                note="GovCloud 1.2x list per LiteLLM; unverified",
            ),
        ),
        scheme="global_list",
        cache="anthropic_1h",
        batch=True,
    ),
    Model(
        "anthropic.claude-opus-4-5-20251101-v1:0",
        "Claude Opus 4.5",
        "Anthropic",
        "text",
        prices=(
            _p(("us-east-1",), "5", "25", ("genai", "litellm", "rule-cris"), "medium", GENAI_DATE),
            _p(
                CRIS_REGIONS,
                "5",
                "25",
                ("rule-cris", "litellm"),
                "medium",
                GENAI_DATE,
                note="LiteLLM eu. 5/25 contradicts the regional 1.10x rule; the rule wins",
            ),
        ),
        scheme="global_list",
        cache="anthropic_1h",
        batch=True,
    ),
    Model(
        "anthropic.claude-sonnet-4-6",
        "Claude Sonnet 4.6",
        "Anthropic",
        "text",
        prices=(
            _p(("us-east-1",), "3", "15", ("genai", "litellm", "rule-cris"), "medium", GENAI_DATE),
            _p(CRIS_REGIONS, "3", "15", ("rule-cris", "litellm"), "medium", GENAI_DATE),
        ),
        # No long-context surcharge on Bedrock (models.dev issue #1220).
        scheme="global_list",
        cache="anthropic_1h",
        batch=True,
    ),
    Model(
        "anthropic.claude-opus-4-6-v1",
        "Claude Opus 4.6",
        "Anthropic",
        "text",
        prices=(
            _p(("us-east-1",), "5", "25", ("litellm", "rule-cris"), "low", LITELLM_DATE),
            _p(CRIS_REGIONS, "5", "25", ("litellm", "rule-cris"), "low", LITELLM_DATE),
        ),
        scheme="global_list",
        cache="anthropic_1h",
        batch=True,
    ),
)

AMAZON: tuple[Model, ...] = (
    Model(
        "amazon.nova-micro-v1:0",
        "Nova Micro",
        "Amazon",
        "text",
        prices=_us_pair("0.035", "0.14", ("genai", "litellm", "aws-page"), "high", GENAI_DATE, regions=US3),
        cache="nova",
        batch=True,
    ),
    Model(
        "amazon.nova-lite-v1:0",
        "Nova Lite",
        "Amazon",
        "text",
        prices=_us_pair("0.06", "0.24", ("genai", "litellm", "aws-page"), "high", GENAI_DATE, regions=US3),
        cache="nova",
        batch=True,
    ),
    Model(
        "amazon.nova-pro-v1:0",
        "Nova Pro",
        "Amazon",
        "text",
        prices=(
            *_us_pair("0.8", "3.2", ("genai", "litellm", "aws-page"), "high", GENAI_DATE, regions=US3),
            _p(
                ("ap-northeast-1",),
                "0.96",
                "3.84",
                ("PL-inferplane",),
                "high",
                PL_DATE,
                note="LiteLLM has no APN1 entry (its apac. 0.84/3.36 is another source Region)",
            ),
            _p(("us-gov-west-1",), "0.96", "3.84", ("litellm-region",), "low", LITELLM_DATE),
        ),
        cache="nova",
        batch=True,
    ),
    Model(
        "amazon.nova-premier-v1:0",
        "Nova Premier",
        "Amazon",
        "text",
        prices=_us_pair(
            "2.5",
            "12.5",
            ("aws-page-2025-07", "genai", "litellm"),
            "high",
            GENAI_DATE,
            regions=US3,
            cache_read="0.625",
        ),
        cache="nova",
        batch=True,
    ),
    Model(
        "amazon.nova-2-lite-v1:0",
        "Nova 2 Lite",
        "Amazon",
        "text",
        prices=(
            _p(("us-east-1",), "0.3", "2.5", ("genai", "litellm"), "high", GENAI_DATE),
            _p(("us-west-2",), "0.3", "2.5", ("PL-nova2", "rule-cris"), "high", PL_DATE),
            _p(
                ("us-east-2", "eu-central-1", "ap-northeast-1"),
                "0.3",
                "2.5",
                ("rule-cris", "litellm"),
                "medium",
                GENAI_DATE,
            ),
        ),
        scheme="global_list",
        cache="nova",
        batch=True,
        tiers=("priority",),
    ),
    Model(
        "amazon.titan-text-express-v1",
        "Titan Text G1 - Express",
        "Amazon",
        "text",
        prices=_us_pair(
            "0.2",
            "0.6",
            ("genai",),
            "high",
            GENAI_DATE,
            note="LiteLLM's 1.30/1.70 contradicts the Price List-generated genai row",
        ),
    ),
    Model(
        "amazon.titan-text-lite-v1",
        "Titan Text G1 - Lite",
        "Amazon",
        "text",
        prices=_us_pair(
            "0.15",
            "0.2",
            ("genai",),
            "high",
            GENAI_DATE,
            note="LiteLLM's 0.30/0.40 contradicts the Price List-generated genai row",
        ),
    ),
    Model(
        "amazon.titan-embed-text-v2:0",
        "Titan Text Embeddings V2",
        "Amazon",
        "embedding",
        prices=_us_pair("0.02", "0", ("litellm", "aws-page"), "medium", LITELLM_DATE),
        batch=True,
    ),
    Model(
        "amazon.titan-embed-text-v1",
        "Titan Embeddings G1 - Text",
        "Amazon",
        "embedding",
        prices=_us_pair("0.1", "0", ("genai", "litellm"), "high", GENAI_DATE),
    ),
    Model(
        "amazon.nova-2-multimodal-embeddings-v1:0",
        "Nova Multimodal Embeddings",
        "Amazon",
        "embedding",
        prices=(
            _p(
                ("us-east-1",),
                "0.135",
                "0",
                ("litellm",),
                "low",
                LITELLM_DATE,
                units=(
                    ("image_input", "0.00006"),
                    ("video_input_second", "0.0007"),
                    ("audio_input_second", "0.00014"),
                ),
                note="images per image, audio and video per second of input (LiteLLM)",
            ),
        ),
    ),
)

META: tuple[Model, ...] = (
    Model(
        "meta.llama3-8b-instruct-v1:0",
        "Llama 3 8B Instruct",
        "Meta",
        "text",
        prices=(
            _p(
                ("us-east-1", "us-west-2"),
                "0.3",
                "0.6",
                ("litellm-region", "region-table", "genai"),
                "medium",
                LITELLM_DATE,
            ),
            _p(("us-west-1",), "0.3", "0.6", ("litellm-region",), "low", LITELLM_DATE),
            _p(("eu-west-1",), "0.32", "0.65", ("litellm-region",), "low", LITELLM_DATE),
            _p(("eu-west-2",), "0.39", "0.78", ("litellm-region", "region-table"), "medium", LITELLM_DATE),
            _p(("ap-south-1",), "0.36", "0.72", ("litellm-region", "region-table"), "medium", LITELLM_DATE),
            _p(("ca-central-1",), "0.35", "0.69", ("litellm-region", "region-table"), "medium", LITELLM_DATE),
            _p(("sa-east-1",), "0.5", "1.01", ("litellm-region", "region-table"), "medium", LITELLM_DATE),
        ),
    ),
    Model(
        "meta.llama3-70b-instruct-v1:0",
        "Llama 3 70B Instruct",
        "Meta",
        "text",
        prices=(
            _p(
                ("us-east-1", "us-west-2"),
                "2.65",
                "3.5",
                ("litellm-region", "region-table", "genai"),
                "medium",
                LITELLM_DATE,
            ),
            _p(("us-west-1",), "2.65", "3.5", ("litellm-region",), "low", LITELLM_DATE),
            _p(("eu-west-1",), "2.86", "3.78", ("litellm-region",), "low", LITELLM_DATE),
            _p(("eu-west-2",), "3.45", "4.55", ("litellm-region", "region-table"), "medium", LITELLM_DATE),
            _p(("ap-south-1",), "3.18", "4.2", ("litellm-region", "region-table"), "medium", LITELLM_DATE),
            _p(("ca-central-1",), "3.05", "4.03", ("litellm-region", "region-table"), "medium", LITELLM_DATE),
            _p(("sa-east-1",), "4.45", "5.88", ("litellm-region", "region-table"), "medium", LITELLM_DATE),
        ),
    ),
    Model(
        "meta.llama3-1-8b-instruct-v1:0",
        "Llama 3.1 8B Instruct",
        "Meta",
        "text",
        prices=_us_pair("0.22", "0.22", ("genai", "litellm"), "high", GENAI_DATE, regions=US3),
        batch=True,
    ),
    Model(
        "meta.llama3-1-70b-instruct-v1:0",
        "Llama 3.1 70B Instruct",
        "Meta",
        "text",
        prices=_us_pair(
            "0.72",
            "0.72",
            ("genai",),
            "high",
            GENAI_DATE,
            regions=US3,
            note="LiteLLM's 0.99 contradicts the Price List-generated genai row",
        ),
        batch=True,
    ),
    Model(
        "meta.llama3-2-1b-instruct-v1:0",
        "Llama 3.2 1B Instruct",
        "Meta",
        "text",
        prices=_us_pair("0.1", "0.1", ("litellm",), "low", LITELLM_DATE, regions=US3),
    ),
    Model(
        "meta.llama3-2-3b-instruct-v1:0",
        "Llama 3.2 3B Instruct",
        "Meta",
        "text",
        prices=_us_pair("0.15", "0.15", ("litellm",), "low", LITELLM_DATE, regions=US3),
    ),
    Model(
        "meta.llama3-2-11b-instruct-v1:0",
        "Llama 3.2 11B Vision Instruct",
        "Meta",
        "text",
        prices=_us_pair(
            "0.16",
            "0.16",
            ("genai",),
            "high",
            GENAI_DATE,
            regions=US3,
            note="LiteLLM's 0.35 contradicts the Price List-generated genai row",
        ),
    ),
    Model(
        "meta.llama3-2-90b-instruct-v1:0",
        "Llama 3.2 90B Vision Instruct",
        "Meta",
        "text",
        prices=_us_pair(
            "0.72",
            "0.72",
            ("genai",),
            "high",
            GENAI_DATE,
            regions=US3,
            note="LiteLLM's 2.00 contradicts the Price List-generated genai row",
        ),
    ),
    Model(
        "meta.llama3-3-70b-instruct-v1:0",
        "Llama 3.3 70B Instruct",
        "Meta",
        "text",
        prices=_us_pair("0.72", "0.72", ("genai", "litellm"), "high", GENAI_DATE, regions=US3),
        batch=True,
    ),
    Model(
        "meta.llama4-scout-17b-instruct-v1:0",
        "Llama 4 Scout 17B Instruct",
        "Meta",
        "text",
        prices=_us_pair("0.17", "0.66", ("litellm",), "low", LITELLM_DATE, regions=US3),
        batch=True,
    ),
    Model(
        "meta.llama4-maverick-17b-instruct-v1:0",
        "Llama 4 Maverick 17B Instruct",
        "Meta",
        "text",
        prices=_us_pair("0.24", "0.97", ("litellm",), "low", LITELLM_DATE, regions=US3),
        batch=True,
    ),
)

MISTRAL: tuple[Model, ...] = (
    Model(
        "mistral.mistral-7b-instruct-v0:2",
        "Mistral 7B Instruct",
        "Mistral AI",
        "text",
        prices=(
            _p(US, "0.15", "0.2", ("litellm-region",), "low", LITELLM_DATE),
            _p(("eu-west-3",), "0.2", "0.26", ("litellm-region",), "low", LITELLM_DATE),
        ),
    ),
    Model(
        "mistral.mixtral-8x7b-instruct-v0:1",
        "Mixtral 8x7B Instruct",
        "Mistral AI",
        "text",
        prices=(
            _p(US, "0.45", "0.7", ("litellm-region",), "low", LITELLM_DATE),
            _p(("eu-west-3",), "0.59", "0.91", ("litellm-region",), "low", LITELLM_DATE),
        ),
    ),
    Model(
        "mistral.mistral-large-2402-v1:0",
        "Mistral Large (24.02)",
        "Mistral AI",
        "text",
        prices=_us_pair(
            "4",
            "12",
            ("genai",),
            "high",
            GENAI_DATE,
            note="LiteLLM's 8/24 (and its eu-west-3 10.4/31.2) contradict the genai row",
        ),
    ),
    Model(
        "mistral.mistral-large-2407-v1:0",
        "Mistral Large 2 (24.07)",
        "Mistral AI",
        "text",
        prices=(_p(("us-west-2",), "3", "9", ("litellm",), "low", LITELLM_DATE),),
    ),
    Model(
        "mistral.mistral-small-2402-v1:0",
        "Mistral Small (24.02)",
        "Mistral AI",
        "text",
        prices=(_p(("us-east-1",), "1", "3", ("litellm",), "low", LITELLM_DATE),),
    ),
)

COHERE: tuple[Model, ...] = (
    Model(
        "cohere.command-r-v1:0",
        "Command R",
        "Cohere",
        "text",
        prices=_us_pair("0.5", "1.5", ("litellm",), "low", LITELLM_DATE),
    ),
    Model(
        "cohere.command-r-plus-v1:0",
        "Command R+",
        "Cohere",
        "text",
        prices=_us_pair("3", "15", ("litellm",), "low", LITELLM_DATE),
    ),
    Model(
        "cohere.embed-english-v3",
        "Embed English v3",
        "Cohere",
        "embedding",
        prices=_us_pair("0.1", "0", ("litellm", "cohere-page"), "medium", LITELLM_DATE),
    ),
    Model(
        "cohere.embed-multilingual-v3",
        "Embed Multilingual v3",
        "Cohere",
        "embedding",
        prices=_us_pair("0.1", "0", ("litellm",), "low", LITELLM_DATE),
    ),
    Model(
        "cohere.embed-v4:0",
        "Embed v4",
        "Cohere",
        "embedding",
        prices=_us_pair(
            "0.12",
            "0",
            ("litellm",),
            "low",
            LITELLM_DATE,
            note="LiteLLM PR #15298 cites the AWS pricing page ($0.00012/1K)",
        ),
    ),
)

OTHERS: tuple[Model, ...] = (
    Model(
        "deepseek.r1-v1:0",
        "DeepSeek-R1",
        "DeepSeek",
        "text",
        prices=_us_pair("1.35", "5.4", ("genai", "litellm"), "high", GENAI_DATE, regions=US3),
    ),
    Model(
        "deepseek.v3-v1:0",
        "DeepSeek-V3.1",
        "DeepSeek",
        "text",
        prices=_us_pair("0.58", "1.68", ("litellm",), "low", LITELLM_DATE, regions=US3),
    ),
    Model(
        "deepseek.v3.2",
        "DeepSeek V3.2",
        "DeepSeek",
        "text",
        prices=(
            _p(US3, "0.62", "1.85", ("litellm-region",), "low", LITELLM_DATE),
            _p(("eu-north-1", "ap-northeast-1"), "0.74", "2.22", ("litellm-region",), "low", LITELLM_DATE),
        ),
    ),
    Model(
        "openai.gpt-oss-120b-1:0",
        "gpt-oss-120b",
        "OpenAI",
        "text",
        prices=_us_pair("0.15", "0.6", ("genai", "litellm"), "high", GENAI_DATE),
        batch=True,
        tiers=("flex", "priority"),
        aliases=("openai.gpt-oss-120b",),
    ),
    Model(
        "openai.gpt-oss-20b-1:0",
        "gpt-oss-20b",
        "OpenAI",
        "text",
        prices=_us_pair(
            "0.07",
            "0.3",
            ("litellm",),
            "low",
            LITELLM_DATE,
            note="LiteLLM's bedrock_mantle entry says input 0.075",
        ),
        batch=True,
        tiers=("flex", "priority"),
        aliases=("openai.gpt-oss-20b",),
    ),
    Model(
        "qwen.qwen3-32b-v1:0",
        "Qwen3 32B",
        "Qwen",
        "text",
        prices=_us_pair("0.15", "0.6", ("PL-qwen", "genai", "litellm"), "high", "2026-07-27"),
        batch=True,
        tiers=("flex", "priority"),
    ),
    Model(
        "qwen.qwen3-coder-480b-a35b-v1:0",
        "Qwen3 Coder 480B A35B",
        "Qwen",
        "text",
        prices=_us_pair(
            "0.45",
            "1.8",
            ("genai",),
            "high",
            GENAI_DATE,
            note="LiteLLM's input 0.22 contradicts the genai row",
        ),
    ),
    Model(
        "qwen.qwen3-235b-a22b-2507-v1:0",
        "Qwen3 235B A22B 2507",
        "Qwen",
        "text",
        prices=_us_pair("0.22", "0.88", ("litellm",), "low", LITELLM_DATE),
    ),
    Model(
        "qwen.qwen3-coder-30b-a3b-v1:0",
        "Qwen3 Coder 30B A3B",
        "Qwen",
        "text",
        prices=_us_pair("0.15", "0.6", ("litellm",), "low", LITELLM_DATE),
    ),
    Model(
        "zai.glm-5",
        "GLM 5",
        "Z.ai",
        "text",
        prices=(
            _p(US, "1", "3.2", ("litellm-region",), "low", LITELLM_DATE),
            # Output rate for APN1 is in no source here: output tokens there stay unpriced.
            _p(("ap-northeast-1",), "1.2", None, ("PL-glm5",), "high", PL_DATE),
        ),
        tiers=("flex",),
    ),
)

# fmt: off
RT = "region-table"
LL = "litellm"
LR = "litellm-region"
APAC = ("ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2")
EU_PROFILE = ("eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3")
NEWER_CLAUDE_REGIONS = ("us-east-1", *CRIS_REGIONS)

# More Regions for models above: the per-Region AWS page tables (region-table), LiteLLM's Region-keyed and
# eu./apac. profile entries. Two agreeing sources make medium, one makes low.
EXTRA_PRICES: dict[str, tuple[Price, ...]] = {
    "anthropic.claude-3-haiku-20240307-v1:0": (
        _p(("us-east-2",), "0.25", "1.25", ("PL-inferplane", "us-parity"), "low", PL_DATE,
           note="us. profile calls from Ohio, at the us-east-1 price (us-parity)"),
        _p(("ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2"), "0.25", "1.25", (RT, LL),
           "medium", LITELLM_DATE, note="AWS page Region tables and LiteLLM's apac. profile agree"),
        _p(("eu-west-3",), "0.25", "1.25", (RT, LL), "medium", LITELLM_DATE,
           note="AWS page Region table (Paris) and LiteLLM's eu. profile agree"),
        _p(("eu-west-2", "sa-east-1", "ca-central-1"), "0.25", "1.25", (RT,), "low", LITELLM_DATE),
    ),
    "anthropic.claude-3-5-haiku-20241022-v1:0": (
        _p(("us-east-2",), "0.8", "4", ("genai", "us-parity"), "low", GENAI_DATE, cache_read="0.08",
           cache_write="1", note="us. profile calls from Ohio, at the us-east-1 price (us-parity)"),
    ),
    "anthropic.claude-3-sonnet-20240229-v1:0": (
        _p(("eu-central-1", "eu-west-3"), "3", "15", (RT, LL), "medium", LITELLM_DATE,
           note="AWS page Region tables and LiteLLM's eu. profile agree"),
        _p(("ap-south-1", "ap-southeast-2"), "3", "15", (RT, LL), "medium", LITELLM_DATE,
           note="AWS page Region tables and LiteLLM's apac. profile agree"),
        _p(("eu-west-2", "sa-east-1", "ca-central-1"), "3", "15", (RT,), "low", LITELLM_DATE),
    ),
    "amazon.nova-micro-v1:0": (
        _p(("ap-south-1",), "0.041", "0.164", (RT,), "low", LITELLM_DATE),
        _p(EU_PROFILE, "0.046", "0.184", (LL,), "low", LITELLM_DATE, scope="geo",
           note="LiteLLM eu. profile price, applied to eu. profile calls only (in-Region EU prices unknown)"),
    ),
    "amazon.nova-lite-v1:0": (
        _p(("ap-south-1",), "0.071", "0.284", (RT,), "low", LITELLM_DATE),
        _p(EU_PROFILE, "0.078", "0.312", (LL,), "low", LITELLM_DATE, scope="geo",
           note="LiteLLM eu. profile price, applied to eu. profile calls only (in-Region EU prices unknown)"),
    ),
    "amazon.nova-pro-v1:0": (
        _p(("ap-south-1",), "0.94", "3.76", (RT,), "low", LITELLM_DATE),
        _p(EU_PROFILE, "1.05", "4.2", (LL,), "low", LITELLM_DATE, scope="geo",
           note="LiteLLM eu. profile price, applied to eu. profile calls only (in-Region EU prices unknown)"),
    ),
    "amazon.titan-text-express-v1": (
        _p(("eu-central-1",), "0.3", "0.863", (RT,), "low", LITELLM_DATE),
        _p(("eu-west-2",), "0.3", "0.9", (RT,), "low", LITELLM_DATE),
        _p(("eu-west-3", "ap-southeast-2"), "0.25", "0.788", (RT,), "low", LITELLM_DATE),
        _p(("ca-central-1",), "0.3", "0.8", (RT,), "low", LITELLM_DATE),
        _p(("sa-east-1",), "0.4", "1.1", (RT,), "low", LITELLM_DATE),
        _p(("ap-south-1",), "1", "1.9", (RT,), "low", LITELLM_DATE,
           note="five times the US price in the transcription; unverified"),
    ),
    "amazon.titan-text-lite-v1": (
        _p(("eu-west-2", "ca-central-1"), "0.2", "0.3", (RT,), "low", LITELLM_DATE),
        _p(("eu-west-3", "ap-southeast-2"), "0.2", "0.25", (RT,), "low", LITELLM_DATE),
        _p(("sa-east-1",), "0.3", "0.4", (RT,), "low", LITELLM_DATE),
        _p(("ap-south-1",), "0.4", "0.5", (RT,), "low", LITELLM_DATE),
    ),
    "meta.llama3-2-1b-instruct-v1:0": (
        _p(("eu-central-1", "eu-west-3"), "0.13", "0.13", (RT, LL), "medium", LITELLM_DATE,
           note="AWS page Region tables (Frankfurt, Paris) and LiteLLM's eu. profile agree"),
    ),
    "meta.llama3-2-3b-instruct-v1:0": (
        _p(("eu-central-1",), "0.19", "0.19", (RT, LL), "medium", LITELLM_DATE,
           note="AWS page Region table (Frankfurt) and LiteLLM's eu. profile agree"),
        _p(("eu-west-3",), "0.2", "0.2", (RT,), "low", LITELLM_DATE,
           note="Paris table says 0.20; LiteLLM's eu. profile says 0.19"),
    ),
    "mistral.mistral-7b-instruct-v0:2": (
        _p(("eu-west-2", "ap-southeast-2"), "0.2", "0.26", (RT,), "low", LITELLM_DATE),
        _p(("ca-central-1",), "0.17", "0.23", (RT,), "low", LITELLM_DATE),
        _p(("sa-east-1",), "0.25", "0.34", (RT,), "low", LITELLM_DATE),
        _p(("ap-south-1",), "0.18", "0.24", (RT,), "low", LITELLM_DATE),
    ),
    "mistral.mixtral-8x7b-instruct-v0:1": (
        _p(("eu-west-2", "ap-southeast-2"), "0.59", "0.91", (RT,), "low", LITELLM_DATE),
        _p(("ca-central-1",), "0.52", "0.81", (RT,), "low", LITELLM_DATE),
        _p(("sa-east-1",), "0.76", "1.18", (RT,), "low", LITELLM_DATE),
        _p(("ap-south-1",), "0.54", "0.84", (RT,), "low", LITELLM_DATE),
    ),
    "deepseek.v3.2": (
        _p(("ap-south-1", "ap-southeast-3", "sa-east-1"), "0.74", "2.22", (LR,), "low", LITELLM_DATE),
        _p(("eu-central-1", "eu-west-1", "eu-west-3"), "0.74", "2.22", (LL,), "low", LITELLM_DATE,
           scope="geo",
           note="LiteLLM eu. profile price (its eu-north-1 Region price is the same)"),
    ),
    "deepseek.v3-v1:0": (
        _p(("ap-south-1",), "0.682424", "1.976678", (RT,), "low", LITELLM_DATE),
    ),
    "openai.gpt-oss-20b-1:0": (_p(("ap-south-1",), "0.08", "0.35", (RT,), "low", LITELLM_DATE),),
    "openai.gpt-oss-120b-1:0": (_p(("ap-south-1",), "0.18", "0.71", (RT,), "low", LITELLM_DATE),),
    "qwen.qwen3-32b-v1:0": (_p(("ap-south-1",), "0.18", "0.71", (RT,), "low", LITELLM_DATE),),
    "qwen.qwen3-coder-30b-a3b-v1:0": (_p(("ap-south-1",), "0.18", "0.71", (RT,), "low", LITELLM_DATE),),
    "qwen.qwen3-235b-a22b-2507-v1:0": (_p(("ap-south-1",), "0.26", "1.04", (RT,), "low", LITELLM_DATE),),
    "qwen.qwen3-coder-480b-a35b-v1:0": (_p(("ap-south-1",), "0.26", "2.12", (RT,), "low", LITELLM_DATE),),
}


def _claude(model_id: str, name: str, inp: str, out: str, src: tuple[str, ...], conf: Confidence,
            as_of: str, note: str | None = None) -> Model:
    """A Claude 4.5+ model: global list price, regional 1.10x (rule-cris), 5m/1h cache writes."""
    return Model(model_id, name, "Anthropic", "text",
                 prices=(_p(NEWER_CLAUDE_REGIONS, inp, out, src, conf, as_of, note=note),),
                 scheme="global_list", cache="anthropic_1h", batch=True)


def _flat(model_id: str, name: str, provider: str, regions: tuple[str, ...], inp: str | None,
          out: str | None, src: tuple[str, ...], conf: Confidence, as_of: str, kind: Kind = "text",
          **kw: Any) -> Model:
    return Model(model_id, name, provider, kind, prices=(_p(regions, inp, out, src, conf, as_of, **kw),))


NEWER_ANTHROPIC: tuple[Model, ...] = (
    _claude("anthropic.claude-opus-4-7", "Claude Opus 4.7", "5", "25", ("genai", LL, "rule-cris"), "medium",
            GENAI_DATE),
    _claude("anthropic.claude-opus-4-8", "Claude Opus 4.8", "5", "25", ("genai", LL, "rule-cris"), "medium",
            GENAI_DATE),
    _claude("anthropic.claude-opus-5", "Claude Opus 5", "5", "25", ("genai", LL, "rule-cris"), "medium",
            GENAI_DATE),
    _claude("anthropic.claude-fable-5", "Claude Fable 5", "10", "50", ("genai", LL, "rule-cris"), "medium",
            GENAI_DATE),
    _claude("anthropic.claude-sonnet-5", "Claude Sonnet 5", "2", "10", ("sonnet5-standard", LL, "rule-cris"),
            "medium", "2026-09-09",
            note="genai-prices' step-up to 3/15 from 2026-09-01 was cancelled (sonnet5-standard)"),
    Model("anthropic.claude-instant-v1", "Claude Instant", "Anthropic", "text", prices=(
        _p(US, "0.8", "2.4", (LR, RT), "medium", LITELLM_DATE, note="end of life; for replaying old logs"),)),
    Model("anthropic.claude-v2", "Claude 2.0", "Anthropic", "text", prices=(
        _p(US, "8", "24", (LR, RT), "medium", LITELLM_DATE, note="end of life; for replaying old logs"),)),
    Model("anthropic.claude-v2:1", "Claude 2.1", "Anthropic", "text", prices=(
        _p((*US, "ap-northeast-1", "eu-central-1"), "8", "24", (LR, RT), "medium", LITELLM_DATE,
           note="end of life; for replaying old logs"),)),
)

MORE_AMAZON: tuple[Model, ...] = (
    _flat("amazon.titan-text-premier-v1:0", "Titan Text G1 - Premier", "Amazon", ("us-east-1",), "0.5", "1.5",
          (RT, LL), "medium", LITELLM_DATE),
    Model("amazon.nova-sonic-v1:0", "Nova Sonic", "Amazon", "speech", prices=(
        _p(("us-east-1",), "0.06", "0.24", ("genai",), "high", GENAI_DATE,
           units=(("audio_input", "3.4"), ("audio_output", "13.6"))),)),
    Model("amazon.nova-2-sonic-v1:0", "Nova 2 Sonic", "Amazon", "speech", prices=(
        _p(("us-east-1",), "0.33", "2.75", ("genai",), "high", "2026-06-10",
           units=(("audio_input", "3"), ("audio_output", "12"))),)),
    _flat("amazon.nova-canvas-v1:0", "Nova Canvas", "Amazon", ("us-east-1",), None, None,
          ("nova-canvas-grid",),
          "low", LITELLM_DATE, kind="image",
          units=(("image_standard_1024", "0.04"), ("image_standard_2048", "0.06"),
                 ("image_premium_1024", "0.06"), ("image_premium_2048", "0.08")),
          note="LiteLLM's single 0.06 per image is one cell of this grid"),
    _flat("amazon.titan-image-generator-v1", "Titan Image Generator G1", "Amazon", US, None, None, (LL,),
          "low", LITELLM_DATE, kind="image", units=(("image_standard_512", "0.008"),),
          note="LiteLLM gives one per-image price without size or quality: taken as the smallest standard "
          "image; larger or premium images are unpriced"),
    _flat("amazon.titan-image-generator-v2:0", "Titan Image Generator G1 v2", "Amazon", US, None, None, (LL,),
          "low", LITELLM_DATE, kind="image", units=(("image_standard_512", "0.008"),),
          note="LiteLLM gives one per-image price without size or quality: taken as the smallest standard "
          "image; larger or premium images are unpriced"),
    _flat("amazon.titan-embed-image-v1", "Titan Multimodal Embeddings G1", "Amazon", US, "0.8", "0", (LL,),
          "low", LITELLM_DATE, kind="embedding", units=(("image_input", "0.00006"),)),
    Model("amazon.nova-reel-v1:0", "Nova Reel", "Amazon", "video", prices=(
        _p(("us-east-1",), None, None, (LL,), "low", LITELLM_DATE,
           note="billed per second of generated video; public tables disagree (0.08 vs 0.12 USD per "
           "second) and LiteLLM and genai-prices have no entry: unpriced until a Price List refresh or an "
           "override"),)),
    _flat("amazon.rerank-v1:0", "Amazon Rerank 1.0", "Amazon", ("us-west-2",), None, None, (LL,), "low",
          LITELLM_DATE, kind="rerank", units=(("query", "0.001"),),
          note="LiteLLM's price names no Region; us-west-2 is where the model is sold in the US"),
    Model("bedrock.guardrails", "Bedrock Guardrails", "Amazon", "guardrail", prices=(
        _p(US3, None, None, ("guardrails-2024-12",), "low", "2026-05-14",
           units=(("guardrail_content_1k", "0.75"), ("guardrail_topic_1k", "1"))),
        _p(US3, None, None, ("guardrails-2024-12",), "low", "2026-05-14", effective_from="2024-12-01",
           units=(("guardrail_content_1k", "0.15"), ("guardrail_topic_1k", "0.15")),
           note="sensitive-information and contextual-grounding units have no sourced price: unpriced"),
    )),
)

MORE_META: tuple[Model, ...] = (
    _flat("meta.llama3-1-405b-instruct-v1:0", "Llama 3.1 405B Instruct", "Meta", US3, "2.4", "2.4",
          ("aws-page-2025-07",), "medium", "2025-07-20",
          note="LiteLLM's and the Region table's 5.32/16 is the launch price; the day it was cut is not in "
          "any source, so earlier calls are priced low"),
    _flat("meta.llama2-13b-chat-v1", "Llama 2 Chat 13B", "Meta", US, "0.75", "1", ("aws-page-2025-07", LL),
          "medium", "2025-07-20", note="end of life; for replaying old logs"),
    _flat("meta.llama2-70b-chat-v1", "Llama 2 Chat 70B", "Meta", US, "1.95", "2.56", ("aws-page-2025-07", LL),
          "medium", "2025-07-20", note="end of life; for replaying old logs"),
)

def _gemma(model_id: str, name: str, inp: str, out: str, mumbai: tuple[str, str]) -> Model:
    return Model(model_id, name, "Google", "text", prices=(
        _p(("us-east-1",), inp, out, ("genai", LL, RT), "high", "2026-06-03"),
        _p(("us-west-2",), inp, out, (RT, "us-parity"), "medium", "2026-06-03"),
        _p(("ap-south-1",), *mumbai, (RT,), "low", LITELLM_DATE)))


def _us_and_mumbai(model_id: str, name: str, provider: str, us: tuple[str, str], mumbai: tuple[str, str],
                   as_of: str = "2026-06-03") -> Model:
    """A 2026 model genai-prices (us-east-1, from the Price List), LiteLLM and the Region table agree on for
    the US, with the Region table's Mumbai price."""
    return Model(model_id, name, provider, "text", prices=(
        _p(US, *us, ("genai", LL, RT), "high", as_of),
        _p(("ap-south-1",), *mumbai, (RT,), "low", LITELLM_DATE)))


MORE_MISTRAL: tuple[Model, ...] = (
    Model("mistral.pixtral-large-2502-v1:0", "Pixtral Large (25.02)", "Mistral AI", "text", prices=(
        _p(US3, "2", "6", ("aws-page-2025-07", "genai", LL), "high", GENAI_DATE),
        _p(EU_PROFILE, "2", "6", (LL,), "low", LITELLM_DATE, scope="geo", note="LiteLLM eu. profile price"),
    )),
    _us_and_mumbai("mistral.mistral-large-3-675b-instruct", "Mistral Large 3", "Mistral AI", ("0.5", "1.5"),
                   ("0.59", "1.76")),
    _us_and_mumbai("mistral.magistral-small-2509", "Magistral Small 1.2", "Mistral AI", ("0.5", "1.5"),
                   ("0.59", "1.76")),
    _us_and_mumbai("mistral.ministral-3-3b-instruct", "Ministral 3B 3.0", "Mistral AI", ("0.1", "0.1"),
                   ("0.12", "0.12")),
    _us_and_mumbai("mistral.ministral-3-8b-instruct", "Ministral 8B 3.0", "Mistral AI", ("0.15", "0.15"),
                   ("0.18", "0.18")),
    _us_and_mumbai("mistral.ministral-3-14b-instruct", "Ministral 14B 3.0", "Mistral AI", ("0.2", "0.2"),
                   ("0.24", "0.24")),
    _us_and_mumbai("mistral.voxtral-mini-3b-2507", "Voxtral Mini 1.0", "Mistral AI", ("0.04", "0.04"),
                   ("0.05", "0.05")),
    _us_and_mumbai("mistral.voxtral-small-24b-2507", "Voxtral Small 1.0", "Mistral AI", ("0.1", "0.3"),
                   ("0.12", "0.35")),
    _flat("mistral.devstral-2-123b", "Devstral 2 123B", "Mistral AI", ("us-east-1",), "0.4", "2",
          ("genai", LL),
          "high", "2026-06-03"),
)

MORE_COHERE_AI21: tuple[Model, ...] = (
    _flat("cohere.command-text-v14", "Command", "Cohere", US, "1", "2", ("aws-page-2025-07",), "low",
          "2025-07-20", note="LiteLLM and the Region table say input 1.50; the AWS page copy says 1.00"),
    _flat("cohere.command-light-text-v14", "Command Light", "Cohere", US, "0.3", "0.6",
          ("aws-page-2025-07", LL, RT), "medium", "2025-07-20"),
    _flat("cohere.rerank-v3-5:0", "Rerank 3.5", "Cohere", ("us-west-2",), None, None, (LL,), "low",
          LITELLM_DATE,
          kind="rerank", units=(("query", "0.002"),),
          note="LiteLLM's price names no Region; us-west-2 is where the model is sold in the US"),
    _flat("ai21.jamba-1-5-large-v1:0", "Jamba 1.5 Large", "AI21 Labs", ("us-east-1",), "2", "8",
          ("aws-page-2025-07", LL, RT), "medium", "2025-07-20"),
    _flat("ai21.jamba-1-5-mini-v1:0", "Jamba 1.5 Mini", "AI21 Labs", ("us-east-1",), "0.2", "0.4",
          ("aws-page-2025-07", LL, RT), "medium", "2025-07-20"),
    _flat("ai21.jamba-instruct-v1:0", "Jamba-Instruct", "AI21 Labs", ("us-east-1",), "0.5", "0.7",
          ("aws-page-2025-07", LL, RT), "medium", "2025-07-20"),
    _flat("ai21.j2-mid-v1", "Jurassic-2 Mid", "AI21 Labs", ("us-east-1",), "12.5", "12.5",
          ("aws-page-2025-07", LL), "medium", "2025-07-20", note="end of life; for replaying old logs"),
    _flat("ai21.j2-ultra-v1", "Jurassic-2 Ultra", "AI21 Labs", ("us-east-1",), "18.8", "18.8",
          ("aws-page-2025-07", LL), "medium", "2025-07-20", note="end of life; for replaying old logs"),
)

_MINIMAX_HIGH = ("ap-northeast-1", "ap-south-1", "ap-southeast-3", "eu-central-1", "eu-north-1", "eu-south-1",
                 "eu-west-1", "sa-east-1")
_QWEN_NEXT_HIGH = ("ap-northeast-1", "ap-south-1", "ap-southeast-3", "eu-central-1", "eu-south-1",
                   "eu-west-1", "sa-east-1")
_KIMI_HIGH = ("ap-northeast-1", "ap-south-1", "ap-southeast-3", "eu-north-1", "sa-east-1")


MORE_OTHERS: tuple[Model, ...] = (
    _gemma("google.gemma-3-4b-it", "Gemma 3 4B", "0.04", "0.08", ("0.05", "0.09")),
    _gemma("google.gemma-3-12b-it", "Gemma 3 12B", "0.09", "0.29", ("0.11", "0.34")),
    _gemma("google.gemma-3-27b-it", "Gemma 3 27B", "0.23", "0.38", ("0.27", "0.45")),
    _flat("google.gemma-4-26b-a4b", "Gemma 4 26B A4B", "Google", ("us-east-1",), "0.13", "0.4", (LL,), "low",
          LITELLM_DATE),
    _flat("google.gemma-4-31b", "Gemma 4 31B", "Google", ("us-east-1",), "0.14", "0.4", (LL,), "low",
          LITELLM_DATE),
    _flat("google.gemma-4-e2b", "Gemma 4 E2B", "Google", ("us-east-1",), "0.04", "0.08", (LL,), "low",
          LITELLM_DATE),
    _us_and_mumbai("nvidia.nemotron-nano-9b-v2", "Nemotron Nano 2 9B", "NVIDIA", ("0.06", "0.23"),
                   ("0.07", "0.27"), as_of="2026-04-08"),
    Model("nvidia.nemotron-nano-12b-v2", "Nemotron Nano 2 VL 12B", "NVIDIA", "text", prices=(
        _p(US, "0.2", "0.6", (LL, RT), "medium", LITELLM_DATE),
        _p(("ap-south-1",), "0.24", "0.71", (RT,), "low", LITELLM_DATE))),
    _us_and_mumbai("nvidia.nemotron-nano-3-30b", "Nemotron 3 Nano 30B A3B", "NVIDIA", ("0.06", "0.24"),
                   ("0.07", "0.28"), as_of="2026-04-08"),
    _flat("nvidia.nemotron-super-3-120b", "Nemotron 3 Super 120B", "NVIDIA", ("us-east-1",), "0.15", "0.65",
          ("genai", LL), "high", "2026-04-08"),
    Model("moonshotai.kimi-k2.5", "Kimi K2.5", "Moonshot AI", "text", prices=(
        _p(US3, "0.6", "3", (LR,), "low", LITELLM_DATE),
        _p(_KIMI_HIGH, "0.72", "3.6", (LR,), "low", LITELLM_DATE))),
    Model("moonshot.kimi-k2-thinking", "Kimi K2 Thinking", "Moonshot AI", "text", prices=(
        _p(US3, "0.6", "2.5", (LR, RT), "medium", LITELLM_DATE),
        _p(("ap-south-1",), "0.71", "2.94", (LR, RT), "medium", LITELLM_DATE),
        _p(("ap-northeast-1", "sa-east-1"), "0.73", "3.03", (LR,), "low", LITELLM_DATE))),
    Model("minimax.minimax-m2", "MiniMax M2", "MiniMax", "text", prices=(
        _p(US, "0.3", "1.2", (LL, RT), "medium", LITELLM_DATE),
        _p(("ap-south-1",), "0.35", "1.41", (RT,), "low", LITELLM_DATE))),
    Model("minimax.minimax-m2.1", "MiniMax M2.1", "MiniMax", "text", prices=(
        _p(US3, "0.3", "1.2", (LR,), "low", LITELLM_DATE),
        _p(_MINIMAX_HIGH, "0.36", "1.44", (LR,), "low", LITELLM_DATE),
        _p(("eu-west-2",), "0.47", "1.86", (LR,), "low", LITELLM_DATE))),
    Model("minimax.minimax-m2.5", "MiniMax M2.5", "MiniMax", "text", prices=(
        _p(US3, "0.3", "1.2", (LR,), "low", LITELLM_DATE),
        _p(_MINIMAX_HIGH, "0.36", "1.44", (LR,), "low", LITELLM_DATE),
        _p(("eu-west-2",), "0.47", "1.86", (LR,), "low", LITELLM_DATE),
        _p(("ap-southeast-2",), "0.309", "1.236", (LR,), "low", LITELLM_DATE))),
    Model("qwen.qwen3-coder-next", "Qwen3 Coder Next", "Qwen", "text", prices=(
        _p(US3, "0.5", "1.2", (LR,), "low", LITELLM_DATE),
        _p(_QWEN_NEXT_HIGH, "0.6", "1.44", (LR,), "low", LITELLM_DATE),
        _p(("eu-west-2",), "0.78", "1.86", (LR,), "low", LITELLM_DATE))),
    _flat("qwen.qwen3-next-80b-a3b", "Qwen3 Next 80B A3B", "Qwen", ("us-east-1",), "0.15", "1.2", (LL,),
          "low",
          LITELLM_DATE),
    _flat("qwen.qwen3-vl-235b-a22b", "Qwen3 VL 235B A22B", "Qwen", ("us-east-1",), "0.53", "2.66",
          ("genai", LL),
          "high", GENAI_DATE),
    _flat("openai.gpt-oss-safeguard-120b", "gpt-oss-safeguard-120b", "OpenAI", ("us-east-1",), "0.15", "0.6",
          (LL,), "low", LITELLM_DATE),
    _flat("openai.gpt-oss-safeguard-20b", "gpt-oss-safeguard-20b", "OpenAI", ("us-east-1",), "0.07", "0.2",
          (LL,), "low", LITELLM_DATE, note="LiteLLM's bedrock_mantle entry says 0.075 / 0.30"),
    _flat("openai.gpt-5.4", "GPT-5.4", "OpenAI", ("us-east-1",), "2.75", "16.5", ("genai", LL), "medium",
          "2026-06-30", cache_read="0.275"),
    _flat("openai.gpt-5.5", "GPT-5.5", "OpenAI", ("us-east-1",), "5.5", "33", ("genai", LL), "medium",
          "2026-06-30", cache_read="0.55"),
    _flat("openai.gpt-5.6-sol", "GPT-5.6 Sol", "OpenAI", ("us-east-1",), "5.5", "33", ("genai", LL), "medium",
          "2026-08-10", cache_read="0.55", cache_write="6.875"),
    Model("openai.gpt-5.6-terra", "GPT-5.6 Terra", "OpenAI", "text", prices=(
        _p(("us-east-1",), "2.75", "16.5", ("genai-dated", LL), "medium", "2026-08-10", cache_read="0.275",
           cache_write="3.4375", note="launch price (2026-07-13)"),
        _p(("us-east-1",), "2.2", "13.2", ("genai-dated",), "medium", "2026-08-10", cache_read="0.22",
           cache_write="2.75", effective_from="2026-07-30", note="20% cut on 2026-07-30 (AWS What's New)"))),
    Model("openai.gpt-5.6-luna", "GPT-5.6 Luna", "OpenAI", "text", prices=(
        _p(("us-east-1",), "1.1", "6.6", ("genai-dated", LL), "medium", "2026-08-10", cache_read="0.11",
           cache_write="1.375", note="launch price (2026-07-13)"),
        _p(("us-east-1",), "0.22", "1.32", ("genai-dated",), "medium", "2026-08-10", cache_read="0.022",
           cache_write="0.275", effective_from="2026-07-30", note="80% cut on 2026-07-30 (AWS What's New)"))),
    _flat("xai.grok-4.3", "Grok 4.3", "xAI", ("us-east-1",), "1.25", "2.5", (LL,), "low", LITELLM_DATE,
          cache_read="0.2"),
    _flat("zai.glm-4.7", "GLM 4.7", "Z.ai", ("us-east-1",), "0.6", "2.2", (LL,), "low", LITELLM_DATE),
    _flat("zai.glm-4.7-flash", "GLM 4.7 Flash", "Z.ai", ("us-east-1",), "0.07", "0.4", (LL,), "low",
          LITELLM_DATE),
    _flat("writer.palmyra-x4-v1:0", "Palmyra X4", "Writer", US3, "2.5", "10", ("genai", LL, RT), "medium",
          "2026-07-29", note="served through us. profiles; genai-prices: flat across Regions"),
    _flat("writer.palmyra-x5-v1:0", "Palmyra X5", "Writer", US3, "0.6", "6", ("genai", LL, RT), "medium",
          "2026-07-29", note="served through us. profiles; genai-prices: flat across Regions"),
    Model("twelvelabs.pegasus-1-2-v1:0", "Pegasus 1.2", "TwelveLabs", "video", prices=(
        _p((*US3, "eu-west-1"), None, "7.5", (LL,), "low", LITELLM_DATE, scope="geo",
           units=(("video_input_second", "0.00049"),), note="LiteLLM us./eu. profile price"),)),
    Model("twelvelabs.marengo-embed-2-7-v1:0", "Marengo Embed 2.7", "TwelveLabs", "embedding", prices=(
        _p((*US3, "eu-west-1"), None, None, (LL,), "low", LITELLM_DATE, scope="geo",
           units=(("video_input_second", "0.0007"), ("audio_input_second", "0.00014"),
                  ("image_input", "0.0001")),
           note="LiteLLM's text rate (7e-05 per token) reads like a per-1K figure: left out, unpriced"),)),
    Model("stability.sd3-5-large-v1:0", "Stable Diffusion 3.5 Large", "Stability AI", "image",
          prices=(_p(("us-west-2",), None, None, (LL,), "low", LITELLM_DATE, units=(("image", "0.08"),)),)),
    Model("stability.sd3-large-v1:0", "Stable Diffusion 3 Large", "Stability AI", "image",
          prices=(_p(("us-west-2",), None, None, (LL,), "low", LITELLM_DATE, units=(("image", "0.08"),)),)),
    *(Model(f"stability.{slug}", name, "Stability AI", "image",
            prices=(_p(("us-west-2",), None, None, (LL,), "low", LITELLM_DATE, units=(("image", rate),)),))
      for slug, name, rate in (
          ("stable-image-core-v1:0", "Stable Image Core", "0.04"),
          ("stable-image-core-v1:1", "Stable Image Core 1.1", "0.04"),
          ("stable-image-ultra-v1:0", "Stable Image Ultra", "0.14"),
          ("stable-image-ultra-v1:1", "Stable Image Ultra 1.1", "0.14"),
          ("stable-conservative-upscale-v1:0", "Stable Image Conservative Upscale", "0.4"),
          ("stable-creative-upscale-v1:0", "Stable Image Creative Upscale", "0.6"),
          ("stable-fast-upscale-v1:0", "Stable Image Fast Upscale", "0.03"),
          ("stable-image-control-sketch-v1:0", "Stable Image Control Sketch", "0.07"),
          ("stable-image-control-structure-v1:0", "Stable Image Control Structure", "0.07"),
          ("stable-image-erase-object-v1:0", "Stable Image Erase Object", "0.07"),
          ("stable-image-inpaint-v1:0", "Stable Image Inpaint", "0.07"),
          ("stable-image-remove-background-v1:0", "Stable Image Remove Background", "0.07"),
          ("stable-image-search-recolor-v1:0", "Stable Image Search and Recolor", "0.07"),
          ("stable-image-search-replace-v1:0", "Stable Image Search and Replace", "0.07"),
          ("stable-image-style-guide-v1:0", "Stable Image Style Guide", "0.07"),
          ("stable-outpaint-v1:0", "Stable Image Outpaint", "0.06"),
          ("stable-style-transfer-v1:0", "Stable Image Style Transfer", "0.08"),
      )),
)
# fmt: on


def _with_extra(models: tuple[Model, ...]) -> tuple[Model, ...]:
    out = []
    for m in models:
        extra = EXTRA_PRICES.get(m.id, ())
        out.append(replace(m, prices=(*m.prices, *extra)) if extra else m)
    unknown = set(EXTRA_PRICES) - {m.id for m in models}
    if unknown:
        raise ValueError(f"EXTRA_PRICES names unknown models: {sorted(unknown)}")
    return tuple(out)


MODELS: tuple[Model, ...] = _with_extra(
    (
        *ANTHROPIC, *NEWER_ANTHROPIC, *AMAZON, *MORE_AMAZON, *META, *MORE_META, *MISTRAL, *MORE_MISTRAL,
        *COHERE, *MORE_COHERE_AI21, *OTHERS, *MORE_OTHERS,
    )
)  # fmt: skip
