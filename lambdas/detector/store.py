"""The detector's state in DynamoDB (the evaluator's notification-state table): one item per feature,
`detector#<feature>`, holding the compressed state, the minute it was evaluated at, and the messages still
to send. A write only succeeds for a later minute than the stored one, so two overlapping runs cannot both
move a feature on.

Each message is sent at most once, never twice: the conditional save of the state a run evaluated is its
claim on that minute's message (and on the messages the item carried, which the save clears); only a run
whose save succeeded publishes. A message whose publish fails is written back to the item (`unsent`) and
the next run that moves the feature on sends it first. A save that fails sends nothing and leaves the old
state, so the next run evaluates the minute again. A message is lost only when its publish and the write
back both fail (both logged and counted in DetectorFeatureFailures).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from lambdas.detector.model import FeatureState

KEY_PREFIX = "detector#"
TTL_DAYS = 30  # a removed feature's state expires
BATCH = 100  # BatchGetItem's limit
MAX_UNSENT = 20  # the newest messages kept when SNS refuses them run after run (an item holds 400 KB)


@dataclass(frozen=True)
class Unsent:
    subject: str
    body: str


@dataclass
class Stored:
    state: FeatureState = field(default_factory=FeatureState)
    minute: int | None = None  # the minute it was last evaluated at
    unsent: list[Unsent] = field(default_factory=list)


def key(feature: str) -> str:
    return f"{KEY_PREFIX}{feature}"


def _conditional_check_failed(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")


def _unsent(item: dict[str, Any]) -> list[Unsent]:
    if "unsent" not in item:
        return []
    return [Unsent(**m) for m in json.loads(zlib.decompress(item["unsent"]["B"]).decode("utf-8"))]


def _encode_unsent(messages: Sequence[Unsent]) -> bytes:
    text = json.dumps([{"subject": m.subject, "body": m.body} for m in messages[-MAX_UNSENT:]])
    return zlib.compress(text.encode("utf-8"))


def load_all(client: Any, table: str, features: Sequence[str]) -> dict[str, Stored]:
    """feature -> what is stored (a fresh state when there is none)."""
    found: dict[str, Stored] = {}
    names = list(features)
    for i in range(0, len(names), BATCH):
        request: dict[str, Any] = {
            table: {"Keys": [{"pk": {"S": key(n)}} for n in names[i : i + BATCH]], "ConsistentRead": True}
        }
        while request:
            response = client.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(table, []):
                feature = item["pk"]["S"][len(KEY_PREFIX) :]
                text = zlib.decompress(item["state"]["B"]).decode("utf-8")
                found[feature] = Stored(FeatureState.from_json(text), int(item["minute"]["N"]), _unsent(item))
            request = response.get("UnprocessedKeys") or {}
    return {n: found.get(n, Stored()) for n in names}


def save(client: Any, table: str, feature: str, state: FeatureState, minute: int, expires_at: int) -> bool:
    """Store the state evaluated at `minute` (no unsent messages: the caller now owns them); False when a
    run already stored this minute or a later one."""
    try:
        client.put_item(
            TableName=table,
            Item={
                "pk": {"S": key(feature)},
                "state": {"B": zlib.compress(state.to_json().encode("utf-8"))},
                "minute": {"N": str(minute)},
                "expires_at": {"N": str(expires_at)},
            },
            ConditionExpression="attribute_not_exists(pk) OR #m < :m",
            ExpressionAttributeNames={"#m": "minute"},
            ExpressionAttributeValues={":m": {"N": str(minute)}},
        )
    except ClientError as error:
        if _conditional_check_failed(error):
            return False
        raise
    return True


def keep_unsent(client: Any, table: str, feature: str, minute: int, messages: Sequence[Unsent]) -> bool:
    """Write messages a run could not publish back to the item it saved at `minute`, for the next run;
    False when a later run already moved the feature on (then they are dropped: that run owns the item)."""
    try:
        client.update_item(
            TableName=table,
            Key={"pk": {"S": key(feature)}},
            UpdateExpression="SET unsent = :u",
            ConditionExpression="#m = :m",
            ExpressionAttributeNames={"#m": "minute"},
            ExpressionAttributeValues={":m": {"N": str(minute)}, ":u": {"B": _encode_unsent(messages)}},
        )
    except ClientError as error:
        if _conditional_check_failed(error):
            return False
        raise
    return True
