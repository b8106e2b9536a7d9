"""Build the whole CDK app from a validated config: one org stack, one stack per account."""

from __future__ import annotations

import aws_cdk as cdk

from config.model import GuardrailsConfig
from stacks.account_stack import AccountGuardrailsStack
from stacks.monitoring_stack import MONITORING_STACK_NAME, MonitoringGuardrailsStack
from stacks.nag import ACKNOWLEDGED, acknowledge, enable_nag
from stacks.naming import (
    ORG_STACK_NAME,
    SELF_APPLICATION,
    TAG_APPLICATION,
    TAG_ENVIRONMENT,
    TAG_WORKLOAD,
    account_stack_name,
)
from stacks.org_stack import OrgGuardrailsStack

# `-c synthesizer=cli`: CliCredentialsStackSynthesizer, for a local emulator only (tests/e2e): the CLI's own
# credentials deploy, without the bootstrap roles. A real account keeps the DefaultStackSynthesizer.
SYNTHESIZER_CONTEXT_KEY = "synthesizer"
SYNTHESIZERS = ("default", "cli")


def stack_synthesizer(app: cdk.App) -> cdk.IStackSynthesizer | None:
    """A new synthesizer (one per stack) as the `synthesizer` context key asks; None is the CDK default."""
    choice = app.node.try_get_context(SYNTHESIZER_CONTEXT_KEY) or "default"
    if choice not in SYNTHESIZERS:
        expected = ", ".join(SYNTHESIZERS)
        raise ValueError(f"context {SYNTHESIZER_CONTEXT_KEY}={choice!r}: expected one of {expected}")
    return cdk.CliCredentialsStackSynthesizer() if choice == "cli" else None


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
        synthesizer=stack_synthesizer(app),
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
            synthesizer=stack_synthesizer(app),
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
