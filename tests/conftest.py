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


def synthesize(config_path_or_data: Path | dict[str, Any], outdir: Path) -> SynthesizedApp:
    import aws_cdk as cdk

    from config.loader import load_config, parse_config
    from stacks.app_builder import build_app

    if isinstance(config_path_or_data, Path):
        config = load_config(config_path_or_data)
    else:
        config = parse_config(config_path_or_data)
    from app import cli_equivalent_context

    # cdk.json's feature flags and the CLI's defaults: the templates tests see are the ones that deploy.
    app = cdk.App(outdir=str(outdir), context=cli_equivalent_context())
    stacks = build_app(app, config)
    app.synth()
    return SynthesizedApp(outdir, list(stacks))


@pytest.fixture(scope="session")
def example_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    return synthesize(EXAMPLE, tmp_path_factory.mktemp("cdk-example"))


@pytest.fixture(scope="session")
def synth_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[dict[str, Any]], SynthesizedApp]]:
    def factory(data: dict[str, Any]) -> SynthesizedApp:
        return synthesize(data, tmp_path_factory.mktemp("cdk"))

    yield factory
