"""Lambda code without Docker: the `lambdas` package plus the account's runtime config, staged in a folder.

The asset root holds `lambdas/` (so handlers are `lambdas.<module>.handler.lambda_handler`, the same import
path as in tests) and `runtime_config.json` (attribution rules, prices, budgets: see config/runtime.py).
Staging is content-addressed, so synthesizing twice gives the same asset hash.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from aws_cdk import aws_lambda as lambda_

from config.runtime import RUNTIME_CONFIG_FILE

LAMBDAS_DIR = Path(__file__).resolve().parent.parent / "lambdas"
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".mypy_cache", "tests")


def _source_files() -> list[Path]:
    return sorted(
        p
        for p in LAMBDAS_DIR.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def stage_lambda_code(runtime_config: dict[str, Any]) -> Path:
    """Copy `lambdas/` and write runtime_config.json into a folder named by the content's hash."""
    config_bytes = json.dumps(runtime_config, sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(config_bytes)
    for path in _source_files():
        digest.update(str(path.relative_to(LAMBDAS_DIR)).encode())
        digest.update(path.read_bytes())
    root = Path(tempfile.gettempdir()) / "genai-guardrails-lambda-assets"
    target = root / digest.hexdigest()[:32]
    if not target.exists():
        root.mkdir(parents=True, exist_ok=True)
        # Build beside the target and rename: concurrent synths never see a half-written folder.
        scratch = Path(tempfile.mkdtemp(dir=root))
        shutil.copytree(LAMBDAS_DIR, scratch / "lambdas", ignore=_IGNORED)
        (scratch / RUNTIME_CONFIG_FILE).write_bytes(config_bytes)
        try:
            os.rename(scratch, target)
        except OSError:  # another process staged the same content first
            shutil.rmtree(scratch, ignore_errors=True)
    return target


def lambda_code(runtime_config: dict[str, Any]) -> lambda_.Code:
    return lambda_.Code.from_asset(str(stage_lambda_code(runtime_config)))
