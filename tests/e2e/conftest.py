"""The end-to-end deploy runs only when asked for by path (`pytest tests/e2e`, which `make e2e` does, and
`make test` runs after the rest of the suite) or with GENAI_E2E=1: a plain `pytest` stays fast."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent


def _asked_for(config: pytest.Config) -> bool:
    if os.environ.get("GENAI_E2E") == "1":
        return True
    for arg in config.args:
        path = Path(arg.split("::", 1)[0]).resolve()
        if path == E2E_DIR or E2E_DIR in path.parents:
            return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _asked_for(config):
        return
    e2e = [item for item in items if E2E_DIR in Path(str(item.path)).resolve().parents]
    if e2e:
        config.hook.pytest_deselected(items=e2e)
        items[:] = [item for item in items if item not in e2e]
