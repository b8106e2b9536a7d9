"""Cost Anomaly Detection: an AWS services monitor (DIMENSIONAL, SERVICE) and an IMMEDIATE subscription
that publishes to the guardrail topic when an anomaly's total impact reaches config's threshold.

A services monitor evaluates every AWS service of the account separately (Amazon Bedrock and the
Marketplace "(Amazon Bedrock Edition)" products included), so its alerts name the service. AWS allows one
DIMENSIONAL SERVICE monitor per account: if the account already has one (AWS creates
"Default-Services-Monitor" in many accounts), the deploy fails; set `anomaly_detection.enabled: false`
and subscribe the topic to the existing monitor instead (README, "Budgets and tags").
"""

from __future__ import annotations

import json
from decimal import Decimal

from aws_cdk import aws_ce as ce
from constructs import Construct

# IMMEDIATE subscriptions accept SNS subscribers only (email needs DAILY or WEEKLY).
FREQUENCY = "IMMEDIATE"


def threshold_expression(threshold_usd: Decimal) -> str:
    """Alert when an anomaly's total impact is at least `threshold_usd` (ThresholdExpression JSON)."""
    return json.dumps(
        {
            "Dimensions": {
                "Key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                "MatchOptions": ["GREATER_THAN_OR_EQUAL"],
                "Values": [format(threshold_usd.normalize(), "f")],
            }
        },
        separators=(",", ":"),
    )


class BedrockAnomalyDetection(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, name_prefix: str, threshold_usd: Decimal, topic_arn: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.monitor = ce.CfnAnomalyMonitor(
            self,
            "Monitor",
            monitor_name=f"{name_prefix}-services",
            monitor_type="DIMENSIONAL",
            monitor_dimension="SERVICE",
        )
        self.subscription = ce.CfnAnomalySubscription(
            self,
            "Subscription",
            subscription_name=f"{name_prefix}-anomalies",
            frequency=FREQUENCY,
            monitor_arn_list=[self.monitor.attr_monitor_arn],
            subscribers=[ce.CfnAnomalySubscription.SubscriberProperty(address=topic_arn, type="SNS")],
            threshold_expression=threshold_expression(threshold_usd),
        )
