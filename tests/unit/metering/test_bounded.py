"""What metering emits stays inside CloudWatch's limits: timestamps in its window, a bounded number of
``Model`` dimension values, a bounded log of unpriced reasons."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.contract import UNKNOWN_MODEL
from lambdas.metering import handler
from lambdas.metering.aggregate import MAX_REASONS_PER_BATCH, MAX_UNCATALOGUED_MODELS, OTHER_REASONS, Meter
from lambdas.metering.records import MalformedRecord, parse_record
from tests.unit.metering.helpers import (
    LambdaContext,
    emf_documents,
    log_events,
    record,
    subscription_event,
    usage,
    wall_clock_at,
)

NOW = datetime(2026, 11, 20, 12, 0, 30, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"


def at(delta: timedelta) -> dict[str, str]:
    return {"timestamp": (NOW + delta).strftime("%Y-%m-%dT%H:%M:%SZ")}


@pytest.mark.parametrize("timestamp", ["0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "0001-01-01T00:00:00"])
def test_a_timestamp_before_1970_is_malformed(timestamp: str) -> None:
    parsed = parse_record(json.dumps(record(timestamp=timestamp)))
    assert isinstance(parsed, MalformedRecord) and "before 1970" in parsed.reason


WINDOW = [
    (timedelta(days=-14, minutes=-2), "more than 14 days old"),
    (timedelta(days=-400), "more than 14 days old"),
    (timedelta(hours=2, minutes=2), "more than 2 hours ahead"),
    (timedelta(days=365 * 7000), "more than 2 hours ahead"),
    (timedelta(days=-13, hours=-23), None),
    (timedelta(hours=1, minutes=59), None),
    (timedelta(0), None),
]


@pytest.mark.parametrize(("delta", "problem"), WINDOW, ids=[str(d) for d, _ in WINDOW])
def test_records_outside_cloudwatchs_window_are_malformed(
    meter: Meter, delta: timedelta, problem: str | None
) -> None:
    result = meter.meter(log_events([record(**at(delta), **usage(10, 10))]), now_ms=NOW_MS)
    if problem is None:
        assert (result.records, result.malformed, result.out_of_window) == (1, 0, {})
        return
    assert (result.records, result.malformed, result.docs) == (0, 1, [])
    ((reason, count),) = result.out_of_window.items()
    assert problem in reason and count == 1
    assert problem in result.malformed_samples[0][1]


def test_without_a_clock_old_records_are_metered(meter: Meter) -> None:
    """Replay meters logs of past months: no window without ``now_ms``."""
    result = meter.meter(log_events([record(**at(timedelta(days=-400)), **usage(10, 10))]))
    assert (result.records, result.malformed) == (1, 0)


@pytest.fixture
def pinned(runtime_file: Path) -> Iterator[None]:
    handler.reset_meter()
    with wall_clock_at(NOW.isoformat()):
        yield
    handler.reset_meter()


def test_the_handler_never_emits_a_timestamp_cloudwatch_drops(
    pinned: None, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    messages = [record(**at(delta), **usage(10, 10)) for delta, _ in WINDOW]
    messages.append(record(timestamp="0001-01-01T00:00:00Z", **usage(10, 10)))
    summary = handler.lambda_handler(subscription_event(messages), LambdaContext())
    assert (summary["records"], summary["malformed"]) == (3, 5)
    docs = emf_documents(capsys.readouterr().out)
    for doc in docs:
        assert NOW_MS - 14 * 86_400_000 <= doc["_aws"]["Timestamp"] <= NOW_MS + 2 * 3_600_000, doc
    assert sum(d.get("Invocations", 0) for d in docs) == 3
    assert sum(d.get("MalformedRecords", 0) for d in docs) == 5
    (log,) = [r for r in caplog.records if r.getMessage().startswith("records outside CloudWatch's")]
    assert sorted(log.reasons.values()) == [2, 2]  # type: ignore[attr-defined]


def test_ten_thousand_unknown_model_ids_make_a_bounded_number_of_model_values(meter: Meter) -> None:
    ids = [f"acme.model-{n:05d}-v1:0" for n in range(10_000)]
    known = [record(modelId=HAIKU3, **usage(35, 446)) for _ in range(100)]
    result = meter.meter(log_events([record(modelId=i, **usage(10, 1)) for i in ids] + known))
    assert (result.records, result.malformed) == (10_100, 0)
    assert sum(d.invocations for d in result.docs) == 10_100
    assert sum(d.input_tokens for d in result.docs) == 10_000 * 10 + 100 * 35
    models = {d.model for d in result.docs}
    assert HAIKU3 in models and UNKNOWN_MODEL in models
    assert len(models - {HAIKU3, UNKNOWN_MODEL}) == MAX_UNCATALOGUED_MODELS
    (unknown,) = [d for d in result.docs if d.model == UNKNOWN_MODEL]
    assert unknown.invocations == unknown.unpriced == 10_000 - MAX_UNCATALOGUED_MODELS
    # The log of unpriced reasons (each names its model) is bounded too, and still counts everything.
    assert len(result.unpriced_reasons) == MAX_REASONS_PER_BATCH + 1
    assert sum(result.unpriced_reasons.values()) == 10_000
    assert result.unpriced_reasons[OTHER_REASONS] == 10_000 - MAX_REASONS_PER_BATCH
    # The next 10,000 new ids, in a later batch of the same container, add no value.
    later = meter.meter(
        log_events([record(modelId=f"acme.other-{n:05d}-v1:0", **usage(1, 1)) for n in range(10_000)])
    )
    assert {d.model for d in later.docs} == {UNKNOWN_MODEL}


def test_ids_the_catalog_knows_keep_their_value_after_the_allowlist_is_full(meter: Meter) -> None:
    meter.meter(log_events([record(modelId=f"acme.m{n}-v1:0", **usage(1, 1)) for n in range(50)]))
    assert len(meter.models.admitted) == MAX_UNCATALOGUED_MODELS
    (doc,) = meter.meter(log_events([record(modelId=f"us.{HAIKU3}", **usage(1, 1))])).docs
    assert doc.model == HAIKU3


def test_an_id_seen_only_in_failed_calls_is_unknown(meter: Meter) -> None:
    failed = record(modelId="acme.does-not-exist-v1:0", errorCode="ResourceNotFoundException", **usage(0, 0))
    (doc,) = meter.meter(log_events([failed])).docs
    assert doc.model == UNKNOWN_MODEL and doc.failed == 1
    ok = record(modelId="acme.does-not-exist-v1:0", **usage(5, 5))
    (doc,) = meter.meter(log_events([ok])).docs
    assert doc.model == "acme.does-not-exist-v1:0"  # it served a call: a real model the catalog lacks
