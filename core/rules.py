"""Config rules beyond the schema: AWS limits and policies a config must respect to deploy, checked without
CDK. `genai-guardrails validate` and synth both run them (through `config.loader`), so a config that
validates synthesizes, and one that does not fails synth with the same message.

Each rule yields problems as ``field: what is wrong and what to do``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from core.alarm_definitions import build_alarm_set
from core.alarm_model import AlarmLimitError
from core.config_model import (
    MAX_BUDGET_NOTIFICATIONS,
    MAX_EMAIL_SUBSCRIBERS,
    BudgetAlert,
    GuardrailsConfig,
)
from core.inference_profiles import profile_tags
from core.naming import (
    MANAGEMENT_ENVIRONMENT,
    MONITORING_ENVIRONMENT,
    SELF_APPLICATION,
    TAG_APPLICATION,
    TAG_ENVIRONMENT,
    TAG_WORKLOAD,
)
from core.org_policies import build_deny_untagged_profiles_scp, build_tag_policy, required_tag_keys
from core.rule_error import ConfigRuleError

# AWS Budgets: one SNS subscriber per notification (besides the emails).
MAX_SNS_SUBSCRIBERS = 1


def budget_notification_problems(
    alerts: Sequence[BudgetAlert], emails: Sequence[str], field: str, *, sns_topics: int = 1
) -> Iterator[str]:
    """AWS Budgets limits: at most 10 notifications per budget, each with at most 1 SNS and 10 email
    subscribers."""
    if len(alerts) > MAX_BUDGET_NOTIFICATIONS:
        yield (
            f"{field}: {len(alerts)} budget alerts; AWS Budgets allows at most {MAX_BUDGET_NOTIFICATIONS} "
            "notifications per budget"
        )
    if len({(a.percent, a.type) for a in alerts}) != len(alerts):
        yield f"{field}: budget alerts must not repeat the same percent and type"
    if sns_topics > MAX_SNS_SUBSCRIBERS:
        yield f"{field}: {sns_topics} SNS topics; AWS Budgets allows {MAX_SNS_SUBSCRIBERS} per notification"
    if len(emails) > MAX_EMAIL_SUBSCRIBERS:
        yield (
            f"notifications.emails: {len(emails)} emails; AWS Budgets allows at most "
            f"{MAX_EMAIL_SUBSCRIBERS} email subscribers per notification (used by {field})"
        )


def organization_policy_problems(config: GuardrailsConfig) -> Iterator[str]:
    """The tag policy and the SCP must be documents AWS Organizations accepts."""
    org = config.organization
    try:
        build_tag_policy(org)
        if org.deny_untagged_inference_profiles:
            build_deny_untagged_profiles_scp(required_tag_keys(org))
    except ConfigRuleError as exc:
        yield str(exc)


def _shown(values: Sequence[str]) -> str:
    return ", ".join(values[:5]) + (f", and {len(values) - 5} more" if len(values) > 5 else "")


def own_tag_problems(config: GuardrailsConfig) -> Iterator[str]:
    """The tag policy must allow the tags this app puts on its own resources, or it would block the app's
    own deploys in every account under the targets: Application and GenAI:Workload carry the app's name,
    Environment every account's environment and the organization (and monitoring) stack's."""
    org = config.organization
    allowed = org.tag_policy.allowed_values
    wanted: dict[str, list[str]] = {
        TAG_APPLICATION: [SELF_APPLICATION],
        TAG_WORKLOAD: [SELF_APPLICATION],
        TAG_ENVIRONMENT: list(
            dict.fromkeys(
                [
                    *(a.environment for a in config.accounts),
                    MANAGEMENT_ENVIRONMENT,
                    *([MONITORING_ENVIRONMENT] if org.monitoring_account_id else []),
                ]
            )
        ),
    }
    for key, values in wanted.items():
        permitted = allowed.get(key)
        missing = [v for v in values if permitted and v not in permitted]
        if missing:
            yield (
                f"organization.tag_policy.allowed_values.{key}: must include "
                f"{', '.join(map(repr, missing))}, the {key} tag this app puts on its own resources; allowed "
                f"now: {_shown(permitted or [])}"
            )
    extra_allowed = {
        spec.key: spec.allowed_values for spec in org.tag_policy.extra_keys if spec.allowed_values
    }
    for a, account in enumerate(config.accounts):
        for key, value in account.tags.items():
            permitted = extra_allowed.get(key) or allowed.get(key)
            if permitted and value not in permitted:
                yield (
                    f"accounts[{a}].tags.{key}: {value!r} is not an allowed value of tag {key} in "
                    f"organization.tag_policy ({_shown(permitted)}); every resource of the stack carries it"
                )


def profile_problems(config: GuardrailsConfig) -> Iterator[str]:
    """A profile's tags must satisfy the organization's tag policy (allowed values), or the tag policy would
    block creating it in accounts where it is enforced."""
    allowed = config.organization.tag_policy.allowed_values
    for a, account in enumerate(config.accounts):
        for f, feature in enumerate(account.features):
            if feature.inference_profile is None:
                continue
            for key, value in profile_tags(account, feature).items():
                values = allowed.get(key)
                if values and value not in values:
                    yield (
                        f"accounts[{a}].features[{f}].inference_profile: the profile's tag {key}={value!r} "
                        f"is not in organization.tag_policy.allowed_values.{key} ({_shown(values)})"
                    )


def kill_switch_problems(config: GuardrailsConfig) -> Iterator[str]:
    """A feature's kill switch acts on the feature's budget, which exists only for features with an
    application inference profile."""
    for a, account in enumerate(config.accounts):
        for f, feature in enumerate(account.features):
            switch = feature.kill_switch
            if switch is not None and switch.enabled and feature.inference_profile is None:
                yield (
                    f"accounts[{a}].features[{f}].kill_switch: needs inference_profile (copy_from) on the "
                    "feature: the kill switch acts on the feature's budget and denies calls to its profile"
                )


def alarm_problems(config: GuardrailsConfig) -> Iterator[str]:
    """Every alarm of every account must fit CloudWatch's limits."""
    for a, account in enumerate(config.accounts):
        try:
            build_alarm_set(config, account)
        except AlarmLimitError as exc:
            yield f"accounts[{a}]: {exc}"


def multi_region_problems(config: GuardrailsConfig) -> Iterator[str]:
    """An AWS account listed in several Regions: Cost Anomaly Detection allows one services monitor per
    account, so only one of its entries may turn it on."""
    seen: dict[str, int] = {}
    for a, account in enumerate(config.accounts):
        if not account.anomaly_detection.enabled:
            continue
        if account.account_id in seen:
            yield (
                f"accounts[{a}].anomaly_detection.enabled: account {account.account_id} already has its Cost "
                f"Anomaly Detection monitor from accounts[{seen[account.account_id]}] (AWS allows one "
                "services monitor per account, across Regions): set enabled: false here"
            )
        else:
            seen[account.account_id] = a


def pipeline_problems(config: GuardrailsConfig) -> Iterator[str]:
    """With the pipeline on, every account must be deployed by some wave."""
    pipeline = config.organization.pipeline
    if not pipeline.enabled:
        return
    covered = {e for wave in pipeline.waves for e in wave.environments}
    region = pipeline.region or config.organization.region
    for a, account in enumerate(config.accounts):
        if account.region != region:
            # CDK Pipelines adds a replication bucket per other Region whose generated name cdk-nag flags.
            yield (
                f"accounts[{a}].region: {account.region} differs from the pipeline's Region {region}; the "
                "pipeline deploys accounts of its own Region only: deploy this one with cdk deploy, or run "
                "a second pipeline (organization.pipeline.region) from a copy of the config"
            )
        if account.environment not in covered:
            yield (
                f"accounts[{a}].environment: {account.environment!r} is in no organization.pipeline.waves "
                f"entry ({', '.join(sorted(covered)) or 'none'}): add it to a wave's environments"
            )


def rule_problems(config: GuardrailsConfig) -> list[str]:
    """Every problem the CDK-free rules find, in config order."""
    problems: list[str] = []
    problems += organization_policy_problems(config)
    problems += own_tag_problems(config)
    for a, account in enumerate(config.accounts):
        problems += budget_notification_problems(
            account.budget_alerts, config.notifications.emails, f"accounts[{a}].budget_alerts"
        )
    problems += profile_problems(config)
    problems += kill_switch_problems(config)
    problems += alarm_problems(config)
    problems += multi_region_problems(config)
    problems += pipeline_problems(config)
    return problems
