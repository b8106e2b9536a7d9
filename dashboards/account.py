"""The account dashboard `GenAI-Cost-<account>`: what a FinOps engineer and an on-call engineer read."""

from __future__ import annotations

from collections.abc import Sequence

from core import contract as c
from core.config_model import Account, Feature
from core.naming import PRODUCT, dashboard_name
from dashboards.common import (
    FEATURES_PER_GRAPH,
    alarm_arn,
    alarms_url,
    budgets_url,
    chunks,
    dashboard_url,
    feature_line,
    money,
)
from dashboards.layout import Row
from dashboards.limits import DEFAULT, DashboardLimits
from dashboards.pack import Dashboard, pack
from dashboards.widgets import (
    MetricRow,
    alarm_status,
    expression,
    gauge,
    graph,
    log_table,
    metric,
    pie,
    single_value,
    text,
)
from lambdas.pricing.catalog import PriceCatalog
from lambdas.pricing.catalog_source import catalog_label

PERIOD = 300
# Top callers and features by tokens (Bedrock ModelInvocationLog fields); errors carry no output count.
TOP_CALLERS_QUERY = (
    "filter ispresent(modelId)"
    " | fields identity.arn as caller, coalesce(requestMetadata.feature, '(none)') as feature,"
    " coalesce(input.inputTokenCount, 0) as in_tokens, coalesce(output.outputTokenCount, 0) as out_tokens,"
    " coalesce(input.inputTokenCount, 0) + coalesce(output.outputTokenCount, 0) as tokens"
    " | stats sum(tokens) as total_tokens, sum(in_tokens) as input_tokens, sum(out_tokens) as output_tokens,"
    " count(*) as invocations by caller, feature"
    " | sort total_tokens desc"
    " | limit 25"
)


def application_dashboard_name(account: Account, application: str) -> str:
    return dashboard_name(account.name, f"app-{application}")


def _total(metric_name: str, env: str, id: str, label: str, stat: str = "Sum") -> list[MetricRow]:
    """Account total of a metering metric: the sum over every application reporting (SEARCH, so an
    application removed from config still counts)."""
    dims: dict[str, str | None] = {c.ENVIRONMENT: env, c.APPLICATION: None}
    return [expression(f"SUM({c.search(metric_name, dims, stat, PERIOD)})", id, label)]


def prices_line(account: Account) -> str:
    """Which prices the numbers use: the catalog's as_of and source, and the refresh schedule if enabled."""
    catalog = PriceCatalog.load()
    if account.pricing.overrides or account.pricing.discount_percent:
        catalog = catalog.with_overrides(account.pricing.overrides, account.pricing.discount_percent)
    refresh = (
        f"; refreshed from the AWS Price List every {account.price_refresh.schedule_days} days"
        if account.price_refresh.enabled
        else ""
    )
    return f"**Prices:** {catalog_label(catalog)}{refresh}"


def _header(account: Account, alarm_count: int) -> list[Row]:
    apps = account.applications
    features = account.features
    listed = (
        " · ".join(feature_line(f) for f in features)
        if len(features) <= 12
        else f"{len(features)} features in {len(apps)} applications (one dashboard per application below)"
    )
    app_links = " · ".join(
        f"[{app}]({dashboard_url(account.region, application_dashboard_name(account, app))})" for app in apps
    )
    markdown = (
        f"# GenAI cost · {account.name} ({account.environment})\n"
        f"Monthly budget **{money(account.monthly_budget_usd)}** · account {account.account_id} · "
        f"{account.region} · metrics `{c.NAMESPACE}` · "
        f"[Budgets]({budgets_url()}) · "
        f"[Alarms ({alarm_count})]({alarms_url(account, f'{PRODUCT}-{account.name}-')})\n\n"
        f"**Features:** {listed}\n\n**Application dashboards:** {app_links or 'none configured'} · "
        f"{prices_line(account)}"
    )
    return [[text(markdown, width=24, height=4)]]


def _money_row(account: Account, limits: DashboardLimits) -> list[Row]:
    env, region = account.environment, account.region
    period = max(300, account.evaluator.schedule_minutes * 60)
    features = account.features
    forecast: dict[str, str | None] = {c.ENVIRONMENT: env, c.APPLICATION: None, c.FEATURE: None}
    budget = float(account.monthly_budget_usd)
    if len(features) + 1 > limits.max_metrics_per_widget:
        # One metric per feature no longer fits a widget: sum the evaluator's MonthToDateUSD with a SEARCH.
        used: list[MetricRow] = []
        mtd = f"SUM({c.search(c.MONTH_TO_DATE, forecast, 'Maximum', period)})"
    else:
        used, mtd = _weighted_month_to_date(account, period)
    return [
        [
            single_value(
                "Cost, last 24 h (USD)",
                _total(c.COST, env, "today", "Cost, last 24 h"),
                region=region,
                start="-PT24H",
            ),
            single_value(
                "Month to date (USD, evaluator)",
                [*used, expression(mtd, "mtd", "Month to date")],
                region=region,
                stat="Maximum",
                period=period,
                whole_range=False,
            ),
            single_value(
                "Month-end forecast (USD, evaluator)",
                [expression(f"SUM({c.search(c.FORECAST, forecast, 'Maximum', period)})", "fc", "Forecast")],
                region=region,
                stat="Maximum",
                period=period,
                whole_range=False,
            ),
            gauge(
                f"% of monthly budget ({money(budget)})",
                [*used, expression(f"100 * {mtd} / {budget:g}", "pct", "% of budget")],
                region=region,
                low=0,
                high=120,
                period=period,
            ),
        ]
    ]


def _weighted_month_to_date(account: Account, period: int) -> tuple[list[MetricRow], str]:
    """Month to date as each feature's BudgetUsedPercent x its budget (what the evaluator computed)."""
    env = account.environment
    features = account.features
    used = [
        metric(
            c.BUDGET_USED_PERCENT,
            c.feature_dims(env, f.application, f.name),
            id=f"b{i}",
            stat="Maximum",
            period=period,
            visible=False,
        )
        for i, f in enumerate(features)
    ]
    mtd_terms = " + ".join(f"FILL(b{i}, 0) * {float(f.monthly_budget_usd):g}" for i, f in enumerate(features))
    mtd = f"({mtd_terms or '0'}) / 100"
    return used, mtd


DAY = 86_400


def _bill_row(account: Account) -> list[Row]:
    """Estimate vs bill: the metered daily cost next to Cost Explorer's (lambdas/reconcile), when enabled."""
    if not account.pricing.reconcile.enabled:
        return []
    env, region = account.environment, account.region
    account_dims = {c.ENVIRONMENT: env}
    tolerance = float(account.pricing.reconcile_tolerance_percent)
    metered = expression(
        f"SUM({c.search(c.COST, {c.ENVIRONMENT: env, c.APPLICATION: None}, 'Sum', DAY)})", "est", "metered"
    )
    return [
        [
            graph(
                "Estimate vs bill, per day (USD; the bill settles a day later)",
                [metered, metric(c.BILLED, account_dims, id="bill", label="billed (Cost Explorer)")],
                region=region,
                width=16,
                period=DAY,
                stat="Maximum",
            ),
            single_value(
                f"Estimate error vs bill, last reconciled day (%; alarm beyond {tolerance:g}% on a model)",
                [
                    metric(c.ESTIMATE_ERROR, account_dims, id="err", label="account"),
                    metric(c.ESTIMATE_ERROR_WORST_MODEL, account_dims, id="worst", label="worst model"),
                ],
                region=region,
                width=8,
                stat="Maximum",
                period=DAY,
                whole_range=False,
            ),
        ]
    ]


def _feature_metrics(
    features: Sequence[Feature], env: str, name: str, prefix: str, *, with_unattributed: bool
) -> list[MetricRow]:
    rows = [
        metric(name, c.feature_dims(env, f.application, f.name), id=f"{prefix}{i}", label=f.name)
        for i, f in enumerate(features)
    ]
    if with_unattributed:
        rows.append(
            metric(
                name,
                c.feature_dims(env, c.UNATTRIBUTED, c.UNATTRIBUTED),
                id=f"{prefix}u",
                label=c.UNATTRIBUTED,
            )
        )
    return rows


def _tokens_per_request(features: Sequence[Feature], env: str) -> list[MetricRow]:
    rows: list[MetricRow] = []
    for i, f in enumerate(features):
        dims = c.feature_dims(env, f.application, f.name)
        rows += [
            metric(c.INPUT_TOKENS, dims, id=f"i{i}", visible=False),
            metric(c.OUTPUT_TOKENS, dims, id=f"o{i}", visible=False),
            metric(c.INVOCATIONS, dims, id=f"n{i}", visible=False),
            expression(f"(FILL(i{i}, 0) + FILL(o{i}, 0)) / n{i}", f"t{i}", f.name),
        ]
    return rows


def _feature_sections(account: Account) -> list[list[Row]]:
    env, region = account.environment, account.region
    groups = chunks(account.features, FEATURES_PER_GRAPH)
    sections: list[list[Row]] = []
    for index, group in enumerate(groups):
        part = f" ({index + 1}/{len(groups)})" if len(groups) > 1 else ""
        first = index == 0
        sections.append(
            [
                [
                    graph(
                        f"Cost per feature{part} (USD / 5 min)",
                        _feature_metrics(group, env, c.COST, "c", with_unattributed=first),
                        region=region,
                        stacked=True,
                    ),
                    graph(
                        f"Tokens per request per feature{part} (input + output)",
                        _tokens_per_request(group, env),
                        region=region,
                        stat="Sum",
                    ),
                ],
                [
                    graph(
                        f"Input tokens per feature{part}",
                        _feature_metrics(group, env, c.INPUT_TOKENS, "i", with_unattributed=first),
                        region=region,
                        width=8,
                        stacked=True,
                    ),
                    graph(
                        f"Output tokens per feature{part}",
                        _feature_metrics(group, env, c.OUTPUT_TOKENS, "o", with_unattributed=first),
                        region=region,
                        width=8,
                        stacked=True,
                    ),
                    graph(
                        f"Cached (read) input tokens per feature{part}",
                        _feature_metrics(group, env, c.CACHE_READ_TOKENS, "r", with_unattributed=first),
                        region=region,
                        width=8,
                        stacked=True,
                    ),
                ],
            ]
        )
    return sections


def _mix_section(account: Account) -> list[Row]:
    env, region = account.environment, account.region
    by_model: dict[str, str | None] = {c.ENVIRONMENT: env, c.MODEL: None}
    model_label = "${PROP('Dim.Model')}"
    apps = [*account.applications, c.UNATTRIBUTED]
    app_cost = [metric(c.COST, c.app_dims(env, app), id=f"a{i}", label=app) for i, app in enumerate(apps)]
    known = " + ".join(f"FILL(a{i}, 0)" for i in range(len(apps)))
    other = expression(f"total - ({known})", "other", "applications not in config")
    return [
        [
            graph(
                "Cost per model (USD / 5 min)",
                [expression(c.search(c.COST, by_model, "Sum", PERIOD), "m", model_label)],
                region=region,
                stacked=True,
            ),
            graph(
                "Cost per application (USD / 5 min)",
                [*app_cost, *_total(c.COST, env, "total", "total"), other],
                region=region,
                stacked=False,
            ),
        ],
        [
            pie(
                "Model mix: share of cost",
                [expression(c.search(c.COST, by_model, "Sum", PERIOD), "mix", model_label)],
                region=region,
            ),
            graph(
                "Unattributed share of cost (%)",
                [
                    metric(c.COST, c.app_dims(env, c.UNATTRIBUTED), id="u", visible=False),
                    *[[{**row[0], "visible": False}] for row in _total(c.COST, env, "all", "all")],
                    expression("100 * FILL(u, 0) / all", "share", "unattributed %"),
                ],
                region=region,
                width=8,
                annotations=[("alarm", account.alarms.unattributed_share_percent)],
            ),
            graph(
                "Invocations per application",
                [
                    metric(c.INVOCATIONS, c.app_dims(env, app), id=f"n{i}", label=app)
                    for i, app in enumerate(apps)
                ],
                region=region,
                width=8,
                stacked=True,
            ),
        ],
    ]


def _errors_section(account: Account) -> list[Row]:
    env, region = account.environment, account.region
    apps = [*account.applications, c.UNATTRIBUTED]
    throttled = [
        metric(c.THROTTLED, c.app_dims(env, app), id=f"th{i}", label=f"{app} throttled")
        for i, app in enumerate(apps)
    ]
    failed = [
        metric(c.FAILED, c.app_dims(env, app), id=f"fa{i}", label=f"{app} failed")
        for i, app in enumerate(apps)
    ]
    return [
        [
            graph("Throttled invocations", throttled, region=region, stacked=True),
            graph(
                "Failed invocations, unpriced and malformed records",
                [
                    *failed,
                    *_total(c.UNPRICED, env, "unpriced", "unpriced (all applications)"),
                    metric(c.MALFORMED, {c.ENVIRONMENT: env}, id="bad", label="malformed records"),
                ],
                region=region,
            ),
        ]
    ]


def _alarm_sections(account: Account, alarms: Sequence[str], per_widget: int) -> list[list[Row]]:
    if not alarms:
        return [[[text("**Guardrail alarms:** none defined for this account yet.", height=2)]]]
    arns = sorted(alarm_arn(account, a) for a in alarms)
    groups = chunks(arns, per_widget)
    return [
        [
            [
                alarm_status(
                    f"Guardrail alarms ({len(arns)})"
                    + (f" {i + 1}/{len(groups)}" if len(groups) > 1 else ""),
                    group,
                )
            ]
        ]
        for i, group in enumerate(groups)
    ]


def _ops_section(account: Account, log_group_name: str) -> list[Row]:
    region = account.region
    model: dict[str, str | None] = {c.BEDROCK_MODEL_DIM: None}
    label = "${PROP('Dim.ModelId')}"
    return [
        [
            log_table(
                "Top callers and features by tokens (invocation logs, time range of the dashboard)",
                log_group_name,
                TOP_CALLERS_QUERY,
                region=region,
            )
        ],
        [
            graph(
                "Bedrock invocation latency p90 per model (ms, AWS/Bedrock)",
                [
                    expression(
                        c.search(c.BEDROCK_LATENCY, model, "p90", PERIOD, namespace=c.BEDROCK_NAMESPACE),
                        "lat",
                        label,
                    )
                ],
                region=region,
                stat="p90",
            ),
            graph(
                "Bedrock time to first token p90 per model (ms, AWS/Bedrock)",
                [
                    expression(
                        c.search(c.BEDROCK_TTFT, model, "p90", PERIOD, namespace=c.BEDROCK_NAMESPACE),
                        "ttft",
                        label,
                    )
                ],
                region=region,
                stat="p90",
            ),
        ],
    ]


def build_account_dashboards(
    account: Account,
    *,
    alarms: Sequence[str] = (),
    log_group_name: str,
    limits: DashboardLimits = DEFAULT,
) -> list[Dashboard]:
    """`GenAI-Cost-<account>` and, when the limits require it, `GenAI-Cost-<account>-p2`, ... ."""
    features = _feature_sections(account)
    sections: list[list[Row]] = [
        _header(account, len(alarms)) + _money_row(account, limits) + _bill_row(account),
        features[0],
        _mix_section(account),
        _errors_section(account),
        *_alarm_sections(account, alarms, limits.max_alarms_per_widget),
        _ops_section(account, log_group_name),
        *features[1:],
    ]

    def name(part: int) -> str:
        return dashboard_name(account.name, "" if part == 1 else f"p{part}")

    def continuation(part: int) -> Row:
        first = dashboard_url(account.region, name(1))
        return [
            text(f"## {account.name}, continued (part {part}) · [back to the overview]({first})", height=1)
        ]

    return pack(sections, name=name, continuation=continuation, limits=limits)
