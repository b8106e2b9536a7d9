"""Optional AWS Budgets action ("kill switch"): at a percent of a budget, AWS Budgets attaches a managed
policy that denies Bedrock invocation to the IAM roles named in config. Off by default; MANUAL approval
by default (Budgets notifies and waits for someone to run the action), AUTOMATIC allowed.

Per feature, the deny covers every way the named roles reach the model the feature's profile copies
(`feature_model_resources`): the feature's application inference profile, the base model called directly
in any Region, every system (geo/global cross-Region) inference profile of that model, and the foundation
model in every Region a profile routes to, which Bedrock authorizes on each routed call, so calls through
any other profile to that model stop too. For the account, it covers every Bedrock model and profile.
What it cannot stop is listed in README "Budgets and tags" (kill switch).
"""

from __future__ import annotations

from collections.abc import Sequence

import aws_cdk as cdk
from aws_cdk import aws_budgets as budgets
from aws_cdk import aws_iam as iam
from constructs import Construct

from core.config_model import Account, KillSwitch
from core.inference_profiles import is_system_profile_id
from stacks.budgets import GuardrailBudgets
from stacks.inference_profiles import FeatureInferenceProfiles, output_id

# The IAM actions every Bedrock model call needs: InvokeModel, InvokeModelWithResponseStream (and the
# bidirectional variant). The Converse and ConverseStream APIs and StartAsyncInvoke are authorized by these
# same actions; IAM has no `bedrock:Converse*` action (cfn-lint W3037 rejects it), so denying InvokeModel*
# stops them too. CreateModelInvocationJob (batch inference) is authorized on the foundation model: new
# batch jobs on the model stop as well.
DENIED_ACTIONS = ("bedrock:InvokeModel*", "bedrock:CreateModelInvocationJob")


def base_model_id(copy_from: str) -> str:
    """`us.anthropic.claude-...` -> `anthropic.claude-...`; a base model id stays as it is."""
    return copy_from.split(".", 1)[1] if is_system_profile_id(copy_from) else copy_from


def feature_model_resources(copy_from: str) -> list[str]:
    """Every ARN through which a call reaches the model a feature's profile copies, in any Region."""
    model = base_model_id(copy_from)
    partition = cdk.Aws.PARTITION
    return [
        # The base model called directly, and the model a (geo) profile routes to, in every Region.
        f"arn:{partition}:bedrock:*::foundation-model/{model}",
        # Global cross-Region inference authorizes the Region-less foundation-model ARN.
        f"arn:{partition}:bedrock:::foundation-model/{model}",
        # Every system inference profile of the model: us., eu., apac., jp., global., ...
        f"arn:{partition}:bedrock:*:*:inference-profile/*.{model}",
    ]


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
        # The runbook's fastest stop: attach this policy by hand (aws iam attach-role-policy) without
        # waiting for Budgets, whose data lags the spend by hours.
        self.policy_output = cdk.CfnOutput(self, "PolicyArn", value=self.deny_policy.managed_policy_arn)


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
            self.switches["account"].policy_output.override_logical_id("KillSwitchPolicyArnAccount")
        for f, feature in enumerate(account.features):
            switch = feature.kill_switch
            if switch is None or not switch.enabled:
                continue
            field = f"accounts[{account_index}].features[{f}].kill_switch"
            assert feature.inference_profile is not None  # core.rules: a feature kill switch needs one
            copy_from = feature.inference_profile.copy_from
            self.switches[feature.name] = BudgetKillSwitch(
                self,
                f"Feature-{feature.name}",
                switch=switch,
                field=field,
                budget=budgets.feature_budgets[feature.name],
                budget_name=budgets.feature_budget_names[feature.name],
                resources=[profiles.profile_arn(feature.name), *feature_model_resources(copy_from)],
                description=(
                    f"GenAI cost guardrails kill switch: denies the roles of feature {feature.name} "
                    f"({account.name}) every call to {base_model_id(copy_from)}: its application inference "
                    "profile, the model in any Region, and every system inference profile of the model"
                ),
                topic_arn=topic_arn,
                emails=emails,
            )
            self.switches[feature.name].policy_output.override_logical_id(
                output_id("KillSwitchPolicyArn", feature.name)
            )
