"""Billing-true guardrails: tag policy, cost allocation tags, SCP, AWS Budgets with the
Marketplace filter, application inference profiles, kill switches, Cost Anomaly Detection.

The example app is synthesized once per session; every config switch the example leaves at its default
is flipped in ONE variant config (`variant_app`) to keep synthesis time down."""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
import yaml

from config.loader import ConfigError, check_rules, parse_config
from core.inference_profiles import profile_name
from core.org_policies import TAG_POLICY_MAX_CHARS, build_tag_policy
from core.rule_error import ConfigRuleError
from core.rules import budget_notification_problems
from stacks.budgets import bedrock_filter_expression
from stacks.inference_profiles import FeatureInferenceProfiles, model_source_arn
from stacks.kill_switch import feature_model_resources
from tests.conftest import ROOT, SynthesizedApp

ORG = "GenAiGuardrails-Org"
PROD = "GenAiGuardrails-prod"
STAGING = "GenAiGuardrails-staging"
SANDBOX = "GenAiGuardrails-sandbox"
EMAILS = ["finops@example.com", "genai-oncall@example.com"]
ENFORCED = ["bedrock:application-inference-profile"]
TEN_ALERTS = [{"percent": p, "type": "actual"} for p in (10, 20, 30, 40, 50, 60, 70, 80, 90)] + [
    {"percent": 100, "type": "forecasted"}
]
SONNET = "anthropic.claude-sonnet-4-5-20250929-v1:0"


def only(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    assert len(resources) == 1, sorted(resources)
    (resource,) = resources.values()
    return resource


def budget_named(app: SynthesizedApp, stack: str, name: str) -> dict[str, Any]:
    found = [
        r
        for r in app.resources(stack, "AWS::Budgets::Budget").values()
        if r["Properties"]["Budget"]["BudgetName"] == name
    ]
    assert len(found) == 1, name
    props: dict[str, Any] = found[0]["Properties"]
    return props


def logical_id_of(
    app: SynthesizedApp, stack: str, resource_type: str, predicate: Callable[[dict[str, Any]], bool]
) -> str:
    (logical_id,) = [k for k, v in app.resources(stack, resource_type).items() if predicate(v["Properties"])]
    return logical_id


# --------------------------------------------------------------------------------------------------
# The variant: every switch the example leaves at its default, flipped.


def variant_data(example: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(example)
    org = data["organization"]
    org["activate_cost_allocation_tags"] = False
    org["deny_untagged_inference_profiles"] = True
    org["target_accounts"] = ["222222222222"]
    org["tag_policy"]["extra_keys"] = [
        {"key": "CostCenter", "allowed_values": ["cc-100", "cc-200"], "required": False},
        {"key": "Team"},
    ]
    org["tag_policy"]["enforced_for"] = ["bedrock:application-inference-profile"]
    data["notifications"]["slack"] = {"workspace_id": "T0123456789", "channel_id": "C0123456789"}
    prod = data["accounts"][0]
    prod["budget_alerts"] = TEN_ALERTS  # exactly the AWS limit
    prod["anomaly_detection"] = {"enabled": True, "threshold_usd": 250.5}
    prod["kill_switch"] = {
        "enabled": True,
        "threshold_percent": 120,
        "approval": "AUTOMATIC",
        "role_names": ["bedrock-apps", "batch-jobs"],
    }
    support_chat, ticket_summary = prod["features"][0], prod["features"][1]
    support_chat["inference_profile"] = {"copy_from": SONNET}  # a base model id: foundation-model ARN
    ticket_summary["kill_switch"] = {"enabled": True, "role_names": ["ticket-summary-api"]}  # MANUAL default
    data["accounts"][1]["anomaly_detection"] = {"enabled": False}
    return data


@pytest.fixture(scope="session")
def variant_app(
    example_data: dict[str, Any], synth_factory: Callable[[dict[str, Any]], SynthesizedApp]
) -> SynthesizedApp:
    return synth_factory(variant_data(example_data))


# --------------------------------------------------------------------------------------------------
# Organization stack


def test_tag_policy_json_parsed_and_compared(example_app: SynthesizedApp) -> None:
    props = only(example_app.resources(ORG, "AWS::Organizations::Policy"))["Properties"]
    assert props["Type"] == "TAG_POLICY"
    content = props["Content"] if isinstance(props["Content"], dict) else json.loads(props["Content"])

    def entry(key: str, values: list[str] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = {"tag_key": {"@@assign": key}}
        if values:
            result["tag_value"] = {"@@assign": values}
        result["enforced_for"] = {"@@assign": ENFORCED}
        result["report_required_tag_for"] = {"@@assign": ENFORCED}
        return result

    assert content == {
        "tags": {
            "application": entry("Application"),
            "environment": entry("Environment", ["prod", "staging", "sandbox", "management"]),
            "genai:workload": entry("GenAI:Workload"),
            "genai:model": entry("GenAI:Model"),
        }
    }
    assert len(json.dumps(content, separators=(",", ":"))) <= TAG_POLICY_MAX_CHARS


def test_tag_policy_variant_extra_keys_targets_and_enforcement(variant_app: SynthesizedApp) -> None:
    policies = variant_app.resources(ORG, "AWS::Organizations::Policy")
    tag_policy = only({k: v for k, v in policies.items() if v["Properties"]["Type"] == "TAG_POLICY"})[
        "Properties"
    ]
    assert tag_policy["TargetIds"] == ["ou-ab12-workload1", "222222222222"]
    tags = tag_policy["Content"]["tags"]
    assert tags["costcenter"] == {
        "tag_key": {"@@assign": "CostCenter"},
        "tag_value": {"@@assign": ["cc-100", "cc-200"]},
        "enforced_for": {"@@assign": ["bedrock:application-inference-profile"]},
    }  # required: false -> no report_required_tag_for
    assert tags["team"]["report_required_tag_for"] == {"@@assign": ["bedrock:application-inference-profile"]}


def test_cost_allocation_tags_activated_in_us_east_1(example_app: SynthesizedApp) -> None:
    resource = only(example_app.resources(ORG, "Custom::AWS"))["Properties"]
    create = json.loads(resource["Create"])
    assert create["service"] == "CostExplorer"
    assert create["action"] == "updateCostAllocationTagsStatus"
    assert create["region"] == "us-east-1"
    assert create["parameters"]["CostAllocationTagsStatus"] == [
        {"TagKey": key, "Status": "Active"}
        for key in ("Application", "Environment", "GenAI:Workload", "GenAI:Model")
    ]
    # Idempotent: the same call on update, a fixed physical id, nothing on delete (keys stay active).
    assert json.loads(resource["Update"]) == create
    assert "Delete" not in resource
    assert create["physicalResourceId"] == {"id": "genai-guardrails-cost-allocation-tags-0"}
    policies = example_app.resources(ORG, "AWS::IAM::Policy")
    statements = [s for p in policies.values() for s in p["Properties"]["PolicyDocument"]["Statement"]]
    assert statements == [{"Action": "ce:UpdateCostAllocationTagsStatus", "Effect": "Allow", "Resource": "*"}]


def test_cost_allocation_tags_switched_off(variant_app: SynthesizedApp) -> None:
    assert variant_app.resources(ORG, "Custom::AWS") == {}
    assert variant_app.resources(ORG, "AWS::Lambda::Function") == {}


def test_cost_allocation_tags_chunked_by_twenty(tmp_path: Path) -> None:
    from aws_cdk.assertions import Template

    from stacks.cost_allocation_tags import CostAllocationTagActivation

    app = cdk.App(outdir=str(tmp_path))
    stack = cdk.Stack(app, "Org", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    CostAllocationTagActivation(stack, "Tags", tag_keys=[f"Key{i}" for i in range(25)])
    calls = Template.from_stack(stack).find_resources("Custom::AWS")
    sizes = sorted(
        len(json.loads(r["Properties"]["Create"])["parameters"]["CostAllocationTagsStatus"])
        for r in calls.values()
    )
    assert sizes == [5, 20]


def test_scp_off_by_default(example_app: SynthesizedApp) -> None:
    types = {
        r["Properties"]["Type"] for r in example_app.resources(ORG, "AWS::Organizations::Policy").values()
    }
    assert types == {"TAG_POLICY"}


def test_scp_denies_untagged_inference_profiles(variant_app: SynthesizedApp) -> None:
    policies = variant_app.resources(ORG, "AWS::Organizations::Policy")
    scp = only({k: v for k, v in policies.items() if v["Properties"]["Type"] == "SERVICE_CONTROL_POLICY"})[
        "Properties"
    ]
    assert scp["TargetIds"] == ["ou-ab12-workload1", "222222222222"]
    statements = scp["Content"]["Statement"]
    creates = [s for s in statements if s["Action"] == "bedrock:CreateInferenceProfile"]
    # One statement per required key (standard four + required extra key Team, not CostCenter).
    required = ["Application", "Environment", "GenAI:Workload", "GenAI:Model", "Team"]
    assert [s["Condition"] for s in creates] == [{"Null": {f"aws:RequestTag/{k}": "true"}} for k in required]
    assert {(s["Effect"], s["Resource"]) for s in creates} == {("Deny", "*")}
    # Removing a required tag from an application inference profile afterwards is denied too.
    profile = "arn:aws:bedrock:us-east-1:222222222222:application-inference-profile/abcd1234"

    def untag_denied(resource: str, keys: list[str]) -> bool:
        return denied(statements, "bedrock:UntagResource", resource, {"aws:TagKeys": keys})

    for key in required:
        assert untag_denied(profile, [key]), key
    assert untag_denied(profile, ["CostCenter", "GenAI:Workload"])
    assert not untag_denied(profile, ["CostCenter"])  # not required: may be removed
    assert not untag_denied("arn:aws:bedrock:us-east-1:222222222222:agent/AGENT1", ["Application"])
    assert not denied(statements, "bedrock:TagResource", profile, {"aws:TagKeys": ["Application"]})


def _matches(pattern: str, value: str) -> bool:
    """IAM's wildcard match for actions and ARNs: `*` any run of characters (none included), `?` one."""
    return fnmatch.fnmatchcase(value, pattern)


def _condition_holds(condition: dict[str, Any], context: dict[str, Any]) -> bool:
    for operator, keys in condition.items():
        for key, wanted in keys.items():
            values = context.get(key)
            wanted_list = wanted if isinstance(wanted, list) else [wanted]
            if operator == "ForAnyValue:StringEquals":
                if not any(v in wanted_list for v in values or []):
                    return False
            elif operator == "Null":
                if (values is None) != (str(wanted_list[0]).lower() == "true"):
                    return False
            else:
                raise AssertionError(f"operator {operator} not modelled by this test")
    return True


def denied(
    statements: list[dict[str, Any]], action: str, resource: str, context: dict[str, Any] | None = None
) -> bool:
    """Whether an explicit Deny statement of a policy matches one request (enough IAM for these tests)."""
    for statement in statements:
        if statement["Effect"] != "Deny":
            continue
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = (
            statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        )
        if not any(_matches(a, action) for a in actions):
            continue
        if not any(_matches(r, resource) for r in resources):
            continue
        if _condition_holds(statement.get("Condition", {}), context or {}):
            return True
    return False


def _plain_arn(value: Any, names: dict[str, str]) -> str:
    """A template ARN as text: partition `aws`, references by `names` (logical id -> ARN)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return "aws" if value["Ref"] == "AWS::Partition" else names[value["Ref"]]
    if "Fn::GetAtt" in value:
        return names[value["Fn::GetAtt"][0]]
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_plain_arn(part, names) for part in parts)
    raise AssertionError(value)


# --------------------------------------------------------------------------------------------------
# Account stack: budgets


def test_account_budget_catches_marketplace_bedrock(example_app: SynthesizedApp) -> None:
    budget = budget_named(example_app, PROD, "GenAiGuardrails-prod-bedrock")["Budget"]
    assert budget["BudgetType"] == "COST"
    assert budget["TimeUnit"] == "MONTHLY"
    assert budget["BudgetLimit"] == {"Amount": 20000, "Unit": "USD"}
    assert budget["Metrics"] == ["UnblendedCost"]
    assert "CostFilters" not in budget and "CostTypes" not in budget  # FilterExpression excludes them
    expression = budget["FilterExpression"]
    assert expression == bedrock_filter_expression()
    first_party, marketplace = expression["Or"]
    assert first_party == {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Bedrock"]}}
    assert marketplace == {
        "And": [
            {"Dimensions": {"Key": "BILLING_ENTITY", "Values": ["AWS Marketplace"]}},
            {
                "Dimensions": {
                    "Key": "SERVICE",
                    "Values": ["(Amazon Bedrock Edition)"],
                    "MatchOptions": ["ENDS_WITH"],
                }
            },
        ]
    }
    assert "Claude 3.5 Sonnet (Amazon Bedrock Edition)".endswith(
        marketplace["And"][1]["Dimensions"]["Values"][0]
    )


def test_default_budget_notifications_with_sns_and_emails(example_app: SynthesizedApp) -> None:
    # staging leaves budget_alerts at the default: actual 50/80/100, forecasted 100.
    props = budget_named(example_app, STAGING, "GenAiGuardrails-staging-bedrock")
    notifications = props["NotificationsWithSubscribers"]
    assert [
        (n["Notification"]["NotificationType"], n["Notification"]["Threshold"]) for n in notifications
    ] == [
        ("ACTUAL", 50),
        ("ACTUAL", 80),
        ("ACTUAL", 100),
        ("FORECASTED", 100),
    ]
    topic = only(example_app.resources(STAGING, "AWS::SNS::Topic"))
    topic_id = next(k for k, v in example_app.templates[STAGING]["Resources"].items() if v is topic)
    for n in notifications:
        assert n["Notification"]["ComparisonOperator"] == "GREATER_THAN"
        assert n["Notification"]["ThresholdType"] == "PERCENTAGE"
        assert n["Subscribers"] == [{"Address": {"Ref": topic_id}, "SubscriptionType": "SNS"}] + [
            {"Address": e, "SubscriptionType": "EMAIL"} for e in EMAILS
        ]
    sandbox = budget_named(example_app, SANDBOX, "GenAiGuardrails-sandbox-bedrock")[
        "NotificationsWithSubscribers"
    ]
    assert [(n["Notification"]["NotificationType"], n["Notification"]["Threshold"]) for n in sandbox] == [
        ("ACTUAL", 80),
        ("FORECASTED", 100),
    ]


def test_ten_notifications_is_the_limit(variant_app: SynthesizedApp) -> None:
    props = budget_named(variant_app, PROD, "GenAiGuardrails-prod-bedrock")
    assert len(props["NotificationsWithSubscribers"]) == 10
    for n in props["NotificationsWithSubscribers"]:
        kinds = [s["SubscriptionType"] for s in n["Subscribers"]]
        assert kinds.count("SNS") == 1 and kinds.count("EMAIL") <= 10


def test_feature_budgets_only_for_features_with_a_profile(example_app: SynthesizedApp) -> None:
    names = sorted(
        r["Properties"]["Budget"]["BudgetName"]
        for r in example_app.resources(PROD, "AWS::Budgets::Budget").values()
    )
    assert names == ["GenAiGuardrails-prod-bedrock", "GenAiGuardrails-prod-feature-ticket-summary"]
    feature = budget_named(example_app, PROD, "GenAiGuardrails-prod-feature-ticket-summary")
    assert feature["Budget"]["BudgetLimit"] == {"Amount": 3000, "Unit": "USD"}
    assert feature["Budget"]["CostFilters"] == {"TagKeyValue": ["user:GenAI:Workload$ticket-summary"]}
    account = budget_named(example_app, PROD, "GenAiGuardrails-prod-bedrock")
    assert feature["NotificationsWithSubscribers"] == account["NotificationsWithSubscribers"]
    # No feature of staging or sandbox has a profile: the account budget only.
    assert len(example_app.resources(STAGING, "AWS::Budgets::Budget")) == 1
    assert len(example_app.resources(SANDBOX, "AWS::Budgets::Budget")) == 1


# --------------------------------------------------------------------------------------------------
# Account stack: application inference profiles


def test_inference_profile_from_system_profile(example_app: SynthesizedApp) -> None:
    profile = only(example_app.resources(PROD, "AWS::Bedrock::ApplicationInferenceProfile"))["Properties"]
    assert profile["InferenceProfileName"] == "prod-ticket-summary"
    assert profile["ModelSource"]["CopyFrom"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":bedrock:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
            ],
        ]
    }
    # The feature's own values win over the stack-wide Application / GenAI:Workload tags.
    assert {t["Key"]: t["Value"] for t in profile["Tags"]} == {
        "Application": "customer-support",
        "Environment": "prod",
        "GenAI:Workload": "ticket-summary",
        "GenAI:Model": "us.anthropic.claude-haiku-4-5-20251001-v1:0",
    }
    outputs = example_app.templates[PROD]["Outputs"]
    profile_id = logical_id_of(example_app, PROD, "AWS::Bedrock::ApplicationInferenceProfile", lambda p: True)
    assert outputs["InferenceProfileArnTicketSummary"]["Value"] == {
        "Fn::GetAtt": [profile_id, "InferenceProfileArn"]
    }
    assert example_app.resources(STAGING, "AWS::Bedrock::ApplicationInferenceProfile") == {}


def test_inference_profile_from_foundation_model(variant_app: SynthesizedApp) -> None:
    profiles = variant_app.resources(PROD, "AWS::Bedrock::ApplicationInferenceProfile")
    assert len(profiles) == 2
    chat = next(
        p["Properties"]
        for p in profiles.values()
        if p["Properties"]["InferenceProfileName"] == "prod-support-chat"
    )
    assert chat["ModelSource"]["CopyFrom"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":bedrock:",
                {"Ref": "AWS::Region"},
                f"::foundation-model/{SONNET}",
            ],
        ]
    }
    assert {t["Key"]: t["Value"] for t in chat["Tags"]}["GenAI:Model"] == SONNET
    assert "InferenceProfileArnSupportChat" in variant_app.templates[PROD]["Outputs"]


def test_model_source_and_name_rules() -> None:
    stack = cdk.Stack()
    for copy_from, kind in [
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", ":inference-profile/"),
        ("eu.amazon.nova-pro-v1:0", ":inference-profile/"),
        ("apac.amazon.nova-lite-v1:0", ":inference-profile/"),
        ("amazon.nova-pro-v1:0", "::foundation-model/"),
        ("meta.llama3-70b-instruct-v1:0", "::foundation-model/"),
    ]:
        assert kind + copy_from in json.dumps(stack.resolve(model_source_arn(copy_from)))
    data = parse_config(
        {
            "organization": {"management_account_id": "111111111111"},
            "accounts": [
                {
                    "name": "a" * 32,
                    "account_id": "222222222222",
                    "region": "us-east-1",
                    "environment": "prod",
                    "monthly_budget_usd": 10,
                    "features": [
                        {
                            "name": "b--" + "c" * 60,
                            "application": "x",
                            "monthly_budget_usd": 3,
                            "daily_budget_usd": 2,
                            "hourly_limit_usd": 1,
                        }
                    ],
                }
            ],
        }
    )
    name = profile_name(data.accounts[0], data.accounts[0].features[0])
    assert len(name) <= 64 and "--" not in name


def test_profile_features_json_for_the_metering_lambda(example_data: dict[str, Any]) -> None:
    config = parse_config(variant_data(example_data))
    stack = cdk.Stack(env=cdk.Environment(account="222222222222", region="us-east-1"))
    profiles = FeatureInferenceProfiles(stack, "Profiles", account=config.accounts[0])
    assert sorted(profiles.profiles) == ["support-chat", "ticket-summary"]
    resolved = stack.resolve(profiles.profile_features_json())
    # Replace each profile's id attribute by a fake id, then the result must be the JSON contract.
    ids = {
        stack.resolve(p.attr_inference_profile_id)["Fn::GetAtt"][0]: f"id{n}"
        for n, p in enumerate(profiles.profiles.values())
    }
    text = "".join(
        part if isinstance(part, str) else ids[part["Fn::GetAtt"][0]] for part in resolved["Fn::Join"][1]
    )
    assert json.loads(text) == {"id0": "support-chat", "id1": "ticket-summary"}
    empty = FeatureInferenceProfiles(stack, "None", account=config.accounts[1])
    assert json.loads(empty.profile_features_json()) == {}


# --------------------------------------------------------------------------------------------------
# Account stack: kill switches


def test_kill_switch_off_by_default(example_app: SynthesizedApp) -> None:
    for stack in (PROD, STAGING, SANDBOX):
        assert example_app.resources(stack, "AWS::Budgets::BudgetsAction") == {}
        assert example_app.resources(stack, "AWS::IAM::ManagedPolicy") == {}


def test_kill_switches_account_and_feature(variant_app: SynthesizedApp) -> None:
    template = variant_app.templates[PROD]["Resources"]
    actions = variant_app.resources(PROD, "AWS::Budgets::BudgetsAction")
    by_budget = {a["Properties"]["BudgetName"]: (k, a) for k, a in actions.items()}
    assert sorted(by_budget) == [
        "GenAiGuardrails-prod-bedrock",
        "GenAiGuardrails-prod-feature-ticket-summary",
    ]
    profile_id = logical_id_of(
        variant_app,
        PROD,
        "AWS::Bedrock::ApplicationInferenceProfile",
        lambda p: p["InferenceProfileName"] == "prod-ticket-summary",
    )
    expected = {
        "GenAiGuardrails-prod-bedrock": ("AUTOMATIC", 120, ["bedrock-apps", "batch-jobs"], "*"),
        "GenAiGuardrails-prod-feature-ticket-summary": (
            "MANUAL",
            100,
            ["ticket-summary-api"],
            [
                {"Fn::GetAtt": [profile_id, "InferenceProfileArn"]},
                *cdk.Stack().resolve(feature_model_resources("us.anthropic.claude-haiku-4-5-20251001-v1:0")),
            ],
        ),
    }
    for budget_name, (approval, percent, roles, resource) in expected.items():
        action_id, action = by_budget[budget_name]
        props = action["Properties"]
        assert props["ActionType"] == "APPLY_IAM_POLICY"
        assert props["ApprovalModel"] == approval
        assert props["NotificationType"] == "ACTUAL"
        assert props["ActionThreshold"] == {"Type": "PERCENTAGE", "Value": percent}
        assert [s["Type"] for s in props["Subscribers"]] == ["SNS", "EMAIL", "EMAIL"]
        definition = props["Definition"]["IamActionDefinition"]
        assert definition["Roles"] == roles
        policy_id = definition["PolicyArn"]["Ref"]
        (statement,) = template[policy_id]["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Effect"] == "Deny"
        # InvokeModel* also authorizes Converse / ConverseStream / StartAsyncInvoke.
        assert sorted(statement["Action"]) == ["bedrock:CreateModelInvocationJob", "bedrock:InvokeModel*"]
        assert statement["Resource"] == resource or sorted(map(json.dumps, statement["Resource"])) == sorted(
            map(json.dumps, resource)
        )
        # The action waits for its budget.
        budget_id = next(
            k
            for k, v in variant_app.resources(PROD, "AWS::Budgets::Budget").items()
            if v["Properties"]["Budget"]["BudgetName"] == budget_name
        )
        assert budget_id in action.get("DependsOn", [])
        # Execution role: only AWS Budgets of this account may assume it; it may attach only this policy,
        # only to these roles.
        role = template[props["ExecutionRoleArn"]["Fn::GetAtt"][0]]["Properties"]
        (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Principal"] == {"Service": "budgets.amazonaws.com"}
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "222222222222"}}
        (inline,) = role["Policies"]
        (allow,) = inline["PolicyDocument"]["Statement"]
        assert sorted(allow["Action"]) == ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
        assert allow["Condition"] == {"ArnEquals": {"iam:PolicyARN": {"Ref": policy_id}}}
        resources = allow["Resource"] if isinstance(allow["Resource"], list) else [allow["Resource"]]
        assert sorted(resources) == sorted(f"arn:aws:iam::222222222222:role/{n}" for n in roles)
        assert action_id.startswith("KillSwitches")
    outputs = variant_app.templates[PROD]["Outputs"]
    assert set(outputs) >= {"KillSwitchPolicyArnAccount", "KillSwitchPolicyArnTicketSummary"}


HAIKU_PROFILE = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"


def test_feature_kill_switch_covers_every_way_to_the_model(variant_app: SynthesizedApp) -> None:
    """ticket-summary's profile copies the US system profile of Claude Haiku 4.5: the deny must stop its
    roles whichever ARN or API they call that model through, and nothing else."""
    template = variant_app.templates[PROD]["Resources"]
    (action,) = [
        a
        for a in variant_app.resources(PROD, "AWS::Budgets::BudgetsAction").values()
        if a["Properties"]["BudgetName"] == "GenAiGuardrails-prod-feature-ticket-summary"
    ]
    policy_id = action["Properties"]["Definition"]["IamActionDefinition"]["PolicyArn"]["Ref"]
    profile_id = logical_id_of(
        variant_app,
        PROD,
        "AWS::Bedrock::ApplicationInferenceProfile",
        lambda p: p["InferenceProfileName"] == "prod-ticket-summary",
    )
    own_profile = "arn:aws:bedrock:us-east-1:222222222222:application-inference-profile/tsprofile1"
    names = {profile_id: own_profile}
    (statement,) = template[policy_id]["Properties"]["PolicyDocument"]["Statement"]
    statements = [{**statement, "Resource": [_plain_arn(r, names) for r in statement["Resource"]]}]
    reach = [
        own_profile,  # through the feature's application inference profile
        f"arn:aws:bedrock:us-east-1:222222222222:inference-profile/{HAIKU_PROFILE}",  # the system profile
        f"arn:aws:bedrock:eu-west-1:222222222222:inference-profile/eu.{HAIKU}",  # another geography
        f"arn:aws:bedrock:us-east-1:222222222222:inference-profile/global.{HAIKU}",  # global inference
        f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}",  # the base model called directly
        f"arn:aws:bedrock:us-west-2::foundation-model/{HAIKU}",  # where a profile routes the call
        f"arn:aws:bedrock:::foundation-model/{HAIKU}",  # global routing's Region-less model ARN
    ]
    for api_action in (
        "bedrock:InvokeModel",  # InvokeModel, Converse, StartAsyncInvoke
        "bedrock:InvokeModelWithResponseStream",  # streaming, ConverseStream
        "bedrock:InvokeModelWithBidirectionalStream",
    ):
        for arn in reach:
            assert denied(statements, api_action, arn), (api_action, arn)
    assert denied(
        statements, "bedrock:CreateModelInvocationJob", f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"
    )
    # Other models, other profiles' own ARNs and other actions stay allowed.
    for arn in (
        f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET}",
        f"arn:aws:bedrock:us-east-1:222222222222:inference-profile/us.{SONNET}",
        "arn:aws:bedrock:us-east-1:222222222222:application-inference-profile/otherprofile",
    ):
        assert not denied(statements, "bedrock:InvokeModel", arn), arn
    assert not denied(statements, "bedrock:ApplyGuardrail", own_profile)


def test_kill_switch_of_a_base_model_feature_covers_it_in_every_region() -> None:
    stack = cdk.Stack()
    resources = [_plain_arn(r, {}) for r in stack.resolve(feature_model_resources(SONNET))]
    statements = [{"Effect": "Deny", "Action": ["bedrock:InvokeModel*"], "Resource": resources}]
    for arn in (
        f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET}",
        f"arn:aws:bedrock:ap-northeast-1::foundation-model/{SONNET}",
        f"arn:aws:bedrock:eu-west-1:222222222222:inference-profile/eu.{SONNET}",
    ):
        assert denied(statements, "bedrock:InvokeModelWithResponseStream", arn), arn
    assert not denied(
        statements, "bedrock:InvokeModel", f"arn:aws:bedrock:us-east-1::foundation-model/{HAIKU}"
    )


# --------------------------------------------------------------------------------------------------
# Account stack: Cost Anomaly Detection and the topic


def test_anomaly_detection_monitor_and_immediate_subscription(
    example_app: SynthesizedApp, variant_app: SynthesizedApp
) -> None:
    monitor = only(example_app.resources(PROD, "AWS::CE::AnomalyMonitor"))["Properties"]
    assert (monitor["MonitorType"], monitor["MonitorDimension"]) == ("DIMENSIONAL", "SERVICE")
    subscription = only(example_app.resources(PROD, "AWS::CE::AnomalySubscription"))["Properties"]
    assert subscription["Frequency"] == "IMMEDIATE"
    assert "Threshold" not in subscription
    assert [s["Type"] for s in subscription["Subscribers"]] == ["SNS"]
    assert json.loads(subscription["ThresholdExpression"]) == {
        "Dimensions": {
            "Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
            "MatchOptions": ["GREATER_THAN_OR_EQUAL"],
            "Values": ["100"],  # the default threshold_usd
        }
    }
    variant = only(variant_app.resources(PROD, "AWS::CE::AnomalySubscription"))["Properties"]
    assert json.loads(variant["ThresholdExpression"])["Dimensions"]["Values"] == ["250.5"]
    assert variant_app.resources(STAGING, "AWS::CE::AnomalyMonitor") == {}  # anomaly_detection.enabled: false
    assert variant_app.resources(STAGING, "AWS::CE::AnomalySubscription") == {}


def test_topic_key_lets_budgets_and_cost_anomaly_detection_publish(example_app: SynthesizedApp) -> None:
    (topic_key,) = [
        k
        for k in example_app.resources(PROD, "AWS::KMS::Key").values()
        if "costalerts.amazonaws.com" in json.dumps(k)
    ]
    statements = topic_key["Properties"]["KeyPolicy"]["Statement"]
    publishers = next(s for s in statements if s.get("Sid") == "AllowGuardrailPublishers")
    services = publishers["Principal"]["Service"]
    assert {"budgets.amazonaws.com", "costalerts.amazonaws.com"} <= set(services)
    assert set(publishers["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    policy = only(example_app.resources(PROD, "AWS::SNS::TopicPolicy"))["Properties"]["PolicyDocument"][
        "Statement"
    ]
    publish = next(s for s in policy if s.get("Sid") == "AllowGuardrailPublishers")
    assert {"budgets.amazonaws.com", "costalerts.amazonaws.com"} <= set(publish["Principal"]["Service"])


def test_slack_channel_in_variant(variant_app: SynthesizedApp) -> None:
    slack = only(variant_app.resources(PROD, "AWS::Chatbot::SlackChannelConfiguration"))["Properties"]
    assert (slack["SlackWorkspaceId"], slack["SlackChannelId"]) == ("T0123456789", "C0123456789")


def test_variant_is_nag_and_cfn_lint_clean(variant_app: SynthesizedApp) -> None:
    """`make test` lints the example's templates; the variant's resources (SCP, kill switches) only here."""
    report = json.loads((variant_app.outdir / "validation-report.json").read_text())
    assert all(r["conclusion"] == "success" for r in report["pluginReports"])
    templates = [str(variant_app.outdir / f"{name}.template.json") for name in variant_app.templates]
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())", *templates],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------------------------------
# Failing configs: each message names the field.


def _expect_config_error(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert any(p.startswith(field) and words in p for p in info.value.problems), info.value.problems


def _expect_rule_error(data: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_rules(parse_config(data))
    assert any(p.startswith(field) and words in p for p in info.value.problems), info.value.problems


def test_too_many_notifications(config_data: dict[str, Any]) -> None:
    config_data["accounts"][0]["budget_alerts"] = [*TEN_ALERTS, {"percent": 200, "type": "actual"}]
    _expect_config_error(config_data, "accounts[0].budget_alerts", "at most 10 notifications")


def test_too_many_notifications_checked_at_synth_time(example_data: dict[str, Any]) -> None:
    config = parse_config(example_data)
    alerts = [*config.accounts[0].budget_alerts] * 3
    field = "accounts[0].budget_alerts"
    problems = list(budget_notification_problems(alerts, EMAILS, field))
    assert problems[0].startswith("accounts[0].budget_alerts: 12 budget alerts")
    (problem,) = budget_notification_problems(alerts[:2], [f"u{i}@example.com" for i in range(11)], field)
    assert problem.startswith("notifications.emails: 11 emails")
    (problem,) = budget_notification_problems(alerts[:2], EMAILS, field, sns_topics=2)
    assert problem.startswith("accounts[0].budget_alerts: 2 SNS topics")


def test_too_many_email_subscribers(config_data: dict[str, Any]) -> None:
    config_data["notifications"]["emails"] = [f"user{i}@example.com" for i in range(11)]
    _expect_config_error(config_data, "notifications.emails", "at most 10 email subscribers")


def test_tag_policy_over_10000_characters(config_data: dict[str, Any]) -> None:
    config_data["organization"]["tag_policy"]["extra_keys"] = [
        {"key": "CostCenter", "allowed_values": [f"cost-center-{i:05d}" for i in range(600)]}
    ]
    _expect_rule_error(config_data, "organization.tag_policy", "at most 10000")
    with pytest.raises(ConfigRuleError, match="Largest entry: tag 'CostCenter'"):
        build_tag_policy(parse_config(config_data).organization)


def test_tag_policy_over_limit_fails_synth(
    example_data: dict[str, Any], synth_factory: Callable[[dict[str, Any]], SynthesizedApp]
) -> None:
    data = copy.deepcopy(example_data)
    data["organization"]["tag_policy"]["allowed_values"]["Application"] = [
        f"app-{i:04d}" for i in range(1200)
    ]
    with pytest.raises(ConfigError) as info:
        synth_factory(data)
    assert re.match(r"organization\.tag_policy.*tag 'Application'", info.value.problems[0])


@pytest.mark.parametrize(
    ("where", "key", "field", "words"),
    [
        ("extra_keys", "aws:cost", "organization.tag_policy.extra_keys[0].key", "must not start with 'aws:'"),
        ("extra_keys", "Cost*Center", "organization.tag_policy.extra_keys[0].key", "may contain only"),
        ("extra_keys", "x" * 129, "organization.tag_policy.extra_keys[0].key", "1 to 128 characters"),
        ("allowed_values", "Bad#Key", "organization.tag_policy.allowed_values", "may contain only"),
    ],
)
def test_invalid_tag_key(config_data: dict[str, Any], where: str, key: str, field: str, words: str) -> None:
    policy = config_data["organization"]["tag_policy"]
    if where == "extra_keys":
        policy["extra_keys"] = [{"key": key}]
    else:
        policy["allowed_values"][key] = ["x"]
    _expect_config_error(config_data, field, words)


def test_allowed_values_for_an_unknown_or_miscapitalised_key(config_data: dict[str, Any]) -> None:
    config_data["organization"]["tag_policy"]["allowed_values"] = {"environment": ["prod"]}
    _expect_rule_error(
        config_data, "organization.tag_policy.allowed_values", "tag 'environment' is not one of"
    )


def test_invalid_tag_value(config_data: dict[str, Any]) -> None:
    config_data["organization"]["tag_policy"]["extra_keys"] = [{"key": "Team", "allowed_values": ["a*b"]}]
    _expect_config_error(
        config_data, "organization.tag_policy.extra_keys[0].allowed_values", "tag value 'a*b'"
    )


def test_kill_switch_without_roles(config_data: dict[str, Any]) -> None:
    config_data["accounts"][0]["features"][1]["kill_switch"] = {"enabled": True}
    _expect_config_error(config_data, "accounts[0].features[1].kill_switch", "role_names")
    data = copy.deepcopy(config_data)
    data["accounts"][0]["features"][1].pop("kill_switch")
    data["accounts"][2]["kill_switch"] = {"enabled": True, "role_names": []}
    _expect_config_error(data, "accounts[2].kill_switch", "role_names")


def test_kill_switch_on_a_feature_without_profile(config_data: dict[str, Any]) -> None:
    config_data["accounts"][0]["features"][0]["kill_switch"] = {"enabled": True, "role_names": ["chat-api"]}
    _expect_rule_error(config_data, "accounts[0].features[0].kill_switch", "needs inference_profile")


def test_kill_switch_on_a_feature_without_profile_fails_synth(
    config_data: dict[str, Any], synth_factory: Callable[[dict[str, Any]], SynthesizedApp]
) -> None:
    config_data["accounts"][1]["features"][2]["kill_switch"] = {"enabled": True, "role_names": ["kb"]}
    with pytest.raises(ConfigError) as info:
        synth_factory(config_data)
    assert info.value.problems[0].startswith("accounts[1].features[2].kill_switch")


def test_profile_tags_must_satisfy_the_tag_policy(config_data: dict[str, Any]) -> None:
    config_data["organization"]["tag_policy"]["allowed_values"]["GenAI:Workload"] = ["support-chat"]
    _expect_rule_error(
        config_data, "accounts[0].features[1].inference_profile", "GenAI:Workload='ticket-summary'"
    )


def test_scp_over_limit(config_data: dict[str, Any]) -> None:
    config_data["organization"]["deny_untagged_inference_profiles"] = True
    config_data["organization"]["tag_policy"]["extra_keys"] = [
        {"key": f"Team-{'x' * 100}-{i}"} for i in range(20)
    ]
    _expect_rule_error(config_data, "organization.deny_untagged_inference_profiles", "at most 5120")


def test_cli_validate_runs_the_billing_checks(
    config_data: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    config_data["accounts"][0]["features"][0]["kill_switch"] = {"enabled": True, "role_names": ["chat-api"]}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(config_data), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert "accounts[0].features[0].kill_switch: needs inference_profile" in capsys.readouterr().err
