"""cli.checkov_report: docs/security.md must list exactly the checks that fail (make checkov)."""

from __future__ import annotations

import json
from pathlib import Path

from cli.checkov_report import compare, documented_checks, failed_checks, main

ROOT = Path(__file__).resolve().parents[2]


def _scan(*failures: tuple[str, str, str]) -> dict[str, object]:
    """A checkov JSON report in its real shape, trimmed to what is read."""
    return {
        "check_type": "cloudformation",
        "results": {
            "passed_checks": [{"check_id": "CKV_AWS_1", "file_path": "/cdk.out/A.template.json"}],
            "failed_checks": [
                {
                    "check_id": check,
                    "file_path": f"/{folder}/GenAiGuardrails-prod.template.json",
                    "resource": res,
                }
                for check, folder, res in failures
            ],
        },
        "summary": {"passed": 1, "failed": len(failures)},
    }


DOC = """
| check | what | where | why |
|---|---|---|---|
| `CKV_AWS_117` | VPC | every function | Only AWS APIs. |
| CKV2_AWS_5 | ... | ... | ... |
"""


def test_undocumented_failures_and_stale_rows_are_both_errors(tmp_path: Path) -> None:
    failed = failed_checks(
        [
            _scan(("CKV_AWS_117", "cdk.out", "AWS::Lambda::Function.A")),
            _scan(("CKV_AWS_18", "cdk.out.all-options", "AWS::S3::Bucket.B")),
        ]
    )
    assert failed == {
        "CKV_AWS_117": {"cdk.out/GenAiGuardrails-prod: AWS::Lambda::Function.A"},
        "CKV_AWS_18": {"cdk.out.all-options/GenAiGuardrails-prod: AWS::S3::Bucket.B"},
    }
    assert documented_checks(DOC) == {"CKV_AWS_117", "CKV2_AWS_5"}
    problems = compare(failed, documented_checks(DOC))
    assert len(problems) == 2
    assert problems[0].startswith("CKV_AWS_18 fails on 1 resource(s) but has no row")
    assert problems[1].startswith("CKV2_AWS_5 is documented but no longer fails")
    scan = tmp_path / "checkov.json"
    scan.write_text(json.dumps(_scan(("CKV_AWS_117", "cdk.out", "X"))), encoding="utf-8")
    doc = tmp_path / "security.md"
    doc.write_text(DOC.replace("| CKV2_AWS_5 | ... | ... | ... |\n", ""), encoding="utf-8")
    assert main([str(scan), str(doc)]) == 0
    doc.write_text(DOC, encoding="utf-8")
    assert main([str(scan), str(doc)]) == 1


def test_the_security_page_has_a_reason_for_every_row() -> None:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `CKV")]
    assert rows and len(rows) == len(documented_checks(text))
    for row in rows:
        reason = row.rstrip("|").rsplit("|", 1)[-1].strip()
        assert reason.endswith(".") and len(reason.split()) >= 8, row
