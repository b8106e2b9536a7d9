"""GuardrailDashboards: one `AWS::CloudWatch::Dashboard` per body the pure builders in `dashboards/`
return (the account dashboard, one per application, and the parts they split into at CloudWatch's limits).

The alarm-status widgets list every alarm of the account's alarm set (core.alarm_definitions)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from core.alarm_model import AccountAlarmSet
from core.config_model import Account
from dashboards import Dashboard, account_dashboards
from dashboards.limits import DEFAULT, DashboardLimits


class GuardrailDashboards(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dashboards: Sequence[Dashboard],
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboards: dict[str, cloudwatch.CfnDashboard] = {}
        for each in dashboards:
            self.dashboards[each.name] = cloudwatch.CfnDashboard(
                self,
                each.name,
                dashboard_name=each.name,
                dashboard_body=json.dumps(each.body, separators=(",", ":")),
            )

    @classmethod
    def for_account(
        cls,
        scope: Construct,
        construct_id: str,
        *,
        account: Account,
        alarm_set: AccountAlarmSet,
        log_group_name: str,
        limits: DashboardLimits = DEFAULT,
    ) -> GuardrailDashboards:
        """Every dashboard of one account, its alarm widgets listing every alarm of `alarm_set`."""
        return cls(
            scope, construct_id, dashboards=account_dashboards(account, alarm_set, log_group_name, limits)
        )
