"""The stack ledger beside the config: stacks removed from the config are reported with the command that
destroys them, and a stack whose layout changed is reported before CloudFormation refuses its deploy."""

from __future__ import annotations

import json
from pathlib import Path

from config.ledger import StackRecord, forget, ledger_path, read_ledger, reconcile


def _record(name: str, nested: bool = False) -> StackRecord:
    return StackRecord(name, "123456789012", "eu-west-1", nested)


def test_ledger_sits_beside_a_file_and_inside_a_directory(tmp_path: Path) -> None:
    assert ledger_path(tmp_path / "org.yaml") == tmp_path / "org.stacks.json"
    assert ledger_path(tmp_path) == tmp_path / "stacks.json"


def test_a_removed_stack_stays_recorded_and_is_reported_until_forgotten(tmp_path: Path) -> None:
    path = tmp_path / "org.stacks.json"
    assert reconcile(path, {"A": _record("A"), "B": _record("B")}).orphans == []
    report = reconcile(path, {"A": _record("A")})
    assert [r.name for r in report.orphans] == ["B"]
    (message,) = report.messages(path, tmp_path / "org.yaml")
    assert "aws cloudformation delete-stack --stack-name B --region eu-west-1" in message
    assert "genai-guardrails forget-stack" in message
    assert sorted(read_ledger(path)) == ["A", "B"]  # still recorded: reported at every synth
    assert forget(path, ["B", "C"]) == ["C"]
    assert reconcile(path, {"A": _record("A")}).orphans == []


def test_a_layout_change_is_reported_both_ways_with_the_layout_to_keep(tmp_path: Path) -> None:
    path = tmp_path / "org.stacks.json"
    reconcile(path, {"A": _record("A"), "B": _record("B", nested=True), "C": _record("C")})
    report = reconcile(path, {"A": _record("A", nested=True), "B": _record("B"), "C": _record("C")})
    assert [r.name for r in report.moved] == ["A", "B"]
    to_nested, to_single = report.messages(path, tmp_path / "org.yaml")
    assert "stack A now puts its feature alarms and dashboards in nested stacks" in to_nested
    assert "stack_layout: single" in to_nested
    assert "stack B now puts its feature alarms and dashboards in one template" in to_single
    assert "stack_layout: nested" in to_single
    assert json.loads(path.read_text())["stacks"][0] == {
        "name": "A",
        "account": "123456789012",
        "region": "eu-west-1",
        "nested": True,
    }
