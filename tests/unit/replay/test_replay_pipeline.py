"""Replay meters with the Lambda's code (totals to the cent), simulate is deterministic and independent of
the limits, a drift is found and explained, bad input is an error that says what it found."""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.main import main
from cli.replay import runner
from cli.replay.metering import build_meter
from cli.replay.readers import iter_messages
from cli.replay.simulate import DRIFT_MINUTES, demo_drifts, drift, simulate
from config.loader import load_config, parse_config
from lambdas.metering.emf import build_documents

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "example.yaml"


@pytest.fixture(scope="module")
def prod() -> tuple[Any, Any]:
    config = load_config(EXAMPLE)
    return config, config.account("prod")


@pytest.fixture(scope="module")
def small_logs(tmp_path_factory: pytest.TempPathFactory, prod: tuple[Any, Any]) -> Path:
    out = tmp_path_factory.mktemp("sim") / "logs.jsonl.gz"
    simulate(prod[0], prod[1], 1, 3, out, volumes={f.name: 0.5 for f in prod[1].features})
    return out


def test_replay_totals_equal_the_lambdas_emf_totals_to_the_cent(
    prod: tuple[Any, Any], small_logs: Path
) -> None:
    config, account = prod
    result = runner.replay(
        config, account, [small_logs, ROOT / "tests/data/invocation-logs.jsonl"], progress=False
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
    for feature, cost in replayed.items():  # EMF rounds each document to 1e-6 USD: within a cent
        assert abs(cost - emf[feature]) < Decimal("0.005"), feature
    assert result.store.records == len(messages)


def test_simulate_is_deterministic_and_its_volume_is_its_own(tmp_path: Path, prod: tuple[Any, Any]) -> None:
    config, account = prod
    a, b, c = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"
    volumes = {f.name: 1.0 for f in account.features}
    plan = simulate(config, account, 1, 11, a, volumes=volumes)
    simulate(config, account, 1, 11, b, volumes=volumes)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    assert plan.records == sum(1 for _ in a.open())
    sidecar = json.loads((tmp_path / "a.drifts.json").read_text())
    assert sidecar["seed"] == 11 and sidecar["drifts"] == []  # one day: no drift fits (they start on day 1)
    assert sidecar["volumes"]["support-chat"] == 1.0 and sidecar["shapes"]["kb-search"] == "agent"
    first = json.loads(a.open().readline())
    assert first["schemaType"] == "ModelInvocationLog" and "inputTokenCount" in first["input"]
    # The limits the alarms test do not move the traffic: a config with ten times the limits simulates
    # the same records.
    data = yaml.safe_load(EXAMPLE.read_text())
    for feature in data["accounts"][0]["features"]:
        for key in ("monthly_budget_usd", "daily_budget_usd", "hourly_limit_usd"):
            feature[key] *= 10
    other = parse_config(data)
    simulate(other, other.account("prod"), 1, 11, c, volumes=volumes)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(c.read_bytes()).digest()


def test_ticket_summary_calls_the_model_its_profile_copies(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["accounts"][0]["features"][1]["inference_profile"] = {"copy_from": "amazon.nova-micro-v1:0"}
    changed = parse_config(data)
    out = tmp_path / "t.jsonl"
    simulate(changed, changed.account("prod"), 1, 5, out, volumes={"ticket-summary": 2.0})
    models = {
        json.loads(line)["modelId"]
        for line in out.open()
        if json.loads(line).get("requestMetadata", {}).get("feature") == "ticket-summary"
    }
    assert "amazon.nova-micro-v1:0" in models


def test_a_prompt_change_is_paged_once_within_minutes_and_explained(
    tmp_path: Path, prod: tuple[Any, Any]
) -> None:
    """Two days of support-chat at 10 calls a minute; output tokens doubled from 14:05 on day 1."""
    config, account = prod
    logs = tmp_path / "drift.jsonl.gz"
    start = runner.start_of({"start": "2026-11-02T00:00:00Z"})
    plan = simulate(
        config,
        account,
        2,
        21,
        logs,
        volumes={f.name: (10.0 if f.name == "support-chat" else 0.3) for f in account.features},
        drifts=[drift("prompt_change", "support-chat", 1440 + 14 * 60 + 5, start, "")],
    )
    result = runner.replay(config, account, [logs], progress=False)
    sidecar = json.loads((tmp_path / "drift.drifts.json").read_text())
    (outcome,) = runner.drift_outcomes(result, sidecar)
    assert outcome.detected_after_minutes is not None and outcome.detected_after_minutes <= 5
    assert outcome.page is not None and outcome.page.causes == ("output_tokens",)
    assert outcome.page.driver == "output_tokens"
    assert len(outcome.pages) == 1  # one page for the 3-hour episode
    assert plan.drifts[0].duration_minutes == DRIFT_MINUTES
    # Pages in time order, each one a page of the detector or an account alarm.
    times = [m.minute_ms for m in result.messages]
    assert times == sorted(times)


def test_demo_drifts_are_four_kinds_on_four_features() -> None:
    start = runner.start_of({"start": "2026-11-02T00:00:00Z"})
    names = ["support-chat", "ticket-summary", "kb-search", "report-writer", "doc-embedding"]
    drifts = demo_drifts(names, "p", start, 7)
    assert [(d.kind, d.feature) for d in drifts] == [
        ("prompt_change", "support-chat"),
        ("routing", "ticket-summary"),
        ("retry_storm", "kb-search"),
        ("growth", "report-writer"),
    ]


def _write(path: Path, records: list[dict[str, Any]]) -> Path:
    with gzip.open(path, "wt") as out:
        for r in records:
            out.write(json.dumps(r) + "\n")
    return path


def test_nothing_valid_is_an_error_that_says_what_it_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _write(tmp_path / "bad.jsonl.gz", [{"hello": "world"}, {"schemaType": "Other"}])
    code = main(["replay", str(bad), "--config", str(EXAMPLE), "--account", "prod", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    assert "no valid Bedrock invocation-log records in the input: 2 messages, 2 malformed" in err
    assert "schemaType is 'Other'" in err


def test_another_accounts_records_are_an_error(
    tmp_path: Path, small_logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with gzip.open(small_logs, "rt") as source:
        lines = [json.loads(line) for line in source][:50]
    others = copy.deepcopy(lines[:3])
    for r in others:
        r["accountId"] = "999999999999"
    mixed = _write(tmp_path / "mixed.jsonl.gz", lines + others)
    code = main(["replay", str(mixed), "--config", str(EXAMPLE), "--account", "prod", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    assert "records of another account or Region than --account prod (222222222222 in us-east-1)" in err
    assert "3 of account 999999999999 in us-east-1" in err


def test_cli_replay_prints_table_pages_and_report(
    tmp_path: Path, small_logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "replay",
            str(small_logs),
            "--config",
            str(EXAMPLE),
            "--account",
            "prod",
            "--no-progress",
            "--report",
            str(tmp_path / "report"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "support-chat" in out and "pages (what the SNS topic would have paged, in time order" in out
    catalog = json.loads((ROOT / "lambdas/pricing/catalog.json").read_text())
    label = f"prices as of {catalog['as_of']} (bundled {catalog['version']})"
    assert f"costs priced with {label}" in out
    page = (tmp_path / "report" / "replay.html").read_text()
    assert '<svg class="chart"' in page and page.count('<svg class="panel"') == 6  # 5 features + unattributed
    assert label in page
    assert main(["validate", str(EXAMPLE)]) == 0
