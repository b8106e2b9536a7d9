"""The optional organization overview, deployed in `organization.monitoring_account_id`: cost per
account and per application side by side, read across accounts (CloudWatch cross-account
observability: `accountId` on each metric)."""

from __future__ import annotations

from core import contract as c
from core.config_model import Account, GuardrailsConfig
from dashboards.common import chunks, dashboard_url, money
from dashboards.layout import Row
from dashboards.limits import DEFAULT, DashboardLimits
from dashboards.pack import Dashboard, pack
from dashboards.widgets import MetricRow, expression, graph, metric, text

ORGANIZATION_DASHBOARD = "GenAI-Cost-Organization"  # capital O: never an account name
ACCOUNTS_PER_GRAPH = 10


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
