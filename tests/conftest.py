"""Shared fixtures. Synthesis is slow (jsii), so the example app is synthesized once per session."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "config" / "example.yaml"

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "1")


@pytest.fixture(scope="session")
def example_data() -> dict[str, Any]:
    """The example config as plain data; copy it before changing it."""
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return data


@pytest.fixture
def config_data(example_data: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(example_data)


class SynthesizedApp:
    """Templates of one synthesized app, by stack name."""

    def __init__(self, outdir: Path, stack_names: list[str]) -> None:
        self.outdir = outdir
        self.templates: dict[str, dict[str, Any]] = {
            name: json.loads((outdir / f"{name}.template.json").read_text(encoding="utf-8"))
            for name in stack_names
        }

    def resources(self, stack: str, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.templates[stack]["Resources"].items() if v["Type"] == resource_type}

    def nested(self, stack: str) -> dict[str, dict[str, Any]]:
        """The nested templates of `stack`, by the construct id of their unit (from the asset manifest)."""
        manifest = json.loads((self.outdir / f"{stack}.assets.json").read_text(encoding="utf-8"))
        out: dict[str, dict[str, Any]] = {}
        for asset in manifest.get("files", {}).values():
            path = asset["source"]["path"]
            if path.endswith(".nested.template.json") and path.startswith(f"{stack}."):
                unit = path.removeprefix(f"{stack}.").rsplit(".", 4)[0]
                out[unit] = json.loads((self.outdir / path).read_text(encoding="utf-8"))
        return out


def synthesize(config_path_or_data: Path | dict[str, Any], outdir: Path) -> SynthesizedApp:
    from config.loader import check_rules, load_config, parse_config
    from stacks.app_builder import build_app, new_app

    if isinstance(config_path_or_data, Path):
        config = load_config(config_path_or_data)
    else:
        config = check_rules(parse_config(config_path_or_data))
    app = new_app(outdir=str(outdir))
    stacks = build_app(app, config)
    app.synth()
    return SynthesizedApp(outdir, list(stacks))


@pytest.fixture(scope="session")
def example_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    return synthesize(EXAMPLE, tmp_path_factory.mktemp("cdk-example"))


def many_features(example_data: dict[str, Any], features: int, applications: int = 8) -> dict[str, Any]:
    """The example with its prod account alone, holding `features` generated features in `applications`
    applications (every fifth with an application inference profile)."""
    data = copy.deepcopy(example_data)
    account = data["accounts"][0]
    account["features"] = [
        {
            "name": f"feature-{i:03d}",
            "application": f"app-{i % applications}",
            "monthly_budget_usd": 100,
            "daily_budget_usd": 10,
            "hourly_limit_usd": 1,
            **({"inference_profile": {"copy_from": "amazon.nova-micro-v1:0"}} if i % 5 == 0 else {}),
        }
        for i in range(features)
    ]
    data["accounts"] = [account]
    return data


@pytest.fixture(scope="session")
def big_account_data(example_data: dict[str, Any]) -> dict[str, Any]:
    return many_features(example_data, 200)


@pytest.fixture(scope="session")
def big_account_app(
    big_account_data: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> SynthesizedApp:
    """One account with 200 features in 8 applications, synthesized once per session."""
    return synthesize(big_account_data, tmp_path_factory.mktemp("cdk-200"))


@pytest.fixture(scope="session")
def synth_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[dict[str, Any]], SynthesizedApp]]:
    def factory(data: dict[str, Any]) -> SynthesizedApp:
        return synthesize(data, tmp_path_factory.mktemp("cdk"))

    yield factory


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--snapshot-update",
        action="store_true",
        default=False,
        help="rewrite tests/snapshots from the synthesized example stacks (make snapshots)",
    )
