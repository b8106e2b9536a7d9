"""Both documented ways to synthesize write the same templates: `npx cdk synth` (the CLI, which runs
`app.py` with cdk.json's context) and `python app.py` alone (`make synth`), byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env(outdir: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CDK_", "AWS_"))}
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}"
    env["PATH"] += os.environ.get("PATH", "")
    env.update(
        JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="1",
        CDK_DISABLE_VERSION_CHECK="true",
        CDK_DISABLE_CLI_TELEMETRY="true",
    )
    if outdir is not None:
        env["CDK_OUTDIR"] = str(outdir)
    return env


def test_app_alone_and_the_cli_write_the_same_templates(tmp_path: Path) -> None:
    cli_out, app_out = tmp_path / "cli", tmp_path / "app"
    cli = subprocess.run(
        ["npx", "--no-install", "cdk", "synth", "--quiet", "--no-notices", "--output", str(cli_out)],
        cwd=ROOT,
        env=_env(None),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr[-2000:]
    app = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=_env(app_out), capture_output=True, text=True, timeout=300
    )
    assert app.returncode == 0, app.stderr[-2000:]
    assert app.stdout == "" and app.stderr == ""  # nothing a user cannot act on
    templates = sorted(p.name for p in cli_out.glob("*.template.json"))
    assert templates and templates == sorted(p.name for p in app_out.glob("*.template.json"))
    for name in templates:
        assert (cli_out / name).read_bytes() == (app_out / name).read_bytes(), name
