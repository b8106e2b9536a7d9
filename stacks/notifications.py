"""One encrypted SNS topic per account for every guardrail notification: alarms, budgets, anomalies,
the evaluator's explanations."""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from core.config_model import SlackChannel

# Services that publish to the topic on our behalf: they need the topic's KMS key and sns:Publish.
PUBLISHING_SERVICES = ("budgets.amazonaws.com", "costalerts.amazonaws.com", "cloudwatch.amazonaws.com")


class GuardrailNotifications(Construct):
    """KMS key + SNS topic + email subscriptions (+ optional Slack through Amazon Q Developer in chat)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        topic_name: str,
        emails: Sequence[str],
        slack: SlackChannel | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        account = cdk.Stack.of(self).account
        self.key = kms.Key(
            self,
            "TopicKey",
            description=f"Encrypts the {topic_name} SNS topic",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        services = [iam.ServicePrincipal(s) for s in PUBLISHING_SERVICES]
        # Confused-deputy guard: only this account's budgets, monitors and alarms may use the key.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowGuardrailPublishers",
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                principals=services,
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=topic_name,
            display_name="GenAI cost guardrails",
            master_key=self.key,
            enforce_ssl=True,
        )
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowGuardrailPublishers",
                actions=["sns:Publish"],
                principals=services,
                resources=[self.topic.topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )
        )
        for email in emails:
            self.topic.add_subscription(subscriptions.EmailSubscription(email))
        self.slack: chatbot.SlackChannelConfiguration | None = None
        if slack is not None:
            self.slack = chatbot.SlackChannelConfiguration(
                self,
                "Slack",
                slack_channel_configuration_name=topic_name[:128],
                slack_workspace_id=slack.workspace_id,
                slack_channel_id=slack.channel_id,
                notification_topics=[self.topic],
                # The channel only reads notifications; no commands run from chat.
                guardrail_policies=[iam.ManagedPolicy.from_aws_managed_policy_name("AWSDenyAll")],
                logging_level=chatbot.LoggingLevel.ERROR,
            )
