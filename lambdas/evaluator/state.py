"""Notify-once state in DynamoDB: claim (PENDING, with a lease) -> publish -> mark NOTIFIED; on a failed
publish the claim is released, so the next run retries; a run that dies mid-way leaves a PENDING claim
whose lease expires, and the next run after the lease takes it over. Items expire by TTL."""

from __future__ import annotations

from typing import Any

PENDING = "PENDING"
NOTIFIED = "NOTIFIED"
LEASE_SECONDS = 600


def _conditional_failed(error: Exception) -> bool:
    response = getattr(error, "response", None)
    return (
        isinstance(response, dict)
        and response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
    )


class NotificationState:
    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.table = table_name

    def claim(self, pk: str, run_id: str, now: int, expires_at: int) -> bool:
        """True when this run may notify for `pk` (never notified, or a stale claim of a dead run)."""
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": pk},
                    "status": {"S": PENDING},
                    "run_id": {"S": run_id},
                    "lease_until": {"N": str(now + LEASE_SECONDS)},
                    "expires_at": {"N": str(expires_at)},
                },
                ConditionExpression="attribute_not_exists(pk) OR (#s = :pending AND lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":pending": {"S": PENDING}, ":now": {"N": str(now)}},
            )
        except Exception as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def mark_notified(self, pk: str, run_id: str, now: int, message_id: str) -> None:
        self.client.update_item(
            TableName=self.table,
            Key={"pk": {"S": pk}},
            UpdateExpression="SET #s = :notified, message_id = :mid, notified_at = :now REMOVE lease_until",
            ConditionExpression="run_id = :run",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":notified": {"S": NOTIFIED},
                ":mid": {"S": message_id},
                ":now": {"N": str(now)},
                ":run": {"S": run_id},
            },
        )

    def release(self, pk: str, run_id: str) -> None:
        """Drop this run's claim (publish failed): nothing marks the crossing as notified."""
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={"pk": {"S": pk}},
                ConditionExpression="run_id = :run AND #s = :pending",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":run": {"S": run_id}, ":pending": {"S": PENDING}},
            )
        except Exception as error:
            if not _conditional_failed(error):
                raise

    def get(self, pk: str) -> dict[str, Any] | None:
        item = self.client.get_item(TableName=self.table, Key={"pk": {"S": pk}}, ConsistentRead=True).get(
            "Item"
        )
        return None if item is None else {k: next(iter(v.values())) for k, v in item.items()}
