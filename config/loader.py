"""Read a config file and turn every problem into one readable message naming file, field and rule."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from config.model import GuardrailsConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = PROJECT_ROOT / "config" / "example.yaml"


class ConfigRuleError(ValueError):
    """A config that parses but breaks a rule found while building resources (e.g. an AWS size limit).
    The message starts with the field path; the app prefixes the file name."""


class ConfigError(Exception):
    """A config file that cannot be used; str() is the full message for the user."""

    def __init__(self, path: Path | str, problems: Sequence[str]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{self.path}: invalid configuration ({len(self.problems)} problem(s)):\n{lines}")


def field_path(loc: Sequence[int | str]) -> str:
    """('accounts', 1, 'features', 0, 'x') -> 'accounts[1].features[0].x'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _model_at(loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The pydantic model that owns the field at loc, to list the keys it allows."""
    model: Any = GuardrailsConfig
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        candidates = [field.annotation, *getattr(field.annotation, "__args__", ())]
        for arg in list(candidates):
            candidates.extend(getattr(arg, "__args__", ()))
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if model is None:
            return None
    return model  # type: ignore[no-any-return]


def _describe(error: Any) -> str:
    loc = error["loc"]
    where = field_path(loc)
    kind = error["type"]
    value = error.get("input")
    if kind == "extra_forbidden":
        owner = _model_at(loc)
        allowed = ", ".join(owner.model_fields) if owner else "see config/schema.json"
        return f"{where}: unknown key; allowed keys here: {allowed}"
    if kind == "missing":
        return f"{where}: required field is missing"
    message = error["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        if pattern == r"^\d{12}$":
            message = "must be a 12-digit AWS account id in quotes, e.g. '123456789012'"
        else:
            message = f"{message}"
    if kind == "string_type" and isinstance(value, int) and len(str(value)) <= 12:
        message = "must be a quoted string (account ids: 12 digits in quotes, so leading zeros survive)"
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return (
        f"{where}: {message} (got {shown})" if not isinstance(value, dict | list) else f"{where}: {message}"
    )


def parse_config(data: Any, source: Path | str = "<config>") -> GuardrailsConfig:
    if not isinstance(data, dict):
        raise ConfigError(
            source, ["(top level): the file must be a YAML mapping with organization and accounts"]
        )
    try:
        config = GuardrailsConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, [_describe(e) for e in exc.errors()]) from None
    from config.model_checks import model_id_errors  # the price catalog: loaded only for a valid config

    problems = model_id_errors(config)
    if problems:
        raise ConfigError(source, problems)
    return config


def load_config(path: Path | str = EXAMPLE_CONFIG) -> GuardrailsConfig:
    """Load and validate a YAML config file; raises ConfigError with every problem found."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, [f"cannot read the file: {exc.strerror}"]) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(path, [f"{where}not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    return parse_config(data, path)
