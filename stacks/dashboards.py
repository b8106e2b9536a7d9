"""GuardrailDashboards: one `AWS::CloudWatch::Dashboard` per body the pure builders in `dashboards/`
return (the account dashboard, one per application, and the parts they split into at CloudWatch's limits).

The alarm-status widgets list every alarm of the account's alarm set (core.alarm_definitions)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from config.unit_templates import LOG_GROUP_PLACEHOLDER
from dashboards import Dashboard


class GuardrailDashboards(Construct):
    """`log_group_name`: the invocation log group the metering reads, put where a body holds
    LOG_GROUP_PLACEHOLDER (a deploy-time value when the logging custom resource answers it)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        dashboards: Sequence[Dashboard],
        log_group_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dashboards: dict[str, cloudwatch.CfnDashboard] = {}
        for each in dashboards:
            body = json.dumps(each.body, separators=(",", ":"))
            if log_group_name is not None:
                body = body.replace(LOG_GROUP_PLACEHOLDER, log_group_name)
            self.dashboards[each.name] = cloudwatch.CfnDashboard(
                self, each.name, dashboard_name=each.name, dashboard_body=body
            )
