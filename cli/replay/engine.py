"""CloudWatch alarm evaluation, offline and pure: per-minute metric series in, alarm states out.

Semantics reproduced (docs/replay.md lists them with their sources):

* Sliding evaluation window (CloudWatch's default): the alarm is evaluated at the end of every minute (40 s
  after it); datapoint k aggregates the P-second window ending k*P seconds before the evaluation time.
* Lateness: each datapoint is computed from what had landed by the evaluation (the store's visibility
  classes): the newest minutes of a window are partly visible, and a minute with no visible sample is a
  missing datapoint, not a zero.
* Statistics over a window of per-minute samples: Sum, SampleCount, Average (= Sum / SampleCount); Minimum
  and Maximum over final values. A window with no sample is a missing datapoint.
* Metric math, the subset the alarm definitions use: + - * /, unary minus, numbers, query ids,
  ``SUM([...])``, ``FILL(x, value)``, ``IF(cond, a, b)``, comparisons, ``MAX([...])``, ``MIN([...])``,
  ``ABS(x)``. A missing operand makes the result missing; division by zero yields no datapoint.
  ``ANOMALY_DETECTION_BAND`` is refused: CloudWatch's model is not public, so replay could not reproduce
  it, and no deployed alarm uses one.
* The evaluation range (CloudWatch User Guide, "How alarm state is evaluated when data is missing"): the
  N + 2 most recent datapoints are read; with at least N present, the N most recent present ones decide,
  whatever the missing-data policy; with fewer, missing ones are filled by the policy as few times as
  needed (breaching / notBreaching), or (missing, ignore) only present ones count, with the "premature
  alarm" rule for missing and the state kept for ignore; all missing: notBreaching OK, breaching ALARM,
  missing INSUFFICIENT_DATA, ignore keeps the state.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from core.alarm_model import AlarmDefinition, MetricStatQuery

OK = "OK"
ALARM = "ALARM"
INSUFFICIENT = "INSUFFICIENT_DATA"
NOT_BREACHING = "notBreaching"
BREACHING = "breaching"
IGNORE = "ignore"
MINUTE_MS = 60_000
# CloudWatch reads this many datapoints beyond EvaluationPeriods (its published example: N = 3, range 5).
EXTRA_DATAPOINTS = 2

Series = list[float | None]


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


# ---- windows ------------------------------------------------------------------------------------------

# Views of a datapoint by the age of its newest minute at the evaluation: 0, 1, 2 partly visible, 3 final.
VIEWS = 4
FINAL = VIEWS - 1


@dataclass(frozen=True)
class RawViews:
    """One metric query's per-minute sums and sample counts: final, and visible at ages 0..2."""

    sums: Sequence[float]
    counts: Sequence[float]
    visible_sums: Sequence[Sequence[float]] = ()  # [age][minute]; empty: every minute final at once
    visible_counts: Sequence[Sequence[float]] = ()


SeriesSource = Callable[[MetricStatQuery], RawViews]


def window_values(sums: Sequence[float], counts: Sequence[float], minutes: int, stat: str) -> Series:
    """Value of the window of ``minutes`` minutes ending at each minute (inclusive), final data."""
    return window_views(RawViews(sums, counts), minutes, stat)[FINAL]


def window_views(raw: RawViews, minutes: int, stat: str) -> list[Series]:
    """[view d] -> value of the window ending at each minute as seen d minutes after that minute (d = 3:
    final). Minute end - i of the window is seen at age d + i."""
    sums = np.asarray(raw.sums, dtype=float)
    counts = np.asarray(raw.counts, dtype=float)
    n = len(sums)
    if stat in ("Minimum", "Maximum"):
        pick = min if stat == "Minimum" else max
        out: Series = [None] * n
        for i in range(n):
            lo = max(0, i - minutes + 1)
            seen = [float(sums[j]) for j in range(lo, i + 1) if counts[j]]
            out[i] = pick(seen) if seen else None
        return [out] * VIEWS
    if stat not in ("Sum", "SampleCount", "Average"):
        raise ExpressionError(f"statistic {stat!r} is not supported by replay")

    def windowed(per_minute: np.ndarray) -> np.ndarray:
        prefix = np.concatenate([[0.0], np.cumsum(per_minute)])
        idx = np.arange(n)
        out: np.ndarray = prefix[idx + 1] - prefix[np.maximum(0, idx - minutes + 1)]
        return out

    final_sum, final_count = windowed(sums), windowed(counts)
    views: list[Series] = []
    for d in range(VIEWS):
        s_view, c_view = final_sum.copy(), final_count.copy()
        if d < FINAL and len(raw.visible_sums):
            for i in range(min(minutes, FINAL - d)):
                late_sum = sums - np.asarray(raw.visible_sums[d + i], dtype=float)
                late_count = counts - np.asarray(raw.visible_counts[d + i], dtype=float)
                s_view[i:] -= late_sum[: n - i] if i else late_sum
                c_view[i:] -= late_count[: n - i] if i else late_count
        present = c_view > 0.5
        if stat == "Sum":
            chosen = s_view
        elif stat == "SampleCount":
            chosen = c_view
        else:
            chosen = np.divide(s_view, c_view, out=np.zeros(n), where=present)
        flags = present.tolist()
        views.append([float(v) if ok else None for v, ok in zip(chosen.tolist(), flags, strict=True)])
    return views


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


# ---- alarms -------------------------------------------------------------------------------------------


@dataclass(slots=True)
class AlarmSeries:
    """The watched value per minute, by view: [d][minute] = the window ending at that minute as seen d
    minutes later (d = 3: final)."""

    views: list[Series]
    period_minutes: int

    @property
    def value(self) -> Series:
        return self.views[FINAL]


def alarm_series(alarm: AlarmDefinition, source: SeriesSource, n: int, start_ms: int) -> AlarmSeries:
    queries = {q.id: q for q in alarm.queries}
    period_minutes = max(1, alarm.period // 60)
    if alarm.threshold_metric_id is not None:
        raise ExpressionError(
            f"{alarm.name}: anomaly-detection bands are not reproducible offline (CloudWatch's model is not "
            "public)"
        )
    watched = [q for q in alarm.queries if q.return_data]
    if len(watched) != 1:
        raise ExpressionError(f"{alarm.name}: {len(watched)} queries return data, expected one")
    views: list[Series] = []
    raw_memo: dict[str, list[Series]] = {}

    class ViewResolver:
        """Resolves query ids for one view (expressions evaluated on that view's series)."""

        def __init__(self, view: int) -> None:
            self.view = view
            self.memo: dict[str, Series] = {}
            self.evaluator = MathEvaluator(n, self)

        def __call__(self, qid: str) -> Series:
            if qid in self.memo:
                return self.memo[qid]
            q = queries.get(qid)
            if q is None:
                raise ExpressionError(f"{alarm.name}: expression refers to unknown id {qid!r}")
            if isinstance(q, MetricStatQuery):
                if qid not in raw_memo:
                    raw_memo[qid] = window_views(source(q), max(1, q.period // 60), q.stat)
                self.memo[qid] = raw_memo[qid][self.view]
            else:
                self.memo[qid] = self.evaluator.evaluate(q.expression)
            return self.memo[qid]

    for view in range(VIEWS):
        views.append(ViewResolver(view)(watched[0].id))
    return AlarmSeries(views, period_minutes)


def _breaches(comparison: str, v: float, threshold: float | None) -> bool:
    if threshold is None:
        raise ExpressionError(f"comparison {comparison} needs a threshold")
    if comparison == "GreaterThanThreshold":
        return v > threshold
    if comparison == "GreaterThanOrEqualToThreshold":
        return v >= threshold
    if comparison == "LessThanThreshold":
        return v < threshold
    if comparison == "LessThanOrEqualToThreshold":
        return v <= threshold
    raise ExpressionError(f"comparison {comparison} is not supported")


def decide(datapoints: Sequence[bool | None], m: int, n: int, policy: str, state: str) -> str:
    """CloudWatch's decision over the evaluation range, newest datapoint first (True breaching, False not,
    None missing). The range holds N + 2 datapoints."""
    present = [d for d in datapoints if d is not None]
    if len(present) >= n:
        return ALARM if sum(present[:n]) >= m else OK
    if not present:
        if policy == NOT_BREACHING:
            return OK
        if policy == BREACHING:
            return ALARM
        return state if policy == IGNORE else INSUFFICIENT
    breaching = sum(present)
    if policy == BREACHING:
        return ALARM if breaching + (n - len(present)) >= m else OK
    if policy == NOT_BREACHING:
        return ALARM if breaching >= m else OK
    if breaching >= m:
        return ALARM
    # "Premature alarm" rule: every present datapoint breaches and the oldest breaching one among the last N
    # positions is at least M periods old: missing goes to ALARM, ignore keeps its state.
    recent = list(datapoints[:n])
    positions = [i for i, d in enumerate(recent) if d is True]
    old_enough = bool(positions) and max(positions) + 1 >= m
    if all(present) and old_enough:
        return ALARM if policy != IGNORE else state
    if policy == IGNORE and all(present):
        return state
    return OK


def evaluate_alarm(alarm: AlarmDefinition, series: AlarmSeries) -> tuple[list[str], list[Transition]]:
    """State at the end of every minute, and the state changes (the first evaluation is not a change)."""
    values = series.views
    n = len(values[FINAL])
    p = series.period_minutes
    m, big_n = alarm.datapoints_to_alarm, alarm.evaluation_periods
    range_n = big_n + EXTRA_DATAPOINTS
    states: list[str] = [INSUFFICIENT] * n
    transitions: list[Transition] = []
    state = INSUFFICIENT
    for i in range(n):
        datapoints: list[bool | None] = []
        for k in range(range_n):
            j = i - k * p
            if j < 0:
                datapoints.append(None)
                continue
            v = values[min(k * p, FINAL)][j]
            datapoints.append(None if v is None else _breaches(alarm.comparison, v, alarm.threshold))
        new = decide(datapoints, m, big_n, alarm.treat_missing_data, state)
        if new != state:
            transitions.append(Transition(alarm.name, i, new, values[0][i], alarm.threshold, alarm.feature))
            state = new
        states[i] = state
    return states, transitions
