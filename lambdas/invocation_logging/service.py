"""The custom resource's requests against the Bedrock API: read the configuration, plan, write.

The configuration is read from the raw response, not from botocore's parsed one: botocore drops fields its
model does not know, and writing such a parsed copy back would silently turn off a delivery flag newer than
this function's SDK. Kept raw, an unknown field reaches PutModelInvocationLoggingConfiguration, whose
parameter validation refuses it: the deploy fails with a message and the account keeps its configuration.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from botocore.exceptions import ParamValidationError

from lambdas.invocation_logging.configuration import (
    AppDestination,
    LoggingConfig,
    Plan,
    describe,
    normalize,
    plan_create,
    plan_delete,
    plan_existing,
    plan_update,
)

logger = logging.getLogger(__name__)

RequestType = Literal["Create", "Update", "Delete"]
GET_EVENT = "after-call.bedrock.GetModelInvocationLoggingConfiguration"


@dataclass(frozen=True)
class LoggingProperties:
    """The custom resource's properties (CloudFormation passes every value as a string)."""

    mode: Literal["create", "existing"]
    app: AppDestination | None  # None in `existing` mode

    @classmethod
    def parse(cls, properties: Mapping[str, Any]) -> LoggingProperties:
        mode = str(properties.get("Mode", "create"))
        if mode == "existing":
            return cls("existing", None)
        if mode != "create":
            raise ValueError(f"Mode must be 'create' or 'existing', got {mode!r}")
        text = str(properties.get("TextDataDelivery", "false")).lower()
        if text not in ("true", "false"):
            raise ValueError(f"TextDataDelivery must be true or false, got {text!r}")
        return cls(
            "create",
            AppDestination(
                log_group_name=str(properties["LogGroupName"]),
                role_arn=str(properties["RoleArn"]),
                text_data_delivery=text == "true",
            ),
        )


class UnwritableConfiguration(RuntimeError):
    """The current configuration has fields this function's AWS SDK cannot write back."""


def read_configuration(bedrock: Any) -> LoggingConfig | None:
    """The account's current configuration in this Region, every field kept (see the module docstring)."""
    raw: dict[str, Any] = {}

    def keep_body(http_response: Any, **_: Any) -> None:
        raw["body"] = http_response.content

    bedrock.meta.events.register(GET_EVENT, keep_body)
    try:
        parsed = bedrock.get_model_invocation_logging_configuration()
    finally:
        bedrock.meta.events.unregister(GET_EVENT, keep_body)
    body = json.loads(raw["body"]) if raw.get("body") else parsed
    return normalize(body.get("loggingConfig"))


def apply(bedrock: Any, plan: Plan) -> None:
    if plan.write == "put":
        try:
            bedrock.put_model_invocation_logging_configuration(loggingConfig=plan.config)
        except ParamValidationError as exc:
            raise UnwritableConfiguration(
                "the account's invocation logging configuration has a field this function's AWS SDK does not "
                f"know, so writing it back would lose it; nothing was changed ({exc})"
            ) from exc
    elif plan.write == "delete":
        bedrock.delete_model_invocation_logging_configuration()


def handle(
    bedrock: Any,
    request_type: RequestType,
    properties: LoggingProperties,
    old_properties: LoggingProperties | None,
    physical_id: str | None,
    region: str,
) -> Plan:
    """Read, plan and apply one CloudFormation request; the plan says what was done."""
    current = read_configuration(bedrock)
    if properties.mode == "existing" or properties.app is None:
        if request_type == "Delete":
            return Plan(None, None, None, physical_id or "", "existing mode: nothing to undo")
        plan = plan_existing(current, region)
    elif request_type == "Create":
        plan = plan_create(current, properties.app)
    elif request_type == "Update":
        assert physical_id is not None
        old_app = old_properties.app if old_properties is not None else None
        if old_app is None:  # switched from existing mode: nothing of the app's to undo
            plan = plan_create(current, properties.app)
        else:
            plan = plan_update(current, old_app, properties.app, physical_id)
    else:
        plan = plan_delete(current, properties.app, physical_id or "")
    logger.info(
        "invocation logging %s: %s",
        request_type,
        plan.outcome,
        extra={"before": current, "before_summary": describe(current), "write": plan.write},
    )
    apply(bedrock, plan)
    return plan
