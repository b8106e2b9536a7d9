"""Replay meters with the Lambda's code (totals to the cent), simulate is deterministic, drifts are found."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from cli.replay import runner
from cli.replay.metering import build_meter
from cli.replay.readers import iter_messages
from cli.replay.simulate import simulate
from config.loader import load_config
from lambdas.metering.emf import build_documents

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def prod() -> tuple[Any, Any]:
    config = load_config(ROOT / "config" / "example.yaml")
    return config, config.account("prod")


@pytest.fixture(scope="module")
def small_logs(tmp_path_factory: pytest.TempPathFactory, prod: tuple[Any, Any]) -> Path:
    out = tmp_path_factory.mktemp("sim") / "logs.jsonl.gz"
    simulate(prod[0], prod[1], 1, 3, out, scale=0.05)
    return out


def test_replay_totals_equal_the_lambdas_emf_totals_to_the_cent(
    prod: tuple[Any, Any], small_logs: Path
) -> None:
    config, account = prod
    result = runner.replay(
        config,
        account,
        [small_logs, ROOT / "tests/data/invocation-logs.jsonl"],
        progress=False,
        explain_breaches=False,
    )
    # The metering Lambda on the same records, in subscription-sized batches, EMF as it prints it.
    meter = build_meter(config, account)
    messages = list(iter_messages([small_logs, ROOT / "tests/data/invocation-logs.jsonl"]))
    emf: dict[str, Decimal] = defaultdict(Decimal)
    for i in range(0, len(messages), 5000):
        batch = [{"id": str(n), "timestamp": 0, "message": m} for n, m in enumerate(messages[i : i + 5000])]
        docs, _stale = build_documents(meter.meter(batch), "prod", 0)
        for doc in docs:
            if "CostUSD" in doc:
                emf[doc["Feature"]] += Decimal(repr(doc["CostUSD"]))
    replayed = {f: t.cost_usd for (_app, f), t in result.store.feature_totals().items() if t.cost_usd}
    assert set(replayed) == set(emf)
    for feature, cost in replayed.items():
        assert cost.quantize(Decimal("0.01")) == emf[feature].quantize(Decimal("0.01")), feature
    assert result.store.records == len(messages)


def test_simulate_is_deterministic(tmp_path: Path, prod: tuple[Any, Any]) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    plan = simulate(prod[0], prod[1], 1, 11, a, scale=0.02)
    simulate(prod[0], prod[1], 1, 11, b, scale=0.02)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    assert plan.records == sum(1 for _ in a.open())
    sidecar = json.loads((tmp_path / "a.drifts.json").read_text())
    assert sidecar["seed"] == 11 and sidecar["drifts"] == []  # one day: no drift fits (they start on day 1)
    first = json.loads(a.open().readline())
    assert first["schemaType"] == "ModelInvocationLog" and "inputTokenCount" in first["input"]


def test_cli_replay_prints_table_timeline_and_report(
    tmp_path: Path, small_logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "replay",
            str(small_logs),
            "--config",
            str(ROOT / "config/example.yaml"),
            "--account",
            "prod",
            "--no-progress",
            "--report",
            str(tmp_path / "report"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "support-chat" in out and "alarms that would have fired" in out
    catalog = json.loads((ROOT / "lambdas/pricing/catalog.json").read_text())
    label = f"prices as of {catalog['as_of']} (bundled {catalog['version']})"
    assert f"costs priced with {label}" in out
    page = (tmp_path / "report" / "replay.html").read_text()
    assert "data:image/png;base64," in page
    assert label in page
    assert main(["validate", str(ROOT / "config/example.yaml")]) == 0
