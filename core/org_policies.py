"""Organizations policy documents as plain data: the tag policy and the optional SCP, built from config
and checked against AWS Organizations' limits (the stacks deploy exactly these documents)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from core.config_model import Organization, check_tag_key, check_tag_value
from core.naming import STANDARD_TAG_KEYS
from core.rule_error import ConfigRuleError

# AWS Organizations limit for a tag policy document.
TAG_POLICY_MAX_CHARS = 10_000


def build_tag_policy(organization: Organization) -> dict[str, Any]:
    """The tag policy document: standard keys plus config's extra keys, exact capitalisation enforced,
    allowed values where config lists them, `enforced_for` and `report_required_tag_for` the configured
    resource types. Raises ConfigRuleError naming the field and the tag."""
    policy = organization.tag_policy
    for key in policy.allowed_values:
        if key not in STANDARD_TAG_KEYS:
            raise ConfigRuleError(
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
            raise ConfigRuleError(f"{field}: tag {key!r}: {exc}") from None
        # Policy keys are case-insensitive, so two keys differing only in case would collide.
        if key.lower() in tags:
            raise ConfigRuleError(f"{field}: tag {key!r} is listed twice (keys are case-insensitive)")
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
        raise ConfigRuleError(
            f"organization.tag_policy: the policy is {size} characters; AWS Organizations allows at most "
            f"{TAG_POLICY_MAX_CHARS}. Largest entry: tag {largest!r} ({sizes[largest]} characters): shorten "
            "its allowed_values or move keys to a second policy"
        )
    return document


# AWS Organizations limit for a service control policy document.
SCP_MAX_CHARS = 5_120


def required_tag_keys(organization: Organization) -> list[str]:
    """The standard keys plus config's extra keys marked required."""
    extra = [spec.key for spec in organization.tag_policy.extra_keys if spec.required]
    return list(dict.fromkeys([*STANDARD_TAG_KEYS, *extra]))


def build_deny_untagged_profiles_scp(tag_keys: Sequence[str]) -> dict[str, Any]:
    """One Deny statement per key: a create request missing any one of them is denied; and one for
    UntagResource naming any of them on an application inference profile."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "DenyProfileWithout" + re.sub(r"[^A-Za-z0-9]", "", key),
            "Effect": "Deny",
            "Action": "bedrock:CreateInferenceProfile",
            "Resource": "*",
            "Condition": {"Null": {f"aws:RequestTag/{key}": "true"}},
        }
        for key in tag_keys
    ]
    statements.append(
        {
            "Sid": "DenyRemovingProfileCostTags",
            "Effect": "Deny",
            "Action": "bedrock:UntagResource",
            "Resource": "arn:*:bedrock:*:*:application-inference-profile/*",
            "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": list(tag_keys)}},
        }
    )
    document = {"Version": "2012-10-17", "Statement": statements}
    size = len(json.dumps(document, separators=(",", ":")))
    if size > SCP_MAX_CHARS:
        raise ConfigRuleError(
            f"organization.deny_untagged_inference_profiles: the SCP is {size} characters; AWS Organizations "
            f"allows at most {SCP_MAX_CHARS}: mark fewer organization.tag_policy.extra_keys as required"
        )
    return document
