"""The aggregation replay needs, written once as SQL generated from the account's runtime config.

One query, run by DuckDB on a workstation and by Athena over S3: it validates each invocation-log record as
``lambdas.metering.records.parse_record`` does, attributes it with the metering Lambda's precedence
(``requestMetadata`` rules in config order, then the application inference profile, then identity globs in
config order, else unattributed) and sums, per

    (minute, attribution, modelId as logged, region, long-context bucket, usage shape)

invocations, failed and throttled calls and the four token counts. That is the key of the Lambda's own hot
loop (``Meter.aggregate``); the rows then go through ``Meter.finish``, which normalizes the modelId to the
``Model`` dimension exactly as the Lambda does, prices each aggregate once (``Decimal``) and folds them into
EMF documents. So replay's numbers are the Lambda's by construction, whichever engine summed the tokens.

The query reads a relation of *record columns* (``RECORD_COLUMNS``), which each engine builds its own
way: DuckDB with ``read_json`` and typed columns (one parse per line, ``duckdb_source``), Athena from a table
of raw lines with Trino's JSON functions (``athena_line_source``). Everything after that is one text, in the
subset of Trino SQL (Athena engine 3) that DuckDB runs identically once the connection has ``DUCKDB_MACROS``:
CASE,
LIKE, ``regexp_like``, ``substr``, ``TRY_CAST``, ``date_diff``, ``GROUPING SETS``; no integer division, no
engine-specific date function (the minute is ``date_diff`` days x 1440 plus the clock fields).

A record is OK (aggregated), MALFORMED (counted; every such record is malformed for the Lambda too) or
RESIDUE: the SQL cannot be sure, and the line goes to the Lambda's own parser in Python. Residue is what no
Bedrock log contains in practice: a ``timestamp`` other than ``YYYY-MM-DDTHH:MM:SS[.ffffff][Z|+HH:MM]``
(years 1900-2999; Python's ``fromisoformat`` accepts more forms than are worth mirroring), a modelId or region
that could be a non-string JSON value converted to text (starts with a digit, ``-``, ``{`` or ``[``, or is
``true``/``false``), an ``input`` that is present but has none of its known fields on a failed call, an
``output`` that is present without any of its known fields.

The long-context flag needs the model's threshold, known only once the modelId is resolved: the SQL counts
how many of the catalog's distinct thresholds the prompt exceeds (``lc_bucket``) and ``long_context`` turns
that into the Lambda's flag.

Known differences from the Lambda, on input no Bedrock log contains: duplicate keys in one JSON object (the
engines read the first, Python the last); invalid UTF-8 or lone surrogate escapes (malformed for the engines,
replaced by Python); JSON nested deeper than Python's recursion limit (valid for the engines); and, for
DuckDB's JSON Lines reader only, an unfinished object in the middle of a file (a write cut short is the
last line) makes the reader continue into the next line, which is then counted malformed with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lambdas.metering.attribution import UNATTRIBUTED_ATTRIBUTION, Attribution
from lambdas.metering.records import MAX_TOKENS_PER_RECORD, SCHEMA_TYPE

# The S3 delivery layout's hour folders, as the Glue table's partition projection formats them.
PARTITION_FORMAT = "%Y/%m/%d/%H"
# Status of a record after validation.
OK, MALFORMED, RESIDUE = 0, 1, 2

# The record columns a source must provide (besides ``file``, and ``line`` for the residue query):
#   st, mid, ts, reg, err      schemaType, modelId, timestamp, region, errorCode as text: a string's value,
#                              another value's JSON text, NULL when absent or null
#   inp_present, out_present   input / output present and not null
#   inp_known, out_known       ... with at least one of the fields below (or their content type)
#   i_t, cr_t, cw_t, o_t       JSON text of the token counts (NULL when absent or null)
#   body                       the record carries a request or response body (text/image delivery on)
#   arn_t                      JSON text of identity.arn
#   meta_<n>_t                 JSON text of requestMetadata.<n-th key the rules use>
RECORD_COLUMNS: tuple[str, ...] = (
    "st", "mid", "ts", "reg", "err", "inp_present", "inp_known", "out_present", "out_known", "body",
    "i_t", "cr_t", "cw_t", "o_t", "arn_t", "rid", "acct",
)  # fmt: skip
INPUT_FIELDS = (
    "inputTokenCount",
    "cacheReadInputTokenCount",
    "cacheWriteInputTokenCount",
    "inputContentType",
)
OUTPUT_FIELDS = ("outputTokenCount", "outputContentType")

# DuckDB spellings of the Trino functions the query uses (created once per connection); json_extract_scalar
# is NULL for objects and arrays, as in Trino.
DUCKDB_MACROS: tuple[str, ...] = (
    "CREATE OR REPLACE MACRO regexp_like(s, p) AS regexp_matches(s, p)",
    "CREATE OR REPLACE MACRO json_format(j) AS CAST(j AS VARCHAR)",
    "CREATE OR REPLACE MACRO json_parse(s) AS json(s)",
    "CREATE OR REPLACE MACRO json_extract_scalar(j, p) AS CASE WHEN json_type(j, p) IN ('OBJECT', 'ARRAY') "
    "THEN NULL ELSE json_extract_string(j, p) END",
)

# Four token counts (``null``: absent) as one string, each a JSON integer of at most 9 digits (``-0`` is 0
# for Python too; more digits are over the per-record limit, so the casts cannot overflow).
_TOKENS_RE = r"\A" + ",".join([r"(null|-?[0-9]{1,9})"] * 4) + r"\z"
_DATE_TIME = r"(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
_TS_RE = rf"\A{_DATE_TIME}(\.[0-9]{{1,6}})?(Z|[+-][0-9]{{2}}:[0-9]{{2}})?\z"
_SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class UnsupportedRule(ValueError):
    """An attribution rule the SQL engines cannot express exactly (the Python engine can)."""


@dataclass(frozen=True, slots=True)
class Dialect:
    """The two places the engines' SQL differs: quoting a JSON path member, and days since 1970-01-01
    (DuckDB subtracts dates, several times faster than its ``date_diff``; Trino has only ``date_diff``)."""

    name: str  # "duckdb" or "athena"
    path_quoting: str = ""  # "duckdb" ($."a.b") or "trino" ($["a.b"]); default: the engine's own
    subtract_dates: bool = False

    def member_path(self, key: str) -> str:
        """JSONPath of one object member."""
        if _SIMPLE_KEY.match(key):
            return f"$.{key}"
        if '"' in key or "\\" in key or "'" in key:
            raise UnsupportedRule(f"requestMetadata key {key!r}: quotes and backslashes are not supported")
        return f'$."{key}"' if (self.path_quoting or self.name) == "duckdb" else f'$["{key}"]'

    def epoch_days(self, day: str) -> str:
        if self.subtract_dates:
            return f"({day} - DATE '1970-01-01')"
        return f"date_diff('day', DATE '1970-01-01', {day})"


DUCKDB = Dialect("duckdb", subtract_dates=True)
ATHENA = Dialect("athena")


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def glob_to_like(glob: str) -> str:
    """An fnmatch glob (``*``, ``?``, literal characters) as a LIKE pattern with ESCAPE '\\'."""
    if "[" in glob:
        raise UnsupportedRule(f"identity glob {glob!r}: character classes ([...]) are not supported")
    return "".join("%" if c == "*" else "_" if c == "?" else like_escape(c) for c in glob)


def glob_matches(text_column: str, glob: str) -> str:
    """Does the JSON text ``text_column`` hold a string the glob matches (fnmatchcase)? Compared on the JSON
    text itself when it has no escape (no decoding, and LIKE without ESCAPE when the glob has no literal
    ``%``, ``_`` or backslash: several times faster in DuckDB), decoded otherwise."""
    exact = glob_to_like(glob)
    loose = "".join("%" if c == "*" else "_" if c == "?" else c for c in glob)
    if exact == loose:
        raw = f"{text_column} LIKE {quote(chr(34) + loose + chr(34))}"
    else:  # the loose pattern only pre-filters (its _ and % match more than the literal character)
        raw = (
            f"{text_column} LIKE {quote(chr(34) + loose + chr(34))} "
            f"AND {text_column} LIKE {quote(chr(34) + exact + chr(34))} ESCAPE '\\'"
        )
    decoded = f"{json_string(text_column)} LIKE {quote(exact)} ESCAPE '\\'"
    return f"((strpos({text_column}, '\\') = 0 AND {raw}) OR (strpos({text_column}, '\\') > 0 AND {decoded}))"


def string_equals(text_column: str, value: str) -> str:
    """Does the JSON text ``text_column`` hold the string ``value``? Compared as text when ``value`` needs
    no escaping in JSON (no decoding per record), decoded when the text has an escape."""
    decoded = f"(strpos({text_column}, '\\') > 0 AND {json_string(text_column)} = {quote(value)})"
    if any(c in value for c in '"\\') or any(ord(c) < 0x20 for c in value):
        return decoded
    return f"({text_column} = {quote(chr(34) + value + chr(34))} OR {decoded})"


def json_string(text_column: str) -> str:
    """The value of a JSON string given as JSON text; NULL for any other JSON value. Text without a
    backslash is the string itself between its quotes (no decoding needed: the common case)."""
    return (
        f"CASE WHEN {text_column} LIKE '\"%' THEN CASE WHEN strpos({text_column}, '\\') = 0 "
        f"THEN substr({text_column}, 2, length({text_column}) - 2) "
        f"ELSE json_extract_scalar({text_column}, '$') END END"
    )


# ---- attribution ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttributionPlan:
    """The attribution rules as SQL: ``case`` yields an index into ``attributions`` (0 = unattributed)."""

    case: str
    attributions: tuple[Attribution, ...]
    metadata_keys: tuple[str, ...]


def _profiles(runtime: Any) -> dict[str, Attribution]:
    """Profile id -> attribution, built as ``Attributor`` builds it (stack profiles first, setdefault)."""
    profiles: dict[str, Attribution] = {}
    apps = runtime.feature_applications
    for pid, feature in runtime.profile_features.items():
        app = apps.get(feature)
        if app is not None:
            profiles.setdefault(pid.rsplit("/", 1)[-1], Attribution(app, feature))
    for rule in runtime.profile_rules:
        for pid in rule.profile_ids:
            profiles.setdefault(pid.rsplit("/", 1)[-1], Attribution(rule.application, rule.feature))
    return profiles


def attribution_plan(runtime: Any) -> AttributionPlan:
    """Compile the runtime config's rules. The CASE reads ``meta_<n>_t`` (JSON text of the n-th metadata key),
    ``meta_unhashable``, ``mid`` and ``arn_t``."""
    attributions: list[Attribution] = [UNATTRIBUTED_ATTRIBUTION]
    index: dict[Attribution, int] = {UNATTRIBUTED_ATTRIBUTION: 0}

    def idx(att: Attribution) -> int:
        if att not in index:
            index[att] = len(attributions)
            attributions.append(att)
        return index[att]

    keys: list[str] = []
    rules = [(dict(r.match), Attribution(r.application, r.feature)) for r in runtime.metadata_rules]
    for match, _ in rules:
        keys.extend(k for k in match if k not in keys)
    whens: list[str] = []
    for match, att in rules:
        if not match:
            continue
        test = " AND ".join(
            string_equals(f"meta_{keys.index(k)}_t", v) if isinstance(v, str) else "FALSE"
            for k, v in match.items()
        )
        # A list or object under any key the rules read makes the Lambda skip every metadata rule.
        whens.append(f"WHEN NOT meta_unhashable AND {test} THEN {idx(att)}")
    for pid, att in _profiles(runtime).items():
        whens.append(
            "WHEN mid LIKE '%:application-inference-profile/%' "
            f"AND mid LIKE {quote('%/' + like_escape(pid))} ESCAPE '\\' THEN {idx(att)}"
        )
    for rule in runtime.identity_rules:
        att = Attribution(rule.application, rule.feature)
        globs = [glob_matches("arn_t", g) for g in rule.globs]
        if globs:
            whens.append(f"WHEN {' OR '.join(globs)} THEN {idx(att)}")
    case = "CASE " + " ".join(whens) + " ELSE 0 END" if whens else "0"
    return AttributionPlan(case, tuple(attributions), tuple(keys))


# ---- sources --------------------------------------------------------------------------------------------


def athena_line_source(lines_sql: str, dialect: Dialect, metadata_keys: Sequence[str]) -> str:
    """Record columns from a relation of raw lines ``(file, line)`` with Trino's JSON functions (Athena's
    one-string-column table). An export line ``<ISO timestamp> {json}`` is read from its first brace, as
    ``cli.replay.readers`` does; blank lines are not records."""

    def text(path: str) -> str:
        value = f"json_format(json_extract(j, {quote(path)}))"
        return f"CASE WHEN {value} <> 'null' THEN {value} END"

    def scalar(key: str) -> str:
        path = quote(f"$.{key}")
        return f"coalesce(json_extract_scalar(j, {path}), {text(f'$.{key}')})"

    def present(key: str) -> str:
        return f"({text(f'$.{key}')} IS NOT NULL)"

    def known(parent: str, fields: Sequence[str]) -> str:
        return "(" + " OR ".join(f"{text(f'$.{parent}.{f}')} IS NOT NULL" for f in fields) + ")"

    columns = [
        f"{scalar('schemaType')} AS st",
        f"{scalar('modelId')} AS mid",
        f"{scalar('timestamp')} AS ts",
        f"{scalar('region')} AS reg",
        f"{scalar('errorCode')} AS err",
        f"{present('input')} AS inp_present",
        f"{known('input', INPUT_FIELDS)} AS inp_known",
        f"{present('output')} AS out_present",
        f"{known('output', OUTPUT_FIELDS)} AS out_known",
        f"({text('$.input.inputBodyJson')} IS NOT NULL"
        f" OR {text('$.output.outputBodyJson')} IS NOT NULL) AS body",
        f"{text('$.input.inputTokenCount')} AS i_t",
        f"{text('$.input.cacheReadInputTokenCount')} AS cr_t",
        f"{text('$.input.cacheWriteInputTokenCount')} AS cw_t",
        f"{text('$.output.outputTokenCount')} AS o_t",
        f"{text('$.identity.arn')} AS arn_t",
        f"{scalar('requestId')} AS rid",
        f"{scalar('accountId')} AS acct",
    ]
    for n, key in enumerate(metadata_keys):
        member = dialect.member_path(key)[1:]  # '.key' or '."key"' / '["key"]'
        columns.append(f"{text('$.requestMetadata' + member)} AS meta_{n}_t")
    body = ",\n    ".join(columns)
    return (
        f"SELECT file, line,\n    {body}\n"
        "  FROM (SELECT file, line, try(json_parse(line)) AS j\n"
        f"    FROM ({messages_sql(lines_sql)}) AS m) AS parsed"
    )


def messages_sql(lines_sql: str) -> str:
    """``(file, line)`` of the log messages in raw lines: blank lines are not records; an export line
    ``<ISO timestamp> {json}`` is its JSON part (from the first brace), as ``cli.replay.readers`` reads it.
    Residue lines are returned in this form, ready for the Lambda's parser."""
    return (
        "SELECT file, CASE WHEN regexp_like(line, '\\A\\s*[0-9]') AND strpos(line, '{') > 0\n"
        "    THEN substr(line, strpos(line, '{')) ELSE line END AS line\n"
        f"  FROM ({lines_sql}) AS raw\n"
        "  WHERE NOT regexp_like(coalesce(line, ''), '\\A\\s*\\z')"
    )


# ---- the query ------------------------------------------------------------------------------------------


def _ambiguous(column: str) -> str:
    """Text that a non-string JSON value converts to (so it may not have been a string)."""
    first = f"substr({column}, 1, 1)"
    return f"({first} BETWEEN '0' AND '9' OR {first} IN ('-', '[', '{{') OR {column} IN ('true', 'false'))"


def classified_sql(
    runtime: Any,
    source_sql: str,
    thresholds: Sequence[int],
    dialect: Dialect,
    *,
    keep_line: bool = False,
) -> str:
    """Every record of ``source_sql`` (``file``, ``RECORD_COLUMNS``, ``meta_<n>_t``; ``line`` too with
    ``keep_line``) with its status, minute, attribution index, modelId, region, long-context bucket, usage
    shape, error flags and token counts: the relation ``c``."""
    plan = attribution_plan(runtime)
    line = ", line" if keep_line else ""
    meta = "".join(f", meta_{n}_t" for n in range(len(plan.metadata_keys)))
    unhashable = (
        " OR ".join(
            f"coalesce(substr(meta_{n}_t, 1, 1) IN ('[', '{{'), FALSE)"
            for n in range(len(plan.metadata_keys))
        )
        or "FALSE"
    )
    tokens = (
        "concat(" + ", ',', ".join(f"coalesce({c}, 'null')" for c in ("i_t", "cr_t", "cw_t", "o_t")) + ")"
    )
    lc_terms = " + ".join(f"CASE WHEN i + cr + cw > {int(t)} THEN 1 ELSE 0 END" for t in thresholds) or "0"
    limit = MAX_TOKENS_PER_RECORD

    def count(column: str) -> str:
        return f"CASE WHEN {column} IS NULL THEN 0 ELSE TRY_CAST({column} AS BIGINT) END"

    return f"""WITH rec AS (
{source_sql}
), g AS (
  SELECT file{line}, st, mid, ts, reg, inp_present, inp_known, out_present, out_known, body,
    coalesce(err, '') <> '' AS has_err, err,
    regexp_like({tokens}, {quote(_TOKENS_RE)}) AS tokens_ok,
    i_t, cr_t, cw_t, o_t,
    {count("i_t")} AS i, {count("cr_t")} AS cr, {count("cw_t")} AS cw, {count("o_t")} AS o,
    arn_t, rid, acct{meta},
    ({unhashable}) AS meta_unhashable
  FROM rec
), v AS (
  SELECT *,
    CASE
      WHEN body THEN {RESIDUE}
      WHEN coalesce(st, '') <> {quote(SCHEMA_TYPE)} OR coalesce(mid, '') = '' OR ts IS NULL
        OR coalesce(reg, '') = ''
        OR (NOT has_err AND (NOT inp_present
          OR (i_t IS NULL AND (o_t IS NOT NULL OR cr_t IS NOT NULL OR cw_t IS NOT NULL))))
        OR NOT tokens_ok
        OR i < 0 OR cr < 0 OR cw < 0 OR o < 0
        OR i > {limit} OR cr > {limit} OR cw > {limit} OR o > {limit} OR i + cr + cw + o > {limit}
        THEN {MALFORMED}
      WHEN {_ambiguous("mid")} OR {_ambiguous("reg")}
        OR (inp_present AND NOT inp_known) OR (out_present AND NOT out_known)
        OR NOT regexp_like(ts, {quote(_TS_RE)})
        THEN {RESIDUE}
      ELSE {OK}
    END AS pre_status
  FROM g
), t AS (
  SELECT *,
    CASE WHEN pre_status = {OK} THEN TRY_CAST(substr(ts, 1, 10) AS DATE) END AS day,
    CASE WHEN pre_status = {OK} THEN TRY_CAST(substr(ts, 12, 2) AS INTEGER) END AS hh,
    CASE WHEN pre_status = {OK} THEN TRY_CAST(substr(ts, 15, 2) AS INTEGER) END AS mi,
    CASE WHEN pre_status = {OK} THEN TRY_CAST(substr(ts, 18, 2) AS INTEGER) END AS ss,
    CASE WHEN substr(ts, length(ts) - 5, 1) IN ('+', '-') AND pre_status = {OK}
      THEN TRY_CAST(substr(ts, length(ts) - 4, 2) AS INTEGER) ELSE 0 END AS oh,
    CASE WHEN substr(ts, length(ts) - 5, 1) IN ('+', '-') AND pre_status = {OK}
      THEN TRY_CAST(substr(ts, length(ts) - 1, 2) AS INTEGER) ELSE 0 END AS om,
    CASE WHEN substr(ts, length(ts) - 5, 1) = '-' THEN -1 ELSE 1 END AS osign
  FROM v
), c AS (
  SELECT file{line},
    CASE
      WHEN pre_status <> {OK} THEN pre_status
      WHEN day IS NULL OR hh > 23 OR mi > 59 OR ss > 59 OR oh > 23 OR om > 59 THEN {RESIDUE}
      ELSE {OK}
    END AS status,
    {dialect.epoch_days("day")} * 1440 + hh * 60 + mi - osign * (oh * 60 + om) AS minute,
    {plan.case} AS attribution,
    mid AS model_id, reg AS region,
    {lc_terms} AS lc_bucket,
    CASE WHEN i > 0 THEN 1 ELSE 0 END + CASE WHEN o > 0 THEN 2 ELSE 0 END
      + CASE WHEN cr > 0 THEN 4 ELSE 0 END + CASE WHEN cw > 0 THEN 8 ELSE 0 END AS shape,
    CASE WHEN has_err THEN 1 ELSE 0 END AS failed,
    CASE WHEN has_err THEN CASE WHEN lower(err) LIKE '%throttl%' THEN 1 ELSE 0 END ELSE 0 END AS throttled,
    i, o, cr, cw, day, acct,
    {visibility_sql()} AS visibility
  FROM t
)"""


# When CloudWatch shows a record (cli.replay.metering.visibility_class): its delay after the record is 60 s
# plus its requestId's first 8 hex digits modulo 120 s (120 s without a hex requestId), and alarms read 40 s
# after each minute ends. Hex digits are read with strpos, which both engines have (no base conversion in
# common).
_HEX_DIGITS = "0123456789abcdef"


def visibility_sql() -> str:
    """The record's visibility class (0 to 3) from ``ss`` (its second) and ``rid`` (its requestId)."""
    digits = " + ".join(
        f"(strpos('{_HEX_DIGITS}', lower(substr(rid, {k + 1}, 1))) - 1) * {16 ** (7 - k)}" for k in range(8)
    )
    spread = 120_000
    hex_id = "regexp_like(coalesce(rid, ''), '^[0-9a-fA-F]{8}')"
    h = f"CASE WHEN {hex_id} THEN ({digits}) ELSE {spread // 2} END"
    late = f"(coalesce(ss, 30) * 1000 + 60000 + ({h}) % {spread} - 100000)"
    return f"CASE WHEN {late} <= 0 THEN 0 WHEN {late} > 120000 THEN 3 WHEN {late} > 60000 THEN 2 ELSE 1 END"


# Columns of an aggregation row, in order. ``kind`` 0: an aggregate of OK records; 1: one input file's
# counts (malformed, residue, latest OK minute).
AGGREGATE_COLUMNS: tuple[str, ...] = (
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
    "invocations",
    "failed",
    "throttled",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "malformed",
    "residue",
    "last_minute",
)


def aggregation_sql(runtime: Any, source_sql: str, thresholds: Sequence[int], dialect: Dialect) -> str:
    """One scan, two groupings: the Lambda's aggregate key over OK records, and per input file the
    malformed and residue counts (with the file's latest minute, where replay stamps MalformedRecords).
    File rows first, aggregates by minute: the order ``cli.replay.fold`` reads them in."""
    ok = f"status = {OK}"
    return (
        classified_sql(runtime, source_sql, thresholds, dialect)
        + f"""
SELECT
  CASE WHEN file IS NULL THEN 0 ELSE 1 END AS kind, file,
  minute, visibility, acct AS account_id, attribution, model_id, region, lc_bucket, shape,
  count(*) AS invocations, sum(failed) AS failed, sum(throttled) AS throttled,
  sum(i) AS input_tokens, sum(o) AS output_tokens,
  sum(cr) AS cache_read_tokens, sum(cw) AS cache_write_tokens,
  sum(CASE WHEN status = {MALFORMED} THEN 1 ELSE 0 END) AS malformed,
  sum(CASE WHEN status = {RESIDUE} THEN 1 ELSE 0 END) AS residue,
  max(CASE WHEN {ok} THEN minute END) AS last_minute
FROM c
GROUP BY GROUPING SETS (
  (status, minute, visibility, acct, attribution, model_id, region, lc_bucket, shape), (file))
HAVING {ok} OR file IS NOT NULL
ORDER BY kind DESC, minute"""
    )


def residue_sql(runtime: Any, source_sql: str, thresholds: Sequence[int], dialect: Dialect) -> str:
    """The raw lines Python must decide (``source_sql`` must carry ``line``)."""
    sql = classified_sql(runtime, source_sql, thresholds, dialect, keep_line=True)
    return sql + f"\nSELECT file, line FROM c WHERE status = {RESIDUE}"


def long_context(bucket: int, threshold: int | None, thresholds: Sequence[int]) -> bool:
    """The Lambda's flag (prompt tokens > the model's threshold) from the bucket the SQL computed."""
    return threshold is not None and bucket > list(thresholds).index(threshold)


def catalog_thresholds(catalog: Any) -> tuple[int, ...]:
    """The distinct long-context thresholds of the price catalog, ascending."""
    found = {catalog.long_context_threshold(m) for m in catalog.model_ids()}
    return tuple(sorted(t for t in found if t is not None))


# ---- named query: cost per feature per day ---------------------------------------------------------------

# The resource part of a foundation-model or system inference-profile ARN is the id as written without one.
_ARN_PREFIX_RE = r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:[0-9]*:(foundation-model|inference-profile)/"
_GEOS = ("us", "eu", "apac", "jp", "au", "ca", "us-gov")


def _rate(value: Any) -> str:
    """A rate as a string literal (cast once where it is used: a named query holds at most 262,144
    characters, and every model's rates are in it); '' for none."""
    return quote("" if value is None else str(value))


def _geos(region: str) -> tuple[str, ...]:
    """The geography prefixes of the system profiles whose calls are billed in ``region``."""
    if region.startswith("us-gov-"):
        return ("us-gov",)
    for start, geos in (
        ("us-", ("us",)),
        ("eu-", ("eu",)),
        ("ca-", ("ca", "us")),
        ("ap-", ("apac", "jp", "au")),
    ):
        if region.startswith(start):
            return geos
    return _GEOS


def _spellings(model_id: str, scope: str, region: str) -> list[str]:
    """The modelIds (ARN prefix removed) Bedrock logs in ``region`` for calls billed at ``scope``."""
    geos = _geos(region)
    if scope == "in_region":
        return [model_id]
    if scope == "geo":
        return [f"{g}.{model_id}" for g in geos]
    if scope == "global":
        return [f"global.{model_id}"]
    return [model_id, *(f"{g}.{model_id}" for g in (*geos, "global"))]


def price_rows(catalog: Any, regions: Sequence[str], thresholds: Sequence[int]) -> list[str]:
    """VALUES rows (model id as logged, region, first long-context bucket, standard rates x4, long-context
    rates x4) for every catalog model priced in ``regions``, under each spelling its scope is logged as.
    One row per (spelling, region): a scope's own entry wins over the catalog's any-scope entry, as in
    ``PriceCatalog.entry``."""
    rows: dict[tuple[str, str], str] = {}
    for model_id in catalog.model_ids():
        info = catalog.model(model_id)
        threshold = catalog.long_context_threshold(model_id)
        lc_from = list(thresholds).index(threshold) if threshold is not None else 99
        for region in regions:
            scopes = info.regions.get(region) or info.regions.get("*") or {}
            # The any-scope entry first, so a scope's own entry overwrites it.
            for scope in sorted(scopes, key=lambda name: name != "*"):
                entry = scopes[scope]
                standard = entry.cards.get("standard")
                if standard is None:
                    continue
                long = entry.cards.get("long_context") or standard
                rates = (standard.input, standard.output, standard.cache_read, standard.cache_write)
                lc_rates = (long.input, long.output, long.cache_read, long.cache_write)
                values = ", ".join(_rate(r) for r in (*rates, *lc_rates))
                for spelling in _spellings(model_id, scope, region):
                    rows[(spelling, region)] = f"({quote(spelling)}, {quote(region)}, {lc_from}, {values})"
    return list(rows.values())


def cost_per_feature_per_day_sql(
    runtime: Any,
    source_sql: str,
    thresholds: Sequence[int],
    catalog: Any,
    regions: Sequence[str],
    dialect: Dialect = ATHENA,
) -> str:
    """Named query: requests, tokens and list-price cost per day, application and feature (UTC days of the
    record's own date). Rates come from the price catalog at synth time (with the account's discount and
    overrides), under the modelId spellings Bedrock logs (base ids, geo and global profile ids, their ARNs);
    calls through application inference profiles and models the catalog lacks are counted as unpriced.
    ``genai-guardrails replay --athena`` prices exactly (dated rates, application profiles resolved)."""
    plan = attribution_plan(runtime)
    names = " ".join(f"WHEN {n} THEN {quote(a.application)}" for n, a in enumerate(plan.attributions))
    features = " ".join(f"WHEN {n} THEN {quote(a.feature)}" for n, a in enumerate(plan.attributions))
    rows = ",\n    ".join(price_rows(catalog, regions, thresholds)) or "('', '', 99" + ", ''" * 8 + ")"
    columns = "model_id, region, lc_from, " + ", ".join(
        f"{prefix}{kind}_rate" for prefix in ("", "lc_") for kind in ("i", "o", "cr", "cw")
    )
    return (
        classified_sql(runtime, source_sql, thresholds, dialect)
        + f""", prices ({columns}) AS (
  VALUES
    {rows}
), priced AS (
  SELECT c.day, c.attribution, c.i, c.o, c.cr, c.cw,
    CAST(NULLIF(CASE WHEN c.lc_bucket > p.lc_from THEN p.lc_i_rate ELSE p.i_rate END, '')
      AS DECIMAL(20, 10)) AS i_rate,
    CAST(NULLIF(CASE WHEN c.lc_bucket > p.lc_from THEN p.lc_o_rate ELSE p.o_rate END, '')
      AS DECIMAL(20, 10)) AS o_rate,
    CAST(NULLIF(CASE WHEN c.lc_bucket > p.lc_from THEN p.lc_cr_rate ELSE p.cr_rate END, '')
      AS DECIMAL(20, 10)) AS cr_rate,
    CAST(NULLIF(CASE WHEN c.lc_bucket > p.lc_from THEN p.lc_cw_rate ELSE p.cw_rate END, '')
      AS DECIMAL(20, 10)) AS cw_rate,
    p.model_id IS NOT NULL AS known
  FROM c
  LEFT JOIN prices p
    ON p.model_id = regexp_replace(c.model_id, {quote(_ARN_PREFIX_RE)}, '') AND p.region = c.region
  WHERE c.status = {OK}
), costed AS (
  SELECT day, attribution, i, o, cr, cw,
    CASE WHEN known AND (i = 0 OR i_rate IS NOT NULL) AND (o = 0 OR o_rate IS NOT NULL)
      AND (cr = 0 OR cr_rate IS NOT NULL) AND (cw = 0 OR cw_rate IS NOT NULL)
      THEN (i * coalesce(i_rate, 0) + o * coalesce(o_rate, 0) + cr * coalesce(cr_rate, 0)
        + cw * coalesce(cw_rate, 0)) * CAST('0.000001' AS DECIMAL(7, 6))
    END AS cost_usd
  FROM priced
)
SELECT day,
  CASE attribution {names} END AS application,
  CASE attribution {features} END AS feature,
  count(*) AS requests,
  sum(i) AS input_tokens, sum(o) AS output_tokens,
  sum(cr) AS cache_read_tokens, sum(cw) AS cache_write_tokens,
  sum(cost_usd) AS cost_usd,
  sum(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END) AS unpriced_requests
FROM costed
GROUP BY day, attribution
ORDER BY day, application, feature"""
    )
