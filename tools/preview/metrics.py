"""A metric widget's lines, computed by replay's engine from simulated traffic.

Every statistic is `cli.replay.engine.window_views` (the window of the query's period ending at each
minute), every metric-math expression `cli.replay.engine.MathEvaluator`. What the engine does not know is
resolved here before it sees the expression: a SEARCH becomes the ids of the metrics it finds (inside
`SUM(...)` an array of them, elsewhere one line per metric), `TIME_SERIES(x)` the number x, and an outer
`SORT(..., SUM|MAX|MIN|AVG, ASC|DESC, n)` orders and cuts the lines. A line holds one value per minute of
the previewed day as a dashboard shows it at the day's end: a datapoint k minutes old holds what had
landed by then (replay's lateness), older ones are final.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cli.replay.engine import FINAL, MathEvaluator, Series, window_views
from core.alarm_model import MetricStatQuery
from tools.preview.traffic import AccountTraffic, Dims

DAY_MINUTES = 1440
SEARCH = re.compile(
    r"SEARCH\('\{(?P<schema>[^}]*)\}(?P<terms>[^']*)',\s*'(?P<stat>[^']+)',\s*(?P<period>\d+)\)"
)
SUM_OF_SEARCH = re.compile(r"SUM\(\s*(" + SEARCH.pattern + r")\s*\)")
SORT = re.compile(
    r"^\s*SORT\((?P<inner>.*),\s*(?P<by>SUM|MAX|MIN|AVG),\s*(?P<order>ASC|DESC)(?:,\s*(?P<n>\d+))?\)\s*$"
)
TIME_SERIES = re.compile(r"TIME_SERIES\(\s*([-+0-9.eE]+)\s*\)")
PROP = re.compile(r"\$\{PROP\('Dim\.(\w+)'\)\}")
# The statistics replay reproduces; others (p90 of AWS/Bedrock latency) come from metrics not simulated.
ENGINE_STATS = ("Sum", "SampleCount", "Average", "Minimum", "Maximum")
Line = tuple[str, Series]


class PreviewError(ValueError):
    """A widget the preview cannot compute (a metric-math form no dashboard uses)."""


@dataclass(frozen=True)
class Found:
    """One metric a SEARCH found: its id in the rewritten expression and its dimensions."""

    id: str
    dims: Dims


def _aggregate(values: Series, by: str) -> float:
    present = [v for v in values if v is not None]
    if not present:
        return float("-inf")
    if by == "SUM":
        return sum(present)
    if by == "MAX":
        return max(present)
    if by == "MIN":
        return min(present)
    return sum(present) / len(present)


def _label(template: str, dims: Dims) -> str:
    """A SEARCH line's label: ${PROP('Dim.<name>')} replaced by the metric's dimension value."""
    return PROP.sub(lambda m: dims.get(m.group(1), "?"), template)


class WidgetMetrics:
    """Lines of one metric widget. `sources`: account id -> traffic (rows with `accountId` read that
    account's, others `default`)."""

    def __init__(
        self,
        properties: Mapping[str, Any],
        sources: Mapping[str, AccountTraffic],
        default: AccountTraffic | None,
    ) -> None:
        self.properties = properties
        self.sources, self.default = sources, default
        self.whole_range = bool(properties.get("setPeriodToTimeRange"))
        self.rows: dict[str, list[Any]] = {}
        for index, row in enumerate(properties["metrics"]):
            self.rows[self._options(row).get("id", f"row{index}")] = row
        self.memo: dict[str, Series] = {}
        self.found = 0  # metrics SEARCHes found so far: their ids

    # ---- one query ------------------------------------------------------------------------------------

    @staticmethod
    def _options(row: list[Any]) -> dict[str, Any]:
        return row[0] if isinstance(row[0], dict) else row[-1] if isinstance(row[-1], dict) else {}

    def _source(self, options: Mapping[str, Any]) -> AccountTraffic | None:
        account = options.get("accountId")
        return self.sources.get(account) if account else self.default

    def _period(self, period: int) -> int:
        return DAY_MINUTES * 60 if self.whole_range else period

    def metric(self, source: AccountTraffic | None, query: MetricStatQuery) -> Series:
        """The query's value at every minute of the previewed day (the last DAY_MINUTES of the source)."""
        if source is None or query.stat not in ENGINE_STATS:
            return [None] * DAY_MINUTES
        views = window_views(source.raw(query), max(1, query.period // 60), query.stat)
        last = source.minutes - 1
        return [views[min(last - i, FINAL)][i] for i in range(source.minutes - DAY_MINUTES, source.minutes)]

    def resolve(self, qid: str) -> Series:
        if qid in self.memo:
            return self.memo[qid]
        row = self.rows.get(qid)
        if row is None:
            raise PreviewError(f"metric math refers to unknown id {qid!r}")
        options = self._options(row)
        if "expression" in options:
            lines = self.expression(options["expression"], self._source(options))
            if len(lines) != 1:
                raise PreviewError(f"{qid} returns {len(lines)} series where one is expected")
            value = lines[0][1]
        else:
            namespace, name, *pairs = row[:-1] if row and isinstance(row[-1], dict) else row
            query = MetricStatQuery(
                id=qid,
                metric_name=name,
                dimensions=tuple(zip(pairs[::2], pairs[1::2], strict=True)),
                stat=options.get("stat", self.properties.get("stat", "Average")),
                period=self._period(options.get("period", self.properties.get("period", 300))),
                namespace=namespace,
            )
            value = self.metric(self._source(options), query)
        self.memo[qid] = value
        return value

    # ---- metric math ----------------------------------------------------------------------------------

    def _search(self, match: re.Match[str], source: AccountTraffic | None) -> list[tuple[Found, Series]]:
        namespace, *schema = [part.strip() for part in match["schema"].split(",")]
        terms = dict(re.findall(r'(\w+)="([^"]*)"', match["terms"]))
        name = terms.pop("MetricName")
        found = source.search(namespace, name, schema, terms) if source is not None else []
        out = []
        for dims in found:
            query = MetricStatQuery(
                id="search",
                metric_name=name,
                dimensions=tuple(dims.items()),
                stat=match["stat"],
                period=self._period(int(match["period"])),
                namespace=namespace,
            )
            series = self.metric(source, query)
            if any(v is not None for v in series):  # SEARCH finds only metrics with data
                self.found += 1
                out.append((Found(f"found{self.found}", dims), series))
        return out

    def expression(self, expression: str, source: AccountTraffic | None, label: str = "") -> list[Line]:
        """The lines an expression returns: one, or one per metric of a SEARCH outside SUM."""
        sort = SORT.match(expression)
        text = TIME_SERIES.sub(r"\1", sort["inner"] if sort else expression)
        names: dict[str, Series] = {}

        def summed(match: re.Match[str]) -> str:
            found = self._search(match, source)
            names.update((f.id, series) for f, series in found)
            return "SUM([" + ", ".join(f.id for f, _series in found) + "])"

        text = SUM_OF_SEARCH.sub(summed, text)
        searches = list(SEARCH.finditer(text))
        if len(searches) > 1:
            raise PreviewError(f"more than one SEARCH outside SUM in {expression!r}")

        def evaluate(text: str, extra: Mapping[str, Series]) -> Series:
            def lookup(qid: str) -> Series:
                return extra[qid] if qid in extra else self.resolve(qid)

            return MathEvaluator(DAY_MINUTES, lookup).evaluate(text)

        if not searches:
            return [(label, evaluate(text, names))]
        lines: list[Line] = []
        for found, series in self._search(searches[0], source):
            one = text[: searches[0].start()] + found.id + text[searches[0].end() :]
            shown = _label(label, found.dims)
            lines.append((shown or " ".join(found.dims.values()), evaluate(one, {**names, found.id: series})))
        if sort:
            lines.sort(key=lambda line: _aggregate(line[1], sort["by"]), reverse=sort["order"] == "DESC")
            lines = lines[: int(sort["n"])] if sort["n"] else lines
        return lines

    # ---- the widget -----------------------------------------------------------------------------------

    def lines(self) -> list[Line]:
        """Every visible line of the widget, in the order of its rows."""
        out: list[Line] = []
        for qid, row in self.rows.items():
            options = self._options(row)
            if not options.get("visible", True):
                continue
            if "expression" in options:
                found = self.expression(
                    options["expression"], self._source(options), options.get("label", "")
                )
                if len(found) == 1:
                    self.memo.setdefault(qid, found[0][1])
                out += found
            else:
                out.append((options.get("label") or qid, self.resolve(qid)))
        return out


def datapoints(series: Sequence[float | None], period: int) -> list[tuple[float, float]]:
    """(hours before the day's end, value) of each present datapoint at a period boundary."""
    step = max(1, period // 60)
    return [
        ((i + 1 - DAY_MINUTES) / 60, value)
        for i, value in enumerate(series)
        if (i + 1) % step == 0 and value is not None
    ]
