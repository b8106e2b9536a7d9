"""Fixtures: the example config's prod account as the real runtime contract (core.runtime_config)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from config.loader import load_config, parse_config
from core.runtime_config import RuntimeConfig, build_runtime_config, load_runtime_config
from lambdas.metering import handler
from lambdas.metering.aggregate import Meter
from lambdas.metering.profiles import ProfileResolver
from tests.unit.metering.helpers import TICKET_PROFILE_ID


def _prod_runtime(data: dict[str, Any] | None = None) -> dict[str, Any]:
    config = load_config() if data is None else parse_config(data)
    prod = next(a for a in config.accounts if a.name == "prod")
    data_out: dict[str, Any] = json.loads(build_runtime_config(config, prod).to_json())
    return data_out


@pytest.fixture
def runtime_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """runtime_config.json of the example's prod account, wired through the real env variables."""
    path = tmp_path / "runtime_config.json"
    path.write_text(json.dumps(_prod_runtime()), encoding="utf-8")
    monkeypatch.setenv("GUARDRAILS_RUNTIME_CONFIG", str(path))
    monkeypatch.setenv("GUARDRAILS_PROFILE_FEATURES", json.dumps({TICKET_PROFILE_ID: "ticket-summary"}))
    handler.reset_meter()
    yield path
    handler.reset_meter()


@pytest.fixture
def runtime(runtime_file: Path) -> RuntimeConfig:
    return load_runtime_config()


class FailingFactory:
    """A client factory that must not be used: metering these records needs no AWS call."""

    def __call__(self, region: str) -> Any:
        raise AssertionError(f"unexpected AWS client for {region}")


@pytest.fixture
def make_meter(runtime: RuntimeConfig) -> Callable[..., Meter]:
    def factory(resolver: ProfileResolver | None = None, rt: RuntimeConfig | None = None) -> Meter:
        return Meter.from_runtime(rt or runtime, resolver or ProfileResolver(FailingFactory()))

    return factory


@pytest.fixture
def meter(make_meter: Callable[..., Meter]) -> Meter:
    return make_meter()


@pytest.fixture
def prod_runtime_dict() -> Callable[[dict[str, Any] | None], dict[str, Any]]:
    return _prod_runtime
