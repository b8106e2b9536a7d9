"""Account-stack size: CloudFormation resources and template bytes against the number of features.

Builds the example config's prod account with N generated features spread over 3 applications and compares
the CDK-free plan `genai-guardrails validate` checks (config/stack_limits.py) with the synthesized template
(resources and bytes), then finds the most features that fit one account stack. Run:
`.venv/bin/python bench/stack_size.py` (part of `make bench`). Figures go in docs/alarms.md.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from config.sources import read_config_data  # noqa: E402

# `make bench CONFIG=...` passes its config: the scenario starts from its first account.
BASE_CONFIG = Path(os.environ.get("GENAI_GUARDRAILS_CONFIG") or ROOT / "config" / "example.yaml")

from config.loader import ConfigError, check_rules, parse_config  # noqa: E402
from config.stack_limits import (  # noqa: E402
    MAX_RESOURCES,
    MAX_TEMPLATE_BYTES,
    account_layout,
    account_stack_plan,
)
from core.config_model import GuardrailsConfig  # noqa: E402
from core.naming import account_stack_name  # noqa: E402


def features(n: int) -> list[dict[str, Any]]:
    return [
        {
            "name": f"f{i:02d}",
            "application": f"app{i % 3}",
            "monthly_budget_usd": 100,
            "daily_budget_usd": 10,
            "hourly_limit_usd": 1,
        }
        for i in range(n)
    ]


def config_with(base: dict[str, Any], n: int) -> GuardrailsConfig:
    data = copy.deepcopy(base)
    account = data["accounts"][0]
    account["features"] = features(n)
    data["accounts"] = [account]
    return parse_config(data)


def synthesized(config: GuardrailsConfig) -> tuple[int, int]:
    """(resources, template bytes) of the account stack, synthesized with cdk.json's context."""
    from stacks.app_builder import build_app, new_app

    name = account_stack_name(config.accounts[0].name)
    with tempfile.TemporaryDirectory() as tmp:
        app = new_app(outdir=tmp)
        build_app(app, config)
        template = app.synth().get_stack_by_name(name).template
    return len(template["Resources"]), len(json.dumps(template))


def fits(config: GuardrailsConfig) -> bool:
    """Whether the account keeps the one-template layout (past it, alarms and dashboards nest)."""
    try:
        check_rules(config)
    except ConfigError:
        return False
    return not account_layout(config, config.accounts[0]).split


def main() -> int:
    base = read_config_data(BASE_CONFIG)
    print(f"{'features':>8}  {'planned':>8}  {'synthesized':>11}  {'plan bytes':>10}  {'template bytes':>14}")
    for n in (1, 10, 30, 45):
        config = config_with(base, n)
        plan = account_stack_plan(config, config.accounts[0], account_stack_name(config.accounts[0].name))
        count, size = synthesized(config)
        print(f"{n:>8}  {plan.resource_count:>8}  {count:>11}  {plan.template_bytes:>10,}  {size:>14,}")
    lo, hi = 1, 200  # the largest n that validates (the same rule synth applies)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if fits(config_with(base, mid)) else (lo, mid)
    count, size = synthesized(config_with(base, lo))
    print(
        f"\nat most {lo} features keep the one-template layout (more nest their alarms and dashboards): "
        f"{count} resources (limit {MAX_RESOURCES}), "
        f"{size:,} template bytes (limit {MAX_TEMPLATE_BYTES:,})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
