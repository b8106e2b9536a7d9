"""The README tells the truth: every config key is in its keys table."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from pydantic import BaseModel

from core.config_model import GuardrailsConfig

ROOT = Path(__file__).resolve().parents[2]


def _models(annotation: object) -> list[type[BaseModel]]:
    origin = typing.get_origin(annotation)
    if origin is None:
        return [annotation] if isinstance(annotation, type) and issubclass(annotation, BaseModel) else []
    return [m for arg in typing.get_args(annotation) for m in _models(arg)]


def config_keys(
    model: type[BaseModel] = GuardrailsConfig, seen: set[type[BaseModel]] | None = None
) -> set[str]:
    """Every key a config file may hold, at any depth (its name as written in YAML)."""
    seen = set() if seen is None else seen
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        keys.add(field.alias or name)
        for sub in _models(field.annotation):
            if sub not in seen:
                seen.add(sub)
                keys |= config_keys(sub, seen)
    return keys


def keys_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("| object | keys |")
    return text[start : text.index("\n\n", start)]


def test_every_config_key_is_in_the_readme_keys_table() -> None:
    documented = set(re.findall(r"`([a-z0-9_]+)", keys_table()))
    missing = sorted(config_keys() - documented)
    assert not missing, f"README 'Writing a config' lacks: {missing}"
    assert {"reserved_concurrency", "allow_price_drops", "detector_every_minutes"} <= config_keys()


def test_every_genai_cost_metric_is_in_the_readme_metrics_table() -> None:
    from core import contract as c

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("| metric | dimensions | published by |")
    table = text[start : text.index("\n\n", start)]
    names = {
        value
        for name, value in vars(c).items()
        if name.isupper()
        and isinstance(value, str)
        and not name.startswith("BEDROCK")
        and value[:1].isupper()
        and value not in {c.NAMESPACE, c.ENVIRONMENT, c.APPLICATION, c.FEATURE, c.MODEL}
    }
    documented = set(re.findall(r"`([A-Za-z]+)`", table))
    assert names, "no metric names found in core.contract"
    assert not sorted(names - documented), f"README metrics table lacks: {sorted(names - documented)}"
