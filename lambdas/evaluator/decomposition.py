"""Why cost changed: an exact log-mean Divisia (LMDI-I) decomposition of a feature's cost change between two
windows into traffic, retries, model mix, input tokens per request, output tokens per request and price.

Cost is written, per model m and token kind j (input side: input + cache tokens; output side), as

    C[m,j] = S * (B / S) * (B[m] / B) * (W[m,j] / B[m]) * (C[m] / W[m])
           = traffic * retries * mix * tokens-per-request * price

S = successful invocations (Invocations - FailedInvocations), B = billed attempts (Invocations -
ThrottledInvocations: throttled calls are not billed, other failed attempts that consumed tokens are the
replays retries cost), W = price-weighted tokens (input + cache at their rate ratios to input; output at the
model's output/input ratio from the price catalog) and C[m,j] = C[m] * W[m,j] / W[m]. The product is an
identity, so LMDI-I gives each factor k the part

    dC_k = sum over (m,j) of L(C1[m,j], C0[m,j]) * ln(x1_k / x0_k),   L(a, b) = (a - b) / (ln a - ln b)

and the parts add up to C1 - C0 exactly (Ang 2004). A component present in only one window (a model newly
used or dropped, a token kind appearing) has its whole value assigned to the factor that is zero in the other
window (model mix, or that token kind): the analytical limit of LMDI as the zero tends to 0 (Ang & Liu 2007).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields

FACTORS = ("traffic", "retries", "model_mix", "input_tokens", "output_tokens", "price")
FACTOR_LABELS = {
    "traffic": "traffic",
    "retries": "retries",
    "model_mix": "model mix",
    "input_tokens": "input tokens per request",
    "output_tokens": "output tokens per request",
    "price": "price",
}
_TINY = 1e-12
# Component costs below a nano-dollar are treated as absent (no log of a subnormal number).
_NEGLIGIBLE_USD = 1e-9


@dataclass(frozen=True)
class Usage:
    """Sums of the metering metrics over one window, for one model (or a whole feature)."""

    invocations: float = 0.0
    failed: float = 0.0
    throttled: float = 0.0
    input_tokens: float = 0.0
    output_tokens: float = 0.0
    cache_read_tokens: float = 0.0
    cache_write_tokens: float = 0.0
    cost: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(Usage)})

    @property
    def successful(self) -> float:
        return max(0.0, self.invocations - self.failed)

    @property
    def billed(self) -> float:
        return max(0.0, self.invocations - self.throttled)


@dataclass(frozen=True)
class Weights:
    """Token prices relative to the model's input price (from the price catalog)."""

    output: float = 5.0
    cache_read: float = 0.1
    cache_write: float = 1.25


def weighted_tokens(usage: Usage, w: Weights) -> tuple[float, float]:
    """(input side, output side) price-weighted tokens."""
    return (
        usage.input_tokens
        + w.cache_read * usage.cache_read_tokens
        + w.cache_write * usage.cache_write_tokens,
        w.output * usage.output_tokens,
    )


def log_mean(a: float, b: float) -> float:
    if a <= 0 or b <= 0:
        return 0.0
    if math.isclose(a, b, rel_tol=1e-12):
        return a
    return (a - b) / (math.log(a) - math.log(b))


@dataclass(frozen=True)
class Decomposition:
    before: float
    after: float
    contributions: dict[str, float] = field(default_factory=dict)

    @property
    def change(self) -> float:
        return self.after - self.before

    def ranked(self) -> list[tuple[str, float]]:
        """Factors by the size of their contribution, largest first."""
        return sorted(self.contributions.items(), key=lambda kv: (-abs(kv[1]), FACTORS.index(kv[0])))

    def index(self, factor: str) -> float:
        """The factor's multiplicative effect (multiplicative LMDI): the indices of all factors multiply to
        after / before."""
        total = log_mean(self.after, self.before)
        if total <= 0:
            return 1.0
        return math.exp(self.contributions[factor] / total)


def _log_factors(
    total_s: float, total_b: float, model: Usage, part_w: float, model_w: float
) -> dict[str, float]:
    """Natural logs of the five factors (computed as differences of logs: no underflow, and they add up to
    ln(component cost) exactly by construction)."""
    ln_s = math.log(max(total_s, _TINY))
    ln_b = math.log(max(total_b, _TINY))
    ln_bm = math.log(max(model.billed, _TINY))
    ln_part = math.log(max(part_w, _TINY))
    return {
        "traffic": ln_s,
        "retries": ln_b - ln_s,
        "model_mix": ln_bm - ln_b,
        "tokens": ln_part - ln_bm,
        "price": math.log(model.cost) - math.log(max(model_w, _TINY)),
    }


def decompose(
    before: Mapping[str, Usage],
    after: Mapping[str, Usage],
    weights: Callable[[str], Weights] = lambda _model: Weights(),
) -> Decomposition:
    """Split sum(after.cost) - sum(before.cost) into FACTORS, exactly."""
    total0 = sum(before.values(), Usage())
    total1 = sum(after.values(), Usage())
    parts = dict.fromkeys(FACTORS, 0.0)
    if total0.cost <= _NEGLIGIBLE_USD or total1.cost <= _NEGLIGIBLE_USD:
        # The feature had no spend in one window (new, or stopped): no mix or per-request change can be
        # measured against nothing, so the whole change is traffic (the limit of LMDI as one window -> 0).
        parts["traffic"] = total1.cost - total0.cost
        return Decomposition(before=total0.cost, after=total1.cost, contributions=parts)
    for model in sorted(set(before) | set(after)):
        u0, u1 = before.get(model, Usage()), after.get(model, Usage())
        w = weights(model)
        sides0, sides1 = weighted_tokens(u0, w), weighted_tokens(u1, w)
        w0, w1 = sum(sides0), sum(sides1)
        for side, kind in ((0, "input_tokens"), (1, "output_tokens")):
            # Component cost: the model's cost split by its price-weighted tokens (all on the input side
            # when a priced model reports no tokens at all).
            c0 = u0.cost * sides0[side] / w0 if w0 > 0 else (u0.cost if side == 0 else 0.0)
            c1 = u1.cost * sides1[side] / w1 if w1 > 0 else (u1.cost if side == 0 else 0.0)
            if c0 <= _NEGLIGIBLE_USD and c1 <= _NEGLIGIBLE_USD:
                parts[kind] += c1 - c0
                continue
            if c0 <= _NEGLIGIBLE_USD or c1 <= _NEGLIGIBLE_USD:
                absent = u0 if c0 <= _NEGLIGIBLE_USD else u1
                target = "model_mix" if absent.cost <= _NEGLIGIBLE_USD or absent.billed <= 0 else kind
                parts[target] += c1 - c0
                continue
            # Input side of a model without tokens carries the whole cost: weight its part like the total.
            p0 = sides0[side] if w0 > 0 else 1.0
            p1 = sides1[side] if w1 > 0 else 1.0
            x0 = _log_factors(total0.successful, total0.billed, u0, p0, w0 if w0 > 0 else 1.0)
            x1 = _log_factors(total1.successful, total1.billed, u1, p1, w1 if w1 > 0 else 1.0)
            weight = log_mean(c1, c0)
            for name in ("traffic", "retries", "model_mix", "price"):
                parts[name] += weight * (x1[name] - x0[name])
            parts[kind] += weight * (x1["tokens"] - x0["tokens"])
    return Decomposition(before=total0.cost, after=total1.cost, contributions=parts)
