"""The run-time view of one account's config, shipped with the Lambda functions as a JSON file.

The Lambdas cannot import pydantic or YAML, and must not call AWS to meter a record, so the stack
writes this plain JSON document (`runtime_config.json`) next to their code at synth time. Values only
known at deploy time (ARNs of the application inference profiles the stack creates) arrive through the
environment variable `GUARDRAILS_PROFILE_FEATURES` instead: a JSON object {profile id: feature name}.

Schema (version 1):
{
  "version": 1,
  "account": "prod", "environment": "prod", "namespace": "GenAI/Cost",
  "features": [{"name", "application", "monthly_budget_usd", "daily_budget_usd", "hourly_limit_usd",
                "inference_profile_copy_from": str | null}],
  "metadata_rules": [{"feature", "application", "match": {key: value}}],   # all key/values must match
  "profile_rules":  [{"feature", "application", "profile_ids": [...]}],    # existing profiles from config
  "identity_rules": [{"feature", "application", "globs": [...]}],          # fnmatch on identity.arn
  "pricing": {"discount_percent": "0", "premium_models": [...],
              "overrides": [{"model_id", "region" | null, "input_per_million", "output_per_million",
                             "cache_read_per_million" | null, "cache_write_per_million" | null}]},
  "evaluator": {"notify_at": [{"percent", "type"}], "runbook_url": str, "alarm_name_prefix": str}
}
Decimals are strings so no precision is lost.
"""

from __future__ import annotations

from typing import Any

from config.model import Account, GuardrailsConfig
from stacks.naming import alarm_name_prefix

RUNTIME_CONFIG_FILE = "runtime_config.json"
PROFILE_FEATURES_ENV = "GUARDRAILS_PROFILE_FEATURES"
RUNTIME_CONFIG_VERSION = 1


def _money(value: Any) -> str | None:
    return None if value is None else str(value)


def build_runtime_config(
    config: GuardrailsConfig, account: Account, namespace: str = "GenAI/Cost"
) -> dict[str, Any]:
    features = account.features
    return {
        "version": RUNTIME_CONFIG_VERSION,
        "account": account.name,
        "environment": account.environment,
        "namespace": namespace,
        "features": [
            {
                "name": f.name,
                "application": f.application,
                "monthly_budget_usd": _money(f.monthly_budget_usd),
                "daily_budget_usd": _money(f.daily_budget_usd),
                "hourly_limit_usd": _money(f.hourly_limit_usd),
                "inference_profile_copy_from": f.inference_profile.copy_from if f.inference_profile else None,
            }
            for f in features
        ],
        "metadata_rules": [
            {"feature": f.name, "application": f.application, "match": dict(f.metadata_match)}
            for f in features
        ],
        "profile_rules": [
            {
                "feature": f.name,
                "application": f.application,
                "profile_ids": [arn.rsplit("/", 1)[-1] for arn in f.match.inference_profile_arns],
            }
            for f in features
            if f.match.inference_profile_arns
        ],
        "identity_rules": [
            {"feature": f.name, "application": f.application, "globs": list(f.match.identity_arns)}
            for f in features
            if f.match.identity_arns
        ],
        "pricing": {
            "discount_percent": str(account.pricing.discount_percent),
            "premium_models": list(account.pricing.premium_models),
            "overrides": [
                {
                    "model_id": o.model_id,
                    "region": o.region,
                    "input_per_million": str(o.input_per_million),
                    "output_per_million": str(o.output_per_million),
                    "cache_read_per_million": _money(o.cache_read_per_million),
                    "cache_write_per_million": _money(o.cache_write_per_million),
                }
                for o in account.pricing.overrides
            ],
        },
        "evaluator": {
            "notify_at": [{"percent": a.percent, "type": a.type} for a in account.evaluator.notify_at],
            "runbook_url": config.notifications.runbook_url,
            "alarm_name_prefix": alarm_name_prefix(account.name),
        },
    }
