"""Synthetic minute sums for the detector's pure tests: a feature whose calls are Poisson around a daily
curve, with log-normal tokens, and a drift switched on at a chosen minute. Small and seeded."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from lambdas.detector.model import EMPTY, Minute

START = 28_998 * 1440  # epoch minute of a Monday 00:00 UTC (1970-01-01 was a Thursday)


def poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def minutes(
    days: float,
    rate: float,
    seed: int = 1,
    drift: str | None = None,
    drift_at: int | None = None,
    throttle_rate: float = 0.0,
    premium_share: float = 0.0,
) -> list[Minute]:
    """Per minute from START: calls at `rate` per minute (x a mild daily curve), 2,000 input and 500 output
    tokens per call (log-normal, sigma 0.4), $0.003 a call."""
    rng = random.Random(seed)
    out = []
    for m in range(int(days * 1440)):
        curve = 0.5 + 0.5 * math.sin(math.pi * ((m % 1440) / 1440))
        active = drift is not None and drift_at is not None and m >= drift_at
        lam = rate * curve * (3 if active and drift == "growth" else 1)
        n = poisson(rng, lam)
        i = o = cost = 0.0
        premium = failed = throttled = 0.0
        for _ in range(n):
            ti = rng.lognormvariate(math.log(2000), 0.4)
            to = rng.lognormvariate(math.log(500), 0.4) * (2 if active and drift == "prompt_change" else 1)
            i, o = i + ti, o + to
            routed = rng.random() < (0.3 if active and drift == "routing" else premium_share)
            premium += routed
            cost += (ti + 5 * to) / 1e6 * (5 if routed else 1)
            if rng.random() < throttle_rate:
                failed += 1
                throttled += 1
            if active and drift == "retry_storm":
                while rng.random() < 0.5:
                    failed += 1
                    throttled += 1
        out.append(Minute(n + failed, failed, throttled, i, o, cost, premium))
    return out


@dataclass
class ListView:
    """FeatureView over a list of final minute sums, every minute landed at once (or a share of the newest
    ones visible, when `visible` is set)."""

    data: list[Minute]
    now: int = 0
    visible: tuple[float, ...] = field(default=())

    def minute(self, epoch_minute: int) -> Minute:
        i = epoch_minute - START
        age = self.now - epoch_minute
        if i < 0 or i >= len(self.data) or age < 0:
            return EMPTY
        x = self.data[i]
        if age < len(self.visible):
            share = self.visible[age]
            return Minute(
                *(
                    v * share
                    for v in (
                        x.calls,
                        x.failed,
                        x.throttled,
                        x.input_tokens,
                        x.output_tokens,
                        x.cost,
                        x.premium,
                    )
                )
            )
        return x

    def totals(self, first: int, last: int) -> Minute:
        out = EMPTY
        for m in range(first, last + 1):
            out = out + self.minute(m)
        return out
