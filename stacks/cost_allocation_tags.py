"""Activate the guardrail's tag keys as user-defined cost allocation tags (management account).

`ce:UpdateCostAllocationTagsStatus` through an `AwsCustomResource`, on create and on update (the call is
idempotent: activating an active key changes nothing). Cost Explorer is a global service whose endpoint
is us-east-1. A key that has never appeared on a billed resource is not known to Billing yet: the API
returns it in `Errors` instead of failing, so the deploy succeeds and the key must be activated again after
one billing cycle (redeploy the org stack, or activate it in the Billing console). Deleting the stack
leaves the keys active: deactivating would silently break every budget that filters on them.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from stacks.nag import COST_ALLOCATION_TAGS_ACKNOWLEDGED, acknowledge

# UpdateCostAllocationTagsStatus accepts at most 20 keys per call.
MAX_KEYS_PER_CALL = 20
COST_EXPLORER_REGION = "us-east-1"


def activation_call(keys: Sequence[str], chunk: int) -> cr.AwsSdkCall:
    return cr.AwsSdkCall(
        service="CostExplorer",
        action="updateCostAllocationTagsStatus",
        parameters={"CostAllocationTagsStatus": [{"TagKey": key, "Status": "Active"} for key in keys]},
        region=COST_EXPLORER_REGION,
        physical_resource_id=cr.PhysicalResourceId.of(f"genai-guardrails-cost-allocation-tags-{chunk}"),
        # Only the first rejected key is kept: the full Errors list could exceed the 4 KB response limit.
        output_paths=["Errors.0.TagKey"],
    )


class CostAllocationTagActivation(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, tag_keys: Sequence[str]) -> None:
        super().__init__(scope, construct_id)
        self.tag_keys = list(dict.fromkeys(tag_keys))
        self.resources: list[cr.AwsCustomResource] = []
        # The provider function's own logs, with retention (one provider serves every call of the stack).
        log_group = logs.LogGroup(
            self,
            "ProviderLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        for chunk, start in enumerate(range(0, len(self.tag_keys), MAX_KEYS_PER_CALL)):
            keys = self.tag_keys[start : start + MAX_KEYS_PER_CALL]
            call = activation_call(keys, chunk)
            self.resources.append(
                cr.AwsCustomResource(
                    self,
                    f"Activate{chunk}",
                    on_create=call,
                    on_update=call,
                    install_latest_aws_sdk=False,
                    log_group=log_group,
                    policy=cr.AwsCustomResourcePolicy.from_statements(
                        [
                            iam.PolicyStatement(
                                actions=["ce:UpdateCostAllocationTagsStatus"],
                                resources=["*"],
                            )
                        ]
                    ),
                )
            )
        acknowledge(self, COST_ALLOCATION_TAGS_ACKNOWLEDGED)
