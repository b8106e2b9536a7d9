"""The Organizations tag policy (the document comes from core.org_policies)."""

from __future__ import annotations

from aws_cdk import aws_organizations as organizations
from constructs import Construct

from core.config_model import Organization
from core.org_policies import build_tag_policy


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
