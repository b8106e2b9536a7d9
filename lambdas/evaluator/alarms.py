"""Which features are being paged right now: their composite alarm is in ALARM, and which of their guardrail
alarms fired. Read with one paginated `DescribeAlarms` over the account's alarm-name prefix."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

COMPOSITE_KIND = "Composite"


@dataclass(frozen=True)
class FiringFeature:
    feature: str
    composite: str  # the composite alarm's name
    since: datetime  # when the composite went to ALARM (one page = one episode)
    alarms: tuple[str, ...]  # names of the feature's metric alarms in ALARM

    @property
    def firing(self) -> tuple[str, ...]:
        """Their kinds (CostBurst, TrafficAnomaly, ...): what follows `<prefix><feature>-`."""
        head = self.composite.removesuffix(COMPOSITE_KIND)
        return tuple(name.removeprefix(head) for name in self.alarms)


def firing_features(cw: Any, prefix: str, features: Iterable[str]) -> list[FiringFeature]:
    composites: dict[str, datetime] = {}
    alarms: list[str] = []
    pages = cw.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=prefix, StateValue="ALARM", AlarmTypes=["CompositeAlarm", "MetricAlarm"]
    )
    for page in pages:
        # StateValue is checked again: moto ignores the StateValue filter when a name prefix is given.
        for alarm in page.get("CompositeAlarms", []):
            if alarm.get("StateValue") == "ALARM":
                composites[alarm["AlarmName"]] = alarm["StateUpdatedTimestamp"].astimezone(UTC)
        alarms += [a["AlarmName"] for a in page.get("MetricAlarms", []) if a.get("StateValue") == "ALARM"]
    out: list[FiringFeature] = []
    for feature in features:
        head = f"{prefix}{feature}-"
        composite = f"{head}{COMPOSITE_KIND}"
        if composite not in composites:
            continue
        # Kinds have no hyphen: this keeps feature "kb"'s alarms apart from feature "kb-search"'s.
        own = sorted(n for n in alarms if n.startswith(head) and "-" not in n[len(head) :])
        out.append(FiringFeature(feature, composite, composites[composite], tuple(own)))
    return out
