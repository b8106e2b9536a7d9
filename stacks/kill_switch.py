"""Optional AWS Budgets action ("kill switch"): at a percent of a budget, AWS Budgets attaches a managed
policy that denies Bedrock invocation to the IAM roles named in config. Off by default; MANUAL approval
by default (Budgets notifies and waits for someone to run the action), AUTOMATIC allowed.

Per feature, the deny is scoped to the feature's application inference profile (calls through the
profile stop; other features keep working). For the account, it covers every Bedrock model and profile.
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_iam as iam
from constructs import Construct

from core.config_model import Account, KillSwitch
from stacks.budgets import GuardrailBudgets
from stacks.inference_profiles import FeatureInferenceProfiles

# The IAM actions every Bedrock model call needs: InvokeModel, InvokeModelWithResponseStream (and the
# bidirectional variant). The Converse and ConverseStream APIs are authorized by these same two actions;
# IAM has no `bedrock:Converse*` action (cfn-lint W3037 rejects it), so denying InvokeModel* stops them too.
DENIED_ACTIONS = ("bedrock:InvokeModel*",)


class BudgetKillSwitch(Construct):
    """Deny policy + the execution role AWS Budgets assumes to attach it + the `AWS::Budgets::BudgetsAction`.

    `resources`: what the deny covers (a profile ARN, or ["*"] for all of Bedrock)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        switch: KillSwitch,
        field: str,
        budget: budgets.CfnBudget,
        budget_name: str,
        resources: Sequence[str],
        description: str,
        topic_arn: str,
        emails: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.deny_policy = iam.ManagedPolicy(
            self,
            "DenyBedrock",
            description=description[:1000],
            statements=[
                iam.PolicyStatement(
                    sid="GuardrailKillSwitch",
                    effect=iam.Effect.DENY,
                    actions=list(DENIED_ACTIONS),
                    resources=list(resources),
                )
            ],
        )
        role_arns = [
            stack.format_arn(service="iam", region="", resource="role", resource_name=name)
            for name in switch.role_names
        ]
        # Least privilege: AWS Budgets may only attach/detach this one policy, only to these roles, and
        # only on behalf of this account (confused-deputy guard).
        self.execution_role = iam.Role(
            self,
            "ExecutionRole",
            description=f"AWS Budgets attaches the kill-switch policy ({field})"[:1000],
            assumed_by=iam.ServicePrincipal("budgets.amazonaws.com").with_conditions(
                {"StringEquals": {"aws:SourceAccount": stack.account}}
            ),
            inline_policies={
                "AttachDenyPolicy": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(
                            actions=["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
                            resources=role_arns,
                            conditions={"ArnEquals": {"iam:PolicyARN": self.deny_policy.managed_policy_arn}},
                        )
                    ]
                )
            },
        )
        subscribers = [budgets.CfnBudgetsAction.SubscriberProperty(address=topic_arn, type="SNS")]
        subscribers += [budgets.CfnBudgetsAction.SubscriberProperty(address=e, type="EMAIL") for e in emails]
        self.action = budgets.CfnBudgetsAction(
            self,
            "Action",
            budget_name=budget_name,
            action_type="APPLY_IAM_POLICY",
            action_threshold=budgets.CfnBudgetsAction.ActionThresholdProperty(
                type="PERCENTAGE", value=switch.threshold_percent
            ),
            notification_type="ACTUAL",
            approval_model=switch.approval,
            execution_role_arn=self.execution_role.role_arn,
            definition=budgets.CfnBudgetsAction.DefinitionProperty(
                iam_action_definition=budgets.CfnBudgetsAction.IamActionDefinitionProperty(
                    policy_arn=self.deny_policy.managed_policy_arn,
                    roles=list(switch.role_names),
                )
            ),
            subscribers=subscribers,
        )
        self.action.node.add_dependency(budget)


class GuardrailKillSwitches(Construct):
    """Every enabled kill switch of one account: the account's (all of Bedrock, on the account budget) and
    each feature's (its profile, on its feature budget). `switches`: 'account' or feature name -> switch."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        account: Account,
        account_index: int,
        budgets: GuardrailBudgets,
        profiles: FeatureInferenceProfiles,
        topic_arn: str,
        emails: Sequence[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.switches: dict[str, BudgetKillSwitch] = {}
        if account.kill_switch is not None and account.kill_switch.enabled:
            self.switches["account"] = BudgetKillSwitch(
                self,
                "Account",
                switch=account.kill_switch,
                field=f"accounts[{account_index}].kill_switch",
                budget=budgets.account_budget,
                budget_name=budgets.account_budget_name,
                resources=["*"],
                description=f"GenAI cost guardrails kill switch: denies all Bedrock calls ({account.name})",
                topic_arn=topic_arn,
                emails=emails,
            )
        for f, feature in enumerate(account.features):
            switch = feature.kill_switch
            if switch is None or not switch.enabled:
                continue
            field = f"accounts[{account_index}].features[{f}].kill_switch"
            self.switches[feature.name] = BudgetKillSwitch(
                self,
                f"Feature-{feature.name}",
                switch=switch,
                field=field,
                budget=budgets.feature_budgets[feature.name],
                budget_name=budgets.feature_budget_names[feature.name],
                resources=[profiles.profile_arn(feature.name)],
                description=(
                    "GenAI cost guardrails kill switch: denies Bedrock calls through the application "
                    f"inference profile of feature {feature.name} ({account.name})"
                ),
                topic_arn=topic_arn,
                emails=emails,
            )
