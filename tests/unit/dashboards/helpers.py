"""Walk dashboard bodies: every metric row and SEARCH expression, with its namespace and dimensions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

SEARCH_RE = re.compile(
    r"SEARCH\('\{(?P<schema>[^}]*)\}(?P<terms>[^']*)',\s*'(?P<stat>[^']+)',\s*(?P<period>\d+)\)"
)


def metric_widgets(body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from (w for w in body["widgets"] if w["type"] == "metric")


def metrics(
    body: dict[str, Any],
) -> Iterator[tuple[str, str, frozenset[str], dict[str, str], dict[str, Any]]]:
    """(namespace, metric name, dimension names, dimensions, options) of every metric row and of every
    SEARCH (its schema dimensions; dimensions holds the exact-match terms)."""
    for widget in metric_widgets(body):
        for row in widget["properties"]["metrics"]:
            if isinstance(row[0], dict):
                for match in SEARCH_RE.finditer(row[0]["expression"]):
                    namespace, *names = [p.strip() for p in match["schema"].split(",")]
                    terms = dict(re.findall(r'(\w+)="([^"]*)"', match["terms"]))
                    name = terms.pop("MetricName")
                    yield namespace, name, frozenset(names), terms, row[0]
                continue
            options = row[-1] if isinstance(row[-1], dict) else {}
            plain = row[:-1] if options else row
            namespace, name, *pairs = plain
            dims = dict(zip(pairs[::2], pairs[1::2], strict=True))
            yield namespace, name, frozenset(dims), dims, options
