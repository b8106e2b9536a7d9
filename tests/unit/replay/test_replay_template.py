"""One source of truth: replay evaluates the thresholds, periods and expressions the stack synthesizes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from config.loader import load_config
from core.alarm_definitions import build_alarm_set
from core.alarm_model import from_template_alarm, signature

ROOT = Path(__file__).resolve().parents[3]


def test_replay_alarms_match_the_synthesized_template(example_app: Any) -> None:
    config = load_config(ROOT / "config" / "example.yaml")
    account = config.account("prod")
    alarms = example_app.resources("GenAiGuardrails-prod", "AWS::CloudWatch::Alarm")
    template = {}
    for resource in alarms.values():
        props = resource["Properties"]
        if isinstance(props.get("AlarmName"), str):
            template[props["AlarmName"]] = signature(from_template_alarm(props))
    replay = build_alarm_set(config, account)
    compared = 0
    for alarm in replay.alarms:
        if alarm.name in template:
            assert signature(alarm) == template[alarm.name], alarm.name
            compared += 1
    feature_alarms = [a.name for a in replay.alarms if a.feature is not None]
    assert set(feature_alarms) <= set(template)
    assert compared >= len(feature_alarms) > 0
