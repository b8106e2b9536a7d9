"""CloudFormation's per-template limits, checked from config without CDK: 500 resources and 1 MB.

`account_stack_plan` counts the resources an account stack will hold from the same pure data the stack is
built from (alarm definitions, dashboard bodies) plus a table of what each construct creates, and bounds
the template size from above. Tests compare both with synthesized templates, so the table stays true.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from core.alarm_definitions import build_alarm_set
from core.alarm_model import AlarmDefinition, CompositeAlarmDefinition
from core.config_model import Account, GuardrailsConfig
from dashboards import account_dashboards

# CloudFormation quotas per stack (template).
MAX_RESOURCES = 500
MAX_TEMPLATE_BYTES = 1_000_000
# The invocation log group name the stack meters when config names none.
DEFAULT_INVOCATION_LOG_GROUP = "/aws/bedrock/model-invocations"

# Resources each construct of the account stack creates (the synthesized templates are the reference).
BASE_RESOURCES = {
    "data key": 1,  # KMS key
    "notifications": 3,  # KMS key, topic, topic policy
    "account budget": 1,
    "metering": 9,  # log group, role, policy, function, async config, permission, DLQ + policy, filter
    "evaluator": 7,  # log group, role, policy, function, table, schedule rule, permission
    "detector": 6,  # log group, role, policy, function, schedule rule, permission
    "metadata": 1,  # AWS::CDK::Metadata (CLI synth)
}
INVOCATION_LOGGING_CREATE = 8  # log group, delivery role + policy, custom resource + provider (4)
ANOMALY_DETECTION = 2  # monitor, subscription
SLACK_CHANNEL = 2  # Chatbot channel configuration, its role
PER_EMAIL = 1  # SNS email subscription
PER_FEATURE_PROFILE = 2  # application inference profile, its feature budget
PER_KILL_SWITCH = 3  # deny policy, execution role, budgets action
PRICE_REFRESH = 8  # log group, role, policy, function, permission, bucket + policy, schedule rule

# Template bytes (bench/stack_size.py measures them): parameters and outputs, a resource other than an alarm
# or a dashboard, and the envelope of an alarm around its definition's JSON (logical id, type, tags, ids).
BASE_TEMPLATE_BYTES = 20_000
PER_RESOURCE_BYTES = 1_100
ALARM_ENVELOPE_BYTES = 550


@dataclass(frozen=True)
class StackPlan:
    """What one stack will hold: resources by part, and an upper bound of its template size."""

    stack: str
    resources: dict[str, int] = field(default_factory=dict)
    template_bytes: int = 0

    @property
    def resource_count(self) -> int:
        return sum(self.resources.values())


def _alarm_bytes(alarm: AlarmDefinition | CompositeAlarmDefinition, tag_bytes: int) -> int:
    """An upper bound of one alarm's template resource: its definition's JSON plus the resource envelope."""
    return len(json.dumps(dataclasses.asdict(alarm))) + ALARM_ENVELOPE_BYTES + tag_bytes


def account_stack_plan(config: GuardrailsConfig, account: Account, stack_name: str) -> StackPlan:
    alarm_set = build_alarm_set(
        config,
        account,
        metering_function_name="metering",
        dead_letter_queue_name="metering-dlq",
        detector_function_name="detector",
    )
    log_group = account.invocation_logging.log_group_name or DEFAULT_INVOCATION_LOG_GROUP
    dashboards = account_dashboards(account, alarm_set, log_group)
    profiled = [f for f in account.features if f.inference_profile is not None]
    switches = [f.kill_switch for f in account.features if f.kill_switch and f.kill_switch.enabled]
    if account.kill_switch is not None and account.kill_switch.enabled:
        switches.append(account.kill_switch)
    resources = dict(BASE_RESOURCES)
    resources["alarms"] = len(alarm_set.alarms) + len(alarm_set.composites)
    resources["dashboards"] = len(dashboards)
    resources["email subscriptions"] = PER_EMAIL * len(config.notifications.emails)
    resources["feature profiles and budgets"] = PER_FEATURE_PROFILE * len(profiled)
    resources["kill switches"] = PER_KILL_SWITCH * len(switches)
    if account.invocation_logging.mode == "create":
        resources["invocation logging"] = INVOCATION_LOGGING_CREATE
    if account.anomaly_detection.enabled:
        resources["anomaly detection"] = ANOMALY_DETECTION
    if config.notifications.slack is not None:
        resources["slack"] = SLACK_CHANNEL
    if account.price_refresh.enabled:
        resources["price refresh"] = PRICE_REFRESH
    # Every taggable resource carries the account's extra tags (the standard three are in the envelope).
    tag_bytes = sum(len(json.dumps({"Key": k, "Value": v})) + 2 for k, v in account.tags.items())
    every: list[AlarmDefinition | CompositeAlarmDefinition] = [*alarm_set.alarms, *alarm_set.composites]
    alarm_bytes = sum(_alarm_bytes(a, tag_bytes) for a in every)
    dashboard_bytes = sum(
        len(json.dumps(json.dumps(d.body, separators=(",", ":")))) + ALARM_ENVELOPE_BYTES for d in dashboards
    )
    others = sum(resources.values()) - resources["alarms"] - resources["dashboards"]
    size = BASE_TEMPLATE_BYTES + alarm_bytes + dashboard_bytes + (PER_RESOURCE_BYTES + tag_bytes) * others
    return StackPlan(stack_name, resources, size)


def stack_limit_problems(config: GuardrailsConfig) -> Iterator[str]:
    """Each account stack must fit CloudFormation's resource and template-size quotas."""
    from core.naming import account_stack_name

    for a, account in enumerate(config.accounts):
        try:
            plan = account_stack_plan(config, account, account_stack_name(account.name))
        except ValueError as exc:  # a dashboard widget past CloudWatch's 100 metrics (dashboards/pack.py)
            yield (
                f"accounts[{a}].features: {len(account.features)} features do not fit the account's "
                f"dashboards: {exc}; split the features across accounts or regions"
            )
            continue
        largest = sorted(plan.resources.items(), key=lambda kv: -kv[1])[:3]
        parts = ", ".join(f"{name} {count}" for name, count in largest)
        if plan.resource_count > MAX_RESOURCES:
            yield (
                f"accounts[{a}].features: {len(account.features)} features need {plan.resource_count} "
                f"CloudFormation resources in stack {plan.stack} (largest parts: {parts}); CloudFormation "
                f"allows {MAX_RESOURCES} per stack: split the features across accounts or regions, or turn "
                "off alarm families you do not need"
            )
        elif plan.template_bytes > MAX_TEMPLATE_BYTES:
            yield (
                f"accounts[{a}].features: {len(account.features)} features make stack {plan.stack}'s "
                f"template about {plan.template_bytes:,} bytes; CloudFormation allows "
                f"{MAX_TEMPLATE_BYTES:,}: split the features across accounts or regions"
            )
