"""tests/data/all-options.yaml (every option on, the config `make checkov` scans) stays valid and
synthesizes, cdk-nag included, with the resources each option adds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import yaml

from tests.conftest import ROOT, SynthesizedApp

ALL_OPTIONS = ROOT / "tests" / "data" / "all-options.yaml"


def test_every_option_on_synthesizes(synth_factory: Callable[[dict[str, Any]], SynthesizedApp]) -> None:
    app = synth_factory(yaml.safe_load(ALL_OPTIONS.read_text(encoding="utf-8")))
    assert set(app.templates) == {
        "GenAiGuardrails-Org",
        "GenAiGuardrails-prod",
        "GenAiGuardrails-sandbox",
        "GenAiGuardrails-Monitoring",
    }
    org_policies = {
        r["Properties"]["Type"]
        for r in app.resources("GenAiGuardrails-Org", "AWS::Organizations::Policy").values()
    }
    assert org_policies == {"TAG_POLICY", "SERVICE_CONTROL_POLICY"}
    prod = app.templates["GenAiGuardrails-prod"]
    assert len(app.resources("GenAiGuardrails-prod", "AWS::Budgets::BudgetsAction")) == 3
    assert {
        "KillSwitchPolicyArnAccount",
        "KillSwitchPolicyArnSupportChat",
        "KillSwitchPolicyArnTicketSummary",
    } <= set(prod["Outputs"])
    assert app.resources("GenAiGuardrails-prod", "AWS::S3::Bucket")
    (logging,) = app.resources("GenAiGuardrails-prod", "Custom::BedrockInvocationLogging").values()
    assert logging["Properties"]["TextDataDelivery"] == "true"
    (lookup,) = app.resources("GenAiGuardrails-sandbox", "Custom::BedrockInvocationLogging").values()
    assert lookup["Properties"]["Mode"] == "existing"
