"""The organization rollout: baseline StackSets, the delivery pipeline, cross-account observability, the
organization dashboard, one account in two Regions. One app synthesized per session; assertions with
aws_cdk.assertions on its templates, and cfn-lint over all of them (the StackSet's own template too)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from config.loader import ConfigError, check_rules, parse_config
from tests.conftest import SynthesizedApp, synthesize

ORG_ID = "o-abcdefghij"
SINK = "arn:aws:oam:us-east-1:555555555555:sink/abcd-1234"
CONNECTION = "arn:aws:codeconnections:us-east-1:111111111111:connection/abcd-1234"


def organization_data(example_data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(example_data)
    org = data["organization"]
    org["baseline"] = {
        "enabled": True,
        "organization_id": ORG_ID,
        "target_ous": ["r-ab12"],
        "regions": ["us-east-1", "eu-west-1"],
    }
    org["monitoring_account_id"] = "555555555555"
    org["tag_policy"]["allowed_values"]["Environment"].append("monitoring")
    org["cross_account_observability"] = True
    org["oam_sink_arn"] = SINK
    sandbox = data["accounts"][2]
    sandbox["region"] = "us-east-1"
    # prod also in eu-west-1: the same AWS account, a second entry (and stack) for that Region.
    second = copy.deepcopy(data["accounts"][0])
    second.update(name="prod-eu", region="eu-west-1")
    second["anomaly_detection"] = {"enabled": False}
    second["features"] = second["features"][:2]
    data["accounts"].append(second)
    return data


def pipeline_data(example_data: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(example_data)
    data["accounts"][2]["region"] = "us-east-1"  # the pipeline deploys the accounts of its own Region
    data["accounts"][0]["stack_layout"] = "nested"  # its nested templates must reach the pipeline's assets
    data["organization"]["pipeline"] = {
        "enabled": True,
        "source": {"connection_arn": CONNECTION, "repository": "acme/genai-guardrails"},
    }
    return data


@pytest.fixture(scope="session")
def pipeline_app(example_data: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    return synthesize(pipeline_data(example_data), tmp_path_factory.mktemp("cdk-pipeline"))


@pytest.fixture(scope="session")
def org_app(example_data: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    return synthesize(organization_data(example_data), tmp_path_factory.mktemp("cdk-org"))


def _template(app: SynthesizedApp, stack: str) -> Template:
    return Template.from_json(app.templates[stack])


def _stackset_template(app: SynthesizedApp, region: str) -> dict[str, Any]:
    path = app.outdir / f"GenAiGuardrails-Baseline-{region}.stackset.template.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_every_stack_of_the_organization(org_app: SynthesizedApp) -> None:
    assert {
        "GenAiGuardrails-BaselineBucket-us-east-1",
        "GenAiGuardrails-BaselineBucket-eu-west-1",
        "GenAiGuardrails-Baseline-us-east-1",
        "GenAiGuardrails-Baseline-eu-west-1",
        "GenAiGuardrails-Monitoring",
        "GenAiGuardrails-prod",
        "GenAiGuardrails-prod-eu",
    } <= set(org_app.templates)


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_stack_set_is_service_managed_and_follows_the_ous(org_app: SynthesizedApp, region: str) -> None:
    template = _template(org_app, f"GenAiGuardrails-Baseline-{region}")
    listed = {"us-east-1": ["222222222222", "333333333333", "444444444444"], "eu-west-1": ["222222222222"]}
    template.has_resource_properties(
        "AWS::CloudFormation::StackSet",
        {
            "PermissionModel": "SERVICE_MANAGED",
            "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": False},
            "Capabilities": ["CAPABILITY_IAM"],
            "StackInstancesGroup": [
                {
                    "Regions": [region],
                    "DeploymentTargets": {
                        "OrganizationalUnitIds": ["r-ab12"],
                        "AccountFilterType": "DIFFERENCE",
                        "Accounts": listed[region],
                    },
                }
            ],
            "TemplateURL": {
                "Fn::Sub": Match.string_like_regexp(
                    f"genai-guardrails-baseline-111111111111-{region}/.*\\.json"
                )
            },
        },
    )


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_stack_set_code_is_in_the_regions_own_bucket(org_app: SynthesizedApp, region: str) -> None:
    """Lambda reads code only from a bucket in its own Region: every function of the instance template
    points at that Region's code bucket, and the Baseline stack publishes those objects there."""
    stackset = _stackset_template(org_app, region)
    functions = [r for r in stackset["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(functions) >= 2  # metering and the logging custom resource's provider
    keys = set()
    for function in functions:
        code = function["Properties"]["Code"]
        assert code["S3Bucket"] == f"genai-guardrails-baseline-111111111111-{region}"
        keys.add(code["S3Key"])
    manifest = json.loads(
        (org_app.outdir / f"GenAiGuardrails-Baseline-{region}.assets.json").read_text(encoding="utf-8")
    )
    published = {
        dest["objectKey"]
        for asset in manifest["files"].values()
        for dest in asset["destinations"].values()
        if dest["bucketName"] == f"genai-guardrails-baseline-111111111111-{region}"
    }
    assert keys <= published
    for asset in manifest["files"].values():
        assert (org_app.outdir / asset["source"]["path"]).exists(), asset["source"]["path"]


def test_stack_set_template_meters_everything_as_unattributed(org_app: SynthesizedApp) -> None:
    stackset = _stackset_template(org_app, "us-east-1")
    template = Template.from_json(stackset)
    # The account's own logging is kept: the coexisting custom resource, and no upgrade guard (new stacks).
    (logging,) = template.find_resources("Custom::BedrockInvocationLogging").values()
    assert logging["Properties"]["Mode"] == "create"
    assert template.find_resources("Custom::AWS") == {}
    template.has_resource_properties("AWS::Logs::SubscriptionFilter", {"FilterPattern": ""})
    alarms = [
        r["Properties"]["AlarmName"]
        for r in stackset["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    ]
    assert "GenAiGuardrails-baseline-us-east-1-account-MeteringErrors" in alarms
    assert "GenAiGuardrails-baseline-us-east-1-account-UnattributedShare" in alarms
    (dashboard,) = [r for r in stackset["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    assert "${AWS::AccountId}" in body and "000000000000" not in body and "${!PROP('Dim.Model')}" in body
    assert dashboard["Properties"]["DashboardName"] == "GenAI-Cost-baseline-us-east-1"
    # The runtime config has no feature: every call is metered as unattributed, environment `baseline`.
    template.has_resource_properties("AWS::Oam::Link", {"SinkIdentifier": SINK})
    assert not [
        r
        for r in _stackset_template(org_app, "eu-west-1")["Resources"].values()
        if r["Type"] == "AWS::Oam::Link"
    ]


def test_code_bucket_is_readable_by_the_organization_only(org_app: SynthesizedApp) -> None:
    template = _template(org_app, "GenAiGuardrails-BaselineBucket-eu-west-1")
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": "genai-guardrails-baseline-111111111111-eu-west-1",
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {
                                "Sid": "OrganizationReadsBaselineCode",
                                "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG_ID}},
                            }
                        )
                    ]
                )
            }
        },
    )


def test_pipeline_deploys_the_accounts_in_waves_with_approvals(pipeline_app: SynthesizedApp) -> None:
    template = _template(pipeline_app, "GenAiGuardrails-Pipeline")
    (pipeline,) = template.find_resources("AWS::CodePipeline::Pipeline").values()
    stages = [s["Name"] for s in pipeline["Properties"]["Stages"]]
    assert stages[:3] == ["Source", "Build", "UpdatePipeline"]
    # One stage per account, named <wave>-<account>, in wave order after the asset publishing stage.
    assert stages[3:] == ["Assets", "sandbox-sandbox", "staging-staging", "prod-prod"]
    source = pipeline["Properties"]["Stages"][0]["Actions"][0]
    assert source["ActionTypeId"]["Provider"] == "CodeStarSourceConnection"
    assert source["Configuration"]["ConnectionArn"] == CONNECTION
    by_stage = {s["Name"]: s["Actions"] for s in pipeline["Properties"]["Stages"]}
    approvals = {
        n
        for n, actions in by_stage.items()
        if any(a["ActionTypeId"]["Category"] == "Approval" for a in actions)
    }
    assert approvals == {"staging-staging", "prod-prod"}
    deployed = {
        a["Configuration"]["StackName"]
        for actions in by_stage.values()
        for a in actions
        if a["ActionTypeId"]["Provider"] == "CloudFormation" and "StackName" in a.get("Configuration", {})
    }
    assert {"GenAiGuardrails-prod", "GenAiGuardrails-staging", "GenAiGuardrails-sandbox"} <= deployed
    # Deploys assume the target accounts' bootstrap roles (cdk bootstrap --trust): cross-account keys.
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    roles = json.dumps(template.find_resources("AWS::IAM::Policy"))
    assert "cdk-hnb659fds-deploy-role-222222222222-us-east-1" in roles


def test_the_pipeline_publishes_a_nested_accounts_templates(pipeline_app: SynthesizedApp) -> None:
    """A nested account deployed by the pipeline: its stage's asset manifest (what the Assets stage
    publishes) holds every nested template, and each nested stack points at one of them by its hash."""
    (stage,) = pipeline_app.outdir.glob("assembly-GenAiGuardrails-Pipeline-prod-prod")
    (manifest,) = stage.glob("*.assets.json")
    files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    nested = {p.name for p in stage.glob("*.nested.template.json")}
    assert len(nested) >= 2 and nested <= {f["source"]["path"] for f in files.values()}
    (parent,) = [p for p in stage.glob("*.template.json") if not p.name.endswith(".nested.template.json")]
    resources = json.loads(parent.read_text(encoding="utf-8"))["Resources"]
    urls = [
        json.dumps(r["Properties"]["TemplateURL"])
        for r in resources.values()
        if r["Type"] == "AWS::CloudFormation::Stack"
    ]
    assert len(urls) == len(nested)
    published = {h for h, f in files.items() if f["source"]["path"] in nested}
    assert {next(h for h in published if f"/{h}.json" in url) for url in urls} == published


def test_monitoring_account_sink_and_organization_dashboard(org_app: SynthesizedApp) -> None:
    template = _template(org_app, "GenAiGuardrails-Monitoring")
    template.has_resource_properties(
        "AWS::Oam::Sink",
        {
            "Policy": Match.object_like(
                {"Statement": Match.array_with([Match.object_like({"Effect": "Allow"})])}
            )
        },
    )
    dashboards = template.find_resources("AWS::CloudWatch::Dashboard").values()
    bodies = [json.loads(d["Properties"]["DashboardBody"]) for d in dashboards]
    body = {"widgets": [w for b in bodies for w in b["widgets"]]}
    titles = [w["properties"].get("title", "") for w in body["widgets"]]
    assert any(t.startswith("prod: month to date, forecast, budget") for t in titles)
    assert any(t.startswith("prod / customer-support") for t in titles)
    assert any(t.startswith("Top features across accounts") for t in titles)
    alarms = [a for w in body["widgets"] if w["type"] == "alarm" for a in w["properties"]["alarms"]]
    assert (
        "arn:aws:cloudwatch:us-east-1:222222222222:alarm:GenAiGuardrails-prod-support-chat-CostRate" in alarms
    )
    assert (
        "arn:aws:cloudwatch:eu-west-1:222222222222:alarm:GenAiGuardrails-prod-eu-support-chat-CostRate"
        in alarms
    )
    text = json.dumps(body)
    assert "MonthToDateUSD" in text and "ForecastUSD" in text
    assert '"accountId":"222222222222"' in json.dumps(body, separators=(",", ":"))


def test_listed_accounts_link_to_the_sink_in_its_region(org_app: SynthesizedApp) -> None:
    _template(org_app, "GenAiGuardrails-prod").has_resource_properties(
        "AWS::Oam::Link", {"SinkIdentifier": SINK}
    )
    _template(org_app, "GenAiGuardrails-prod-eu").resource_count_is("AWS::Oam::Link", 0)


def test_one_account_in_two_regions_budgets_each_region(org_app: SynthesizedApp) -> None:
    budget = json.dumps(_template(org_app, "GenAiGuardrails-prod-eu").find_resources("AWS::Budgets::Budget"))
    assert '"Key": "REGION"' in budget and '"eu-west-1"' in budget


def test_one_account_twice_in_a_region_or_two_monitors_are_config_errors(
    example_data: dict[str, Any],
) -> None:
    data = organization_data(example_data)
    data["accounts"][-1]["anomaly_detection"] = {"enabled": True}
    data["accounts"].append({**copy.deepcopy(data["accounts"][1]), "name": "staging-two"})
    with pytest.raises(ConfigError) as info:
        check_rules(parse_config(data))
    assert any("333333333333/us-east-1" in p for p in info.value.problems)
    data["accounts"].pop()
    with pytest.raises(ConfigError) as info:
        check_rules(parse_config(data))
    assert info.value.problems[0].startswith("accounts[3].anomaly_detection.enabled: account 222222222222")


def test_pipeline_targets_outside_its_region_are_a_config_error(example_data: dict[str, Any]) -> None:
    data = pipeline_data(example_data)
    data["accounts"][2]["region"] = "eu-west-1"
    with pytest.raises(ConfigError) as info:
        check_rules(parse_config(data))
    assert info.value.problems == [
        "accounts[2].region: eu-west-1 differs from the pipeline's Region us-east-1; the pipeline deploys "
        "accounts of its own Region only: deploy this one with cdk deploy, or run a second pipeline "
        "(organization.pipeline.region) from a copy of the config"
    ]


def test_cfn_lint_on_every_organization_template(
    org_app: SynthesizedApp, pipeline_app: SynthesizedApp
) -> None:
    files = sorted(
        str(p) for app in (org_app, pipeline_app) for p in app.outdir.glob("*.json") if "template" in p.name
    )
    lint = Path(sys.executable).parent / "cfn-lint"
    proc = subprocess.run([str(lint), *files], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
