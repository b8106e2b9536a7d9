"""Notify-once state in DynamoDB, one item per (feature, month, threshold): `<feature>#<YYYY-MM>#<threshold>`.

At most once, never twice. A run reads and explains first, then, immediately before publishing:
1. claim: a conditional put (`attribute_not_exists(pk)`) writes the item as CLAIMED with the run's id; a
   second run (overlapping, or any later one) fails the condition and does not publish;
2. publish to SNS;
3. finalize: the claim becomes NOTIFIED with the SNS message id.
When the publish raises (SNS refused it: nothing was sent) the claim is released (deleted), so the next run
notifies again. When the publish succeeded but finalizing fails, the CLAIMED item stays, and a CLAIMED item
is never published again: the next run's claim fails its condition, and it finalizes the item instead (the
mark is retried, the message is not). The one case this loses a message is a run that dies between the claim
and the end of the SNS call (a Lambda timeout in that one call): its claim counts as sent, which keeps the
promise of never paging twice. Items expire by TTL after the month.

Why not Powertools Idempotency: it records one in-progress item per payload hash and, when saving the
completed record fails or the in-progress item expires (at the Lambda's timeout), runs the function again,
i.e. publishes a second time, which is the failure this state exists to prevent; one message here also
covers several thresholds (several keys), and the keys are per threshold per month, not per event payload.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

CLAIMED = "CLAIMED"
NOTIFIED = "NOTIFIED"
CONDITIONAL_CHECK_FAILED = "ConditionalCheckFailedException"
# A claim older than this is no run's work in progress (the function's timeout is 5 minutes).
STALE_CLAIM_SECONDS = 900


def conditional_check_failed(error: ClientError) -> bool:
    return bool(error.response.get("Error", {}).get("Code") == CONDITIONAL_CHECK_FAILED)


class NotificationState:
    def __init__(self, client: Any, table_name: str) -> None:
        self.client = client
        self.table = table_name

    def is_open(self, pk: str, now: int) -> bool:
        """True when nothing was claimed for `pk` yet (a consistent read, before the explanation's reads).
        A claim another run left CLAIMED for longer than STALE_CLAIM_SECONDS is finalized here."""
        item = self.get(pk)
        if item is None:
            return True
        if item.get("status") == CLAIMED and int(item.get("claimed_at", 0)) < now - STALE_CLAIM_SECONDS:
            self.finalize_stale(pk, now)
        return False

    def claim(self, pk: str, run_id: str, now: int, expires_at: int) -> bool:
        """True when this run may publish for `pk`: nobody has claimed it (ever, this month)."""
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": pk},
                    "status": {"S": CLAIMED},
                    "run_id": {"S": run_id},
                    "claimed_at": {"N": str(now)},
                    "expires_at": {"N": str(expires_at)},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if conditional_check_failed(error):
                return False
            raise
        return True

    def mark_notified(self, pk: str, run_id: str, now: int, message_id: str) -> None:
        """Finalize this run's claim after a successful publish."""
        self.client.update_item(
            TableName=self.table,
            Key={"pk": {"S": pk}},
            UpdateExpression="SET #s = :notified, message_id = :mid, notified_at = :now",
            ConditionExpression="run_id = :run",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":notified": {"S": NOTIFIED},
                ":mid": {"S": message_id},
                ":now": {"N": str(now)},
                ":run": {"S": run_id},
            },
        )

    def finalize_stale(self, pk: str, now: int) -> bool:
        """Finalize a claim another run left CLAIMED (its publish went out, its mark failed, or it died
        mid-publish): NOTIFIED without a message id. Never publishes. True when it changed the item."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"pk": {"S": pk}},
                UpdateExpression="SET #s = :notified, notified_at = :now",
                ConditionExpression="#s = :claimed",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":notified": {"S": NOTIFIED},
                    ":claimed": {"S": CLAIMED},
                    ":now": {"N": str(now)},
                },
            )
        except ClientError as error:
            if conditional_check_failed(error):
                return False
            raise
        return True

    def release(self, pk: str, run_id: str) -> None:
        """Drop this run's claim (the publish failed, nothing was sent): the next run notifies again."""
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={"pk": {"S": pk}},
                ConditionExpression="run_id = :run AND #s = :claimed",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={":run": {"S": run_id}, ":claimed": {"S": CLAIMED}},
            )
        except ClientError as error:
            if not conditional_check_failed(error):
                raise

    def get(self, pk: str) -> dict[str, Any] | None:
        item = self.client.get_item(TableName=self.table, Key={"pk": {"S": pk}}, ConsistentRead=True).get(
            "Item"
        )
        return None if item is None else {k: next(iter(v.values())) for k, v in item.items()}
