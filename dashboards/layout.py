"""The 24-column grid: widgets are given in rows, rows are stacked top to bottom."""

from __future__ import annotations

from collections.abc import Sequence

from dashboards.widgets import Widget

GRID_COLUMNS = 24

Row = list[Widget]


def stack(rows: Sequence[Row], top: int = 0) -> list[Widget]:
    """Place rows top to bottom, each row's widgets left to right; a row's height is its tallest widget.
    Returns positioned copies; raises if a row is wider than the grid."""
    placed: list[Widget] = []
    y = top
    for row in rows:
        width = sum(w["width"] for w in row)
        if width > GRID_COLUMNS:
            raise ValueError(f"row of {width} columns is wider than the {GRID_COLUMNS}-column grid")
        x = 0
        for widget in row:
            # A shallow copy is enough: only x and y differ, the properties are shared and never mutated
            # (a deep copy of every widget for every packing attempt was most of the builders' time).
            placed.append({**widget, "x": x, "y": y})
            x += widget["width"]
        y += max((w["height"] for w in row), default=0)
    return placed


def height(rows: Sequence[Row]) -> int:
    return sum(max((w["height"] for w in row), default=0) for row in rows)
