"""Every input form the replay reads yields the same messages as the JSON Lines file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from cli.replay.readers import iter_messages

DATA = Path(__file__).resolve().parents[2] / "data" / "invocation-logs.jsonl"


def _lines() -> list[str]:
    return [line for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_jsonl_gz_and_s3_layout(tmp_path: Path) -> None:
    lines = _lines()
    assert list(iter_messages([DATA])) == lines
    gz = tmp_path / "logs.jsonl.gz"
    gz.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode()))
    assert list(iter_messages([gz])) == lines
    root = tmp_path / "bucket"
    hour = root / "AWSLogs/222222222222/BedrockModelInvocationLogs/us-east-1/2026/11/02/14"
    hour.mkdir(parents=True)
    (hour / "20261102T1405Z_a.json.gz").write_bytes(gzip.compress(("\n".join(lines[:3]) + "\n").encode()))
    (hour / "20261102T1406Z_b.json.gz").write_bytes(gzip.compress(("\n".join(lines[3:]) + "\n").encode()))
    assert list(iter_messages([root])) == lines


def test_filter_log_events_and_export(tmp_path: Path) -> None:
    lines = _lines()
    events = {
        "events": [
            {"logStreamName": "s", "timestamp": 1, "message": m, "eventId": str(i)}
            for i, m in enumerate(lines)
        ],
        "searchedLogStreams": [],
    }
    pretty = tmp_path / "filter.json"
    pretty.write_text(json.dumps(events, indent=4))
    assert list(iter_messages([pretty])) == lines
    compact = tmp_path / "filter-compact.json"
    compact.write_text(json.dumps(events))
    assert list(iter_messages([compact])) == lines
    export = tmp_path / "000000.gz"
    export.write_bytes(gzip.compress("".join(f"2026-11-02T14:05:17.000Z {m}\n" for m in lines).encode()))
    assert list(iter_messages([export])) == lines
