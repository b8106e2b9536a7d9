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

from aws_cdk import aws_organizations as organizations
from constructs import Construct

from core.config_model import Organization
from core.org_policies import build_deny_untagged_profiles_scp, required_tag_keys


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
