"""Dashboard builders: pure functions from config (plus alarm names and the invocation log group) to
CloudWatch dashboard bodies. No aws_cdk here: `stacks/dashboards.py` turns them into resources and
`make preview` (tools/preview) renders them to PNG."""

from collections.abc import Mapping, Sequence

from core.alarm_model import AccountAlarmSet
from core.config_model import Account
from dashboards.account import application_dashboard_name, build_account_dashboards
from dashboards.application import build_application_dashboards
from dashboards.limits import DEFAULT, HARD, DashboardLimits, violations
from dashboards.organization import ORGANIZATION_DASHBOARD, build_organization_dashboards
from dashboards.pack import Dashboard


def build_account_dashboard_set(
    account: Account,
    *,
    alarms: Sequence[str],
    feature_alarms: Mapping[str, Sequence[str]] | None,
    log_group_name: str,
    limits: DashboardLimits = DEFAULT,
) -> list[Dashboard]:
    """Every dashboard of one account: the account dashboard and one per application (split at limits)."""
    result = build_account_dashboards(account, alarms=alarms, log_group_name=log_group_name, limits=limits)
    for application in account.applications:
        result += build_application_dashboards(
            account, application, alarms=alarms, feature_alarms=feature_alarms, limits=limits
        )
    return result


def account_dashboards(
    account: Account, alarm_set: AccountAlarmSet, log_group_name: str, limits: DashboardLimits = DEFAULT
) -> list[Dashboard]:
    """The dashboards the account stack deploys, alarm widgets from the account's alarm set."""
    return build_account_dashboard_set(
        account,
        alarms=sorted(alarm_set.names()),
        feature_alarms=alarm_set.names_by_feature() or None,
        log_group_name=log_group_name,
        limits=limits,
    )


__all__ = [
    "DEFAULT",
    "HARD",
    "ORGANIZATION_DASHBOARD",
    "Dashboard",
    "DashboardLimits",
    "account_dashboards",
    "application_dashboard_name",
    "build_account_dashboard_set",
    "build_account_dashboards",
    "build_application_dashboards",
    "build_organization_dashboards",
    "violations",
]
