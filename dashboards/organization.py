"""The optional organization overview, deployed in `organization.monitoring_account_id`: cost per
account and per application side by side, read across accounts (CloudWatch cross-account
observability: `accountId` on each metric)."""

from __future__ import annotations

from core import contract as c
from core.alarm_definitions import build_alarm_set
from core.config_model import Account, GuardrailsConfig
from dashboards.common import alarm_arn, chunks, dashboard_url, money
from dashboards.layout import Row
from dashboards.limits import DEFAULT, DashboardLimits
from dashboards.pack import Dashboard, pack
from dashboards.widgets import MetricRow, alarm_status, expression, graph, metric, single_value, text

ORGANIZATION_DASHBOARD = "GenAI-Cost-Organization"  # capital O: never an account name
ACCOUNTS_PER_GRAPH = 10
TOP_FEATURES_PER_ACCOUNT = 5
ACCOUNTS_PER_TOP_GRAPH = 4  # each SEARCH is budgeted at 20 series (dashboards/limits.py)
EVALUATOR_PERIOD = 900


def _evaluator_sum(
    metric_name: str, account: Account, id: str, label: str, application: str | None
) -> MetricRow:
    """The sum of an evaluator metric (MonthToDateUSD, ForecastUSD) over the account's features, or one
    application's, read in that account."""
    dims: dict[str, str | None] = {
        c.ENVIRONMENT: account.environment,
        c.APPLICATION: application,
        c.FEATURE: None,
    }
    return expression(
        f"SUM({c.search(metric_name, dims, 'Maximum', EVALUATOR_PERIOD)})",
        id,
        label,
        account_id=account.account_id,
        region=account.region,
    )


def _money(account: Account, application: str | None, budget: float, title: str, region: str) -> Row:
    rows = [
        _evaluator_sum(c.MONTH_TO_DATE, account, "mtd", "month to date", application),
        _evaluator_sum(c.FORECAST, account, "fc", "forecast", application),
        expression(f"TIME_SERIES({budget:g})", "budget", "budget"),
    ]
    return [
        single_value(title, rows, region=region, stat="Maximum", period=EVALUATOR_PERIOD, whole_range=False)
    ]


def _money_sections(config: GuardrailsConfig, region: str) -> list[list[Row]]:
    """Month to date, forecast and budget (USD) per account, then per application of each account."""
    sections: list[list[Row]] = []
    per_account: list[Row] = [[]]
    for account in config.accounts:
        if len(per_account[-1]) == 4:
            per_account.append([])
        per_account[-1] += _money(
            account,
            None,
            float(account.monthly_budget_usd),
            f"{account.name}: month to date, forecast, budget",
            region,
        )
    sections.append(per_account)
    for account in config.accounts:
        rows: list[Row] = [[]]
        for application in account.applications:
            budget = sum(
                float(f.monthly_budget_usd) for f in account.features if f.application == application
            )
            if len(rows[-1]) == 4:
                rows.append([])
            rows[-1] += _money(account, application, budget, f"{account.name} / {application}", region)
        if rows[-1]:
            sections.append(rows)
    return sections


def _top_features(config: GuardrailsConfig, region: str) -> list[list[Row]]:
    groups = chunks(config.accounts, ACCOUNTS_PER_TOP_GRAPH)
    widgets = []
    for n, group in enumerate(groups):
        part = f" ({n + 1}/{len(groups)})" if len(groups) > 1 else ""
        rows = []
        for i, account in enumerate(group):
            dims: dict[str, str | None] = {
                c.ENVIRONMENT: account.environment,
                c.APPLICATION: None,
                c.FEATURE: None,
            }
            rows.append(
                expression(
                    f"SORT({c.search(c.COST, dims, 'Sum', 86400)}, SUM, DESC, {TOP_FEATURES_PER_ACCOUNT})",
                    f"top{i}",
                    f"{account.name} " + "${PROP('Dim.Feature')}",
                    account_id=account.account_id,
                    region=account.region,
                )
            )
        widgets.append(
            graph(
                f"Top features across accounts by cost{part} "
                f"(top {TOP_FEATURES_PER_ACCOUNT} per account, USD / day)",
                rows,
                region=region,
                period=86400,
                view="bar",
            )
        )
    return [[widgets[i : i + 2]] for i in range(0, len(widgets), 2)]


def _alarm_states(config: GuardrailsConfig, per_widget: int) -> list[list[Row]]:
    """Every account's alarms on metered data: the features' hard limits (the detector pages for them) and
    the account alarms, in one place."""
    arns: list[str] = []
    for account in config.accounts:
        alarm_set = build_alarm_set(config, account)
        arns += [alarm_arn(account, a.name) for a in alarm_set.alarms]
    groups = chunks(sorted(arns), per_widget)
    return [
        [
            [
                alarm_status(
                    f"Alarm states, every account ({len(arns)})"
                    + (f" {i + 1}/{len(groups)}" if len(groups) > 1 else ""),
                    group,
                )
            ]
        ]
        for i, group in enumerate(groups)
        if group
    ]


def _app_metrics(index: int, account: Account, *, visible: bool) -> list[MetricRow]:
    apps = [*account.applications, c.UNATTRIBUTED]
    return [
        metric(
            c.COST,
            c.app_dims(account.environment, app),
            id=f"a{index}_{j}",
            label=f"{account.name} / {app}",
            visible=visible,
            account_id=account.account_id,
            region=account.region,
        )
        for j, app in enumerate(apps)
    ]


def build_organization_dashboards(
    config: GuardrailsConfig, *, limits: DashboardLimits = DEFAULT
) -> list[Dashboard]:
    region = config.organization.region
    total_budget = sum(float(a.monthly_budget_usd) for a in config.accounts)
    header = text(
        "# GenAI cost · organization\n"
        f"{len(config.accounts)} accounts, {money(total_budget)}/month of budgets · metrics read from each "
        "account through CloudWatch cross-account observability · "
        + " · ".join(f"{a.name} ({a.environment}, {a.account_id}, {a.region})" for a in config.accounts),
        height=2,
    )
    sections: list[list[Row]] = [[[header]]]
    groups = chunks(config.accounts, ACCOUNTS_PER_GRAPH)
    offset = 0
    for n, group in enumerate(groups):
        part = f" ({n + 1}/{len(groups)})" if len(groups) > 1 else ""
        per_account: list[MetricRow] = []
        per_app: list[MetricRow] = []
        for i, account in enumerate(group, start=offset):
            hidden = _app_metrics(i, account, visible=False)
            per_account += hidden
            ids = " + ".join(f"FILL({row[-1]['id']}, 0)" for row in hidden)
            per_account.append(expression(ids, f"acct{i}", account.name))
            per_app += _app_metrics(i, account, visible=True)
        offset += len(group)
        sections.append(
            [
                [
                    graph(
                        f"Cost per account{part} (USD / hour)",
                        per_account,
                        region=region,
                        period=3600,
                        stacked=True,
                    ),
                    graph(f"Cost per application{part} (USD / hour)", per_app, region=region, period=3600),
                ],
                [
                    graph(
                        f"Cost per account over the time range{part} (USD)",
                        per_account,
                        region=region,
                        period=86400,
                        view="bar",
                    ),
                    graph(
                        f"Cost per application over the time range{part} (USD)",
                        per_app,
                        region=region,
                        period=86400,
                        view="bar",
                    ),
                ],
            ]
        )

    sections[1:1] = _money_sections(config, region)
    sections += _top_features(config, region)
    sections += _alarm_states(config, limits.max_alarms_per_widget)

    def name(part: int) -> str:
        return ORGANIZATION_DASHBOARD if part == 1 else f"{ORGANIZATION_DASHBOARD}-p{part}"

    def continuation(part: int) -> Row:
        return [
            text(
                f"## Organization, continued (part {part}) · [part 1]({dashboard_url(region, name(1))})",
                height=1,
            )
        ]

    return pack(sections, name=name, continuation=continuation, limits=limits, start="-P7D")
