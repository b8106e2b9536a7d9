"""Dashboard builders: pure functions from config (plus alarm names and the invocation log group) to
CloudWatch dashboard bodies. No aws_cdk here: `stacks/dashboards.py` turns them into resources and
`cli/preview.py` renders them to PNG."""

from dashboards.account import application_dashboard_name, build_account_dashboards
from dashboards.application import build_application_dashboards
from dashboards.limits import DEFAULT, HARD, DashboardLimits, violations
from dashboards.organization import ORGANIZATION_DASHBOARD, build_organization_dashboards
from dashboards.pack import Dashboard

__all__ = [
    "DEFAULT",
    "HARD",
    "ORGANIZATION_DASHBOARD",
    "Dashboard",
    "DashboardLimits",
    "application_dashboard_name",
    "build_account_dashboards",
    "build_application_dashboards",
    "build_organization_dashboards",
    "violations",
]
