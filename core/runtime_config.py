"""The run-time view of one account's config: written by the stack, read by every guardrail Lambda.

The stack writes ``runtime_config.json`` next to the Lambda code at synth time (``build_runtime_config``)
and each Lambda reads it once per container (``load_runtime_config``). Values known only at deploy time
arrive through environment variables (``DeployEnvironment``): the ids of the application inference profiles
the stack creates, the SNS topic, the state table, the price bucket.

The model is pydantic, as the config file's is: the Lambdas get pydantic v2 from the Powertools v3 layer
(published per Python version and architecture because it carries pydantic's compiled core), so nothing
compiled ships in the asset and no Docker build is needed. Decimals travel as strings, so no precision is
lost. Every default lives here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, ValidationError

from core.naming import alarm_name, alarm_name_prefix

if TYPE_CHECKING:
    from core.config_model import Account, Feature, GuardrailsConfig

RUNTIME_CONFIG_FILE = "runtime_config.json"
RUNTIME_CONFIG_VERSION = 1
# Deploy-time environment of the guardrail Lambdas (the stack sets them, DeployEnvironment reads them).
RUNTIME_CONFIG_ENV = "GUARDRAILS_RUNTIME_CONFIG"
PROFILE_FEATURES_ENV = "GUARDRAILS_PROFILE_FEATURES"
TOPIC_ARN_ENV = "GUARDRAILS_TOPIC_ARN"
STATE_TABLE_ENV = "GUARDRAILS_STATE_TABLE"
PRICE_BUCKET_ENV = "GUARDRAILS_PRICE_BUCKET"
PRICE_KEY_ENV = "GUARDRAILS_PRICE_KEY"
PRICE_SCHEDULE_DAYS_ENV = "GUARDRAILS_PRICE_SCHEDULE_DAYS"
DEFAULT_PRICE_KEY = "price-catalog/current.json"
DEFAULT_PRICE_SCHEDULE_DAYS = 7
# core/runtime_config.py -> core/ -> the asset root, which holds runtime_config.json.
DEFAULT_RUNTIME_CONFIG_PATH = Path(__file__).resolve().parent.parent / RUNTIME_CONFIG_FILE

# The detector's tests, in the order a page lists them (core.config_model.DetectorFamily).
DETECTOR_FAMILIES = ("traffic", "input_tokens", "output_tokens", "model_mix", "retries", "burst")
# CloudWatch alarm kinds per feature, by the family name config uses to turn them off.
NATIVE_FAMILY_KINDS = {
    "hourly_limit": "CostRate",
    "daily_budget": "DailyBurn",
    "tokens_ceiling": "TokensPerRequestMax",
}

# Decimals as JSON strings: "12.50" stays exactly 12.50.
Money = Annotated[Decimal, PlainSerializer(str, return_type=str, when_used="json")]


class RuntimeConfigError(ValueError):
    """The bundled runtime config or a deploy-time variable is missing or invalid."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RuntimeFeature(_Frozen):
    name: str
    application: str
    monthly_budget_usd: Money
    daily_budget_usd: Money
    hourly_limit_usd: Money
    inference_profile_copy_from: str | None = None  # model or system profile its app profile routes to
    # The detector (lambdas/detector): its tests this feature runs, evidence overrides, materiality gates.
    expected_calls_per_minute: float | None = None
    detector_families: tuple[str, ...] = ()
    evidence: dict[str, float] = Field(default_factory=dict)
    premium_share_percent: float = 50.0
    throttle_percent: float = 35.0
    # CloudWatch alarms whose ALARM state the detector pages for (kind -> alarm name).
    alarm_names: dict[str, str] = Field(default_factory=dict)


class MetadataRule(_Frozen):
    """Every key/value of ``match`` must equal the record's requestMetadata."""

    feature: str
    application: str
    match: dict[str, str]


class ProfileRule(_Frozen):
    """Existing application inference profiles (ids) used only by this feature."""

    feature: str
    application: str
    profile_ids: tuple[str, ...]


class IdentityRule(_Frozen):
    """fnmatch globs on the caller's identity.arn."""

    feature: str
    application: str
    globs: tuple[str, ...]


class PriceOverride(_Frozen):
    model_id: str
    region: str | None = None
    input_per_million: Money
    output_per_million: Money = Decimal(0)
    cache_read_per_million: Money | None = None
    cache_write_per_million: Money | None = None


class RuntimePricing(_Frozen):
    discount_percent: Money = Decimal(0)
    premium_models: tuple[str, ...] = ()
    overrides: tuple[PriceOverride, ...] = ()
    # How far the estimate may be off the bill on a model before the daily reconciliation alarms (percent).
    reconcile_tolerance_percent: Money = Decimal(5)


class NotifyAt(_Frozen):
    percent: float
    type: Literal["actual", "forecasted"]


class RuntimeEvaluator(_Frozen):
    notify_at: tuple[NotifyAt, ...] = ()
    runbook_url: str = ""
    alarm_name_prefix: str = ""  # the account's alarm names start with it


class RuntimeDetector(_Frozen):
    """One page per episode per feature (docs/alarms.md "Paging")."""

    hold_off_minutes: int = 60
    repeat_hours: int = 24
    every_minutes: int = 1


class RuntimePriceRefresh(_Frozen):
    allow_price_drops: bool = False  # publish a zero price or a drop of more than 50% for a model in use


class RuntimeConfig(_Frozen):
    """One account's runtime config (``runtime_config.json``), plus the deploy-time profile mapping."""

    version: Literal[1] = 1
    account: str
    environment: str
    features: tuple[RuntimeFeature, ...] = ()
    metadata_rules: tuple[MetadataRule, ...] = ()
    profile_rules: tuple[ProfileRule, ...] = ()
    identity_rules: tuple[IdentityRule, ...] = ()
    pricing: RuntimePricing = RuntimePricing()
    evaluator: RuntimeEvaluator = RuntimeEvaluator()
    price_refresh: RuntimePriceRefresh = RuntimePriceRefresh()
    detector: RuntimeDetector = RuntimeDetector()
    # {profile id: feature} of the profiles the stack creates: from the environment, never in the file.
    profile_features: dict[str, str] = Field(default_factory=dict, exclude=True)

    @property
    def feature_applications(self) -> dict[str, str]:
        return {f.name: f.application for f in self.features}

    @property
    def feature_copy_from(self) -> dict[str, str]:
        return {f.name: f.inference_profile_copy_from for f in self.features if f.inference_profile_copy_from}

    def profile_targets(self) -> dict[str, str]:
        """{profile id: model id or system profile id} for the stack's profiles: no AWS call needed."""
        copy_from = self.feature_copy_from
        return {pid: copy_from[f] for pid, f in self.profile_features.items() if f in copy_from}

    def price_overrides(self) -> tuple[dict[str, Any], ...]:
        """The overrides as the price catalog takes them (Decimals as strings)."""
        return tuple(o.model_dump(mode="json") for o in self.pricing.overrides)

    def to_json(self) -> str:
        """The file's bytes: canonical (sorted keys, compact), so the asset hash is stable."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def with_profile_features(self, profile_features: Mapping[str, str]) -> RuntimeConfig:
        # ARNs are accepted as keys too: attribution and resolution key on the profile id.
        return self.model_copy(
            update={"profile_features": {k.rsplit("/", 1)[-1]: v for k, v in profile_features.items()}}
        )


def build_runtime_config(config: GuardrailsConfig, account: Account) -> RuntimeConfig:
    """The runtime config of one account of a validated config file."""
    features = account.features
    return RuntimeConfig(
        account=account.name,
        environment=account.environment,
        features=tuple(
            RuntimeFeature(
                name=f.name,
                application=f.application,
                monthly_budget_usd=f.monthly_budget_usd,
                daily_budget_usd=f.daily_budget_usd,
                hourly_limit_usd=f.hourly_limit_usd,
                inference_profile_copy_from=f.inference_profile.copy_from if f.inference_profile else None,
                expected_calls_per_minute=f.expected_calls_per_minute,
                detector_families=tuple(
                    family
                    for family in DETECTOR_FAMILIES
                    if family not in f.alarms.disabled
                    and (family != "model_mix" or account.pricing.premium_models)
                ),
                evidence={str(k): v for k, v in f.alarms.evidence.items()},
                premium_share_percent=f.alarms.premium_share_percent,
                throttle_percent=f.alarms.throttle_percent,
                alarm_names=feature_alarm_names(account, f),
            )
            for f in features
        ),
        metadata_rules=tuple(
            MetadataRule(feature=f.name, application=f.application, match=dict(f.metadata_match))
            for f in features
        ),
        profile_rules=tuple(
            ProfileRule(
                feature=f.name,
                application=f.application,
                profile_ids=tuple(arn.rsplit("/", 1)[-1] for arn in f.match.inference_profile_arns),
            )
            for f in features
            if f.match.inference_profile_arns
        ),
        identity_rules=tuple(
            IdentityRule(feature=f.name, application=f.application, globs=tuple(f.match.identity_arns))
            for f in features
            if f.match.identity_arns
        ),
        pricing=RuntimePricing(
            reconcile_tolerance_percent=account.pricing.reconcile_tolerance_percent,
            discount_percent=account.pricing.discount_percent,
            premium_models=tuple(account.pricing.premium_models),
            overrides=tuple(
                PriceOverride(
                    model_id=o.model_id,
                    region=o.region,
                    input_per_million=o.input_per_million,
                    output_per_million=o.output_per_million,
                    cache_read_per_million=o.cache_read_per_million,
                    cache_write_per_million=o.cache_write_per_million,
                )
                for o in account.pricing.overrides
            ),
        ),
        evaluator=RuntimeEvaluator(
            notify_at=tuple(NotifyAt(percent=a.percent, type=a.type) for a in account.evaluator.notify_at),
            runbook_url=config.notifications.runbook_url,
            alarm_name_prefix=alarm_name_prefix(account.name),
        ),
        price_refresh=RuntimePriceRefresh(allow_price_drops=account.price_refresh.allow_price_drops),
        detector=RuntimeDetector(
            hold_off_minutes=account.alarms.hold_off_minutes,
            repeat_hours=account.alarms.repeat_hours,
            every_minutes=account.alarms.detector_every_minutes,
        ),
    )


def feature_alarm_names(account: Account, feature: Feature) -> dict[str, str]:
    """{family: alarm name} of the CloudWatch alarms the account stack creates for one feature."""
    names = {}
    for family, kind in NATIVE_FAMILY_KINDS.items():
        if family == "tokens_ceiling":
            if feature.alarms.tokens_per_request_max is None:
                continue
        elif family in feature.alarms.disabled:
            continue
        names[family] = alarm_name(account.name, feature.name, kind)
    return names


class DeployEnvironment(_Frozen):
    """The guardrail Lambdas' environment variables, read once."""

    runtime_config_path: Path = DEFAULT_RUNTIME_CONFIG_PATH
    profile_features: dict[str, str] = Field(default_factory=dict)
    topic_arn: str | None = None
    state_table: str | None = None
    price_bucket: str | None = None
    price_key: str = DEFAULT_PRICE_KEY
    price_schedule_days: int = DEFAULT_PRICE_SCHEDULE_DAYS
    region: str = "us-east-1"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> DeployEnvironment:
        env = os.environ if environ is None else environ
        try:
            return cls(
                runtime_config_path=Path(env.get(RUNTIME_CONFIG_ENV) or DEFAULT_RUNTIME_CONFIG_PATH),
                profile_features=parse_profile_features(env.get(PROFILE_FEATURES_ENV)),
                topic_arn=env.get(TOPIC_ARN_ENV) or None,
                state_table=env.get(STATE_TABLE_ENV) or None,
                price_bucket=env.get(PRICE_BUCKET_ENV) or None,
                price_key=env.get(PRICE_KEY_ENV) or DEFAULT_PRICE_KEY,
                price_schedule_days=int(env.get(PRICE_SCHEDULE_DAYS_ENV) or DEFAULT_PRICE_SCHEDULE_DAYS),
                region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            )
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            raise RuntimeConfigError(f"invalid deploy-time environment: {exc}") from exc

    def require(self, name: Literal["topic_arn", "state_table", "price_bucket"]) -> str:
        value = getattr(self, name)
        if not value:
            raise RuntimeConfigError(f"the function's environment lacks {name} (set by the stack)")
        return str(value)


def parse_profile_features(raw: str | None) -> dict[str, str]:
    """``GUARDRAILS_PROFILE_FEATURES``: a JSON object {profile id or ARN: feature name}."""
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise RuntimeConfigError(f"{PROFILE_FEATURES_ENV} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise RuntimeConfigError(f"{PROFILE_FEATURES_ENV} must be a JSON object of strings")
    return {k.rsplit("/", 1)[-1]: v for k, v in data.items()}


def parse_runtime_config(data: Any, profile_features: Mapping[str, str] | None = None) -> RuntimeConfig:
    """A runtime config from its JSON data (raises RuntimeConfigError naming the bad field)."""
    if not isinstance(data, dict):
        raise RuntimeConfigError("runtime config is not a JSON object")
    if data.get("version") != RUNTIME_CONFIG_VERSION:
        raise RuntimeConfigError(
            f"runtime config version {data.get('version')!r}, expected {RUNTIME_CONFIG_VERSION}"
        )
    try:
        runtime = RuntimeConfig.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}" for e in exc.errors()
        )
        raise RuntimeConfigError(f"runtime config is missing or has a malformed field: {problems}") from None
    return runtime.with_profile_features(profile_features or {})


def load_runtime_config(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> RuntimeConfig:
    """The bundled runtime config, with the deploy-time profile mapping of ``environ`` (os.environ)."""
    env = DeployEnvironment.from_environ(environ)
    file = Path(path) if path is not None else env.runtime_config_path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeConfigError(f"cannot read runtime config {file}: {exc}") from exc
    return parse_runtime_config(data, env.profile_features)
