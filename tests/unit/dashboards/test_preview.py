"""`make preview` draws what replay's engine computes on replay's metered simulator traffic, and draws it
the same way twice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cli.replay.engine import FINAL, MathEvaluator, Series, window_views
from config.loader import load_config
from core import contract as c
from core.alarm_model import MetricStatQuery
from core.config_model import GuardrailsConfig
from dashboards import build_account_dashboards, build_application_dashboards
from dashboards.common import DEFAULT_LOG_GROUP
from tools.preview.metrics import DAY_MINUTES, WidgetMetrics
from tools.preview.traffic import AccountTraffic, simulate_account

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def config() -> GuardrailsConfig:
    return load_config(ROOT / "config" / "example.yaml")


@pytest.fixture(scope="module")
def traffic(config: GuardrailsConfig) -> AccountTraffic:
    account = config.accounts[0]
    # A light day (half a call per minute per feature) keeps the test fast; the shapes are the simulator's.
    return simulate_account(config, account, volumes={f.name: 0.5 for f in account.features})


def _widget(bodies: list[dict[str, Any]], title_part: str) -> dict[str, Any]:
    return next(
        w["properties"]
        for body in bodies
        for w in body["widgets"]
        if w["type"] == "metric" and title_part in w["properties"].get("title", "")
    )


def _engine(properties: dict[str, Any], traffic: AccountTraffic, expression: str) -> Series:
    """The expression evaluated by replay's engine directly: each metric row's window on the store's
    final sums, then MathEvaluator, over the previewed (last) day."""

    def resolve(qid: str) -> Series:
        row = next(r for r in properties["metrics"] if isinstance(r[-1], dict) and r[-1].get("id") == qid)
        _namespace, name, *pairs = row[:-1]
        query = MetricStatQuery(
            qid,
            name,
            tuple(zip(pairs[::2], pairs[1::2], strict=True)),
            properties["stat"],
            properties["period"],
        )
        raw = traffic.store.series(query, traffic.start_ms, traffic.minutes)
        return window_views(raw, properties["period"] // 60, properties["stat"])[FINAL][-DAY_MINUTES:]

    return MathEvaluator(DAY_MINUTES, resolve).evaluate(expression)


def test_tokens_per_request_is_the_engines_value(config: GuardrailsConfig, traffic: AccountTraffic) -> None:
    account = traffic.account
    application = account.features[0].application
    bodies = [d.body for d in build_application_dashboards(account, application)]
    properties = _widget(bodies, "tokens per request")
    expressions = [r[0] for r in properties["metrics"] if isinstance(r[0], dict)]
    lines = dict(WidgetMetrics(properties, {}, traffic).lines())

    assert sorted(lines) == sorted(e["label"] for e in expressions)
    for expression in expressions:
        shown = lines[expression["label"]]
        expected = _engine(properties, traffic, expression["expression"])
        assert len(shown) == DAY_MINUTES
        # The newest minutes show what had landed by the day's end (lateness); older ones are final.
        assert shown[:-FINAL] == expected[:-FINAL]
        assert sum(v is not None for v in shown) > DAY_MINUTES / 2


def test_search_totals_find_every_application(config: GuardrailsConfig, traffic: AccountTraffic) -> None:
    """SUM(SEARCH(...)) over [Environment, Application] equals the sum of the applications' own metrics."""
    account = traffic.account
    bodies = [d.body for d in build_account_dashboards(account, log_group_name=DEFAULT_LOG_GROUP)]
    properties = _widget(bodies, "Cost per application")
    metrics = WidgetMetrics(properties, {}, traffic)
    lines = dict(metrics.lines())
    total = lines["total"]
    apps = [lines[app] for app in [*account.applications, c.UNATTRIBUTED] if app in lines]
    assert len(apps) >= 2
    for i in range(DAY_MINUTES - FINAL):
        parts = [v for a in apps if (v := a[i]) is not None]
        assert (total[i] is None) == (not parts)
        if parts:
            assert total[i] == pytest.approx(sum(parts), rel=1e-9, abs=1e-12)


def test_two_renders_are_byte_identical(
    config: GuardrailsConfig, traffic: AccountTraffic, tmp_path: Path
) -> None:
    pytest.importorskip("matplotlib")
    from tools.preview.render import Preview, alarm_states, render

    account = traffic.account
    dashboard = build_application_dashboards(account, account.features[0].application)[0]
    states = alarm_states(config, traffic)
    preview = Preview(dashboard, {account.account_id: traffic}, traffic, states)
    first = render(preview, tmp_path / "a.png").read_bytes()
    second = render(preview, tmp_path / "b.png").read_bytes()
    assert first == second
    assert first.startswith(b"\x89PNG") and b"matplotlib" not in first
