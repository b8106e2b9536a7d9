"""MonitoringGuardrails: the optional organization overview dashboard, in
`organization.monitoring_account_id` (a CloudWatch cross-account observability monitoring account)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from core.config_model import GuardrailsConfig
from core.naming import PRODUCT
from dashboards import build_organization_dashboards
from stacks.dashboards import GuardrailDashboards
from stacks.observability import ObservabilitySink

MONITORING_STACK_NAME = f"{PRODUCT}-Monitoring"


class MonitoringGuardrailsStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: GuardrailsConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.sink: ObservabilitySink | None = None
        if config.organization.cross_account_observability:
            self.sink = ObservabilitySink(self, "Observability", config=config)
        self.dashboards = GuardrailDashboards(
            self, "Dashboards", dashboards=build_organization_dashboards(config)
        )
