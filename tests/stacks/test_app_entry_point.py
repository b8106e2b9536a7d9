"""`python app.py` and `cdk synth` are both documented ways to synthesize: they must give the same templates,
cdk.json's feature flags included (the CLI passes them; app.py reads them itself)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CDK_JSON = ROOT / "cdk.json"
NODE_BIN = ROOT / "node_modules" / ".bin"


def _env(outdir: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDK_")}
    env.update(
        {
            "PATH": f"{NODE_BIN}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "CDK_DISABLE_VERSION_CHECK": "true",
            "CDK_DISABLE_CLI_TELEMETRY": "true",
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "1",
        }
    )
    if outdir is not None:
        env["CDK_OUTDIR"] = str(outdir)
    return env


def _templates(outdir: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(outdir.glob("*.template.json"))}


def test_python_app_py_and_cdk_synth_write_identical_templates(tmp_path: Path) -> None:
    by_cli, by_python = tmp_path / "cli.out", tmp_path / "python.out"
    cli = subprocess.run(
        [str(NODE_BIN / "cdk"), "synth", "--quiet", "--no-notices", "--output", str(by_cli)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert cli.returncode == 0, cli.stderr[-3000:]
    python = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=_env(by_python),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert python.returncode == 0, python.stderr[-3000:]
    cli_templates, python_templates = _templates(by_cli), _templates(by_python)
    assert cli_templates, "cdk synth wrote no template"
    assert python_templates.keys() == cli_templates.keys()
    for name, text in cli_templates.items():
        assert python_templates[name] == text, f"{name}: python app.py and cdk synth differ"
    # The feature flags did reach both: with @aws-cdk/aws-lambda:useCdkManagedLogGroup, the CDK's own
    # custom-resource provider function gets a log group of its own (without the flag it has none).
    flags = json.loads(CDK_JSON.read_text(encoding="utf-8"))["context"]
    assert flags["@aws-cdk/aws-lambda:useCdkManagedLogGroup"] is True
    org = json.loads(cli_templates["GenAiGuardrails-Org.template.json"])
    provider_log_groups = [
        logical_id
        for logical_id, resource in org["Resources"].items()
        if resource["Type"] == "AWS::Logs::LogGroup"
        and logical_id.startswith("AWS679f53fac002430cb0da5b7982bd2287")
    ]
    assert provider_log_groups
