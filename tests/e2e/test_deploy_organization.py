"""The organization rollout deployed for real, locally: the README's "Rolling out to an organization" commands
with the pinned CDK CLI against a moto server of its own (tests/e2e/emulator.py, as test_deploy.py uses it).

The config is the example with every organization option on: `organization.baseline` (two Regions, as the
README's commands), `organization.pipeline` (a CodeConnections source; sandbox moved to the pipeline's Region,
which `validate` requires), `monitoring_account_id` with `cross_account_observability`. One `npx cdk synth
-c config=<it> -c synthesizer=cli`, then every `npx cdk` line of that README section, exactly, plus `--app
<assembly>` (and `--method=direct --require-approval never` on deploys): the management account's bootstrap
of both Regions, `cdk deploy GenAiGuardrails-BaselineBucket-<region> GenAiGuardrails-Baseline-<region>` for
each Region, the monitoring account's bootstrap and `cdk deploy GenAiGuardrails-Monitoring`, the target
accounts' `cdk bootstrap --trust <management>` and `cdk deploy GenAiGuardrails-Pipeline`. One profile's
commands run in README order, different profiles at the same time. Monitoring and Pipeline keep the
DefaultStackSynthesizer (the CLI assumes the bootstrap deploy role in moto as in AWS); the baseline stacks
publish their assets to the Region's code bucket with the profile's credentials.

What moto creates for real and is asserted through its APIs: each Region's code bucket (name, encryption) with
every object the StackSet needs published by `cdk deploy` (the StackSet template at its TemplateURL, equal to
the synthesized one, and the Lambda code every function of it names, in that Region's bucket); the
organization dashboard; the pipeline's IAM roles (trust), artifact bucket, KMS key (rotation) and alias; the
bootstrap roles of the target accounts trusting the pipeline account (what `--trust` must do).

What moto 5.2.5 cannot emulate, asserted on the template its CloudFormation holds instead (each kind below is
absent from moto's CloudFormation models; tests/e2e/emulator.py keeps such resources as stand-ins that only
remember their properties, so the stacks deploy and their outputs resolve):
- `AWS::CloudFormation::StackSet`: no stack set exists after the deploy, so neither its auto-deployment
  (accounts joining the target OUs later) nor its stack instances are emulated. moto's own StackSets API
  would not do either: it has no AutoDeployment, ignores AccountFilterType (the listed accounts excluded) and
  builds a SERVICE_MANAGED instance as a hidden stack without creating its resources.
- `AWS::Oam::Sink` (moto has no OAM service at all): the `SinkArn` output is the stand-in's ARN-shaped name.
- `AWS::CodePipeline::Pipeline` and `AWS::CodeBuild::Project`: no pipeline runs, so nothing of CDK Pipelines
  after the deploy can be emulated: the source action (a CodeConnections connection), the Synth and
  self-mutation (UpdatePipeline) CodeBuild jobs, asset publishing, and the waves' deploys of the account
  stacks through the target accounts' bootstrap roles. Those account stacks deploy with `cdk deploy` in
  test_deploy.py under the same names.
- `AWS::S3::BucketPolicy` (code bucket readable by the organization only; the artifact bucket's TLS-only
  policy): not applied, GetBucketPolicy finds none.
- `AWS::CDK::Metadata`: skipped everywhere.
Not run here: the README's second deploy after setting `organization.oam_sink_arn` to the `SinkArn` output
(it needs a second synth, about 30 s, to add the stand-in `AWS::Oam::Link`; test_organization.py asserts the
links on the templates).
"""

from __future__ import annotations

import copy
import json
import re
import shlex
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.harness import (
    DEPLOY_FLAGS,
    README,
    ROOT,
    CliRun,
    Emulator,
    Profile,
    assert_ok,
    cli_environment,
    resources_of,
    run_cli,
    stack_environments,
    synth_argv,
    template_of,
    write_aws_files,
)

EXAMPLE_CONFIG = ROOT / "config" / "example.yaml"
SECTION = "Rolling out to an organization"
ORG_ID = "o-abcdefghij"
TARGET_OUS = ["r-ab12"]
CONNECTION = "arn:aws:codeconnections:us-east-1:111111111111:connection/abcd-1234"
BASELINE_REGIONS = ["us-east-1", "eu-west-1"]
MONITORING_STACK = "GenAiGuardrails-Monitoring"
PIPELINE_STACK = "GenAiGuardrails-Pipeline"
# What moto's CloudFormation has no model for (module docstring): asserted on the deployed template only.
NOT_EMULATED = (
    "AWS::CloudFormation::StackSet",
    "AWS::Oam::Sink",
    "AWS::CodePipeline::Pipeline",
    "AWS::CodeBuild::Project",
    "AWS::S3::BucketPolicy",
)


def organization_config() -> dict[str, Any]:
    """The example config with the baseline, the pipeline and cross-account observability on."""
    data: dict[str, Any] = copy.deepcopy(yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8")))
    org = data["organization"]
    org["baseline"] = {
        "enabled": True,
        "organization_id": ORG_ID,
        "target_ous": TARGET_OUS,
        "regions": BASELINE_REGIONS,
    }
    org["monitoring_account_id"] = "555555555555"
    org["tag_policy"]["allowed_values"]["Environment"].append("monitoring")
    org["cross_account_observability"] = True
    org["pipeline"] = {
        "enabled": True,
        "source": {"connection_arn": CONNECTION, "repository": "acme/genai-guardrails"},
    }
    (sandbox,) = [a for a in data["accounts"] if a["name"] == "sandbox"]
    sandbox["region"] = org["region"]  # the pipeline deploys the accounts of its own Region
    return data


@dataclass(frozen=True)
class OrgCommand:
    """One `npx cdk` line of the README's organization section (bootstrap may name several environments)."""

    line: str
    argv: tuple[str, ...]

    @property
    def verb(self) -> str:
        return self.argv[2]

    @property
    def profile(self) -> str:
        return self.argv[self.argv.index("--profile") + 1]

    @property
    def targets(self) -> list[str]:
        """`aws://ACCOUNT/REGION`s for bootstrap, stack names for deploy: the arguments of no option."""
        targets: list[str] = []
        args = iter(self.argv[3:])
        for arg in args:
            if arg.startswith("--"):
                next(args, None)  # every option of these lines takes a value
            else:
                targets.append(arg)
        return targets

    def option(self, name: str) -> str | None:
        return self.argv[self.argv.index(name) + 1] if name in self.argv else None


def organization_commands(readme: Path = README) -> list[OrgCommand]:
    text = readme.read_text(encoding="utf-8")
    start = text.index(f"\n## {SECTION}\n")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end != -1 else len(text)]
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.S):
        for raw in block.splitlines():
            line = raw.split("#", 1)[0].strip()
            if line.startswith("npx cdk "):
                commands.append(OrgCommand(line, tuple(shlex.split(line))))
    return commands


@dataclass
class OrgE2E:
    tmp: Path
    emulator: Emulator
    profiles: dict[str, Profile]
    commands: list[OrgCommand]
    assembly: Path
    stack_envs: dict[str, tuple[str, str]] = field(default_factory=dict)
    runs: list[CliRun] = field(default_factory=list)
    seconds: float = 0.0

    def client(self, profile: str, service: str, region: str | None = None) -> Any:
        return self.profiles[profile].client(service, self.emulator.endpoint, region)

    def deploy_profile(self, stack: str) -> str:
        (profile,) = {c.profile for c in self.commands if c.verb == "deploy" and stack in c.targets}
        return profile

    def stack_client(self, stack: str, service: str) -> Any:
        return self.client(self.deploy_profile(stack), service, self.stack_envs[stack][1])

    def deployed_template(self, stack: str) -> dict[str, Any]:
        cfn = self.stack_client(stack, "cloudformation")
        body = cfn.get_template(StackName=stack)["TemplateBody"]
        return json.loads(body) if isinstance(body, str) else dict(body)

    def physical_ids(self, stack: str) -> dict[str, str]:
        cfn = self.stack_client(stack, "cloudformation")
        resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
        return {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in resources}

    def outputs(self, stack: str) -> dict[str, str]:
        (described,) = self.stack_client(stack, "cloudformation").describe_stacks(StackName=stack)["Stacks"]
        return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}

    @property
    def deployed_stacks(self) -> list[str]:
        return [t for c in self.commands if c.verb == "deploy" for t in c.targets]


def _argv(command: OrgCommand, assembly: Path) -> list[str]:
    """The README line as the e2e runs it (harness.cli_argv, for a line with several targets)."""
    argv = ["npx", "--no-install", *command.argv[1:], "--no-notices", "--app", str(assembly)]
    return argv + list(DEPLOY_FLAGS) if command.verb == "deploy" else argv


def _run_in_order(commands: list[OrgCommand], env: dict[str, str], assembly: Path) -> list[CliRun]:
    results = []
    for command in commands:
        result = run_cli(_argv(command, assembly), env, assembly)
        results.append(result)
        if result.returncode != 0:
            break
    return results


@pytest.fixture(scope="module")
def org_e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgE2E]:
    tmp = tmp_path_factory.mktemp("e2e-org")
    commands = organization_commands()
    assert {c.verb for c in commands} == {"bootstrap", "deploy"}, [c.line for c in commands]
    config = tmp / "organization.yaml"
    config.write_text(yaml.safe_dump(organization_config(), sort_keys=False), encoding="utf-8")
    emulator = Emulator(tmp / "emulator.log")
    emulator.start()
    try:
        profiles: dict[str, Profile] = {}
        for command in [c for c in commands if c.verb == "bootstrap"]:
            account, region = command.targets[0].removeprefix("aws://").split("/")
            known = profiles.get(command.profile)
            assert known is None or known.account == account, f"profile {command.profile}: two accounts"
            if known is None:
                keys = emulator.account_keys(account)
                profiles[command.profile] = Profile(command.profile, account, region, *keys)
        assembly = tmp / "cdk.out"
        yield OrgE2E(tmp, emulator, profiles, commands, assembly)
    finally:
        emulator.stop_and_release()


@pytest.fixture(scope="module")
def rolled_out(org_e2e: OrgE2E) -> OrgE2E:
    """`cdk synth` once, then the README's organization commands: one profile's in order, profiles at once."""
    e2e = org_e2e
    env = cli_environment(e2e.emulator.endpoint, write_aws_files(e2e.profiles, e2e.tmp))
    start = time.monotonic()
    config = e2e.tmp / "organization.yaml"
    assert_ok([run_cli(synth_argv(e2e.assembly, ("-c", f"config={config}")), env, e2e.assembly)])
    e2e.stack_envs = stack_environments(e2e.assembly)
    by_profile: dict[str, list[OrgCommand]] = {}
    for command in e2e.commands:
        by_profile.setdefault(command.profile, []).append(command)
    with ThreadPoolExecutor(max_workers=len(by_profile)) as pool:
        batches = list(pool.map(lambda cs: _run_in_order(cs, env, e2e.assembly), by_profile.values()))
    e2e.runs = [run for batch in batches for run in batch]
    e2e.seconds = time.monotonic() - start
    assert_ok(e2e.runs)
    return e2e


# ------------------------------------------------------------------------------------------------ tests


def test_readme_commands_deploy_every_organization_stack(rolled_out: OrgE2E) -> None:
    """Every stack the organization options add is deployed by a README line, with its own account's
    profile, in an environment a README line bootstrapped; each is CREATE_COMPLETE holding the synthesized
    template."""
    organization_stacks = {
        *(f"GenAiGuardrails-BaselineBucket-{r}" for r in BASELINE_REGIONS),
        *(f"GenAiGuardrails-Baseline-{r}" for r in BASELINE_REGIONS),
        MONITORING_STACK,
        PIPELINE_STACK,
    }
    assert organization_stacks <= set(rolled_out.stack_envs)
    assert set(rolled_out.deployed_stacks) == organization_stacks
    bootstrapped = {t for c in rolled_out.commands if c.verb == "bootstrap" for t in c.targets}
    for stack in organization_stacks:
        account, region = rolled_out.stack_envs[stack]
        assert rolled_out.profiles[rolled_out.deploy_profile(stack)].account == account, stack
        assert f"aws://{account}/{region}" in bootstrapped, stack
        cfn = rolled_out.stack_client(stack, "cloudformation")
        (described,) = cfn.describe_stacks(StackName=stack)["Stacks"]
        assert described["StackStatus"] == "CREATE_COMPLETE", stack
        assert rolled_out.deployed_template(stack) == template_of(rolled_out.assembly, stack), stack
    assert rolled_out.seconds < 150, f"synth and rollout took {rolled_out.seconds:.0f} s"


def test_pipeline_targets_are_bootstrapped_trusting_the_pipeline_account(rolled_out: OrgE2E) -> None:
    """`cdk bootstrap --trust`: every account the pipeline deploys has a README line, and its bootstrap
    deploy role (which the pipeline's CloudFormation actions assume) trusts the pipeline's account."""
    pipeline_account, region = rolled_out.stack_envs[PIPELINE_STACK]
    config = organization_config()
    trust_lines = {
        c.targets[0]: c for c in rolled_out.commands if c.verb == "bootstrap" and c.option("--trust")
    }
    for account in config["accounts"]:
        target = f"aws://{account['account_id']}/{account['region']}"
        assert target in trust_lines, f"README never bootstraps {account['name']} trusting the pipeline"
        command = trust_lines[target]
        assert command.option("--trust") == pipeline_account
        iam = rolled_out.client(command.profile, "iam", region)
        role = iam.get_role(RoleName=f"cdk-hnb659fds-deploy-role-{account['account_id']}-{region}")["Role"]
        assumers: set[str] = set()
        for statement in role["AssumeRolePolicyDocument"]["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            if "sts:AssumeRole" in actions:
                principal = statement["Principal"].get("AWS", [])
                assumers.update([principal] if isinstance(principal, str) else principal)
        trusted = {pipeline_account, f"arn:aws:iam::{pipeline_account}:root"}
        assert assumers & trusted, (account["name"], role["AssumeRolePolicyDocument"])


@pytest.mark.parametrize("region", BASELINE_REGIONS)
def test_code_bucket_holds_the_stack_set_template_and_its_code(rolled_out: OrgE2E, region: str) -> None:
    """What every stack instance in that Region reads: the StackSet's template at its TemplateURL (the
    synthesized instance template, byte for byte) and every Lambda code object it names, in the Region's
    own code bucket, published there by `cdk deploy` of the Baseline stack."""
    bucket_stack, stack_set_stack = (
        f"GenAiGuardrails-BaselineBucket-{region}",
        f"GenAiGuardrails-Baseline-{region}",
    )
    bucket = rolled_out.outputs(bucket_stack)["CodeBucketName"]
    assert bucket == f"genai-guardrails-baseline-111111111111-{region}"
    s3 = rolled_out.stack_client(bucket_stack, "s3")
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] in (region, None)
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    (stack_set,) = [
        r for _, r in resources_of(rolled_out.deployed_template(stack_set_stack), NOT_EMULATED[0])
    ]
    url = stack_set["Properties"]["TemplateURL"]["Fn::Sub"]
    key = url.split(f"/{bucket}/", 1)[1]
    published = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    synthesized_path = rolled_out.assembly / f"{stack_set_stack}.stackset.template.json"
    assert published == json.loads(synthesized_path.read_text(encoding="utf-8"))
    functions = [r for _, r in resources_of(published, "AWS::Lambda::Function")]
    assert len(functions) >= 2  # metering and the invocation-logging provider
    objects = {o["Key"]: o["Size"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    for function in functions:
        code = function["Properties"]["Code"]
        assert code["S3Bucket"] == bucket
        assert objects.get(code["S3Key"], 0) > 0, code["S3Key"]


@pytest.mark.parametrize("region", BASELINE_REGIONS)
def test_stack_set_and_bucket_policy_are_in_the_deployed_template_only(
    rolled_out: OrgE2E, region: str
) -> None:
    """moto has no AWS::CloudFormation::StackSet: the service-managed StackSet with automatic deployment
    (accounts that join the OUs later), the retention choice and the listed accounts excluded are asserted
    on the template CloudFormation holds; no stack set or stack instance exists in the emulator. Nor does
    it apply AWS::S3::BucketPolicy: the organization-only read policy is on the template."""
    stack_set_stack = f"GenAiGuardrails-Baseline-{region}"
    template = rolled_out.deployed_template(stack_set_stack)
    (stack_set,) = [r["Properties"] for _, r in resources_of(template, "AWS::CloudFormation::StackSet")]
    assert stack_set["StackSetName"] == rolled_out.outputs(stack_set_stack)["StackSetName"]
    assert stack_set["PermissionModel"] == "SERVICE_MANAGED"
    assert stack_set["AutoDeployment"] == {"Enabled": True, "RetainStacksOnAccountRemoval": False}
    (group,) = stack_set["StackInstancesGroup"]
    listed = sorted({a["account_id"] for a in organization_config()["accounts"] if a["region"] == region})
    # Accounts the config lists in the Region get their full stack there, not the baseline as well.
    excluded = {"AccountFilterType": "DIFFERENCE", "Accounts": listed} if listed else {}
    assert group == {
        "Regions": [region],
        "DeploymentTargets": {"OrganizationalUnitIds": TARGET_OUS, **excluded},
    }
    assert bool(listed) == (region == "us-east-1")  # both shapes are deployed
    cfn = rolled_out.stack_client(stack_set_stack, "cloudformation")
    assert cfn.list_stack_sets()["Summaries"] == []  # when moto creates stack sets, assert them here
    bucket_stack = f"GenAiGuardrails-BaselineBucket-{region}"
    (policy,) = [
        r["Properties"] for _, r in resources_of(rolled_out.deployed_template(bucket_stack), NOT_EMULATED[4])
    ]
    statements = {s.get("Sid"): s for s in policy["PolicyDocument"]["Statement"]}
    assert statements["OrganizationReadsBaselineCode"]["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": ORG_ID}
    }


def test_monitoring_dashboard_is_created_and_the_sink_is_in_the_template(rolled_out: OrgE2E) -> None:
    """The organization dashboard is a real CloudWatch dashboard in the monitoring account; the OAM sink
    (no OAM in moto) is on the deployed template, its policy letting the organization's accounts link."""
    template = rolled_out.deployed_template(MONITORING_STACK)
    cloudwatch = rolled_out.stack_client(MONITORING_STACK, "cloudwatch")
    dashboards = [r["Properties"] for _, r in resources_of(template, "AWS::CloudWatch::Dashboard")]
    assert dashboards
    for dashboard in dashboards:
        body = json.loads(cloudwatch.get_dashboard(DashboardName=dashboard["DashboardName"])["DashboardBody"])
        assert body == json.loads(dashboard["DashboardBody"])
    text = json.dumps([json.loads(d["DashboardBody"]) for d in dashboards])
    assert "MonthToDateUSD" in text and "ForecastUSD" in text
    (sink,) = [r["Properties"] for _, r in resources_of(template, "AWS::Oam::Sink")]
    (statement,) = sink["Policy"]["Statement"]
    assert statement["Effect"] == "Allow" and "oam:CreateLink" in statement["Action"]
    assert statement["Condition"] == {  # the organization's accounts, metrics only
        "ForAnyValue:StringEquals": {"aws:PrincipalOrgID": ORG_ID},
        "ForAllValues:StringEquals": {"oam:ResourceTypes": ["AWS::CloudWatch::Metric"]},
    }
    assert rolled_out.outputs(MONITORING_STACK)["SinkArn"].startswith(
        "arn:aws:oam:us-east-1:555555555555:sink/"
    )


def test_pipeline_roles_key_and_artifact_bucket_are_created(rolled_out: OrgE2E) -> None:
    """What moto creates of the CDK Pipelines stack: every IAM role (with its trust policy), the artifact
    bucket encrypted with the rotating cross-account KMS key, and the key's alias. The pipeline itself and
    its CodeBuild projects (Synth, UpdatePipeline self-mutation, asset publishing) exist only on the
    template: moto has no CloudFormation model for them, so no pipeline runs (module docstring)."""
    template = rolled_out.deployed_template(PIPELINE_STACK)
    physical = rolled_out.physical_ids(PIPELINE_STACK)
    iam = rolled_out.stack_client(PIPELINE_STACK, "iam")
    roles = dict(resources_of(template, "AWS::IAM::Role"))
    assert len(roles) >= 4
    for logical_id, resource in roles.items():
        role = iam.get_role(RoleName=physical[logical_id])["Role"]
        trusted = resource["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        if "Service" in trusted:
            assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == trusted, logical_id
    kms = rolled_out.stack_client(PIPELINE_STACK, "kms")
    ((key_id, _),) = resources_of(template, "AWS::KMS::Key")
    assert kms.get_key_rotation_status(KeyId=physical[key_id])["KeyRotationEnabled"] is True
    ((_, alias),) = resources_of(template, "AWS::KMS::Alias")
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert alias["Properties"]["AliasName"] in aliases
    ((bucket_id, _),) = resources_of(template, "AWS::S3::Bucket")
    s3 = rolled_out.stack_client(PIPELINE_STACK, "s3")
    rules = s3.get_bucket_encryption(Bucket=physical[bucket_id])["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    (pipeline,) = [r["Properties"] for _, r in resources_of(template, "AWS::CodePipeline::Pipeline")]
    stages = [s["Name"] for s in pipeline["Stages"]]
    assert stages == [
        "Source",
        "Build",
        "UpdatePipeline",
        "Assets",
        "sandbox-sandbox",
        "staging-staging",
        "prod-prod",
    ]
    assert len(list(resources_of(template, "AWS::CodeBuild::Project"))) >= 3
    codepipeline = rolled_out.stack_client(PIPELINE_STACK, "codepipeline")
    assert codepipeline.list_pipelines()["pipelines"] == []  # when moto creates them, assert them here


def test_kinds_moto_cannot_emulate_are_exactly_the_stand_ins(rolled_out: OrgE2E) -> None:
    """Every resource type of these stacks moto's CloudFormation has no model for is one this module names
    (and asserts on the template): a new kind makes this fail until its test says what moto does with it."""
    from moto.cloudformation import parsing

    kinds = {
        resource["Type"]
        for stack in rolled_out.deployed_stacks
        for resource in rolled_out.deployed_template(stack)["Resources"].values()
    }
    unmodelled = {k for k in kinds if parsing.resource_class_from_type(k) is None}
    assert unmodelled == {*NOT_EMULATED, "AWS::CDK::Metadata"}
