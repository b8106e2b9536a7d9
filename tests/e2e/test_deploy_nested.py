"""A nested-layout account deployed for real, locally: `cdk deploy` of one account stack whose feature alarms
and dashboards are nested templates (config/unit_templates.py), with the pinned CDK CLI against a moto server
of its own (tests/e2e/emulator.py, as test_deploy.py uses it).

The config is the example with the sandbox account on `stack_layout: nested` (what `auto` does past 50
features, kept small here). One `npx cdk synth -c config=<it> -c synthesizer=cli`, the README's bootstrap and
deploy lines for sandbox, then its destroy line. Asserted through moto's APIs: the CLI published every nested
template the parent names (the nested stacks are created from those S3 objects and hold exactly the
synthesized nested templates); each nested stack received the parent's parameters, the invocation log group
being the one the logging custom resource answered at deploy time; the dashboards exist under their public
names and query that group; destroy removes the nested stacks with the parent.

What moto 5.2.5 does not emulate, asserted on the template its CloudFormation holds instead: the alarms
(moto's CloudFormation has no alarm model; tests/unit/test_nested_units_moto.py sends each to
PutMetricAlarm) and the layout guard (`AWS::CloudFormation::WaitConditionHandle` is a no-op in moto as in
AWS; CloudFormation's refusal of a change set that changes a resource's type is not emulated, so it is
asserted on the templates in tests/stacks/test_stack_limits.py).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from stacks.layout_guard import GUARD_TYPE
from tests.e2e.harness import (
    ROOT,
    CdkCommand,
    CustomResourceResponder,
    Emulator,
    Profile,
    assert_ok,
    cli_argv,
    cli_environment,
    readme_commands,
    resources_of,
    run_all,
    stack_environments,
    synth_argv,
    template_of,
    write_aws_files,
)

EXAMPLE_CONFIG = ROOT / "config" / "example.yaml"
ACCOUNT = "sandbox"
STACK = f"GenAiGuardrails-{ACCOUNT}"


@dataclass
class Deployed:
    tmp: Path
    emulator: Emulator
    profile: Profile
    region: str
    assembly: Path
    env: dict[str, str]

    def client(self, service: str) -> Any:
        return self.profile.client(service, self.emulator.endpoint, self.region)

    def template(self, stack: str) -> dict[str, Any]:
        body = self.client("cloudformation").get_template(StackName=stack)["TemplateBody"]
        return json.loads(body) if isinstance(body, str) else dict(body)

    def nested_stacks(self) -> dict[str, str]:
        """Logical id in the parent -> the nested stack's id, as moto's CloudFormation lists them."""
        resources = self.client("cloudformation").describe_stack_resources(StackName=STACK)["StackResources"]
        return {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in resources
            if r.get("ResourceType") == "AWS::CloudFormation::Stack"
        }

    def outputs(self) -> dict[str, str]:
        (described,) = self.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"]
        return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def _command(verb: str) -> CdkCommand:
    (command,) = [c for c in readme_commands() if c.verb == verb and ACCOUNT in (c.profile, c.target)]
    return command


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    tmp = tmp_path_factory.mktemp("e2e-nested")
    data = copy.deepcopy(yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8")))
    (sandbox,) = [a for a in data["accounts"] if a["name"] == ACCOUNT]
    sandbox["stack_layout"] = "nested"
    config = tmp / "nested.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    spool = tmp / "custom-resources"
    spool.mkdir()
    emulator = Emulator(tmp / "emulator.log", spool)
    emulator.start()
    try:
        bootstrap, deploy = _command("bootstrap"), _command("deploy")
        account, region = bootstrap.target.removeprefix("aws://").split("/")
        profile = Profile(bootstrap.profile, account, region, *emulator.account_keys(account))
        env = cli_environment(emulator.endpoint, write_aws_files({profile.name: profile}, tmp))
        assembly = tmp / "nested.cdk.out"
        assert_ok(run_all([(synth_argv(assembly, ("-c", f"config={config}")), assembly)], env))
        assert stack_environments(assembly)[STACK] == (account, region)
        assert_ok(run_all([(cli_argv(bootstrap, assembly), assembly)], env))
        responder = CustomResourceResponder(
            emulator.endpoint, {profile.name: profile}, {account: {region}}, {STACK: assembly}, spool
        )
        with responder:
            results = run_all([(cli_argv(deploy, assembly), assembly)], env)
        assert_ok(results)
        assert not responder.log.errors, responder.log.errors
        yield Deployed(tmp, emulator, profile, region, assembly, env)
    finally:
        emulator.stop_and_release()


def _synthesized_nested(deployed: Deployed) -> dict[str, dict[str, Any]]:
    """Logical id of each nested stack in the parent -> the nested template synthesized for it."""
    parent = template_of(deployed.assembly, STACK)
    files = {p.name: p for p in deployed.assembly.glob(f"{STACK}.*.nested.template.json")}
    out = {}
    for logical_id, resource in resources_of(parent, "AWS::CloudFormation::Stack"):
        url = json.dumps(resource["Properties"]["TemplateURL"])
        digest = url.rsplit("/", 1)[-1].split(".json", 1)[0]
        (name,) = [n for n in files if f".{digest[:12]}." in n]
        out[logical_id] = json.loads(files[name].read_text(encoding="utf-8"))
    return out


def test_the_parent_and_every_nested_stack_deploy_with_the_synthesized_templates(deployed: Deployed) -> None:
    cfn = deployed.client("cloudformation")
    (parent,) = cfn.describe_stacks(StackName=STACK)["Stacks"]
    assert parent["StackStatus"] == "CREATE_COMPLETE"
    synthesized = template_of(deployed.assembly, STACK)
    assert deployed.template(STACK)["Resources"] == synthesized["Resources"]
    expected = _synthesized_nested(deployed)
    nested = deployed.nested_stacks()
    assert sorted(nested) == sorted(expected) and len(nested) >= 2
    for logical_id, stack_id in nested.items():
        (described,) = cfn.describe_stacks(StackName=stack_id)["Stacks"]
        assert described["StackStatus"] == "CREATE_COMPLETE", logical_id
        assert deployed.template(stack_id) == expected[logical_id], logical_id
    # The guard is in the parent as synthesized (moto, like CloudFormation, creates nothing for it).
    guards = [k for k, r in deployed.template(STACK)["Resources"].items() if r["Type"] == GUARD_TYPE]
    assert len(guards) == 1 and guards[0].startswith("Dashboards")


def test_nested_stacks_get_the_metered_log_group_and_their_dashboards_query_it(deployed: Deployed) -> None:
    cfn = deployed.client("cloudformation")
    metered = deployed.outputs()["InvocationLogGroupName"]  # the logging custom resource's answer
    assert metered.startswith("/")
    readers = 0
    for stack_id in deployed.nested_stacks().values():
        (described,) = cfn.describe_stacks(StackName=stack_id)["Stacks"]
        parameters = {p["ParameterKey"]: p["ParameterValue"] for p in described.get("Parameters", [])}
        if "InvocationLogGroupName" in parameters:
            readers += 1
            assert parameters["InvocationLogGroupName"] == metered
        assert parameters.get("TopicArn", "arn:aws:sns:").startswith("arn:aws:sns:")
    assert readers >= 1
    names = [
        r["Properties"]["DashboardName"]
        for template in _synthesized_nested(deployed).values()
        for _, r in resources_of(template, "AWS::CloudWatch::Dashboard")
    ]
    cloudwatch = deployed.client("cloudwatch")
    listed = {d["DashboardName"] for d in cloudwatch.list_dashboards()["DashboardEntries"]}
    assert names and set(names) <= listed
    bodies = [cloudwatch.get_dashboard(DashboardName=n)["DashboardBody"] for n in names]
    assert any(metered in body for body in bodies)
    assert not any("{{" in body for body in bodies)  # no placeholder left unresolved


def test_destroy_removes_the_nested_stacks_and_dashboards(deployed: Deployed) -> None:
    nested = deployed.nested_stacks()
    destroy = _command("destroy")
    assert_ok(run_all([(cli_argv(destroy, deployed.assembly), deployed.assembly)], deployed.env))
    cfn = deployed.client("cloudformation")
    live = {
        s["StackName"] for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"
    }
    assert STACK not in live
    assert not live & {
        stack_id.split("/")[1] if "/" in stack_id else stack_id for stack_id in nested.values()
    }
    assert not deployed.client("cloudwatch").list_dashboards()["DashboardEntries"]
