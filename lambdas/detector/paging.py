"""One page per episode.

A feature's episode opens with a page when one of its causes fires (a detector test, or one of its CloudWatch
alarms in ALARM). While it is open, a cause not paged yet pages at once (a new driver); the same causes page
again only every `repeat_hours`. A limit (LIMIT_CAUSES) reached while the episode is open is a new driver only
when what moved the cost most is not a driver already paged (pages.py asks the explanation; `absorb`). The
episode closes, with a resolved message that is not a page, once no cause has fired for `hold_off_minutes`:
the next cause then opens a new episode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from lambdas.detector.model import EpisodeState

Reason = Literal["new", "driver", "reminder", "resolved"]
# The order a page lists its causes in.
CAUSES = (
    "traffic",
    "input_tokens",
    "output_tokens",
    "model_mix",
    "retries",
    "burst",
    "hourly_limit",
    "daily_budget",
    "tokens_ceiling",
)
# Consequences rather than drivers: the cost on course past, or over, a limit.
LIMIT_CAUSES = ("burst", "hourly_limit", "daily_budget", "tokens_ceiling")
CAUSE_LABELS = {
    "traffic": "traffic",
    "input_tokens": "input tokens per request",
    "output_tokens": "output tokens per request",
    "model_mix": "model mix",
    "retries": "retries",
    "burst": "cost on course past the hourly limit",
    "hourly_limit": "hourly limit crossed",
    "daily_budget": "daily budget crossed",
    "tokens_ceiling": "tokens-per-request ceiling crossed",
}


@dataclass(frozen=True)
class PageEvent:
    reason: Reason
    minute: int
    causes: tuple[str, ...]  # every cause firing now (resolved: every cause of the episode)
    new_causes: tuple[str, ...]  # what this page is for (for a reminder: every cause firing)
    episode_start: int

    @property
    def is_page(self) -> bool:
        return self.reason != "resolved"


def ordered(causes: Sequence[str]) -> tuple[str, ...]:
    return tuple(sorted(set(causes), key=lambda c: CAUSES.index(c) if c in CAUSES else len(CAUSES)))


def proposed(
    episode: EpisodeState, firing: Sequence[str], minute: int, repeat_hours: int
) -> PageEvent | None:
    """The page the causes firing now would send (without changing the episode)."""
    causes = ordered(firing)
    if not causes:
        return None
    if not episode.open:
        return PageEvent("new", minute, causes, causes, minute)
    start = episode.started if episode.started is not None else minute
    new = tuple(c for c in causes if c not in episode.drivers)
    if new:
        return PageEvent("driver", minute, causes, new, start)
    if episode.last_page is not None and minute - episode.last_page >= repeat_hours * 60:
        return PageEvent("reminder", minute, causes, causes, start)
    return None


def absorb(episode: EpisodeState, causes: Sequence[str]) -> None:
    """Count causes as paged in the open episode without a page (a limit the paged driver is reaching)."""
    episode.drivers = list(ordered([*episode.drivers, *causes]))


def decide(
    episode: EpisodeState, firing: Sequence[str], minute: int, hold_off_minutes: int, repeat_hours: int
) -> PageEvent | None:
    """Advance the episode by one evaluation; the page (or resolved message) to send, if any."""
    event = proposed(episode, firing, minute, repeat_hours)
    if firing:
        episode.quiet_since = None
        if event is not None:
            if event.reason == "new":
                episode.open, episode.started, episode.drivers = True, minute, []
            episode.drivers = list(ordered([*episode.drivers, *event.new_causes]))
            episode.last_page = minute
        return event
    if not episode.open:
        return None
    if episode.quiet_since is None:
        episode.quiet_since = minute
        return None
    if minute - episode.quiet_since >= hold_off_minutes:
        start = episode.started if episode.started is not None else minute
        seen = ordered(episode.drivers)
        episode.open, episode.drivers, episode.quiet_since, episode.gate_checked = False, [], None, {}
        return PageEvent("resolved", minute, seen, (), start)
    return None
