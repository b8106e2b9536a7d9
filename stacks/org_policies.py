"""Optional service control policy: deny creating an application inference profile without the required
tags in the request, and removing a required tag from one afterwards
(`organization.deny_untagged_inference_profiles`, off by default).

Blast radius (README, "Budgets and tags"): every principal in every account under the targets, the
account root and administrators included, gets AccessDenied on `bedrock:CreateInferenceProfile` unless
the request carries every required tag key, and on `bedrock:UntagResource` of an application inference
profile when the request names a required key; profiles created by this app carry them and never drop
them. The management account and service-linked roles are never affected by SCPs. Requires SCPs to be
enabled in the organization.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from aws_cdk import aws_organizations as organizations
from constructs import Construct

from config.loader import ConfigRuleError
from config.model import Organization
from stacks.naming import STANDARD_TAG_KEYS

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


class DenyUntaggedInferenceProfiles(Construct):
    """`AWS::Organizations::Policy` of type SERVICE_CONTROL_POLICY, attached to the tag policy's targets."""

    def __init__(self, scope: Construct, construct_id: str, *, organization: Organization) -> None:
        super().__init__(scope, construct_id)
        self.document = build_deny_untagged_profiles_scp(required_tag_keys(organization))
        targets = [*organization.target_ous, *organization.target_accounts]
        self.policy = organizations.CfnPolicy(
            self,
            "Policy",
            name="genai-cost-guardrails-deny-untagged-profiles",
            description="Deny Bedrock application inference profiles without the cost tags, or removing them",
            type="SERVICE_CONTROL_POLICY",
            content=self.document,
            target_ids=targets or None,
        )
