"""The package layout holds: data flows one way, with no import cycle, lazy imports included.

core <- config <- stacks, and core <- lambdas, dashboards, cli; nothing but `app.py` and `stacks/` imports
`stacks/`, nothing imports `cli/` but the development tools (`tools/`, not installed), the run-time code
imports no CDK, and core imports none of ours.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "config", "stacks", "lambdas", "dashboards", "analytics", "cli", "tools")
# Which of our packages each package may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "config": {"core", "dashboards", "lambdas"},
    "lambdas": {"core"},
    "dashboards": {"core", "lambdas"},
    "analytics": {"core", "lambdas"},
    "stacks": {"core", "config", "dashboards", "analytics", "lambdas"},
    "cli": {"core", "config", "dashboards", "analytics", "lambdas"},
    "tools": {"core", "config", "dashboards", "analytics", "lambdas", "cli"},
}
# Dependencies of the `[dev]` extra only: no installed package may import them.
DEV_ONLY = {"matplotlib"}
INSTALLED = ("core", "config", "stacks", "lambdas", "dashboards", "analytics", "cli")


def _modules() -> dict[str, Path]:
    out: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> Iterator[str]:
    """Every module `path` imports, at any depth of the file (functions and try blocks too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield candidate if candidate in MODULES else base


def _ours(imported: str) -> str | None:
    """The module of ours an import names (the longest known prefix), or None."""
    parts = imported.split(".")
    for n in range(len(parts), 0, -1):
        candidate = ".".join(parts[:n])
        if candidate in MODULES:
            return candidate
    return None


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        edges = {_ours(i) for i in _imports(name, path)}
        graph[name] = {e for e in edges if e is not None and e != name}
    return graph


GRAPH = _graph()


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycle_between_modules() -> None:
    assert _cycles(GRAPH) == []


def test_no_import_cycle_between_packages() -> None:
    packages: dict[str, set[str]] = {}
    for module, edges in GRAPH.items():
        top = module.split(".")[0]
        packages.setdefault(top, set()).update(e.split(".")[0] for e in edges if e.split(".")[0] != top)
    assert _cycles(packages) == []


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_only_what_the_layout_allows(package: str) -> None:
    wrong = sorted(
        f"{module} imports {edge}"
        for module, edges in GRAPH.items()
        if module.split(".")[0] == package
        for edge in edges
        if edge.split(".")[0] not in ALLOWED[package] | {package}
    )
    assert wrong == []


@pytest.mark.parametrize("package", ["core", "config", "lambdas", "dashboards", "analytics", "cli", "tools"])
def test_no_cdk_outside_stacks(package: str) -> None:
    wrong = sorted(
        f"{name} imports {imported}"
        for name, path in MODULES.items()
        if name.split(".")[0] == package
        for imported in _imports(name, path)
        if imported.split(".")[0] in {"aws_cdk", "constructs", "cdk_nag", "jsii"}
    )
    assert wrong == []


def test_installed_packages_are_the_layouts_and_import_no_dev_only_dependency() -> None:
    """The console script's packages (pyproject's list) must run without the `[dev]` extra."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    included = pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    assert sorted(p.removesuffix("*") for p in included) == sorted(INSTALLED)
    wrong = sorted(
        f"{name} imports {imported}"
        for name, path in MODULES.items()
        if name.split(".")[0] in INSTALLED
        for imported in _imports(name, path)
        if imported.split(".")[0] in DEV_ONLY
    )
    assert wrong == []


def test_the_checker_sees_lazy_imports() -> None:
    """A cycle hidden in a function body is still a cycle."""
    graph = {"a": {"b"}, "b": {"a"}, "c": set()}
    assert _cycles(graph) == [["a", "b"]]
    lazy = ast.parse("def f():\n    from stacks import budgets\n")
    assert any(isinstance(n, ast.ImportFrom) for n in ast.walk(lazy))
