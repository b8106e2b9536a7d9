"""Every validation rule of the config, each with a failing config whose message names the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from config.loader import ConfigError, field_path, load_config, parse_config
from core.config_model import GuardrailsConfig

Mutation = Callable[[dict[str, Any]], None]


def _feature(data: dict[str, Any], account: int = 0, feature: int = 0) -> dict[str, Any]:
    result: dict[str, Any] = data["accounts"][account]["features"][feature]
    return result


def _set(path: str, value: Any) -> Mutation:
    """_set('accounts.1.region', 'x'): dotted path with list indexes."""

    def mutate(data: dict[str, Any]) -> None:
        node: Any = data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
        last = parts[-1]
        node[int(last) if last.isdigit() else last] = value

    return mutate


CASES: list[tuple[str, Mutation, str, str]] = [
    (
        "account id not 12 digits",
        _set("accounts.1.account_id", "12345"),
        "accounts[1].account_id",
        "12-digit",
    ),
    ("account id unquoted", _set("accounts.0.account_id", 222222222222), "accounts[0].account_id", "quoted"),
    (
        "management id",
        _set("organization.management_account_id", "abc"),
        "organization.management_account_id",
        "12-digit",
    ),
    ("unknown region", _set("accounts.2.region", "eu-westeros-1"), "accounts[2].region", "not an AWS region"),
    ("org region", _set("organization.region", "mars-1"), "organization.region", "not an AWS region"),
    (
        "duplicate feature",
        lambda d: d["accounts"][0]["features"].append(dict(_feature(d))),
        "accounts[0].features",
        "repeated: support-chat",
    ),
    (
        "reserved feature name",
        _set("accounts.0.features.0.name", "unattributed"),
        "accounts[0].features",
        "reserved",
    ),
    ("duplicate account name", _set("accounts.1.name", "prod"), "accounts", "repeated: prod"),
    (
        "duplicate account id",
        _set("accounts.1.account_id", "222222222222"),
        "accounts",
        "repeated: 222222222222",
    ),
    (
        "bad feature name",
        _set("accounts.0.features.1.name", "Ticket Summary!"),
        "accounts[0].features[1].name",
        "pattern",
    ),
    (
        "negative feature budget",
        _set("accounts.1.features.0.monthly_budget_usd", -5),
        "accounts[1].features[0].monthly_budget_usd",
        "greater than 0",
    ),
    (
        "zero account budget",
        _set("accounts.0.monthly_budget_usd", 0),
        "accounts[0].monthly_budget_usd",
        "greater than 0",
    ),
    (
        "zero hourly limit",
        _set("accounts.0.features.0.hourly_limit_usd", 0),
        "accounts[0].features[0].hourly_limit_usd",
        "greater than 0",
    ),
    (
        "daily above monthly",
        _set("accounts.0.features.0.daily_budget_usd", 999999),
        "accounts[0].features[0]",
        "daily_budget_usd must not exceed",
    ),
    (
        "threshold zero",
        _set("accounts.0.budget_alerts.0.percent", 0),
        "accounts[0].budget_alerts[0].percent",
        "greater than 0",
    ),
    (
        "threshold over 1000",
        _set("accounts.0.budget_alerts.1.percent", 1001),
        "accounts[0].budget_alerts[1].percent",
        "less than or equal to 1000",
    ),
    (
        "alert type",
        _set("accounts.0.budget_alerts.0.type", "predicted"),
        "accounts[0].budget_alerts[0].type",
        "'actual' or 'forecasted'",
    ),
    (
        "too many notifications",
        _set("accounts.0.budget_alerts", [{"percent": p, "type": "actual"} for p in range(10, 120, 10)]),
        "accounts[0].budget_alerts",
        "at most 10 notifications",
    ),
    (
        "repeated notification",
        _set("accounts.0.budget_alerts", [{"percent": 50, "type": "actual"}] * 2),
        "accounts[0].budget_alerts",
        "must not repeat",
    ),
    (
        "too many emails",
        _set("notifications.emails", [f"u{i}@example.com" for i in range(11)]),
        "notifications.emails",
        "at most 10 email subscribers",
    ),
    (
        "bad email",
        _set("notifications.emails", ["finops-at-example.com"]),
        "notifications.emails[0]",
        "pattern",
    ),
    (
        "unknown top-level key",
        _set("notificatons", {}),
        "notificatons",
        "unknown key; allowed keys here: organization",
    ),
    (
        "unknown feature key",
        _set("accounts.0.features.0.budget", 5),
        "accounts[0].features[0].budget",
        "allowed keys here: name, application, match",
    ),
    (
        "missing field",
        lambda d: _feature(d).pop("application"),
        "accounts[0].features[0].application",
        "required field is missing",
    ),
    (
        "tag key aws: prefix",
        _set("accounts.0.tags", {"aws:owner": "x"}),
        "accounts[0].tags",
        "must not start with 'aws:'",
    ),
    ("tag key chars", _set("accounts.0.tags", {"cost center!": "x"}), "accounts[0].tags", "may contain only"),
    ("tag value chars", _set("accounts.0.tags", {"CostCenter": "a|b"}), "accounts[0].tags", "tag value"),
    (
        "tag value too long",
        _set("organization.tag_policy.allowed_values", {"Environment": ["x" * 257]}),
        "organization.tag_policy.allowed_values",
        "at most 256",
    ),
    (
        "extra tag key",
        _set("organization.tag_policy.extra_keys", [{"key": "aws:team"}]),
        "organization.tag_policy.extra_keys[0].key",
        "aws:",
    ),
    (
        "kill switch without roles",
        _set("accounts.0.features.0.kill_switch", {"enabled": True}),
        "accounts[0].features[0].kill_switch",
        "role_names",
    ),
    (
        "retention",
        _set("accounts.1.invocation_logging.retention_days", 10),
        "accounts[1].invocation_logging.retention_days",
        "not a CloudWatch Logs retention",
    ),
    ("bad OU", _set("organization.target_ous", ["ou-1"]), "organization.target_ous", "not an OU id"),
    (
        "bool as string",
        _set("organization.activate_cost_allocation_tags", "yes"),
        "organization.activate_cost_allocation_tags",
        "valid boolean",
    ),
    ("no accounts", _set("accounts", []), "accounts", "at least 1"),
    (
        "discount 100",
        _set("accounts.0.pricing.discount_percent", 100),
        "accounts[0].pricing.discount_percent",
        "less than 100",
    ),
]


@pytest.mark.parametrize(("case", "mutate", "field", "rule"), CASES, ids=[c[0] for c in CASES])
def test_bad_config_names_field_and_rule(
    config_data: dict[str, Any], case: str, mutate: Mutation, field: str, rule: str
) -> None:
    mutate(config_data)
    with pytest.raises(ConfigError) as info:
        parse_config(config_data, "my.yaml")
    message = str(info.value)
    assert message.startswith("my.yaml: invalid configuration")
    assert f"  - {field}" in message, message
    assert rule in message, message


def test_example_config_is_valid_and_matches_the_issue() -> None:
    config = load_config()
    assert isinstance(config, GuardrailsConfig)
    assert [a.name for a in config.accounts] == ["prod", "staging", "sandbox"]
    assert len({a.region for a in config.accounts}) == 2
    features = {f.name for a in config.accounts for f in a.features}
    assert len(features) == 5
    assert {f.application for a in config.accounts for f in a.features} == {
        "customer-support",
        "knowledge-base",
    }
    assert all(e.endswith("@example.com") for e in config.notifications.emails)


def test_defaults_are_applied(config_data: dict[str, Any]) -> None:
    config = parse_config(config_data)
    staging = config.account("staging")
    assert [(a.percent, a.type) for a in staging.budget_alerts] == [
        (50, "actual"),
        (80, "actual"),
        (100, "actual"),
        (100, "forecasted"),
    ]
    assert staging.features[0].metadata_match == {"feature": "support-chat"}
    assert config.account("prod").invocation_logging.retention_days == 30


def test_every_problem_is_reported_at_once(config_data: dict[str, Any]) -> None:
    config_data["accounts"][0]["region"] = "nowhere-1"
    config_data["accounts"][1]["monthly_budget_usd"] = -1
    with pytest.raises(ConfigError) as info:
        parse_config(config_data)
    assert len(info.value.problems) == 2


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("organization:\n  management_account_id: '111111111111'\naccounts: [\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    assert str(bad) in str(info.value) and "line " in str(info.value) and "not valid YAML" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the file"):
        load_config(tmp_path / "absent.yaml")


def test_top_level_must_be_mapping() -> None:
    with pytest.raises(ConfigError, match="must be a YAML mapping"):
        parse_config(["a"], "list.yaml")


@pytest.mark.parametrize(
    ("loc", "expected"),
    [
        (("accounts", 1, "features", 0, "monthly_budget_usd"), "accounts[1].features[0].monthly_budget_usd"),
        ((), "(top level)"),
    ],
)
def test_field_path(loc: tuple[int | str, ...], expected: str) -> None:
    assert field_path(loc) == expected
