"""Replay's aggregation (``analytics.sql``) run by Amazon Athena over the invocation logs in S3.

The table is the one ``stacks/athena_logs.py`` creates (``invocation_log_analytics`` in the account's config):
one string column ``line`` per log line, partitioned by projection on ``account_id``, ``log_region`` and
``log_hour`` (``yyyy/MM/dd/HH``, the delivery layout's hour directory), so ``--since/--until`` become a range
on ``log_hour`` and Athena reads only those hours (with an hour's margin each side: records are delivered
minutes after their timestamp). The same SQL text DuckDB runs, over Trino's JSON functions; the rows come
back through ``GetQueryResults`` (boto3 paginator) and are priced and folded by the Lambda's code. Lines the
SQL leaves to Python (residue) are fetched by a second query restricted to the files that have them.

The workgroup's bytes-scanned limit and result location apply; replay reports the bytes each query scanned.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from analytics.sql import (
    AGGREGATE_COLUMNS,
    ATHENA,
    PARTITION_FORMAT,
    Dialect,
    aggregation_sql,
    athena_line_source,
    attribution_plan,
    catalog_thresholds,
    quote,
    residue_sql,
)
from cli.replay.fold import Folder
from cli.replay.metering import MetricStore
from lambdas.metering.aggregate import Meter

DEFAULT_DATABASE = "genai_guardrails"
DEFAULT_TABLE = "bedrock_invocation_logs"
HOUR_MS = 3_600_000
POLL_SECONDS = 1.0
_STRING_COLUMNS = {"file", "account_id", "model_id", "region"}


class AthenaError(RuntimeError):
    """A query that failed, was cancelled, or could not be started (message says which and why)."""


@dataclass(frozen=True, slots=True)
class AthenaTarget:
    workgroup: str
    database: str = DEFAULT_DATABASE
    table: str = DEFAULT_TABLE
    region: str | None = None


@dataclass
class AthenaRun:
    store: MetricStore
    bytes_scanned: int
    query_ids: list[str]


def _hour(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime(PARTITION_FORMAT)


def lines_sql(
    target: AthenaTarget, since_ms: int | None, until_ms: int | None, files: Sequence[str] = ()
) -> str:
    """``(file, line)`` of the table, pruned to the hours of [since - 1 h, until + 1 h) and to ``files``."""
    where = []
    if since_ms is not None:
        where.append(f"log_hour >= {quote(_hour(since_ms - HOUR_MS))}")
    if until_ms is not None:
        where.append(f"log_hour < {quote(_hour(until_ms + HOUR_MS))}")
    if files:
        where.append(f'"$path" IN ({", ".join(quote(f) for f in files)})')
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    return f'SELECT "$path" AS file, line FROM "{target.database}"."{target.table}"{clause}'


def queries(
    meter: Meter,
    target: AthenaTarget,
    since_ms: int | None,
    until_ms: int | None,
    dialect: Dialect = ATHENA,
) -> tuple[str, Callable[[Sequence[str]], str]]:
    """(the aggregation query, files -> the residue query over those files). ``dialect``: Athena's; tests
    run the text on DuckDB with DuckDB's quoting of a JSON path member."""
    plan = attribution_plan(meter.runtime)
    thresholds = catalog_thresholds(meter.catalog)

    def source(files: Sequence[str] = ()) -> str:
        return athena_line_source(lines_sql(target, since_ms, until_ms, files), dialect, plan.metadata_keys)

    return (
        aggregation_sql(meter.runtime, source(), thresholds, dialect),
        lambda files: residue_sql(meter.runtime, source(files), thresholds, dialect),
    )


class AthenaClient:
    """StartQueryExecution, wait, GetQueryResults (paginated): the three calls replay makes."""

    def __init__(
        self, client: Any, target: AthenaTarget, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.client = client
        self.target = target
        self.sleep = sleep
        self.bytes_scanned = 0
        self.query_ids: list[str] = []

    def run(self, sql: str) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            started = self.client.start_query_execution(
                QueryString=sql,
                QueryExecutionContext={"Database": self.target.database},
                WorkGroup=self.target.workgroup,
            )
            qid = str(started["QueryExecutionId"])
            self.query_ids.append(qid)
            while True:
                execution = self.client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]
                status = execution["Status"]
                state = status["State"]
                if state == "SUCCEEDED":
                    self.bytes_scanned += int(execution.get("Statistics", {}).get("DataScannedInBytes", 0))
                    return qid
                if state in ("FAILED", "CANCELLED"):
                    reason = status.get("StateChangeReason") or status.get("AthenaError", {}).get(
                        "ErrorMessage", "no reason given"
                    )
                    raise AthenaError(
                        f"Athena query {qid} in workgroup {self.target.workgroup} {state.lower()}: {reason}"
                    )
                self.sleep(POLL_SECONDS)
        except (ClientError, BotoCoreError) as exc:
            raise AthenaError(f"Athena (workgroup {self.target.workgroup}): {exc}") from exc

    def rows(self, qid: str) -> Iterator[list[str | None]]:
        """Result rows as strings (None for NULL), header row skipped."""
        from botocore.exceptions import BotoCoreError, ClientError

        first = True
        try:
            for page in self.client.get_paginator("get_query_results").paginate(QueryExecutionId=qid):
                rows = page["ResultSet"]["Rows"]
                if first:
                    rows, first = rows[1:], False
                for row in rows:
                    yield [cell.get("VarCharValue") for cell in row["Data"]]
        except (ClientError, BotoCoreError) as exc:
            raise AthenaError(f"Athena results of {qid}: {exc}") from exc


def typed(row: Sequence[str | None]) -> list[object]:
    """An aggregation row from Athena's strings: integers except file, model_id and region."""
    return [
        value if value is None or name in _STRING_COLUMNS else int(value)
        for name, value in zip(AGGREGATE_COLUMNS, row, strict=True)
    ]


def run(
    meter: Meter,
    target: AthenaTarget,
    since_ms: int | None = None,
    until_ms: int | None = None,
    client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
    log: TextIO | None = None,
    dialect: Dialect = ATHENA,
    lateness: bool = True,
) -> AthenaRun:
    if client is None:
        import boto3

        client = boto3.client("athena", region_name=target.region)
    athena = AthenaClient(client, target, sleep)
    aggregation, residue_query = queries(meter, target, since_ms, until_ms, dialect)
    plan = attribution_plan(meter.runtime)
    folder = Folder(meter, plan, catalog_thresholds(meter.catalog), since_ms, until_ms, lateness)
    qid = athena.run(aggregation)

    def residue(files: list[str]) -> Iterator[tuple[str, str]]:
        rqid = athena.run(residue_query(files))
        for file, line in athena.rows(rqid):
            yield str(file), str(line)

    store = folder.add_rows((typed(r) for r in athena.rows(qid)), residue)
    if log is not None:
        print(
            f"athena: {len(athena.query_ids)} queries in workgroup {target.workgroup}, "
            f"{athena.bytes_scanned / 1e9:,.2f} GB scanned",
            file=log,
        )
    return AthenaRun(store, athena.bytes_scanned, athena.query_ids)
