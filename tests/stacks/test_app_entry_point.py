"""`python app.py` and `cdk synth` are both documented ways to synthesize: they must give the same templates,
cdk.json's feature flags included (the CLI passes them; app.py reads them itself)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SynthesizedApp

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


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def _templates(outdir: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(outdir.glob("*.template.json"))}


def test_python_app_py_and_cdk_synth_write_identical_templates(tmp_path: Path) -> None:
    by_cli, by_python = tmp_path / "cli.out", tmp_path / "python.out"
    cli = _run([str(NODE_BIN / "cdk"), "synth", "--quiet", "--no-notices", "--output", str(by_cli)], _env())
    assert cli.returncode == 0, cli.stderr[-3000:]
    python = _run([sys.executable, "app.py"], _env(by_python))
    assert python.returncode == 0, python.stderr[-3000:]
    cli_templates, python_templates = _templates(by_cli), _templates(by_python)
    assert cli_templates, "cdk synth wrote no template"
    assert python_templates.keys() == cli_templates.keys()
    for name, text in cli_templates.items():
        assert python_templates[name] == text, f"{name}: python app.py and cdk synth differ"
    assert python.stdout == "" and python.stderr == ""  # `make synth` prints nothing a user cannot act on


# Flags where cdk.json deliberately differs from the library's recommendation, and why.
FLAG_OVERRIDES = {
    "@aws-cdk/core:target-partitions": "GovCloud partitions are targeted too",
    "@aws-cdk/core:enableAdditionalMetadataCollection": "no telemetry beyond the CLI's version report",
}


def test_cdk_json_sets_every_recommended_feature_flag_of_the_pinned_library() -> None:
    """As `cdk init` writes them for aws-cdk-lib's version, so synth reports no unconfigured flag."""
    import tarfile

    import aws_cdk

    jsii = next((Path(aws_cdk.__file__).parent / "_jsii").glob("aws-cdk-lib@*.jsii.tgz"))
    with tarfile.open(jsii) as archive:
        member = archive.extractfile("package/recommended-feature-flags.json")
        assert member is not None
        recommended = json.loads(member.read())
    context = json.loads(CDK_JSON.read_text(encoding="utf-8"))["context"]
    assert not set(recommended) - set(context)
    differing = {k for k, v in recommended.items() if context[k] != v}
    assert differing == set(FLAG_OVERRIDES)


def test_readme_synth_sample_matches_the_example_templates(example_app: SynthesizedApp) -> None:
    """The `make synth` output the README shows is what the example config synthesizes."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = {
        name: int(count)
        for name, count in re.findall(r"^(GenAiGuardrails-\S+)\s+\d{12}/\S+\s+(\d+) resources$", readme, re.M)
    }
    assert shown == {name: len(t["Resources"]) for name, t in example_app.templates.items()}


def _invalid_app(outdir: Path) -> Any:
    import aws_cdk as cdk

    from stacks.app_builder import new_app, start_validation_engine

    app = new_app(outdir=str(outdir))
    start_validation_engine(app)
    stack = cdk.Stack(app, "Invalid", env=cdk.Environment(account="111111111111", region="us-east-1"))
    cdk.CfnResource(stack, "Queue", type="AWS::SQS::Queue", properties={"VisibilityTimeout": "soon"})
    return app


def test_validation_engine_started_early_still_rejects_an_invalid_template(tmp_path: Path) -> None:
    """app.py starts CDK's CloudFormation validation before synth (to overlap it with loading the config):
    the templates must still be checked, by the same plugin and rules as CDK's default instance."""
    app = _invalid_app(tmp_path)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
    (plugin,) = [r for r in report["pluginReports"] if r["pluginName"] == "CloudFormation Validate"]
    assert plugin["conclusion"] == "failure"
    assert any("VisibilityTimeout" in v["description"] for v in plugin["violations"]), plugin["violations"]


def test_cdk_validation_false_still_turns_the_early_engine_off(tmp_path: Path) -> None:
    """In a fresh process (the jsii runtime reads the environment when it starts), as `cdk synth` runs."""
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
        "from tests.stacks.test_app_entry_point import _invalid_app; _invalid_app(Path(sys.argv[2])).synth()"
    )
    off = _run(
        [sys.executable, "-c", script, str(ROOT), str(tmp_path / "off")],
        {**_env(), "CDK_VALIDATION": "false"},
    )
    assert off.returncode == 0, off.stderr[-3000:]
    on = _run([sys.executable, "-c", script, str(ROOT), str(tmp_path / "on")], _env())
    assert on.returncode != 0 and "VisibilityTimeout" in on.stderr, on.stderr[-3000:]
