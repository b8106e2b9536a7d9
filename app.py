#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth -c config=my.yaml`, or `python app.py` alone with the same default."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def default_config_path() -> str:
    """The `config` context default from cdk.json, so the app finds its config without the CLI too."""
    context = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8")).get("context", {})
    return str(context.get("config", "config/example.yaml"))


def main() -> int:
    import aws_cdk as cdk  # slow import: after the cheap checks above

    from config.loader import ConfigError, ConfigRuleError, load_config

    # Without the CLI, write the assembly where the CLI would.
    app = cdk.App(outdir=None if "CDK_OUTDIR" in os.environ else str(ROOT / "cdk.out"))
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
