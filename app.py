#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth -c config=my.yaml`, or `python app.py` alone with the same result.

Run by the CDK CLI, the app gets its context (cdk.json's feature flags, `-c` values, the CLI's defaults)
from the CLI. Run as `python app.py`, it reads the same context itself (`cli_equivalent_context`), so both
paths synthesize identical templates (tests/stacks/test_app_entry_point.py).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
CDK_JSON = ROOT / "cdk.json"
# What the CDK CLI puts in every app's context unless told otherwise (`cdk synth` passes these in
# CDK_CONTEXT_JSON): resource path and asset metadata, version reporting, bundle every stack. Not its
# `@aws-cdk/core:failSynthOnValidationErrors: false`: the CLI reports cdk-nag failures itself; without the
# CLI, synth must fail on them (templates are the same either way).
CLI_DEFAULT_CONTEXT: dict[str, Any] = {
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": True,
    "aws:cdk:bundling-stacks": ["**"],
}


def cdk_json_context(cdk_json: Path = CDK_JSON) -> dict[str, Any]:
    """cdk.json's `context` (feature flags and the default `config`), plus cdk.context.json beside it
    (cached lookups) as the CLI reads them; cdk.json wins over cdk.context.json, as in the CLI."""
    context: dict[str, Any] = {}
    cached = cdk_json.with_name("cdk.context.json")
    if cached.exists():
        context.update(json.loads(cached.read_text(encoding="utf-8")))
    context.update(json.loads(cdk_json.read_text(encoding="utf-8")).get("context", {}))
    return context


def cli_equivalent_context(cdk_json: Path = CDK_JSON) -> dict[str, Any]:
    """The context `cdk synth` would give the app, without the CLI."""
    return {**CLI_DEFAULT_CONTEXT, **cdk_json_context(cdk_json)}


def default_config_path() -> str:
    """The `config` context default from cdk.json, so the app finds its config without the CLI too."""
    return str(cdk_json_context().get("config", "config/example.yaml"))


def run_by_cli() -> bool:
    return "CDK_CONTEXT_JSON" in os.environ or "CONTEXT_OVERFLOW_LOCATION_ENV" in os.environ


def main() -> int:
    import aws_cdk as cdk  # slow import: after the cheap checks above

    from config.loader import ConfigError, ConfigRuleError, load_config

    if run_by_cli():
        app = cdk.App()
    else:  # Without the CLI: the CLI's context, and the assembly where the CLI would write it.
        outdir = os.environ.get("CDK_OUTDIR") or str(ROOT / "cdk.out")
        app = cdk.App(outdir=outdir, context=cli_equivalent_context())
    config_path = app.node.try_get_context("config") or default_config_path()
    if not Path(config_path).is_absolute():
        config_path = str(ROOT / config_path) if not Path(config_path).exists() else config_path
    try:
        from stacks.app_builder import build_app

        config = load_config(config_path)
        build_app(app, config)
        app.synth()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ConfigRuleError as exc:
        print(f"error: {config_path}: {exc}", file=sys.stderr)
        return 1
    except RuntimeError as exc:
        if "ValidationFailed" in str(exc):  # cdk-nag findings were printed above by the CDK
            print(
                "error: cdk-nag found unacknowledged issues (see cdk.out/validation-report.json)",
                file=sys.stderr,
            )
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
