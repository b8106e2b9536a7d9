"""GuardrailDashboards: one `AWS::CloudWatch::Dashboard` per body the pure builders in `dashboards/`
return (the account dashboard, one per application, and the parts they split into at CloudWatch's limits).

Instantiate it after the alarm constructs: every alarm already in the stack is added to the alarm-status
widgets, on top of the names `stacks.alarm_definitions` gives, so the widget never misses an alarm."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from config.model import Account, GuardrailsConfig
from dashboards import Dashboard, build_account_dashboards, build_application_dashboards
from dashboards.limits import DEFAULT, DashboardLimits


def defined_alarms(config: GuardrailsConfig, account: Account) -> tuple[list[str], dict[str, list[str]]]:
    """(every alarm name, feature -> its alarm names) from stacks.alarm_definitions; empty without it."""
    try:
        from stacks.alarm_definitions import build_alarm_set
    except ImportError:  # the alarm definitions are built in parallel (issue 4)
        return [], {}
    alarm_set = build_alarm_set(config, account)
    every = [a.name for a in alarm_set.alarms] + [c.name for c in alarm_set.composites]
    by_feature = {
        f.name: [a.name for a in alarm_set.alarms if a.subject == f.name]
        + [c.name for c in alarm_set.composites if c.subject == f.name]
        for f in account.features
    }
    return every, by_feature


def alarms_in(scope: Construct) -> list[str]:
    """Names of the metric and composite alarms already defined under `scope` (concrete names only)."""
    names: list[str] = []
    for child in scope.node.find_all():
        if isinstance(child, cloudwatch.CfnAlarm | cloudwatch.CfnCompositeAlarm):
            name = child.alarm_name
            if name and not cdk.Token.is_unresolved(name):
                names.append(name)
    return names


def account_dashboards(
    account: Account,
    *,
    alarms: Sequence[str],
    feature_alarms: Mapping[str, Sequence[str]] | None,
    log_group_name: str,
    limits: DashboardLimits = DEFAULT,
) -> list[Dashboard]:
    result = build_account_dashboards(account, alarms=alarms, log_group_name=log_group_name, limits=limits)
    for application in account.applications:
        result += build_application_dashboards(
            account, application, alarms=alarms, feature_alarms=feature_alarms, limits=limits
        )
    return result


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
        config: GuardrailsConfig,
        account: Account,
        log_group_name: str,
        limits: DashboardLimits = DEFAULT,
    ) -> GuardrailDashboards:
        """Every dashboard of one account; call it after the alarms exist in `scope`'s stack."""
        defined, by_feature = defined_alarms(config, account)
        alarms = sorted(set(defined) | set(alarms_in(cdk.Stack.of(scope))))
        bodies = account_dashboards(
            account,
            alarms=alarms,
            feature_alarms=by_feature or None,
            log_group_name=log_group_name,
            limits=limits,
        )
        return cls(scope, construct_id, dashboards=bodies)
