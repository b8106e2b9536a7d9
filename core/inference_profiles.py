"""Application inference profiles as plain data: the name, description and tags each feature's profile gets.

A Bedrock call made through a feature's profile ARN carries the profile's tags into billing, so Cost
Explorer, AWS Budgets and Cost Anomaly Detection can see the feature (cost allocation tag `GenAI:Workload`).
"""

from __future__ import annotations

import hashlib
import re

from core.config_model import Account, Feature
from core.naming import TAG_APPLICATION, TAG_ENVIRONMENT, TAG_MODEL, TAG_WORKLOAD

# Prefixes of system (cross-Region) inference profile ids: `us.anthropic...`, `global.amazon...`.
SYSTEM_PROFILE_PREFIXES = frozenset({"us", "eu", "apac", "global", "jp", "au", "ca", "us-gov"})
PROFILE_NAME_MAX_CHARS = 64


def is_system_profile_id(copy_from: str) -> bool:
    prefix, _, rest = copy_from.partition(".")
    return bool(rest) and prefix in SYSTEM_PROFILE_PREFIXES


def profile_name(account: Account, feature: Feature) -> str:
    """`prod-ticket-summary`: letters, digits and single '-' (the Bedrock name rule), at most 64."""
    name = re.sub(r"-{2,}", "-", f"{account.name}-{feature.name}")
    if len(name) > PROFILE_NAME_MAX_CHARS:
        digest = hashlib.sha256(name.encode()).hexdigest()[:8]
        name = f"{name[: PROFILE_NAME_MAX_CHARS - 9].rstrip('-')}-{digest}"
    return name


def profile_description(feature: Feature) -> str:
    """Bedrock allows letters, digits, ':' and '.', each followed by at most one space, '_' or '-'."""
    assert feature.inference_profile is not None
    text = f"GenAI cost guardrails feature {feature.name} copies {feature.inference_profile.copy_from}"
    return re.sub(r"[ _-]{2,}", "-", text)[:200]


def profile_tags(account: Account, feature: Feature) -> dict[str, str]:
    assert feature.inference_profile is not None
    return {
        TAG_APPLICATION: feature.application,
        TAG_ENVIRONMENT: account.environment,
        TAG_WORKLOAD: feature.name,
        TAG_MODEL: feature.inference_profile.copy_from,
    }
