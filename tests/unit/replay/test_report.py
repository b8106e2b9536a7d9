"""The replay report reads well with many features: distinct colours, page markers that merge instead of
piling up, limit and budget lines, totals; and it loads in a real browser (headless Chromium) without script
errors. The browser test is skipped, saying so, only where Chromium is not installed (`make report-png`
installs Debian's package)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from cli.replay import chromium, runner
from cli.replay.report import MERGE_PX, PALETTE, _markers, colour, write_report
from cli.replay.simulate import simulate
from config.loader import parse_config

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """A replay of one day of 16 features (a report as crowded as a real account's)."""
    data = yaml.safe_load((ROOT / "config" / "example.yaml").read_text())
    prod = data["accounts"][0]
    prod["features"] = [
        {
            "name": f"feature-{i:02d}",
            "application": f"app-{i % 3}",
            "monthly_budget_usd": 100,
            "daily_budget_usd": 5,
            "hourly_limit_usd": 0.5,
        }
        for i in range(16)
    ]
    data["accounts"] = [prod]
    config = parse_config(data)
    account = config.account("prod")
    logs = tmp_path_factory.mktemp("many") / "logs.jsonl"
    simulate(config, account, 1, 4, logs, volumes={f.name: 0.3 for f in account.features})
    result = runner.replay(config, account, [logs], progress=False)
    return write_report(result, tmp_path_factory.mktemp("report")), result


def test_sixteen_features_get_sixteen_colours_panels_and_limit_lines(many: tuple[Path, Any]) -> None:
    page = many[0].read_text()
    panels = re.findall(r'<svg class="panel" [^>]*data-feature="([^"]+)"', page)
    assert len(panels) == 17  # 16 features and the unattributed caller
    assert len({colour(i) for i in range(len(panels))}) == len(panels)  # none repeats
    assert page.count('class="limit"') == 16 and page.count('class="budget"') == 16
    assert "total (17 features)" in page and len(PALETTE) == 20


def test_nearby_pages_merge_into_one_marker_with_their_count() -> None:
    minute = 60_000
    pages = [
        runner.Message(m * minute, "page", "f", "new", "s", "x", ("traffic",))
        for m in (0, 1, 2, 3, 600, 1400)
    ]
    svg = _markers(pages, 0, 1440 * minute, 0)
    assert svg.count("<polygon") == 3 and ">x4<" in svg
    assert MERGE_PX > 0


def test_the_report_loads_in_chromium_without_script_errors(many: tuple[Path, Any], tmp_path: Path) -> None:
    if chromium.executable() is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium, or `make report-png`)")
    dom = chromium.dump_dom(many[0])
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None and 'data-report="ready"' in body.group(0), dom[:500]
    assert "data-report-errors" not in body.group(0)  # window.onerror would have set it
    png = chromium.screenshot(many[0], tmp_path / "report.png")
    assert png.stat().st_size > 10_000
