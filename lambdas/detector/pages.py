"""One feature, one evaluation: its tests (detect.py), its CloudWatch alarms, the model-mix materiality gate,
the episode (paging.py), and the page a person reads. The detector Lambda and replay both call
`evaluate_feature`; only where the metrics and the usage come from differs."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lambdas.detector import paging
from lambdas.detector.detect import PROVISIONAL_AGES, Observation, observe, visibility
from lambdas.detector.model import MINUTE_MS, DetectorSettings, FeatureSettings, FeatureState, FeatureView
from lambdas.detector.sequential import PAUSE_SHARE
from lambdas.evaluator.change import Explanation, UsageSource, explain_change, scaled, window_label
from lambdas.evaluator.decomposition import Usage
from lambdas.evaluator.service import catalog_weights

SUBJECT_MAX = 100
# How far back a page's explanation reaches: the window the firing test looked at, at least 5 minutes, at
# most 3 hours (a day for the daily budget).
EXPLAIN_MIN_MINUTES = 5
EXPLAIN_MAX_MINUTES = 180
# Where a CloudWatch alarm's explanation window starts, in minutes before now.
NATIVE_SPAN = {"hourly_limit": 59, "daily_budget": 1439, "tokens_ceiling": 4}
RUNBOOK_ANCHORS = {
    "traffic": "traffic",
    "input_tokens": "tokens-per-request",
    "output_tokens": "tokens-per-request",
    "model_mix": "model-mix",
    "retries": "throttles-and-retries",
    "burst": "cost-burst",
    "hourly_limit": "cost-rate",
    "daily_budget": "daily-burn",
    "tokens_ceiling": "tokens-per-request",
}

# (first minute, last minute, since) -> the explanation of that window
Explainer = Callable[[int, int, int | None], Explanation]


class LandedUsage:
    """The usage source of a page's explanation: the newest minutes, partly landed when the page goes out,
    scaled up by the share of a minute the detector has learned is visible at that age (so a minute that
    has shown a tenth of its calls does not read as traffic down 90%)."""

    def __init__(self, source: UsageSource, now: int, visible: Sequence[float]) -> None:
        self.source = source
        self.now = now
        self.visible = visible

    def minutes(self, start: datetime, end: datetime) -> dict[datetime, dict[str, Usage]]:
        out: dict[datetime, dict[str, Usage]] = {}
        for when, per_model in self.source.minutes(start, end).items():
            age = self.now - epoch_minute(when)
            share = self.visible[age] if 0 <= age < len(self.visible) else 1.0
            out[when] = dict(per_model) if share >= 1.0 else scaled(per_model, 1.0 / max(share, 0.05))
        return out


# The decomposition's factor each detector test watches.
FAMILY_FACTORS = {
    "traffic": "traffic",
    "input_tokens": "input_tokens",
    "output_tokens": "output_tokens",
    "model_mix": "model_mix",
    "retries": "retries",
}


def within_noise(observation: Observation) -> set[str]:
    """Factors whose detector test runs and sees noise (its statistic under half its threshold): a move of
    theirs in a short window is their usual variation, not a driver."""
    return {
        FAMILY_FACTORS[family]
        for family, (statistic, threshold) in observation.statistics.items()
        if family in FAMILY_FACTORS and statistic < PAUSE_SHARE * threshold
    }


def make_explainer(
    settings: DetectorSettings,
    feature: FeatureSettings,
    source: UsageSource,
    now: int,
    state: FeatureState,
    observation: Observation,
) -> Explainer:
    """The one way a page is explained, in the Lambda and in replay: `source` is what CloudWatch shows now."""
    landed = LandedUsage(source, now, [visibility(state, age) for age in PROVISIONAL_AGES])
    noise = within_noise(observation)

    def explain(first: int, last: int, since: int | None) -> Explanation:
        return explain_change(
            landed,
            feature.name,
            to_datetime(first),
            to_datetime(last + 1),
            premium_models=settings.premium_models,
            weights=lambda model: catalog_weights(model, settings.region),
            current_label=current_label(first, last),
            since=None if since is None else to_datetime(since),
            within_noise=noise,
        )

    return explain


@dataclass(frozen=True)
class Message:
    subject: str
    body: str  # JSON
    summary: str  # what replay prints: the first lines a person reads


@dataclass(frozen=True)
class Outcome:
    feature: str
    observation: Observation
    event: paging.PageEvent | None
    message: Message | None


def to_datetime(minute: int) -> datetime:
    return datetime.fromtimestamp(minute * MINUTE_MS / 1000, UTC)


def epoch_minute(when: datetime) -> int:
    return int(when.timestamp() // 60)


def explain_window(
    causes: tuple[str, ...], observation: Observation, now: int
) -> tuple[int, int, int | None]:
    """(first minute, last minute, since) a page explains: from the earliest excursion among its causes to
    the minute before the newest (that one has shown about a tenth of its calls when the page goes out)."""
    last = now - 1
    starts = [observation.signals[c].since for c in causes if c in observation.signals]
    starts += [now - NATIVE_SPAN[c] for c in causes if c in NATIVE_SPAN]
    since = min(starts) if starts else None
    longest = max([EXPLAIN_MAX_MINUTES, *(NATIVE_SPAN[c] + 1 for c in causes if c in NATIVE_SPAN)])
    first = last - EXPLAIN_MIN_MINUTES + 1 if since is None else since
    first = max(min(first, last - EXPLAIN_MIN_MINUTES + 1), last - longest + 1)
    return first, last, since


def premium_cost_share(usage: UsageSource, premium_models: tuple[str, ...], first: int, last: int) -> float:
    """Premium models' share of the feature's cost over minutes first..last, as CloudWatch shows it now."""
    total = premium = 0.0
    for per_model in usage.minutes(to_datetime(first), to_datetime(last + 1)).values():
        for model, u in per_model.items():
            total += u.cost
            if model in premium_models:
                premium += u.cost
    return 100.0 * premium / total if total > 0 else 0.0


def evaluate_feature(
    settings: DetectorSettings,
    feature: FeatureSettings,
    state: FeatureState,
    view: FeatureView,
    now: int,
    alarms_in_alarm: Mapping[str, bool],
    usage: UsageSource,
) -> Outcome:
    """Mutates `state` (tests, learning, episode). `alarms_in_alarm`: family -> its CloudWatch alarm is in
    ALARM now. `usage`: the feature's per-model usage as CloudWatch shows it now (for the explanation)."""
    observation = observe(feature, state, view, now, bool(settings.premium_models))
    explainer = make_explainer(settings, feature, usage, now, state, observation)
    firing = set(observation.signals) | {f for f, on in alarms_in_alarm.items() if on}
    episode = state.episode
    explained: dict[tuple[int, int, int | None], Explanation] = {}

    def explain(window: tuple[int, int, int | None]) -> Explanation:
        if window not in explained:
            explained[window] = explainer(*window)
        return explained[window]

    signal = observation.signals.get("model_mix")
    if signal is not None and "model_mix" in firing and "model_mix" not in episode.drivers:
        # Materiality: premium models must carry premium_share_percent of the cost of the minutes the test
        # looked at (one GetMetricData read while the test fires and the gate has not passed).
        share = premium_cost_share(usage, settings.premium_models, signal.since, now)
        if share < feature.premium_share_percent:
            firing.discard("model_mix")
            episode.gate_checked["model_mix"] = now
        else:
            episode.gate_checked.pop("model_mix", None)
    proposal = paging.proposed(episode, sorted(firing), now, settings.repeat_hours)
    if (
        proposal is not None
        and proposal.reason == "driver"
        and all(c in paging.LIMIT_CAUSES for c in proposal.new_causes)
        and top_driver(explain(explain_window(proposal.new_causes, observation, now))) in episode.drivers
    ):
        # One page per driver: a limit that the driver already paged for is reaching is no new driver.
        paging.absorb(episode, proposal.new_causes)
    event = paging.decide(episode, sorted(firing), now, settings.hold_off_minutes, settings.repeat_hours)
    message = None
    if event is not None:
        if event.is_page:
            explanation = explain(explain_window(event.new_causes, observation, now))
            message = page_message(settings, feature, event, observation, explanation)
        else:
            message = resolved_message(settings, feature, event)
    return Outcome(feature.name, observation, event, message)


def top_driver(explanation: Explanation) -> str | None:
    """The factor that moved the cost most (as the explanation names it first), if any."""
    for d in explanation.body.get("drivers", []):
        if not d.get("unchanged") and not d.get("within_noise"):
            return str(d["factor"])
    return None


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode()[:SUBJECT_MAX]


def page_message(
    settings: DetectorSettings,
    feature: FeatureSettings,
    event: paging.PageEvent,
    observation: Observation,
    explanation: Explanation,
) -> Message:
    labels = [paging.CAUSE_LABELS.get(c, c) for c in event.new_causes]
    what = {"new": "", "driver": "new cause: ", "reminder": "still: "}[event.reason]
    subject = _ascii(f"GenAI cost page {settings.environment}/{feature.name}: {what}{', '.join(labels)}")
    evidence = {
        c: {
            "statistic": round(observation.signals[c].statistic, 2),
            "threshold": round(observation.signals[c].threshold, 2),
            "since": to_datetime(observation.signals[c].since).isoformat(),
            "detail": observation.signals[c].detail,
        }
        for c in event.causes
        if c in observation.signals
    }
    alarms = {c: feature.alarm_names[c] for c in event.causes if c in feature.alarm_names}
    anchor = (
        RUNBOOK_ANCHORS.get(event.new_causes[0], "feature-pages") if event.new_causes else "feature-pages"
    )
    document = {
        "summary": explanation.summary,
        "alert": f"{feature.name}: {what}{', '.join(labels)}",
        "reason": event.reason,
        "account": settings.account,
        "environment": settings.environment,
        "application": feature.application,
        "feature": feature.name,
        "causes": list(event.causes),
        "new_causes": list(event.new_causes),
        "episode_start": to_datetime(event.episode_start).isoformat(),
        "evidence": evidence,
        "alarms": alarms,
        "explanation": explanation.body,
        "runbook": f"{settings.runbook_url}#{anchor}" if settings.runbook_url else None,
    }
    details = "; ".join(
        observation.signals[c].detail
        for c in event.causes
        if c in observation.signals and observation.signals[c].detail
    )
    summary = f"{', '.join(labels)}{': ' + details if details else ''}. {explanation.summary}"
    return Message(subject, json.dumps(document, indent=2), summary)


def resolved_message(
    settings: DetectorSettings, feature: FeatureSettings, event: paging.PageEvent
) -> Message:
    subject = _ascii(f"GenAI cost resolved {settings.environment}/{feature.name}")
    start, end = to_datetime(event.episode_start), to_datetime(event.minute)
    causes = ", ".join(paging.CAUSE_LABELS.get(c, c) for c in event.causes)
    text = (
        f"{feature.name}: nothing has fired for {settings.hold_off_minutes} min; the episode that began "
        f"{start:%Y-%m-%d %H:%M} UTC is over (this is not a page)."
        + (f" Its causes: {causes}." if causes else "")
    )
    document = {
        "summary": text,
        "reason": "resolved",
        "account": settings.account,
        "environment": settings.environment,
        "feature": feature.name,
        "causes": list(event.causes),
        "episode_start": start.isoformat(),
        "resolved_at": end.isoformat(),
    }
    return Message(subject, json.dumps(document, indent=2), text)


def current_label(first: int, last: int) -> str:
    return window_label(to_datetime(first), to_datetime(last + 1))
