"""The configuration file's schema: pydantic v2 models, strict, unknown keys rejected.

These key names are the product's public interface (README, docs and users' files rely on them):
change them only with a migration note. Every field carries a description, which becomes the
JSON Schema that editors use (`make schema` writes `config/schema.json`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

# AWS Budgets allows 10 notifications per budget, each with 1 SNS and up to 10 email subscribers.
MAX_BUDGET_NOTIFICATIONS = 10
MAX_EMAIL_SUBSCRIBERS = 10
# `stack_layout: auto` keeps one template up to this many features: every account the one-template
# releases could deploy (they stopped near 46 features, at 1 MB) keeps its layout; larger ones go nested,
# which also synthesizes faster.
ONE_TEMPLATE_MAX_FEATURES = 50
# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
# Tag keys and values AWS accepts: Unicode letters, digits, spaces and _ . : / = + - @
_TAG_RE = re.compile(r"^[\w .:/=+\-@]*$")


@cache
def known_regions() -> frozenset[str]:
    """Every region name of every AWS partition, from botocore's own endpoint data (no network)."""
    import boto3  # deferred: only validation needs it

    session = boto3.Session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("ec2", partition_name=partition)
    )


def check_tag_key(key: str) -> str:
    if not 1 <= len(key) <= 128:
        raise ValueError(f"tag key {key!r} must be 1 to 128 characters")
    if key.lower().startswith("aws:"):
        raise ValueError(f"tag key {key!r} must not start with 'aws:' (reserved by AWS)")
    if not _TAG_RE.match(key):
        raise ValueError(f"tag key {key!r} may contain only letters, digits, spaces and _ . : / = + - @")
    return key


def check_tag_value(value: str) -> str:
    if len(value) > 256:
        raise ValueError(f"tag value {value[:40]!r}... must be at most 256 characters")
    if not _TAG_RE.match(value):
        raise ValueError(f"tag value {value!r} may contain only letters, digits, spaces and _ . : / = + - @")
    return value


AccountId = Annotated[
    str,
    StringConstraints(pattern=r"^\d{12}$"),
    Field(description="A 12-digit AWS account id, quoted so YAML keeps leading zeros."),
]
# Names end up in stack names, alarm names, metric dimensions and tag values: keep them portable.
Slug = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$"),
    Field(description="Lower-case letters, digits and '-', starting with a letter or digit, at most 63."),
]
AccountName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,31}$"),
    Field(description="Lower-case letters, digits and '-', starting with a letter, at most 32 (stack name)."),
]
Email = Annotated[
    str,
    StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$", max_length=254),
    Field(description="An email address."),
]
Usd = Annotated[Decimal, Field(gt=0, strict=False, description="US dollars, greater than 0.")]
Percent = Annotated[float, Field(gt=0, le=1000, description="A percentage in (0, 1000].")]
SharePercent = Annotated[float, Field(gt=0, le=100, description="A share in percent, in (0, 100].")]


class StrictModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


def check_region(value: str) -> str:
    if value not in known_regions():
        raise ValueError(f"{value!r} is not an AWS region name (e.g. us-east-1, eu-west-1)")
    return value


class BudgetAlert(StrictModel):
    """One AWS Budgets notification: a percent of the budget, on actual or forecasted spend."""

    percent: Percent
    type: Literal["actual", "forecasted"] = Field(description="actual or forecasted spend.")


def default_budget_alerts() -> list[BudgetAlert]:
    return [
        BudgetAlert(percent=50, type="actual"),
        BudgetAlert(percent=80, type="actual"),
        BudgetAlert(percent=100, type="actual"),
        BudgetAlert(percent=100, type="forecasted"),
    ]


def check_budget_alerts(alerts: list[BudgetAlert]) -> list[BudgetAlert]:
    if len(alerts) > MAX_BUDGET_NOTIFICATIONS:
        raise ValueError(
            f"{len(alerts)} budget alerts given; AWS Budgets allows at most {MAX_BUDGET_NOTIFICATIONS} "
            "notifications per budget"
        )
    seen = {(a.percent, a.type) for a in alerts}
    if len(seen) != len(alerts):
        raise ValueError("budget alerts must not repeat the same percent and type")
    return alerts


class SlackChannel(StrictModel):
    """Amazon Q Developer in chat applications (AWS Chatbot) Slack channel; the workspace must be
    authorized once in the console first."""

    workspace_id: str = Field(
        pattern=r"^[A-Z0-9]{9,11}$", description="Slack workspace (team) id, e.g. T0123456789."
    )
    channel_id: str = Field(pattern=r"^[A-Z0-9]{9,11}$", description="Slack channel id, e.g. C0123456789.")


class Notifications(StrictModel):
    emails: list[Email] = Field(
        default_factory=list,
        description=f"Addresses subscribed to every alarm and budget (at most {MAX_EMAIL_SUBSCRIBERS}).",
    )
    slack: SlackChannel | None = Field(default=None, description="Optional Slack channel through Chatbot.")
    runbook_url: str = Field(
        default="https://github.com/genai-cost-guardrails/genai-cost-guardrails/blob/main/docs/runbook.md",
        pattern=r"^https://\S+$",
        description="Linked from every alarm description and notification.",
    )

    @field_validator("emails")
    @classmethod
    def _emails(cls, emails: list[str]) -> list[str]:
        if len(emails) > MAX_EMAIL_SUBSCRIBERS:
            raise ValueError(
                f"{len(emails)} emails given; AWS Budgets allows at most {MAX_EMAIL_SUBSCRIBERS} email "
                "subscribers per notification"
            )
        if len({e.lower() for e in emails}) != len(emails):
            raise ValueError("emails must be unique")
        return emails


class TagKeySpec(StrictModel):
    key: str = Field(description="Tag key, exact capitalisation enforced by the tag policy.")
    allowed_values: list[str] = Field(default_factory=list, description="Allowed values; empty allows any.")
    required: bool = Field(default=True, description="Report resources of enforced_for types lacking it.")

    @field_validator("key")
    @classmethod
    def _key(cls, key: str) -> str:
        return check_tag_key(key)

    @field_validator("allowed_values")
    @classmethod
    def _values(cls, values: list[str]) -> list[str]:
        for value in values:
            check_tag_value(value)
        return values


class TagPolicy(StrictModel):
    extra_keys: list[TagKeySpec] = Field(
        default_factory=list, description="Keys beyond the four standard ones."
    )
    allowed_values: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Allowed values for the standard keys (Application, Environment, ...).",
    )
    enforced_for: list[str] = Field(
        default_factory=lambda: ["bedrock:application-inference-profile"],
        description="Resource types where non-compliant tags are blocked (service:resource). Default: only "
        "application inference profiles, the one type this policy is about; every type listed here blocks "
        "tagging (and so creating, for tag-on-create types) in every account under the targets.",
    )

    @field_validator("allowed_values")
    @classmethod
    def _allowed(cls, values: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, allowed in values.items():
            check_tag_key(key)
            for value in allowed:
                check_tag_value(value)
        return values

    @field_validator("enforced_for")
    @classmethod
    def _enforced(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.match(r"^[a-z0-9-]+:([a-z0-9-]+|\*)$", value):
                raise ValueError(
                    f"{value!r} is not a resource type like 'bedrock:application-inference-profile'"
                )
        return values


OU_ID_PATTERN = r"^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$"


def check_ous(values: list[str]) -> list[str]:
    for value in values:
        if not re.match(OU_ID_PATTERN, value):
            raise ValueError(f"{value!r} is not an OU id (ou-xxxx-xxxxxxxx) or root id (r-xxxx)")
    return values


class Baseline(StrictModel):
    """The organization baseline: a service-managed CloudFormation StackSet per Region that puts invocation
    logging, metering (every call `unattributed`), the self-monitoring alarms and the account dashboard in
    every account of the target OUs, accounts created later included, except the accounts this config
    lists (they get their full account stack instead). Deployed from the management account."""

    enabled: bool = Field(default=False, description="Deploy the baseline StackSets (README, organization).")
    organization_id: str | None = Field(
        default=None,
        pattern=r"^o-[a-z0-9]{10,32}$",
        description="The organization id (o-...): only its accounts may read the baseline's code buckets.",
    )
    target_ous: list[str] = Field(
        default_factory=list,
        description="OU ids (ou-xxxx-xxxxxxxx) or the root (r-xxxx) whose accounts get the baseline.",
    )
    regions: list[str] = Field(
        default_factory=list, description="Regions of the baseline (default: organization.region)."
    )
    environment: Slug = Field(
        default="baseline", description="The Environment dimension of an unlisted account's metrics."
    )
    retain_stacks_on_account_removal: bool = Field(
        default=False,
        description="Keep the baseline in an account that leaves the target OUs (default: delete it, so "
        "an account moved out of the organization's scope stops being metered and leaves nothing behind).",
    )
    log_retention_days: int = Field(default=30, description="Retention of the baseline's log groups.")
    max_concurrent_percentage: int = Field(
        default=25, ge=1, le=100, description="Share of accounts a StackSet operation deploys at once."
    )
    failure_tolerance_percentage: int = Field(
        default=10, ge=0, le=100, description="Share of accounts that may fail before an operation stops."
    )

    @field_validator("target_ous")
    @classmethod
    def _ous(cls, values: list[str]) -> list[str]:
        return check_ous(values)

    @field_validator("regions")
    @classmethod
    def _regions(cls, values: list[str]) -> list[str]:
        for value in values:
            check_region(value)
        if len(set(values)) != len(values):
            raise ValueError("regions must not repeat")
        return values

    @field_validator("log_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"{value} is not a CloudWatch Logs retention; allowed: {LOG_RETENTION_DAYS}")
        return value

    @model_validator(mode="after")
    def _targets(self) -> Baseline:
        if self.enabled and not self.target_ous:
            raise ValueError("target_ous: an enabled baseline needs at least one OU or root id")
        if self.enabled and self.organization_id is None:
            raise ValueError("organization_id: an enabled baseline needs the organization id (o-...)")
        return self


class PipelineSource(StrictModel):
    """Where the pipeline reads the app: a CodeConnections (CodeStar) connection to GitHub, GitLab or
    Bitbucket, or a CodeCommit repository. Named by ARN or name only: synth needs no network."""

    connection_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[\w-]+$",
        description="CodeConnections connection ARN (with repository: owner/name).",
    )
    repository: str = Field(
        pattern=r"^[\w.-]+(/[\w.-]+)?$",
        description="owner/name for a connection, or the CodeCommit repository name.",
    )
    branch: str = Field(default="main", pattern=r"^[\w./-]+$", description="Branch to build.")
    codecommit: bool = Field(default=False, description="Read a CodeCommit repository instead.")

    @model_validator(mode="after")
    def _kind(self) -> PipelineSource:
        if self.codecommit == (self.connection_arn is not None):
            raise ValueError("set either connection_arn (CodeConnections) or codecommit: true, not both")
        if self.connection_arn is not None and "/" not in self.repository:
            raise ValueError("repository: a connection source is named owner/name")
        return self


class PipelineWave(StrictModel):
    name: Slug
    environments: list[Slug] = Field(description="Accounts whose environment is one of these deploy here.")
    approval: bool = Field(default=False, description="A manual approval before this wave starts.")


class Pipeline(StrictModel):
    """CDK Pipelines (CodePipeline): synthesize once, deploy every account stack in ordered waves."""

    enabled: bool = False
    account_id: AccountId | None = Field(
        default=None, description="Account of the pipeline (default: organization.management_account_id)."
    )
    region: str | None = Field(
        default=None, description="Region of the pipeline (default: organization.region)."
    )
    source: PipelineSource | None = None
    config_path: str = Field(
        default="config/example.yaml", description="The config file or directory the pipeline synthesizes."
    )
    waves: list[PipelineWave] = Field(
        default_factory=lambda: [
            PipelineWave(name="sandbox", environments=["sandbox"]),
            PipelineWave(name="staging", environments=["staging"], approval=True),
            PipelineWave(name="prod", environments=["prod"], approval=True),
        ],
        description="Ordered waves; an account deploys in the first wave naming its environment.",
    )

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return None if value is None else check_region(value)

    @model_validator(mode="after")
    def _source(self) -> Pipeline:
        if self.enabled and self.source is None:
            raise ValueError("source: an enabled pipeline needs a source (connection_arn or codecommit)")
        names = [w.name for w in self.waves]
        if len(set(names)) != len(names):
            raise ValueError("waves: wave names must be unique")
        return self


class Organization(StrictModel):
    management_account_id: AccountId
    region: str = Field(default="us-east-1", description="Region of the organization stack.")
    target_ous: list[str] = Field(
        default_factory=list,
        description="OU ids (ou-xxxx-xxxxxxxx) or the root (r-xxxx) the tag policy attaches to.",
    )
    target_accounts: list[AccountId] = Field(
        default_factory=list, description="Accounts the tag policy attaches to."
    )
    tag_policy: TagPolicy = Field(default_factory=TagPolicy)
    activate_cost_allocation_tags: bool = Field(default=True, description="Activate the tag keys in Billing.")
    deny_untagged_inference_profiles: bool = Field(
        default=False,
        description="Attach an SCP denying untagged application inference profiles (see README).",
    )
    monitoring_account_id: AccountId | None = Field(
        default=None, description="Account that holds the cross-account overview dashboard, if any."
    )
    cross_account_observability: bool = Field(
        default=False,
        description="With monitoring_account_id: an OAM sink there, and a link to it from every listed "
        "account and every baseline account, so the organization dashboard reads their metrics.",
    )
    oam_sink_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:oam:[a-z0-9-]+:\d{12}:sink/[\w-]+$",
        description="The monitoring account's OAM sink (output SinkArn of GenAiGuardrails-Monitoring): "
        "listed and baseline accounts in its Region link to it.",
    )
    baseline: Baseline = Field(default_factory=Baseline)
    pipeline: Pipeline = Field(default_factory=Pipeline)

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return check_region(value)

    @field_validator("target_ous")
    @classmethod
    def _ous(cls, values: list[str]) -> list[str]:
        return check_ous(values)

    @model_validator(mode="after")
    def _observability(self) -> Organization:
        if self.cross_account_observability and self.monitoring_account_id is None:
            raise ValueError("cross_account_observability: needs monitoring_account_id")
        return self

    @property
    def baseline_regions(self) -> list[str]:
        return self.baseline.regions or [self.region]


class FeatureMatch(StrictModel):
    """How a Bedrock call is attributed to this feature; the first rule kind that matches wins across
    features, in this order: request metadata, inference profile, caller identity."""

    request_metadata: dict[str, str] | None = Field(
        default=None,
        description="requestMetadata key/values that must all match. Default: {feature: <feature name>}.",
    )
    inference_profile_arns: list[str] = Field(
        default_factory=list,
        description="Existing application inference profile ARNs used only by this feature "
        "(the profile this stack creates for the feature is added automatically).",
    )
    identity_arns: list[str] = Field(
        default_factory=list,
        description="Globs on the caller's identity.arn, e.g. 'arn:aws:sts::*:assumed-role/chat-api/*'.",
    )

    @field_validator("request_metadata")
    @classmethod
    def _metadata(cls, values: dict[str, str] | None) -> dict[str, str] | None:
        if values is not None and not values:
            raise ValueError("request_metadata must name at least one key, or be left out")
        return values

    @field_validator("inference_profile_arns")
    @classmethod
    def _profiles(cls, values: list[str]) -> list[str]:
        for value in values:
            if not re.match(
                r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:\d{12}:application-inference-profile/\w+$", value
            ):
                raise ValueError(f"{value!r} is not an application inference profile ARN")
        return values


# The per-feature alarm families (docs/alarms.md). The detector's families are sequential tests run by the
# detector Lambda every minute; hourly_limit and daily_budget are CloudWatch alarms on the rolling hour and
# the rolling 24 hours. Any of them can be turned off per feature (`alarms.disabled`).
DetectorFamily = Literal["traffic", "input_tokens", "output_tokens", "model_mix", "retries", "burst"]
AlarmFamily = Literal[
    "traffic",
    "input_tokens",
    "output_tokens",
    "model_mix",
    "retries",
    "burst",
    "hourly_limit",
    "daily_budget",
]
# Evidence thresholds (log-likelihood ratio, nats) a config may set: below 4 a test pages on noise several
# times a day; above 60 it would take hours of a doubled signal to page.
MIN_EVIDENCE = 4.0
MAX_EVIDENCE = 60.0


class FeatureAlarms(StrictModel):
    tokens_per_request_max: int | None = Field(
        default=None,
        gt=0,
        description="Static ceiling on (input+output) tokens per request over 5 minutes (a CloudWatch "
        "alarm); none by default.",
    )
    anomaly_band_width: float = Field(
        default=3.0,
        gt=0,
        le=10,
        description="Deprecated, no effect: the tokens-per-request anomaly-band alarm was replaced by the "
        "detector's input- and output-tokens tests (docs/alarms.md). Accepted so existing files validate.",
    )
    traffic_band_width: float = Field(
        default=3.0,
        gt=0,
        le=10,
        description="Deprecated, no effect: the traffic anomaly-band alarm was replaced by the detector's "
        "traffic test (docs/alarms.md). Accepted so existing files validate.",
    )
    premium_share_percent: SharePercent = Field(
        default=50,
        description="The model-mix test pages only when premium models carry at least this share of the "
        "feature's cost over the minutes it looked at.",
    )
    throttle_percent: SharePercent = Field(
        default=35,
        description="The retries test pages only when throttled or failed attempts are at least this share "
        "of the feature's attempts over the minutes it looked at (at least the last 5). A storm of one "
        "retry per call is 50%; a per-minute quota hit throttles about a third of one minute's calls.",
    )
    disabled: list[AlarmFamily] = Field(
        default_factory=list,
        description="Alarm families turned off for this feature: traffic, input_tokens, output_tokens, "
        "model_mix, retries, burst (detector tests), hourly_limit, daily_budget (CloudWatch alarms).",
    )
    evidence: dict[DetectorFamily, Annotated[float, Field(ge=MIN_EVIDENCE, le=MAX_EVIDENCE)]] = Field(
        default_factory=dict,
        description="Evidence a detector test needs before it pages (log-likelihood ratio in nats; higher "
        "pages later and less often). Unset families use the rule of docs/alarms.md; "
        "`genai-guardrails tune` recommends values from your own logs.",
    )

    @field_validator("disabled")
    @classmethod
    def _disabled(cls, values: list[str]) -> list[str]:
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"disabled lists {', '.join(repeated)} more than once")
        return values


class InferenceProfileSpec(StrictModel):
    copy_from: str = Field(
        pattern=r"^[a-z0-9.:-]+$",
        description="Base model id or system inference profile id the feature's application profile copies.",
    )


class KillSwitch(StrictModel):
    """An AWS Budgets action that denies Bedrock invocation at a percent of the budget."""

    enabled: bool = False
    threshold_percent: Percent = 100
    approval: Literal["MANUAL", "AUTOMATIC"] = "MANUAL"
    role_names: list[str] = Field(
        default_factory=list, description="IAM role names the deny policy attaches to."
    )

    @model_validator(mode="after")
    def _roles(self) -> KillSwitch:
        if self.enabled and not self.role_names:
            raise ValueError(
                "role_names: an enabled kill switch needs at least one IAM role name to restrict"
            )
        for name in self.role_names:
            if not re.match(r"^[\w+=,.@-]{1,64}$", name):
                raise ValueError(f"role_names: {name!r} is not an IAM role name")
        return self


class Feature(StrictModel):
    name: Slug
    application: Slug
    match: FeatureMatch = Field(default_factory=FeatureMatch)
    monthly_budget_usd: Usd
    daily_budget_usd: Usd
    hourly_limit_usd: Usd
    expected_calls_per_minute: float | None = Field(
        default=None,
        gt=0,
        le=1_000_000,
        description="Calls per minute in the feature's busiest hour, if known (`genai-guardrails tune` "
        "measures it): the detector's traffic test uses it until it has learned the feature's own hours (a "
        "day), and `genai-guardrails cost` sizes log ingestion from it.",
    )
    alarms: FeatureAlarms = Field(default_factory=FeatureAlarms)
    inference_profile: InferenceProfileSpec | None = None
    kill_switch: KillSwitch | None = None

    @model_validator(mode="after")
    def _budgets(self) -> Feature:
        if self.daily_budget_usd > self.monthly_budget_usd:
            raise ValueError("daily_budget_usd must not exceed monthly_budget_usd")
        if self.hourly_limit_usd > self.daily_budget_usd:
            raise ValueError("hourly_limit_usd must not exceed daily_budget_usd")
        return self

    @property
    def metadata_match(self) -> dict[str, str]:
        return (
            self.match.request_metadata if self.match.request_metadata is not None else {"feature": self.name}
        )


class InvocationLogging(StrictModel):
    mode: Literal["create", "existing"] = Field(
        default="create",
        description="create: this stack makes sure invocations are logged to CloudWatch Logs, keeping any "
        "logging the account already has (README 'Invocation logging'); existing: read only, meter the "
        "log group the account already logs to.",
    )
    log_group_name: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_\-/.#]+$",
        max_length=512,
        description="Log group to create; with mode: existing, the log group to meter (left out: the "
        "account's CloudWatch Logs destination, looked up at deploy time).",
    )
    retention_days: int = Field(default=30, description="Retention of the created log group.")
    text_data_delivery: bool = Field(
        default=False, description="Deliver prompt and completion text (costs ingestion, carries user data)."
    )

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"{value} is not a CloudWatch Logs retention; allowed: {LOG_RETENTION_DAYS}")
        return value


class Metering(StrictModel):
    """The metering Lambda's capacity."""

    reserved_concurrency: int | None = Field(
        default=5,
        ge=1,
        le=1000,
        description="Concurrent executions reserved for metering (one instance meters about 13,000 records "
        "a second at 256 MB, docs/performance.md): a cap on its cost and a floor other functions cannot "
        "take. Lambda keeps 100 of the account's concurrency unreserved, so in an account whose quota is "
        "under 105 set null (no reservation).",
    )


class PriceOverride(StrictModel):
    model_id: str = Field(pattern=r"^[a-z0-9.:-]+$", description="Base model id (no ARN, no geo prefix).")
    region: str | None = Field(
        default=None, description="Region the rates apply to; all regions if left out."
    )
    input_per_million: Annotated[Decimal, Field(ge=0, strict=False)]
    output_per_million: Annotated[Decimal, Field(ge=0, strict=False)] = Decimal(0)
    cache_read_per_million: Annotated[Decimal, Field(ge=0, strict=False)] | None = None
    cache_write_per_million: Annotated[Decimal, Field(ge=0, strict=False)] | None = None
    add_model: bool = Field(
        default=False,
        description="The override prices a model the bundled catalog does not know (without this, an unknown "
        "model_id is a validation error that names the closest known ids).",
    )

    @field_validator("region")
    @classmethod
    def _region(cls, value: str | None) -> str | None:
        return None if value is None else check_region(value)


class Reconcile(StrictModel):
    """The daily reconciliation of the estimate with the bill (README "Prices"; docs/pricing.md)."""

    enabled: bool = Field(
        default=True,
        description="Deploy a Lambda that compares yesterday's metered CostUSD per model with Cost Explorer, "
        "publishes BilledUSD and EstimateErrorPercent, and alarms and notifies on a gap.",
    )


class Pricing(StrictModel):
    discount_percent: Annotated[Decimal, Field(ge=0, lt=100, strict=False)] = Field(
        default=Decimal(0), description="Enterprise discount applied to every catalog price."
    )
    overrides: list[PriceOverride] = Field(
        default_factory=list, description="Prices that replace or add to the catalog."
    )
    premium_models: list[str] = Field(
        default_factory=list, description="Base model ids counted as premium by the model-mix alarm."
    )
    reconcile: Reconcile = Field(
        default_factory=Reconcile,
        description="Daily comparison of the metered cost with the bill (Cost Explorer).",
    )
    reconcile_tolerance_percent: Annotated[Decimal, Field(gt=0, le=100, strict=False)] = Field(
        default=Decimal(5),
        description="Alarm when a model's metered cost is off the billed cost by more than this percent.",
    )


class AccountAlarms(StrictModel):
    unattributed_share_percent: SharePercent = Field(
        default=10, description="Alarm when unattributed calls carry more than this share of cost."
    )
    hold_off_minutes: int = Field(
        default=60,
        ge=5,
        le=1440,
        description="A feature pages once per episode: it pages again for the same cause only after it has "
        "been healthy this many minutes (a new cause pages at once).",
    )
    repeat_hours: int = Field(
        default=24,
        ge=1,
        le=168,
        description="While an episode lasts, repeat its page this often.",
    )
    detector_every_minutes: int = Field(
        default=1,
        ge=1,
        le=5,
        description="How often the detector runs (it reads every minute since its last run either way): "
        "every N minutes costs 1/N of its GetMetricData reads and pages up to N - 1 minutes later.",
    )


class Evaluator(StrictModel):
    schedule_minutes: int = Field(default=15, ge=5, le=1440, description="How often the evaluator runs.")
    notify_at: list[BudgetAlert] = Field(
        default_factory=default_budget_alerts,
        description="Per-feature percents of the monthly budget that notify.",
    )


class AnomalyDetection(StrictModel):
    enabled: bool = True
    threshold_usd: Usd = Field(default=Decimal(100), description="Impact in USD that notifies immediately.")


class PriceRefresh(StrictModel):
    """Scheduled refresh of the price catalog from the AWS Price List API (see README "Prices")."""

    enabled: bool = Field(
        default=False,
        description="Deploy a Lambda that rebuilds the price catalog from the AWS Price List on a schedule "
        "and publishes it to an encrypted S3 object the metering Lambda reads (bundled catalog as fallback).",
    )
    schedule_days: int = Field(
        default=7, ge=1, le=90, description="Days between refreshes (weekly by default)."
    )
    allow_price_drops: bool = Field(
        default=False,
        description="Publish a zero price or a drop of more than 50% for a model in use. Off: such prices "
        "are held back (the previous price stays) and notified; turn on for one refresh when AWS really "
        "cut a price.",
    )


class InvocationLogAnalytics(StrictModel):
    """Glue table and Athena workgroup over the invocation logs Bedrock delivers to S3, for
    `genai-guardrails replay --athena` (README "Replay at data-lake scale"). Off by default."""

    enabled: bool = False
    s3_uri: str | None = Field(
        default=None,
        pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?$",
        description="Where Bedrock delivers invocation logs: s3://bucket[/prefix], the part before AWSLogs/ "
        "(this account's bucket or the log archive account's).",
    )
    log_account_ids: list[AccountId] = Field(
        default_factory=list,
        description="Accounts whose logs the bucket holds (AWSLogs/<id>/...); default: this account.",
    )
    log_regions: list[str] = Field(
        default_factory=list, description="Regions whose logs the bucket holds; default: this account's."
    )
    log_kms_key_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$",
        description="KMS key the log objects are encrypted with (SSE-KMS), if any: Athena decrypts with it.",
    )
    bytes_scanned_limit_gb: int = Field(
        default=100, ge=1, le=1_000_000, description="Athena cancels any query of the workgroup past this."
    )

    @field_validator("log_regions")
    @classmethod
    def _regions(cls, values: list[str]) -> list[str]:
        return [check_region(v) for v in values]

    @model_validator(mode="after")
    def _uri(self) -> InvocationLogAnalytics:
        if self.enabled and not self.s3_uri:
            raise ValueError("s3_uri: required when invocation_log_analytics is enabled")
        return self


class Account(StrictModel):
    name: AccountName
    account_id: AccountId
    region: str
    environment: Slug
    monthly_budget_usd: Usd
    budget_alerts: list[BudgetAlert] = Field(default_factory=default_budget_alerts)
    features: list[Feature] = Field(default_factory=list)
    invocation_logging: InvocationLogging = Field(default_factory=InvocationLogging)
    metering: Metering = Field(default_factory=Metering)
    pricing: Pricing = Field(default_factory=Pricing)
    alarms: AccountAlarms = Field(default_factory=AccountAlarms)
    evaluator: Evaluator = Field(default_factory=Evaluator)
    anomaly_detection: AnomalyDetection = Field(default_factory=AnomalyDetection)
    kill_switch: KillSwitch | None = None
    price_refresh: PriceRefresh = Field(
        default_factory=PriceRefresh, description="Optional scheduled price-catalog refresh."
    )
    invocation_log_analytics: InvocationLogAnalytics = Field(
        default_factory=InvocationLogAnalytics,
        description="Optional Glue table and Athena workgroup over the S3 invocation logs.",
    )
    tags: dict[str, str] = Field(
        default_factory=dict, description="Extra tags on every resource of the stack."
    )
    stack_layout: Literal["auto", "single", "nested"] = Field(
        default="auto",
        description=(
            f"auto: one template up to {ONE_TEMPLATE_MAX_FEATURES} features (while it fits "
            "CloudFormation's 500 resources and 1 MB), nested stacks for the feature alarms and dashboards "
            "beyond. single: one template at any count (validate says when it no longer fits). nested: "
            "nested stacks from the start (faster synth). A deployed stack keeps its layout: CloudFormation "
            "refuses a deploy that would move its alarms and dashboards between layouts (README, Moving "
            "into nested stacks)."
        ),
    )

    @field_validator("region")
    @classmethod
    def _region(cls, value: str) -> str:
        return check_region(value)

    @field_validator("budget_alerts")
    @classmethod
    def _alerts(cls, alerts: list[BudgetAlert]) -> list[BudgetAlert]:
        return check_budget_alerts(alerts)

    @field_validator("tags")
    @classmethod
    def _tags(cls, tags: dict[str, str]) -> dict[str, str]:
        for key, value in tags.items():
            check_tag_key(key)
            check_tag_value(value)
        return tags

    @field_validator("features")
    @classmethod
    def _unique_features(cls, features: list[Feature]) -> list[Feature]:
        names = [f.name for f in features]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(
                f"feature names must be unique within an account; repeated: {', '.join(duplicates)}"
            )
        if "unattributed" in names:
            raise ValueError("'unattributed' is reserved for calls no rule matches")
        return features

    @property
    def applications(self) -> list[str]:
        return list(dict.fromkeys(f.application for f in self.features))


class GuardrailsConfig(StrictModel):
    organization: Organization
    notifications: Notifications = Field(default_factory=Notifications)
    accounts: list[Account] = Field(min_length=1)

    @field_validator("accounts")
    @classmethod
    def _unique_accounts(cls, accounts: list[Account]) -> list[Account]:
        # One account may be listed once per Region (each entry its own stack, named by `name`).
        names = [a.name for a in accounts]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"account names must be unique; repeated: {', '.join(repeated)}")
        places = [f"{a.account_id}/{a.region}" for a in accounts]
        repeated = sorted({p for p in places if places.count(p) > 1})
        if repeated:
            raise ValueError(
                "an account may be listed once per region (account_id and region together must be unique); "
                f"repeated: {', '.join(repeated)}"
            )
        return accounts

    def regions_of(self, account_id: str) -> list[str]:
        """Every Region the config lists for one AWS account."""
        return [a.region for a in self.accounts if a.account_id == account_id]

    def account(self, name: str) -> Account:
        for account in self.accounts:
            if account.name == name:
                return account
        raise KeyError(name)
