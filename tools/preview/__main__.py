"""`make preview`: render every dashboard of a config to PNG (default: the example's, to docs/dashboards/)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from config.loader import load_config
from tools.preview.render import previews, render
from tools.preview.traffic import SEED, simulate_config

ROOT = Path(__file__).resolve().parents[2]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "example.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboards")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    for preview in previews(config, simulate_config(config, args.seed)):
        path = render(preview, args.out / f"{preview.dashboard.name}.png")
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
