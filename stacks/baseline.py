"""The organization baseline: CloudFormation StackSets (service-managed) that put invocation logging,
metering, the self-monitoring alarms and the account dashboard into every account of the target OUs, so
every account's Bedrock spend is metered (as `unattributed`) without being listed in config.

Per baseline Region, in the management account:
- `GenAiGuardrails-BaselineBucket-<region>`: the Region's code bucket (S3-managed encryption, so member
  accounts can read it; only principals of the organization may; the bootstrap file-publishing role may
  write). Lambda reads function code only from a bucket in the function's own Region: hence one per Region.
- `GenAiGuardrails-Baseline-<region>`: the StackSet. Its synthesizer publishes file assets to that Region's
  code bucket instead of the bootstrap bucket, so `cdk deploy` uploads the Lambda code (and the StackSet
  template) where the stack instances read them. Auto-deployment puts the baseline into accounts that join
  the target OUs later; accounts the config lists in that Region are excluded (AccountFilterType
  DIFFERENCE): they get their full account stack instead.

The StackSet template is a CDK stack of its own, synthesized in a separate in-memory app (cdk-nag runs on
it too) with the same code-bucket synthesizer; its file assets are re-registered on the Baseline stack.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudformation as cloudformation
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from config.stack_limits import resource_tags
from core.alarm_definitions import account_alarms
from core.alarm_model import Source
from core.config_model import Account, GuardrailsConfig, InvocationLogging
from core.contract import NAMESPACE
from core.naming import PRODUCT, SELF_APPLICATION, TAG_APPLICATION, TAG_ENVIRONMENT, TAG_WORKLOAD
from core.runtime_config import build_runtime_config
from core.service_health import service_health_alarms
from dashboards import build_account_dashboards
from stacks.account_alarms import AccountHealthAlarms, ServiceHealthAlarms
from stacks.data_key import GuardrailDataKey
from stacks.lambda_code import lambda_code
from stacks.metering import BedrockInvocationMetering
from stacks.nag import ACKNOWLEDGED, BASELINE_CODE_BUCKET, acknowledge, enable_nag
from stacks.notifications import GuardrailNotifications
from stacks.observability import observability_link

BASELINE_TEMPLATE_STACK = f"{PRODUCT}-BaselineTemplate"
# A dashboard body is built for a placeholder account id, then the real one is substituted per stack
# instance (Fn::Sub): the StackSet's template is the same for every account.
PLACEHOLDER_ACCOUNT_ID = "000000000000"
CDK_QUALIFIER = "hnb659fds"


def baseline_bucket_stack_name(region: str) -> str:
    return f"{PRODUCT}-BaselineBucket-{region}"


def baseline_stack_name(region: str) -> str:
    return f"{PRODUCT}-Baseline-{region}"


def code_bucket_name(management_account_id: str, region: str) -> str:
    return f"genai-guardrails-baseline-{management_account_id}-{region}"


def baseline_account(config: GuardrailsConfig, region: str) -> Account:
    """The account every baseline stack instance stands for: no features (all spend `unattributed`)."""
    baseline = config.organization.baseline
    return Account(
        name=f"baseline-{region}",
        account_id=PLACEHOLDER_ACCOUNT_ID,
        region=region,
        environment=baseline.environment,
        monthly_budget_usd=Decimal(1),
        invocation_logging=InvocationLogging(mode="create", retention_days=baseline.log_retention_days),
        anomaly_detection={"enabled": False},  # type: ignore[arg-type]
    )


class CodeBucket(Construct):
    """The Region's baseline code bucket: read by the organization's accounts, written by `cdk deploy`."""

    def __init__(
        self, scope: Construct, construct_id: str, *, bucket_name: str, organization_id: str
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=bucket_name,
            # S3-managed keys: an AWS-managed KMS key cannot be shared with other accounts.
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(90))],
            removal_policy=cdk.RemovalPolicy.RETAIN,  # stack instances still point at its objects
        )
        # Stack instances in member accounts create their functions from these objects.
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OrganizationReadsBaselineCode",
                principals=[iam.AnyPrincipal()],
                actions=["s3:GetObject", "s3:GetObjectVersion"],
                resources=[self.bucket.arn_for_objects("*")],
                conditions={"StringEquals": {"aws:PrincipalOrgID": organization_id}},
            )
        )
        # `cdk deploy` publishes the assets with the bootstrap file-publishing role of this account/Region.
        publishing_role = (
            f"arn:{stack.partition}:iam::{stack.account}:role/"
            f"cdk-{CDK_QUALIFIER}-file-publishing-role-{stack.account}-{stack.region}"
        )
        self.bucket.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CdkPublishesBaselineAssets",
                principals=[iam.ArnPrincipal(publishing_role)],
                actions=["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:PutObject*", "s3:Abort*"],
                resources=[self.bucket.bucket_arn, self.bucket.arn_for_objects("*")],
            )
        )
        acknowledge(self.bucket, BASELINE_CODE_BUCKET)
        cdk.CfnOutput(stack, "CodeBucketName", value=self.bucket.bucket_name)


class BaselineBucketStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: GuardrailsConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        organization = config.organization
        assert organization.baseline.organization_id is not None  # enforced by the config model
        self.code = CodeBucket(
            self,
            "Code",
            bucket_name=code_bucket_name(organization.management_account_id, self.region),
            organization_id=organization.baseline.organization_id,
        )


class BaselineTemplateStack(cdk.Stack):
    """What one stack instance deploys into a member account (env-agnostic account, fixed Region)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: GuardrailsConfig, region: str, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        account = baseline_account(config, region)
        self.data_key = GuardrailDataKey(self, "DataKey")
        self.notifications = GuardrailNotifications(
            self,
            "Notifications",
            topic_name=f"{PRODUCT}-{account.name}-notifications",
            emails=config.notifications.emails,
        )
        # The account's own invocation logging is kept (the coexisting custom resource, README "Invocation
        # logging"): the baseline adds its CloudWatch Logs destination beside what is there.
        self.metering = BedrockInvocationMetering(
            self,
            "Metering",
            settings=account.invocation_logging,
            reserved_concurrency=account.metering.reserved_concurrency,
            code=lambda_code(build_runtime_config(config, account)),
            key=self.data_key.key,
            metrics_namespace=NAMESPACE,
            upgrade_guard=False,  # a StackSet instance was never deployed with the old logging resource
        )
        runbook = config.notifications.runbook_url
        definitions = account_alarms(account, runbook)
        self.alarms = AccountHealthAlarms(
            self,
            "Alarms",
            definitions=definitions,
            topic=self.notifications.topic,
            tags=resource_tags(account),
        )
        # The guardrail's own health, for what the baseline deploys (no evaluator, no price refresh).
        deployed: set[Source] = {"metering", "dead_letter_queue", "bedrock"}
        health = tuple(
            h for h in service_health_alarms(account, runbook) if all(m.source in deployed for m in h.metrics)
        )
        self.service_health = ServiceHealthAlarms(
            self,
            "ServiceHealth",
            definitions=health,
            functions={"metering": self.metering.function},
            dead_letter_queue=self.metering.dead_letter_queue,
            topic=self.notifications.topic,
        )
        names = sorted([*(d.name for d in definitions), *(h.name for h in health)])
        self.dashboards: list[cloudwatch.CfnDashboard] = []
        for dashboard in build_account_dashboards(
            account, alarms=names, log_group_name=self.metering.log_group_name
        ):
            body = json.dumps(dashboard.body, separators=(",", ":"))
            # `${` in the body (metric labels) must stay literal under Fn::Sub.
            body = body.replace("${", "${!").replace(PLACEHOLDER_ACCOUNT_ID, "${AWS::AccountId}")
            self.dashboards.append(
                cloudwatch.CfnDashboard(
                    self, dashboard.name, dashboard_name=dashboard.name, dashboard_body=cdk.Fn.sub(body)
                )
            )
        organization = config.organization
        if organization.oam_sink_arn and organization.oam_sink_arn.split(":")[3] == region:
            observability_link(self, "ObservabilityLink", sink_arn=organization.oam_sink_arn)
        for key, value in {
            TAG_APPLICATION: SELF_APPLICATION,
            TAG_WORKLOAD: SELF_APPLICATION,
            TAG_ENVIRONMENT: account.environment,
        }.items():
            cdk.Tags.of(self).add(key, value)
        acknowledge(self, ACKNOWLEDGED)


def _code_bucket_synthesizer(app: cdk.App, bucket: str) -> cdk.IStackSynthesizer:
    """File assets into the Region's code bucket (`-c synthesizer=cli`: the emulator's CLI credentials)."""
    if app.node.try_get_context("synthesizer") == "cli":
        return cdk.CliCredentialsStackSynthesizer(file_assets_bucket_name=bucket)
    return cdk.DefaultStackSynthesizer(file_assets_bucket_name=bucket)


class BaselineStackSetStack(cdk.Stack):
    """The Region's StackSet, its template and its code published to the Region's code bucket."""

    def __init__(
        self,
        scope: cdk.App,
        construct_id: str,
        *,
        config: GuardrailsConfig,
        region: str,
        context: dict[str, Any],
        **kwargs: Any,
    ) -> None:
        organization = config.organization
        bucket = code_bucket_name(organization.management_account_id, region)
        synthesizer = _code_bucket_synthesizer(scope, bucket)
        super().__init__(scope, construct_id, synthesizer=synthesizer, **kwargs)
        # A synthesizer given from Python is bound lazily (CDK binds a copy, which jsii hands back as the
        # unbound original); assets are added below from Python, so bind it now.
        synthesizer.bind(self)
        baseline = organization.baseline
        outdir = Path(scope.outdir)
        template_dir = f"baseline.{region}.out"
        # The instance template: its own app (same context), same bucket for its assets, cdk-nag on it.
        inner = cdk.App(outdir=str(outdir / template_dir), context=context)
        template_stack = BaselineTemplateStack(
            inner,
            BASELINE_TEMPLATE_STACK,
            config=config,
            region=region,
            env=cdk.Environment(region=region),
            synthesizer=cdk.DefaultStackSynthesizer(
                file_assets_bucket_name=bucket, generate_bootstrap_version_rule=False
            ),
            description="GenAI cost guardrails baseline: invocation logging, metering, alarms, dashboard",
        )
        enable_nag(inner)
        assembly = inner.synth()
        artifact = assembly.get_stack_by_name(template_stack.stack_name)
        self.template: dict[str, Any] = dict(artifact.template)
        # Its file assets (the Lambda code, the custom-resource provider) published by this stack.
        manifest = json.loads((outdir / template_dir / f"{artifact.id}.assets.json").read_text())
        for asset_hash, asset in manifest.get("files", {}).items():
            source = asset["source"]
            self.synthesizer.add_file_asset(
                file_name=f"{template_dir}/{source['path']}",
                packaging=(
                    cdk.FileAssetPackaging.ZIP_DIRECTORY
                    if source.get("packaging") == "zip"
                    else cdk.FileAssetPackaging.FILE
                ),
                source_hash=asset_hash,
            )
        text = json.dumps(self.template, separators=(",", ":"), sort_keys=True)
        template_file = f"{construct_id}.stackset.template.json"
        (outdir / template_file).write_text(text, encoding="utf-8")
        location = self.synthesizer.add_file_asset(
            file_name=template_file,
            packaging=cdk.FileAssetPackaging.FILE,
            source_hash=hashlib.sha256(text.encode()).hexdigest(),
        )
        listed = sorted({a.account_id for a in config.accounts if a.region == region})
        targets = cloudformation.CfnStackSet.DeploymentTargetsProperty(
            organizational_unit_ids=list(baseline.target_ous),
            # Listed accounts get their full account stack in this Region: not the baseline as well.
            accounts=listed or None,
            account_filter_type="DIFFERENCE" if listed else None,
        )
        self.stack_set = cloudformation.CfnStackSet(
            self,
            "StackSet",
            stack_set_name=f"{PRODUCT}-Baseline-{region}",
            description="GenAI cost guardrails baseline for every account of the target OUs",
            permission_model="SERVICE_MANAGED",
            auto_deployment=cloudformation.CfnStackSet.AutoDeploymentProperty(
                enabled=True,
                retain_stacks_on_account_removal=baseline.retain_stacks_on_account_removal,
            ),
            capabilities=["CAPABILITY_IAM"],
            managed_execution={"Active": True},
            operation_preferences=cloudformation.CfnStackSet.OperationPreferencesProperty(
                max_concurrent_percentage=baseline.max_concurrent_percentage,
                failure_tolerance_percentage=baseline.failure_tolerance_percentage,
                region_concurrency_type="PARALLEL",
            ),
            stack_instances_group=[
                cloudformation.CfnStackSet.StackInstancesProperty(
                    deployment_targets=targets, regions=[region]
                )
            ],
            template_url=location.http_url,
        )
        cdk.CfnOutput(self, "StackSetName", value=f"{PRODUCT}-Baseline-{region}")
