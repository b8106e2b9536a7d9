"""Realistic Bedrock traffic for a config's features, with drifts injected at known minutes.

The simulator does not know the answer: each feature's volume (calls per minute, averaged over a weekday)
is its own parameter, never derived from the limits the alarms test, and its shape (how real products
call Bedrock) comes from `SHAPES`:

* a daily curve (quiet at night, a peak hour), weekends at a fraction of weekdays, slow organic growth;
* sessions: calls arrive in clusters (a user's conversation, an agent's loop of 5 to 20 calls) spread over
  a few minutes, with a per-session context size;
* heavy-tailed token counts (log-normal, per-shape spread);
* a nightly batch job for some features;
* a router that sends a few percent of calls to a premium model;
* normal throttling (1 to 2% of calls), in bursts of a few minutes, each throttled attempt retried.

Models: the feature's `inference_profile.copy_from` when it has one, else the shape's.

The four drifts of the product brief are record transforms (`inject`), so `genai-guardrails tune` applies
the very same ones to a user's own records:

* prompt_change: output tokens per request x2;
* routing: 30% of the feature's calls move to a premium model (config ``pricing.premium_models``);
* retry_storm: half the attempts throttled (``ThrottlingException``, no tokens) and retried, half the calls
  replayed after a timeout that had already consumed the whole prompt (``ModelTimeoutException``);
* growth: 3x the feature's traffic (two more calls like each one, at nearby times).

Deterministic for a seed. Output: real ``ModelInvocationLog`` JSON Lines (bodies off, as the stack
configures logging), plus a sidecar JSON with the injected drifts and their start minutes.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

DEFAULT_START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
DRIFT_MINUTES = 180
HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET4 = "us.anthropic.claude-sonnet-4-20250514-v1:0"
NOVA_PRO = "amazon.nova-pro-v1:0"
NOVA_LITE = "amazon.nova-lite-v1:0"
TITAN_EMBED = "amazon.titan-embed-text-v2:0"
DEFAULT_PREMIUM = "us.anthropic.claude-opus-4-5-20251101-v1:0"
DRIFT_KINDS = ("prompt_change", "routing", "retry_storm", "growth")
ROUTING_SHARE = 0.3
GROWTH_FACTOR = 3
GROWTH_SPREAD_S = 30  # growth copies land within 30 s either side of the call they copy
MAX_SESSION = 20
# Normal throttling: half of it scattered over calls, half in bursts. Bedrock's quotas are per minute
# (requests and tokens per minute), so a burst is the rest of a minute past the quota, sometimes the next one
# too: 1 minute, each further minute with probability THROTTLE_BURST_CONTINUE.
THROTTLE_BURST_SHARE = 0.3  # share of calls throttled during a throttling burst
THROTTLE_BURST_CONTINUE = 0.3
THROTTLE_BURST_MINUTES = 1.0 / (1.0 - THROTTLE_BURST_CONTINUE)  # mean length of a burst
BATCH_MINUTES = 40


@dataclass(frozen=True)
class Shape:
    """How one feature calls Bedrock."""

    name: str
    models: tuple[tuple[str, float], ...]  # (modelId as logged, share of calls)
    input_median: float
    output_median: float
    input_sigma: float = 0.45
    output_sigma: float = 0.45
    operation: str = "Converse"
    cache_read_median: float = 0.0
    session_mean: float = 1.0  # calls per session (1: independent calls)
    session_min: int = 1
    session_minutes: float = 2.0  # a session's calls spread over about this many minutes
    session_sigma: float = 0.0  # spread of a session's context size (input tokens), log-normal
    weekend: float = 0.4  # weekend traffic relative to weekdays
    peak_hour: float = 15.0  # UTC
    night: float = 0.15  # traffic at the quietest hour relative to the peak
    batch_hour: int | None = None  # UTC hour a nightly batch job starts
    batch_share: float = 0.0  # share of a weekday's calls the batch makes
    premium_share: float = 0.0  # calls a router sends to the premium model
    throttle_rate: float = 0.01  # throttled attempts per call, in bursts
    growth_per_day: float = 0.0
    volume: float = 2.0  # default calls per minute, weekday average


SHAPES: dict[str, Shape] = {
    "chat": Shape(
        "chat",
        ((HAIKU, 0.9), (NOVA_LITE, 0.1)),
        1500,
        1000,
        0.5,
        0.55,
        cache_read_median=2000,
        session_mean=3.0,
        session_minutes=3.0,
        session_sigma=0.3,
        throttle_rate=0.015,
        growth_per_day=0.003,
    ),
    "router": Shape(
        "router", ((HAIKU, 1.0),), 2500, 300, 0.4, 0.5, premium_share=0.05, weekend=0.3, throttle_rate=0.01
    ),
    "agent": Shape(
        "agent",
        ((HAIKU, 0.7), (NOVA_PRO, 0.3)),
        4000,
        450,
        1.0,
        0.9,
        operation="ConverseStream",
        session_mean=12.0,
        session_min=5,
        session_minutes=1.0,
        session_sigma=0.6,
        weekend=0.5,
        peak_hour=11.0,
        throttle_rate=0.01,
    ),
    "batch": Shape(
        "batch",
        ((NOVA_PRO, 0.6), (SONNET4, 0.4)),
        5000,
        1800,
        0.35,
        0.4,
        operation="InvokeModel",
        batch_hour=2,
        batch_share=0.25,
        weekend=0.6,
        throttle_rate=0.02,
        growth_per_day=0.003,
    ),
    "reports": Shape(
        "reports",
        ((NOVA_PRO, 0.6), (SONNET4, 0.4)),
        5000,
        1800,
        0.35,
        0.4,
        operation="InvokeModel",
        weekend=0.3,
        peak_hour=13.0,
        throttle_rate=0.02,
        growth_per_day=0.003,
    ),
    "embedding": Shape(
        "embedding",
        ((TITAN_EMBED, 1.0),),
        800,
        0,
        0.3,
        0.0,
        operation="InvokeModel",
        batch_hour=1,
        batch_share=0.4,
        weekend=0.8,
        throttle_rate=0.005,
    ),
}
UNATTRIBUTED = Shape("unattributed", ((NOVA_PRO, 1.0),), 3000, 600, throttle_rate=0.0)
# The example config's features and the shapes (and weekday volumes) the demo gives them.
KNOWN: dict[str, tuple[str, float]] = {
    "support-chat": ("chat", 12.0),
    "ticket-summary": ("router", 8.0),
    "kb-search": ("agent", 6.0),
    "report-writer": ("reports", 3.0),
    "doc-embedding": ("embedding", 25.0),
}
GENERIC = ("chat", "router", "agent", "batch")


@dataclass(frozen=True)
class Traffic:
    """One feature's simulated traffic: its shape and volume (calls per minute, weekday average)."""

    shape: Shape
    volume: float


@dataclass
class Drift:
    kind: str  # prompt_change | routing | retry_storm | growth
    feature: str
    start_minute: int  # minutes since the simulation start
    start: str  # ISO timestamp of that minute
    duration_minutes: int
    detail: str
    model: str | None = None


@dataclass
class Plan:
    account: str
    start: str
    days: int
    seed: int
    records: int = 0
    drifts: list[Drift] = field(default_factory=list)
    volumes: dict[str, float] = field(default_factory=dict)  # calls per minute, weekday average
    shapes: dict[str, str] = field(default_factory=dict)


DETAILS = {
    "prompt_change": "output tokens per request x2 (prompt change)",
    "routing": f"{ROUTING_SHARE:.0%} of calls routed to a premium model",
    "retry_storm": "half the attempts throttled, half the calls replayed",
    "growth": f"{GROWTH_FACTOR}x traffic",
}


def default_traffic(feature: Any, volume: float | None = None) -> Traffic:
    """The demo's shape for the example's features; others get one of GENERIC by name (stable)."""
    if feature.name in KNOWN:
        shape_name, default = KNOWN[feature.name]
    else:
        shape_name, default = GENERIC[sum(feature.name.encode()) % len(GENERIC)], SHAPES["chat"].volume
    shape = SHAPES[shape_name]
    copy_from = feature.inference_profile.copy_from if getattr(feature, "inference_profile", None) else None
    if copy_from:  # the model its application inference profile copies
        rest = shape.models[1:]
        share = 1.0 - sum(s for _m, s in rest)
        shape = replace(shape, models=((copy_from, share), *rest))
    return Traffic(shape, default if volume is None else volume)


def premium_model_id(premium: Sequence[str]) -> str:
    """As logged: a cross-region profile for Anthropic base ids."""
    if not premium:
        return DEFAULT_PREMIUM
    first = premium[0]
    return f"us.{first}" if first.startswith("anthropic.") else first


# ---- the shape of a day -------------------------------------------------------------------------------


def _daily(shape: Shape) -> list[float]:
    """Relative calls per minute over a weekday (diurnal curve plus the batch job), mean 1."""
    curve = []
    for m in range(1440):
        phase = (m / 60.0 - shape.peak_hour + 12.0) / 24.0 * 2 * math.pi
        curve.append(shape.night + (1.0 - shape.night) * ((1 - math.cos(phase)) / 2) ** 1.5)
    mean = sum(curve) / len(curve)
    curve = [c / mean * (1.0 - shape.batch_share) for c in curve]
    if shape.batch_hour is not None and shape.batch_share > 0:
        extra = shape.batch_share * 1440 / BATCH_MINUTES
        for m in range(shape.batch_hour * 60, shape.batch_hour * 60 + BATCH_MINUTES):
            curve[m % 1440] += extra
    return curve


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def _session_size(rng: random.Random, shape: Shape) -> int:
    if shape.session_mean <= 1:
        return 1
    extra = shape.session_mean - shape.session_min
    size = shape.session_min + (int(rng.expovariate(1.0 / extra)) if extra > 0 else 0)
    return min(MAX_SESSION, max(1, size))


def _pick(rng: random.Random, models: tuple[tuple[str, float], ...]) -> str:
    r = rng.random()
    acc = 0.0
    for model, share in models:
        acc += share
        if r < acc:
            return model
    return models[-1][0]


# ---- records ---------------------------------------------------------------------------------------------


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def record(
    rng: random.Random,
    when: datetime,
    account_id: str,
    region: str,
    arn: str,
    meta: dict[str, str] | None,
    op: str,
    model: str,
    i: int,
    o: int,
    cr: int,
    error: str | None = None,
) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": _stamp(when),
        "accountId": account_id,
        "identity": {"arn": arn},
        "region": region,
        "requestId": _request_id(rng),
        "operation": op,
        "modelId": model,
    }
    if error is not None:
        rec["errorCode"] = error
    inp: dict[str, Any] = {"inputContentType": "application/json", "inputTokenCount": i}
    if cr:
        inp["cacheReadInputTokenCount"] = cr
        inp["cacheWriteInputTokenCount"] = 0
    rec["input"] = inp
    rec["output"] = {"outputContentType": "application/json", "outputTokenCount": o}
    if meta is not None:
        rec["requestMetadata"] = meta
    return rec


def _variant(rng: random.Random, rec: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(rec))
    out["requestId"] = _request_id(rng)
    for key, value in changes.items():
        if key == "output_tokens":
            out.setdefault("output", {})["outputTokenCount"] = value
        elif key == "input_tokens":
            out.setdefault("input", {})["inputTokenCount"] = value
        else:
            out[key] = value
    return out


def _tokens(rec: dict[str, Any], side: str, name: str) -> int:
    value = (rec.get(side) or {}).get(name)
    return value if type(value) is int else 0


def inject(
    kind: str,
    rec: dict[str, Any],
    rng: random.Random,
    premium_model: str,
    window: tuple[datetime, datetime] | None = None,
) -> list[dict[str, Any]]:
    """The records a drift turns one record into (a user's own records too: `tune` calls this). `window`:
    the drift's [start, end), which growth copies stay within."""
    if kind == "prompt_change":
        return [_variant(rng, rec, output_tokens=2 * _tokens(rec, "output", "outputTokenCount"))]
    if kind == "routing":
        return [_variant(rng, rec, modelId=premium_model)] if rng.random() < ROUTING_SHARE else [rec]
    if kind == "retry_storm":
        out = []
        while rng.random() < 0.5:  # throttled attempts, retried by the SDK
            throttled = _variant(rng, rec, errorCode="ThrottlingException", input_tokens=0, output_tokens=0)
            throttled["input"].pop("cacheReadInputTokenCount", None)
            throttled["input"].pop("cacheWriteInputTokenCount", None)
            out.append(throttled)
        if rng.random() < 0.5:  # timed out after reading the prompt: replayed in full
            out.append(
                _variant(
                    rng,
                    rec,
                    errorCode="ModelTimeoutException",
                    output_tokens=_tokens(rec, "output", "outputTokenCount") // 3,
                )
            )
        return [*out, rec]
    if kind == "growth":
        when = datetime.fromisoformat(str(rec["timestamp"]).replace("Z", "+00:00"))
        copies = []
        for _ in range(GROWTH_FACTOR - 1):
            at = when + timedelta(seconds=rng.uniform(-GROWTH_SPREAD_S, GROWTH_SPREAD_S))
            if window is not None:
                at = min(max(at, window[0]), window[1] - timedelta(seconds=1))
            copies.append(_variant(rng, rec, timestamp=_stamp(at)))
        return [rec, *copies]
    raise ValueError(f"unknown drift kind {kind!r}; known: {', '.join(DRIFT_KINDS)}")


def _identity(feature: Any, account_id: str) -> tuple[str, dict[str, str] | None]:
    """(identity.arn, requestMetadata) that the feature's attribution rules match."""
    match = feature.match
    if match.request_metadata is not None or not match.identity_arns:
        meta = dict(feature.metadata_match)
        return f"arn:aws:sts::{account_id}:assumed-role/{feature.name}-api/i-0a1b2c", meta
    glob = match.identity_arns[0]
    role = glob.split("assumed-role/", 1)[-1].split("/", 1)[0] if "assumed-role/" in glob else feature.name
    return f"arn:aws:sts::{account_id}:assumed-role/{role}/worker-1", None


# ---- drifts ----------------------------------------------------------------------------------------------


def demo_drifts(features: Sequence[str], premium: str, start: datetime, days: int) -> list[Drift]:
    """`make demo`'s four drifts, on four features, days 1-4 at fixed business hours (fewer if fewer days)."""
    plan = [
        ("prompt_change", "support-chat", 1, 14 * 60 + 5),
        ("routing", "ticket-summary", 2, 10 * 60),
        ("retry_storm", "kb-search", 3, 11 * 60 + 30),
        ("growth", "report-writer", 4, 13 * 60),
    ]
    taken: set[str] = set()
    out = []
    for kind, preferred, day, minute_of_day in plan:
        if day >= days:
            continue
        name = preferred if preferred in features and preferred not in taken else None
        if name is None:
            name = next((f for f in features if f not in taken and f != "doc-embedding"), None)
        if name is None:
            continue
        taken.add(name)
        out.append(drift(kind, name, day * 1440 + minute_of_day, start, premium))
    return out


def drift(kind: str, feature: str, start_minute: int, start: datetime, premium: str) -> Drift:
    when = start + timedelta(minutes=start_minute)
    return Drift(
        kind,
        feature,
        start_minute,
        when.isoformat().replace("+00:00", "Z"),
        DRIFT_MINUTES,
        DETAILS[kind],
        premium if kind == "routing" else None,
    )


# ---- traffic -----------------------------------------------------------------------------------------------


@dataclass
class _Source:
    """One caller (a feature, or the unattributed one) and its pending calls."""

    name: str
    traffic: Traffic
    arn: str
    meta: dict[str, str] | None
    curve: list[float]
    pending: dict[int, list[tuple[int, float]]] = field(default_factory=dict)  # minute -> (second, context)
    throttling_until: int = -1


def messages(
    config: Any,
    account: Any,
    days: int,
    seed: int,
    traffic: Mapping[str, Traffic],
    drifts: Sequence[Drift],
    start: datetime = DEFAULT_START,
    on_minute: Callable[[int], None] | None = None,
    counter: list[int] | None = None,
) -> Iterator[str]:
    """Every record, as JSON Lines messages, minute by minute."""
    rng = random.Random(seed)
    premium = premium_model_id(list(account.pricing.premium_models))
    sources: list[_Source] = []
    for f in account.features:
        arn, meta = _identity(f, account.account_id)
        t = traffic[f.name]
        sources.append(_Source(f.name, t, arn, meta, _daily(t.shape)))
    if sources:
        # Unattributed: a notebook no rule matches, about 2% of the calls.
        volume = 0.02 * sum(s.traffic.volume for s in sources)
        arn = f"arn:aws:sts::{account.account_id}:assumed-role/data-science-notebook/alice"
        sources.append(
            _Source("(unattributed)", Traffic(UNATTRIBUTED, volume), arn, None, _daily(UNATTRIBUTED))
        )
    by_feature: dict[str, list[Drift]] = {}
    for d in drifts:
        by_feature.setdefault(d.feature, []).append(d)
    dumps = json.dumps
    for minute in range(days * 1440):
        base = start + timedelta(minutes=minute)
        day = minute // 1440
        weekend = base.weekday() >= 5
        if on_minute is not None and minute % 60 == 0:
            on_minute(minute)
        for src in sources:
            shape = src.traffic.shape
            rate = src.traffic.volume * src.curve[minute % 1440] * (1.0 + shape.growth_per_day) ** day
            if weekend:
                rate *= shape.weekend
            for _ in range(_poisson(rng, rate / max(shape.session_mean, 1.0))):
                context = rng.lognormvariate(0.0, shape.session_sigma) if shape.session_sigma else 1.0
                for _call in range(_session_size(rng, shape)):
                    offset = (
                        int(rng.expovariate(1.0 / shape.session_minutes)) if shape.session_mean > 1 else 0
                    )
                    src.pending.setdefault(minute + offset, []).append((rng.randrange(60), context))
            if shape.throttle_rate > 0 and minute > src.throttling_until:
                burst_start = shape.throttle_rate / 2 / (THROTTLE_BURST_SHARE * THROTTLE_BURST_MINUTES)
                if rng.random() < burst_start:
                    src.throttling_until = minute
                    while rng.random() < THROTTLE_BURST_CONTINUE:
                        src.throttling_until += 1
            calls = src.pending.pop(minute, [])
            active = [
                d
                for d in by_feature.get(src.name, ())
                if d.start_minute <= minute < d.start_minute + d.duration_minutes
            ]
            share = THROTTLE_BURST_SHARE if minute <= src.throttling_until else shape.throttle_rate / 2
            prefix = base.strftime("%Y-%m-%dT%H:%M:")
            for second, context in sorted(calls):
                model = premium if rng.random() < shape.premium_share else _pick(rng, shape.models)
                i = max(1, int(context * rng.lognormvariate(math.log(shape.input_median), shape.input_sigma)))
                o = 0
                if shape.output_median:
                    o = max(1, int(rng.lognormvariate(math.log(shape.output_median), shape.output_sigma)))
                cr = (
                    int(rng.lognormvariate(math.log(shape.cache_read_median), 0.4))
                    if shape.cache_read_median
                    else 0
                )
                throttled = rng.random() < share
                if not active and not throttled:  # the common case, formatted directly
                    yield _line(f"{prefix}{second:02d}Z", account, src, shape.operation, model, i, o, cr, rng)
                    if counter is not None:
                        counter[0] += 1
                    continue
                rec = record(
                    rng,
                    base + timedelta(seconds=second),
                    account.account_id,
                    account.region,
                    src.arn,
                    src.meta,
                    shape.operation,
                    model,
                    i,
                    o,
                    cr,
                )
                out = [rec]
                for d in active:
                    begin = start + timedelta(minutes=d.start_minute)
                    span = (begin, begin + timedelta(minutes=d.duration_minutes))
                    out = [r for each in out for r in inject(d.kind, each, rng, d.model or premium, span)]
                for n, r in enumerate(sorted(out, key=lambda x: str(x["timestamp"]))):
                    if "errorCode" not in r and (throttled if n == 0 else rng.random() < share):
                        retry = _variant(
                            rng, r, errorCode="ThrottlingException", input_tokens=0, output_tokens=0
                        )
                        retry["input"].pop("cacheReadInputTokenCount", None)
                        yield dumps(retry, separators=(",", ":"))
                        if counter is not None:
                            counter[0] += 1
                    yield dumps(r, separators=(",", ":"))
                    if counter is not None:
                        counter[0] += 1


def _request_id(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"


def _line(
    stamp: str, account: Any, src: _Source, op: str, model: str, i: int, o: int, cr: int, rng: random.Random
) -> str:
    """`json.dumps(record(...))`, formatted directly (the simulator's hot loop; no string needs escaping)."""
    cache = f',"cacheReadInputTokenCount":{cr},"cacheWriteInputTokenCount":0' if cr else ""
    meta = "" if src.meta is None else ',"requestMetadata":' + json.dumps(src.meta, separators=(",", ":"))
    return (
        f'{{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"{stamp}",'
        f'"accountId":"{account.account_id}","identity":{{"arn":"{src.arn}"}},"region":"{account.region}",'
        f'"requestId":"{_request_id(rng)}","operation":"{op}","modelId":"{model}",'
        f'"input":{{"inputContentType":"application/json","inputTokenCount":{i}{cache}}},'
        f'"output":{{"outputContentType":"application/json","outputTokenCount":{o}}}{meta}}}'
    )


def simulate(
    config: Any,
    account: Any,
    days: int,
    seed: int,
    out_path: Path,
    start: datetime = DEFAULT_START,
    volumes: Mapping[str, float] | None = None,
    traffic: Mapping[str, Traffic] | None = None,
    drifts: Sequence[Drift] | None = None,
    progress: bool = False,
) -> Plan:
    """Write ``days`` of traffic for ``account`` to ``out_path`` (.gz compresses) and its sidecar plan.
    `volumes`: calls per minute (weekday average) by feature, else each shape's default. `progress`: a bar on
    stderr when it is a terminal, as replay shows one."""
    chosen = dict(traffic or {})
    for f in account.features:
        if f.name not in chosen:
            chosen[f.name] = default_traffic(f, (volumes or {}).get(f.name))
    premium = premium_model_id(list(account.pricing.premium_models))
    planned = (
        list(drifts)
        if drifts is not None
        else demo_drifts([f.name for f in account.features], premium, start, days)
    )
    plan = Plan(
        account.name,
        start.isoformat().replace("+00:00", "Z"),
        days,
        seed,
        drifts=planned,
        volumes={k: round(v.volume, 4) for k, v in chosen.items()},
        shapes={k: v.shape.name for k, v in chosen.items()},
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if str(out_path).endswith(".gz") else open
    counter = [0]
    bar = _MinuteProgress(days * 1440, counter, progress)
    with opener(out_path, "wt", encoding="utf-8") as out:
        handle: IO[str] = out
        for message in messages(config, account, days, seed, chosen, planned, start, bar.at, counter):
            handle.write(message)
            handle.write("\n")
    bar.close()
    plan.records = counter[0]
    drift_sidecar_path(out_path).write_text(json.dumps(asdict(plan), indent=2) + "\n", encoding="utf-8")
    return plan


class _MinuteProgress:
    """The replay progress bar, over simulated minutes."""

    def __init__(self, total: int, counter: list[int], enabled: bool) -> None:
        from cli.replay.progress import Progress

        self.bar = Progress(total, stream=sys.stderr, enabled=enabled)
        self.counter = counter
        self.done = 0

    def at(self, minute: int) -> None:
        self.bar.advance(minute - self.done)
        self.done = minute
        self.bar.records = self.counter[0]
        self.bar.count_records(0)

    def close(self) -> None:
        self.bar.close()


def drift_sidecar_path(out_path: Path) -> Path:
    name = out_path.name
    for suffix in (".gz", ".jsonl", ".json"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return out_path.with_name(name + ".drifts.json")


def load_plan(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
