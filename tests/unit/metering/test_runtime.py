"""Loading the bundled runtime config and the deploy-time profile mapping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import lambdas
from lambdas.metering.runtime import (
    DEFAULT_RUNTIME_CONFIG_PATH,
    RuntimeConfigError,
    load_runtime_config,
    parse_profile_features,
    runtime_config_path,
)


def test_default_path_is_the_asset_root() -> None:
    assert (
        Path(lambdas.__file__).resolve().parent.parent / "runtime_config.json" == DEFAULT_RUNTIME_CONFIG_PATH
    )
    assert runtime_config_path({}) == DEFAULT_RUNTIME_CONFIG_PATH
    assert runtime_config_path({"GUARDRAILS_RUNTIME_CONFIG": "/x/rc.json"}) == Path("/x/rc.json")


def test_example_prod_runtime_config(runtime_file: Path) -> None:
    rt = load_runtime_config()
    assert (rt.environment, rt.namespace, rt.account) == ("prod", "GenAI/Cost", "prod")
    assert rt.feature_applications["kb-search"] == "knowledge-base"
    assert rt.feature_copy_from == {"ticket-summary": "us.anthropic.claude-haiku-4-5-20251001-v1:0"}
    assert rt.profile_targets() == {"tsprof0a1b2c": "us.anthropic.claude-haiku-4-5-20251001-v1:0"}


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
        ('{"version": 1, "environment": "prod"}', "missing or has a malformed field"),
    ],
)
def test_bad_runtime_config(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "rc.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(RuntimeConfigError, match=message):
        load_runtime_config(path, environ={})
