"""Deploy for real, locally: the pinned CDK CLI runs the README's commands against a local AWS emulator.

What runs (module fixtures, in order): a moto server (tests/e2e/emulator.py: moto 5.2.5 plus small fixes
for moto bugs, each explained there) on 127.0.0.1 and a free port; one fake IAM user per account of the
example config, as AWS profiles named like the README's (`management`, `prod`, `staging`, `sandbox`); one
`npx cdk synth -c synthesizer=cli` into a temporary folder; then every `npx cdk` line of the README's
"Deploying" section, exactly, plus `--app <that assembly>` (and `--method=direct --require-approval never`
on deploys), as the README describes: `cdk bootstrap` of every account and region, then `cdk deploy` of ALL
stacks, the org stack and every account stack, each with its own account's profile. (The emulator-only
CliCredentialsStackSynthesizer deploys with the profile's own credentials, so a single `cdk deploy --all`
cannot reach four accounts; the README's per-account commands are what a user runs.) Commands for
different accounts run at the same time. A background thread plays the provider Lambda of `Custom::*`
resources, which moto cannot run without Docker (see harness.CustomResourceResponder).

What is asserted, generically over the synthesized templates (so new resources are covered as they land):
- every stack is CREATE_COMPLETE and CloudFormation holds exactly the synthesized template;
- resources the emulator creates for real, through their service APIs: every Lambda function (runtime,
  architecture, handler, memory, timeout, environment), log group (retention, KMS key), KMS key
  (description, rotation), SNS topic (KMS key, display name), SQS queue (KMS key, retention), DynamoDB
  table (keys, billing, encryption), EventBridge rule (schedule, state, targets) and dashboard (the body
  parses; every metric is in GenAI/Cost with a contract metric name, or in AWS/Bedrock, AWS/Lambda,
  AWS/SQS);
- kinds the emulator skips or only stores (CloudWatch alarms, budgets, anomaly detection, Logs
  subscription filters, Organizations policies, SNS subscriptions, inference profiles): asserted on the
  template the emulator's CloudFormation returns (get_template), not through their APIs;
- invocation logging coexists: before the deploy, one account (prod) already logs to S3 with text and
  embedding delivery on; the invocation-logging custom resource's own handler (from the uploaded asset,
  played as the CDK Provider framework would run it) adds the stack's CloudWatch Logs destination and keeps
  S3 and both flags through the deploy and an update that changes its properties, and the destroy puts back
  exactly the account's configuration; an account with no logging gets it created, then deleted;
- the metering code as the CLI packaged and uploaded it (zip from the emulator's asset bucket), run in a
  subprocess with a real gzip+base64 CloudWatch Logs subscription event: the EMF it prints;
- a second deploy of every stack after a config change (emails, a budget) is an in-place update;
- the README's destroy commands remove every stack; the emulator stops and its port is free.
"""

from __future__ import annotations

import base64
import copy
import gzip
import io
import json
import re
import shlex
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.harness import (
    HANDLER_DRIVER,
    ROOT,
    CdkCommand,
    CliRun,
    CustomResourceResponder,
    Emulator,
    Profile,
    assert_ok,
    cli_argv,
    cli_environment,
    python_subprocess_env,
    readme_commands,
    resources_of,
    run_all,
    run_python,
    stack_environments,
    synth_argv,
    template_of,
    write_aws_files,
)

EXAMPLE_CONFIG = ROOT / "config" / "example.yaml"
INVOCATION_LOGS = ROOT / "tests" / "data" / "invocation-logs.jsonl"
METERING_HANDLER = "lambdas.metering.handler.lambda_handler"
METRIC_NAMESPACE = "GenAI/Cost"
AWS_NAMESPACES = {"AWS/Bedrock", "AWS/Lambda", "AWS/SQS"}
# prod's config creates invocation logging: its account already has this configuration before the deploy.
LOGGING_ACCOUNT_STACK = "GenAiGuardrails-prod"
NEW_LOGGING_STACK = "GenAiGuardrails-staging"  # no logging before the deploy
ACCOUNT_LOGGING = {
    "s3Config": {"bucketName": "prod-compliance-archive", "keyPrefix": "bedrock/"},
    "textDataDeliveryEnabled": True,
    "imageDataDeliveryEnabled": False,
    "embeddingDataDeliveryEnabled": True,
    "videoDataDeliveryEnabled": False,
}
LOGGING_RESOURCE_TYPE = "Custom::BedrockInvocationLogging"
# Kinds moto skips or only stores without an API to read them back: asserted on the deployed template.
TEMPLATE_ONLY_KINDS = (
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::Budgets::Budget",
    "AWS::CE::AnomalyMonitor",
    "AWS::CE::AnomalySubscription",
    "AWS::Logs::SubscriptionFilter",
    "AWS::Organizations::Policy",
    "AWS::SNS::Subscription",
    "AWS::Bedrock::ApplicationInferenceProfile",
)


@dataclass
class E2E:
    tmp: Path
    emulator: Emulator
    profiles: dict[str, Profile]
    env: dict[str, str]
    commands: list[CdkCommand]
    timings: dict[str, float] = field(default_factory=dict)
    assemblies: dict[str, Path] = field(default_factory=dict)  # stack -> assembly of its last deploy
    stack_envs: dict[str, tuple[str, str]] = field(default_factory=dict)
    stack_ids: dict[str, str] = field(default_factory=dict)
    responder_log: list[dict[str, Any]] = field(default_factory=list)
    seeded_logging: dict[str, dict[str, Any]] = field(default_factory=dict)  # stack -> config before deploy
    function_names: dict[str, list[str]] = field(default_factory=dict)  # label -> names after that deploy

    def of(self, verb: str) -> list[CdkCommand]:
        return [c for c in self.commands if c.verb == verb]

    def profile_for_stack(self, stack: str) -> Profile:
        (command,) = [c for c in self.of("deploy") if c.target == stack]
        return self.profiles[command.profile]

    def client(self, stack: str, service: str) -> Any:
        profile = self.profile_for_stack(stack)
        return profile.client(service, self.emulator.endpoint, self.stack_envs[stack][1])

    def regions(self) -> dict[str, set[str]]:
        regions: dict[str, set[str]] = {}
        for account, region in self.stack_envs.values():
            regions.setdefault(account, set()).add(region)
        return regions

    def synth(self, label: str, extra: tuple[str, ...] = ()) -> tuple[list[str], Path]:
        outdir = self.tmp / f"{label}.cdk.out"
        return synth_argv(outdir, extra), outdir

    def responder(self, assemblies: dict[str, Path]) -> CustomResourceResponder:
        return CustomResourceResponder(
            self.emulator.endpoint, self.profiles, self.regions(), assemblies, self.emulator.spool
        )

    def deploy_all(self, label: str, assembly: Path) -> list[CliRun]:
        runs = [(cli_argv(command, assembly), assembly) for command in self.of("deploy")]
        start = time.monotonic()
        with self.responder({stack: assembly for stack in self.stack_envs}) as responder:
            results = run_all(runs, self.env)
        self.timings[label] = time.monotonic() - start
        self.responder_log.extend(responder.log.calls)
        assert_ok(results)
        assert not responder.log.errors, responder.log.errors
        for command in self.of("deploy"):
            self.assemblies[command.target] = assembly
        self.function_names[label] = [
            name
            for stack in self.stack_envs
            for name in self.physical_ids(stack).values()
            if name.startswith(f"{stack}-") and "Function" in name
        ]
        return results

    def deployed_template(self, stack: str) -> dict[str, Any]:
        body = self.client(stack, "cloudformation").get_template(StackName=stack)["TemplateBody"]
        return json.loads(body) if isinstance(body, str) else dict(body)

    def physical_ids(self, stack: str) -> dict[str, str]:
        cfn = self.client(stack, "cloudformation")
        resources = cfn.describe_stack_resources(StackName=stack)["StackResources"]
        return {r["LogicalResourceId"]: r.get("PhysicalResourceId", "") for r in resources}

    def account_stacks(self) -> list[str]:
        return [
            s
            for s in self.stack_envs
            if any(resources_of(template_of(self.assemblies[s], s), "AWS::SNS::Topic"))
        ]


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2E]:
    tmp = tmp_path_factory.mktemp("e2e")
    commands = readme_commands()
    assert {c.verb for c in commands} == {"bootstrap", "deploy", "destroy"}, [c.line for c in commands]
    spool = tmp / "custom-resources"
    spool.mkdir()
    emulator = Emulator(tmp / "emulator.log", spool)
    emulator.start()
    try:
        profiles = {}
        for command in [c for c in commands if c.verb == "bootstrap"]:
            account, region = command.target.removeprefix("aws://").split("/")
            assert command.profile not in profiles, f"two bootstrap lines for profile {command.profile}"
            profiles[command.profile] = Profile(
                command.profile, account, region, *emulator.account_keys(account)
            )
        env = cli_environment(emulator.endpoint, write_aws_files(profiles, tmp))
        yield E2E(tmp, emulator, profiles, env, commands)
    finally:
        emulator.stop_and_release()


@pytest.fixture(scope="module")
def deployed(e2e: E2E) -> E2E:
    """`cdk synth` once, then `cdk bootstrap` of every account/region, then `cdk deploy` of every stack,
    as the README says (commands for different accounts at the same time)."""
    synth, assembly = e2e.synth("deploy")
    start = time.monotonic()
    assert_ok(run_all([(synth, assembly)], e2e.env))
    e2e.timings["synth"] = time.monotonic() - start
    start = time.monotonic()
    assert_ok(run_all([(cli_argv(c, assembly), assembly) for c in e2e.of("bootstrap")], e2e.env))
    e2e.timings["bootstrap"] = time.monotonic() - start
    e2e.stack_envs = stack_environments(assembly)
    deployed_by_readme = {c.target for c in e2e.of("deploy")}
    for stack, (account, _region) in e2e.stack_envs.items():
        assert stack in deployed_by_readme, f"README never deploys {stack}"
        assert e2e.profile_for_stack(stack).account == account, f"README deploys {stack} with another account"
    # The account already logs model invocations to S3 (a compliance archive) with bodies on.
    e2e.client(LOGGING_ACCOUNT_STACK, "bedrock").put_model_invocation_logging_configuration(
        loggingConfig=ACCOUNT_LOGGING
    )
    e2e.seeded_logging[LOGGING_ACCOUNT_STACK] = ACCOUNT_LOGGING
    e2e.deploy_all("deploy", assembly)
    for stack in e2e.stack_envs:
        stack_desc = e2e.client(stack, "cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
        e2e.stack_ids[stack] = stack_desc["StackId"]
    return e2e


# ------------------------------------------------------------------------------------------------ tests


def test_readme_commands_bootstrap_and_deploy_every_stack(deployed: E2E) -> None:
    bootstrapped = {c.target for c in deployed.of("bootstrap")}
    for stack, (account, region) in deployed.stack_envs.items():
        assert f"aws://{account}/{region}" in bootstrapped, f"README never bootstraps {stack}'s environment"
    assert {c.target for c in deployed.of("destroy")} == set(deployed.stack_envs)


def test_every_stack_complete_with_the_synthesized_template(deployed: E2E) -> None:
    for stack in deployed.stack_envs:
        cfn = deployed.client(stack, "cloudformation")
        assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
        synthesized = template_of(deployed.assemblies[stack], stack)
        deployed_template = deployed.deployed_template(stack)
        assert deployed_template["Resources"] == synthesized["Resources"], stack
        listed = {
            r["LogicalResourceId"]: r for r in cfn.describe_stack_resources(StackName=stack)["StackResources"]
        }
        missing = set(synthesized["Resources"]) - set(listed) - {"CDKMetadata"}
        assert not missing, f"{stack}: not in the stack's resources: {sorted(missing)}"
        assert all(r["ResourceStatus"].endswith("_COMPLETE") for r in listed.values()), stack


def _is_stack_key(reference: Any, template: dict[str, Any]) -> bool:
    """`Fn::GetAtt [key, Arn]` / `Ref key` of an AWS::KMS::Key in the same template."""
    if not isinstance(reference, dict):
        return False
    target = reference.get("Fn::GetAtt", [None])[0] or reference.get("Ref")
    return bool(template["Resources"].get(target, {}).get("Type") == "AWS::KMS::Key")


def _plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool)


def test_lambda_functions_match_the_template(deployed: E2E) -> None:
    seen = 0
    for stack in deployed.stack_envs:
        template = template_of(deployed.assemblies[stack], stack)
        ids = deployed.physical_ids(stack)
        lam = deployed.client(stack, "lambda")
        for logical_id, resource in resources_of(template, "AWS::Lambda::Function"):
            props = resource["Properties"]
            conf = lam.get_function_configuration(FunctionName=ids[logical_id])
            seen += 1
            assert conf["Runtime"] == props["Runtime"], logical_id
            assert conf["Handler"] == props["Handler"], logical_id
            assert conf["Architectures"] == props.get("Architectures", ["x86_64"]), logical_id
            assert conf["MemorySize"] == props.get("MemorySize", 128), logical_id
            assert conf["Timeout"] == props.get("Timeout", 3), logical_id
            expected_env = props.get("Environment", {}).get("Variables", {})
            actual_env = conf.get("Environment", {}).get("Variables", {})
            assert set(actual_env) == set(expected_env), logical_id
            for key, value in expected_env.items():
                if _plain(value):
                    assert actual_env[key] == str(value), f"{logical_id} {key}"
                else:  # a reference, resolved by CloudFormation at deploy time
                    assert actual_env[key] and "Fn::" not in actual_env[key], f"{logical_id} {key}"
    assert seen, "no Lambda function in any stack"


def test_log_groups_kms_keys_topics_queues(deployed: E2E) -> None:
    for stack in deployed.stack_envs:
        template = template_of(deployed.assemblies[stack], stack)
        ids = deployed.physical_ids(stack)
        logs = deployed.client(stack, "logs")
        for logical_id, resource in resources_of(template, "AWS::Logs::LogGroup"):
            name = ids[logical_id]
            groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
            (group,) = [g for g in groups if g["logGroupName"] == name]
            props = resource.get("Properties", {})
            if "LogGroupName" in props and _plain(props["LogGroupName"]):
                assert name == props["LogGroupName"]
            assert group.get("retentionInDays") == props.get("RetentionInDays"), logical_id
            # moto's CFN handler drops KmsKeyId: the key is checked on the template, when the group lacks it.
            if "KmsKeyId" in props:
                assert group.get("kmsKeyId") or _is_stack_key(props["KmsKeyId"], template), logical_id
        kms = deployed.client(stack, "kms")
        for logical_id, resource in resources_of(template, "AWS::KMS::Key"):
            key = kms.describe_key(KeyId=ids[logical_id])["KeyMetadata"]
            props = resource["Properties"]
            assert key["Enabled"] and key["KeyState"] == "Enabled", logical_id
            assert key.get("Description", "") == props.get("Description", ""), logical_id
            rotation = kms.get_key_rotation_status(KeyId=ids[logical_id])["KeyRotationEnabled"]
            assert rotation == bool(props.get("EnableKeyRotation", False)), logical_id
        sns = deployed.client(stack, "sns")
        for logical_id, resource in resources_of(template, "AWS::SNS::Topic"):
            attributes = sns.get_topic_attributes(TopicArn=ids[logical_id])["Attributes"]
            props = resource["Properties"]
            assert bool(attributes.get("KmsMasterKeyId")) == ("KmsMasterKeyId" in props), logical_id
            if _plain(props.get("DisplayName")):
                assert attributes["DisplayName"] == props["DisplayName"]
        sqs = deployed.client(stack, "sqs")
        for logical_id, resource in resources_of(template, "AWS::SQS::Queue"):
            attributes = sqs.get_queue_attributes(QueueUrl=ids[logical_id], AttributeNames=["All"])[
                "Attributes"
            ]
            props = resource.get("Properties", {})
            assert bool(attributes.get("KmsMasterKeyId")) == ("KmsMasterKeyId" in props), logical_id
            if "MessageRetentionPeriod" in props:
                assert int(attributes["MessageRetentionPeriod"]) == int(props["MessageRetentionPeriod"])


def test_tables_and_schedules(deployed: E2E) -> None:
    for stack in deployed.stack_envs:
        template = template_of(deployed.assemblies[stack], stack)
        ids = deployed.physical_ids(stack)
        dynamodb = deployed.client(stack, "dynamodb")
        for logical_id, resource in resources_of(template, "AWS::DynamoDB::Table"):
            table = dynamodb.describe_table(TableName=ids[logical_id])["Table"]
            props = resource["Properties"]
            assert table["TableStatus"] == "ACTIVE"
            assert sorted(table["KeySchema"], key=str) == sorted(props["KeySchema"], key=str), logical_id
            billing = table.get("BillingModeSummary", {}).get("BillingMode", "PROVISIONED")
            assert billing == props.get("BillingMode", "PROVISIONED"), logical_id
            # moto's CFN handler drops SSESpecification: a customer key is checked on the template instead.
            sse = props.get("SSESpecification", {})
            if sse.get("KMSMasterKeyId"):
                assert sse.get("SSEEnabled") and sse.get("SSEType") == "KMS", logical_id
                assert _is_stack_key(sse["KMSMasterKeyId"], template), logical_id
        events = deployed.client(stack, "events")
        for logical_id, resource in resources_of(template, "AWS::Events::Rule"):
            props = resource["Properties"]
            name = ids[logical_id].split("|")[-1].rsplit("/", 1)[-1]
            rule = events.describe_rule(Name=name)
            assert rule.get("ScheduleExpression") == props.get("ScheduleExpression"), logical_id
            assert rule["State"] == props.get("State", "ENABLED"), logical_id
            targets = events.list_targets_by_rule(Rule=name)["Targets"]
            assert len(targets) == len(props.get("Targets", [])), logical_id


def _metric_namespaces(metrics: list[Any]) -> Iterator[tuple[str, str]]:
    """(namespace, metric name) of every metric row; '.' repeats the previous row's value there."""
    previous: list[Any] = []
    for row in metrics:
        if not isinstance(row, list):
            continue
        items = [item for item in row if not isinstance(item, dict)]
        if not items:  # an expression row: [{"expression": ...}]
            continue
        resolved = [
            previous[i] if item == "." and i < len(previous) else item for i, item in enumerate(items)
        ]
        previous = resolved
        if len(resolved) >= 2:
            yield str(resolved[0]), str(resolved[1])


def test_dashboards_use_the_metric_contract(deployed: E2E) -> None:
    try:
        from core import contract

        known = (
            set(contract.METERING_METRICS)
            | set(getattr(contract, "EVALUATOR_METRICS", ()))
            | set(getattr(contract, "RECONCILE_METRICS", ()))
        )
    except ImportError:  # the contract module not there yet: namespaces are still checked
        known = set()
    for stack in deployed.stack_envs:
        template = template_of(deployed.assemblies[stack], stack)
        ids = deployed.physical_ids(stack)
        cloudwatch = deployed.client(stack, "cloudwatch")
        for logical_id, _ in resources_of(template, "AWS::CloudWatch::Dashboard"):
            body = json.loads(cloudwatch.get_dashboard(DashboardName=ids[logical_id])["DashboardBody"])
            assert body.get("widgets"), logical_id
            for widget in body["widgets"]:
                properties = widget.get("properties", {})
                for namespace, metric in _metric_namespaces(properties.get("metrics", [])):
                    assert namespace == METRIC_NAMESPACE or namespace in AWS_NAMESPACES, (
                        logical_id,
                        namespace,
                    )
                    if namespace == METRIC_NAMESPACE and known:
                        assert metric in known, (logical_id, metric)
                for row in properties.get("metrics", []):
                    for item in row if isinstance(row, list) else [row]:
                        expression = item.get("expression", "") if isinstance(item, dict) else ""
                        for namespace in re.findall(r"SEARCH\(\s*'\{([^,}]+)", expression):
                            assert namespace == METRIC_NAMESPACE or namespace in AWS_NAMESPACES, expression
                for alarm_arn in properties.get("alarms", []):
                    assert ":alarm:" in alarm_arn


def test_kinds_the_emulator_skips_are_in_the_deployed_template(deployed: E2E) -> None:
    """Alarms, budgets, anomaly detection, subscription filters, Organizations policies, SNS subscriptions
    and inference profiles are not created by the emulator (or not readable back): they are asserted on
    the template its CloudFormation holds."""
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    emails = set(config["notifications"]["emails"])
    for stack in deployed.stack_envs:
        template = deployed.deployed_template(stack)
        synthesized = template_of(deployed.assemblies[stack], stack)
        for kind in TEMPLATE_ONLY_KINDS:
            assert dict(resources_of(template, kind)) == dict(resources_of(synthesized, kind)), (stack, kind)
        topics = {logical_id for logical_id, _ in resources_of(template, "AWS::SNS::Topic")}
        subscriptions = [r["Properties"] for _, r in resources_of(template, "AWS::SNS::Subscription")]
        if topics:
            assert {s["Endpoint"] for s in subscriptions if s["Protocol"] == "email"} == emails, stack
            assert all(s["TopicArn"].get("Ref") in topics for s in subscriptions), stack
        for logical_id, resource in resources_of(
            template, "AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"
        ):
            for action in resource["Properties"].get("AlarmActions", []):
                assert action.get("Ref") in topics, (stack, logical_id, action)
        functions = {logical_id for logical_id, _ in resources_of(template, "AWS::Lambda::Function")}
        for logical_id, resource in resources_of(template, "AWS::Logs::SubscriptionFilter"):
            destination = resource["Properties"]["DestinationArn"]
            assert destination.get("Fn::GetAtt", [None])[0] in functions, (stack, logical_id)
        for logical_id, resource in resources_of(template, "AWS::Budgets::Budget"):
            for notification in resource["Properties"].get("NotificationsWithSubscribers", []):
                subscribers = notification["Subscribers"]
                assert any(s["SubscriptionType"] == "SNS" for s in subscribers), (stack, logical_id)
        for logical_id, resource in resources_of(template, "AWS::Organizations::Policy"):
            props = resource["Properties"]
            assert props["Type"] in ("TAG_POLICY", "SERVICE_CONTROL_POLICY"), logical_id
            if props["Type"] == "TAG_POLICY":
                expected = config["organization"].get("target_ous", []) + config["organization"].get(
                    "target_accounts", []
                )
                assert props.get("TargetIds", []) == expected, logical_id


def test_custom_resources_were_answered_with_their_sdk_call(deployed: E2E) -> None:
    """Every AwsCustomResource's call resolved against the deployed stack and was made on the emulator
    (or, where moto lacks that API, e.g. Cost Explorer's UpdateCostAllocationTagsStatus, resolved only)."""
    for stack in deployed.stack_envs:
        template = template_of(deployed.assemblies[stack], stack)
        for logical_id, _ in resources_of(template, "Custom::AWS"):
            made = [
                c for c in deployed.responder_log if c["stack"] == stack and c["logical_id"] == logical_id
            ]
            assert made, f"{stack}/{logical_id}: the responder never answered it"
            for call in made:
                assert "skipped" not in call and "error" not in call, call
                assert "Fn::" not in json.dumps(call["parameters"]), call["parameters"]
    unsupported = sorted(
        {f"{c['service']}.{c['action']}" for c in deployed.responder_log if "unsupported" in c}
    )
    print(f"custom resource calls resolved but not made (moto lacks them): {unsupported}")


def _logging(deployed: E2E, stack: str) -> dict[str, Any] | None:
    config = (
        deployed.client(stack, "bedrock").get_model_invocation_logging_configuration().get("loggingConfig")
    )
    return dict(config) if config else None  # moto answers {} after a delete, AWS leaves the key out


def _provider_answers(deployed: E2E, stack: str, request: str) -> list[dict[str, Any]]:
    template = template_of(deployed.assemblies[stack], stack)
    (logical_id,) = [logical_id for logical_id, _ in resources_of(template, LOGGING_RESOURCE_TYPE)]
    return [
        c["answer"]
        for c in deployed.responder_log
        if c["stack"] == stack
        and c["logical_id"] == logical_id
        and c.get("request") == request
        and c["provider"]
    ]


def _assert_coexists(deployed: E2E, stack: str, *, text: bool) -> None:
    """The stack's CloudWatch Logs destination, beside whatever the account had before the deploy."""
    ids = deployed.physical_ids(stack)
    config = _logging(deployed, stack)
    assert config is not None, f"{stack}: no invocation logging"
    destination = config["cloudWatchConfig"]
    assert destination["logGroupName"] in ids.values(), "not the stack's log group"
    assert destination["roleArn"].rsplit("/", 1)[-1] in ids.values(), "not the stack's delivery role"
    seeded = deployed.seeded_logging.get(stack)
    if seeded is not None:
        assert config["s3Config"] == seeded["s3Config"], config
        for flag, on in seeded.items():
            if flag.endswith("DataDeliveryEnabled") and on:
                assert config[flag] is True, (flag, config)
    else:
        assert "s3Config" not in config
        assert config["textDataDeliveryEnabled"] is text


def test_invocation_logging_keeps_what_the_account_had(deployed: E2E) -> None:
    (created,) = _provider_answers(deployed, LOGGING_ACCOUNT_STACK, "Create")
    assert created["PhysicalResourceId"].endswith("before:s3+embedding+text")  # the record of what was there
    _assert_coexists(deployed, LOGGING_ACCOUNT_STACK, text=False)
    (fresh,) = _provider_answers(deployed, NEW_LOGGING_STACK, "Create")
    assert fresh["PhysicalResourceId"].endswith("before:none")
    _assert_coexists(deployed, NEW_LOGGING_STACK, text=False)
    assert _logging(deployed, "GenAiGuardrails-sandbox") is None  # existing mode: read, never written
    for stack in (LOGGING_ACCOUNT_STACK, NEW_LOGGING_STACK):
        # Metering subscribes to the group the custom resource answered with (moto only stores the filter).
        template = deployed.deployed_template(stack)
        (logical_id,) = [logical_id for logical_id, _ in resources_of(template, LOGGING_RESOURCE_TYPE)]
        (subscription,) = [r for _, r in resources_of(template, "AWS::Logs::SubscriptionFilter")]
        assert subscription["Properties"]["LogGroupName"] == {"Fn::GetAtt": [logical_id, "LogGroupName"]}


def _subscription_event(account: str, log_group: str) -> dict[str, Any]:
    lines = [line for line in INVOCATION_LOGS.read_text(encoding="utf-8").splitlines() if line.strip()]
    now = int(time.time() * 1000)
    # Dated now: metering counts records CloudWatch would drop (over 14 days old) as malformed.
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now / 1000 - 60))
    lines = [json.dumps({**json.loads(line), "timestamp": stamp}) for line in lines]
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": account,
        "logGroup": log_group,
        "logStream": "aws/bedrock/modelinvocations",
        "subscriptionFilters": ["e2e"],
        "logEvents": [{"id": str(i), "timestamp": now, "message": line} for i, line in enumerate(lines)],
    }
    data = base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()
    return {"awslogs": {"data": data}}


def test_metering_code_from_the_uploaded_asset_prints_emf(deployed: E2E, tmp_path: Path) -> None:
    targets = [
        (stack, logical_id, resource)
        for stack in deployed.stack_envs
        for logical_id, resource in resources_of(
            template_of(deployed.assemblies[stack], stack), "AWS::Lambda::Function"
        )
        if resource["Properties"].get("Handler") == METERING_HANDLER
    ]
    if not targets:
        pytest.skip(f"no Lambda function with handler {METERING_HANDLER} in any stack yet")
    stack, logical_id, _ = targets[0]
    account, region = deployed.stack_envs[stack]
    function_name = deployed.physical_ids(stack)[logical_id]
    configuration = deployed.client(stack, "lambda").get_function_configuration(FunctionName=function_name)
    # The code as the CLI uploaded it: the asset zip in the emulator's bootstrap bucket.
    code = deployed.deployed_template(stack)["Resources"][logical_id]["Properties"]["Code"]
    bucket = code["S3Bucket"]
    if isinstance(bucket, dict):
        bucket = bucket["Fn::Sub"].replace("${AWS::AccountId}", account).replace("${AWS::Region}", region)
    blob = deployed.client(stack, "s3").get_object(Bucket=bucket, Key=code["S3Key"])["Body"].read()
    code_dir = tmp_path / "task"
    zipfile.ZipFile(io.BytesIO(blob)).extractall(code_dir)
    module_path = code_dir / (METERING_HANDLER.rsplit(".", 1)[0].replace(".", "/") + ".py")
    assert module_path.exists(), f"{module_path.relative_to(code_dir)} not in the uploaded asset"
    log_group = json.dumps(configuration.get("LoggingConfig", {}).get("LogGroup", ""))
    env = python_subprocess_env(
        {
            **configuration.get("Environment", {}).get("Variables", {}),
            "E2E_CODE_DIR": str(code_dir),
            "E2E_HANDLER": METERING_HANDLER,
            "E2E_FUNCTION_ARN": configuration["FunctionArn"],
            "AWS_LAMBDA_FUNCTION_NAME": function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(configuration["MemorySize"]),
            "LAMBDA_TASK_ROOT": str(code_dir),
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ENDPOINT_URL": deployed.emulator.endpoint,
            "AWS_ACCESS_KEY_ID": deployed.profile_for_stack(stack).access_key,
            "AWS_SECRET_ACCESS_KEY": deployed.profile_for_stack(stack).secret_key,
        }
    )
    event = _subscription_event(account, json.loads(log_group) or "/aws/bedrock/model-invocations")
    proc = run_python(HANDLER_DRIVER, cwd=code_dir, env=env, stdin=json.dumps(event))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    documents = []
    for line in proc.stdout.splitlines():
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "_aws" in document:
            documents.append(document)
    assert documents, f"no EMF document printed:\n{proc.stdout[-3000:]}"
    names = set()
    for document in documents:
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == METRIC_NAMESPACE
            for metric in directive["Metrics"]:
                names.add(metric["Name"])
                assert metric["Name"] in document, metric["Name"]
            for dimension_set in directive["Dimensions"]:
                assert all(d in document for d in dimension_set), dimension_set
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    environment = next(a["environment"] for a in config["accounts"] if a["account_id"] == account)
    assert {d.get("Environment") for d in documents} == {environment}
    assert {"Invocations", "InputTokens", "OutputTokens", "CostUSD"} <= names, names
    try:
        from core import contract

        assert names <= set(contract.METERING_METRICS), names - set(contract.METERING_METRICS)
    except ImportError:
        pass


def test_second_deploy_after_a_config_change_is_an_update(deployed: E2E) -> None:
    config = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    changed = copy.deepcopy(config)
    changed["notifications"]["emails"] = ["finops-team@example.com", *config["notifications"]["emails"][1:]]
    changed["accounts"][0]["monthly_budget_usd"] = config["accounts"][0]["monthly_budget_usd"] + 1000
    # Changes the invocation-logging custom resource's properties: CloudFormation sends it an Update.
    for account in changed["accounts"][:2]:
        account.setdefault("invocation_logging", {})["text_data_delivery"] = True
    path = deployed.tmp / "changed.yaml"
    path.write_text(yaml.safe_dump(changed, sort_keys=False), encoding="utf-8")
    synth, assembly = deployed.synth("update", ("-c", f"config={path}"))
    start = time.monotonic()
    assert_ok(run_all([(synth, assembly)], deployed.env))
    deployed.timings["synth (changed config)"] = time.monotonic() - start
    deployed.deploy_all("update", assembly)
    account_stacks = deployed.account_stacks()
    assert account_stacks
    for stack in deployed.stack_envs:
        cfn = deployed.client(stack, "cloudformation")
        description = cfn.describe_stacks(StackName=stack)["Stacks"][0]
        assert description["StackId"] == deployed.stack_ids[stack], f"{stack} was replaced, not updated"
        if stack not in account_stacks:
            continue
        assert description["StackStatus"] == "UPDATE_COMPLETE", stack
        template = deployed.deployed_template(stack)
        endpoints = {r["Properties"]["Endpoint"] for _, r in resources_of(template, "AWS::SNS::Subscription")}
        assert (
            "finops-team@example.com" in endpoints and config["notifications"]["emails"][0] not in endpoints
        )
    budgets = [
        r["Properties"]["Budget"]["BudgetLimit"]
        for _, r in resources_of(deployed.deployed_template(account_stacks[0]), "AWS::Budgets::Budget")
        if "BudgetLimit" in r["Properties"]["Budget"]
    ]
    if budgets:
        wanted = changed["accounts"][0]["monthly_budget_usd"]
        assert any(float(b["Amount"]) == float(wanted) for b in budgets), budgets


def test_invocation_logging_still_coexists_after_the_update(deployed: E2E) -> None:
    for stack in (LOGGING_ACCOUNT_STACK, NEW_LOGGING_STACK):
        (created,) = _provider_answers(deployed, stack, "Create")
        (updated,) = _provider_answers(deployed, stack, "Update")
        # Same physical id: a new one would make CloudFormation delete (restore) the old after the update.
        assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]
        _assert_coexists(deployed, stack, text=True)


def test_destroy_removes_every_stack(deployed: E2E) -> None:
    assembly = deployed.assemblies[next(iter(deployed.stack_envs))]
    runs = [(cli_argv(command, assembly), assembly) for command in deployed.of("destroy")]
    start = time.monotonic()
    with deployed.responder(dict(deployed.assemblies)) as responder:
        results = run_all(runs, deployed.env)
    deployed.responder_log.extend(responder.log.calls)
    assert not responder.log.errors, responder.log.errors
    deployed.timings["destroy"] = time.monotonic() - start
    assert_ok(results)
    for stack in deployed.stack_envs:
        cfn = deployed.client(stack, "cloudformation")
        live = [
            s
            for s in cfn.list_stacks()["StackSummaries"]
            if s["StackName"] == stack and s["StackStatus"] != "DELETE_COMPLETE"
        ]
        assert not live, live
        functions = deployed.client(stack, "lambda").list_functions()["Functions"]
        left = [f["FunctionName"] for f in functions if f["FunctionName"].startswith(stack)]
        if left:
            (deployed.tmp / "leftovers.json").write_text(json.dumps([stack, left, deployed.function_names]))
        assert not left, (stack, left)
    print("e2e timings (s): " + ", ".join(f"{k} {v:.0f}" for k, v in deployed.timings.items()))
    print("commands run: " + "; ".join(shlex.join(r.argv[:6]) for r in results))


def test_destroy_puts_back_the_accounts_invocation_logging(deployed: E2E) -> None:
    for stack in (LOGGING_ACCOUNT_STACK, NEW_LOGGING_STACK):
        assert _provider_answers(deployed, stack, "Delete"), f"{stack}: the provider never got the Delete"
    assert _logging(deployed, LOGGING_ACCOUNT_STACK) == ACCOUNT_LOGGING  # exactly what was there before
    assert _logging(deployed, NEW_LOGGING_STACK) is None  # the app created it: deleted with the stack
