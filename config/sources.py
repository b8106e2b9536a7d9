"""A config split across files: a directory of YAML files merged into one config and validated as one.

Files are read in name order (`*.yaml`, `*.yml`, not recursive). `organization` and `notifications` may each
appear in one file only; every file's `accounts` are appended in that order (for example one file per
account, plus `organization.yaml`). Problems found in the merged config are reported against the file
that holds the field, with the field's path inside that file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.yaml_reader import YamlReadError, read_yaml

SINGLE_KEYS = ("organization", "notifications")
LIST_KEYS = ("accounts",)
_ACCOUNT_FIELD = re.compile(r"^accounts\[(\d+)\]")


class SourceError(Exception):
    def __init__(self, problems: Sequence[tuple[Path, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(f"{p}: {m}" for p, m in self.problems))


@dataclass
class Origins:
    """Which file each part of the merged config came from."""

    files: list[Path] = field(default_factory=list)
    single: dict[str, Path] = field(default_factory=dict)  # top-level key -> file
    accounts: list[tuple[Path, int]] = field(default_factory=list)  # merged index -> (file, index there)

    def locate(self, problem: str) -> tuple[Path | None, str]:
        """The file a `field: message` problem belongs to, and the problem with the field as in that file."""
        match = _ACCOUNT_FIELD.match(problem)
        if match and int(match.group(1)) < len(self.accounts):
            path, index = self.accounts[int(match.group(1))]
            return path, f"accounts[{index}]{problem[match.end() :]}"
        top = problem.split(":", 1)[0].split(".", 1)[0].split("[", 1)[0]
        if top in self.single:
            return self.single[top], problem
        return None, problem


def _read(path: Path) -> Any:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SourceError([(path, f"cannot read the file: {exc.strerror}")]) from None
    try:
        return read_yaml(raw)
    except YamlReadError as exc:
        raise SourceError([(path, str(exc))]) from None


def config_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def merge_directory(directory: Path) -> tuple[dict[str, Any], Origins]:
    """The merged data of every YAML file of `directory`, and where each part came from."""
    origins = Origins(files=config_files(directory))
    if not origins.files:
        raise SourceError([(directory, "no *.yaml or *.yml file in the directory")])
    merged: dict[str, Any] = {}
    problems: list[tuple[Path, str]] = []
    for path in origins.files:
        data = _read(path)
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append((path, "(top level): each file must be a YAML mapping"))
            continue
        for key, value in data.items():
            if key in LIST_KEYS:
                if not isinstance(value, list):
                    problems.append((path, f"{key}: must be a list"))
                    continue
                for index, item in enumerate(value):
                    origins.accounts.append((path, index))
                    merged.setdefault(key, []).append(item)
            elif key in origins.single:
                problems.append(
                    (path, f"{key}: already set in {origins.single[key].name}; set it in one file only")
                )
            else:
                origins.single[key] = path
                merged[key] = value
    if problems:
        raise SourceError(problems)
    return merged, origins


def read_config_data(path: Path) -> dict[str, Any]:
    """The raw data of a config file or directory (no validation): for tools that derive configs."""
    if path.is_dir():
        return merge_directory(path)[0]
    data = _read(path)
    return data if isinstance(data, dict) else {}
