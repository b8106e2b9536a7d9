"""How often a detector test crosses its threshold on noise: measured against the rule's approximation.

The evidence rule (lambdas/detector/sequential.py, `evidence_threshold`) picks h so that a CUSUM fed noise
crosses it once in ARL_MINUTES, using Siegmund's corrected diffusion approximation
ARL ~ e^(h + 1.166 sqrt(2 K0)) / K0. This bench runs the traffic test (Poisson calls, designed for 2.5x) and
the model-mix test (Bernoulli premium calls, p0 = 1% or 5%) on pure noise, many chains in parallel, at a low
h (8 nats, so crossings are frequent enough to count), and prints the measured ARL against the uncorrected
(e^h / K0) and corrected approximations. A ratio measured / corrected >= 1 means the rule errs on the side of
fewer false pages. Increments are capped at h/2 per minute, as the detector does.

Run: `.venv/bin/python bench/arl.py` (about 5 minutes on one core). Figures: docs/alarms.md, "The tests".
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lambdas.detector import sequential as sq

CASES = (
    ("traffic", 0.3, 0.0),
    ("traffic", 1.0, 0.0),
    ("traffic", 3.0, 0.0),
    ("traffic", 10.0, 0.0),
    ("model_mix", 0.3, 0.01),
    ("model_mix", 3.0, 0.01),
    ("model_mix", 3.0, 0.05),
    ("model_mix", 10.0, 0.05),
)


def measure(family: str, rate: float, p0: float, h: float, chains: int, minutes: int, seed: int) -> float:
    """Minutes per crossing of h on noise (chains restart at 0 after a crossing)."""
    rng = np.random.default_rng(seed)
    if family == "traffic":
        up, down = sq.LN_RHO, -(sq.TRAFFIC_RHO - 1.0) * rate
    else:
        p1 = max(p0 + sq.MIX_SHIFT, 2.0 * p0)
        up, down = math.log(p1 / p0), math.log((1.0 - p1) / (1.0 - p0))
    s = np.zeros(chains)
    crossings = 0
    for _ in range(minutes):
        n = rng.poisson(rate, chains)
        if family == "traffic":
            inc = n * up + down
        else:
            k = rng.binomial(n, p0)
            inc = k * up + (n - k) * down
        s = np.maximum(0.0, s + np.minimum(inc, sq.CAP_SHARE * h))
        hit = s >= h
        crossings += int(hit.sum())
        s[hit] = 0.0
    return chains * minutes / max(crossings, 1)


def drift(family: str, rate: float, p0: float) -> float:
    if family == "traffic":
        return rate * (sq.TRAFFIC_RHO - 1.0 - sq.LN_RHO)
    p1 = max(p0 + sq.MIX_SHIFT, 2.0 * p0)
    return rate * (p0 * math.log(p0 / p1) + (1.0 - p0) * math.log((1.0 - p0) / (1.0 - p1)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evidence", type=float, default=8.0)
    parser.add_argument("--chains", type=int, default=10_000)
    parser.add_argument("--minutes", type=int, default=5_000)
    args = parser.parse_args(argv)
    h = args.evidence
    print("| test | calls/min | p0 | K0 | measured ARL (min) | e^h/K0 | corrected | measured / corrected |")
    print("|---|---|---|---|---|---|---|---|")
    for i, (family, rate, p0) in enumerate(CASES):
        k0 = drift(family, rate, p0)
        arl = measure(family, rate, p0, h, args.chains, args.minutes, seed=i + 1)
        plain = math.exp(h) / k0
        corrected = math.exp(h + sq.OVERSHOOT * math.sqrt(2.0 * k0)) / k0
        share = f"{p0:g}" if family == "model_mix" else "-"
        print(
            f"| {family} | {rate:g} | {share} | {k0:.2f} | {arl:,.0f} | "
            f"{plain:,.0f} | {corrected:,.0f} | "
            f"{arl / corrected:.1f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
