"""CloudFormation's per-template limits, checked from config without CDK: 500 resources and 1 MB.

`account_stack_plan` counts the resources an account stack will hold from the same pure data the stack is
built from (alarm definitions, dashboard bodies) plus a table of what each construct creates, and bounds
the template size from above. Tests compare both with synthesized templates, so the table stays true.

`account_layout` decides where everything goes. An account of at most ONE_TEMPLATE_MAX_FEATURES features
that fits one template keeps the one-template layout (what the first releases deployed), unless its config
says `stack_layout: nested`; `single` keeps it at any count. A larger account, or one that asks for it, is
split: its own template keeps the account-wide parts (key, topic, metering, evaluator, budgets, inference
profiles, kill switches, account health alarms) and a layout guard (stacks/layout_guard.py), and nests one
template per application (its features' alarms, its dashboards; `-2`, `-3`... when one application alone
exceeds a template) plus one for the account dashboards. The nested templates are rendered here, CDK-free
(config/unit_templates.py): their sizes are exact, and synth writes these very templates.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from config.unit_templates import (
    LOG_GROUP_PLACEHOLDER,
    alarm_resources,
    dashboard_resources,
    template_bytes,
    unit_template,
)
from core.alarm_definitions import build_alarm_set
from core.alarm_model import AccountAlarmSet, AlarmDefinition, ServiceHealthAlarm
from core.config_model import ONE_TEMPLATE_MAX_FEATURES, Account, GuardrailsConfig
from core.naming import SELF_APPLICATION, TAG_APPLICATION, TAG_ENVIRONMENT, TAG_WORKLOAD, account_stack_name
from dashboards import Dashboard, account_dashboards
from dashboards.account import application_dashboard_name

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
# The logging custom resource: its function (log group, role, policy, function), the Provider framework's
# function (role, policy, function) and the resource; `create` adds the log group, the delivery role, and
# the upgrade guard (an AwsCustomResource and its provider: function, role, policy, log group).
INVOCATION_LOGGING_LOOKUP = 8
INVOCATION_LOGGING_CREATE = 16
ANOMALY_DETECTION = 2  # monitor, subscription
SLACK_CHANNEL = 2  # Chatbot channel configuration, its role
PER_EMAIL = 1  # SNS email subscription
PER_FEATURE_PROFILE = 2  # application inference profile, its feature budget
PER_KILL_SWITCH = 3  # deny policy, execution role, budgets action
PRICE_REFRESH = 9  # log group, role, policy, function, permission, bucket + policy + key, schedule rule
NESTED_STACK = 1  # AWS::CloudFormation::Stack per nested unit
RECONCILIATION = 6  # log group, role, policy, function, daily rule, permission

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


def _alarm_bytes(alarm: AlarmDefinition | ServiceHealthAlarm, tag_bytes: int) -> int:
    """An upper bound of one alarm's template resource: its definition's JSON plus the resource envelope.
    (The JSON of `dataclasses.asdict`, without its deep copy: thousands of alarms at organization size.)"""
    return len(json.dumps(alarm, default=_fields)) + ALARM_ENVELOPE_BYTES + tag_bytes


def _fields(value: object) -> dict[str, Any]:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    raise TypeError(f"not JSON: {type(value).__name__}")


def account_stack_plan(
    config: GuardrailsConfig,
    account: Account,
    stack_name: str,
    *,
    alarm_set: AccountAlarmSet | None = None,
    dashboards: list[Dashboard] | None = None,
) -> StackPlan:
    """The one-template layout's plan (every resource of the account in one stack)."""
    log_group = account.invocation_logging.log_group_name or DEFAULT_INVOCATION_LOG_GROUP
    if alarm_set is None:
        alarm_set = build_alarm_set(config, account)
    if dashboards is None:
        dashboards = account_dashboards(account, alarm_set, log_group)
    resources = _resources(config, account, alarm_set, len(dashboards))
    if sum(resources.values()) > MAX_RESOURCES:  # split anyway: the size bound is not needed
        return StackPlan(stack_name, resources, MAX_TEMPLATE_BYTES + 1)
    # Every taggable resource carries the account's extra tags (the standard three are in the envelope).
    tag_bytes = sum(len(json.dumps({"Key": k, "Value": v})) + 2 for k, v in account.tags.items())
    every: list[AlarmDefinition | ServiceHealthAlarm] = [*alarm_set.alarms, *alarm_set.service_health]
    alarm_bytes = sum(_alarm_bytes(a, tag_bytes) for a in every)
    # Sized with the group's name where the layout's dashboards hold LOG_GROUP_PLACEHOLDER.
    dashboard_bytes = sum(
        len(json.dumps(json.dumps(d.body, separators=(",", ":"))).replace(LOG_GROUP_PLACEHOLDER, log_group))
        + ALARM_ENVELOPE_BYTES
        for d in dashboards
    )
    others = sum(resources.values()) - resources["alarms"] - resources["dashboards"]
    size = BASE_TEMPLATE_BYTES + alarm_bytes + dashboard_bytes + (PER_RESOURCE_BYTES + tag_bytes) * others
    return StackPlan(stack_name, resources, size)


def _resources(
    config: GuardrailsConfig, account: Account, alarm_set: AccountAlarmSet, dashboards: int
) -> dict[str, int]:
    """Resources by part of the one-template layout."""
    profiled = [f for f in account.features if f.inference_profile is not None]
    switches = [f.kill_switch for f in account.features if f.kill_switch and f.kill_switch.enabled]
    if account.kill_switch is not None and account.kill_switch.enabled:
        switches.append(account.kill_switch)
    resources = dict(BASE_RESOURCES)
    resources["alarms"] = len(alarm_set.alarms) + len(alarm_set.service_health)
    resources["dashboards"] = dashboards
    resources["email subscriptions"] = PER_EMAIL * len(config.notifications.emails)
    resources["feature profiles and budgets"] = PER_FEATURE_PROFILE * len(profiled)
    resources["kill switches"] = PER_KILL_SWITCH * len(switches)
    if account.invocation_logging.mode == "create":
        resources["invocation logging"] = INVOCATION_LOGGING_CREATE
    elif account.invocation_logging.log_group_name is None:  # existing: looked up at deploy time
        resources["invocation logging"] = INVOCATION_LOGGING_LOOKUP
    if account.anomaly_detection.enabled:
        resources["anomaly detection"] = ANOMALY_DETECTION
    if config.notifications.slack is not None:
        resources["slack"] = SLACK_CHANNEL
    if account.price_refresh.enabled:
        resources["price refresh"] = PRICE_REFRESH
    if account.pricing.reconcile.enabled:
        resources["reconciliation"] = RECONCILIATION
    return resources


def resource_tags(account: Account) -> dict[str, str]:
    """The tags every taggable resource of an account stack carries (app_builder adds the same)."""
    return {
        TAG_APPLICATION: SELF_APPLICATION,
        TAG_ENVIRONMENT: account.environment,
        TAG_WORKLOAD: SELF_APPLICATION,
        **account.tags,
    }


@dataclass(frozen=True)
class UnitPlan:
    """One nested template of a split account: its construct id, what it holds, the rendered template."""

    id: str
    features: tuple[str, ...]
    dashboards: tuple[str, ...]
    template: dict[str, Any]

    @property
    def resource_count(self) -> int:
        return len(self.template["Resources"])

    @property
    def template_bytes(self) -> int:
        return template_bytes(self.template)


@dataclass(frozen=True)
class AccountLayout:
    """Where an account's resources go: one template, or its own template plus nested units."""

    stack: str
    split: bool
    parent: StackPlan
    units: tuple[UnitPlan, ...]
    alarm_set: AccountAlarmSet
    dashboards: tuple[Dashboard, ...]
    problems: tuple[str, ...] = ()


@dataclass
class _Block:
    """What must stay together in one unit: a feature's alarms, or one dashboard."""

    feature: str | None
    alarms: list[AlarmDefinition]
    dashboards: list[Dashboard]
    resources: int
    bytes: int


# The envelope of a unit template (version, description, parameter) and a comma per resource (bounds).
UNIT_ENVELOPE_BYTES = 600


def _block(
    account: Account,
    tags: dict[str, str],
    *,
    feature: str | None = None,
    alarms: list[AlarmDefinition] | None = None,
    dashboards: list[Dashboard] | None = None,
) -> _Block:
    alarms, dashboards = alarms or [], dashboards or []
    resources = {
        **alarm_resources(alarms, tags, {"Ref": "TopicArn"}),
        **dashboard_resources(dashboards),
    }
    size = sum(len(json.dumps({k: v}, separators=(",", ":"))) for k, v in resources.items())
    return _Block(feature, alarms, dashboards, len(resources), size)


def _pack_units(
    prefix: str, blocks: list[_Block], account: Account, tags: dict[str, str]
) -> tuple[list[UnitPlan], list[str]]:
    """Fill units in order; `prefix`, `prefix-2`, ... Returns the units and any block too big alone."""
    groups: list[list[_Block]] = [[]]
    problems: list[str] = []
    resources = size = 0
    for block in blocks:
        if groups[-1] and (
            resources + block.resources > MAX_RESOURCES
            or size + block.bytes + UNIT_ENVELOPE_BYTES > MAX_TEMPLATE_BYTES
        ):
            groups.append([])
            resources = size = 0
        groups[-1].append(block)
        resources += block.resources
        size += block.bytes + 1
    units = []
    for n, group in enumerate(groups, start=1):
        unit_id = prefix if n == 1 else f"{prefix}-{n}"
        template = unit_template(
            description=f"GenAI cost guardrails for account {account.name}: {unit_id}",
            alarms=[a for b in group for a in b.alarms],
            dashboards=[d for b in group for d in b.dashboards],
            tags=tags,
        )
        unit = UnitPlan(
            unit_id,
            tuple(b.feature for b in group if b.feature),
            tuple(d.name for b in group for d in b.dashboards),
            template,
        )
        if unit.resource_count > MAX_RESOURCES or unit.template_bytes > MAX_TEMPLATE_BYTES:
            what = f"feature {unit.features[0]}" if len(group) == 1 and unit.features else unit_id
            problems.append(
                f"{what} alone needs {unit.resource_count} resources and {unit.template_bytes:,} template "
                f"bytes in nested stack {unit_id}; CloudFormation allows {MAX_RESOURCES} and "
                f"{MAX_TEMPLATE_BYTES:,}"
            )
        units.append(unit)
    return units, problems


def _split_units(
    account: Account, alarm_set: AccountAlarmSet, dashboards: list[Dashboard]
) -> tuple[list[UnitPlan], list[str]]:
    tags = resource_tags(account)
    alarms_of: dict[str, list[AlarmDefinition]] = {}
    for alarm in alarm_set.alarms:
        if alarm.feature is not None:
            alarms_of.setdefault(alarm.feature, []).append(alarm)
    by_name = {d.name: d for d in dashboards}
    units: list[UnitPlan] = []
    problems: list[str] = []
    placed: set[str] = set()
    for application in account.applications:
        blocks = [
            _block(
                account,
                tags,
                feature=f.name,
                alarms=alarms_of.get(f.name, []),
            )
            for f in account.features
            if f.application == application
        ]
        base = application_dashboard_name(account, application)
        own = [d for name, d in by_name.items() if name == base or name.startswith(f"{base}-p")]
        blocks += [_block(account, tags, dashboards=[d]) for d in own]
        placed.update(d.name for d in own)
        found, trouble = _pack_units(f"App-{application}", blocks, account, tags)
        units += found
        problems += trouble
    rest = [_block(account, tags, dashboards=[d]) for d in dashboards if d.name not in placed]
    if rest:
        found, trouble = _pack_units("Dashboards", rest, account, tags)
        units += found
        problems += trouble
    return units, problems


def _split_parent(
    config: GuardrailsConfig, account: Account, alarm_set: AccountAlarmSet, stack_name: str, units: int
) -> StackPlan:
    """The account's own template in the split layout: everything but the feature alarms and the
    dashboards, plus one nested-stack resource per unit."""
    resources = _resources(config, account, alarm_set, 0)
    health: list[AlarmDefinition | ServiceHealthAlarm] = [
        *(a for a in alarm_set.alarms if a.feature is None),
        *alarm_set.service_health,
    ]
    resources["alarms"] = len(health)
    resources["dashboards"] = 0
    resources["nested stacks"] = NESTED_STACK * units
    resources["layout guard"] = 1
    tag_bytes = sum(len(json.dumps({"Key": k, "Value": v})) + 2 for k, v in account.tags.items())
    others = sum(resources.values()) - resources["alarms"]
    size = (
        BASE_TEMPLATE_BYTES
        + sum(_alarm_bytes(a, tag_bytes) for a in health)
        + (PER_RESOURCE_BYTES + tag_bytes) * others
    )
    return StackPlan(stack_name, resources, size)


_LAYOUTS: dict[tuple[int, int], tuple[GuardrailsConfig, AccountLayout]] = {}


def account_layout(config: GuardrailsConfig, account: Account) -> AccountLayout:
    """The layout of one account stack (cached per config object: validate and synth share it)."""
    key = (id(config), id(account))
    cached = _LAYOUTS.get(key)
    if cached is not None and cached[0] is config:
        return cached[1]
    name = account_stack_name(account.name)
    alarm_set = build_alarm_set(config, account)
    # The dashboards hold a placeholder for the invocation log group: the group metered is known at deploy
    # time (the stack puts its value in, a nested unit takes it as a parameter).
    dashboards = account_dashboards(account, alarm_set, LOG_GROUP_PLACEHOLDER)
    single: StackPlan | None = None
    fits = True
    if account.stack_layout == "single" or (
        account.stack_layout == "auto" and len(account.features) <= ONE_TEMPLATE_MAX_FEATURES
    ):
        single = account_stack_plan(config, account, name, alarm_set=alarm_set, dashboards=dashboards)
        fits = single.resource_count <= MAX_RESOURCES and single.template_bytes <= MAX_TEMPLATE_BYTES
        if not fits and account.stack_layout == "auto":
            single = None
    if single is not None:
        problems: list[str] = []
        if not fits:
            problems.append(
                f"stack_layout single: {len(account.features)} features need {single.resource_count} "
                f"resources (about {single.template_bytes:,} bytes) in stack {name}'s one template; "
                f"CloudFormation allows {MAX_RESOURCES} resources and {MAX_TEMPLATE_BYTES:,} bytes: fewer "
                "features in this account, or stack_layout auto for nested stacks (a deployed one-template "
                "stack cannot move in place: README, Moving into nested stacks)"
            )
        layout = AccountLayout(name, False, single, (), alarm_set, tuple(dashboards), tuple(problems))
    else:
        units, problems = _split_units(account, alarm_set, dashboards)
        parent = _split_parent(config, account, alarm_set, name, len(units))
        if parent.resource_count > MAX_RESOURCES or parent.template_bytes > MAX_TEMPLATE_BYTES:
            largest = sorted(parent.resources.items(), key=lambda kv: -kv[1])[:3]
            parts = ", ".join(f"{n} {c}" for n, c in largest)
            problems.append(
                f"{len(account.features)} features leave {parent.resource_count} resources (about "
                f"{parent.template_bytes:,} bytes) in stack {name}'s own template after its alarms and "
                f"dashboards moved to {len(units)} nested stacks (largest parts: {parts}); CloudFormation "
                f"allows {MAX_RESOURCES} resources and {MAX_TEMPLATE_BYTES:,} bytes: fewer features with "
                "inference_profile or kill_switch in this account, or split it across accounts or regions"
            )
        layout = AccountLayout(
            name, True, parent, tuple(units), alarm_set, tuple(dashboards), tuple(problems)
        )
    _LAYOUTS[key] = (config, layout)
    return layout


def stack_limit_problems(config: GuardrailsConfig) -> Iterator[str]:
    """Each account stack, and each nested template of a split one, must fit CloudFormation's quotas."""
    for a, account in enumerate(config.accounts):
        for problem in account_layout(config, account).problems:
            yield f"accounts[{a}].features: {problem}"
