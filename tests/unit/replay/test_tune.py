"""`genai-guardrails tune` end to end on simulated logs: the table, a patch that validates, its errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.main import main
from cli.replay.simulate import simulate
from config.loader import load_config

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "config" / "example.yaml"
# Volumes chosen apart from any threshold: one feature quiet, the others at a few calls a minute.
VOLUMES = {
    "support-chat": 2.0,
    "ticket-summary": 0.4,
    "kb-search": 1.5,
    "report-writer": 1.0,
    "doc-embedding": 3.0,
}


@pytest.fixture(scope="module")
def two_days(tmp_path_factory: pytest.TempPathFactory) -> Path:
    config = load_config(EXAMPLE)
    out = tmp_path_factory.mktemp("tune") / "logs.jsonl.gz"
    simulate(config, config.account("prod"), 2, 11, out, volumes=VOLUMES, drifts=[])
    return out


def test_tune_prints_each_feature_and_writes_a_patch_that_validates(
    two_days: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    patch = tmp_path / "patch.yaml"
    args = [str(two_days), "--config", str(EXAMPLE), "--account", "prod", "--out", str(patch)]
    code = main(["tune", *args, "--no-progress", "--no-injection"])
    out = capsys.readouterr().out
    assert code == 0, out
    account = load_config(EXAMPLE).account("prod")
    for feature in account.features:
        assert any(line.startswith(feature.name) for line in out.splitlines()), feature.name
    tuned = load_config(patch)  # the patch validates (schema and every synth rule)
    data: dict[str, Any] = yaml.safe_load(patch.read_text(encoding="utf-8"))
    prod = next(a for a in data["accounts"] if a["name"] == "prod")
    measured = {f["name"]: f.get("expected_calls_per_minute") for f in prod["features"]}
    # The busiest hour's rate, measured from the logs: above the weekday average the simulator was given.
    for name, volume in VOLUMES.items():
        assert measured[name] is not None and measured[name] >= volume * 0.8, (name, measured[name])
    assert tuned.account("prod").features[0].name == account.features[0].name
    assert main(["validate", str(patch)]) == 0


def test_tune_needs_logs_or_athena_but_not_both(two_days: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = ["--config", str(EXAMPLE), "--account", "prod", "--no-progress"]
    assert main(["tune", *config]) == 1
    assert "give LOGS" in capsys.readouterr().err
    assert main(["tune", str(two_days), *config, "--athena", "wg"]) == 1
    assert main(["tune", str(two_days), *config, "--since", "yesterday"]) == 1
    assert "--since/--until" in capsys.readouterr().err


def test_tune_refuses_another_accounts_logs(two_days: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["tune", str(two_days), "--config", str(EXAMPLE), "--account", "staging", "--no-progress"])
    assert code == 1
    assert "records of another account or Region" in capsys.readouterr().err
