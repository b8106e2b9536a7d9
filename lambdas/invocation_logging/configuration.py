"""Bedrock model invocation logging that coexists with what the account already has. Pure: no AWS calls.

The logging configuration is one per account and Region, and other tools (compliance archives, other
monitoring) may depend on it. So this app never replaces it:

- nothing configured: the app creates it (a CloudWatch Logs destination, bodies as configured);
- a CloudWatch Logs destination already there: the app changes nothing and meters that log group;
- only an S3 destination: the app adds its CloudWatch Logs destination beside it and keeps the S3
  destination and every delivery flag; text delivery is turned on only if the app's config asks for it.

What was there before is recorded in the custom resource's physical id (``Before``), which CloudFormation
hands back on every update and delete. On delete, the app removes only what it added: its CloudWatch Logs
destination (if it is still the app's) and a text delivery flag it turned on; if no destination is left,
the configuration is deleted. When nobody changed the configuration in between, that is exactly what was
there before.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

LoggingConfig = dict[str, Any]  # `loggingConfig` as the API returns it (every key kept, known or not)

CLOUDWATCH = "cloudWatchConfig"
S3 = "s3Config"
TEXT_FLAG = "textDataDeliveryEnabled"
# The delivery flags the API had when this was written; a newer one is kept as data all the same.
DELIVERY_FLAGS = (
    TEXT_FLAG,
    "imageDataDeliveryEnabled",
    "embeddingDataDeliveryEnabled",
    "videoDataDeliveryEnabled",
    "audioDataDeliveryEnabled",
)
FLAG_SUFFIX = "DataDeliveryEnabled"
PHYSICAL_ID_PREFIX = "genai-cost-guardrails/invocation-logging/before:"
READ_ONLY_PHYSICAL_ID = "genai-cost-guardrails/invocation-logging/read-only"

Write = Literal["put", "delete"]


class MeteringNeedsCloudWatchLogs(ValueError):
    """`existing` mode, and the account's invocation logging has no CloudWatch Logs destination."""


def normalize(raw: Mapping[str, Any] | None) -> LoggingConfig | None:
    """The API answers `{}`, `null` or no key at all when logging is off: all of them mean None."""
    return copy.deepcopy(dict(raw)) if raw else None


def has_destination(config: Mapping[str, Any] | None) -> bool:
    return bool(config) and bool(config.get(CLOUDWATCH) or config.get(S3))  # type: ignore[union-attr]


def cloudwatch_log_group(config: Mapping[str, Any] | None) -> str | None:
    destination = (config or {}).get(CLOUDWATCH) or {}
    name = destination.get("logGroupName")
    return str(name) if name else None


def same(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """Equal as configurations: a flag set to false is the same as a flag left out."""

    def significant(config: Mapping[str, Any] | None) -> dict[str, Any]:
        return {k: v for k, v in (config or {}).items() if v not in (False, None)}

    return significant(a) == significant(b)


def describe(config: Mapping[str, Any] | None) -> str:
    """One line for a human: destinations and the delivery flags that are on."""
    if not config:
        return "no invocation logging"
    parts = []
    if log_group := cloudwatch_log_group(config):
        parts.append(f"CloudWatch Logs {log_group}")
    if bucket := (config.get(S3) or {}).get("bucketName"):
        prefix = (config.get(S3) or {}).get("keyPrefix") or ""
        parts.append(f"S3 s3://{bucket}/{prefix}")
    flags = [k.removesuffix(FLAG_SUFFIX) for k, v in config.items() if k.endswith(FLAG_SUFFIX) and v is True]
    parts.append(f"bodies delivered: {', '.join(flags)}" if flags else "no bodies delivered")
    return "; ".join(parts)


@dataclass(frozen=True)
class AppDestination:
    """What this app needs: its log group, the role Bedrock writes with, and whether to deliver text."""

    log_group_name: str
    role_arn: str
    text_data_delivery: bool

    def cloudwatch_config(self) -> dict[str, str]:
        return {"logGroupName": self.log_group_name, "roleArn": self.role_arn}

    def owns(self, config: Mapping[str, Any] | None) -> bool:
        """The configuration's CloudWatch Logs destination is this app's (log group and role both)."""
        destination = (config or {}).get(CLOUDWATCH) or {}
        return bool(
            destination.get("logGroupName") == self.log_group_name
            and destination.get("roleArn") == self.role_arn
        )


@dataclass(frozen=True)
class Before:
    """What the configuration was before the app touched it: enough to undo exactly what the app does
    (add a CloudWatch Logs destination, turn text delivery on), and readable in the console as the
    physical id, e.g. `genai-cost-guardrails/invocation-logging/before:s3+text` or `...before:none`."""

    existed: bool
    destinations: frozenset[str] = frozenset()  # "cloudwatch", "s3"
    flags: frozenset[str] = frozenset()  # delivery flags that were on, short names: "text", "image", ...

    @classmethod
    def of(cls, config: Mapping[str, Any] | None) -> Before:
        if not config:
            return cls(existed=False)
        destinations = {name for name, key in (("cloudwatch", CLOUDWATCH), ("s3", S3)) if config.get(key)}
        flags = {
            k.removesuffix(FLAG_SUFFIX) for k, v in config.items() if k.endswith(FLAG_SUFFIX) and v is True
        }
        return cls(existed=True, destinations=frozenset(destinations), flags=frozenset(flags))

    def physical_id(self) -> str:
        if not self.existed:
            return PHYSICAL_ID_PREFIX + "none"
        tokens = sorted(self.destinations) + sorted(self.flags)
        return PHYSICAL_ID_PREFIX + ("+".join(tokens) or "empty")

    @classmethod
    def from_physical_id(cls, physical_id: str | None) -> Before | None:
        """None for an id this app did not write (e.g. CloudFormation's placeholder for a failed create)."""
        if not physical_id or not physical_id.startswith(PHYSICAL_ID_PREFIX):
            return None
        body = physical_id.removeprefix(PHYSICAL_ID_PREFIX)
        if body == "none":
            return cls(existed=False)
        tokens = set() if body == "empty" else set(body.split("+"))
        destinations = tokens & {"cloudwatch", "s3"}
        return cls(existed=True, destinations=frozenset(destinations), flags=frozenset(tokens - destinations))

    def had_flag(self, flag: str) -> bool:
        return flag.removesuffix(FLAG_SUFFIX) in self.flags


@dataclass(frozen=True)
class Plan:
    """What to do to the account's configuration, and what to tell CloudFormation."""

    write: Write | None  # None: leave the configuration as it is
    config: LoggingConfig | None  # the configuration to put (write == "put")
    log_group_name: str | None  # the log group metering subscribes to (None on delete)
    physical_id: str
    outcome: str  # one sentence for the log and the stack output


def _write(current: LoggingConfig | None, desired: LoggingConfig | None) -> Write | None:
    if same(current, desired):
        return None
    return "put" if has_destination(desired) else "delete"


def merge(current: LoggingConfig | None, app: AppDestination) -> tuple[LoggingConfig, str, str]:
    """(the configuration the app needs, the log group to meter, what happened) from the current one."""
    if current and cloudwatch_log_group(current) and not app.owns(current):
        log_group = cloudwatch_log_group(current)
        assert log_group is not None
        return current, log_group, f"kept the account's configuration; metering its log group {log_group}"
    if not has_destination(current):
        created: LoggingConfig = {
            CLOUDWATCH: app.cloudwatch_config(),
            # Bodies cost ingestion and carry user data; token counts arrive without them.
            TEXT_FLAG: app.text_data_delivery,
            "imageDataDeliveryEnabled": False,
            "embeddingDataDeliveryEnabled": False,
            "videoDataDeliveryEnabled": False,
        }
        return created, app.log_group_name, f"created invocation logging to {app.log_group_name}"
    assert current is not None
    merged = copy.deepcopy(current)
    merged[CLOUDWATCH] = app.cloudwatch_config()
    merged[TEXT_FLAG] = bool(current.get(TEXT_FLAG)) or app.text_data_delivery
    return merged, app.log_group_name, f"added {app.log_group_name} beside the account's destinations"


def unmerge(current: LoggingConfig | None, app: AppDestination, before: Before) -> LoggingConfig | None:
    """The current configuration without what the app added. Someone else's CloudWatch Logs destination
    (or no configuration at all) means the account changed it since: then it is left as it is."""
    if current is None or not app.owns(current):
        return current
    restored = copy.deepcopy(current)
    del restored[CLOUDWATCH]
    if app.text_data_delivery and not before.had_flag(TEXT_FLAG):
        restored[TEXT_FLAG] = False
    return restored if has_destination(restored) else None


def plan_create(current: LoggingConfig | None, app: AppDestination) -> Plan:
    before = Before.of(current)
    desired, log_group, outcome = merge(current, app)
    return Plan(_write(current, desired), desired, log_group, before.physical_id(), outcome)


def plan_update(
    current: LoggingConfig | None, old: AppDestination, new: AppDestination, physical_id: str
) -> Plan:
    """Undo what the old properties added, then add what the new ones need; the record stays the same
    (a new physical id would make CloudFormation delete the old one, i.e. restore, after the update)."""
    before = Before.from_physical_id(physical_id)
    if before is None:
        raise ValueError(f"physical id {physical_id!r} was not written by this app: cannot update it")
    desired, log_group, outcome = merge(unmerge(current, old, before), new)
    return Plan(_write(current, desired), desired, log_group, physical_id, outcome)


def plan_delete(current: LoggingConfig | None, app: AppDestination, physical_id: str) -> Plan:
    before = Before.from_physical_id(physical_id)
    if before is None:  # the create never completed: nothing of the app's is there
        return Plan(None, None, None, physical_id, "nothing to undo: the create had not completed")
    desired = unmerge(current, app, before)
    write = _write(current, desired)
    if write is None:
        outcome = "left the configuration as it is (nothing of the app's in it)"
    elif write == "delete":
        outcome = "deleted the configuration the app had created"
    else:
        outcome = f"restored the configuration: {describe(desired)}"
    return Plan(write, desired if write == "put" else None, None, physical_id, outcome)


def plan_existing(current: LoggingConfig | None, region: str) -> Plan:
    """`existing` mode: read only. Meter the CloudWatch Logs destination, or say what metering needs."""
    log_group = cloudwatch_log_group(current)
    if log_group is None:
        raise MeteringNeedsCloudWatchLogs(
            f"invocation_logging.mode is 'existing', but Bedrock model invocation logging in {region} has no "
            f"CloudWatch Logs destination ({describe(current)}). Metering reads the records from CloudWatch "
            "Logs: add a CloudWatch Logs destination to the account's configuration (Bedrock console, "
            "Settings, Model invocation logging), or set invocation_logging.mode: create, which adds one and "
            "keeps the S3 destination and delivery flags, or name a log group Bedrock delivers to in "
            "invocation_logging.log_group_name."
        )
    return Plan(None, None, log_group, READ_ONLY_PHYSICAL_ID, f"metering the existing log group {log_group}")
