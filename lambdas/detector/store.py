"""The detector's state in DynamoDB (the evaluator's notification-state table): one item per feature,
`detector#<feature>`, holding the compressed state and the minute it was evaluated at. A write only succeeds
for a later minute than the stored one, so two overlapping runs cannot both move a feature on."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

from lambdas.detector.model import FeatureState

KEY_PREFIX = "detector#"
TTL_DAYS = 30  # a removed feature's state expires
BATCH = 100  # BatchGetItem's limit


def key(feature: str) -> str:
    return f"{KEY_PREFIX}{feature}"


def load(client: Any, table: str, features: Sequence[str]) -> dict[str, tuple[FeatureState, int | None]]:
    """feature -> (state, minute it was last evaluated at); a fresh state when there is none."""
    found: dict[str, tuple[FeatureState, int | None]] = {}
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
                found[feature] = (FeatureState.from_json(text), int(item["minute"]["N"]))
            request = response.get("UnprocessedKeys") or {}
    return {n: found.get(n, (FeatureState(), None)) for n in names}


def save(client: Any, table: str, feature: str, state: FeatureState, minute: int, expires_at: int) -> bool:
    """Store the state evaluated at `minute`; False when a run already stored this minute or a later one."""
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
    except Exception as error:
        response = getattr(error, "response", None)
        if (
            isinstance(response, dict)
            and response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
        ):
            return False
        raise
    return True
