"""Build the whole CDK app from a validated config: one org stack, one stack per account."""

from __future__ import annotations

import aws_cdk as cdk

from config.model import GuardrailsConfig
from stacks.account_stack import AccountGuardrailsStack
from stacks.nag import ACKNOWLEDGED, acknowledge, enable_nag
from stacks.naming import (
    ORG_STACK_NAME,
    SELF_APPLICATION,
    TAG_APPLICATION,
    TAG_ENVIRONMENT,
    TAG_WORKLOAD,
    account_stack_name,
)
from stacks.monitoring_stack import MONITORING_STACK_NAME, MonitoringGuardrailsStack
from stacks.org_stack import OrgGuardrailsStack


def build_app(app: cdk.App, config: GuardrailsConfig) -> dict[str, cdk.Stack]:
    """Add every stack to `app`; returns them by stack name."""
    stacks: dict[str, cdk.Stack] = {}
    org = config.organization
    stacks[ORG_STACK_NAME] = OrgGuardrailsStack(
        app,
        ORG_STACK_NAME,
        config=config,
        env=cdk.Environment(account=org.management_account_id, region=org.region),
        description="GenAI cost guardrails: organization tag policy and cost allocation tags",
    )
    cdk.Tags.of(stacks[ORG_STACK_NAME]).add(TAG_ENVIRONMENT, "management")
    for account in config.accounts:
        name = account_stack_name(account.name)
        stack = AccountGuardrailsStack(
            app,
            name,
            config=config,
            account=account,
            env=cdk.Environment(account=account.account_id, region=account.region),
            description=f"GenAI cost guardrails for account {account.name} ({account.environment})",
        )
        cdk.Tags.of(stack).add(TAG_ENVIRONMENT, account.environment)
        for key, value in account.tags.items():
            cdk.Tags.of(stack).add(key, value)
        stacks[name] = stack
    if org.monitoring_account_id:  # the optional organization overview dashboard
        stacks[MONITORING_STACK_NAME] = MonitoringGuardrailsStack(
            app,
            MONITORING_STACK_NAME,
            config=config,
            env=cdk.Environment(account=org.monitoring_account_id, region=org.region),
            description="GenAI cost guardrails: organization overview dashboard (cross-account metrics)",
        )
        cdk.Tags.of(stacks[MONITORING_STACK_NAME]).add(TAG_ENVIRONMENT, "monitoring")
    for each in stacks.values():
        cdk.Tags.of(each).add(TAG_APPLICATION, SELF_APPLICATION)
        cdk.Tags.of(each).add(TAG_WORKLOAD, SELF_APPLICATION)
        acknowledge(each, ACKNOWLEDGED)
    enable_nag(app)
    return stacks
