"""Dashboard bodies from the pure builders: widget kinds, the metric contract, alarms, limits."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from config.loader import parse_config
from core import contract as c
from core.config_model import Account, GuardrailsConfig
from core.naming import alarm_name
from dashboards import (
    DEFAULT,
    HARD,
    DashboardLimits,
    build_account_dashboards,
    build_application_dashboards,
    build_organization_dashboards,
    violations,
)
from dashboards.common import alarms_by_feature
from dashboards.pack import Dashboard
from tests.unit.dashboards.helpers import metrics

LOG_GROUP = "/aws/bedrock/model-invocations"
KINDS = ("CostRate", "DailyCost", "TokensPerRequest", "ModelMix", "Throttles")


def alarms_for(account: Account) -> list[str]:
    names = [alarm_name(account.name, f.name, kind) for f in account.features for kind in KINDS]
    return [*names, alarm_name(account.name, "account", "UnattributedShare")]


def every_dashboard(config: GuardrailsConfig) -> list[Dashboard]:
    result: list[Dashboard] = []
    for account in config.accounts:
        alarms = alarms_for(account)
        result += build_account_dashboards(account, alarms=alarms, log_group_name=LOG_GROUP)
        for app in account.applications:
            result += build_application_dashboards(account, app, alarms=alarms)
    return result + build_organization_dashboards(config)


@pytest.fixture(scope="module")
def config(example_data: dict[str, Any]) -> GuardrailsConfig:
    return parse_config(copy.deepcopy(example_data))


@pytest.fixture(scope="module")
def sixty(example_data: dict[str, Any]) -> GuardrailsConfig:
    data = copy.deepcopy(example_data)
    data["accounts"][0]["features"] = [
        {
            "name": f"feature-{i:02d}",
            "application": f"app-{i % 2}",
            "monthly_budget_usd": 100,
            "daily_budget_usd": 10,
            "hourly_limit_usd": 1,
        }
        for i in range(60)
    ]
    return parse_config(data)


def widget_kinds(body: dict[str, Any]) -> list[str]:
    return [
        w["properties"].get("view", w["type"]) if w["type"] == "metric" else w["type"]
        for w in body["widgets"]
    ]


def test_account_dashboard_has_every_widget_kind(config: GuardrailsConfig) -> None:
    account = config.account("prod")
    (dashboard,) = build_account_dashboards(account, alarms=alarms_for(account), log_group_name=LOG_GROUP)
    assert dashboard.name == "GenAI-Cost-prod"
    kinds = widget_kinds(dashboard.body)
    for kind in ("text", "singleValue", "gauge", "timeSeries", "pie", "alarm", "log"):
        assert kind in kinds, kind
    titles = [w["properties"].get("title", "") for w in dashboard.body["widgets"]]
    for expected in (
        "Cost, last 24 h",
        "Month to date",
        "forecast",
        "% of monthly budget",
        "Cost per feature",
        "Cost per model",
        "Input tokens per feature",
        "Output tokens per feature",
        "Cached (read) input tokens",
        "Tokens per request per feature",
        "Invocations",
        "Model mix",
        "Unattributed share",
        "Throttled",
        "Failed",
        "Guardrail alarms",
        "Top callers",
        "latency",
        "time to first token",
    ):
        assert any(expected.lower() in t.lower() for t in titles), expected
    stacked = [w for w in dashboard.body["widgets"] if w["properties"].get("stacked")]
    assert any("Cost per feature" in w["properties"]["title"] for w in stacked)
    header = dashboard.body["widgets"][0]["properties"]["markdown"]
    assert "prod" in header and "$20,000" in header and "support-chat" in header
    assert "budgets" in header and "alarmsV2" in header


def test_every_metric_matches_the_metering_contract(config: GuardrailsConfig) -> None:
    allowed = {frozenset(s) for s in c.DIMENSION_SETS}
    seen = set()
    for dashboard in every_dashboard(config):
        for namespace, name, dim_names, _dims, _options in metrics(dashboard.body):
            seen.add(name)
            if namespace == c.BEDROCK_NAMESPACE:
                assert name in (c.BEDROCK_LATENCY, c.BEDROCK_TTFT)
                assert dim_names == {c.BEDROCK_MODEL_DIM}
            elif name == c.MALFORMED:
                assert dim_names == frozenset(c.MALFORMED_DIMENSION_SET)
            elif name in c.EVALUATOR_METRICS:
                assert dim_names == frozenset(c.EVALUATOR_DIMENSION_SET)
            elif name in c.RECONCILE_METRICS:
                assert dim_names in {frozenset(s) for s in c.RECONCILE_DIMENSION_SETS}, (name, dim_names)
            else:
                assert namespace == "GenAI/Cost"
                assert name in c.METERING_METRICS, name
                assert dim_names in allowed, (name, dim_names)
    assert set(c.METERING_METRICS) - {c.CACHE_WRITE_TOKENS, c.GUARDRAIL_INTERVENTIONS} <= seen
    assert {c.BUDGET_USED_PERCENT, c.FORECAST, c.BEDROCK_LATENCY, c.BEDROCK_TTFT} <= seen
    assert set(c.RECONCILE_METRICS) <= seen  # the "estimate vs bill" widget


def test_the_reconcile_lambda_publishes_the_contracts_names() -> None:
    from lambdas.reconcile import service, sources

    assert (service.BILLED, service.ESTIMATE_ERROR, service.ESTIMATE_ERROR_WORST_MODEL) == c.RECONCILE_METRICS
    assert (sources.ENVIRONMENT, sources.MODEL, sources.COST) == (c.ENVIRONMENT, c.MODEL, c.COST)
    assert tuple(sources.TOKEN_METRICS.values()) == (
        c.INPUT_TOKENS,
        c.OUTPUT_TOKENS,
        c.CACHE_READ_TOKENS,
        c.CACHE_WRITE_TOKENS,
    )


def test_configured_features_get_explicit_metrics_and_unattributed_is_shown(config: GuardrailsConfig) -> None:
    account = config.account("prod")
    (dashboard,) = build_account_dashboards(account, alarms=[], log_group_name=LOG_GROUP)
    explicit = {
        (d[c.APPLICATION], d[c.FEATURE])
        for _ns, name, names, d, o in metrics(dashboard.body)
        if name == c.COST and names == {c.ENVIRONMENT, c.APPLICATION, c.FEATURE} and "expression" not in o
    }
    assert {(f.application, f.name) for f in account.features} | {
        (c.UNATTRIBUTED, c.UNATTRIBUTED)
    } <= explicit
    for namespace, _name, _names, dims, options in metrics(dashboard.body):
        if namespace == c.BEDROCK_NAMESPACE:
            continue
        assert dims.get(c.ENVIRONMENT) == "prod"
        if "expression" in options:  # SEARCH only where no configured feature can be hidden
            assert c.FEATURE not in dims or c.MODEL in options["expression"]


def test_tokens_per_request_is_metric_math(config: GuardrailsConfig) -> None:
    account = config.account("prod")
    (dashboard,) = build_account_dashboards(account, alarms=[], log_group_name=LOG_GROUP)
    widget = next(
        w for w in dashboard.body["widgets"] if "Tokens per request" in w["properties"].get("title", "")
    )
    rows = widget["properties"]["metrics"]
    expressions = [r[0]["expression"] for r in rows if isinstance(r[0], dict)]
    assert len(expressions) == len(account.features)
    assert expressions[0] == "(FILL(i0, 0) + FILL(o0, 0)) / n0"
    hidden = [r for r in rows if not isinstance(r[0], dict)]
    assert all(r[-1]["visible"] is False for r in hidden)


def test_every_alarm_is_in_the_status_widget(config: GuardrailsConfig) -> None:
    account = config.account("prod")
    alarms = alarms_for(account)
    (dashboard,) = build_account_dashboards(account, alarms=alarms, log_group_name=LOG_GROUP)
    shown = [a for w in dashboard.body["widgets"] if w["type"] == "alarm" for a in w["properties"]["alarms"]]
    assert sorted(shown) == sorted(f"arn:aws:cloudwatch:us-east-1:222222222222:alarm:{a}" for a in alarms)


def test_more_than_100_alarms_use_several_widgets(sixty: GuardrailsConfig) -> None:
    account = sixty.accounts[0]
    alarms = alarms_for(account)
    assert len(alarms) > 300
    parts = build_account_dashboards(account, alarms=alarms, log_group_name=LOG_GROUP)
    widgets = [w for d in parts for w in d.body["widgets"] if w["type"] == "alarm"]
    assert len(widgets) >= 4 and all(len(w["properties"]["alarms"]) <= 100 for w in widgets)
    assert sum(len(w["properties"]["alarms"]) for w in widgets) == len(alarms)


def test_logs_insights_top_callers_query() -> None:
    from dashboards.account import TOP_CALLERS_QUERY

    for field in (
        "identity.arn",
        "requestMetadata.feature",
        "input.inputTokenCount",
        "output.outputTokenCount",
    ):
        assert field in TOP_CALLERS_QUERY
    assert "by caller, feature" in TOP_CALLERS_QUERY and "sort total_tokens desc" in TOP_CALLERS_QUERY


def test_log_widget_reads_the_invocation_log_group(config: GuardrailsConfig) -> None:
    account = config.account("sandbox")
    (dashboard,) = build_account_dashboards(account, alarms=[], log_group_name="/aws/bedrock/invocation-logs")
    (log,) = [w for w in dashboard.body["widgets"] if w["type"] == "log"]
    assert log["properties"]["query"].startswith("SOURCE '/aws/bedrock/invocation-logs' | ")
    assert log["properties"]["region"] == "eu-west-1"


def test_example_dashboards_fit_the_limits(config: GuardrailsConfig) -> None:
    for dashboard in every_dashboard(config):
        assert violations(dashboard.body, DEFAULT) == [], dashboard.name
        assert len(dashboard.name) <= 255 and all(ch.isalnum() or ch in "-_" for ch in dashboard.name)
        json.dumps(dashboard.body)


def test_sixty_features_split_into_dashboards_within_limits(sixty: GuardrailsConfig) -> None:
    account = sixty.accounts[0]
    alarms = alarms_for(account)
    parts = build_account_dashboards(account, alarms=alarms, log_group_name=LOG_GROUP)
    assert [p.name for p in parts][:2] == ["GenAI-Cost-prod", "GenAI-Cost-prod-p2"]
    for part in parts:
        assert violations(part.body, DEFAULT) == [], part.name
        assert violations(part.body, HARD) == []
    # every configured feature still has its explicit cost series somewhere
    shown = {d.get(c.FEATURE) for p in parts for _n, name, _k, d, _o in metrics(p.body) if name == c.COST}
    assert {f.name for f in account.features} <= shown
    # the overview (header, money, alarms, logs) stays on part 1
    first = widget_kinds(parts[0].body)
    assert {"gauge", "log", "alarm"} <= set(first)
    for app in account.applications:
        app_parts = build_application_dashboards(account, app, alarms=alarms)
        rows = {
            w["properties"]["title"].split(" · ")[0]
            for p in app_parts
            for w in p.body["widgets"]
            if w["type"] == "metric"
        }
        assert rows == {f.name for f in account.features if f.application == app}
        for part in app_parts:
            assert violations(part.body, DEFAULT) == []


def test_tighter_limits_split_more_and_an_impossible_one_says_so(config: GuardrailsConfig) -> None:
    account = config.account("prod")
    tight = DashboardLimits(
        max_widgets=12,
        max_metrics_per_widget=100,
        max_metrics_per_dashboard=500,
        max_alarms_per_widget=100,
        max_body_bytes=1_000_000,
    )
    parts = build_account_dashboards(
        account, alarms=alarms_for(account), log_group_name=LOG_GROUP, limits=tight
    )
    assert len(parts) > 1 and all(violations(p.body, tight) == [] for p in parts)
    assert parts[1].body["widgets"][0]["type"] == "text"
    impossible = DashboardLimits(2, 100, 500, 100, 1_000_000)
    with pytest.raises(ValueError, match="exceeds the limits"):
        build_account_dashboards(account, alarms=[], log_group_name=LOG_GROUP, limits=impossible)


def test_application_dashboard_one_row_per_feature(config: GuardrailsConfig) -> None:
    account = config.account("prod")
    alarms = alarms_for(account)
    (dashboard,) = build_application_dashboards(account, "knowledge-base", alarms=alarms)
    assert dashboard.name == "GenAI-Cost-prod-app-knowledge-base"
    features = [f.name for f in account.features if f.application == "knowledge-base"]
    widgets = dashboard.body["widgets"][1:]
    assert len(widgets) == 4 * len(features)
    for index, feature in enumerate(features):
        row = widgets[4 * index : 4 * index + 4]
        assert len({w["y"] for w in row}) == 1
        assert [w["properties"].get("view", w["type"]) for w in row] == [
            "timeSeries",
            "timeSeries",
            "pie",
            "alarm",
        ]
        assert all(w["properties"]["title"].startswith(f"{feature} · ") for w in row)
        names = [a.rsplit(":", 1)[1] for a in row[3]["properties"]["alarms"]]
        assert sorted(names) == sorted(alarm_name("prod", feature, k) for k in KINDS)
    for _ns, _name, _names, dims, _o in metrics(dashboard.body):
        assert dims.get(c.APPLICATION) in ("knowledge-base", None)


def test_alarms_by_feature_prefers_the_longest_feature_name(example_data: dict[str, Any]) -> None:
    data = copy.deepcopy(example_data)
    data["accounts"][0]["features"][0]["name"] = "kb"
    account = parse_config(data).accounts[0]
    grouped = alarms_by_feature(
        account, ["GenAiGuardrails-prod-kb-search-CostRate", "GenAiGuardrails-prod-kb-CostRate"]
    )
    assert grouped["kb"] == ["GenAiGuardrails-prod-kb-CostRate"]
    assert grouped["kb-search"] == ["GenAiGuardrails-prod-kb-search-CostRate"]


def test_organization_dashboard_reads_each_account(config: GuardrailsConfig) -> None:
    (dashboard,) = build_organization_dashboards(config)
    assert dashboard.name == "GenAI-Cost-Organization"
    by_account = {a.account_id: a for a in config.accounts}
    rows = [m for m in metrics(dashboard.body) if "expression" not in m[4]]
    assert rows
    for _ns, name, names, dims, options in rows:
        account = by_account[options["accountId"]]
        assert options["region"] == account.region and dims[c.ENVIRONMENT] == account.environment
        assert name == c.COST and names == {c.ENVIRONMENT, c.APPLICATION}
    assert violations(dashboard.body, DEFAULT) == []


def test_header_names_the_price_catalog_as_of_and_source(config: GuardrailsConfig) -> None:
    account = config.account("prod")
    (dashboard,) = build_account_dashboards(account, alarms=alarms_for(account), log_group_name=LOG_GROUP)
    header = next(w for w in dashboard.body["widgets"] if w["type"] == "text")["properties"]["markdown"]
    catalog = json.loads((Path(__file__).resolve().parents[3] / "lambdas/pricing/catalog.json").read_text())
    assert f"**Prices:** prices as of {catalog['as_of']} (bundled {catalog['version']})" in header
