"""The optional invocation-log analytics (accounts[].invocation_log_analytics): one synth with it enabled for
prod only; the Glue table, the Athena workgroup, the named query (run on DuckDB) and the replay policy."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from aws_cdk.assertions import Match, Template

from cli.replay import duckdb_source
from config.loader import ConfigError, parse_config
from tests.conftest import SynthesizedApp

PROD, STAGING = "GenAiGuardrails-prod", "GenAiGuardrails-staging"
ROOT = Path(__file__).resolve().parents[2]
LOG_KEY = "arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def app(
    synth_factory: Callable[[dict[str, Any]], SynthesizedApp], example_data: dict[str, Any]
) -> SynthesizedApp:
    data = copy.deepcopy(example_data)
    assert data["accounts"][0]["name"] == "prod"
    data["accounts"][0]["invocation_log_analytics"] = {
        "enabled": True,
        "s3_uri": "s3://org-log-archive/bedrock",
        "log_account_ids": ["222222222222", "333333333333"],
        "log_regions": ["us-east-1", "eu-west-1"],
        "log_kms_key_arn": LOG_KEY,
        "bytes_scanned_limit_gb": 50,
    }
    return synth_factory(data)


@pytest.fixture(scope="module")
def template(app: SynthesizedApp) -> Template:
    return Template.from_json(app.templates[PROD])


def test_glue_table_projects_the_delivery_layout(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Glue::Database", {"DatabaseInput": {"Name": "genai_guardrails_prod"}}
    )
    template.has_resource_properties(
        "AWS::Glue::Table",
        {
            "DatabaseName": "genai_guardrails_prod",
            "TableInput": {
                "Name": "bedrock_invocation_logs",
                "TableType": "EXTERNAL_TABLE",
                "PartitionKeys": [
                    {"Name": "account_id", "Type": "string"},
                    {"Name": "log_region", "Type": "string"},
                    {"Name": "log_hour", "Type": "string"},
                ],
                "Parameters": Match.object_like(
                    {
                        "projection.enabled": "true",
                        "projection.account_id.values": "222222222222,333333333333",
                        "projection.log_region.values": "us-east-1,eu-west-1",
                        "projection.log_hour.type": "date",
                        "projection.log_hour.format": "yyyy/MM/dd/HH",
                        "projection.log_hour.interval.unit": "HOURS",
                        "storage.location.template": "s3://org-log-archive/bedrock/AWSLogs/${account_id}/"
                        "BedrockModelInvocationLogs/${log_region}/${log_hour}/",
                    }
                ),
                "StorageDescriptor": Match.object_like(
                    {
                        "Columns": [{"Name": "line", "Type": "string"}],
                        "Location": "s3://org-log-archive/bedrock/AWSLogs/",
                        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
                        "SerdeInfo": {
                            "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
                            "Parameters": {"field.delim": "\u0001", "serialization.format": "\u0001"},
                        },
                    }
                ),
            },
        },
    )


def test_workgroup_enforces_encrypted_results_and_a_scan_limit(
    template: Template, app: SynthesizedApp
) -> None:
    template.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "Name": "GenAiGuardrails-prod-invocation-logs",
            "WorkGroupConfiguration": {
                "EnforceWorkGroupConfiguration": True,
                "BytesScannedCutoffPerQuery": 50_000_000_000,
                "PublishCloudWatchMetricsEnabled": True,
                "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
                "ResultConfiguration": {
                    "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": Match.any_value()},
                    "OutputLocation": Match.any_value(),
                },
            },
        },
    )
    (bucket,) = app.resources(PROD, "AWS::S3::Bucket").values()
    props = bucket["Properties"]
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert sse["SSEAlgorithm"] == "aws:kms"
    assert props["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == 30
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert app.resources(STAGING, "AWS::Athena::WorkGroup") == {}  # off by default


def test_named_query_runs_on_duckdb_and_parses_as_trino(app: SynthesizedApp) -> None:
    (query,) = app.resources(PROD, "AWS::Athena::NamedQuery").values()
    sql = query["Properties"]["QueryString"]
    assert query["Properties"]["Database"] == "genai_guardrails_prod"
    sqlglot.parse_one(sql, read="athena")
    # The same text on DuckDB, over a stand-in for the Glue table holding the sample records.
    conn = duckdb_source.connect(1)
    conn.execute("CREATE SCHEMA genai_guardrails_prod")
    conn.execute('CREATE TABLE genai_guardrails_prod.bedrock_invocation_logs (line VARCHAR, "$path" VARCHAR)')
    lines = (ROOT / "tests/data/invocation-logs.jsonl").read_text().splitlines()
    conn.executemany(
        "INSERT INTO genai_guardrails_prod.bedrock_invocation_logs VALUES (?, 's3://b/k.json.gz')",
        [(line,) for line in lines],
    )
    rows = conn.execute(sql).fetchall()
    features = {r[2] for r in rows}
    assert {"support-chat", "kb-search", "report-writer"} <= features
    assert sum(r[3] for r in rows) == sum(1 for line in lines if line.strip() and json.loads(line))


def test_replay_policy_is_read_only_on_the_logs(app: SynthesizedApp) -> None:
    (policy,) = app.resources(PROD, "AWS::IAM::ManagedPolicy").values()
    statements = {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    assert statements["ReadTheLogs"]["Action"] == "s3:GetObject"
    assert statements["DecryptTheLogs"] == {
        "Sid": "DecryptTheLogs",
        "Action": "kms:Decrypt",
        "Effect": "Allow",
        "Resource": LOG_KEY,
    }
    assert "athena:StartQueryExecution" in statements["RunQueriesInTheWorkgroup"]["Action"]
    for statement in statements.values():
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        assert not any(a.endswith(":*") for a in actions)


def test_enabled_without_s3_uri_is_a_config_error(example_data: dict[str, Any]) -> None:
    data = copy.deepcopy(example_data)
    data["accounts"][0]["invocation_log_analytics"] = {"enabled": True}
    with pytest.raises(ConfigError, match="s3_uri"):
        parse_config(data)
