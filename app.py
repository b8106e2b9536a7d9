#!/usr/bin/env python3
"""CDK entry point: `npx cdk synth -c config=my.yaml`, or `python app.py` alone with the same default."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def main() -> int:
    from config.loader import ConfigError, load_config
    from stacks.app_builder import build_app, new_app  # slow import (aws_cdk)

    # Without the CLI, write the assembly where the CLI would.
    app = new_app(outdir=None if "CDK_OUTDIR" in os.environ else str(ROOT / "cdk.out"))
    config_path = Path(str(app.node.try_get_context("config")))
    if not config_path.is_absolute() and not config_path.exists():
        config_path = ROOT / config_path
    try:
        build_app(app, load_config(config_path))
        app.synth()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
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
