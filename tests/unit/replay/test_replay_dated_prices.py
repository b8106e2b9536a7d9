"""Replay prices each record at the rate in force on its own date; the metering Lambda at today's rate."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli.replay.metering import build_meter, meter_messages
from config.loader import load_config
from lambdas.metering.aggregate import Meter

ROOT = Path(__file__).resolve().parents[3]
SONNET35_V2 = "anthropic.claude-3-5-sonnet-20241022-v2:0"
M = Decimal(1_000_000)


def sonnet35_record(timestamp: str, request: str) -> str:
    """A real-format record (bodies off) of Claude 3.5 Sonnet v2 in us-east-1: 1,000 in, 1,000 out."""
    return json.dumps(
        {
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": timestamp,
            "accountId": "222222222222",
            "identity": {"arn": "arn:aws:sts::222222222222:assumed-role/support-chat-api/i-0abc"},
            "region": "us-east-1",
            "requestId": request,
            "operation": "Converse",
            "modelId": SONNET35_V2,
            "input": {"inputContentType": "application/json", "inputTokenCount": 1000},
            "output": {"outputContentType": "application/json", "outputTokenCount": 1000},
            "requestMetadata": {"feature": "support-chat"},
        }
    )


RECORDS = [
    sonnet35_record("2024-11-20T10:00:00Z", "11111111-1111-4111-8111-111111111111"),
    sonnet35_record("2026-01-15T10:00:00Z", "22222222-2222-4222-8222-222222222222"),
]


def cost_by_year(docs: Any) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for doc in docs:
        year = 1970 + int(doc.minute_ms // (365.2425 * 86_400_000))
        out[year] = out.get(year, Decimal(0)) + doc.cost_usd
    return out


def test_replay_prices_2024_and_2026_records_at_each_dates_rate() -> None:
    config = load_config(ROOT / "config" / "example.yaml")
    meter = build_meter(config, config.account("prod"))
    store = meter_messages(meter, RECORDS)
    costs = {t.cost_usd for t in store.totals.values()}
    # November 2024: list price 3 / 15. January 2026: public extended access 6 / 30 (from 2025-12-01).
    by_year = cost_by_year(meter.meter([{"id": str(k), "message": m} for k, m in enumerate(RECORDS)]).docs)
    assert by_year == {
        2024: (1000 * Decimal(3) + 1000 * Decimal(15)) / M,
        2026: (1000 * Decimal(6) + 1000 * Decimal(30)) / M,
    }
    assert sum(costs) == Decimal("0.018") + Decimal("0.036")


def test_the_metering_lambda_prices_at_the_rate_in_force_now() -> None:
    config = load_config(ROOT / "config" / "example.yaml")
    replay = build_meter(config, config.account("prod"))
    lambda_meter = Meter(
        replay.runtime, replay.catalog, replay.resolver
    )  # as lambdas.metering.handler builds it
    docs = lambda_meter.meter([{"id": str(k), "message": m} for k, m in enumerate(RECORDS)]).docs
    assert all(d.cost_usd == Decimal("0.036") for d in docs)
