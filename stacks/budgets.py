"""AWS Budgets for Bedrock: one monthly cost budget for all Bedrock spend of the account (including
third-party models billed through AWS Marketplace) and one per feature that has an application
inference profile (filtered on the cost allocation tag `GenAI:Workload`).

Budgets are billing-true but late: they refresh up to three times a day from Cost Explorer data that
itself lags by up to 24 hours. They are the safety net behind the real-time metering metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import aws_budgets as budgets
from constructs import Construct

from core.config_model import Account, BudgetAlert, Feature
from core.naming import TAG_WORKLOAD, account_stack_name

BUDGET_NAME_MAX_CHARS = 100

# The service name Cost Explorer uses for first-party Bedrock usage (on-demand tokens, provisioned
# throughput, knowledge bases, guardrails, ...).
BEDROCK_SERVICE = "Amazon Bedrock"
# Third-party models (Anthropic Claude, among others) are sold through AWS Marketplace: their line
# items carry the billing entity "AWS Marketplace" and a per-product service name such as
# "Claude 3.5 Sonnet (Amazon Bedrock Edition)". A SERVICE = "Amazon Bedrock" filter misses them.
MARKETPLACE_BILLING_ENTITY = "AWS Marketplace"
MARKETPLACE_BEDROCK_SUFFIX = "(Amazon Bedrock Edition)"
# FilterExpression budgets aggregate this metric (CostFilters/CostTypes budgets default to it too).
BUDGET_METRIC = "UnblendedCost"


def bedrock_filter_expression(region: str | None = None) -> dict[str, Any]:
    """Budgets `FilterExpression` (CloudFormation shape) matching all Bedrock spend:
    SERVICE = Amazon Bedrock, or a Marketplace line item whose service name ends with
    "(Amazon Bedrock Edition)". With `region` (an account listed in several Regions, one budget per
    entry), only that Region's spend."""
    if region is not None:
        return {"And": [bedrock_filter_expression(), {"Dimensions": {"Key": "REGION", "Values": [region]}}]}
    return {
        "Or": [
            {"Dimensions": {"Key": "SERVICE", "Values": [BEDROCK_SERVICE]}},
            {
                "And": [
                    {"Dimensions": {"Key": "BILLING_ENTITY", "Values": [MARKETPLACE_BILLING_ENTITY]}},
                    {
                        "Dimensions": {
                            "Key": "SERVICE",
                            "Values": [MARKETPLACE_BEDROCK_SUFFIX],
                            "MatchOptions": ["ENDS_WITH"],
                        }
                    },
                ]
            },
        ]
    }


def _expression(data: dict[str, Any]) -> budgets.CfnBudget.ExpressionProperty:
    """The plain CloudFormation dict above as the typed L1 property (jsii drops unknown dict keys)."""
    dimensions = data.get("Dimensions")
    return budgets.CfnBudget.ExpressionProperty(
        or_=[_expression(e) for e in data["Or"]] if "Or" in data else None,
        and_=[_expression(e) for e in data["And"]] if "And" in data else None,
        dimensions=(
            budgets.CfnBudget.ExpressionDimensionValuesProperty(
                key=dimensions["Key"],
                values=dimensions["Values"],
                match_options=dimensions.get("MatchOptions"),
            )
            if dimensions
            else None
        ),
    )


def workload_tag_filter(feature_name: str) -> dict[str, list[str]]:
    """Budgets `CostFilters` for spend tagged GenAI:Workload=<feature> (user-defined cost allocation tag)."""
    return {"TagKeyValue": [f"user:{TAG_WORKLOAD}${feature_name}"]}


def budget_notifications(
    alerts: Sequence[BudgetAlert], topic_arn: str, emails: Sequence[str]
) -> list[budgets.CfnBudget.NotificationWithSubscribersProperty]:
    subscribers = [budgets.CfnBudget.SubscriberProperty(address=topic_arn, subscription_type="SNS")]
    subscribers += [
        budgets.CfnBudget.SubscriberProperty(address=e, subscription_type="EMAIL") for e in emails
    ]
    return [
        budgets.CfnBudget.NotificationWithSubscribersProperty(
            notification=budgets.CfnBudget.NotificationProperty(
                comparison_operator="GREATER_THAN",
                notification_type=alert.type.upper(),
                threshold=alert.percent,
                threshold_type="PERCENTAGE",
            ),
            subscribers=subscribers,
        )
        for alert in alerts
    ]


def account_budget_name(account: Account) -> str:
    return f"{account_stack_name(account.name)}-bedrock"


def feature_budget_name(account: Account, feature: Feature) -> str:
    return f"{account_stack_name(account.name)}-feature-{feature.name}"[:BUDGET_NAME_MAX_CHARS]


def budgeted_features(account: Account) -> list[tuple[int, Feature]]:
    """Features that get an AWS Budgets budget: those with an application inference profile (billing can
    only see a feature through the profile's GenAI:Workload tag)."""
    return [(i, f) for i, f in enumerate(account.features) if f.inference_profile is not None]


class GuardrailBudgets(Construct):
    """The account's Bedrock budget and the per-feature budgets; `account_budget` and `feature_budgets`
    (feature name -> CfnBudget) are exposed for budget actions."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        account: Account,
        topic_arn: str,
        emails: Sequence[str],
        region_only: bool = False,
    ) -> None:
        """`region_only`: the account is listed in several Regions; this budget counts this one only."""
        super().__init__(scope, construct_id)
        notifications = budget_notifications(account.budget_alerts, topic_arn, emails)
        self.account_budget_name = account_budget_name(account)
        self.account_budget = budgets.CfnBudget(
            self,
            "Account",
            budget=budgets.CfnBudget.BudgetDataProperty(
                budget_name=self.account_budget_name,
                budget_type="COST",
                time_unit="MONTHLY",
                budget_limit=budgets.CfnBudget.SpendProperty(
                    amount=float(account.monthly_budget_usd), unit="USD"
                ),
                filter_expression=_expression(
                    bedrock_filter_expression(account.region if region_only else None)
                ),
                metrics=[BUDGET_METRIC],
            ),
            notifications_with_subscribers=notifications,
        )
        self.feature_budgets: dict[str, budgets.CfnBudget] = {}
        self.feature_budget_names: dict[str, str] = {}
        for _, feature in budgeted_features(account):
            name = feature_budget_name(account, feature)
            self.feature_budget_names[feature.name] = name
            self.feature_budgets[feature.name] = budgets.CfnBudget(
                self,
                f"Feature-{feature.name}",
                budget=budgets.CfnBudget.BudgetDataProperty(
                    budget_name=name,
                    budget_type="COST",
                    time_unit="MONTHLY",
                    budget_limit=budgets.CfnBudget.SpendProperty(
                        amount=float(feature.monthly_budget_usd), unit="USD"
                    ),
                    cost_filters=workload_tag_filter(feature.name),
                ),
                notifications_with_subscribers=notifications,
            )
