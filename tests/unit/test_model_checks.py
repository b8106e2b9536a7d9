"""Model ids in config: unknown ids are validate errors naming the closest known ids; a known model with no
price in the account's Region is a warning that does not fail validate."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.main import main as cli_main
from config.loader import ConfigError, check_rules, parse_config
from config.model_checks import model_id_errors, model_id_warnings
from lambdas.pricing.catalog import PriceCatalog
from lambdas.pricing.known_models import check_model_id, closest_model_ids, normalised, priced_in_region

ROOT = Path(__file__).resolve().parents[2]
SONNET45 = "anthropic.claude-sonnet-4-5-20250929-v1:0"


@pytest.fixture
def data() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "config" / "example.yaml").read_text(encoding="utf-8"))
    return copy.deepcopy(loaded)


# ---- the pure functions (lambdas/pricing/known_models.py) ------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected_first"),
    [
        ("claude-sonnet-4.5", SONNET45),
        ("anthropic.claude-sonnet-4.5", SONNET45),
        ("anthropic.claude-haiku-4-5", "anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("nova-micro", "amazon.nova-micro-v1:0"),
        ("meta.llama3-1-70b", "meta.llama3-1-70b-instruct-v1:0"),
    ],
)
def test_a_typo_is_unknown_and_names_the_model_meant_first(typed: str, expected_first: str) -> None:
    check = check_model_id(typed)
    assert not check.known and check.problem
    assert check.closest[0] == expected_first


def test_profile_ids_and_arns_are_known_by_their_base_model() -> None:
    for given, scope in [
        (f"us.{SONNET45}", "geo"),
        ("global.anthropic.claude-opus-4-7", "global"),
        (f"arn:aws:bedrock:us-east-1::foundation-model/{SONNET45}", "in_region"),
    ]:
        check = check_model_id(given)
        assert (check.known, check.scope, check.closest) == (True, scope, ())


def test_a_model_that_does_not_exist_has_no_close_match() -> None:
    check = check_model_id("acme.teleport-xl-v9:0")
    assert not check.known and check.closest == ()


def test_normalised_ids_drop_provider_date_and_version() -> None:
    assert normalised(SONNET45) == "claude-sonnet-4-5"
    assert normalised("Claude Sonnet 4.5") == "claude-sonnet-4-5"
    assert closest_model_ids("claude sonnet 4.5", PriceCatalog.load())[0] == SONNET45


def test_priced_in_region_follows_scope_and_region() -> None:
    nova = "amazon.nova-micro-v1:0"
    assert priced_in_region(nova, "us-east-1")
    # eu-central-1 prices only eu. profile calls (LiteLLM's eu. price); no in-Region price there.
    assert priced_in_region(f"eu.{nova}", "eu-central-1", scope="geo")
    assert not priced_in_region(nova, "eu-central-1", scope="in_region")
    # Sold in ap-northeast-1 (AWS docs) but no public price for that source Region.
    assert not priced_in_region(f"apac.{nova}", "ap-northeast-1")
    assert not priced_in_region("acme.teleport-xl-v9:0", "us-east-1")


# ---- config validation -----------------------------------------------------------------------------


def test_a_premium_model_typo_is_an_error_naming_the_closest_ids(data: dict[str, Any]) -> None:
    data["accounts"][0]["pricing"]["premium_models"] = ["claude-sonnet-4.5"]
    with pytest.raises(ConfigError) as exc:
        check_rules(parse_config(data))
    (problem,) = exc.value.problems
    assert problem.startswith("accounts[0].pricing.premium_models[0]: ")
    assert f"closest known: {SONNET45}" in problem and "'claude-sonnet-4.5'" in problem


def test_a_copy_from_that_does_not_exist_is_an_error(data: dict[str, Any]) -> None:
    data["accounts"][0]["features"][0]["inference_profile"] = {"copy_from": "us.anthropic.claude-opus-9-v1:0"}
    with pytest.raises(ConfigError) as exc:
        check_rules(parse_config(data))
    assert any(
        "features[0].inference_profile.copy_from" in p and "anthropic.claude-opus" in p
        for p in exc.value.problems
    )


def test_an_override_for_an_unknown_model_needs_add_model(data: dict[str, Any]) -> None:
    override: dict[str, Any] = {
        "model_id": "amazon.nova-2-pro-preview-20251202-v1:0",
        "input_per_million": "2.2",
        "output_per_million": "17.5",
    }
    data["accounts"][0]["pricing"]["overrides"] = [override]
    with pytest.raises(ConfigError) as exc:
        check_rules(parse_config(data))
    assert (
        "pricing.overrides[0].model_id" in exc.value.problems[0]
        and "add_model: true" in exc.value.problems[0]
    )
    override["add_model"] = True
    config = parse_config(data)
    # ... and the added model is then known to the rest of the account (premium_models may name it).
    data["accounts"][0]["pricing"]["premium_models"] = ["amazon.nova-2-pro-preview-20251202-v1:0"]
    assert model_id_errors(parse_config(data)) == [] and model_id_errors(config) == []


def test_a_model_sold_but_unpriced_in_the_accounts_region_is_a_warning(data: dict[str, Any]) -> None:
    account = data["accounts"][2]
    account["region"] = "ap-northeast-1"
    account["pricing"] = {"premium_models": ["amazon.nova-pro-v1:0"]}  # priced in ap-northeast-1
    account["features"][0]["inference_profile"] = {"copy_from": "apac.amazon.nova-micro-v1:0"}
    config = parse_config(data)
    (warning,) = model_id_warnings(config)
    assert warning.startswith(
        "accounts[2].features[0].inference_profile.copy_from: apac.amazon.nova-micro-v1:0"
    )
    assert "no price in ap-northeast-1 for geo calls" in warning and "unpriced" in warning
    # An override for that Region removes the warning.
    account["pricing"]["overrides"] = [
        {
            "model_id": "amazon.nova-micro-v1:0",
            "region": "ap-northeast-1",
            "input_per_million": "0.042",
            "output_per_million": "0.168",
        }
    ]
    assert model_id_warnings(parse_config(data)) == []


def test_validate_prints_warnings_on_stderr_and_succeeds(
    data: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data["accounts"][2]["region"] = "ap-northeast-1"
    data["accounts"][2]["features"][0]["inference_profile"] = {"copy_from": "apac.amazon.nova-micro-v1:0"}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert cli_main(["validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "valid" in out and "warning:" in err and "apac.amazon.nova-micro-v1:0" in err


def test_validate_fails_on_an_unknown_id_without_a_traceback(
    data: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data["accounts"][0]["pricing"]["premium_models"] = ["anthropic.claude-sonet-4-5-20250929-v1:0"]
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert cli_main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "premium_models[0]" in err and SONNET45 in err and "Traceback" not in err
