"""The CDK-free stack plan that `validate` checks agrees with what synth builds: resources exactly, template
size from above. A construct that adds resources without updating config/stack_limits.py fails here."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from config.loader import ConfigError, check_rules, parse_config
from config.stack_limits import MAX_RESOURCES, account_stack_plan
from core.naming import account_stack_name
from tests.conftest import SynthesizedApp


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


def test_too_many_features_fail_validate_with_the_field_and_the_count(example_data: dict[str, Any]) -> None:
    data = everything_on(example_data, 85)
    for feature in data["accounts"][0]["features"][5:]:  # a profile, its budget and three alarms each
        feature["inference_profile"] = {"copy_from": "amazon.nova-micro-v1:0"}
        feature["alarms"] = {"tokens_per_request_max": 1000}
    with pytest.raises(ConfigError) as info:
        check_rules(parse_config(data))
    (problem,) = info.value.problems
    assert problem.startswith("accounts[0].features: 90 features need ")
    assert f"CloudFormation allows {MAX_RESOURCES} per stack" in problem


def test_more_features_than_the_dashboards_hold_is_a_config_error(example_data: dict[str, Any]) -> None:
    """With two alarms per feature the dashboards' 100 metrics per widget bind first (about 100 features):
    a clear problem naming the field, not a traceback."""
    data = copy.deepcopy(example_data)
    prod = data["accounts"][0]
    prod["features"] = [
        {
            "name": f"f-{i:03d}",
            "application": f"app-{i % 3}",
            "monthly_budget_usd": 100,
            "daily_budget_usd": 10,
            "hourly_limit_usd": 1,
        }
        for i in range(110)
    ]
    with pytest.raises(ConfigError) as info:
        check_rules(parse_config(data))
    (problem,) = info.value.problems
    assert problem.startswith("accounts[0].features: 110 features do not fit the account's dashboards: ")
