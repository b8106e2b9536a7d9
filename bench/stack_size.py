"""Account-stack size: CloudFormation resources against the number of features, by synthesis.

Builds the example config's prod account (its applications, premium models and kill switches) with N
generated features spread over 3 applications, synthesizes it in-process, and counts the resources in the
template, for several N. Then finds the most features that fit CloudFormation's 500 resources per stack (the
same count `check_resource_limit` makes). Run: `.venv/bin/python bench/stack_size.py` (part of `make bench`).
Figures go in docs/alarms.md, "CloudFormation limits".
"""

from __future__ import annotations

import copy
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aws_cdk as cdk  # noqa: E402
import yaml  # noqa: E402

from config.loader import ConfigRuleError, parse_config  # noqa: E402
from stacks.account_stack import CLOUDFORMATION_MAX_RESOURCES  # noqa: E402
from stacks.app_builder import ORG_STACK_NAME, build_app  # noqa: E402


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


def resources(base: dict[str, Any], n: int) -> int | None:
    """Resources in the account stack with n features; None when over the limit (the config error)."""
    data = copy.deepcopy(base)
    account = data["accounts"][0]
    account["features"] = features(n)
    data["accounts"] = [account]
    with tempfile.TemporaryDirectory() as tmp:
        app = cdk.App(outdir=tmp)
        try:
            stacks = build_app(app, parse_config(data))
        except ConfigRuleError:
            return None
        name = next(name for name in stacks if name != ORG_STACK_NAME)
        template = app.synth().get_stack_by_name(name).template
    return len(template["Resources"])


def main() -> int:
    base = yaml.safe_load((ROOT / "config" / "example.yaml").read_text())
    print(f"{'features':>8}  resources")
    sizes: dict[int, int | None] = {}
    for n in (1, 10, 30, 50):
        sizes[n] = resources(base, n)
        print(f"{n:>8}  {sizes[n]}")
    per_feature = ((sizes[50] or 0) - (sizes[10] or 0)) / 40
    lo, hi = 50, 80  # bisect the largest n that synthesizes
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if resources(base, mid) is None:
            hi = mid
        else:
            lo = mid
    print(
        f"\nabout {per_feature:.1f} resources per feature; at most {lo} features fit one account stack "
        f"({resources(base, lo)} resources, CloudFormation allows {CLOUDFORMATION_MAX_RESOURCES})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
