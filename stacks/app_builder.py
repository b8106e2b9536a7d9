"""Build the whole CDK app from a validated config: one org stack, one stack per account."""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import aws_cdk as cdk

from core.config_model import GuardrailsConfig
from core.naming import (
    MANAGEMENT_ENVIRONMENT,
    MONITORING_ENVIRONMENT,
    ORG_STACK_NAME,
    SELF_APPLICATION,
    TAG_APPLICATION,
    TAG_ENVIRONMENT,
    TAG_WORKLOAD,
    account_stack_name,
)
from stacks.account_stack import AccountGuardrailsStack
from stacks.baseline import (
    BaselineBucketStack,
    BaselineStackSetStack,
    baseline_bucket_stack_name,
    baseline_stack_name,
)
from stacks.inference_profiles import tag_stack
from stacks.monitoring_stack import MONITORING_STACK_NAME, MonitoringGuardrailsStack
from stacks.nag import ACKNOWLEDGED, acknowledge, enable_nag
from stacks.org_stack import OrgGuardrailsStack
from stacks.pipeline_stack import PIPELINE_STACK_NAME, PipelineStack

# `-c synthesizer=cli`: CliCredentialsStackSynthesizer, for a local emulator only (tests/e2e): the CLI's own
# credentials deploy, without the bootstrap roles. A real account keeps the DefaultStackSynthesizer.
SYNTHESIZER_CONTEXT_KEY = "synthesizer"
SYNTHESIZERS = ("default", "cli")


CDK_JSON = Path(__file__).resolve().parent.parent / "cdk.json"
# What the CDK CLI adds to every synth (metadata and version reporting), so the app alone writes the same.
CLI_CONTEXT: dict[str, Any] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": True,
    "aws:cdk:bundling-stacks": ["**"],
}


def cdk_json_context(cdk_json: Path = CDK_JSON) -> dict[str, Any]:
    """cdk.json's context (feature flags, the default config) plus cdk.context.json beside it (cached
    lookups), as the CDK CLI passes them to the app; cdk.json wins, as in the CLI."""
    context: dict[str, Any] = {}
    cached = cdk_json.with_name("cdk.context.json")
    if cached.exists():
        context.update(json.loads(cached.read_text(encoding="utf-8")))
    context.update(json.loads(cdk_json.read_text(encoding="utf-8")).get("context", {}))
    return context


def new_app(outdir: str | None = None, context: dict[str, Any] | None = None) -> cdk.App:
    """An App with cdk.json's context, so `python app.py`, tests and `cdk synth` build the same templates.
    Under the CLI the context arrives in CDK_CONTEXT_JSON as well; explicit context (``-c``) wins."""
    return cdk.App(outdir=outdir, context={**CLI_CONTEXT, **cdk_json_context(), **(context or {})})


@functools.cache
def _validation_engine() -> cdk.CloudFormationValidatePlugin:
    """CDK's built-in CloudFormation validation (WebAssembly): about two seconds of Node time to start, so
    one instance per process, as CDK's own default plugin is."""
    return cdk.CloudFormationValidatePlugin()


def start_validation_engine(app: cdk.App) -> None:
    """Start CDK's built-in CloudFormation validation now instead of at synth, so the caller can overlap
    its two seconds of Node start-up with Python work in another thread (app.py loads the config meanwhile).
    The same plugin class with its default rules: registering it replaces CDK's default instance, the
    templates are checked the same way, and `CDK_VALIDATION=false` still turns validation off."""
    if os.environ.get("CDK_VALIDATION") == "false":
        return
    cdk.Validations.of(app).add_plugins(_validation_engine())


def stack_synthesizer(app: cdk.App) -> cdk.IStackSynthesizer | None:
    """A new synthesizer (one per stack) as the `synthesizer` context key asks; None is the CDK default."""
    choice = app.node.try_get_context(SYNTHESIZER_CONTEXT_KEY) or "default"
    if choice not in SYNTHESIZERS:
        expected = ", ".join(SYNTHESIZERS)
        raise ValueError(f"context {SYNTHESIZER_CONTEXT_KEY}={choice!r}: expected one of {expected}")
    return cdk.CliCredentialsStackSynthesizer() if choice == "cli" else None


def _synthesizer_context(app: cdk.App) -> dict[str, Any]:
    choice = app.node.try_get_context(SYNTHESIZER_CONTEXT_KEY)
    return {SYNTHESIZER_CONTEXT_KEY: choice} if choice else {}


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
    tag_stack(stacks[ORG_STACK_NAME], TAG_ENVIRONMENT, MANAGEMENT_ENVIRONMENT)
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
        tag_stack(stack, TAG_ENVIRONMENT, account.environment)
        for key, value in account.tags.items():
            tag_stack(stack, key, value)
        stacks[name] = stack
    if org.baseline.enabled:  # the organization baseline: one code bucket and one StackSet per Region
        management = org.management_account_id
        for region in org.baseline_regions:
            bucket = BaselineBucketStack(
                app,
                baseline_bucket_stack_name(region),
                config=config,
                env=cdk.Environment(account=management, region=region),
                description=f"GenAI cost guardrails: baseline code bucket for {region}",
                synthesizer=stack_synthesizer(app),
            )
            stack_set = BaselineStackSetStack(
                app,
                baseline_stack_name(region),
                config=config,
                region=region,
                context={**CLI_CONTEXT, **cdk_json_context(), **_synthesizer_context(app)},
                env=cdk.Environment(account=management, region=region),
                description=f"GenAI cost guardrails: organization baseline StackSet for {region}",
            )
            stack_set.add_dependency(bucket)
            stacks[bucket.stack_name] = bucket
            stacks[stack_set.stack_name] = stack_set
            tag_stack(bucket, TAG_ENVIRONMENT, "management")
            tag_stack(stack_set, TAG_ENVIRONMENT, "management")
    if org.pipeline.enabled:  # the optional delivery pipeline: synth once, deploy the accounts in waves
        stacks[PIPELINE_STACK_NAME] = PipelineStack(
            app,
            PIPELINE_STACK_NAME,
            config=config,
            env=cdk.Environment(
                account=org.pipeline.account_id or org.management_account_id,
                region=org.pipeline.region or org.region,
            ),
            description="GenAI cost guardrails: CDK Pipelines, account stacks in waves",
        )
        tag_stack(stacks[PIPELINE_STACK_NAME], TAG_ENVIRONMENT, "management")
    if org.monitoring_account_id:  # the optional organization overview dashboard
        stacks[MONITORING_STACK_NAME] = MonitoringGuardrailsStack(
            app,
            MONITORING_STACK_NAME,
            config=config,
            env=cdk.Environment(account=org.monitoring_account_id, region=org.region),
            description="GenAI cost guardrails: organization overview dashboard (cross-account metrics)",
        )
        tag_stack(stacks[MONITORING_STACK_NAME], TAG_ENVIRONMENT, MONITORING_ENVIRONMENT)
    for each in stacks.values():
        tag_stack(each, TAG_APPLICATION, SELF_APPLICATION)
        tag_stack(each, TAG_WORKLOAD, SELF_APPLICATION)
        acknowledge(each, ACKNOWLEDGED)
    enable_nag(app)
    return stacks
