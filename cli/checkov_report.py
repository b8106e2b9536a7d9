"""Compare a checkov scan with docs/security.md (used by `make checkov`).

Every check that fails on some template must have a row in docs/security.md's table (`| CKV_... |`) that
gives the reason; a row whose check no longer fails anywhere is stale. Either way the run fails, so the
document stays the exact list of accepted findings. Reads checkov's JSON output (`-o json`); checkov
itself runs in its own venv and is not imported here.

    python -m cli.checkov_report checkov.json docs/security.md
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

_ROW = re.compile(r"^\|\s*`?(CKV2?_[A-Z0-9_]+)`?\s*\|")


def failed_checks(report: Any) -> dict[str, set[str]]:
    """{check id: {"<assembly>/<stack>: <resource>", ...}} of every failed check in checkov's JSON output (one
    report, or a list of them when several frameworks ran)."""
    reports = report if isinstance(report, list) else [report]
    failed: dict[str, set[str]] = defaultdict(set)
    for one in reports:
        for check in one.get("results", {}).get("failed_checks", []):
            path = Path(str(check.get("file_path", "")))
            template = f"{path.parent.name}/{path.name.removesuffix('.template.json')}"
            failed[str(check["check_id"])].add(f"{template}: {check.get('resource', '')}")
    return dict(failed)


def documented_checks(markdown: str) -> set[str]:
    return {match.group(1) for line in markdown.splitlines() if (match := _ROW.match(line))}


def compare(failed: dict[str, set[str]], documented: set[str]) -> list[str]:
    """Problems, one line each: undocumented failures and stale rows."""
    problems = [
        f"{check} fails on {len(resources)} resource(s) but has no row in the document, e.g. "
        f"{sorted(resources)[0]}: fix it, or add the row with its one-sentence reason"
        for check, resources in sorted(failed.items())
        if check not in documented
    ]
    problems += [
        f"{check} is documented but no longer fails: remove its row"
        for check in sorted(documented - set(failed))
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m cli.checkov_report CHECKOV_JSON SECURITY_MD", file=sys.stderr)
        return 2
    scan, document = Path(args[0]), Path(args[1])
    failed = failed_checks(json.loads(scan.read_text(encoding="utf-8")))
    for check, resources in sorted(failed.items()):
        print(f"{check}: {len(resources)} resource(s)")
    problems = compare(failed, documented_checks(document.read_text(encoding="utf-8")))
    for problem in problems:
        print(f"error: {document}: {problem}", file=sys.stderr)
    if not problems:
        print(f"every failed check is explained in {document}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
