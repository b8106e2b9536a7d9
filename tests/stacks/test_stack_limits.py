"""The CDK-free stack plan that `validate` checks agrees with what synth builds: resources exactly, template
size from above. A construct that adds resources without updating config/stack_limits.py fails here."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from config.loader import ConfigError, check_rules, parse_config
from config.stack_limits import MAX_RESOURCES, MAX_TEMPLATE_BYTES, account_layout, account_stack_plan
from core.config_model import ONE_TEMPLATE_MAX_FEATURES
from core.naming import account_stack_name, dashboard_name
from stacks.layout_guard import GUARD_TYPE
from tests.conftest import SynthesizedApp, many_features


def _agrees(data: dict[str, Any], app: SynthesizedApp) -> None:
    config = parse_config(data)
    for account in config.accounts:
        name = account_stack_name(account.name)
        plan = account_stack_plan(config, account, name)
        template = app.templates[name]
        assert plan.resource_count == len(template["Resources"]), (name, plan.resources)
        size = len(json.dumps(template))
        assert size <= plan.template_bytes <= 1.6 * size, (name, size, plan.template_bytes)


def test_plan_matches_the_example_stacks(example_data: dict[str, Any], example_app: SynthesizedApp) -> None:
    _agrees(example_data, example_app)


def everything_on(example_data: dict[str, Any], features: int) -> dict[str, Any]:
    data = copy.deepcopy(example_data)
    data["notifications"]["slack"] = {"workspace_id": "T0123456789", "channel_id": "C0123456789"}
    prod = data["accounts"][0]
    prod["price_refresh"] = {"enabled": True}
    prod["tags"] = {"CostCenter": "cc-1234", "Owner": "platform-team"}
    prod["kill_switch"] = {"enabled": True, "role_names": ["bedrock-apps"]}
    prod["features"][1]["kill_switch"] = {"enabled": True, "role_names": ["batch-jobs"]}
    data["accounts"][2]["invocation_logging"] = {"mode": "existing"}  # the log group looked up at deploy
    prod["features"] += [
        {
            "name": f"extra-{i:03d}",
            "application": f"app-{i % 4}",
            "monthly_budget_usd": 100,
            "daily_budget_usd": 10,
            "hourly_limit_usd": 1,
            **({"inference_profile": {"copy_from": "amazon.nova-micro-v1:0"}} if i % 5 == 0 else {}),
        }
        for i in range(features)
    ]
    return data


def test_plan_matches_a_stack_with_every_option_on(
    example_data: dict[str, Any], synth_factory: Callable[[dict[str, Any]], SynthesizedApp]
) -> None:
    data = everything_on(example_data, 30)
    _agrees(data, synth_factory(data))


def test_an_account_past_one_template_splits_instead_of_failing(example_data: dict[str, Any]) -> None:
    config = check_rules(parse_config(everything_on(example_data, 130)))
    layout = account_layout(config, config.accounts[0])
    assert layout.split and not layout.problems
    assert {u.id for u in layout.units} >= {"App-app-0", "App-customer-support", "Dashboards"}


def test_two_hundred_features_fit_in_nested_templates_as_planned(
    big_account_data: dict[str, Any], big_account_app: SynthesizedApp
) -> None:
    """Every template, nested ones included, within 500 resources and 1 MB; the plan `validate` checks
    is exactly what synth wrote (nested templates byte for byte, the parent's resources exactly)."""
    config = check_rules(parse_config(big_account_data))
    account = config.accounts[0]
    layout = account_layout(config, account)
    assert layout.split
    name = account_stack_name(account.name)
    parent = big_account_app.templates[name]
    assert len(parent["Resources"]) == layout.parent.resource_count <= MAX_RESOURCES
    assert len(json.dumps(parent)) <= layout.parent.template_bytes <= MAX_TEMPLATE_BYTES
    nested = big_account_app.nested(name)
    assert sorted(nested) == sorted(u.id for u in layout.units)
    for unit in layout.units:
        assert nested[unit.id] == unit.template, unit.id
        assert unit.resource_count <= MAX_RESOURCES and unit.template_bytes <= MAX_TEMPLATE_BYTES
    stacks = big_account_app.resources(name, "AWS::CloudFormation::Stack")
    assert len(stacks) == len(layout.units)
    # Every alarm and dashboard is somewhere, exactly once, under its public name.
    names = [
        r["Properties"].get("AlarmName") or r["Properties"].get("DashboardName")
        for t in [parent, *nested.values()]
        for r in t["Resources"].values()
        if r["Type"].startswith("AWS::CloudWatch::")
    ]
    expected = layout.alarm_set.names() + [d.name for d in layout.dashboards]
    assert sorted(n for n in names if isinstance(n, str)) == sorted(expected)
    health = [a.name for a in layout.alarm_set.alarms if a.feature is None] + [
        h.name for h in layout.alarm_set.service_health
    ]
    assert {
        r["Properties"]["AlarmName"]
        for r in parent["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    } == set(health)


@pytest.mark.parametrize(
    ("features", "stack_layout", "split"),
    [
        (ONE_TEMPLATE_MAX_FEATURES, None, False),
        (ONE_TEMPLATE_MAX_FEATURES + 1, None, True),
        (ONE_TEMPLATE_MAX_FEATURES + 10, "single", False),
        (3, "nested", True),
    ],
)
def test_where_an_account_goes_by_layout_and_size(
    example_data: dict[str, Any], features: int, stack_layout: str | None, split: bool
) -> None:
    data = many_features(example_data, features)
    if stack_layout is not None:
        data["accounts"][0]["stack_layout"] = stack_layout
    config = check_rules(parse_config(data))
    layout = account_layout(config, config.accounts[0])
    assert (layout.split, layout.problems) == (split, ())


def test_single_past_one_template_fails_validate_saying_what_fits(example_data: dict[str, Any]) -> None:
    data = many_features(example_data, 200)
    data["accounts"][0]["stack_layout"] = "single"
    with pytest.raises(ConfigError) as info:
        check_rules(parse_config(data))
    (problem,) = info.value.problems
    assert problem.startswith("accounts[0].features: stack_layout single: 200 features need ")
    assert "500 resources" in problem and "stack_layout auto" in problem


def test_a_unit_that_still_exceeds_fails_validate_naming_the_field(example_data: dict[str, Any]) -> None:
    """Inference profiles, budgets and kill switches stay in the account's own template (their ARNs are
    what applications call): 200 kill switches cannot fit it, and validate says so before synth."""
    data = many_features(example_data, 200)
    for feature in data["accounts"][0]["features"]:
        feature["inference_profile"] = {"copy_from": "amazon.nova-micro-v1:0"}
        feature["kill_switch"] = {"enabled": True, "role_names": ["apps"]}
    with pytest.raises(ConfigError) as info:
        check_rules(parse_config(data))
    (problem,) = info.value.problems
    assert problem.startswith("accounts[0].features: 200 features leave ")
    assert "GenAiGuardrails-prod's own template" in problem and "kill switches 600" in problem


def test_stack_layout_nested_nests_a_small_account_and_its_dashboards_read_the_metered_log_group(
    example_data: dict[str, Any],
    example_app: SynthesizedApp,
    synth_factory: Callable[[dict[str, Any]], SynthesizedApp],
) -> None:
    """`stack_layout: nested` on an account that fits one template: same alarms and dashboards, under the
    same names, in nested templates; the dashboards query the log group the metering actually reads (with
    `mode: create`, the logging custom resource's answer, known only at deploy time)."""
    data = copy.deepcopy(example_data)
    staging = next(a for a in data["accounts"] if a["name"] == "staging")
    assert staging["invocation_logging"]["mode"] == "create"
    staging["stack_layout"] = "nested"
    config = check_rules(parse_config(data))
    layout = account_layout(config, config.account("staging"))
    assert layout.split and not layout.problems
    app = synth_factory(data)
    name = account_stack_name("staging")
    parent, nested = app.templates[name], app.nested(name)
    single = example_app.templates[name]

    def cloudwatch_names(templates: list[dict[str, Any]]) -> list[str]:
        return sorted(
            r["Properties"].get("AlarmName") or r["Properties"]["DashboardName"]
            for t in templates
            for r in t["Resources"].values()
            if r["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::Dashboard")
        )

    assert cloudwatch_names([parent, *nested.values()]) == cloudwatch_names([single])
    assert not [r for r in parent["Resources"].values() if r["Type"] == "AWS::CloudWatch::Dashboard"]
    # The layout guard holds the logical id of the one-template account dashboard with another type:
    # CloudFormation refuses a change set that changes a type: neither layout deploys over the other.
    (account_dashboard,) = [
        logical_id
        for logical_id, r in single["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Dashboard"
        and r["Properties"]["DashboardName"] == dashboard_name("staging")
    ]
    assert parent["Resources"][account_dashboard]["Type"] == GUARD_TYPE
    assert [k for k, r in parent["Resources"].items() if r["Type"] == GUARD_TYPE] == [account_dashboard]
    # Where the one-template stack's dashboard body has the metered group, the parent passes the same value.
    in_single = [
        part
        for r in single["Resources"].values()
        if r["Type"] == "AWS::CloudWatch::Dashboard" and isinstance(r["Properties"]["DashboardBody"], dict)
        for part in r["Properties"]["DashboardBody"]["Fn::Join"][1]
        if isinstance(part, dict)
    ]
    assert in_single and all(part == in_single[0] for part in in_single)
    passed = [
        r["Properties"]["Parameters"]["InvocationLogGroupName"]
        for r in parent["Resources"].values()
        if r["Type"] == "AWS::CloudFormation::Stack"
        and "InvocationLogGroupName" in r["Properties"].get("Parameters", {})
    ]
    assert passed == [in_single[0]]
    readers = [u for u in nested.values() if "InvocationLogGroupName" in u.get("Parameters", {})]
    assert len(readers) == 1
    assert "{{" not in json.dumps(readers[0])  # no placeholder left in any body
