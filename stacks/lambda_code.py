"""Lambda code without Docker: the `core` and `lambdas` packages plus the account's runtime config, staged in
a folder.

The asset root holds `core/` and `lambdas/` (so handlers are `lambdas.<module>.handler.lambda_handler`, the
same import path as in tests) and `runtime_config.json` (attribution rules, prices, budgets: see
core/runtime_config.py). Staging is content-addressed, so synthesizing twice gives the same asset hash.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from core.runtime_config import RUNTIME_CONFIG_FILE, RuntimeConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The packages the Lambdas import: their own code and the CDK-free core.
ASSET_PACKAGES = ("core", "lambdas")
_IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".mypy_cache", "tests")


def _source_files() -> list[Path]:
    return sorted(
        p
        for package in ASSET_PACKAGES
        for p in (PROJECT_ROOT / package).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def stage_lambda_code(runtime_config: RuntimeConfig) -> Path:
    """Copy the packages and write runtime_config.json into a folder named by the content's hash."""
    config_bytes = runtime_config.to_json().encode()
    digest = hashlib.sha256(config_bytes)
    for path in _source_files():
        digest.update(str(path.relative_to(PROJECT_ROOT)).encode())
        digest.update(path.read_bytes())
    root = Path(tempfile.gettempdir()) / "genai-guardrails-lambda-assets"
    target = root / digest.hexdigest()[:32]
    if not target.exists():
        root.mkdir(parents=True, exist_ok=True)
        # Build beside the target and rename: concurrent synths never see a half-written folder.
        scratch = Path(tempfile.mkdtemp(dir=root))
        for package in ASSET_PACKAGES:
            shutil.copytree(PROJECT_ROOT / package, scratch / package, ignore=_IGNORED)
        (scratch / RUNTIME_CONFIG_FILE).write_bytes(config_bytes)
        try:
            os.rename(scratch, target)
        except OSError:  # another process staged the same content first
            shutil.rmtree(scratch, ignore_errors=True)
    return target


def lambda_code(runtime_config: RuntimeConfig) -> lambda_.Code:
    return lambda_.Code.from_asset(str(stage_lambda_code(runtime_config)))
