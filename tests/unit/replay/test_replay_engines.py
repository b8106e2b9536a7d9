"""Replay's engines side by side on the demo week, the named query's costs, and the explanation windows."""

from __future__ import annotations

import copy
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from analytics.sql import DUCKDB, attribution_plan, catalog_thresholds, cost_per_feature_per_day_sql
from cli.main import main
from cli.replay import duckdb_source, runner
from cli.replay.metering import COST, INV, SAMPLES, MetricStore, build_meter
from cli.replay.simulate import simulate
from config.loader import load_config
from core.config_model import GuardrailsConfig
from lambdas.metering.aggregate import MetricDoc

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
    assert "pages (composite alarms to ALARM): 0" not in duck


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


def _brute_window(store: MetricStore, feature: str, start: int, end: int) -> dict[str, list[float]]:
    """The explanation window as it was computed before: every minute of the feature, summed."""
    out: dict[str, list[float]] = {}
    for (_app, feat, model), per_minute in store.minutes.items():
        if feat != feature:
            continue
        acc = [0.0] * 11
        for minute, slot in per_minute.items():
            if start <= minute < end:
                acc = [a + s for a, s in zip(acc, slot, strict=True)]
        if acc[SAMPLES]:
            out.setdefault(model, [0.0] * 11)
            out[model] = [a + s for a, s in zip(out[model], acc, strict=True)]
    return out


def test_explanation_windows_equal_direct_sums() -> None:
    rng = random.Random(5)
    store = MetricStore("prod")
    for _ in range(3000):
        minute = 1793613600000 + rng.randrange(3 * 1440) * 60_000
        doc = MetricDoc(
            minute,
            rng.choice(["app-a", "app-b"]),
            rng.choice(["chat", "search"]),
            rng.choice(["m1", "m2", "m3"]),
            invocations=rng.randrange(1, 50),
            input_tokens=rng.randrange(10_000),
            output_tokens=rng.randrange(5_000),
            cost_usd=Decimal(rng.randrange(10**7)) / Decimal(10**6) if rng.random() < 0.9 else None,
        )
        store.add(doc)
    for _ in range(300):
        start = 1793613600000 + rng.randrange(-100, 3 * 1440) * 60_000
        end = start + rng.choice([5, 15, 60, 1440, 5000]) * 60_000
        feature = rng.choice(["chat", "search"])
        got, expected = store.window(feature, start, end), _brute_window(store, feature, start, end)
        assert set(got) == set(expected)
        for model, slots in expected.items():
            assert got[model][:COST] == slots[:COST] and got[model][COST + 1 :] == slots[COST + 1 :]
            assert got[model][COST] == pytest.approx(slots[COST], abs=1e-9)
    # A document added after a window was asked for is in the next window (the prefix sums are rebuilt).
    start, end = doc.minute_ms, doc.minute_ms + 60_000
    before = store.window(doc.feature, start, end)[doc.model][INV]
    store.add(copy.copy(doc))
    assert store.window(doc.feature, start, end)[doc.model][INV] == before + doc.invocations
