"""The SQL engines meter exactly as the metering Lambda does.

The property: for random logs (every attribution path, modelId form, timestamp form, token type, malformed
line), DuckDB's aggregation and the Athena query text (executed here by DuckDB and served to
``athena_source`` through botocore's Stubber, as Athena's GetQueryResults pages) give the same metric store
as the Lambda's ``Meter``: every minute, feature and model, to the token and the micro-dollar, the exact
Decimal totals, the malformed count and the unpriced reasons.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3
import numpy as np
import pytest
import sqlglot
from botocore.config import Config
from botocore.stub import Stubber
from hypothesis import HealthCheck, given, settings

from analytics.sql import (
    AGGREGATE_COLUMNS,
    ATHENA,
    UnsupportedRule,
    athena_line_source,
    attribution_plan,
    catalog_thresholds,
    cost_per_feature_per_day_sql,
    glob_to_like,
)
from cli.replay import athena_source, duckdb_source
from cli.replay.athena_source import AthenaError, AthenaTarget
from cli.replay.metering import MetricStore, meter_messages
from cli.replay.readers import iter_messages
from lambdas.metering.aggregate import Meter
from lambdas.metering.profiles import ProfileResolver
from tests.unit.replay.sql_cases import export_lines, json_lines, runtime

# Athena's SQL as DuckDB runs it: the same text but for DuckDB's quoting of the "app.name" JSON path member.
ATHENA_ON_DUCKDB = dataclasses.replace(ATHENA, path_quoting="duckdb")
TARGET = AthenaTarget("replay-wg", "genai_guardrails", "bedrock_invocation_logs", "us-east-1")
S3_PATH = "s3://logs/AWSLogs/222222222222/BedrockModelInvocationLogs/us-east-1/2026/11/02/10/a.json.gz"


def _no_aws(_region: str) -> Any:
    raise RuntimeError("no AWS call in this test")


def new_meter() -> Meter:
    return Meter.from_runtime(runtime(), ProfileResolver(client_factory=_no_aws))


def python_store(path: Path) -> MetricStore:
    return meter_messages(new_meter(), iter_messages([path]))


def duckdb_store(path: Path) -> MetricStore:
    return duckdb_source.run(new_meter(), [path], threads=1).store


def assert_same(expected: MetricStore, got: MetricStore, *, all_read: bool = True) -> None:
    """``all_read``: both read every record (False when hours outside --since/--until were not read)."""
    if all_read:
        assert got.records == expected.records
        assert got.unpriced_reasons == expected.unpriced_reasons
    assert got.malformed_total == expected.malformed_total
    assert got.malformed == expected.malformed
    assert got.totals == expected.totals  # exact Decimal cost and every count, per (app, feature, model)
    # Per minute and visibility class: tokens, calls, EMF CostUSD (micro-dollars), sample counts.
    assert got.days.keys() == expected.days.keys()
    for key, per_day in expected.days.items():
        assert got.days[key].keys() == per_day.keys()
        for day, block in per_day.items():
            assert np.array_equal(got.days[key][day], block), (key, day)


# ---- Athena, played by DuckDB behind botocore's Stubber ----------------------------------------------


def _lines_table(lines: Sequence[str], path: str = S3_PATH) -> Any:
    conn = duckdb_source.connect(1)
    conn.execute(f"CREATE SCHEMA {TARGET.database}")
    conn.execute(
        f'CREATE TABLE {TARGET.database}.{TARGET.table} (line VARCHAR, "$path" VARCHAR, log_hour VARCHAR)'
    )
    if lines:
        conn.executemany(
            f"INSERT INTO {TARGET.database}.{TARGET.table} VALUES (?, ?, ?)",
            [(line, path, "2026/11/02/10") for line in lines],
        )
    return conn


def _pages(
    qid: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], size: int = 7
) -> list[dict[str, Any]]:
    def cell(value: Any) -> dict[str, str]:
        return {} if value is None else {"VarCharValue": str(value)}

    header = {"Data": [{"VarCharValue": c} for c in columns]}
    body = [{"Data": [cell(v) for v in row]} for row in rows]
    chunks = [body[i : i + size] for i in range(0, len(body), size)] or [[]]
    pages = []
    for n, chunk in enumerate(chunks):
        page: dict[str, Any] = {
            "ResultSet": {
                "Rows": ([header] if n == 0 else []) + chunk,
                "ResultSetMetadata": {"ColumnInfo": [{"Name": c, "Type": "varchar"} for c in columns]},
            }
        }
        if n + 1 < len(chunks):
            page["NextToken"] = f"{qid}-page-{n + 1}"
        pages.append(page)
    return pages


def _expect_run(stub: Stubber, sql: str, qid: str, scanned: int = 1_000) -> None:
    stub.add_response(
        "start_query_execution",
        {"QueryExecutionId": qid},
        {
            "QueryString": sql,
            "QueryExecutionContext": {"Database": TARGET.database},
            "WorkGroup": TARGET.workgroup,
        },
    )
    stub.add_response(
        "get_query_execution",
        {"QueryExecution": {"QueryExecutionId": qid, "Status": {"State": "RUNNING"}}},
        {"QueryExecutionId": qid},
    )
    stub.add_response(
        "get_query_execution",
        {
            "QueryExecution": {
                "QueryExecutionId": qid,
                "Status": {"State": "SUCCEEDED"},
                "Statistics": {"DataScannedInBytes": scanned},
            }
        },
        {"QueryExecutionId": qid},
    )


def _expect_page(stub: Stubber, qid: str, n: int, page: dict[str, Any]) -> None:
    params: dict[str, Any] = {"QueryExecutionId": qid}
    if n:
        params["NextToken"] = f"{qid}-page-{n}"
    stub.add_response("get_query_results", page, params)


def athena_store(lines: Sequence[str]) -> tuple[MetricStore, athena_source.AthenaRun]:
    meter = new_meter()
    conn = _lines_table(lines)
    aggregation, residue_query = athena_source.queries(meter, TARGET, None, None, ATHENA_ON_DUCKDB)
    rows = conn.execute(aggregation).fetchall()
    client = boto3.client(
        "athena", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    stub = Stubber(client)
    _expect_run(stub, aggregation, "q-main")
    pages = _pages("q-main", AGGREGATE_COLUMNS, rows)
    residue = AGGREGATE_COLUMNS.index("residue")
    files = sorted({r[1] for r in rows if r[0] == 1 and r[residue]})
    # The residue query runs when the first aggregate row is read (or after the last page if none).
    first_aggregate = next((i for i, r in enumerate(rows) if r[0] == 0), len(rows))
    residue_after = min(first_aggregate // 7, len(pages) - 1)
    for n, page in enumerate(pages):
        _expect_page(stub, "q-main", n, page)
        if n == residue_after and files:
            sql = residue_query(files)
            _expect_run(stub, sql, "q-residue")
            for m, rpage in enumerate(_pages("q-residue", ("file", "line"), conn.execute(sql).fetchall())):
                _expect_page(stub, "q-residue", m, rpage)
    with stub:
        run = athena_source.run(meter, TARGET, client=client, sleep=lambda _s: None, dialect=ATHENA_ON_DUCKDB)
    stub.assert_no_pending_responses()
    return run.store, run


# ---- the property ---------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=json_lines())
def test_duckdb_and_athena_meter_json_lines_exactly_as_the_lambda(
    tmp_path_factory: Any, lines: list[str]
) -> None:
    path = tmp_path_factory.mktemp("logs") / "logs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = python_store(path)
    assert_same(expected, duckdb_store(path))
    got, _run = athena_store(lines)
    assert_same(expected, got)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=export_lines())
def test_duckdb_meters_cloudwatch_export_files_exactly_as_the_lambda(
    tmp_path_factory: Any, lines: list[str]
) -> None:
    path = tmp_path_factory.mktemp("logs") / "export.log.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    assert_same(python_store(path), duckdb_store(path))


# ---- inputs and engines ------------------------------------------------------------------------------


def _sample_lines() -> list[str]:
    root = Path(__file__).resolve().parents[3]
    text = (root / "tests/data/invocation-logs.jsonl").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def test_s3_layout_directory_and_since_until_prune_hours(tmp_path: Path) -> None:
    records = [json.loads(line) for line in _sample_lines()]
    root = tmp_path / "AWSLogs/222222222222/BedrockModelInvocationLogs/us-east-1/2026/11/02"
    hours = {}
    for hour in (8, 9, 10, 11, 12):
        folder = root / f"{hour:02d}"
        folder.mkdir(parents=True)
        shifted = [
            dict(r, timestamp=f"2026-11-02T{hour:02d}:{n % 60:02d}:00Z") for n, r in enumerate(records)
        ]
        (folder / "part.json.gz").write_bytes(
            gzip.compress("\n".join(json.dumps(r) for r in shifted).encode())
        )
        hours[hour] = len(shifted)
    since, until = 1793613600000, 1793617200000  # 2026-11-02 10:00 and 11:00 UTC
    run = duckdb_source.run(new_meter(), [tmp_path], since_ms=since, until_ms=until, threads=1)
    assert run.files == 3  # hours 9, 10 and 11 are read (an hour's margin each side), 8 and 12 are not
    expected = meter_messages(new_meter(), iter_messages([tmp_path]), since, until)
    assert_same(expected, run.store, all_read=False)
    assert run.store.records * 5 == expected.records * 3  # valid records of the hours read


def test_filter_log_events_output_is_converted(tmp_path: Path) -> None:
    events = {
        "events": [{"timestamp": 0, "message": line} for line in _sample_lines()],
        "searchedLogStreams": [],
    }
    path = tmp_path / "events.json"
    path.write_text(json.dumps(events, indent=2), encoding="utf-8")
    assert_same(python_store(path), duckdb_store(path))


def test_s3_urls_are_listed_with_boto3_and_downloaded_without_httpfs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto import mock_aws

    body = gzip.compress(("\n".join(_sample_lines()) + "\n").encode())
    local = tmp_path / "local.jsonl.gz"
    local.write_bytes(body)
    monkeypatch.setattr(duckdb_source, "httpfs_path", lambda: None)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        # Path-style addressing: moto's virtual-host routing needs DNS this sandbox does not have.
        s3 = boto3.client("s3", region_name="us-east-1", config=Config(s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket="logs")
        for hour in ("14", "18"):  # the samples are from 14:05 to 14:07
            key = f"p/AWSLogs/222222222222/BedrockModelInvocationLogs/us-east-1/2026/11/02/{hour}/x.json.gz"
            s3.put_object(Bucket="logs", Key=key, Body=body)
        run = duckdb_source.run(
            new_meter(),
            ["s3://logs/p"],
            until_ms=1793631600000,
            threads=1,
            s3_client=s3,  # 15:00
        )
    assert run.files == 1  # hour 18 is past until + 1 h
    assert any("downloaded 1 objects with boto3" in note for note in run.notes)
    assert_same(duckdb_store(local), run.store)


# ---- the SQL itself -----------------------------------------------------------------------------------


def test_athena_queries_parse_as_trino_sql() -> None:
    meter = new_meter()
    aggregation, residue_query = athena_source.queries(meter, TARGET, 1793613600000, 1793617200000)
    plan = attribution_plan(meter.runtime)
    source = athena_line_source(athena_source.lines_sql(TARGET, None, None), ATHENA, plan.metadata_keys)
    named = cost_per_feature_per_day_sql(
        meter.runtime, source, catalog_thresholds(meter.catalog), meter.catalog, ["us-east-1"]
    )
    for sql in (aggregation, residue_query(["s3://b/k.json.gz"]), named):
        parsed = sqlglot.parse_one(sql, read="athena")
        assert parsed.find(sqlglot.exp.Select) is not None
    assert "log_hour >= '2026/11/02/09'" in aggregation and "log_hour < '2026/11/02/12'" in aggregation
    assert '$.requestMetadata["app.name"]' in aggregation  # Trino's quoting of a key with a dot


def test_globs_become_like_patterns_and_classes_are_refused() -> None:
    assert glob_to_like("arn:aws:sts::*:assumed-role/a_b/?") == "arn:aws:sts::%:assumed-role/a\\_b/_"
    assert glob_to_like("100%") == "100\\%"
    with pytest.raises(UnsupportedRule, match=r"character classes"):
        glob_to_like("arn:aws:iam::*:role/[ab]*")


def test_athena_failure_is_reported_with_its_reason() -> None:
    client = boto3.client("athena", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    stub = Stubber(client)
    stub.add_response("start_query_execution", {"QueryExecutionId": "q1"}, None)
    stub.add_response(
        "get_query_execution",
        {
            "QueryExecution": {
                "QueryExecutionId": "q1",
                "Status": {"State": "FAILED", "StateChangeReason": "Bytes scanned limit was exceeded"},
            }
        },
        None,
    )
    with stub, pytest.raises(AthenaError, match=r"replay-wg failed: Bytes scanned limit was exceeded"):
        athena_source.run(new_meter(), TARGET, client=client, sleep=lambda _s: None)
    stub2 = Stubber(client)
    stub2.add_client_error(
        "start_query_execution", "InvalidRequestException", "WorkGroup replay-wg is not found"
    )
    with stub2, pytest.raises(AthenaError, match=r"WorkGroup replay-wg is not found"):
        athena_source.run(new_meter(), TARGET, client=client, sleep=lambda _s: None)


def test_athena_reports_bytes_scanned_and_meters_the_samples() -> None:
    lines = _sample_lines()
    store, run = athena_store(lines)
    assert run.bytes_scanned == 1_000 and run.query_ids[0] == "q-main"
    assert store.records == len(lines)
