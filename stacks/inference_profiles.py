"""Per-feature application inference profiles (`AWS::Bedrock::ApplicationInferenceProfile`).

A Bedrock call made through a feature's profile ARN carries the profile's tags into billing, so Cost
Explorer, AWS Budgets and Cost Anomaly Detection can see the feature (cost allocation tag
`GenAI:Workload`). The metering Lambda maps the profile id back to the feature and its model without an
API call (`GUARDRAILS_PROFILE_FEATURES`, see config/runtime.py)."""

from __future__ import annotations

import hashlib
import re

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock
from constructs import Construct

from config.loader import ConfigRuleError
from config.model import Account, Feature, GuardrailsConfig
from stacks.naming import TAG_APPLICATION, TAG_ENVIRONMENT, TAG_MODEL, TAG_WORKLOAD

# Prefixes of system (cross-Region) inference profile ids: `us.anthropic...`, `global.amazon...`.
SYSTEM_PROFILE_PREFIXES = frozenset({"us", "eu", "apac", "global", "jp", "au", "ca", "us-gov"})
PROFILE_NAME_MAX_CHARS = 64
# Above the stack-wide `Tags.of(stack)` (priority 100), which would otherwise overwrite the feature's
# Application / GenAI:Workload tags with the guardrail's own values.
PROFILE_TAG_PRIORITY = 300


def is_system_profile_id(copy_from: str) -> bool:
    prefix, _, rest = copy_from.partition(".")
    return bool(rest) and prefix in SYSTEM_PROFILE_PREFIXES


def model_source_arn(copy_from: str) -> str:
    """The ARN `CopyFrom` needs: a system inference profile for a geo/global id, else a foundation model."""
    prefix = f"arn:{cdk.Aws.PARTITION}:bedrock:{cdk.Aws.REGION}"
    if is_system_profile_id(copy_from):
        return f"{prefix}:{cdk.Aws.ACCOUNT_ID}:inference-profile/{copy_from}"
    return f"{prefix}::foundation-model/{copy_from}"


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


def check_profiles(config: GuardrailsConfig) -> None:
    """Synth-time checks: a profile's tags must satisfy the organization's tag policy (allowed values),
    or the tag policy would block creating it in accounts where it is enforced."""
    allowed = config.organization.tag_policy.allowed_values
    for a, account in enumerate(config.accounts):
        for f, feature in enumerate(account.features):
            if feature.inference_profile is None:
                continue
            for key, value in profile_tags(account, feature).items():
                values = allowed.get(key)
                if values and value not in values:
                    raise ConfigRuleError(
                        f"accounts[{a}].features[{f}].inference_profile: the profile's tag {key}={value!r} "
                        f"is not in organization.tag_policy.allowed_values.{key} ({', '.join(values)})"
                    )


class FeatureInferenceProfiles(Construct):
    """One application inference profile per feature with `inference_profile.copy_from`.

    `profiles`: feature name -> profile (L1). `profile_features_json()`: the {profile id: feature} JSON
    the metering Lambda reads from `GUARDRAILS_PROFILE_FEATURES`."""

    def __init__(self, scope: Construct, construct_id: str, *, account: Account) -> None:
        super().__init__(scope, construct_id)
        self.profiles: dict[str, bedrock.CfnApplicationInferenceProfile] = {}
        for feature in account.features:
            if feature.inference_profile is None:
                continue
            copy_from = feature.inference_profile.copy_from
            profile = bedrock.CfnApplicationInferenceProfile(
                self,
                f"Profile-{feature.name}",
                inference_profile_name=profile_name(account, feature),
                description=profile_description(feature),
                model_source=bedrock.CfnApplicationInferenceProfile.InferenceProfileModelSourceProperty(
                    copy_from=model_source_arn(copy_from)
                ),
            )
            for key, value in profile_tags(account, feature).items():
                cdk.Tags.of(profile).add(key, value, priority=PROFILE_TAG_PRIORITY)
            self.profiles[feature.name] = profile

    def profile_arn(self, feature_name: str) -> str:
        return self.profiles[feature_name].attr_inference_profile_arn

    def profile_features_json(self) -> str:
        """`{"<profile id>": "<feature>", ...}` as a deploy-time string (the ids are tokens). Built with
        Fn::Join because object keys cannot be tokens; ids and feature names need no JSON escaping."""
        if not self.profiles:
            return "{}"
        parts: list[str] = ["{"]
        for i, (feature, profile) in enumerate(self.profiles.items()):
            parts += [", " if i else "", '"', profile.attr_inference_profile_id, f'": "{feature}"']
        parts.append("}")
        return cdk.Fn.join("", [p for p in parts if p])


def output_id(prefix: str, feature_name: str) -> str:
    """`InferenceProfileArnTicketSummary`: a CfnOutput id (letters and digits) per feature."""
    return prefix + "".join(part.capitalize() for part in feature_name.split("-"))
