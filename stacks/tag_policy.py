"""The Organizations tag policy, built from config as plain data, checked, then deployed."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import aws_organizations as organizations
from constructs import Construct

from config.loader import ConfigRuleError
from config.model import Organization, check_tag_key, check_tag_value
from stacks.naming import STANDARD_TAG_KEYS

# AWS Organizations limit for a tag policy document.
TAG_POLICY_MAX_CHARS = 10_000


class TagPolicyError(ConfigRuleError):
    """A tag policy that AWS would refuse; the message names the tag."""


def build_tag_policy(organization: Organization) -> dict[str, Any]:
    """The tag policy document: standard keys plus config's extra keys, exact capitalisation enforced,
    allowed values where config lists them, `enforced_for` and `report_required_tag_for` the configured
    resource types. Raises TagPolicyError naming the field and the tag."""
    policy = organization.tag_policy
    for key in policy.allowed_values:
        if key not in STANDARD_TAG_KEYS:
            raise TagPolicyError(
                f"organization.tag_policy.allowed_values: tag {key!r} is not one of the standard keys "
                f"({', '.join(STANDARD_TAG_KEYS)}, exact capitalisation); list other keys under extra_keys"
            )
    specs: list[tuple[str, str, list[str], bool]] = [
        (f"organization.tag_policy.allowed_values.{key}", key, list(policy.allowed_values.get(key, [])), True)
        for key in STANDARD_TAG_KEYS
    ]
    specs += [
        (f"organization.tag_policy.extra_keys[{i}]", extra.key, list(extra.allowed_values), extra.required)
        for i, extra in enumerate(policy.extra_keys)
    ]
    tags: dict[str, Any] = {}
    for field, key, allowed, required in specs:
        try:
            check_tag_key(key)
            for value in allowed:
                check_tag_value(value)
        except ValueError as exc:
            raise TagPolicyError(f"{field}: tag {key!r}: {exc}") from None
        # Policy keys are case-insensitive, so two keys differing only in case would collide.
        if key.lower() in tags:
            raise TagPolicyError(f"{field}: tag {key!r} is listed twice (keys are case-insensitive)")
        entry: dict[str, Any] = {"tag_key": {"@@assign": key}}
        if allowed:
            entry["tag_value"] = {"@@assign": allowed}
        if policy.enforced_for:
            entry["enforced_for"] = {"@@assign": list(policy.enforced_for)}
        if required and policy.enforced_for:
            entry["report_required_tag_for"] = {"@@assign": list(policy.enforced_for)}
        tags[key.lower()] = entry
    document = {"tags": tags}
    size = len(json.dumps(document, separators=(",", ":")))
    if size > TAG_POLICY_MAX_CHARS:
        sizes = {spec[1]: len(json.dumps(tags[spec[1].lower()], separators=(",", ":"))) for spec in specs}
        largest = max(sizes, key=lambda k: sizes[k])
        raise TagPolicyError(
            f"organization.tag_policy: the policy is {size} characters; AWS Organizations allows at most "
            f"{TAG_POLICY_MAX_CHARS}. Largest entry: tag {largest!r} ({sizes[largest]} characters): shorten "
            "its allowed_values or move keys to a second policy"
        )
    return document


class GuardrailTagPolicy(Construct):
    """`AWS::Organizations::Policy` of type TAG_POLICY attached to the configured OUs and accounts."""

    def __init__(self, scope: Construct, construct_id: str, *, organization: Organization) -> None:
        super().__init__(scope, construct_id)
        self.document = build_tag_policy(organization)
        targets = [*organization.target_ous, *organization.target_accounts]
        self.policy = organizations.CfnPolicy(
            self,
            "Policy",
            name="genai-cost-guardrails-tags",
            description="Tag keys that attribute Amazon Bedrock spend (GenAI cost guardrails)",
            type="TAG_POLICY",
            content=self.document,
            target_ids=targets or None,
        )
