"""Replay's engines side by side on the demo week, the named query's costs, and the explanation windows."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from analytics.sql import DUCKDB, attribution_plan, catalog_thresholds, cost_per_feature_per_day_sql
from cli.main import main
from cli.replay import duckdb_source, runner
from cli.replay.metering import build_meter
from cli.replay.simulate import simulate
from config.loader import load_config
from core.config_model import GuardrailsConfig

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def prod() -> tuple[Any, Any]:
    config = load_config(ROOT / "config" / "example.yaml")
    return config, config.account("prod")


@pytest.fixture(scope="module")
def demo_week(tmp_path_factory: pytest.TempPathFactory, prod: tuple[Any, Any]) -> Path:
    """What `make demo` simulates: 7 days of the example prod account, seed 7."""
    out = tmp_path_factory.mktemp("demo") / "invocations.jsonl.gz"
    simulate(prod[0], prod[1], 7, 7, out)
    return out


def _replay_output(logs: Path, engine: str, capsys: pytest.CaptureFixture[str]) -> str:
    drifts = logs.with_name("invocations.drifts.json")
    args = ["replay", str(logs), "--config", str(ROOT / "config/example.yaml"), "--account", "prod"]
    assert main([*args, "--drifts", str(drifts), "--no-progress", "--engine", engine]) == 0
    return capsys.readouterr().out


def test_demo_week_prints_the_same_tables_alarms_and_explanations_with_both_engines(
    demo_week: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    duck = _replay_output(demo_week, "duckdb", capsys)
    python = _replay_output(demo_week, "python", capsys)
    assert duck == python
    assert "drift detection" in duck and "NOT DETECTED" not in duck
    assert "false pages (outside every drift and its hold-off): 0" in duck
    assert duck.count(" page(s)") == 4  # one row per injected drift, each paged


def test_cost_per_feature_per_day_query_adds_up_to_replay_costs(
    demo_week: Path, prod: tuple[Any, Any]
) -> None:
    config, account = prod
    meter = build_meter(config, account)
    plan = attribution_plan(meter.runtime)
    source = duckdb_source.json_lines_source([str(demo_week)], plan.metadata_keys)
    sql = cost_per_feature_per_day_sql(
        meter.runtime, source, catalog_thresholds(meter.catalog), meter.catalog, [account.region], DUCKDB
    )
    conn = duckdb_source.connect()
    rows = conn.execute(sql).fetchall()
    assert len({r[0] for r in rows}) == 7  # one row per day and feature
    named: dict[str, Decimal] = {}
    for _day, _app, feature, *_counts, cost, unpriced in rows:
        assert unpriced == 0
        named[feature] = named.get(feature, Decimal(0)) + cost
    replayed = duckdb_source.run(meter, [demo_week]).store.feature_totals()
    assert named == {feature: t.cost_usd for (_app, feature), t in replayed.items()}


def test_rules_sql_cannot_express_fall_back_to_the_python_engine(
    prod: tuple[Any, Any], tmp_path: Path
) -> None:
    data = prod[0].model_dump(mode="json")
    data["accounts"][0]["features"][2]["match"]["identity_arns"] = [
        "arn:aws:sts::*:assumed-role/[sr]earch-*/*"
    ]
    changed = GuardrailsConfig.model_validate(data)
    logs = ROOT / "tests/data/invocation-logs.jsonl"
    notes = tmp_path / "stderr.txt"
    with notes.open("w") as stream:
        result = runner.replay(changed, changed.account("prod"), [logs], progress=False, stream=stream)
    assert "character classes ([...]) are not supported; metering with --engine python" in notes.read_text()
    python = runner.replay(changed, changed.account("prod"), [logs], progress=False, engine="python")
    assert result.store.totals == python.store.totals
