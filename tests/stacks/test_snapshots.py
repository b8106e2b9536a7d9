"""One template snapshot per example stack: any change to what a stack deploys shows up as a reviewed diff.

`make snapshots` rewrites tests/snapshots after an intended change. Asset hashes (they change with every
edit of the Lambda code) and CDK's version metadata are normalized away; everything else is compared.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SynthesizedApp

SNAPSHOTS = Path(__file__).resolve().parent.parent / "snapshots"
STACKS = ("GenAiGuardrails-Org", "GenAiGuardrails-prod", "GenAiGuardrails-staging", "GenAiGuardrails-sandbox")
_ASSET_HASH = re.compile(r"\b[0-9a-f]{64}\b")
MAX_DIFF_LINES = 80


def normalized(template: dict[str, Any]) -> str:
    """The template as stable text: asset hashes and the CDK version blob replaced by placeholders."""
    data = json.loads(json.dumps(template))
    for resource in data.get("Resources", {}).values():
        if resource.get("Type") == "AWS::CDK::Metadata":
            resource["Properties"] = {"Analytics": "<cdk version>"}
    text = json.dumps(data, indent=1, sort_keys=True)
    return _ASSET_HASH.sub("<asset hash>", text) + "\n"


@pytest.mark.parametrize("stack", STACKS)
def test_template_matches_its_snapshot(
    example_app: SynthesizedApp, stack: str, request: pytest.FixtureRequest
) -> None:
    actual = normalized(example_app.templates[stack])
    path = SNAPSHOTS / f"{stack}.json"
    if request.config.getoption("--snapshot-update"):
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot for {stack}: run `make snapshots` and commit tests/snapshots"
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = list(
            difflib.unified_diff(
                expected.splitlines(), actual.splitlines(), f"snapshot/{stack}", f"synthesized/{stack}", n=2
            )
        )
        shown = "\n".join(diff[:MAX_DIFF_LINES])
        more = f"\n... {len(diff) - MAX_DIFF_LINES} more diff lines" if len(diff) > MAX_DIFF_LINES else ""
        pytest.fail(f"{stack} differs from its snapshot (`make snapshots` if intended):\n{shown}{more}")


def test_normalization_keeps_what_matters() -> None:
    template = {
        "Resources": {
            "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Key": "a" * 64 + ".zip"}}},
            "Meta": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2:deflate64:xyz"}},
            "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Threshold": 30}},
        }
    }
    text = normalized(template)
    assert "<asset hash>.zip" in text and "xyz" not in text and '"Threshold": 30' in text
    changed = json.loads(json.dumps(template))
    changed["Resources"]["Alarm"]["Properties"]["Threshold"] = 31
    assert normalized(changed) != text
