"""AccountGuardrails: everything one workload account needs (notifications, metering, alarms, budgets,
dashboards). Constructs are composed here and wired through their attributes."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from config.model import Account, GuardrailsConfig
from stacks.naming import account_stack_name
from stacks.notifications import GuardrailNotifications


class AccountGuardrailsStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: GuardrailsConfig,
        account: Account,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.notifications = GuardrailNotifications(
            self,
            "Notifications",
            topic_name=f"{account_stack_name(account.name)}-notifications",
            emails=config.notifications.emails,
            slack=config.notifications.slack,
        )
        cdk.CfnOutput(self, "NotificationTopicArn", value=self.notifications.topic.topic_arn)
