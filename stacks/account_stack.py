"""AccountGuardrails: everything one workload account needs (notifications, metering, alarms, budgets,
dashboards). Constructs are composed here and wired through their attributes."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from config.model import Account, GuardrailsConfig
from config.runtime import build_runtime_config
from stacks.data_key import GuardrailDataKey
from stacks.lambda_code import lambda_code
from stacks.metering import BedrockInvocationMetering
from stacks.naming import METRIC_NAMESPACE, account_stack_name
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
        self.account_config = account
        self.data_key = GuardrailDataKey(self, "DataKey")
        # One code asset for every guardrail Lambda of the account: the lambdas package + runtime config.
        self.runtime_config = build_runtime_config(config, account, namespace=METRIC_NAMESPACE)
        self.lambda_code = lambda_code(self.runtime_config)
        self.notifications = GuardrailNotifications(
            self,
            "Notifications",
            topic_name=f"{account_stack_name(account.name)}-notifications",
            emails=config.notifications.emails,
            slack=config.notifications.slack,
        )
        cdk.CfnOutput(self, "NotificationTopicArn", value=self.notifications.topic.topic_arn)

        self.metering = BedrockInvocationMetering(
            self,
            "Metering",
            settings=account.invocation_logging,
            code=self.lambda_code,
            key=self.data_key.key,
            metrics_namespace=METRIC_NAMESPACE,
        )
        cdk.CfnOutput(self, "InvocationLogGroupName", value=self.metering.log_group_name)
        cdk.CfnOutput(self, "MeteringFunctionName", value=self.metering.function.function_name)
