"""A dependency-free progress bar on stderr: bytes read of the input, records metered, records/s.

Shown only when the stream is a terminal (or ``force``), and only once the input has taken more than
``DELAY_S`` seconds, so short replays and tests print nothing.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

DELAY_S = 2.0
REFRESH_S = 0.25
WIDTH = 30


class Progress:
    def __init__(
        self, total_bytes: int, stream: TextIO | None = None, enabled: bool = True, force: bool = False
    ):
        self.total = max(1, total_bytes)
        self.stream = stream or sys.stderr
        self.enabled = enabled and (force or self.stream.isatty())
        self.done = 0
        self.records = 0
        self.started = time.monotonic()
        self._last = 0.0
        self.shown = False

    def advance(self, nbytes: int) -> None:
        self.done += nbytes
        self._maybe_draw()

    def count_records(self, n: int) -> None:
        self.records += n
        self._maybe_draw()

    def _maybe_draw(self) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < DELAY_S or now - self._last < REFRESH_S:
            return
        self._last = now
        self.draw(now)

    def draw(self, now: float) -> None:
        frac = min(1.0, self.done / self.total)
        filled = int(frac * WIDTH)
        rate = self.records / max(now - self.started, 1e-9)
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] {frac:6.1%}  {self.records:,} records  {rate:,.0f}/s"
        )
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.enabled and self.shown:
            self.done = self.total
            self.draw(time.monotonic())
            self.stream.write("\n")
            self.stream.flush()
