"""Stream invocation-log messages out of every form users have them in, one message at a time.

* JSON Lines (one ``ModelInvocationLog`` per line), plain or ``.gz``;
* the S3 delivery layout: a directory (or several) holding gzipped JSON Lines objects under
  ``AWSLogs/<account>/BedrockModelInvocationLogs/<region>/yyyy/mm/dd/hh/...``, walked in path order;
* ``aws logs filter-log-events`` output: one JSON document ``{"events": [{..., "message": "..."}], ...}``,
  pretty-printed or not (several pages concatenated also work);
* CloudWatch Logs export to S3: lines of ``<ISO timestamp> <JSON message>``.

Memory is flat in input size: files are read line by line (a ``filter-log-events`` document is scanned for
its ``"message"`` strings line by line, not loaded whole). Input size for the progress bar is the
compressed bytes on disk, read position from the underlying file.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

_MESSAGE_RE = re.compile(r'"message"\s*:\s*("(?:[^"\\]|\\.)*")')
_EVENTS_START = re.compile(r'^\s*\{\s*("events"|"nextToken"|"searchedLogStreams"|$)')
LOG_SUFFIXES = (".json", ".jsonl", ".gz", ".log", ".txt", ".ndjson")


def expand_inputs(paths: Iterable[str | Path]) -> list[Path]:
    """Files to read: files as given, directories walked recursively (sorted, so S3 hours stay in order)."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found: list[Path] = []
            for root, dirs, names in os.walk(path):
                dirs.sort()
                for name in sorted(names):
                    if name.startswith("."):
                        continue
                    if name.endswith(LOG_SUFFIXES) or "." not in name:
                        found.append(Path(root) / name)
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or directory")
    return files


def _open_text(path: Path) -> tuple[io.TextIOBase, BinaryIO]:
    raw: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed by the caller
    head = raw.read(2)
    raw.seek(0)
    stream: BinaryIO = gzip.GzipFile(fileobj=raw) if head == b"\x1f\x8b" else raw  # type: ignore[assignment]
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
    return text, raw


def _events_messages(first: str, lines: Iterator[str]) -> Iterator[str]:
    """The ``message`` strings of filter-log-events output, scanned line by line."""
    for m in _MESSAGE_RE.finditer(first):
        yield json.loads(m.group(1))
    for line in lines:
        if '"message"' not in line:
            continue
        for m in _MESSAGE_RE.finditer(line):
            yield json.loads(m.group(1))


def iter_file_messages(path: Path, on_bytes: Callable[[int], None] | None = None) -> Iterator[str]:
    """Every log message of one file, format detected from its first non-empty line."""
    text, raw = _open_text(path)
    try:
        last = 0
        lines = iter(text)
        first = ""
        for line in lines:
            if line.strip():
                first = line
                break
        if not first:
            return
        if _EVENTS_START.match(first):
            for n, message in enumerate(_events_messages(first, lines)):
                if on_bytes is not None and n % 4096 == 0:
                    pos = raw.tell()
                    on_bytes(pos - last)
                    last = pos
                yield message
        else:
            yield from _line_message(first)
            for n, line in enumerate(lines, start=1):
                if on_bytes is not None and n % 4096 == 0:
                    pos = raw.tell()
                    on_bytes(pos - last)
                    last = pos
                if line[:1] == "{":
                    yield line.rstrip("\r\n")
                elif line.strip():
                    yield from _line_message(line)
        if on_bytes is not None:
            on_bytes(os.fstat(raw.fileno()).st_size - last)
    finally:
        text.close()
        raw.close()


def _line_message(line: str) -> Iterator[str]:
    """A JSON Lines record, or the JSON part of a CloudWatch Logs export line (``<timestamp> {...}``)."""
    stripped = line.strip()
    if not stripped:
        return
    if stripped[0] == "{":
        yield stripped
        return
    brace = stripped.find("{")
    # Export lines: "2026-11-02T14:05:17.000Z {json}"; anything else is passed on for metering to reject.
    yield stripped[brace:] if brace > 0 and stripped[0].isdigit() else stripped


def iter_messages(
    paths: Iterable[str | Path], on_bytes: Callable[[int], None] | None = None
) -> Iterator[str]:
    for path in expand_inputs(paths):
        yield from iter_file_messages(path, on_bytes)


def input_size(paths: Iterable[str | Path]) -> int:
    return sum(p.stat().st_size for p in expand_inputs(paths))
