"""CloudWatch cross-account observability: the OAM sink in the monitoring account, and the link a source
account creates to it (listed accounts in their stack, unlisted ones through the baseline StackSet).

The sink accepts links from the organization (or, without a baseline, from the listed accounts) for
metrics only: the organization dashboard reads GenAI/Cost, AWS/Bedrock, AWS/Lambda and AWS/SQS metrics
and the alarms' states, nothing else is shared."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_oam as oam
from constructs import Construct

from core.config_model import GuardrailsConfig

SHARED_RESOURCE_TYPES = ["AWS::CloudWatch::Metric"]


class ObservabilitySink(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: GuardrailsConfig) -> None:
        super().__init__(scope, construct_id)
        organization = config.organization
        if organization.baseline.enabled and organization.baseline.organization_id:
            condition = {
                "ForAnyValue:StringEquals": {"aws:PrincipalOrgID": organization.baseline.organization_id}
            }
            principals: list[str] = ["*"]
        else:
            condition = {}
            principals = sorted({a.account_id for a in config.accounts})
        statement: dict[str, object] = {
            "Effect": "Allow",
            "Principal": {"AWS": principals},
            "Action": ["oam:CreateLink", "oam:UpdateLink"],
            "Resource": "*",
            "Condition": {
                **condition,
                "ForAllValues:StringEquals": {"oam:ResourceTypes": SHARED_RESOURCE_TYPES},
            },
        }
        self.sink = oam.CfnSink(
            self,
            "Sink",
            name="genai-cost-guardrails",
            policy={"Version": "2012-10-17", "Statement": [statement]},
        )
        cdk.CfnOutput(
            cdk.Stack.of(self),
            "SinkArn",
            value=self.sink.attr_arn,
            description="Set organization.oam_sink_arn to this value, then deploy the account stacks",
        )


def observability_link(scope: Construct, construct_id: str, *, sink_arn: str) -> oam.CfnLink:
    """This account's link to the monitoring account's sink (metrics only)."""
    return oam.CfnLink(
        scope,
        construct_id,
        label_template="$AccountName",
        resource_types=list(SHARED_RESOURCE_TYPES),
        sink_identifier=sink_arn,
    )
