"""OrgGuardrails: what only the management account can do (tag policy, cost allocation tags)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from config.model import GuardrailsConfig
from stacks.tag_policy import GuardrailTagPolicy


class OrgGuardrailsStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: GuardrailsConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.tag_policy = GuardrailTagPolicy(self, "TagPolicy", organization=config.organization)
