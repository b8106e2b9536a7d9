"""The run-time pipeline end to end against a local AWS emulator (moto's server on 127.0.0.1).

Invocation-log records in the real ModelInvocationLog format go into a CloudWatch Logs group, are read back
and wrapped in the real gzip+base64 subscription event, metered by the metering Lambda's handler; its EMF
(stdout) is published as CloudWatch metrics by a test helper that follows the EMF specification (moto, like
any non-Lambda sink, does not turn EMF log lines into metrics); then the evaluator Lambda's handler runs
against the emulator's CloudWatch, SNS and DynamoDB, and the notification is read from an SQS queue
subscribed to the topic.

Config: the example's prod account, with support-chat's monthly budget lowered to $1 so that a generated
burst of real-format records (about $0.60) crosses the evaluator's 50% actual threshold and not the 80% one.
Records are re-timestamped to the last minutes (CloudWatch drops metric data older than 14 days), inside the
current 5-minute bucket boundary the evaluator's explanation window ends on.
"""

from __future__ import annotations

import base64
import copy
import gzip
import json
import re
import socket
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import boto3
import pytest
import yaml
from aws_lambda_powertools.utilities.typing import LambdaContext
from moto.server import ThreadedMotoServer

from config.loader import parse_config
from core.runtime_config import RuntimeConfig, build_runtime_config
from lambdas.detector import handler as detector_handler
from lambdas.evaluator import handler as evaluator_handler
from lambdas.evaluator.service import windows
from lambdas.metering import handler as metering_handler

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "example.yaml"
SAMPLES = ROOT / "tests" / "data" / "invocation-logs.jsonl"
REGION = "us-east-1"
LOG_GROUP = "/aws/bedrock/invocation-logs"
LOG_STREAM = "aws/bedrock/modelinvocations"
SUBSCRIPTION_FILTER = "genai-guardrails-metering"
NAMESPACE = "GenAI/Cost"
TABLE = "genai-guardrails-notification-state"
TTL_ATTRIBUTE = "expires_at"  # stacks.evaluator.STATE_TTL_ATTRIBUTE (not imported: it pulls in aws_cdk)
ENV, APP, FEATURE = "prod", "customer-support", "support-chat"
BUDGET_USD = Decimal(1)
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
BURST = 60
M = Decimal(1_000_000)
# Bundled catalog rates of Claude 3 Haiku (USD per 1M tokens, us-east-1), written out: the expected cost is
# hand arithmetic, not a second run of the code under test.
HAIKU3_IN, HAIKU3_OUT = Decimal("0.25"), Decimal("1.25")

# --------------------------------------------------------------------------------------------------------
# EMF -> PutMetricData, per the CloudWatch Embedded Metric Format specification
# (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html)
# --------------------------------------------------------------------------------------------------------

_BASE_UNITS = ["Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes"]
_BASE_UNITS += ["Bits", "Kilobits", "Megabits", "Gigabits", "Terabits"]
_OTHER_UNITS = ["Count", "Count/Second", "Seconds", "Microseconds", "Milliseconds", "Percent", "None"]
EMF_UNITS = frozenset([*_BASE_UNITS, *(f"{u}/Second" for u in _BASE_UNITS), *_OTHER_UNITS])


class EmfError(ValueError):
    """A document CloudWatch would reject (it would publish no metric from it)."""


def emf_documents(stdout: str) -> list[dict[str, Any]]:
    """Every EMF document in captured stdout: a JSON object on its own line with an ``_aws`` member."""
    docs = []
    for line in stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            doc = json.loads(line)
            if isinstance(doc, dict) and "_aws" in doc:
                docs.append(doc)
    return docs


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EmfError(f"{where}: metric value {value!r} is not a number")
    return float(value)


def emf_metric_data(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(namespace, PutMetricData datum) for each metric x dimension set x value an EMF document declares.

    Spec rules applied: ``_aws.Timestamp`` is epoch milliseconds (the datum's timestamp); each
    ``CloudWatchMetrics`` directive names a Namespace, a list of dimension sets (each at most 30 names, every
    name a top-level member with a string value; an empty set means no dimensions) and up to 100 metrics
    (Name, optional Unit from CloudWatch's units, default ``None``; optional StorageResolution 1 or 60); each
    metric's value is the top-level member of that name, a number or an array of up to 100 numbers (one datum
    each). Every metric is published once per dimension set.
    """
    meta = doc.get("_aws")
    if not isinstance(meta, dict):
        raise EmfError("no _aws metadata object")
    ts = meta.get("Timestamp")
    if isinstance(ts, bool) or not isinstance(ts, int):
        raise EmfError(f"_aws.Timestamp {ts!r} is not an integer of epoch milliseconds")
    timestamp = datetime.fromtimestamp(ts / 1000, UTC)
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        raise EmfError("_aws.CloudWatchMetrics is not an array")
    out: list[tuple[str, dict[str, Any]]] = []
    for directive in directives:
        namespace = directive.get("Namespace")
        if not isinstance(namespace, str) or not 1 <= len(namespace) <= 255:
            raise EmfError(f"bad Namespace {namespace!r}")
        dimension_sets = directive.get("Dimensions")
        if not isinstance(dimension_sets, list):
            raise EmfError("Dimensions is not an array of dimension sets")
        metrics = directive.get("Metrics")
        if not isinstance(metrics, list) or len(metrics) > 100:
            raise EmfError("Metrics is not an array of at most 100 metric definitions")
        resolved_sets: list[list[dict[str, str]]] = []
        for names in dimension_sets:
            if not isinstance(names, list) or len(names) > 30:
                raise EmfError(f"dimension set {names!r} is not an array of at most 30 names")
            dims = []
            for name in names:
                value = doc.get(name)
                if not isinstance(value, str):
                    raise EmfError(f"dimension {name!r} has no string member (got {value!r})")
                dims.append({"Name": name, "Value": value})
            resolved_sets.append(dims)
        for metric in metrics:
            name = metric.get("Name")
            unit = metric.get("Unit", "None")
            resolution = metric.get("StorageResolution", 60)
            if not isinstance(name, str) or name not in doc:
                raise EmfError(f"metric {name!r} has no member in the document")
            if unit not in EMF_UNITS:
                raise EmfError(f"metric {name}: unit {unit!r} is not a CloudWatch unit")
            if resolution not in (1, 60):
                raise EmfError(f"metric {name}: StorageResolution {resolution!r}")
            raw = doc[name]
            values = raw if isinstance(raw, list) else [raw]
            if not 1 <= len(values) <= 100:
                raise EmfError(f"metric {name}: {len(values)} values")
            numbers = [_number(v, name) for v in values]
            for dims in resolved_sets:
                for number in numbers:
                    datum = {
                        "MetricName": name,
                        "Dimensions": dims,
                        "Timestamp": timestamp,
                        "Value": number,
                        "Unit": unit,
                        "StorageResolution": resolution,
                    }
                    out.append((namespace, datum))
    return out


def publish_emf(cw: Any, stdout: str) -> int:
    """Publish every EMF document printed on stdout with PutMetricData; returns the number of datums."""
    by_namespace: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for doc in emf_documents(stdout):
        for namespace, datum in emf_metric_data(doc):
            by_namespace[namespace].append(datum)
    count = 0
    for namespace, data in by_namespace.items():
        for i in range(0, len(data), 500):  # PutMetricData takes at most 1,000 datums per request
            cw.put_metric_data(Namespace=namespace, MetricData=data[i : i + 500])
        count += len(data)
    return count


def test_emf_helper_follows_the_spec() -> None:
    doc: dict[str, Any] = {
        "_aws": {
            "Timestamp": 1_800_000_060_000,
            "CloudWatchMetrics": [
                {
                    "Namespace": "N",
                    "Dimensions": [["A"], ["A", "B"], []],
                    "Metrics": [{"Name": "X", "Unit": "Count"}, {"Name": "Y", "StorageResolution": 1}],
                }
            ],
        },
        "A": "a",
        "B": "b",
        "X": 2,
        "Y": [1.5, 2.5],
        "Other": "not a metric",
    }
    data = emf_metric_data(doc)
    assert len(data) == 3 * (1 + 2)
    assert {ns for ns, _ in data} == {"N"}
    first = data[0][1]
    assert first["Timestamp"] == datetime(2027, 1, 15, 8, 1, tzinfo=UTC)
    assert (first["MetricName"], first["Value"], first["Unit"], first["Dimensions"]) == (
        "X",
        2.0,
        "Count",
        [{"Name": "A", "Value": "a"}],
    )
    assert [d["Dimensions"] for _, d in data[:3]] == [
        [{"Name": "A", "Value": "a"}],
        [{"Name": "A", "Value": "a"}, {"Name": "B", "Value": "b"}],
        [],
    ]
    ys = [d for _, d in data if d["MetricName"] == "Y"]
    assert [d["Value"] for d in ys] == [1.5, 2.5] * 3 and {d["Unit"] for d in ys} == {"None"}
    assert {d["StorageResolution"] for d in ys} == {1}
    for broken in (
        {**doc, "B": 3},  # dimension value not a string
        {**doc, "X": "2"},  # metric value not a number
        {k: v for k, v in doc.items() if k != "Y"},  # declared metric missing
        {**doc, "_aws": {**doc["_aws"], "Timestamp": "now"}},
    ):
        with pytest.raises(EmfError):
            emf_metric_data(broken)


# --------------------------------------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    """moto's server on 127.0.0.1:<free port>, with boto3 pointed at it for this module only."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://localhost:{port}"
    try:
        with pytest.MonkeyPatch.context() as mp:
            for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CONFIG_FILE"):
                mp.delenv(key, raising=False)
            mp.setenv("AWS_ENDPOINT_URL", endpoint)
            mp.setenv("AWS_ACCESS_KEY_ID", "e2e-runtime-pipeline")  # distinct per emulator
            mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
            mp.setenv("AWS_DEFAULT_REGION", REGION)
            mp.setenv("AWS_REGION", REGION)
            mp.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
            mp.setenv("POWERTOOLS_SERVICE_NAME", "genai-guardrails-metering")
            yield endpoint
    finally:
        server.stop()
        assert not _listening(port), f"moto server still listening on 127.0.0.1:{port}"


# --------------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------------


def sample_records() -> list[dict[str, Any]]:
    lines = SAMPLES.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def runtime_config() -> RuntimeConfig:
    """The example's prod account with support-chat's budget at $1 (the evaluator's notify_at defaults)."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    prod = next(a for a in data["accounts"] if a["name"] == "prod")
    chat = next(f for f in prod["features"] if f["name"] == FEATURE)
    chat.update(monthly_budget_usd=1, daily_budget_usd=1, hourly_limit_usd=1)
    config = parse_config(data, "example.yaml (e2e variant)")
    return build_runtime_config(config, next(a for a in config.accounts if a.name == "prod"))


def burst_usage(i: int) -> tuple[int, int]:
    return 15_000 + 100 * i, 3_000 + 50 * i


def records(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The six real samples, then the burst on support-chat, spread over [start, end) in order."""
    samples = sample_records()
    burst = []
    template = samples[0]  # Claude 3 Haiku, requestMetadata feature=support-chat
    assert template["modelId"] == HAIKU3 and template["requestMetadata"]["feature"] == FEATURE
    for i in range(BURST):
        rec = copy.deepcopy(template)
        rec["requestId"] = str(uuid.UUID(int=0xE2E0000 + i))
        rec["requestMetadata"] = {"feature": FEATURE, "tenant": "burst"}
        rec["input"]["inputTokenCount"], rec["output"]["outputTokenCount"] = burst_usage(i)
        burst.append(rec)
    out = samples + burst
    step = (end - start) / len(out)
    for k, rec in enumerate(out):
        rec["timestamp"] = (start + step * k).strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


def expected_feature_cost() -> Decimal:
    """support-chat: the sample's Haiku 3 call (35 in / 446 out), its throttled call ($0), the burst."""
    sample = 35 * HAIKU3_IN + 446 * HAIKU3_OUT
    burst = sum((HAIKU3_IN * i + HAIKU3_OUT * o for i, o in map(burst_usage, range(BURST))), Decimal(0))
    return (sample + burst) / M  # = 0.60544125


def subscription_event(events: list[dict[str, Any]], owner: str) -> dict[str, Any]:
    """The CloudWatch Logs -> Lambda subscription event for events read back from the log group."""
    payload = {
        "messageType": "DATA_MESSAGE",
        "owner": owner,
        "logGroup": LOG_GROUP,
        "logStream": LOG_STREAM,
        "subscriptionFilters": [SUBSCRIPTION_FILTER],
        "logEvents": [
            {"id": e["eventId"], "timestamp": e["timestamp"], "message": e["message"]} for e in events
        ],
    }
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(payload).encode())).decode()}}


@dataclass
class FakeContext:
    """Stand-in for the Lambda context (the attributes Powertools' inject_lambda_context reads)."""

    function_name: str
    aws_request_id: str
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    log_stream_name: str = "2026/01/01/[$LATEST]e2e"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:123456789012:function:{self.function_name}"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"


def context(function_name: str, request_id: str) -> LambdaContext:
    return cast(LambdaContext, FakeContext(function_name, request_id))


def sqs_messages(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        got = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        )
        if not got:
            return out
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])


def feature_sum(cw: Any, metric: str, dims: dict[str, str], start: datetime, end: datetime) -> float:
    response = cw.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "q",
                "MetricStat": {
                    "Metric": {
                        "Namespace": NAMESPACE,
                        "MetricName": metric,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()],
                    },
                    "Period": 3600,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=start,
        EndTime=end,
    )
    (result,) = response["MetricDataResults"]
    return float(sum(result["Values"]))


def month_start(ts: datetime) -> datetime:
    return ts.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_end(ts: datetime) -> datetime:
    start = month_start(ts)
    return (start + timedelta(days=32)).replace(day=1)


# --------------------------------------------------------------------------------------------------------
# The pipeline
# --------------------------------------------------------------------------------------------------------


def test_invocation_logs_to_budget_notification(
    emulator: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    # The evaluator explains over [midnight, now floored to 5 min); month-to-date starts at the month start.
    end = now.replace(second=0, microsecond=0) - timedelta(minutes=now.minute % 5)
    start = max(end - timedelta(minutes=10), month_start(now))
    if start >= end:
        pytest.skip("first 5 minutes of a UTC month: no completed 5-minute bucket in this month yet")

    runtime_path = tmp_path / "runtime_config.json"
    runtime_path.write_text(runtime_config().to_json(), encoding="utf-8")
    monkeypatch.setenv("GUARDRAILS_RUNTIME_CONFIG", str(runtime_path))
    # The stack's application inference profile (the sample's a1b2c3d4e5f6) is ticket-summary's.
    monkeypatch.setenv("GUARDRAILS_PROFILE_FEATURES", json.dumps({"a1b2c3d4e5f6": "ticket-summary"}))

    logs = boto3.client("logs")
    cw = boto3.client("cloudwatch")
    sns = boto3.client("sns")
    sqs = boto3.client("sqs")
    ddb = boto3.client("dynamodb")
    account = boto3.client("sts").get_caller_identity()["Account"]

    # 1. The invocation log group, real-format records in, read back.
    recs = records(start, end)
    logs.create_log_group(logGroupName=LOG_GROUP)
    logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=LOG_STREAM)
    put = [
        {
            "timestamp": int(datetime.fromisoformat(r["timestamp"]).timestamp() * 1000),
            "message": json.dumps(r, separators=(",", ":")),
        }
        for r in recs
    ]
    response = logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=LOG_STREAM, logEvents=put)
    assert "rejectedLogEventsInfo" not in response
    read: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {"logGroupName": LOG_GROUP, "startTime": put[0]["timestamp"]}
    while True:
        page = logs.filter_log_events(**kwargs)
        read.extend(page["events"])
        if not page.get("nextToken"):
            break
        kwargs["nextToken"] = page["nextToken"]
    assert [(e["timestamp"], e["message"]) for e in read] == [(p["timestamp"], p["message"]) for p in put]
    assert len({e["eventId"] for e in read}) == len(read)
    stream = logs.get_log_events(logGroupName=LOG_GROUP, logStreamName=LOG_STREAM, startFromHead=True)
    assert [e["message"] for e in stream["events"]] == [p["message"] for p in put]

    # 2. The metering handler on the subscription event; its EMF published as metrics.
    metering_handler.reset_meter()
    capsys.readouterr()
    try:
        summary = metering_handler.lambda_handler(
            subscription_event(read, account), context("genai-guardrails-metering", "e2e-metering-1")
        )
    finally:
        metering_handler.reset_meter()
    stdout = capsys.readouterr().out
    assert summary["records"] == len(recs) and summary["malformed"] == 0
    docs = emf_documents(stdout)
    assert len(docs) == summary["documents"]
    chat_docs = [d for d in docs if d.get("Feature") == FEATURE]
    emitted = sum((Decimal(str(d.get("CostUSD", 0))) for d in chat_docs), Decimal(0))
    expected = expected_feature_cost()
    assert expected == Decimal("0.60544125")
    assert emitted.quantize(Decimal("0.01")) == expected.quantize(Decimal("0.01"))
    assert abs(emitted - expected) <= Decimal("0.0000005") * len(chat_docs)
    assert sum(d["Invocations"] for d in chat_docs) == BURST + 2  # + the sample's call and its throttle
    total_emitted = sum((Decimal(str(d.get("CostUSD", 0))) for d in docs), Decimal(0))
    assert abs(total_emitted - Decimal(summary["cost_usd"])) <= Decimal("0.0000005") * len(docs)

    datums = publish_emf(cw, stdout)
    assert datums == sum(
        len(dr["Dimensions"]) * len(dr["Metrics"]) for d in docs for dr in d["_aws"]["CloudWatchMetrics"]
    )
    q_start, q_end = start.replace(minute=0), now + timedelta(minutes=1)
    feature_dims = {"Environment": ENV, "Application": APP, "Feature": FEATURE}
    assert feature_sum(cw, "CostUSD", feature_dims, q_start, q_end) == pytest.approx(float(emitted), abs=1e-9)
    assert feature_sum(cw, "Invocations", feature_dims, q_start, q_end) == BURST + 2
    assert feature_sum(cw, "CostUSD", {"Environment": ENV, "Application": APP}, q_start, q_end) == (
        pytest.approx(float(sum(Decimal(str(d.get("CostUSD", 0))) for d in docs if d["Application"] == APP)))
    )
    models = cw.list_metrics(Namespace=NAMESPACE, MetricName="CostUSD", Dimensions=[{"Name": "Model"}])
    assert HAIKU3 in {
        dim["Value"] for m in models["Metrics"] for dim in m["Dimensions"] if dim["Name"] == "Model"
    }

    # 3. SNS topic with an SQS subscription, the state table as the evaluator stack creates it.
    topic_arn = sns.create_topic(Name="genai-guardrails-prod")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="guardrails-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn)
    ddb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.update_time_to_live(
        TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
    )
    monkeypatch.setenv("GUARDRAILS_TOPIC_ARN", topic_arn)
    monkeypatch.setenv("GUARDRAILS_STATE_TABLE", TABLE)

    # 4. The evaluator: one notification for support-chat.
    before_run = datetime.now(UTC)
    report = evaluator_handler.lambda_handler({}, context("genai-guardrails-evaluator", "e2e-run-1"))
    after_run = datetime.now(UTC)
    chat = report[FEATURE]
    assert chat["error"] is None
    assert "actual#50" in chat["notified"] and "actual#80" not in chat["crossed"]
    assert all(not r["notified"] for f, r in report.items() if f != FEATURE)
    (envelope,) = sqs_messages(sqs, queue_url)
    body = json.loads(envelope["Message"])

    used = 100 * float(emitted) / float(BUDGET_USD)
    assert round(used) == 61
    # The subject rounds the exact forecast; the body keeps one decimal: they agree within half a percent.
    subject = re.fullmatch(
        rf"GenAI cost {ENV}/{FEATURE}: {used:.0f}% of monthly budget, forecast (\d+)%", envelope["Subject"]
    )
    assert subject is not None, envelope["Subject"]
    assert abs(int(subject.group(1)) - body["forecast_percent"]) <= 0.55
    assert body["feature"] == FEATURE and body["application"] == APP and body["environment"] == ENV
    assert body["account"] == "prod" and body["monthly_budget_usd"] == float(BUDGET_USD)
    assert body["month_to_date_usd"] == float(expected.quantize(Decimal("0.01"))) == 0.61
    assert body["budget_used_percent"] == round(used, 1) == 60.5
    assert body["alert"].startswith(f"{FEATURE} crossed ") and "50% actual" in body["alert"]
    # Forecast: month-to-date plus the run-rate (all cost within the last day: MTD per day) for the rest of
    # the month, evaluated at the handler's own clock (between before_run and after_run).
    mtd = float(emitted)
    high = mtd + mtd * (month_end(now) - before_run).total_seconds() / 86400
    low = mtd + mtd * (month_end(now) - after_run).total_seconds() / 86400
    assert low - 0.005 <= body["forecast_usd"] <= high + 0.005
    assert ("forecasted#100" in chat["notified"]) == (body["forecast_percent"] >= 100)
    assert sorted(t["percent"] for t in body["thresholds"] if t["type"] == "actual") == [50]
    window = body["explanation"]["current_window"]
    assert window["cost_usd"] == 0.61 and body["explanation"]["comparison_window"]["cost_usd"] == 0
    assert body["explanation"]["change_usd"] == 0.61
    # The evaluator's window: today since midnight UTC, or the last 24 h in a day's first hour.
    _start, _end, current_label = windows(before_run)
    assert body["summary"].startswith(f"{FEATURE}: $0.61 {current_label} vs $0.00 ")
    assert "Driver: traffic" in body["summary"], body["summary"]  # new spend from nothing is traffic
    contributions = sum(d["contribution_usd"] for d in body["explanation"]["drivers"])
    assert contributions == pytest.approx(0.61, abs=0.005 * len(body["explanation"]["drivers"]))
    assert body["runbook"].endswith("#budget-threshold-notifications")
    item = ddb.get_item(
        TableName=TABLE, Key={"pk": {"S": f"{FEATURE}#{now:%Y-%m}#actual#50"}}, ConsistentRead=True
    )["Item"]
    assert item["status"]["S"] == "NOTIFIED" and item["message_id"]["S"] == envelope["MessageId"]

    # 5. A second run: still crossed, not notified again.
    again = evaluator_handler.lambda_handler({}, context("genai-guardrails-evaluator", "e2e-run-2"))
    assert again[FEATURE]["crossed"] == chat["crossed"]
    assert all(not r["notified"] and r["error"] is None for r in again.values())
    assert sqs_messages(sqs, queue_url) == []

    # 6. The detector, as deployed: it reads the last hour of every feature and the account's alarm states,
    # and stores each feature's state in the same table. Minutes of traffic are no episode: no page.
    detected = detector_handler.lambda_handler({}, context("genai-guardrails-detector", "e2e-detector-1"))
    assert detected["errors"] == {} and detected["published"] == {}
    assert 1 <= int(datetime.now(UTC).timestamp() // 60) - detected["minute"] <= 2  # the minute just ended
    item = ddb.get_item(TableName=TABLE, Key={"pk": {"S": f"detector#{FEATURE}"}}, ConsistentRead=True)[
        "Item"
    ]
    assert int(item["minute"]["N"]) == detected["minute"] and item["state"]["B"]
    assert sqs_messages(sqs, queue_url) == []
