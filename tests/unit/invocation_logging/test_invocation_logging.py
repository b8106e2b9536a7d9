"""The invocation-logging custom resource on moto's Bedrock: create, update and delete against each kind of
configuration an account may already have, read back through GetModelInvocationLoggingConfiguration."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.bedrock.models import bedrock_backends
from moto.core.models import DEFAULT_ACCOUNT_ID

from lambdas.invocation_logging import handler as handler_module
from lambdas.invocation_logging.configuration import (
    PHYSICAL_ID_PREFIX,
    READ_ONLY_PHYSICAL_ID,
    AppDestination,
    Before,
    MeteringNeedsCloudWatchLogs,
)
from lambdas.invocation_logging.service import LoggingProperties, UnwritableConfiguration, handle

REGION = "us-east-1"
APP_GROUP = "/aws/bedrock/model-invocations"
APP_ROLE = "arn:aws:iam::123456789012:role/GenAiGuardrails-prod-DeliveryRole"
S3_WITH_TEXT = {
    "s3Config": {"bucketName": "compliance-archive", "keyPrefix": "bedrock/"},
    "textDataDeliveryEnabled": True,
    "imageDataDeliveryEnabled": False,
    "embeddingDataDeliveryEnabled": True,
    "videoDataDeliveryEnabled": False,
}
THEIR_CLOUDWATCH = {
    "cloudWatchConfig": {
        "logGroupName": "/platform/bedrock-invocations",
        "roleArn": "arn:aws:iam::123456789012:role/platform-bedrock-logging",
        "largeDataDeliveryS3Config": {"bucketName": "platform-large-bodies", "keyPrefix": "big/"},
    },
    "textDataDeliveryEnabled": True,
    "imageDataDeliveryEnabled": False,
    "embeddingDataDeliveryEnabled": False,
    "videoDataDeliveryEnabled": False,
}


@pytest.fixture
def bedrock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield boto3.client("bedrock", region_name=REGION)


def props(text: bool = False, log_group: str = APP_GROUP, role: str = APP_ROLE) -> LoggingProperties:
    return LoggingProperties.parse(
        {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:provider",
            "Mode": "create",
            "LogGroupName": log_group,
            "RoleArn": role,
            "TextDataDelivery": "true" if text else "false",
        }
    )


def current(bedrock: Any) -> dict[str, Any] | None:
    config = bedrock.get_model_invocation_logging_configuration().get("loggingConfig")
    return config or None  # moto answers {} after a delete, AWS leaves the key out


def seed(bedrock: Any, config: dict[str, Any]) -> None:
    bedrock.put_model_invocation_logging_configuration(loggingConfig=config)


def test_no_configuration_is_created_then_deleted(bedrock: Any) -> None:
    plan = handle(bedrock, "Create", props(), None, None, REGION)
    assert plan.physical_id == PHYSICAL_ID_PREFIX + "none"
    assert plan.log_group_name == APP_GROUP
    config = current(bedrock)
    assert config is not None
    assert config["cloudWatchConfig"] == {"logGroupName": APP_GROUP, "roleArn": APP_ROLE}
    assert config["textDataDeliveryEnabled"] is False
    assert "s3Config" not in config

    plan = handle(bedrock, "Delete", props(), None, plan.physical_id, REGION)
    assert plan.write == "delete"
    assert current(bedrock) is None


def test_s3_and_text_delivery_survive_create_update_and_delete(bedrock: Any) -> None:
    seed(bedrock, S3_WITH_TEXT)
    created = handle(bedrock, "Create", props(), None, None, REGION)
    assert created.physical_id == PHYSICAL_ID_PREFIX + "s3+embedding+text"
    config = current(bedrock)
    assert config is not None
    assert config["s3Config"] == S3_WITH_TEXT["s3Config"]
    assert config["textDataDeliveryEnabled"] is True  # the account's, kept although the app asks for none
    assert config["embeddingDataDeliveryEnabled"] is True
    assert config["cloudWatchConfig"] == {"logGroupName": APP_GROUP, "roleArn": APP_ROLE}

    # The app's log group is replaced (renamed in config) and it now asks for text: both coexist still.
    new = props(text=True, log_group="/guardrails/invocations")
    updated = handle(bedrock, "Update", new, props(), created.physical_id, REGION)
    assert updated.physical_id == created.physical_id  # a new id would make CloudFormation delete the old
    assert updated.log_group_name == "/guardrails/invocations"
    config = current(bedrock)
    assert config is not None
    assert config["cloudWatchConfig"]["logGroupName"] == "/guardrails/invocations"
    assert config["s3Config"] == S3_WITH_TEXT["s3Config"]
    assert config["textDataDeliveryEnabled"] is True

    deleted = handle(bedrock, "Delete", new, None, updated.physical_id, REGION)
    assert deleted.write == "put"
    assert current(bedrock) == S3_WITH_TEXT  # exactly what was there before


def test_text_delivery_the_app_turned_on_is_turned_off_again(bedrock: Any) -> None:
    s3_only = {**S3_WITH_TEXT, "textDataDeliveryEnabled": False}
    seed(bedrock, s3_only)
    created = handle(bedrock, "Create", props(text=True), None, None, REGION)
    assert (current(bedrock) or {})["textDataDeliveryEnabled"] is True
    handle(bedrock, "Delete", props(text=True), None, created.physical_id, REGION)
    assert current(bedrock) == s3_only


def test_existing_cloudwatch_destination_is_metered_and_never_written(bedrock: Any) -> None:
    seed(bedrock, THEIR_CLOUDWATCH)
    created = handle(bedrock, "Create", props(text=True), None, None, REGION)
    assert created.write is None
    assert created.log_group_name == "/platform/bedrock-invocations"
    assert "metering its log group /platform/bedrock-invocations" in created.outcome
    assert current(bedrock) == THEIR_CLOUDWATCH
    updated = handle(bedrock, "Update", props(), props(text=True), created.physical_id, REGION)
    assert (updated.write, updated.log_group_name) == (None, "/platform/bedrock-invocations")
    deleted = handle(bedrock, "Delete", props(), None, created.physical_id, REGION)
    assert deleted.write is None
    assert current(bedrock) == THEIR_CLOUDWATCH


def test_a_destination_someone_else_put_in_place_since_is_left_alone(bedrock: Any) -> None:
    created = handle(bedrock, "Create", props(), None, None, REGION)
    seed(bedrock, THEIR_CLOUDWATCH)  # the platform team took the configuration over after the deploy
    deleted = handle(bedrock, "Delete", props(), None, created.physical_id, REGION)
    assert deleted.write is None
    assert current(bedrock) == THEIR_CLOUDWATCH


def test_s3_added_by_someone_else_since_is_kept_on_delete(bedrock: Any) -> None:
    created = handle(bedrock, "Create", props(), None, None, REGION)
    config = current(bedrock)
    assert config is not None
    seed(bedrock, {**config, "s3Config": {"bucketName": "added-later"}})
    handle(bedrock, "Delete", props(), None, created.physical_id, REGION)
    after = current(bedrock)
    assert after is not None and after["s3Config"] == {"bucketName": "added-later"}
    assert "cloudWatchConfig" not in after


def test_delete_after_a_failed_create_changes_nothing(bedrock: Any) -> None:
    seed(bedrock, S3_WITH_TEXT)
    # CloudFormation's physical id for a resource whose create failed is not one the app wrote.
    plan = handle(bedrock, "Delete", props(), None, "GenAiGuardrails-prod-Metering-1ABC", REGION)
    assert plan.write is None
    assert current(bedrock) == S3_WITH_TEXT


def test_existing_mode_meters_the_accounts_group_and_explains_s3_only(bedrock: Any) -> None:
    existing = LoggingProperties.parse({"Mode": "existing"})
    seed(bedrock, THEIR_CLOUDWATCH)
    plan = handle(bedrock, "Create", existing, None, None, REGION)
    assert (plan.write, plan.log_group_name, plan.physical_id) == (
        None,
        "/platform/bedrock-invocations",
        READ_ONLY_PHYSICAL_ID,
    )
    seed(bedrock, S3_WITH_TEXT)
    with pytest.raises(MeteringNeedsCloudWatchLogs) as info:
        handle(bedrock, "Update", existing, existing, READ_ONLY_PHYSICAL_ID, REGION)
    message = str(info.value)
    assert "S3 s3://compliance-archive/bedrock/" in message
    assert "CloudWatch Logs destination" in message and "mode: create" in message
    assert current(bedrock) == S3_WITH_TEXT
    assert handle(bedrock, "Delete", existing, None, READ_ONLY_PHYSICAL_ID, REGION).write is None
    assert current(bedrock) == S3_WITH_TEXT


def test_a_field_this_sdk_does_not_know_is_never_dropped(bedrock: Any) -> None:
    # A delivery flag newer than this SDK, as AWS would return it: set through moto's backend (the SDK
    # cannot send it).
    future = {**S3_WITH_TEXT, "hologramDataDeliveryEnabled": True}
    bedrock_backends[DEFAULT_ACCOUNT_ID][REGION].put_model_invocation_logging_configuration(future)
    with pytest.raises(UnwritableConfiguration, match="does not know"):
        handle(bedrock, "Create", props(), None, None, REGION)
    assert bedrock_backends[DEFAULT_ACCOUNT_ID][REGION].get_model_invocation_logging_configuration() == future


@pytest.mark.parametrize(
    "config",
    [None, S3_WITH_TEXT, THEIR_CLOUDWATCH, {"s3Config": {"bucketName": "b"}}],
)
def test_before_round_trips_through_the_physical_id(config: dict[str, Any] | None) -> None:
    before = Before.of(config)
    assert Before.from_physical_id(before.physical_id()) == before
    assert len(before.physical_id()) < 1024  # CloudFormation's limit


def test_app_destination_is_recognised_by_log_group_and_role() -> None:
    app = AppDestination(APP_GROUP, APP_ROLE, text_data_delivery=False)
    assert app.owns({"cloudWatchConfig": {"logGroupName": APP_GROUP, "roleArn": APP_ROLE}})
    assert not app.owns({"cloudWatchConfig": {"logGroupName": APP_GROUP, "roleArn": "arn:other"}})


class Context:
    function_name = "invocation-logging"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:invocation-logging"
    aws_request_id = "request-1"


def test_handler_answers_the_provider_framework(bedrock: Any) -> None:
    seed(bedrock, S3_WITH_TEXT)
    event = {
        "RequestType": "Create",
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:provider",
        "ResponseURL": "https://example.invalid/response",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/GenAiGuardrails-prod/1",
        "RequestId": "r1",
        "LogicalResourceId": "MeteringInvocationLoggingConfiguration",
        "ResourceType": "Custom::BedrockInvocationLogging",
        "ResourceProperties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:provider",
            "Mode": "create",
            "LogGroupName": APP_GROUP,
            "RoleArn": APP_ROLE,
            "TextDataDelivery": "false",
        },
    }
    answer = handler_module.lambda_handler(event, Context())  # type: ignore[arg-type]
    assert answer["PhysicalResourceId"] == PHYSICAL_ID_PREFIX + "s3+embedding+text"
    assert answer["Data"]["LogGroupName"] == APP_GROUP
    assert "beside the account's destinations" in answer["Data"]["Outcome"]
