"""CloudWatch alarm evaluation, offline and pure: per-minute metric series in, alarm state changes out.

Semantics reproduced (see docs/replay.md for the list of approximations):

* Sliding evaluation window (CloudWatch's default): the alarm is evaluated at the end of every minute;
  datapoint k (k = 0..N-1) aggregates the P-second window ending k*P seconds before the evaluation time.
* Statistics over a window of per-minute samples: Sum, SampleCount, Average (= Sum / SampleCount),
  Minimum and Maximum of the per-minute values. A window with no sample is a missing datapoint.
* Metric math, the subset the alarm definitions use: + - * /, unary minus, numbers, query ids,
  ``SUM([...])``, ``FILL(x, value)``, ``IF(cond, a, b)``, comparisons, ``MAX([...])``, ``MIN([...])``,
  ``ABS(x)``. A missing operand makes the result missing; division by zero yields no datapoint.
* ``ANOMALY_DETECTION_BAND(x, k)``: approximated, see ``anomaly_band``.
* M out of N with ``TreatMissingData``: notBreaching (missing counts as good), breaching (as bad),
  ignore (only present datapoints count; all missing keeps the state), missing (all missing is
  INSUFFICIENT_DATA).
* Composite alarms: ``ALARM(name)``, ``OK(name)``, ``INSUFFICIENT_DATA(name)``, ``TRUE``, ``FALSE``,
  ``AND``, ``OR``, ``NOT`` and parentheses, evaluated after their children every minute.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate

from core.alarm_model import AlarmDefinition, CompositeAlarmDefinition, ExpressionQuery, MetricStatQuery

OK = "OK"
ALARM = "ALARM"
INSUFFICIENT = "INSUFFICIENT_DATA"
NOT_BREACHING = "notBreaching"
BREACHING = "breaching"
IGNORE = "ignore"
MINUTE_MS = 60_000

Series = list[float | None]
# (sums, sample counts) per minute of the timeline, for one metric query (metric name + dimensions).
RawSeries = tuple[Sequence[float], Sequence[int]]
SeriesSource = Callable[[MetricStatQuery], RawSeries]

# Anomaly band approximation parameters (documented in docs/replay.md).
BAND_HISTORY_DAYS = 14
BAND_MIN_SAMPLES = 60
BAND_HOURS_AROUND = 1  # pool the same hour of day and the hour either side
BAND_MIN_RELATIVE_STD = 0.01


class ExpressionError(ValueError):
    """A metric math expression outside the supported subset."""


@dataclass(frozen=True, slots=True)
class Transition:
    alarm: str
    minute: int  # index into the timeline: the alarm changed state at the end of this minute
    state: str
    value: float | None  # the watched value's most recent datapoint
    threshold: float | None  # the threshold (or the band's upper bound) it was compared with
    feature: str | None = None
    composite: bool = False


# ---- windows ------------------------------------------------------------------------------------------


def window_values(sums: Sequence[float], counts: Sequence[int], minutes: int, stat: str) -> Series:
    """Value of the window of ``minutes`` minutes ending at each minute (inclusive)."""
    n = len(sums)
    out: Series = [None] * n
    if stat in ("Minimum", "Maximum"):
        pick = min if stat == "Minimum" else max
        for i in range(n):
            lo = max(0, i - minutes + 1)
            present = [sums[j] for j in range(lo, i + 1) if counts[j]]
            out[i] = pick(present) if present else None
        return out
    if stat not in ("Sum", "SampleCount", "Average"):
        raise ExpressionError(f"statistic {stat!r} is not supported by replay")
    # Prefix sums, then one difference per minute (window start clamped at the timeline's start).
    ps = list(accumulate(sums, initial=0.0))
    pc = list(accumulate(counts, initial=0))
    starts = [0] * min(minutes, n) + list(range(1, n - minutes + 1))
    in_window = [pc[i + 1] - pc[j] for i, j in enumerate(starts)]
    if stat == "SampleCount":
        return [float(k) if k else None for k in in_window]
    total = [ps[i + 1] - ps[j] for i, j in enumerate(starts)]
    if stat == "Sum":
        return [v if k else None for v, k in zip(total, in_window, strict=True)]
    return [v / k if k else None for v, k in zip(total, in_window, strict=True)]


# ---- metric math --------------------------------------------------------------------------------------

# A tuple is an array of series (``[a, b]`` in metric math); a list is one series.
Value = Series | float | tuple[Series | float, ...]


def _divide(a: float, b: float) -> float | None:
    return None if b == 0 else a / b


_BINARY: dict[type[ast.operator], Callable[[float, float], float | None]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: _divide,
    ast.Pow: lambda a, b: float(a**b),
}
_COMPARE: dict[type[ast.cmpop], Callable[[float, float], float]] = {
    ast.Gt: lambda x, y: 1.0 if x > y else 0.0,
    ast.GtE: lambda x, y: 1.0 if x >= y else 0.0,
    ast.Lt: lambda x, y: 1.0 if x < y else 0.0,
    ast.LtE: lambda x, y: 1.0 if x <= y else 0.0,
    ast.Eq: lambda x, y: 1.0 if x == y else 0.0,
    ast.NotEq: lambda x, y: 1.0 if x != y else 0.0,
}


def _binary(op: ast.operator) -> Callable[[float, float], float | None]:
    fn = _BINARY.get(type(op))
    if fn is None:
        raise ExpressionError(f"operator {type(op).__name__} is not supported")
    return fn


def _compare(op: ast.cmpop) -> Callable[[float, float], float]:
    fn = _COMPARE.get(type(op))
    if fn is None:
        raise ExpressionError(f"comparison {type(op).__name__} is not supported")
    return fn


def _at(value: Series | float, i: int) -> float | None:
    return value if isinstance(value, float) else value[i]


class MathEvaluator:
    """Evaluates the expressions of one alarm over whole series (one value per timeline minute)."""

    def __init__(self, n: int, resolve: Callable[[str], Series]) -> None:
        self.n = n
        self.resolve = resolve

    def evaluate(self, expression: str) -> Series:
        expr = re.sub(r"\bAND\b", " and ", re.sub(r"\bOR\b", " or ", expression))
        try:
            tree = ast.parse(expr, mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"cannot parse metric math {expression!r}: {exc}") from exc
        value = self._node(tree.body)
        if isinstance(value, tuple):
            raise ExpressionError(f"{expression!r} returns several series")
        if isinstance(value, float):
            return [value] * self.n
        return value

    def _series(self, node: ast.expr) -> Series | float:
        value = self._node(node)
        if isinstance(value, tuple):
            raise ExpressionError("an array of series is only allowed inside SUM/MAX/MIN")
        return value

    def _map2(
        self, a: Series | float, b: Series | float, fn: Callable[[float, float], float | None]
    ) -> Series | float:
        """fn element-wise; a missing operand (None) gives a missing result. One comprehension per case:
        this runs once per minute of the timeline for every operator of every alarm."""
        if isinstance(a, float):
            if isinstance(b, float):
                r = fn(a, b)
                return math.nan if r is None else r
            return [None if y is None else fn(a, y) for y in b]
        if isinstance(b, float):
            return [None if x is None else fn(x, b) for x in a]
        return [None if x is None or y is None else fn(x, y) for x, y in zip(a, b, strict=True)]

    def _node(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name):
            return self.resolve(node.id)
        if isinstance(node, ast.BinOp):
            return self._map2(self._series(node.left), self._series(node.right), _binary(node.op))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return self._map2(self._series(node.operand), -1.0, lambda x, y: x * y)
        if isinstance(node, ast.Compare) and len(node.ops) == 1:
            return self._map2(
                self._series(node.left), self._series(node.comparators[0]), _compare(node.ops[0])
            )
        if isinstance(node, ast.BoolOp):
            values = [self._series(v) for v in node.values]
            is_and = isinstance(node.op, ast.And)
            acc = values[0]
            for v in values[1:]:
                acc = self._map2(
                    acc,
                    v,
                    (lambda x, y: float(bool(x) and bool(y)))
                    if is_and
                    else (lambda x, y: float(bool(x) or bool(y))),
                )
            return acc
        if isinstance(node, ast.List):
            return tuple(self._series(e) for e in node.elts)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return self._call(node.func.id.upper(), node.args)
        raise ExpressionError(f"metric math form {ast.dump(node)[:80]} is not supported by replay")

    def _call(self, name: str, args: list[ast.expr]) -> Value:
        if name in ("SUM", "MAX", "MIN", "AVG"):
            series: list[Series | float] = []
            if len(args) == 1 and isinstance(args[0], ast.List):
                series = [self._series(e) for e in args[0].elts]
            else:
                series = [self._series(a) for a in args]
            out: Series = [None] * self.n
            columns = [s if isinstance(s, list) else [s] * self.n for s in series]
            for i, values in enumerate(zip(*columns, strict=True)):
                present = [v for v in values if v is not None]
                if present:
                    if name == "SUM":
                        out[i] = sum(present)
                    elif name == "MAX":
                        out[i] = max(present)
                    elif name == "MIN":
                        out[i] = min(present)
                    else:
                        out[i] = sum(present) / len(present)
            return out
        if name == "FILL":
            base = self._series(args[0])
            fill = self._series(args[1])
            if isinstance(base, float):
                return base
            if isinstance(fill, float):
                return [fill if v is None else v for v in base]
            return [f if v is None else v for v, f in zip(base, fill, strict=True)]
        if name == "ABS":
            return self._map2(self._series(args[0]), 0.0, lambda x, _y: abs(x))
        if name == "IF":
            cond = self._series(args[0])
            yes = self._series(args[1])
            no = self._series(args[2]) if len(args) > 2 else None
            out = [None] * self.n
            for i in range(self.n):
                c = _at(cond, i)
                if c is None:
                    continue
                out[i] = _at(yes, i) if c else (_at(no, i) if no is not None else None)
            return out
        raise ExpressionError(f"metric math function {name} is not supported by replay")


# ---- anomaly band -------------------------------------------------------------------------------------


def anomaly_band(values: Series, width: float, start_ms: int, period_minutes: int) -> tuple[Series, Series]:
    """Approximate ``ANOMALY_DETECTION_BAND(x, width)``: (lower, upper) per minute.

    CloudWatch's model is proprietary (trained on up to two weeks, with daily and weekly seasonality).
    Replay approximates it honestly: the band at minute t is mean ± width x stddev of the datapoints that
    the same series had within one hour of the same hour of day on each of the previous 1 to 14 days (every
    minute's sliding-window value), with the stddev floored at 1% of the mean. Until there are
    ``BAND_MIN_SAMPLES`` such datapoints (the first day) there is no band, as CloudWatch has none while its
    model trains: the alarm sees missing data.
    """
    n = len(values)
    base_hour = start_ms // 3_600_000
    stats: dict[int, list[float]] = {}  # absolute hour -> [count, sum, sum of squares]
    for i, v in enumerate(values):
        if v is None:
            continue
        hour = base_hour + (start_ms % 3_600_000 + i * MINUTE_MS) // 3_600_000
        acc = stats.setdefault(hour, [0.0, 0.0, 0.0])
        acc[0] += 1
        acc[1] += v
        acc[2] += v * v
    lower: Series = [None] * n
    upper: Series = [None] * n
    cache: dict[int, tuple[float, float] | None] = {}
    missing = object()
    for i in range(n):
        hour = base_hour + (start_ms % 3_600_000 + i * MINUTE_MS) // 3_600_000
        hit = cache.get(hour, missing)
        band: tuple[float, float] | None
        if hit is missing:
            c = s = q = 0.0
            for d in range(1, BAND_HISTORY_DAYS + 1):
                for near in range(-BAND_HOURS_AROUND, BAND_HOURS_AROUND + 1):
                    got = stats.get(hour - 24 * d + near)
                    if got is not None:
                        c += got[0]
                        s += got[1]
                        q += got[2]
            if c < BAND_MIN_SAMPLES:
                band = None
            else:
                mean = s / c
                std = math.sqrt(max(q / c - mean * mean, 0.0))
                std = max(std, abs(mean) * BAND_MIN_RELATIVE_STD)
                band = (mean - width * std, mean + width * std)
            cache[hour] = band
        else:
            band = hit  # type: ignore[assignment]
        if band is not None:
            lower[i], upper[i] = band
    return lower, upper


# ---- alarms -------------------------------------------------------------------------------------------

_BAND_RE = re.compile(r"^\s*ANOMALY_DETECTION_BAND\(\s*(\w+)\s*(?:,\s*([0-9.]+)\s*)?\)\s*$", re.I)


@dataclass(slots=True)
class AlarmSeries:
    """The watched value and the threshold(s) per minute, windows ending at that minute."""

    value: Series
    lower: Series | None
    upper: Series | None
    period_minutes: int


def alarm_series(alarm: AlarmDefinition, source: SeriesSource, n: int, start_ms: int) -> AlarmSeries:
    queries = {q.id: q for q in alarm.queries}
    period_minutes = max(1, alarm.period // 60)
    memo: dict[str, Series] = {}
    evaluator: MathEvaluator

    def resolve(qid: str) -> Series:
        if qid in memo:
            return memo[qid]
        q = queries.get(qid)
        if q is None:
            raise ExpressionError(f"{alarm.name}: expression refers to unknown id {qid!r}")
        if isinstance(q, MetricStatQuery):
            sums, counts = source(q)
            memo[qid] = window_values(sums, counts, max(1, q.period // 60), q.stat)
        else:
            memo[qid] = evaluator.evaluate(q.expression)
        return memo[qid]

    evaluator = MathEvaluator(n, resolve)
    lower = upper = None
    band_id = alarm.threshold_metric_id
    if band_id is not None:
        band = queries[band_id]
        match = _BAND_RE.match(band.expression) if isinstance(band, ExpressionQuery) else None
        if match is None:
            raise ExpressionError(f"{alarm.name}: threshold metric {band.id!r} is not an anomaly band")
        width = float(match.group(2) or 2)
        lower, upper = anomaly_band(resolve(match.group(1)), width, start_ms, period_minutes)
    watched = [q for q in alarm.queries if q.return_data and q.id != band_id]
    if len(watched) != 1:
        raise ExpressionError(f"{alarm.name}: {len(watched)} queries return data, expected one (+ band)")
    return AlarmSeries(resolve(watched[0].id), lower, upper, period_minutes)


def _breaches(
    comparison: str, v: float, threshold: float | None, lo: float | None, hi: float | None
) -> bool | None:
    if comparison == "GreaterThanThreshold":
        return None if threshold is None else v > threshold
    if comparison == "GreaterThanOrEqualToThreshold":
        return None if threshold is None else v >= threshold
    if comparison == "LessThanThreshold":
        return None if threshold is None else v < threshold
    if comparison == "LessThanOrEqualToThreshold":
        return None if threshold is None else v <= threshold
    if comparison == "GreaterThanUpperThreshold":
        return None if hi is None else v > hi
    if comparison == "LessThanLowerThreshold":
        return None if lo is None else v < lo
    if comparison == "LessThanLowerOrGreaterThanUpperThreshold":
        return None if lo is None or hi is None else (v < lo or v > hi)
    raise ExpressionError(f"comparison {comparison} is not supported")


def evaluate_alarm(alarm: AlarmDefinition, series: AlarmSeries) -> tuple[list[str], list[Transition]]:
    """State at the end of every minute, and the state changes (the first evaluation is not a change)."""
    n = len(series.value)
    p = series.period_minutes
    m, big_n = alarm.datapoints_to_alarm, alarm.evaluation_periods
    states: list[str] = [INSUFFICIENT] * n
    transitions: list[Transition] = []
    state = INSUFFICIENT
    # Whether each datapoint breaches (None: missing), computed once: each is in N evaluation windows.
    lower, upper = series.lower, series.upper
    breach: list[bool | None] = [
        None
        if v is None
        else _breaches(
            alarm.comparison,
            v,
            alarm.threshold,
            lower[j] if lower is not None else None,
            upper[j] if upper is not None else None,
        )
        for j, v in enumerate(series.value)
    ]
    for i in range(n):
        breaching = present = missing = 0
        for k in range(big_n):
            j = i - k * p
            b = breach[j] if j >= 0 else None
            if b is None:
                missing += 1
            else:
                present += 1
                breaching += b
        policy = alarm.treat_missing_data
        if present == 0:
            if policy == NOT_BREACHING:
                new = OK
            elif policy == BREACHING:
                new = ALARM
            elif policy == IGNORE:
                new = state
            else:
                new = INSUFFICIENT
        else:
            if policy == BREACHING:
                breaching += missing
            new = ALARM if breaching >= m else OK
        if new != state:
            j = i
            hi = series.upper[j] if series.upper is not None else None
            transitions.append(
                Transition(
                    alarm.name, i, new, series.value[j], alarm.threshold if hi is None else hi, alarm.feature
                )
            )
            state = new
        states[i] = state
    return states, transitions


# ---- composites ---------------------------------------------------------------------------------------

_RULE_TOKEN = re.compile(
    r'\s*(?:(ALARM|OK|INSUFFICIENT_DATA)\(\s*"?([^")]+?)"?\s*\)|(AND|OR|NOT|TRUE|FALSE)|(\(|\)))'
)


def compile_rule(rule: str) -> Callable[[Mapping[str, str]], bool]:
    """A composite AlarmRule as a predicate over {alarm name: state}."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(rule):
        if rule[pos:].strip() == "":
            break
        m = _RULE_TOKEN.match(rule, pos)
        if m is None:
            raise ExpressionError(f"cannot parse alarm rule at {rule[pos : pos + 30]!r}")
        if m.group(1):
            tokens.append((m.group(1), m.group(2)))
        elif m.group(3):
            tokens.append((m.group(3), ""))
        else:
            tokens.append((m.group(4), ""))
        pos = m.end()

    def parse_or(i: int) -> tuple[Callable[[Mapping[str, str]], bool], int]:
        left, i = parse_and(i)
        while i < len(tokens) and tokens[i][0] == "OR":
            right, i = parse_and(i + 1)
            left = (lambda a, b: lambda s: a(s) or b(s))(left, right)
        return left, i

    def parse_and(i: int) -> tuple[Callable[[Mapping[str, str]], bool], int]:
        left, i = parse_not(i)
        while i < len(tokens) and tokens[i][0] == "AND":
            right, i = parse_not(i + 1)
            left = (lambda a, b: lambda s: a(s) and b(s))(left, right)
        return left, i

    def parse_not(i: int) -> tuple[Callable[[Mapping[str, str]], bool], int]:
        if i >= len(tokens):
            raise ExpressionError(f"alarm rule ends early: {rule!r}")
        kind, arg = tokens[i]
        if kind == "NOT":
            inner, i = parse_not(i + 1)
            return (lambda a: lambda s: not a(s))(inner), i
        if kind == "(":
            inner, i = parse_or(i + 1)
            if i >= len(tokens) or tokens[i][0] != ")":
                raise ExpressionError(f"unbalanced parentheses in {rule!r}")
            return inner, i + 1
        if kind in ("TRUE", "FALSE"):
            value = kind == "TRUE"
            return (lambda s: value), i + 1
        if kind in (ALARM, OK, INSUFFICIENT):
            return (lambda k, name: lambda s: s.get(name, INSUFFICIENT) == k)(kind, arg), i + 1
        raise ExpressionError(f"unexpected {kind!r} in alarm rule {rule!r}")

    predicate, end = parse_or(0)
    if end != len(tokens):
        raise ExpressionError(f"trailing tokens in alarm rule {rule!r}")
    return predicate


def evaluate_composites(
    composites: Sequence[CompositeAlarmDefinition], states: Mapping[str, list[str]], n: int
) -> list[Transition]:
    transitions: list[Transition] = []
    for composite in composites:
        predicate = compile_rule(composite.rule)
        names = set(re.findall(r'\(\s*"?([^")]+?)"?\s*\)', composite.rule))
        state = INSUFFICIENT
        for i in range(n):
            view = {name: states[name][i] for name in names if name in states}
            new = ALARM if predicate(view) else OK
            if new != state:
                transitions.append(Transition(composite.name, i, new, None, None, composite.feature, True))
                state = new
    return transitions
