"""Replay's aggregation (``analytics.sql``) run by DuckDB over the logs on a workstation or in S3.

Inputs: JSON Lines files, plain or ``.gz``; directories (the S3 delivery layout
``AWSLogs/<account>/BedrockModelInvocationLogs/<region>/yyyy/MM/dd/HH/*.json.gz`` or any tree of such
files); ``s3://bucket/prefix`` URLs, read with the user's AWS credentials (boto3's default chain) through
DuckDB's httpfs extension, which ships as a pinned PyPI package (``duckdb-extension-httpfs``) and is loaded
from disk: nothing is downloaded at run time. Without it, the objects are downloaded with boto3 to a
temporary directory first (and replay says so). ``aws logs filter-log-events`` output is converted to JSON
Lines first; CloudWatch Logs export files (``<timestamp> {json}`` lines) are read as text.

JSON Lines are read with ``read_json`` and one JSON-typed column per record field the aggregation looks at
(one parse per line, in parallel across files); a line that is not a JSON object becomes a row of NULLs,
which the query counts as malformed. With ``--since/--until``, files of the S3 layout whose hour directory
is more than an hour outside the window are not read at all (records are delivered up to minutes after
their timestamp). Memory: DuckDB's hash aggregation and sort are bounded by ``memory_limit`` (spilling to a
temporary directory beyond it), and rows are fetched 10,000 at a time.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from analytics.sql import (
    DUCKDB,
    DUCKDB_MACROS,
    INPUT_FIELDS,
    OUTPUT_FIELDS,
    RECORD_COLUMNS,
    aggregation_sql,
    attribution_plan,
    catalog_thresholds,
    messages_sql,
    residue_sql,
)
from cli.replay.fold import Folder, chunked
from cli.replay.metering import MetricStore
from cli.replay.readers import _EVENTS_START, expand_inputs, iter_file_messages
from lambdas.metering.aggregate import Meter

HOUR_MS = 3_600_000
MAX_RECORD_BYTES = 16 * 1024 * 1024  # one log line (Bedrock writes bodies over 100 KB to separate objects)
DEFAULT_MEMORY_LIMIT = "2GB"
_HOUR_PATH = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/(\d{2})/[^/]+$")


class SourceError(ValueError):
    """An input the DuckDB engine cannot read (clear message for the user)."""


@dataclass
class Inputs:
    """Files by how DuckDB reads them."""

    json_lines: list[str] = field(default_factory=list)
    text_lines: list[str] = field(default_factory=list)  # CloudWatch Logs export files
    notes: list[str] = field(default_factory=list)
    skipped_by_hour: int = 0
    temp: tempfile.TemporaryDirectory[str] | None = None

    @property
    def files(self) -> list[str]:
        return self.json_lines + self.text_lines

    def close(self) -> None:
        if self.temp is not None:
            self.temp.cleanup()
            self.temp = None


def hour_of_path(path: str) -> int | None:
    """Epoch ms of the ``yyyy/MM/dd/HH`` directory of an S3-layout object, or None."""
    m = _HOUR_PATH.search(path.replace("\\", "/"))
    if m is None:
        return None
    from datetime import UTC, datetime

    try:
        y, mo, d, h = (int(g) for g in m.groups())
        return int(datetime(y, mo, d, h, tzinfo=UTC).timestamp() * 1000)
    except ValueError:
        return None


def in_window(path: str, since_ms: int | None, until_ms: int | None) -> bool:
    hour = hour_of_path(path)
    if hour is None:
        return True
    if since_ms is not None and hour + HOUR_MS <= since_ms - HOUR_MS:
        return False
    return not (until_ms is not None and hour >= until_ms + HOUR_MS)


def sniff(path: Path) -> str:
    """'json_lines', 'text_lines' (CloudWatch Logs export) or 'events' (filter-log-events output)."""
    import gzip

    with open(path, "rb") as raw:
        head = raw.read(2)
        raw.seek(0)
        stream: Any = gzip.GzipFile(fileobj=raw) if head == b"\x1f\x8b" else raw
        try:
            for line in stream:
                text = line.decode("utf-8", "replace")
                if not text.strip():
                    continue
                if _EVENTS_START.match(text):
                    return "events"
                return "json_lines" if text.lstrip().startswith("{") else "text_lines"
        except (OSError, EOFError) as exc:
            raise SourceError(f"{path}: cannot read: {exc}") from exc
    return "json_lines"


def _temp(inputs: Inputs) -> Path:
    if inputs.temp is None:
        inputs.temp = tempfile.TemporaryDirectory(prefix="genai-replay-")
    return Path(inputs.temp.name)


def _events_to_json_lines(path: Path, inputs: Inputs) -> str:
    out = _temp(inputs) / f"events-{len(inputs.json_lines)}-{path.name}.jsonl"
    with open(out, "w", encoding="utf-8") as f:
        for message in iter_file_messages(path):
            # A raw newline is never valid inside a JSON string, and is whitespace outside one.
            f.write(message.replace("\n", " ").replace("\r", " ") + "\n")
    return str(out)


def local_inputs(
    paths: Iterable[str | Path], since_ms: int | None, until_ms: int | None, inputs: Inputs
) -> None:
    for path in expand_inputs(paths):
        text = str(path)
        if not in_window(text, since_ms, until_ms):
            inputs.skipped_by_hour += 1
            continue
        kind = "json_lines" if "/BedrockModelInvocationLogs/" in text else sniff(path)
        if kind == "events":
            inputs.json_lines.append(_events_to_json_lines(path, inputs))
        elif kind == "text_lines":
            inputs.text_lines.append(text)
        else:
            inputs.json_lines.append(text)


# ---- S3 -------------------------------------------------------------------------------------------------


def split_s3_url(url: str) -> tuple[str, str]:
    rest = url[len("s3://") :]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise SourceError(f"{url}: expected s3://bucket/prefix")
    return bucket, prefix


def list_s3(client: Any, url: str, since_ms: int | None, until_ms: int | None) -> tuple[list[str], int]:
    """s3:// URLs of the log objects under ``url`` (ListObjectsV2, paginated), pruned by hour."""
    bucket, prefix = split_s3_url(url)
    found: list[str] = []
    skipped = 0
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            if key.endswith("/") or key.rsplit("/", 1)[-1].startswith("."):
                continue
            if not in_window("/" + key, since_ms, until_ms):
                skipped += 1
                continue
            found.append(f"s3://{bucket}/{key}")
    return found, skipped


def httpfs_path() -> Path | None:
    """The httpfs extension binary of the installed ``duckdb-extension-httpfs`` package, if any."""
    try:
        import duckdb
        import duckdb_extension_httpfs
    except ImportError:
        return None
    path = (
        Path(duckdb_extension_httpfs.__file__).parent
        / "extensions"
        / f"v{duckdb.__version__}"
        / "httpfs.duckdb_extension"
    )
    return path if path.exists() else None


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def configure_s3(conn: Any, session: Any) -> bool:
    """Load httpfs from disk and give DuckDB the session's credentials; False when httpfs is missing."""
    path = httpfs_path()
    if path is None:
        return False
    import duckdb

    try:
        conn.execute(f"LOAD {_sql_literal(str(path))}")
    except duckdb.Error:
        return False
    credentials = session.get_credentials()
    if credentials is None:
        raise SourceError("s3:// input: no AWS credentials found (boto3's default chain)")
    frozen = credentials.get_frozen_credentials()
    options = [
        "TYPE s3",
        f"KEY_ID {_sql_literal(frozen.access_key)}",
        f"SECRET {_sql_literal(frozen.secret_key)}",
        f"REGION {_sql_literal(session.region_name or 'us-east-1')}",
    ]
    if frozen.token:
        options.append(f"SESSION_TOKEN {_sql_literal(frozen.token)}")
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:  # an S3-compatible endpoint (tests run against moto's server)
        scheme, _, host = endpoint.partition("://")
        options += [f"ENDPOINT {_sql_literal(host.rstrip('/'))}", "URL_STYLE 'path'"]
        options.append(f"USE_SSL {'true' if scheme == 'https' else 'false'}")
    conn.execute(f"CREATE OR REPLACE SECRET replay_s3 ({', '.join(options)})")
    return True


def s3_inputs(
    conn: Any,
    urls: Sequence[str],
    since_ms: int | None,
    until_ms: int | None,
    inputs: Inputs,
    client: Any = None,
) -> None:
    import boto3

    session = boto3.Session()
    client = client or session.client("s3")
    objects: list[str] = []
    for url in urls:
        found, skipped = list_s3(client, url, since_ms, until_ms)
        objects += found
        inputs.skipped_by_hour += skipped
    if not objects:
        return
    if configure_s3(conn, session):
        inputs.json_lines += objects
        return
    target = _temp(inputs)
    inputs.notes.append(
        f"DuckDB's httpfs extension is not installed: downloaded {len(objects):,} objects with boto3 "
        f"to {target}"
    )
    for n, url in enumerate(objects):
        bucket, key = split_s3_url(url)
        local = target / f"{n:08d}-{key.rsplit('/', 1)[-1]}"
        client.download_file(bucket, key, str(local))
        inputs.json_lines.append(str(local))


# ---- queries --------------------------------------------------------------------------------------------


def connect(threads: int | None = None, memory_limit: str = DEFAULT_MEMORY_LIMIT) -> Any:
    import duckdb

    conn = duckdb.connect(config={"threads": threads or os.cpu_count() or 1, "memory_limit": memory_limit})
    conn.execute("SET preserve_insertion_order = false")
    # Progress is tracked (replay draws its own bar from query_progress()) but never printed by DuckDB.
    conn.execute("SET enable_progress_bar = true")
    conn.execute("SET enable_progress_bar_print = false")
    for macro in DUCKDB_MACROS:
        conn.execute(macro)
    return conn


def _list(files: Sequence[str]) -> str:
    return "[" + ", ".join(_sql_literal(f) for f in files) + "]"


# How DuckDB reads a record: strings as VARCHAR (a non-string becomes its JSON text, see analytics.sql),
# input / output / identity / requestMetadata as structs of JSON values (one parse per line).
_RECORD_TYPES: tuple[tuple[str, str], ...] = (
    ("schemaType", "VARCHAR"),
    ("modelId", "VARCHAR"),
    ("timestamp", "VARCHAR"),
    ("region", "VARCHAR"),
    ("errorCode", "VARCHAR"),
    ("input", "STRUCT(" + ", ".join(f"{f} JSON" for f in (*INPUT_FIELDS, "inputBodyJson")) + ")"),
    ("output", "STRUCT(" + ", ".join(f"{f} JSON" for f in (*OUTPUT_FIELDS, "outputBodyJson")) + ")"),
    ("identity", "STRUCT(arn JSON)"),
    ("requestId", "VARCHAR"),
    ("accountId", "VARCHAR"),
)


def _metadata_struct(metadata_keys: Sequence[str]) -> bool:
    """requestMetadata as a struct of the keys the rules read: its fields are matched case-sensitively,
    but a struct cannot hold two names that differ only in case (then: JSON, and one lookup per key)."""
    return (
        bool(metadata_keys)
        and len({k.lower() for k in metadata_keys}) == len(metadata_keys)
        and not any('"' in k for k in metadata_keys)
    )


def record_types(metadata_keys: Sequence[str]) -> tuple[tuple[str, str], ...]:
    if _metadata_struct(metadata_keys):
        fields = ", ".join(f'"{k}" JSON' for k in metadata_keys)
        return (*_RECORD_TYPES, ("requestMetadata", f"STRUCT({fields})"))
    return (*_RECORD_TYPES, ("requestMetadata", "JSON"))


def _record_columns(struct: str, metadata_keys: Sequence[str]) -> str:
    """RECORD_COLUMNS from the typed fields, all reached through ``struct`` (a column prefix)."""

    def known(parent: str, fields: Sequence[str]) -> str:
        return "(" + " OR ".join(f"{struct}{parent}.{f} IS NOT NULL" for f in fields) + ")"

    columns = [
        f"{struct}schemaType AS st",
        f"{struct}modelId AS mid",
        f'{struct}"timestamp" AS ts',
        f"{struct}region AS reg",
        f"{struct}errorCode AS err",
        f"{struct}input IS NOT NULL AS inp_present",
        f"{known('input', INPUT_FIELDS)} AS inp_known",
        f"{struct}output IS NOT NULL AS out_present",
        f"{known('output', OUTPUT_FIELDS)} AS out_known",
        f"({struct}input.inputBodyJson IS NOT NULL OR {struct}output.outputBodyJson IS NOT NULL) AS body",
        f"CAST({struct}input.inputTokenCount AS VARCHAR) AS i_t",
        f"CAST({struct}input.cacheReadInputTokenCount AS VARCHAR) AS cr_t",
        f"CAST({struct}input.cacheWriteInputTokenCount AS VARCHAR) AS cw_t",
        f"CAST({struct}output.outputTokenCount AS VARCHAR) AS o_t",
        f"CAST({struct}identity.arn AS VARCHAR) AS arn_t",
        f"{struct}requestId AS rid",
        f"{struct}accountId AS acct",
    ]
    as_struct = _metadata_struct(metadata_keys)
    for n, key in enumerate(metadata_keys):
        if as_struct:
            columns.append(f'CAST({struct}requestMetadata."{key}" AS VARCHAR) AS meta_{n}_t')
            continue
        path = _sql_literal(DUCKDB.member_path(key))
        value = f"CAST(json_extract({struct}requestMetadata, {path}) AS VARCHAR)"
        columns.append(f"CASE WHEN {value} <> 'null' THEN {value} END AS meta_{n}_t")
    return ",\n    ".join(columns)


def json_lines_source(files: Sequence[str], metadata_keys: Sequence[str]) -> str:
    """Record columns of JSON Lines files (plain or gzip): ``read_json`` with typed columns; a line that is
    not a JSON object becomes a row of NULLs (malformed)."""
    types = ", ".join(
        f"{_sql_literal(key)}: {_sql_literal(kind)}" for key, kind in record_types(metadata_keys)
    )
    return (
        f"SELECT filename AS file,\n    {_record_columns('', metadata_keys)}\n"
        f"  FROM read_json({_list(files)}, format = 'newline_delimited', columns = {{{types}}},\n"
        f"    ignore_errors = true, filename = true, maximum_object_size = {MAX_RECORD_BYTES})"
    )


def text_lines(files: Sequence[str]) -> str:
    """Raw lines ``(file, line)`` of text files: no quoting, no header, one column."""
    return (
        f"SELECT filename AS file, line FROM read_csv({_list(files)}, columns = {{'line': 'VARCHAR'}},\n"
        "    header = false, delim = '\\x01', quote = '', escape = '', auto_detect = false,\n"
        "    new_line = '\\n', strict_mode = false, ignore_errors = true, filename = true,\n"
        f"    max_line_size = {MAX_RECORD_BYTES})"
    )


def line_source(files: Sequence[str], metadata_keys: Sequence[str]) -> str:
    """Record columns of text lines, converted exactly as ``read_json`` converts them (``from_json`` with
    the same types), so the residue query classifies each line as the main query did. An export line
    ``<ISO timestamp> {json}`` is read from its first brace, as ``cli.replay.readers`` does."""
    structure = json.dumps(dict(record_types(metadata_keys)))
    return (
        f"SELECT file, line,\n    {_record_columns('r.', metadata_keys)}\n"
        f"  FROM (SELECT file, line, try(from_json(line, {_sql_literal(structure)})) AS r\n"
        f"    FROM ({messages_sql(text_lines(files))}) AS m) AS parsed"
    )


def record_source(inputs: Inputs, metadata_keys: Sequence[str]) -> str:
    parts = []
    if inputs.json_lines:
        parts.append(json_lines_source(inputs.json_lines, metadata_keys))
    if inputs.text_lines:
        columns = ", ".join(("file", *RECORD_COLUMNS, *(f"meta_{n}_t" for n in range(len(metadata_keys)))))
        parts.append(f"SELECT {columns} FROM (\n{line_source(inputs.text_lines, metadata_keys)})")
    return "\nUNION ALL\n".join(parts)


@dataclass
class DuckDBRun:
    store: MetricStore
    files: int
    notes: list[str]
    aggregates: int


class _QueryProgress:
    """Feeds DuckDB's query progress (percent) to the replay progress bar while a query runs."""

    def __init__(self, conn: Any, bar: Any) -> None:
        self.conn, self.bar = conn, bar
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _QueryProgress:
        if self.bar is not None and self.bar.enabled:
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.25):
            try:
                percent = float(self.conn.query_progress())
            except Exception:  # progress is cosmetic: never fail the replay over it
                return
            if percent >= 0:
                self.bar.done = int(percent * self.bar.total / 100)
                self.bar.advance(0)

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()


def run(
    meter: Meter,
    paths: Sequence[str | Path],
    since_ms: int | None = None,
    until_ms: int | None = None,
    threads: int | None = None,
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    bar: Any = None,
    log: TextIO | None = None,
    s3_client: Any = None,
    timings: dict[str, Any] | None = None,
    lateness: bool = True,
) -> DuckDBRun:
    """Meter ``paths`` with DuckDB into a MetricStore (the runner's pipeline continues from there)."""
    import duckdb

    conn = connect(threads, memory_limit)
    inputs = Inputs()
    try:
        local = [p for p in paths if not str(p).startswith("s3://")]
        remote = [str(p) for p in paths if str(p).startswith("s3://")]
        local_inputs(local, since_ms, until_ms, inputs)
        if remote:
            s3_inputs(conn, remote, since_ms, until_ms, inputs, s3_client)
        for note in inputs.notes:
            if log is not None:
                print(f"note: {note}", file=log)
        plan = attribution_plan(meter.runtime)
        thresholds = catalog_thresholds(meter.catalog)
        folder = Folder(meter, plan, thresholds, since_ms, until_ms, lateness)
        if not inputs.files:
            return DuckDBRun(folder.store, 0, inputs.notes, 0)
        keys = plan.metadata_keys
        sql = aggregation_sql(meter.runtime, record_source(inputs, keys), thresholds, DUCKDB)

        def residue(files: list[str]) -> Iterator[tuple[str, str]]:
            cursor = conn.cursor()
            cursor.execute(residue_sql(meter.runtime, line_source(files, keys), thresholds, DUCKDB))
            for file, line in chunked(cursor):
                yield str(file), str(line)

        try:
            started = time.perf_counter()
            with _QueryProgress(conn, bar):
                cursor = conn.execute(sql)
            folding = time.perf_counter()
            store = folder.add_rows(chunked(cursor), residue)
            if timings is not None:
                timings["query_s"] = folding - started
                timings["fold_s"] = time.perf_counter() - folding
        except duckdb.IOException as exc:
            raise SourceError(f"cannot read the logs: {exc}") from exc
        return DuckDBRun(store, len(inputs.files), inputs.notes, folder.aggregates_priced)
    finally:
        inputs.close()
        conn.close()
