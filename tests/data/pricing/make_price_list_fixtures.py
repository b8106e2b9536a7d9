# ruff: noqa: E501  (a table of records reads better one record per call)
"""Regenerate price_list_records.json: ``python tests/data/pricing/make_price_list_fixtures.py``.

Records 1-4 are the real GetProducts documents from the shared reference (price_list_examples.json,
trimmed by their publisher), copied verbatim. The rest are built in the same shape (GetProducts
``aws_v1`` format) following the Price List usagetype grammars (docs/pricing.md), with prices taken from the
sources cited in the catalog; each says so in ``_what``. ``_expect`` is what the builder must do with it:
``["cell", model, region, scope, variant, field, rate_per_1M]`` or ``["unmapped", reason fragment]``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("price_list_records.json")
SHARED_EXAMPLES = Path(__file__).resolve().parents[4] / "shared" / "pricing" / "price_list_examples.json"
SONNET4 = "anthropic.claude-sonnet-4-20250514-v1:0"
SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU45 = "anthropic.claude-haiku-4-5-20251001-v1:0"

_n = 0


def rec(
    code: str, attrs: dict[str, str], usd: str, unit: str, what: str, expect: list[Any], description: str = ""
) -> dict[str, Any]:
    global _n
    _n += 1
    sku = f"FIXTURE{_n:09d}"
    attrs = {"servicecode": code, **attrs}
    return {
        "_what": f"constructed: {what}",
        "_expect": expect,
        "serviceCode": code,
        "product": {"productFamily": "Amazon Bedrock", "sku": sku, "attributes": attrs},
        "terms": {
            "OnDemand": {
                f"{sku}.JRTCKXETXF": {
                    "offerTermCode": "JRTCKXETXF",
                    "sku": sku,
                    "effectiveDate": "2026-09-01T00:00:00Z",
                    "priceDimensions": {
                        f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
                            "rateCode": f"{sku}.JRTCKXETXF.6YS6EN2CT7",
                            "description": description,
                            "unit": unit,
                            "pricePerUnit": {"USD": usd},
                            "beginRange": "0",
                            "endRange": "Inf",
                            "appliesTo": [],
                        }
                    },
                    "termAttributes": {},
                }
            }
        },
        "version": "20260901183649",
        "publicationDate": "2026-09-01T18:36:49Z",
    }


def bedrock(region: str, usagetype: str, model: str, inference_type: str, usd: str, what: str,
            expect: list[Any], feature: str = "On-demand Inference", **extra: str) -> dict[str, Any]:  # fmt: skip
    attrs = {"regionCode": region, "usagetype": usagetype, "model": model, "inferenceType": inference_type,
             "feature": feature, **extra}  # fmt: skip
    return rec("AmazonBedrock", attrs, usd, "1K tokens", what, expect)


def fm(region: str, usagetype: str, servicename: str, usd: str, what: str, expect: list[Any],
       unit: str = "1M tokens", description: str = "") -> dict[str, Any]:  # fmt: skip
    attrs = {"regionCode": region, "usagetype": usagetype, "servicename": servicename}
    return rec("AmazonBedrockFoundationModels", attrs, usd, unit, what, expect, description)


def real_records() -> list[dict[str, Any]]:
    # The shared reference (checked out next to the repo) is read only here, when regenerating.
    shared = json.loads(SHARED_EXAMPLES.read_text(encoding="utf-8"))
    expects: list[list[Any]] = [
        ["cell", "anthropic.claude-3-haiku-20240307-v1:0", "us-east-1", "*", "standard", "input", "0.25"],
        ["cell", "amazon.nova-pro-v1:0", "ap-northeast-1", "*", "batch", "input", "0.48"],
        ["cell", "amazon.nova-pro-v1:0", "ap-northeast-1", "*", "standard", "cache_read", "0.24"],
        ["cell", "zai.glm-5", "ap-northeast-1", "*", "flex", "input", "0.6"],
    ]
    out = []
    for record, expect in zip(shared["records"], expects, strict=True):
        out.append({"_what": "real (trimmed): " + record["_what"], "_expect": expect,
                    **{k: v for k, v in record.items() if k != "_what"}})  # fmt: skip
    return out


def constructed() -> list[dict[str, Any]]:
    C = "cell"
    U = "unmapped"
    return [
        # ---- AmazonBedrock, legacy grammar ----
        bedrock("us-east-1", "USE1-Claude3Haiku-output-tokens", "Claude 3 Haiku", "Output tokens", "0.00125",
                "Claude 3 Haiku output (AWS page quote)",
                [C, "anthropic.claude-3-haiku-20240307-v1:0", "us-east-1", "*", "standard", "output", "1.25"]),
        bedrock("ap-northeast-1", "APN1-NovaPro-input-tokens", "Nova Pro", "Input tokens", "0.00096",
                "Nova Pro APN1 input (PL-inferplane)",
                [C, "amazon.nova-pro-v1:0", "ap-northeast-1", "*", "standard", "input", "0.96"]),
        bedrock("ap-northeast-1", "APN1-NovaPro-output-tokens", "Nova Pro", "Output tokens", "0.00384",
                "Nova Pro APN1 output (PL-inferplane)",
                [C, "amazon.nova-pro-v1:0", "ap-northeast-1", "*", "standard", "output", "3.84"]),
        bedrock("us-east-1", "USE1-NovaMicro-input-tokens", "Nova Micro", "Input tokens", "0.000035",
                "Nova Micro input (genai)",
                [C, "amazon.nova-micro-v1:0", "us-east-1", "*", "standard", "input", "0.035"]),
        bedrock("us-east-1", "USE1-NovaMicro-cache-read-input-token-count", "Nova Micro",
                "Prompt cache read input tokens", "0.00000875", "Nova Micro cache read = 0.25x input",
                [C, "amazon.nova-micro-v1:0", "us-east-1", "*", "standard", "cache_read", "0.00875"]),
        bedrock("us-west-2", "USW2-Nova2.0Lite-input-tokens", "Nova 2.0 Lite", "Input tokens", "0.00033",
                "Nova 2 Lite in-region (PL-nova2)",
                [C, "amazon.nova-2-lite-v1:0", "us-west-2", "*", "standard", "input", "0.33"]),
        bedrock("us-west-2", "USW2-Nova2.0Lite-output-tokens", "Nova 2.0 Lite", "Output tokens", "0.00275",
                "Nova 2 Lite in-region output (PL-nova2)",
                [C, "amazon.nova-2-lite-v1:0", "us-west-2", "*", "standard", "output", "2.75"]),
        bedrock("us-west-2", "USW2-Nova2.0Lite-cache-read-input-token-count", "Nova 2.0 Lite",
                "Prompt cache read input tokens", "0.0000825", "Nova 2 Lite in-region cache read (PL-nova2)",
                [C, "amazon.nova-2-lite-v1:0", "us-west-2", "*", "standard", "cache_read", "0.0825"]),
        bedrock("us-west-2", "USW2-Nova2.0Lite-input-tokens-priority-cross-region-global", "Nova 2.0 Lite",
                "Input tokens priority", "0.000525", "Nova 2 Lite global priority (PL-nova2)",
                [C, "amazon.nova-2-lite-v1:0", "us-west-2", "global", "priority", "input", "0.525"]),
        bedrock("us-east-1", "USE1-Qwen3-32B-input-tokens", "Qwen3 32B", "Input tokens", "0.00015",
                "Qwen3-32B standard (PL-qwen)",
                [C, "qwen.qwen3-32b-v1:0", "us-east-1", "*", "standard", "input", "0.15"]),
        bedrock("us-east-1", "USE1-Qwen3-32B-input-tokens-flex", "Qwen3 32B", "Input tokens flex", "0.000075",
                "Qwen3-32B flex (PL-qwen)",
                [C, "qwen.qwen3-32b-v1:0", "us-east-1", "*", "flex", "input", "0.075"], service_tier="flex"),
        bedrock("us-east-1", "USE1-Qwen3-32B-input-tokens-priority", "Qwen3 32B", "Input tokens priority",
                "0.0002625", "Qwen3-32B priority (PL-qwen)",
                [C, "qwen.qwen3-32b-v1:0", "us-east-1", "*", "priority", "input", "0.2625"],
                service_tier="priority"),
        bedrock("us-east-1", "USE1-Qwen3-32B-output-tokens-batch", "Qwen3 32B", "Output tokens", "0.0003",
                "Qwen3-32B batch output; batch trap: inferenceType says plain 'Output tokens'",
                [C, "qwen.qwen3-32b-v1:0", "us-east-1", "*", "batch", "output", "0.3"], feature="Batch Inference"),
        bedrock("us-east-1", "USE1-Llama3-3-70B-input-tokens", "Llama 3.3 70B Instruct", "Input tokens",
                "0.00072", "Llama 3.3 70B (genai)",
                [C, "meta.llama3-3-70b-instruct-v1:0", "us-east-1", "*", "standard", "input", "0.72"]),
        rec("AmazonBedrock", {"regionCode": "us-east-1", "usagetype": "USE1-TitanEmbeddingsV2-Text-input-tokens",
                              "titanModel": "Titan Text Embeddings V2", "inferenceType": "Input tokens",
                              "feature": "On-demand Inference"},
            "0.00002", "1K tokens", "Titan Text Embeddings V2 (titanModel attribute)",
            [C, "amazon.titan-embed-text-v2:0", "us-east-1", "*", "standard", "input", "0.02"]),
        # ---- AmazonBedrock, mantle grammar ----
        bedrock("us-east-1", "USE1-openai.gpt-oss-120b-mantle-input-tokens-standard", "gpt-oss-120b",
                "Input tokens", "0.00015", "gpt-oss-120b mantle standard",
                [C, "openai.gpt-oss-120b-1:0", "us-east-1", "*", "standard", "input", "0.15"],
                service_tier="standard"),
        bedrock("us-east-1", "USE1-openai.gpt-oss-120b-mantle-output-tokens-flex", "gpt-oss-120b",
                "Output tokens flex", "0.0003", "gpt-oss-120b mantle flex output",
                [C, "openai.gpt-oss-120b-1:0", "us-east-1", "*", "flex", "output", "0.3"], service_tier="flex"),
        bedrock("us-east-1", "USE1-openai.gpt-oss-120b-mantle-input-tokens-batch", "gpt-oss-120b",
                "Input tokens", "0.000075", "gpt-oss-120b mantle batch",
                [C, "openai.gpt-oss-120b-1:0", "us-east-1", "*", "batch", "input", "0.075"],
                feature="Batch Inference", service_tier="batch"),
        bedrock("us-east-1", "USE1-amazon.nova-2-omni-mantle-cache-write-tokens-5m-long-ctx-flex", "Nova 2 Omni",
                "Cache write tokens long context flex", "0.0009", "mantle long-ctx flex grammar, model not in table",
                [U, "not a model in the catalog source table"], service_tier="flex"),
        # ---- AmazonBedrockService ----
        rec("AmazonBedrockService", {"regionCode": "us-east-1",
                                     "usagetype": "USE1-Claude4Sonnet-input-tokens-long-context-cross-region-global",
                                     "inferenceType": "Input tokens long context"},
            "0.006", "1K tokens", "Sonnet 4 long-context global input (PL-sonnet4-lc)",
            [C, SONNET4, "us-east-1", "global", "long_context", "input", "6"]),
        rec("AmazonBedrockService", {"regionCode": "us-east-1",
                                     "usagetype": "USE1-Claude4Sonnet-output-tokens-long-context-cross-region-global",
                                     "inferenceType": "Output tokens long context"},
            "0.0225", "1K tokens", "Sonnet 4 long-context global output (rule-lc)",
            [C, SONNET4, "us-east-1", "global", "long_context", "output", "22.5"]),
        rec("AmazonBedrockService", {"regionCode": "us-east-1",
                                     "usagetype": "USE1-Claude4Sonnet-input-tokens-cross-region-global",
                                     "inferenceType": "Input tokens"},
            "0.003", "1K tokens", "Sonnet 4 global input (no surcharge for older models)",
            [C, SONNET4, "us-east-1", "global", "standard", "input", "3"]),
        # ---- AmazonBedrockFoundationModels, Marketplace camel (Haiku 4.5 rows from the shared example) ----
        fm("us-east-1", "USE1-MP:USE1_InputTokenCount-Units", "Claude Haiku 4.5 (Amazon Bedrock Edition)", "1.10",
           "Haiku 4.5 regional input, SKU JQDUC8Q4K8C6GSGH", [C, HAIKU45, "us-east-1", "*", "standard", "input", "1.1"]),
        fm("us-east-1", "USE1-MP:USE1_OutputTokenCount-Units", "Claude Haiku 4.5 (Amazon Bedrock Edition)", "5.50",
           "Haiku 4.5 regional output, SKU X629GDA2GXAP6R54",
           [C, HAIKU45, "us-east-1", "*", "standard", "output", "5.5"]),
        fm("us-east-1", "USE1-MP:USE1_InputTokenCount_Global-Units", "Claude Haiku 4.5 (Amazon Bedrock Edition)",
           "1.00", "Haiku 4.5 global input, SKU DY4B4Q3TRTAY8V6G",
           [C, HAIKU45, "us-east-1", "global", "standard", "input", "1"]),
        fm("us-east-1", "USE1-MP:USE1_OutputTokenCount_Global-Units", "Claude Haiku 4.5 (Amazon Bedrock Edition)",
           "5.00", "Haiku 4.5 global output, SKU XADKFYXVGBFBJSU7",
           [C, HAIKU45, "us-east-1", "global", "standard", "output", "5"]),
        fm("us-east-1", "USE1-MP:USE1_CacheReadInputTokenCount-Units", "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
           "0.33", "Sonnet 4.5 regional cache read (PL-fm-sonnet45)",
           [C, SONNET45, "us-east-1", "*", "standard", "cache_read", "0.33"]),
        fm("us-east-1", "USE1-MP:USE1_CacheWriteInputTokenCount-Units", "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
           "4.125", "Sonnet 4.5 regional 5m cache write",
           [C, SONNET45, "us-east-1", "*", "standard", "cache_write", "4.125"]),
        fm("us-east-1", "USE1-MP:USE1_CacheWrite1hInputTokenCount-Units",
           "Claude Sonnet 4.5 (Amazon Bedrock Edition)", "6.60", "Sonnet 4.5 regional 1h cache write",
           [C, SONNET45, "us-east-1", "*", "standard", "cache_write_1h", "6.6"]),
        fm("us-east-1", "USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units",
           "Claude Sonnet 4.5 (Amazon Bedrock Edition)", "6.00", "Sonnet 4.5 global 1h cache write",
           [C, SONNET45, "us-east-1", "global", "standard", "cache_write_1h", "6"]),
        fm("us-east-1", "USE1-MP:USE1_InputTokenCount_Batch-Units", "Claude Sonnet 4.5 (Amazon Bedrock Edition)",
           "1.65", "Sonnet 4.5 regional batch input",
           [C, SONNET45, "us-east-1", "*", "batch", "input", "1.65"]),
        fm("us-east-1", "USE1-MP:USE1_MillionBatchInputTokens_Global-Units",
           "Claude Sonnet 4.5 (Amazon Bedrock Edition)", "1.50", "Sonnet 4.5 global batch input, 'Units' row",
           [C, SONNET45, "us-east-1", "global", "batch", "input", "1.5"], unit="Units",
           description="$1.50 per million batch input tokens"),
        fm("us-east-1", "USE1-MP:USE1_Reserved_1Month_InputTPM_Geo-Units",
           "Claude Sonnet 4.5 (Amazon Bedrock Edition)", "24.00", "reserved tokens-per-minute row",
           [U, "reserved capacity"], unit="1K TPM Hour"),
        fm("us-east-1", "USE1-MP:USE1_CacheReadInputTokenCount_Global-Units",
           "Claude Sonnet 4.5 (Amazon Bedrock Edition)", "0.30", "'Units' row without a readable unit",
           [U, "does not say whether"], unit="Units"),
        # ---- AmazonBedrockFoundationModels, Marketplace snake ----
        fm("eu-north-1", "EUN1-MP:EUN1_input_tokens_standard-Units", "Claude Haiku 4.5 (Amazon Bedrock Edition)",
           "1.10", "Haiku 4.5 eu-north-1 regional (PL-fm-haiku45-eu)",
           [C, HAIKU45, "eu-north-1", "*", "standard", "input", "1.1"], unit="Units",
           description="$1.10 per 1M input tokens"),
        fm("eu-north-1", "EUN1-MP:EUN1_input_tokens_global_standard-Units",
           "Claude Haiku 4.5 (Amazon Bedrock Edition)", "1.00", "Haiku 4.5 eu-north-1 global",
           [C, HAIKU45, "eu-north-1", "global", "standard", "input", "1"]),
        fm("eu-north-1", "EUN1-MP:EUN1_cache_write_tokens_1h_global_standard-Units",
           "Claude Haiku 4.5 (Amazon Bedrock Edition)", "2.00", "Haiku 4.5 eu-north-1 global 1h cache write",
           [C, HAIKU45, "eu-north-1", "global", "standard", "cache_write_1h", "2"]),
        fm("us-east-1", "USE1-MP:USE1_output_tokens_long_ctx_standard-Units",
           "Claude Sonnet 4.5 (Amazon Bedrock Edition)", "24.75", "Sonnet 4.5 regional long-context output",
           [C, SONNET45, "us-east-1", "*", "long_context", "output", "24.75"]),
        fm("us-east-1", "USE1-MP:USE1_input_tokens_long_ctx_global_standard-Units",
           "Claude Sonnet 4.5 (Amazon Bedrock Edition)", "6.00", "Sonnet 4.5 global long-context input",
           [C, SONNET45, "us-east-1", "global", "long_context", "input", "6"]),
        # ---- records that must not be mapped ----
        bedrock("us-east-1", "USE1-Claude3-5Haiku-input-tokens-latency-optimized", "Claude 3.5 Haiku",
                "Input tokens latency optimized", "0.001", "latency-optimized SKU", [U, "latency-optimized"]),
        bedrock("us-east-1", "USE1-NovaPro-input-tokens-custom-model", "Nova Pro", "Input tokens", "0.0008",
                "custom-model inference SKU", [U, "custom-model"]),
        bedrock("us-east-1", "USE1-Nova2.0Omni-input-tokens", "Nova 2 Omni", "Input tokens", "0.0003",
                "model not in the source table", [U, "not a model in the catalog source table"]),
        rec("AmazonBedrock", {"usagetype": "USE1-NovaPro-input-tokens", "model": "Nova Pro"}, "0.0008",
            "1K tokens", "no regionCode attribute", [U, "no regionCode"]),
        rec("AmazonBedrock", {"regionCode": "us-east-1", "usagetype": "USE1-NovaCanvas-T2I-1024-Standard",
                              "model": "Nova Canvas"},
            "0.04", "Images", "image generation row", [U, "matches no known grammar"]),
        rec("AmazonEC2", {"regionCode": "us-east-1", "usagetype": "USE1-BoxUsage:t3.micro"}, "0.0104", "Hrs",
            "wrong service code", [U, "service code"]),
        bedrock("us-east-1", "USE1-NovaPro-input-tokens-flex", "Nova Pro", "Input tokens flex", "0.0004",
                "contradiction: flex suffix on a batch feature row", [U, "contradictory tier flags"],
                feature="Batch Inference"),
    ]  # fmt: skip


def main() -> None:
    records = real_records() + constructed()
    OUT.write_text(json.dumps({"records": records}, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(records)} records)")


if __name__ == "__main__":
    main()
