"""Where Bedrock sells a model, beyond where the catalog prices it: the other half of the coverage table.

A model is sold in a Region when AWS documentation says so (``SOLD_IN``, source ``aws-docs-regions``) or
when any price table gives a price there (every priced Region of the catalog). A sold Region without a
price is a gap: the coverage table in docs/pricing.md lists it with the reason (``MISSING``), and a call
made there is metered as unpriced, never at another Region's price.
"""

from __future__ import annotations

NOVA_TEXT_REGIONS = (
    "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "eu-central-1",
    "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3", "us-east-1", "us-east-2",
    "us-gov-west-1", "us-west-2",
)  # fmt: skip

CLAUDE_3_REGIONS = (
    "ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-2", "eu-central-1", "eu-west-1",
    "eu-west-3", "us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-2",
)  # fmt: skip

# Regions that sell the model in-Region or through a profile, from the Bedrock user guide's Region tables
# ("Supported Regions and models for model copy", "intelligent prompt routing").
# fmt: off
SOLD_IN: dict[str, tuple[str, ...]] = {
    "amazon.nova-micro-v1:0": NOVA_TEXT_REGIONS,
    "amazon.nova-lite-v1:0": NOVA_TEXT_REGIONS,
    "amazon.nova-pro-v1:0": NOVA_TEXT_REGIONS,
    "amazon.nova-canvas-v1:0": ("ap-northeast-2", "eu-west-1", "us-east-1"),
    "amazon.titan-image-generator-v1": ("ap-south-1", "eu-west-1", "eu-west-2", "us-east-1", "us-west-2"),
    "amazon.titan-embed-image-v1": ("ap-south-1", "ap-southeast-2", "ca-central-1", "eu-west-1", "eu-west-2",
                                    "eu-west-3", "sa-east-1", "us-east-1", "us-west-2"),
    # The prompt-routing Region table: in-Region and profile Regions of the Claude 3 generation.
    "anthropic.claude-3-haiku-20240307-v1:0": CLAUDE_3_REGIONS,
    "anthropic.claude-3-5-sonnet-20240620-v1:0": CLAUDE_3_REGIONS,
    "anthropic.claude-3-5-sonnet-20241022-v2:0": ("ap-northeast-1", "ap-south-1", "ap-southeast-2",
                                                  "eu-west-3", "us-east-1", "us-east-2", "us-west-2"),
    "anthropic.claude-3-5-haiku-20241022-v1:0": ("us-east-1", "us-east-2", "us-west-2"),
    "meta.llama3-1-70b-instruct-v1:0": ("us-east-1", "us-east-2", "us-west-2"),
}
# fmt: on

_NO_PUBLIC_PRICE = (
    "sold there (aws-docs-regions) but no public price table here gives that Region's price; a Price List "
    "refresh (price_refresh) or a pricing.overrides entry prices it"
)
_APAC_PROFILE = (
    "sold there (aws-docs-regions). LiteLLM's apac. profile price is not tied to a source Region and its "
    "Nova Pro figure (0.84) contradicts the ap-northeast-1 Price List record (0.96), so it is not used"
)

# Why a sold (model, Region) has no price; a Region of None is the model's reason everywhere it is unpriced.
MISSING: dict[tuple[str, str | None], str] = {
    **{(m, r): _APAC_PROFILE for m in ("amazon.nova-micro-v1:0", "amazon.nova-lite-v1:0")
       for r in ("ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2")},
    **{(m, None): _NO_PUBLIC_PRICE for m in SOLD_IN},
    ("amazon.nova-reel-v1:0", None): (
        "billed per second of generated video; public tables disagree (0.08 vs 0.12 USD per second)"
    ),
    ("anthropic.claude-3-5-sonnet-20240620-v1:0", "us-gov-east-1"): _NO_PUBLIC_PRICE,
}  # fmt: skip

# Models Bedrock sells that the catalog does not price anywhere, with the reason.
NOT_IN_CATALOG: dict[str, str] = {
    "amazon.nova-2-pro-preview-20251202-v1:0": (
        "preview; LiteLLM (2.1875/17.50) and the per-Region page table (1.25/1.25) disagree"
    ),
    "stability.stable-diffusion-xl-v1": "priced by resolution and step count (LiteLLM); end of life",
}
