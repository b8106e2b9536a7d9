"""One naming rule for every stack, alarm, dashboard and tag, so names stay predictable for users."""

from __future__ import annotations

PRODUCT = "GenAiGuardrails"
ORG_STACK_NAME = f"{PRODUCT}-Org"

# The four standard tag keys: exact capitalisation matters to billing and to tag policies.
TAG_APPLICATION = "Application"
TAG_ENVIRONMENT = "Environment"
TAG_WORKLOAD = "GenAI:Workload"
TAG_MODEL = "GenAI:Model"
STANDARD_TAG_KEYS = (TAG_APPLICATION, TAG_ENVIRONMENT, TAG_WORKLOAD, TAG_MODEL)
# Value of the Application / GenAI:Workload tags on the guardrail's own resources.
SELF_APPLICATION = "genai-cost-guardrails"
# Value of the Environment tag on the organization and monitoring stacks' own resources.
MANAGEMENT_ENVIRONMENT = "management"
MONITORING_ENVIRONMENT = "monitoring"


def account_stack_name(account_name: str) -> str:
    return f"{PRODUCT}-{account_name}"


def alarm_name_prefix(account_name: str) -> str:
    """What every alarm of one account starts with (the evaluator lists them by it)."""
    return f"{PRODUCT}-{account_name}-"


def alarm_name(account_name: str, subject: str, kind: str) -> str:
    """`GenAiGuardrails-prod-support-chat-CostRate`: account, then feature (or 'account'), then kind."""
    return f"{alarm_name_prefix(account_name)}{subject}-{kind}"


def dashboard_name(account_name: str, suffix: str = "") -> str:
    return f"GenAI-Cost-{account_name}{'-' + suffix if suffix else ''}"


def analytics_database_name(account_name: str) -> str:
    """Glue database of the account's invocation-log table (Glue names: lower case, digits, underscores)."""
    return "genai_guardrails_" + account_name.replace("-", "_")


ANALYTICS_TABLE_NAME = "bedrock_invocation_logs"


def analytics_workgroup_name(account_name: str) -> str:
    return f"{PRODUCT}-{account_name}-invocation-logs"
