"""The dashboards in the synthesized templates (example app, synthesized once per session)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from dashboards.limits import DEFAULT, violations
from tests.conftest import SynthesizedApp

ACCOUNTS = {"prod": "222222222222", "staging": "333333333333", "sandbox": "444444444444"}


def body_text(body: Any) -> str:
    """A dashboard body as JSON text; a deploy-time value (Fn::Join part, e.g. the metered log group the
    invocation-logging custom resource answers with) becomes `<GetAtt logical-id.attribute>`."""
    if isinstance(body, str):
        return body
    return "".join(
        part if isinstance(part, str) else f"<GetAtt {'.'.join(part['Fn::GetAtt'])}>"
        for part in body["Fn::Join"][1]
    )


def bodies(app: SynthesizedApp, stack: str) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["DashboardName"]: json.loads(body_text(r["Properties"]["DashboardBody"]))
        for r in app.resources(stack, "AWS::CloudWatch::Dashboard").values()
    }


@pytest.mark.parametrize("account", sorted(ACCOUNTS))
def test_account_stack_has_its_dashboards(example_app: SynthesizedApp, account: str) -> None:
    found = bodies(example_app, f"GenAiGuardrails-{account}")
    assert set(found) >= {f"GenAI-Cost-{account}"}
    assert any(name.startswith(f"GenAI-Cost-{account}-app-") for name in found)
    for body in found.values():
        assert violations(body, DEFAULT) == []


@pytest.mark.parametrize("account", sorted(ACCOUNTS))
def test_every_alarm_of_the_stack_is_on_the_account_dashboard(
    example_app: SynthesizedApp, account: str
) -> None:
    stack = f"GenAiGuardrails-{account}"
    names = [
        r["Properties"]["AlarmName"]
        for kind in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        for r in example_app.resources(stack, kind).values()
    ]
    body = bodies(example_app, stack)[f"GenAI-Cost-{account}"]
    shown = {
        a.rsplit(":alarm:", 1)[1]
        for w in body["widgets"]
        if w["type"] == "alarm"
        for a in w["properties"]["alarms"]
    }
    assert all(isinstance(n, str) for n in names)
    assert set(names) <= shown


def test_log_widget_reads_the_metering_log_group(example_app: SynthesizedApp) -> None:
    body = bodies(example_app, "GenAiGuardrails-sandbox")["GenAI-Cost-sandbox"]
    (log,) = [w for w in body["widgets"] if w["type"] == "log"]
    assert "SOURCE '/aws/bedrock/invocation-logs'" in log["properties"]["query"]
    # mode: create: the group the invocation-logging custom resource meters (its own, or the account's).
    (logging_id,) = example_app.resources("GenAiGuardrails-prod", "Custom::BedrockInvocationLogging")
    body = bodies(example_app, "GenAiGuardrails-prod")["GenAI-Cost-prod"]
    (log,) = [w for w in body["widgets"] if w["type"] == "log"]
    assert f"SOURCE '<GetAtt {logging_id}.LogGroupName>'" in log["properties"]["query"]


def test_organization_overview_in_the_monitoring_account(
    example_data: dict[str, Any], synth_factory: Callable[[dict[str, Any]], SynthesizedApp]
) -> None:
    data = copy.deepcopy(example_data)
    data["organization"]["monitoring_account_id"] = "555555555555"
    data["organization"]["tag_policy"]["allowed_values"]["Environment"].append("monitoring")
    app = synth_factory(data)
    assert "GenAiGuardrails-Monitoring" in app.templates
    manifest = json.loads((app.outdir / "manifest.json").read_text())
    assert (
        manifest["artifacts"]["GenAiGuardrails-Monitoring"]["environment"] == "aws://555555555555/us-east-1"
    )
    found = bodies(app, "GenAiGuardrails-Monitoring")
    assert list(found) == ["GenAI-Cost-Organization"]
    accounts = {
        row[-1]["accountId"]
        for w in found["GenAI-Cost-Organization"]["widgets"]
        if w["type"] == "metric"
        for row in w["properties"]["metrics"]
        if isinstance(row[-1], dict) and "accountId" in row[-1]
    }
    assert accounts == set(ACCOUNTS.values())
    report = json.loads((app.outdir / "validation-report.json").read_text())
    assert all(r["conclusion"] == "success" for r in report["pluginReports"])


def test_no_monitoring_stack_without_a_monitoring_account(example_app: SynthesizedApp) -> None:
    assert "GenAiGuardrails-Monitoring" not in example_app.templates
