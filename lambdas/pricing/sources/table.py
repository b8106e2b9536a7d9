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

from dataclasses import dataclass, field
from typing import Literal

Confidence = Literal["high", "medium", "low"]
Kind = Literal["text", "embedding"]

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
}

US = ("us-east-1", "us-west-2")
US3 = ("us-east-1", "us-east-2", "us-west-2")
# Regions where the Claude 4.5+ scheme (global list / regional 1.10x) is applied beyond us-east-1.
CRIS_REGIONS = ("us-east-2", "us-west-2", "eu-central-1", "eu-west-1", "ap-northeast-1", "ap-southeast-2")


@dataclass(frozen=True)
class Price:
    """Rates for a set of Regions, all sharing sources and confidence.

    For ``scheme="global_list"`` models ``input``/``output``/cache are the *list* (global) prices and the
    builder derives the regional (in-region and geo) card as 1.10x; otherwise one card serves every scope.
    """

    regions: tuple[str, ...]
    input: str
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
    inp: str,
    out: str | None,
    src: tuple[str, ...],
    conf: Confidence,
    as_of: str,
    **kw: str | bool | None,
) -> Price:
    return Price(regions, inp, out, src, conf, as_of, **kw)  # type: ignore[arg-type]


def _us_pair(
    inp: str,
    out: str | None,
    src: tuple[str, ...],
    conf: Confidence,
    as_of: str,
    regions: tuple[str, ...] = US,
    **kw: str | bool | None,
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
    Model(
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "Claude 3.5 Sonnet",
        "Anthropic",
        "text",
        prices=_us_pair(
            "6",
            "30",
            ("ext-access",),
            "low",
            "2026-07-04",
            note="Public Extended Access price from 2025-12-01 (quoted for v2; v1 assumed the "
            "same); LiteLLM's 3/15 is the pre-extended-access price",
        ),
        batch=True,
    ),
    Model(
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "Claude 3.5 Sonnet v2",
        "Anthropic",
        "text",
        prices=_us_pair(
            "6",
            "30",
            ("ext-access",),
            "medium",
            "2026-07-04",
            cache_read="0.6",
            cache_write="7.5",
            note="Public Extended Access price from 2025-12-01; LiteLLM's 3/15 is outdated",
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
        prices=_us_pair("2.5", "12.5", ("litellm",), "low", LITELLM_DATE, regions=US3),
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
                note="text-token rate only; image/audio/video inputs are priced per item or second",
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
            _p(("us-east-1", "us-west-2"), "0.3", "0.6", ("litellm-region",), "low", LITELLM_DATE),
            _p(("eu-west-1",), "0.32", "0.65", ("litellm-region",), "low", LITELLM_DATE),
            _p(("ap-south-1",), "0.36", "0.72", ("litellm-region",), "low", LITELLM_DATE),
        ),
    ),
    Model(
        "meta.llama3-70b-instruct-v1:0",
        "Llama 3 70B Instruct",
        "Meta",
        "text",
        prices=(
            _p(("us-east-1", "us-west-2"), "2.65", "3.5", ("litellm-region",), "low", LITELLM_DATE),
            _p(("eu-west-1",), "2.86", "3.78", ("litellm-region",), "low", LITELLM_DATE),
            _p(("ap-south-1",), "3.18", "4.2", ("litellm-region",), "low", LITELLM_DATE),
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

MODELS: tuple[Model, ...] = (*ANTHROPIC, *AMAZON, *META, *MISTRAL, *COHERE, *OTHERS)
