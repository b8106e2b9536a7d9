"""The one runtime-config model: written by the stack, read by every Lambda, defaults in one place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import core
from config.loader import load_config
from core.runtime_config import (
    DEFAULT_RUNTIME_CONFIG_PATH,
    DeployEnvironment,
    RuntimeConfig,
    RuntimeConfigError,
    build_runtime_config,
    load_runtime_config,
    parse_profile_features,
    parse_runtime_config,
)

PROFILE_ID = "tsprof0a1b2c"


@pytest.fixture
def prod_file(tmp_path: Path) -> Path:
    config = load_config()
    path = tmp_path / "runtime_config.json"
    path.write_text(build_runtime_config(config, config.account("prod")).to_json(), encoding="utf-8")
    return path


def test_default_path_is_the_asset_root() -> None:
    assert Path(core.__file__).resolve().parent.parent / "runtime_config.json" == DEFAULT_RUNTIME_CONFIG_PATH
    assert DeployEnvironment.from_environ({}).runtime_config_path == DEFAULT_RUNTIME_CONFIG_PATH
    env = DeployEnvironment.from_environ({"GUARDRAILS_RUNTIME_CONFIG": "/x/rc.json"})
    assert env.runtime_config_path == Path("/x/rc.json")


def test_example_prod_runtime_config(prod_file: Path) -> None:
    environ = {"GUARDRAILS_PROFILE_FEATURES": json.dumps({PROFILE_ID: "ticket-summary"})}
    rt = load_runtime_config(prod_file, environ=environ)
    assert (rt.environment, rt.account) == ("prod", "prod")
    assert rt.feature_applications["kb-search"] == "knowledge-base"
    assert rt.feature_copy_from == {"ticket-summary": "us.anthropic.claude-haiku-4-5-20251001-v1:0"}
    assert rt.profile_targets() == {PROFILE_ID: "us.anthropic.claude-haiku-4-5-20251001-v1:0"}
    assert rt.evaluator.alarm_name_prefix == "GenAiGuardrails-prod-"
    assert [a.percent for a in rt.evaluator.notify_at] == [50, 80, 100, 100]


def test_the_file_round_trips_exactly(prod_file: Path) -> None:
    """Decimals travel as strings; what the stack writes is what every Lambda reads, byte for byte."""
    text = prod_file.read_text(encoding="utf-8")
    rt = parse_runtime_config(json.loads(text))
    assert rt.to_json() == text
    assert json.loads(text)["features"][0]["monthly_budget_usd"] == "6000"
    assert "profile_features" not in json.loads(text)  # deploy-time only


def test_defaults_live_in_the_model() -> None:
    rt = RuntimeConfig(account="a", environment="e")
    assert rt.pricing.discount_percent == 0 and rt.pricing.overrides == ()
    assert rt.evaluator.notify_at == () and rt.features == ()
    env = DeployEnvironment.from_environ({})
    assert env.price_key == "price-catalog/current.json" and env.price_schedule_days == 7
    with pytest.raises(RuntimeConfigError, match="lacks topic_arn"):
        env.require("topic_arn")


def test_profile_features_env() -> None:
    arn = "arn:aws:bedrock:us-east-1:222222222222:application-inference-profile/abc123"
    assert parse_profile_features(json.dumps({arn: "f", "def456": "g"})) == {"abc123": "f", "def456": "g"}
    assert parse_profile_features("") == {}
    with pytest.raises(RuntimeConfigError, match="not JSON"):
        parse_profile_features("{nope")
    with pytest.raises(RuntimeConfigError, match="object of strings"):
        parse_profile_features('{"a": 1}')


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("not json", "cannot read"),
        ("[]", "not a JSON object"),
        ('{"version": 2}', "version 2"),
        ('{"version": 1, "environment": "prod"}', "account: Field required"),
        ('{"version": 1, "account": "a", "environment": "e", "extra": 1}', "extra: Extra inputs"),
    ],
)
def test_bad_runtime_config(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "rc.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(RuntimeConfigError, match=message):
        load_runtime_config(path, environ={})
