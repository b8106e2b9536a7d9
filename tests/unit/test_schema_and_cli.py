"""The published JSON Schema, the `validate` console script, and `python app.py` on a bad config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from cli.main import main as cli_main
from cli.schema import schema_text

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_is_current() -> None:
    committed = (ROOT / "config" / "schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "config/schema.json is stale: run `make schema`"
    schema = json.loads(committed)
    assert set(schema["required"]) == {"organization", "accounts"}
    assert schema["additionalProperties"] is False


def test_validate_accepts_example(capsys: Any) -> None:
    assert cli_main(["validate", str(ROOT / "config" / "example.yaml")]) == 0
    assert "valid (3 accounts, 12 features)" in capsys.readouterr().out


def test_validate_rejects_bad_file(tmp_path: Path, config_data: dict[str, Any], capsys: Any) -> None:
    config_data["accounts"][0]["features"][0]["monthly_budget_usd"] = "lots"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config_data), encoding="utf-8")
    assert cli_main(["validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "accounts[0].features[0].monthly_budget_usd" in err


def test_app_exits_1_without_traceback_on_bad_config(tmp_path: Path, config_data: dict[str, Any]) -> None:
    config_data["accounts"][1]["account_id"] = "12"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(config_data), encoding="utf-8")
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps({"config": str(bad)}),
        "CDK_OUTDIR": str(tmp_path / "out"),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{bad}: invalid configuration" in result.stderr
    assert "accounts[1].account_id" in result.stderr
