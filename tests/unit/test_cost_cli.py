"""`genai-guardrails cost`: every line of what a config deploys, priced; the detector's cadence and the
features' volumes move what they should."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.cost import ALARM_METRIC_MONTH, GET_METRIC_DATA_PER_1000, account_cost
from cli.main import main
from config.loader import parse_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "example.yaml"


def _lines(data: dict[str, Any], **kwargs: Any) -> dict[str, float]:
    config = parse_config(data)
    cost = account_cost(config, config.account("prod"), kwargs.get("invocations"), 2.0)
    return {line.item: line.usd for line in cost.lines}


def test_prints_every_account_and_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    for account in ("prod", "staging", "sandbox"):
        assert f"account {account}: $" in out
    for item in (
        "alarm CostRate",
        "dashboards",
        "custom metrics",
        "GetMetricData, detector",
        "log ingestion",
    ):
        assert item in out
    assert "all accounts: $" in out


def test_alarms_are_priced_per_metric_and_the_detector_per_read() -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    lines = _lines(data)
    assert lines["alarm CostRate"] == pytest.approx(5 * ALARM_METRIC_MONTH)  # five features, one metric each
    assert lines["alarm TokensPerRequestMax"] == pytest.approx(3 * ALARM_METRIC_MONTH)  # three metrics
    # 5 features x (6 metrics + 2 premium models) every minute of a 30-day month, and 10 explanations.
    reads = 5 * 8 * 43_200 + 5 * 2 * 150
    assert lines["GetMetricData, detector"] == pytest.approx(reads / 1000 * GET_METRIC_DATA_PER_1000)
    slower = copy.deepcopy(data)
    slower["accounts"][0]["alarms"] = {"detector_every_minutes": 5}
    assert _lines(slower)["GetMetricData, detector"] < lines["GetMetricData, detector"] / 4


def test_volumes_come_from_expected_calls_per_minute() -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    for feature in data["accounts"][0]["features"]:
        feature["expected_calls_per_minute"] = 100.0
    busy = _lines(data)["log ingestion (invocation logs, metering EMF)"]
    quiet = _lines(yaml.safe_load(EXAMPLE.read_text()))["log ingestion (invocation logs, metering EMF)"]
    assert busy > 10 * quiet  # 5 x 100 x 0.5 x 43,200 = 10.8M calls against the assumed 1M
