"""The optional delivery pipeline (organization.pipeline): CDK Pipelines on CodePipeline. It synthesizes
the app once (`make synth CONFIG=...` in CodeBuild) and deploys every account stack in ordered waves (for
example sandbox, then staging, then prod), with a manual approval before the waves that ask for one.

Each account stack deploys through the target account's bootstrap roles, which trust the pipeline account
(`cdk bootstrap --trust`, README "Rolling out to an organization"); CDK Pipelines creates its own roles
and, with cross-account keys, a KMS key for the artifact bucket so the target accounts can read it.
Stack names are the ones `cdk deploy` uses, so a stack deployed by hand is taken over, not duplicated.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_codecommit as codecommit
from aws_cdk import pipelines
from constructs import Construct

from core.config_model import Account, GuardrailsConfig, PipelineSource
from core.naming import PRODUCT, TAG_ENVIRONMENT, account_stack_name
from stacks.nag import acknowledge, pipeline_findings

PIPELINE_STACK_NAME = f"{PRODUCT}-Pipeline"


def wave_accounts(config: GuardrailsConfig) -> list[tuple[str, bool, list[Account]]]:
    """(wave name, approval first, its accounts) in order; an account goes in the first wave naming its
    environment (core/rules.py rejects an account no wave names)."""
    placed: set[str] = set()
    out = []
    for wave in config.organization.pipeline.waves:
        accounts = [a for a in config.accounts if a.environment in wave.environments and a.name not in placed]
        placed.update(a.name for a in accounts)
        out.append((wave.name, wave.approval, accounts))
    return out


def _source(source: PipelineSource, scope: Construct) -> pipelines.CodePipelineSource:
    if source.codecommit:
        repository = codecommit.Repository.from_repository_name(scope, "Repository", source.repository)
        return pipelines.CodePipelineSource.code_commit(repository, source.branch)
    assert source.connection_arn is not None  # enforced by the config model
    return pipelines.CodePipelineSource.connection(
        source.repository, source.branch, connection_arn=source.connection_arn
    )


class AccountStage(cdk.Stage):
    """One account stack, under the stack name `cdk deploy` uses."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: GuardrailsConfig,
        account: Account,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        from stacks.account_stack import AccountGuardrailsStack  # the stage builds what the app builds
        from stacks.inference_profiles import tag_stack

        stack = AccountGuardrailsStack(
            self,
            "Guardrails",
            stack_name=account_stack_name(account.name),
            config=config,
            account=account,
            env=cdk.Environment(account=account.account_id, region=account.region),
            description=f"GenAI cost guardrails for account {account.name} ({account.environment})",
        )
        tag_stack(stack, TAG_ENVIRONMENT, account.environment)
        for key, value in account.tags.items():
            tag_stack(stack, key, value)


class PipelineStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: GuardrailsConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        settings = config.organization.pipeline
        assert settings.source is not None  # enforced by the config model
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=PIPELINE_STACK_NAME,
            cross_account_keys=True,  # target accounts read the artifacts through the key's policy
            enable_key_rotation=True,
            synth=pipelines.ShellStep(
                "Synth",
                input=_source(settings.source, self),
                commands=[f"make synth CONFIG={settings.config_path}"],
                primary_output_directory="cdk.out",
            ),
        )
        self.waves: dict[str, pipelines.Wave] = {}
        for name, approval, accounts in wave_accounts(config):
            if not accounts:
                continue
            wave = self.pipeline.add_wave(
                name,
                pre=[pipelines.ManualApprovalStep(f"Approve-{name}")] if approval else None,
            )
            for account in accounts:
                wave.add_stage(
                    AccountStage(
                        self,
                        f"{name}-{account.name}",
                        config=config,
                        account=account,
                        env=cdk.Environment(account=account.account_id, region=account.region),
                    )
                )
            self.waves[name] = wave
        self.pipeline.build_pipeline()
        acknowledge(self, pipeline_findings(self))
        # Targets in other Regions would need CDK Pipelines' cross-Region support stacks, whose generated
        # replication-bucket names cdk-nag flags: core/rules.py keeps the pipeline to its own Region.
