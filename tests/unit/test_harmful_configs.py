"""Configs that would harm an account are refused by `validate`, with the field and the fix, never a
traceback; hostile files cost bounded time and memory."""

from __future__ import annotations

import copy
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.loader import ConfigError, check_rules, load_config, parse_config
from config.yaml_reader import MAX_EXPANDED_NODES, expanded_size

ROOT = Path(__file__).resolve().parents[2]


def _problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        check_rules(parse_config(data))
    return info.value.problems


def test_the_tag_policy_enforces_on_profiles_only_by_default(config_data: dict[str, Any]) -> None:
    config = parse_config(config_data)
    assert config.organization.tag_policy.enforced_for == ["bedrock:application-inference-profile"]


@pytest.mark.parametrize(
    ("key", "values", "missing"),
    [
        ("Environment", ["prod", "staging", "sandbox"], "'management'"),
        ("Environment", ["prod", "management"], "'staging', 'sandbox'"),
        ("Application", ["customer-support", "knowledge-base"], "'genai-cost-guardrails'"),
        ("GenAI:Workload", ["support-chat", "ticket-summary"], "'genai-cost-guardrails'"),
    ],
)
def test_allowed_values_that_would_block_the_apps_own_tags_are_refused(
    config_data: dict[str, Any], key: str, values: list[str], missing: str
) -> None:
    config_data["organization"]["tag_policy"]["allowed_values"] = {key: values}
    problems = _problems(config_data)
    assert any(
        p.startswith(f"organization.tag_policy.allowed_values.{key}: must include {missing}")
        for p in problems
    ), problems


def test_monitoring_stack_environment_must_be_allowed(config_data: dict[str, Any]) -> None:
    config_data["organization"]["monitoring_account_id"] = "555555555555"
    assert any("'monitoring'" in p for p in _problems(config_data))
    config_data["organization"]["tag_policy"]["allowed_values"]["Environment"].append("monitoring")
    check_rules(parse_config(config_data))


def test_account_tags_must_satisfy_the_policy(config_data: dict[str, Any]) -> None:
    config_data["organization"]["tag_policy"]["extra_keys"] = [
        {"key": "CostCenter", "allowed_values": ["cc-1", "cc-2"]}
    ]
    config_data["accounts"][0]["tags"] = {"CostCenter": "cc-9"}
    (problem,) = _problems(config_data)
    assert problem.startswith("accounts[0].tags.CostCenter: 'cc-9' is not an allowed value")


def test_an_account_with_too_many_applications_is_a_clear_error(config_data: dict[str, Any]) -> None:
    features = config_data["accounts"][0]["features"]
    template = copy.deepcopy(features[2])
    for i in range(10):
        features.append({**template, "name": f"extra-{i}", "application": f"app-{i}"})
    problems = _problems(config_data)
    assert any(p.startswith("accounts[0]: ") and "at most 9 applications" in p for p in problems), problems


def _load(tmp_path: Path, content: bytes) -> ConfigError:
    path = tmp_path / "config.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(path) in str(info.value)
    return info.value


def test_non_utf8_file(tmp_path: Path) -> None:
    error = _load(tmp_path, "organization:\n  note: caf\u00e9\n".encode("latin-1"))
    assert error.problems == ["line 2: the file is not UTF-8 text (byte 0xe9 at offset 25); save it as UTF-8"]


def test_duplicate_keys_are_refused_with_both_lines(tmp_path: Path) -> None:
    text = (ROOT / "config" / "example.yaml").read_text(encoding="utf-8")
    text = text.replace("accounts:\n", "notifications: {emails: []}\naccounts:\n", 1)
    (problem,) = _load(tmp_path, text.encode()).problems
    assert "key 'notifications' is repeated (first at line" in problem and problem.startswith("line ")


def test_yaml_merge_keys_still_work(tmp_path: Path, example_data: dict[str, Any]) -> None:
    data = copy.deepcopy(example_data)
    text = yaml.safe_dump(data, sort_keys=False)
    text = text.replace("organization:\n", "defaults: &budget {daily_budget_usd: 5}\norganization:\n", 1)
    path = tmp_path / "anchors.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="defaults: unknown key"):  # the schema, not the reader, objects
        load_config(path)


def _bomb(levels: int) -> bytes:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    return ("\n".join(lines) + "\n").encode()


def test_an_alias_bomb_is_refused_in_bounded_time_and_memory(tmp_path: Path) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    error = _load(tmp_path, _bomb(12))  # 10^12 values once expanded
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "expands to more than" in error.problems[0] and "alias" in error.problems[0]
    assert elapsed < 2 and peak < 20_000_000


def test_expanded_size_counts_every_reference() -> None:
    root = yaml.compose(_bomb(3).decode())
    assert root is not None
    # a0: 1 + 10; a1: 1 + 10 x 11; a2: 1 + 10 x 111; plus the three keys and the mapping itself
    assert expanded_size(root) == 1 + 3 + 11 + 111 + 1111
    assert expanded_size(yaml.compose(_bomb(7).decode())) > MAX_EXPANDED_NODES  # type: ignore[arg-type]


def test_a_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    error = _load(tmp_path, b"x: " + b"a" * 5_000_001)
    assert error.problems[0].startswith("the file is 5,000,004 bytes")


def test_validate_prints_the_problem_and_no_traceback(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(_bomb(12))
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "validate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: {path}: invalid configuration (1 problem(s)):")
    assert "Traceback" not in result.stderr
