"""Stack-assertion tests on the example app (synthesized once per session)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_sns as sns

from config.loader import ConfigError, check_rules, parse_config
from stacks.nag import enable_nag
from tests.conftest import SynthesizedApp

STACKS = ["GenAiGuardrails-Org", "GenAiGuardrails-prod", "GenAiGuardrails-staging", "GenAiGuardrails-sandbox"]


def test_one_stack_per_account_plus_org(example_app: SynthesizedApp) -> None:
    assert sorted(example_app.templates) == sorted(STACKS)
    manifest = json.loads((example_app.outdir / "manifest.json").read_text())
    envs = {
        k: v["environment"]
        for k, v in manifest["artifacts"].items()
        if v["type"] == "aws:cloudformation:stack"
    }
    assert envs == {
        "GenAiGuardrails-Org": "aws://111111111111/us-east-1",
        "GenAiGuardrails-prod": "aws://222222222222/us-east-1",
        "GenAiGuardrails-staging": "aws://333333333333/us-east-1",
        "GenAiGuardrails-sandbox": "aws://444444444444/eu-west-1",
    }


def test_cdk_nag_is_wired_and_fails_synth(tmp_path: Path) -> None:
    """The same wiring fails synth on an unacknowledged finding (an unencrypted topic without SSL)."""
    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Bad", env=cdk.Environment(account="222222222222", region="us-east-1"))
    sns.Topic(stack, "Plain")
    enable_nag(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text())
    rules = {v["ruleName"] for r in report["pluginReports"] for v in r["violations"]}
    assert "AwsSolutions-SNS3" in rules


@pytest.mark.parametrize("stack", STACKS)
def test_stacks_carry_standard_tags(example_app: SynthesizedApp, stack: str) -> None:
    tagged = [
        r
        for r in example_app.templates[stack]["Resources"].values()
        if isinstance(r.get("Properties", {}).get("Tags"), list)
    ]
    assert tagged, "expected taggable resources"
    for resource in tagged:
        keys = {t["Key"] for t in resource["Properties"]["Tags"]}
        assert {"Application", "Environment", "GenAI:Workload"} <= keys


def test_notification_topic_encrypted_with_email_subscriptions(example_app: SynthesizedApp) -> None:
    stack = "GenAiGuardrails-prod"
    topics = example_app.resources(stack, "AWS::SNS::Topic")
    assert len(topics) == 1
    (topic,) = topics.values()
    assert "KmsMasterKeyId" in topic["Properties"]
    keys = example_app.resources(stack, "AWS::KMS::Key")
    assert all(k["Properties"]["EnableKeyRotation"] for k in keys.values())
    subscriptions = example_app.resources(stack, "AWS::SNS::Subscription")
    assert sorted(s["Properties"]["Endpoint"] for s in subscriptions.values()) == [
        "finops@example.com",
        "genai-oncall@example.com",
    ]
    key_policy = json.dumps([k["Properties"]["KeyPolicy"] for k in keys.values()])
    for service in ("budgets.amazonaws.com", "costalerts.amazonaws.com", "cloudwatch.amazonaws.com"):
        assert service in key_policy


def test_tag_policy_document(example_app: SynthesizedApp) -> None:
    (policy,) = example_app.resources("GenAiGuardrails-Org", "AWS::Organizations::Policy").values()
    props = policy["Properties"]
    assert props["Type"] == "TAG_POLICY"
    assert props["TargetIds"] == ["ou-ab12-workload1"]
    tags = props["Content"]["tags"]
    assert {v["tag_key"]["@@assign"] for v in tags.values()} == {
        "Application",
        "Environment",
        "GenAI:Workload",
        "GenAI:Model",
    }
    assert tags["environment"]["tag_value"]["@@assign"] == ["prod", "staging", "sandbox"]


def test_too_many_features_for_one_stack_is_a_config_error(
    tmp_path: Path, example_data: dict[str, Any]
) -> None:
    """Past CloudFormation's 500 resources the app names the field to change instead of CDK's traceback."""
    data = copy.deepcopy(example_data)
    account = data["accounts"][0]
    account["features"] = [
        {
            "name": f"f{i:02d}",
            "application": f"app{i % 3}",
            "monthly_budget_usd": 100,
            "daily_budget_usd": 10,
            "hourly_limit_usd": 1,
            # Each feature: an inference profile and its budget, three alarms.
            "inference_profile": {"copy_from": "us.anthropic.claude-haiku-4-5-20251001-v1:0"},
            "alarms": {"tokens_per_request_max": 1000},
        }
        for i in range(95)
    ]
    data["accounts"] = [account]
    with pytest.raises(ConfigError) as info:
        check_rules(parse_config(data))
    assert re.match(r"accounts\[0\]\.features: 95 features need \d+ CloudFormation", info.value.problems[0])
