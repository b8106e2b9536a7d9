"""Render a replay report as a person sees it: headless Chromium (Debian's `chromium` package; `make
report-png` installs it when missing), a fresh profile, no network, no first-run or update traffic.

    python -m cli.replay.chromium .demo/report/replay.html .demo/report/replay.png
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WIDTH = 1280
TIMEOUT_S = 120


def executable() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    binary = executable()
    if binary is None:
        raise FileNotFoundError(
            "chromium is not installed (Debian: apt-get install chromium; or `make report-png`)"
        )
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )


def page_height(html: str) -> int:
    """A window tall enough for the whole report: its panels and table rows."""
    panels = html.count('<svg class="panel"')
    rows = len(re.findall(r"<tr", html))
    return min(30_000, 700 + 100 * panels + 24 * rows)


def dump_dom(page: Path) -> str:
    """The page's DOM after its scripts ran."""
    done = _run(["--virtual-time-budget=5000", "--dump-dom", page.resolve().as_uri()])
    return done.stdout


def screenshot(page: Path, png: Path) -> Path:
    height = page_height(page.read_text(encoding="utf-8"))
    png.parent.mkdir(parents=True, exist_ok=True)
    _run([f"--window-size={WIDTH},{height}", f"--screenshot={png.resolve()}", page.resolve().as_uri()])
    if not png.exists():
        raise RuntimeError(f"chromium wrote no screenshot for {page}")
    return png


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m cli.replay.chromium REPORT.html OUT.png", file=sys.stderr)
        return 2
    try:
        out = screenshot(Path(argv[0]), Path(argv[1]))
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
