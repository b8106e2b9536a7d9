"""Aggregation rows of an SQL engine (``analytics.sql``) into replay's metric store, with the Lambda's code.

Each row is one aggregate of the metering Lambda's hot loop; ``Meter.finish`` resolves its modelId to the
``Model`` dimension, prices it (exact ``Decimal``) and folds it into EMF documents, exactly as the Lambda
does after a batch. Rows arrive ordered by minute and are folded a few thousand minutes' worth at a time,
cut only between minutes, so each (minute, application, feature, model) is one document and memory stays
bounded by the chunk, not by the number of rows. Lines the SQL left to Python (residue) are parsed by
``Meter.aggregate`` and merged into the same chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from analytics.sql import AGGREGATE_COLUMNS, AttributionPlan, long_context
from cli.replay.metering import CLASSES, MINUTE_MS, MetricStore, visibility_class
from lambdas.metering.aggregate import Aggregates, Aggregation, BatchResult, Meter

FOLD_CHUNK = 50_000  # aggregates priced per Meter.finish call
RESIDUE_CHUNK = 20_000

_COL = {name: i for i, name in enumerate(AGGREGATE_COLUMNS)}
KIND, FILE, MINUTE, VISIBILITY, ACCOUNT, ATTRIBUTION, MODEL_ID, REGION, LC_BUCKET, SHAPE = (
    _COL[c]
    for c in (
        "kind",
        "file",
        "minute",
        "visibility",
        "account_id",
        "attribution",
        "model_id",
        "region",
        "lc_bucket",
        "shape",
    )
)
SUMS = _COL["invocations"]  # invocations .. cache_write_tokens: seven consecutive columns
MALFORMED, RESIDUE, LAST_MINUTE = (_COL[c] for c in ("malformed", "residue", "last_minute"))


@dataclass
class FileCounts:
    """Per input file: records the SQL found malformed or left to Python, and its latest valid minute."""

    malformed: int = 0
    residue: int = 0
    last_minute_ms: int | None = None


@dataclass
class Folder:
    """Folds aggregation rows (and residue lines) into a MetricStore."""

    meter: Meter
    plan: AttributionPlan
    thresholds: Sequence[int]
    since_ms: int | None = None
    until_ms: int | None = None
    lateness: bool = True  # False: every record visible at once (visibility class 0)
    store: MetricStore = field(init=False)
    files: dict[str, FileCounts] = field(default_factory=dict)
    # Per visibility class (cli.replay.metering): the residue's aggregates, priced with the rows.
    residue_aggs: list[Aggregation] = field(default_factory=lambda: [Aggregation() for _ in range(CLASSES)])
    aggregates_priced: int = 0

    def __post_init__(self) -> None:
        self.store = MetricStore(self.meter.runtime.environment)

    # ---- residue: lines only the Lambda's parser can decide -------------------------------------------

    def add_residue(self, lines: Iterable[tuple[str, str]]) -> None:
        """(file, raw line) pairs, metered by the Lambda's own ``Meter.aggregate``."""
        chunk: list[dict[str, object]] = []
        current: str | None = None
        for file, line in lines:
            if file != current or len(chunk) >= RESIDUE_CHUNK:
                self._residue_chunk(current, chunk)
                chunk, current = [], file
            chunk.append({"id": str(len(chunk)), "timestamp": 0, "message": line})
        self._residue_chunk(current, chunk)

    def _residue_chunk(self, file: str | None, chunk: list[dict[str, object]]) -> None:
        if not chunk or file is None:
            return
        parts: list[list[dict[str, object]]] = [[] for _ in range(CLASSES)]
        for event in chunk:
            parts[visibility_class(str(event["message"])) if self.lateness else 0].append(event)
        counts = self.files.setdefault(file, FileCounts())
        for visibility, events in enumerate(parts):
            if not events:
                continue
            result = BatchResult()
            aggregation = self.meter.aggregate(events, result)
            self.store.records += result.records
            counts.malformed += result.malformed
            for minute_ms in aggregation.minutes():
                if counts.last_minute_ms is None or minute_ms > counts.last_minute_ms:
                    counts.last_minute_ms = minute_ms
            self.residue_aggs[visibility].merge(aggregation)

    # ---- rows -----------------------------------------------------------------------------------------

    def add_rows(
        self,
        rows: Iterable[Sequence[Any]],
        residue: Callable[[list[str]], Iterable[tuple[str, str]]] | None = None,
    ) -> MetricStore:
        """All rows of one aggregation query, file rows (kind 1) first, then aggregate rows (kind 0) ordered
        by minute. ``residue(files)`` yields the (file, line) pairs the SQL left to Python in those files; it
        is called once the file rows are read, before any aggregate is priced. Returns the finished store."""
        aggs: list[Aggregates] = [{} for _ in range(CLASSES)]
        pending = 0
        identities = self.store.identities
        lateness = self.lateness
        lc_flags: dict[tuple[str, int], bool] = {}  # (modelId, bucket) -> the Lambda's flag
        residue_done = residue is None
        models = self.meter.models
        attributions = self.plan.attributions
        thresholds = self.thresholds
        current = None
        for row in rows:
            if row[KIND] == 1:
                self._file_row(row)
                continue
            if not residue_done:
                residue_done = True
                self._residue(residue)
            minute: int = row[MINUTE]
            if minute != current:
                if pending >= FOLD_CHUNK:
                    self._flush(aggs, minute * MINUTE_MS)
                    aggs = [{} for _ in range(CLASSES)]
                    pending = 0
                current = minute
            model_id = row[MODEL_ID]
            lc_key = (model_id, row[LC_BUCKET])
            lc = lc_flags.get(lc_key)
            if lc is None:
                threshold = models.get(str(model_id)).lc_threshold
                lc = lc_flags[lc_key] = long_context(int(row[LC_BUCKET]), threshold, thresholds)
            key = (
                minute * MINUTE_MS,
                attributions[row[ATTRIBUTION]],
                model_id,
                row[REGION],
                lc,
                row[SHAPE],
            )
            sums: list[int] = list(row[SUMS : SUMS + 7])
            self.store.records += sums[0]
            identities[(str(row[ACCOUNT] or ""), str(row[REGION]))] += sums[0]
            by_key = aggs[int(row[VISIBILITY]) if lateness else 0]
            acc = by_key.get(key)
            if acc is None:
                by_key[key] = sums
                pending += 1
            else:
                for k in range(7):
                    acc[k] += sums[k]
        if not residue_done:
            self._residue(residue)
        self._flush(aggs, None)
        self._stamp_malformed()
        self.store.messages = self.store.records + self.store.malformed_total
        return self.store

    def _residue(self, residue: Callable[[list[str]], Iterable[tuple[str, str]]] | None) -> None:
        files = sorted(f for f, counts in self.files.items() if counts.residue)
        if files and residue is not None:
            self.add_residue(residue(files))

    def _file_row(self, row: Sequence[Any]) -> None:
        counts = self.files.setdefault(str(row[FILE]), FileCounts())
        counts.malformed += int(row[MALFORMED] or 0)
        counts.residue += int(row[RESIDUE] or 0)
        if row[LAST_MINUTE] is not None:
            last = int(row[LAST_MINUTE]) * MINUTE_MS
            if counts.last_minute_ms is None or last > counts.last_minute_ms:
                counts.last_minute_ms = last

    def _flush(self, aggs: list[Aggregates], before_ms: int | None) -> None:
        """Price and store ``aggs`` (per visibility class) plus the residue aggregates of minutes before
        ``before_ms``."""
        for visibility in range(CLASSES):
            aggregation = Aggregation(sums=aggs[visibility])
            residue = self.residue_aggs[visibility]
            if residue:
                aggregation.merge(residue.split_before(before_ms))
            if not aggregation:
                continue
            result = BatchResult()
            self.meter.finish(result, aggregation)
            self.aggregates_priced += len(aggs[visibility])
            store = self.store
            # As the Python engine: unpriced reasons of every record metered, documents of [since, until).
            for reason, count in result.unpriced_reasons.items():
                store.unpriced_reasons[reason] = store.unpriced_reasons.get(reason, 0) + count
            since, until = self.since_ms, self.until_ms
            for doc in result.docs:
                if (since is None or doc.minute_ms >= since) and (until is None or doc.minute_ms < until):
                    store.add(doc, visibility)

    def _stamp_malformed(self) -> None:
        """MalformedRecords at each file's latest valid minute (the Lambda stamps arrival time; the Python
        engine, the latest minute metered so far), clamped into the replayed window."""
        store = self.store
        for counts in self.files.values():
            if not counts.malformed:
                continue
            at = counts.last_minute_ms if counts.last_minute_ms is not None else store.last_ms or 0
            if store.first_ms is not None and store.last_ms is not None:
                at = min(max(at, store.first_ms), store.last_ms)
            store.malformed[at] = store.malformed.get(at, 0) + counts.malformed
            store.malformed_total += counts.malformed


def chunked(cursor_fetch: Any, size: int = 10_000) -> Iterator[Sequence[Any]]:
    """Rows of a DB-API cursor, ``size`` at a time (bounded memory)."""
    fetch = cursor_fetch.fetchmany
    while True:
        rows = fetch(size)
        if not rows:
            return
        yield from rows
