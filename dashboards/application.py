"""One drill-down dashboard per application: one row per feature (cost, tokens per request, model mix,
alarms)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from core import contract as c
from core.config_model import Account, Feature
from core.naming import alarm_name, dashboard_name
from dashboards.account import PERIOD, application_dashboard_name
from dashboards.common import alarm_arn, alarms_by_feature, alarms_url, dashboard_url, money
from dashboards.layout import Row
from dashboards.limits import DEFAULT, DashboardLimits
from dashboards.pack import Dashboard, pack
from dashboards.widgets import alarm_status, expression, graph, metric, pie, text


def _feature_row(account: Account, feature: Feature, alarms: Sequence[str], per_widget: int) -> list[Row]:
    env, region = account.environment, account.region
    dims = c.feature_dims(env, feature.application, feature.name)
    by_model: dict[str, str | None] = {
        c.ENVIRONMENT: env,
        c.APPLICATION: feature.application,
        c.FEATURE: feature.name,
        c.MODEL: None,
    }
    limit = feature.alarms.tokens_per_request_max
    arns = sorted(alarm_arn(account, a) for a in alarms)
    alarm_widgets = [
        alarm_status(f"{feature.name} · alarms", group, width=6, height=6)
        for group in [arns[i : i + per_widget] for i in range(0, len(arns), per_widget)][:1]
    ] or [text(f"**{feature.name}**: no alarms defined yet.", width=6, height=6)]
    row: Row = [
        graph(
            f"{feature.name} · cost (USD / hour)",
            [metric(c.COST, dims, id="cost", label="cost")],
            region=region,
            width=7,
            period=3600,
            annotations=[("hourly limit", float(feature.hourly_limit_usd))],
        ),
        graph(
            f"{feature.name} · tokens per request",
            [
                metric(c.INPUT_TOKENS, dims, id="i", visible=False),
                metric(c.OUTPUT_TOKENS, dims, id="o", visible=False),
                metric(c.CACHE_READ_TOKENS, dims, id="r", visible=False),
                metric(c.INVOCATIONS, dims, id="n", visible=False),
                expression("(FILL(i, 0) + FILL(o, 0)) / n", "tpr", "input + output"),
                expression("FILL(r, 0) / n", "cpr", "cached read"),
            ],
            region=region,
            width=6,
            annotations=[("ceiling", float(limit))] if limit else (),
        ),
        pie(
            f"{feature.name} · model mix (share of cost)",
            [expression(c.search(c.COST, by_model, "Sum", PERIOD), "mix", "${PROP('Dim.Model')}")],
            region=region,
            width=5,
        ),
        *alarm_widgets,
    ]
    extra = arns[per_widget:]
    overflow: list[Row] = (
        [
            [alarm_status(f"{feature.name} · more alarms", extra[i : i + per_widget])]
            for i in range(0, len(extra), per_widget)
        ]
        if extra
        else []
    )
    return [row, *overflow]


def build_application_dashboards(
    account: Account,
    application: str,
    *,
    alarms: Sequence[str] = (),
    feature_alarms: Mapping[str, Sequence[str]] | None = None,
    limits: DashboardLimits = DEFAULT,
) -> list[Dashboard]:
    """`feature_alarms` (feature name -> alarm names, e.g. from core.alarm_definitions) wins; without
    it the feature of each alarm in `alarms` is read from its name."""
    features = [f for f in account.features if f.application == application]
    # Reading each alarm's feature from its name costs features x alarms: only without `feature_alarms`.
    grouped: dict[str, list[str]] = (
        {name: list(names) for name, names in feature_alarms.items()}
        if feature_alarms is not None
        else dict(alarms_by_feature(account, alarms))
    )
    budget = sum(float(f.monthly_budget_usd) for f in features)
    overview = dashboard_url(account.region, dashboard_name(account.name))
    header = text(
        f"# {application} · {account.name} ({account.environment})\n"
        f"{len(features)} features, {money(budget)}/month together · one row per feature: cost with its "
        f"hourly limit, tokens per request, model mix, alarms · [account overview]({overview}) · "
        f"[alarms]({alarms_url(account, alarm_name(account.name, '', '')[:-2])})",
        height=2,
    )
    sections: list[list[Row]] = [[[header]]]
    for feature in features:
        sections.append(
            _feature_row(account, feature, grouped.get(feature.name, []), limits.max_alarms_per_widget)
        )
    base = application_dashboard_name(account, application)

    def name(part: int) -> str:
        return base if part == 1 else f"{base}-p{part}"

    def continuation(part: int) -> Row:
        return [
            text(
                f"## {application}, continued (part {part}) · "
                f"[part 1]({dashboard_url(account.region, base)})",
                height=1,
            )
        ]

    return pack(sections, name=name, continuation=continuation, limits=limits)
