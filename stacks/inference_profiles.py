"""Per-feature application inference profiles (`AWS::Bedrock::ApplicationInferenceProfile`).

A Bedrock call made through a feature's profile ARN carries the profile's tags into billing, so Cost
Explorer, AWS Budgets and Cost Anomaly Detection can see the feature (cost allocation tag
`GenAI:Workload`). The metering Lambda maps the profile id back to the feature and its model without an
API call (`GUARDRAILS_PROFILE_FEATURES`, see core/runtime_config.py)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_bedrock as bedrock
from constructs import Construct, IConstruct

from config.stack_limits import resource_tags
from core.config_model import Account, Feature
from core.inference_profiles import is_system_profile_id, profile_description, profile_name, profile_tags

PROFILE_TYPE = "AWS::Bedrock::ApplicationInferenceProfile"


def tag_stack(scope: IConstruct, key: str, value: str) -> None:
    """A stack-wide tag on every taggable resource below `scope` but the inference profiles (own_tags)."""
    cdk.Tags.of(scope).add(key, value, exclude_resource_types=[PROFILE_TYPE])


def own_tags(account: Account, feature: Feature) -> dict[str, str]:
    """Every tag of a feature's profile: the stack's, then the feature's Application, GenAI:Workload and
    GenAI:Model on top. Stack-wide tags skip this resource type (`tag_stack`), since they would
    otherwise overwrite the feature's Application / GenAI:Workload with the guardrail's own values; the
    profile carries them in its properties instead (no tag aspect, no jsii round trip per tag)."""
    return {**resource_tags(account), **profile_tags(account, feature)}


def model_source_arn(copy_from: str, pseudo: tuple[str, str, str] | None = None) -> str:
    """The ARN `CopyFrom` needs: a system inference profile for a geo/global id, else a foundation model.
    `pseudo`: (partition, region, account id) tokens when the caller has read them already."""
    partition, region, account_id = pseudo or (cdk.Aws.PARTITION, cdk.Aws.REGION, cdk.Aws.ACCOUNT_ID)
    prefix = f"arn:{partition}:bedrock:{region}"
    if is_system_profile_id(copy_from):
        return f"{prefix}:{account_id}:inference-profile/{copy_from}"
    return f"{prefix}::foundation-model/{copy_from}"


class FeatureInferenceProfiles(Construct):
    """One application inference profile per feature with `inference_profile.copy_from`.

    `profiles`: feature name -> profile (L1). `profile_features_json()`: the {profile id: feature} JSON
    the metering Lambda reads from `GUARDRAILS_PROFILE_FEATURES`."""

    def __init__(self, scope: Construct, construct_id: str, *, account: Account) -> None:
        super().__init__(scope, construct_id)
        self.profiles: dict[str, bedrock.CfnApplicationInferenceProfile] = {}
        # Each read of a pseudo parameter or of a tag manager is a jsii round trip: once, not per profile.
        pseudo = (cdk.Aws.PARTITION, cdk.Aws.REGION, cdk.Aws.ACCOUNT_ID)
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
                    copy_from=model_source_arn(copy_from, pseudo)
                ),
                tags=[cdk.CfnTag(key=k, value=v) for k, v in sorted(own_tags(account, feature).items())],
            )
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
