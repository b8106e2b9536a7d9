"""Realistic Bedrock traffic for a config's features, with the four drifts injected at known minutes.

Traffic per feature: a diurnal curve (quiet at 03:00 UTC, peak at 15:00 UTC), Poisson arrivals per minute,
log-normal input/output token counts, a model mix, and the attribution signal the feature's config matches
(requestMetadata, or the caller role its identity glob names). Volume is sized from the feature's budgets:
peak-hour spend = min(45% of ``hourly_limit_usd``, a rate whose day stays at 60% of ``daily_budget_usd``),
so the configured thresholds are meaningful for the simulated traffic. A small unattributed caller
(about 1% of spend) keeps the unattributed-share alarm honest.

The four drifts of the product brief, each on its own day and feature, each lasting ``DRIFT_MINUTES``:

* prompt change: output tokens per request x2;
* routing drift: 30% of the feature's calls move to a premium model (config ``pricing.premium_models``);
* retry storm: half the attempts throttled (``ThrottlingException``, no tokens) and retried, half the calls
  replayed after a timeout that had already consumed the whole prompt (``ModelTimeoutException``);
* growth: 3x the feature's traffic.

Deterministic for a seed: one ``random.Random(seed)``, features and minutes in a fixed order. Output: real
``ModelInvocationLog`` JSON Lines (bodies off, as the stack configures logging), plus a sidecar JSON with the
injected drifts and their start minutes.
"""

from __future__ import annotations

import gzip
import json
import math
import random
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

DEFAULT_START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
PEAK_SHARE_OF_HOURLY_LIMIT = 0.45
DAY_SHARE_OF_DAILY_BUDGET = 0.60
DRIFT_MINUTES = 180
MAX_PEAK_CALLS_PER_MINUTE = 60.0  # cheap models (embeddings) would otherwise need millions of calls a day
HAIKU = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
SONNET4 = "us.anthropic.claude-sonnet-4-20250514-v1:0"
NOVA_PRO = "amazon.nova-pro-v1:0"
NOVA_LITE = "amazon.nova-lite-v1:0"
TITAN_EMBED = "amazon.titan-embed-text-v2:0"
DEFAULT_PREMIUM = "us.anthropic.claude-opus-4-5-20251101-v1:0"


@dataclass(frozen=True)
class Profile:
    """How one feature calls Bedrock."""

    models: tuple[tuple[str, float], ...]  # (modelId as logged, share of calls)
    input_median: float
    output_median: float
    sigma: float = 0.45
    operation: str = "Converse"
    cache_read_median: float = 0.0


# Known feature kinds of the example config; anything else gets a chat-like profile.
PROFILES: dict[str, Profile] = {
    "support-chat": Profile(((HAIKU, 0.9), (NOVA_LITE, 0.1)), 1500, 1000, cache_read_median=2000),
    "ticket-summary": Profile(((HAIKU, 1.0),), 2500, 300),
    "kb-search": Profile(((HAIKU, 0.7), (NOVA_PRO, 0.3)), 4000, 450, operation="ConverseStream"),
    "report-writer": Profile(((NOVA_PRO, 0.6), (SONNET4, 0.4)), 5000, 1800, operation="InvokeModel"),
    "doc-embedding": Profile(((TITAN_EMBED, 1.0),), 800, 0, sigma=0.3, operation="InvokeModel"),
}
CHAT = Profile(((HAIKU, 1.0),), 2000, 600)
UNATTRIBUTED = Profile(((NOVA_PRO, 1.0),), 3000, 600)


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
    peak_hourly_usd: dict[str, float] = field(default_factory=dict)


def diurnal(minute_of_day: int) -> float:
    """Relative traffic (0.15 at 03:00 UTC, 1.0 at 15:00 UTC)."""
    phase = (minute_of_day / 60.0 - 3.0) / 24.0 * 2 * math.pi
    return float(0.15 + 0.85 * ((1 - math.cos(phase)) / 2) ** 1.5)


MEAN_DIURNAL = sum(diurnal(m) for m in range(1440)) / 1440


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


def _catalog() -> Any:
    from lambdas.pricing.catalog import PriceCatalog

    return PriceCatalog.load()


def mean_call_cost(profile: Profile, region: str) -> float:  # USD
    from lambdas.pricing.model_ids import resolve_model_id

    catalog = _catalog()
    lift = math.exp(profile.sigma**2 / 2)  # log-normal mean / median
    total = 0.0
    for model_id, share in profile.models:
        resolved = resolve_model_id(model_id)
        card = catalog.rates(resolved.base_model_id or "", region, resolved.scope)
        if card is None:
            continue
        cost = profile.input_median * lift * float(card.input or 0) + profile.output_median * lift * float(
            card.output or 0
        )
        cost += profile.cache_read_median * lift * float(card.cache_read or 0)
        total += share * cost / 1e6
    return float(total)


def _assign_drifts(features: list[Any], premium: list[str], start: datetime, days: int) -> list[Drift]:
    """Four drifts on four features (chat-like first), days 1-4 at business hours; fewer if fewer days."""
    names = [f.name for f in features]

    def pick(preferred: str, taken: set[str]) -> str | None:
        if preferred in names and preferred not in taken:
            return preferred
        rest = [n for n in names if n not in taken and n != "doc-embedding"]
        return rest[0] if rest else None

    plan = [
        ("prompt_change", "support-chat", 1, 14 * 60 + 5, "output tokens per request x2 (prompt change)"),
        ("routing", "ticket-summary", 2, 10 * 60, "30% of calls routed to a premium model"),
        ("retry_storm", "kb-search", 3, 11 * 60 + 30, "half the attempts throttled, half the calls replayed"),
        ("growth", "report-writer", 4, 13 * 60, "3x traffic"),
    ]
    taken: set[str] = set()
    drifts: list[Drift] = []
    premium_id = (
        f"us.{premium[0]}"
        if premium and premium[0].startswith("anthropic.")
        else (premium[0] if premium else DEFAULT_PREMIUM)
    )
    for kind, preferred, day, minute_of_day, detail in plan:
        if day >= days:
            continue
        feature = pick(preferred, taken)
        if feature is None:
            continue
        taken.add(feature)
        start_minute = day * 1440 + minute_of_day
        when = start + timedelta(minutes=start_minute)
        drifts.append(
            Drift(
                kind,
                feature,
                start_minute,
                when.isoformat().replace("+00:00", "Z"),
                DRIFT_MINUTES,
                detail,
                premium_id if kind == "routing" else None,
            )
        )
    return drifts


def _identity(feature: Any, account_id: str) -> tuple[str, dict[str, str] | None]:
    """(identity.arn, requestMetadata) that the feature's attribution rules match."""
    match = feature.match
    if match.request_metadata is not None or not match.identity_arns:
        meta = dict(feature.metadata_match)
        return f"arn:aws:sts::{account_id}:assumed-role/{feature.name}-api/i-0a1b2c", meta
    glob = match.identity_arns[0]
    role = glob.split("assumed-role/", 1)[-1].split("/", 1)[0] if "assumed-role/" in glob else feature.name
    return f"arn:aws:sts::{account_id}:assumed-role/{role}/worker-1", None


class _Writer:
    def __init__(self, out: IO[str], account_id: str, region: str, rng: random.Random) -> None:
        self.out = out
        self.account_id = account_id
        self.region = region
        self.rng = rng
        self.count = 0

    def record(
        self,
        ts: str,
        arn: str,
        meta: dict[str, str] | None,
        op: str,
        model: str,
        i: int,
        o: int,
        cr: int,
        error: str | None,
    ) -> None:
        rid = uuid.UUID(int=self.rng.getrandbits(128), version=4)
        rec: dict[str, Any] = {
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": ts,
            "accountId": self.account_id,
            "identity": {"arn": arn},
            "region": self.region,
            "requestId": str(rid),
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
        self.out.write(json.dumps(rec, separators=(",", ":")))
        self.out.write("\n")
        self.count += 1


def simulate(
    config: Any,
    account: Any,
    days: int,
    seed: int,
    out_path: Path,
    start: datetime = DEFAULT_START,
    scale: float = 1.0,
) -> Plan:
    """Write ``days`` of traffic for ``account`` to ``out_path`` (.gz compresses) and its sidecar plan."""
    rng = random.Random(seed)
    features = list(account.features)
    premium = list(account.pricing.premium_models)
    drifts = _assign_drifts(features, premium, start, days)
    plan = Plan(account.name, start.isoformat().replace("+00:00", "Z"), days, seed, drifts=drifts)
    specs: list[tuple[str, Profile, float, str, dict[str, str] | None]] = []
    for f in features:
        profile = PROFILES.get(f.name, CHAT)
        peak = min(
            PEAK_SHARE_OF_HOURLY_LIMIT * float(f.hourly_limit_usd),
            DAY_SHARE_OF_DAILY_BUDGET * float(f.daily_budget_usd) / (24 * MEAN_DIURNAL),
        )
        plan.peak_hourly_usd[f.name] = round(peak, 2)
        per_call = mean_call_cost(profile, account.region) or 0.001
        arn, meta = _identity(f, account.account_id)
        rate = min(peak / 60 / per_call, MAX_PEAK_CALLS_PER_MINUTE)
        plan.peak_hourly_usd[f.name] = round(rate * 60 * per_call, 2)
        specs.append((f.name, profile, scale * rate, arn, meta))
    if features:
        # Unattributed: ~1% of the account's attributed spend, from a role no rule names.
        total_peak = sum(plan.peak_hourly_usd.values())
        per_call = mean_call_cost(UNATTRIBUTED, account.region) or 0.001
        arn = f"arn:aws:sts::{account.account_id}:assumed-role/data-science-notebook/alice"
        specs.append(("(unattributed)", UNATTRIBUTED, scale * 0.01 * total_peak / 60 / per_call, arn, None))
    by_feature = {d.feature: d for d in drifts}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    opener = gzip.open if str(out_path).endswith(".gz") else open
    with opener(out_path, "wt", encoding="utf-8") as out:
        writer = _Writer(out, account.account_id, account.region, rng)
        for minute in range(days * 1440):
            base = start + timedelta(minutes=minute)
            stamp = base.strftime("%Y-%m-%dT%H:%M:")
            factor = diurnal(minute % 1440)
            for name, profile, peak_rate, arn, meta in specs:
                drift = by_feature.get(name)
                active = (
                    drift is not None
                    and drift.start_minute <= minute < drift.start_minute + drift.duration_minutes
                )
                kind = drift.kind if active and drift is not None else ""
                lam = peak_rate * factor * (3.0 if kind == "growth" else 1.0)
                for _ in range(_poisson(rng, lam)):
                    ts = f"{stamp}{rng.randrange(60):02d}Z"
                    model = _pick(rng, profile.models)
                    if kind == "routing" and drift is not None and drift.model and rng.random() < 0.3:
                        model = drift.model
                    i = max(1, int(rng.lognormvariate(math.log(profile.input_median), profile.sigma)))
                    o = 0
                    if profile.output_median:
                        o = max(1, int(rng.lognormvariate(math.log(profile.output_median), profile.sigma)))
                    if kind == "prompt_change":
                        o *= 2
                    cr = 0
                    if profile.cache_read_median:
                        cr = int(rng.lognormvariate(math.log(profile.cache_read_median), profile.sigma))
                    if kind == "retry_storm":
                        while rng.random() < 0.5:  # throttled attempts, retried by the SDK
                            writer.record(
                                ts, arn, meta, profile.operation, model, 0, 0, 0, "ThrottlingException"
                            )
                        if rng.random() < 0.5:  # timed out after reading the prompt: replayed in full
                            writer.record(
                                ts,
                                arn,
                                meta,
                                profile.operation,
                                model,
                                i,
                                o // 3,
                                cr,
                                "ModelTimeoutException",
                            )
                    writer.record(ts, arn, meta, profile.operation, model, i, o, cr, None)
        plan.records = writer.count
    sidecar = drift_sidecar_path(out_path)
    sidecar.write_text(json.dumps(asdict(plan), indent=2) + "\n", encoding="utf-8")
    return plan


def _pick(rng: random.Random, models: tuple[tuple[str, float], ...]) -> str:
    r = rng.random()
    acc = 0.0
    for model, share in models:
        acc += share
        if r < acc:
            return model
    return models[-1][0]


def drift_sidecar_path(out_path: Path) -> Path:
    name = out_path.name
    for suffix in (".gz", ".jsonl", ".json"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return out_path.with_name(name + ".drifts.json")


def load_plan(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data
