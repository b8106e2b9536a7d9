"""Print one line per synthesized stack: name, account/region, resource count (used by `make synth`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def summarize(outdir: Path) -> list[str]:
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    lines = []
    for name, artifact in manifest["artifacts"].items():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        template = json.loads((outdir / artifact["properties"]["templateFile"]).read_text(encoding="utf-8"))
        env = artifact["environment"].removeprefix("aws://")
        lines.append(f"{name:<32} {env:<28} {len(template.get('Resources', {})):>4} resources")
    return lines


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    outdir = Path(args[0] if args else "cdk.out")
    for line in summarize(outdir):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
