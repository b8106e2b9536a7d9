"""Read a config file (or a directory of them, config/sources.py) and turn every problem into one readable
message naming file, field and rule."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from config.sources import Origins, SourceError, merge_directory
from config.yaml_reader import YamlReadError, read_yaml
from core.config_model import GuardrailsConfig

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = PROJECT_ROOT / "config" / "example.yaml"


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


def _located(problems: Sequence[str], origins: Origins | None) -> list[str]:
    """With a directory config, each problem names the file that holds its field (and the field's path
    in that file)."""
    if origins is None:
        return list(problems)
    out = []
    for problem in problems:
        path, local = origins.locate(problem)
        out.append(f"{path}: {local}" if path is not None else problem)
    return out


def parse_config(
    data: Any, source: Path | str = "<config>", origins: Origins | None = None
) -> GuardrailsConfig:
    if not isinstance(data, dict):
        raise ConfigError(
            source, ["(top level): the file must be a YAML mapping with organization and accounts"]
        )
    try:
        return GuardrailsConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, _located([_describe(e) for e in exc.errors()], origins)) from None


def check_rules(
    config: GuardrailsConfig, source: Path | str = "<config>", origins: Origins | None = None
) -> GuardrailsConfig:
    """Every rule beyond the schema (AWS limits and policies, CloudFormation's template quotas), without
    CDK; raises ConfigError listing every problem."""
    from config.model_checks import model_id_errors  # loads the price catalog
    from config.stack_limits import stack_limit_problems
    from core.rules import rule_problems

    problems = rule_problems(config) + model_id_errors(config)
    if not problems:
        problems = list(stack_limit_problems(config))
    if problems:
        raise ConfigError(source, _located(problems, origins))
    return config


def load_config(path: Path | str = EXAMPLE_CONFIG) -> GuardrailsConfig:
    """Load and validate a YAML config file, or a directory of them merged into one (config/sources.py),
    schema and rules; raises ConfigError with every problem."""
    path = Path(path)
    if path.is_dir():
        try:
            data, origins = merge_directory(path)
        except SourceError as exc:
            raise ConfigError(path, [f"{p}: {m}" for p, m in exc.problems]) from None
        return check_rules(parse_config(data, path, origins), path, origins)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, [f"cannot read the file: {exc.strerror}"]) from None
    try:
        data = read_yaml(raw)
    except YamlReadError as exc:
        raise ConfigError(path, [str(exc)]) from None
    return check_rules(parse_config(data, path), path)
