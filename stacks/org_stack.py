"""OrgGuardrails: what only the management account can do (tag policy, cost allocation tags, the optional
SCP against untagged application inference profiles)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from core.config_model import GuardrailsConfig
from stacks.cost_allocation_tags import CostAllocationTagActivation
from stacks.org_policies import DenyUntaggedInferenceProfiles
from stacks.tag_policy import GuardrailTagPolicy


class OrgGuardrailsStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: GuardrailsConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        org = config.organization
        self.tag_policy = GuardrailTagPolicy(self, "TagPolicy", organization=org)
        cdk.CfnOutput(self, "TagPolicyId", value=self.tag_policy.policy.attr_id)
        self.cost_allocation_tags: CostAllocationTagActivation | None = None
        if org.activate_cost_allocation_tags:
            keys = [entry["tag_key"]["@@assign"] for entry in self.tag_policy.document["tags"].values()]
            self.cost_allocation_tags = CostAllocationTagActivation(self, "CostAllocationTags", tag_keys=keys)
        self.deny_untagged_profiles: DenyUntaggedInferenceProfiles | None = None
        if org.deny_untagged_inference_profiles:
            self.deny_untagged_profiles = DenyUntaggedInferenceProfiles(
                self, "DenyUntaggedProfiles", organization=org
            )
            cdk.CfnOutput(
                self, "DenyUntaggedProfilesPolicyId", value=self.deny_untagged_profiles.policy.attr_id
            )
