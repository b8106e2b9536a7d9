"""`python app.py` and `cdk synth` are both documented ways to synthesize: they must give the same templates,
cdk.json's feature flags included (the CLI passes them; app.py reads them itself)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

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
