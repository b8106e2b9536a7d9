"""One page per episode: a new cause pages, the same cause does not page again until the feature has been
healthy for the hold-off, a new cause pages at once, a lasting episode repeats its page once a day."""

from __future__ import annotations

from lambdas.detector.model import EpisodeState
from lambdas.detector.paging import absorb, decide

HOLD_OFF, REPEAT = 60, 24


def _run(timeline: dict[int, list[str]], until: int) -> list[tuple[int, str, tuple[str, ...]]]:
    episode = EpisodeState()
    out: list[tuple[int, str, tuple[str, ...]]] = []
    for minute in range(until):
        event = decide(episode, timeline.get(minute, []), minute, HOLD_OFF, REPEAT)
        if event is not None:
            out.append((minute, event.reason, event.new_causes))
    return out


def test_flapping_causes_page_once_and_new_causes_page_at_once() -> None:
    timeline: dict[int, list[str]] = {}
    for m in range(10, 200):
        if m % 7 < 4:  # output tokens flaps on and off for three hours
            timeline[m] = ["output_tokens"]
    for m in range(100, 140):
        timeline[m] = [*timeline.get(m, []), "hourly_limit"]
    events = _run(timeline, 400)
    assert events[0] == (10, "new", ("output_tokens",))
    assert events[1] == (100, "driver", ("hourly_limit",))
    pages = [e for e in events if e[1] != "resolved"]
    assert len(pages) == 2
    # Healthy from minute 200 on (the last firing minute is 199): resolved after the hold-off.
    assert events[2] == (200 + HOLD_OFF, "resolved", ())


def test_a_new_episode_after_the_hold_off_and_a_daily_reminder() -> None:
    timeline = {m: ["traffic"] for m in range(0, 5)}
    timeline.update({m: ["traffic"] for m in range(100, 100 + 2 * 1440)})
    events = _run(timeline, 100 + 2 * 1440 + 200)
    reasons = [(m, r) for m, r, _c in events]
    assert reasons[:3] == [(0, "new"), (4 + HOLD_OFF + 1, "resolved"), (100, "new")]
    assert (100 + 1440, "reminder") in reasons and (100 + 2 * 1440, "reminder") not in reasons[:4]


def test_quiet_within_the_hold_off_keeps_the_episode() -> None:
    timeline = {m: ["retries"] for m in [*range(0, 5), *range(30, 35)]}
    events = _run(timeline, 200)
    assert [r for _m, r, _c in events] == ["new", "resolved"]


def test_a_limit_the_paged_driver_reaches_pages_no_more_and_resolved_lists_every_cause() -> None:
    episode = EpisodeState()
    first = decide(episode, ["traffic"], 0, HOLD_OFF, REPEAT)
    assert first is not None and first.reason == "new"
    # pages.py: the explanation's first driver is traffic, already paged: the burst is its consequence.
    absorb(episode, ["burst"])
    assert decide(episode, ["traffic", "burst"], 1, HOLD_OFF, REPEAT) is None
    events = [decide(episode, [], m, HOLD_OFF, REPEAT) for m in range(2, 3 + HOLD_OFF)]
    resolved = [e for e in events if e is not None]
    assert [(e.reason, e.causes) for e in resolved] == [("resolved", ("traffic", "burst"))]
