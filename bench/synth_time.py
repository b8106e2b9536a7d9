"""Synth time at organization size against an empty CDK app, measured in the same run.

Writes a config of 10 accounts x 60 features (8 applications, every fifth feature with an application
inference profile) from the example, then alternates two processes ROUNDS times: an empty CDK app (the
same `new_app` with cdk.json's context and one empty stack: Python start, importing aws_cdk, the jsii
runtime, one synth) and `python app.py -c config=<that file>` (what `make synth` runs: validation, every
stack, cdk-nag, the assembly on disk). Alternating keeps both under the same load on a shared machine; the
medians and their ratio are printed (the goal is at most 3x), and the same config with every account on
`stack_layout: single` (one template each, what `auto` keeps up to ONE_TEMPLATE_MAX_FEATURES) in the
same rounds. Also one account of 200 features in 8 applications. `--profile` adds where the time goes:
Python (cProfile, top functions) and Node (a V8 CPU profile of the jsii runtime, by package).
Run: `.venv/bin/python bench/synth_time.py [--rounds N] [--profile]` (part of `make bench`); figures in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import collections
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from config.sources import read_config_data  # noqa: E402

# `make bench CONFIG=...` passes its config: the scenario starts from its first account.
BASE_CONFIG = Path(os.environ.get("GENAI_GUARDRAILS_CONFIG") or ROOT / "config" / "example.yaml")

EMPTY_APP = """
import sys
sys.path.insert(0, {root!r})
import aws_cdk as cdk
from stacks.app_builder import new_app
app = new_app()
cdk.Stack(app, "Empty", env=cdk.Environment(account="111111111111", region="us-east-1"))
app.synth()
"""


def organization_config(
    accounts: int, features: int, applications: int = 8, stack_layout: str | None = None
) -> dict[str, Any]:
    """The example's prod account copied `accounts` times with `features` generated features each
    (`stack_layout`: the accounts' layout, the default when None)."""
    data: dict[str, Any] = read_config_data(BASE_CONFIG)
    template = data["accounts"][0]
    data["accounts"] = []
    for a in range(accounts):
        account = copy.deepcopy(template)
        account["name"] = f"acct{a:02d}" if accounts > 1 else template["name"]
        account["account_id"] = f"{500000000000 + a}"
        account["environment"] = "prod"
        if stack_layout is not None:
            account["stack_layout"] = stack_layout
        account["features"] = [
            {
                "name": f"feature-{i:03d}",
                "application": f"app-{i % applications}",
                "monthly_budget_usd": 100,
                "daily_budget_usd": 10,
                "hourly_limit_usd": 1,
                **({"inference_profile": {"copy_from": "amazon.nova-micro-v1:0"}} if i % 5 == 0 else {}),
            }
            for i in range(features)
        ]
        data["accounts"].append(account)
    return data


def environment(outdir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CDK_", "AWS_"))}
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="1", CDK_OUTDIR=str(outdir), **(extra or {}))
    return env


def timed(argv: list[str], outdir: Path, extra: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, env=environment(outdir, extra), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:3])} failed:\n{proc.stderr[-3000:]}")
    return elapsed


def template_limits(outdir: Path) -> tuple[int, int, int]:
    """(templates, most resources in one, largest bytes) over every template of an assembly."""
    files = list(outdir.glob("*.template.json"))
    most = max(len(json.loads(f.read_text()).get("Resources", {})) for f in files)
    return len(files), most, max(f.stat().st_size for f in files)


def node_profile(directory: Path) -> list[tuple[str, float]]:
    """Self time per package of the largest V8 CPU profile (the jsii runtime), in seconds."""
    largest = max(directory.glob("*.cpuprofile"), key=lambda p: p.stat().st_size)
    data = json.loads(largest.read_text())
    nodes = {n["id"]: n for n in data["nodes"]}
    by_package: dict[str, float] = collections.defaultdict(float)
    for sample, delta in zip(data["samples"], data["timeDeltas"], strict=False):
        frame = nodes[sample]["callFrame"]
        url = frame["url"].split("/node_modules/")[-1]
        package = "/".join(url.split("/")[:2]) if url else f"({frame['functionName'] or 'native'})"
        by_package[package] += delta / 1e6
    return sorted(by_package.items(), key=lambda kv: -kv[1])[:12]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--features", type=int, default=60)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        org = tmp / "organization.yaml"
        org.write_text(yaml.safe_dump(organization_config(args.accounts, args.features)))
        single = tmp / "organization-single.yaml"
        single.write_text(
            yaml.safe_dump(organization_config(args.accounts, args.features, stack_layout="single"))
        )
        big = tmp / "one-account-200.yaml"
        big.write_text(yaml.safe_dump(organization_config(1, 200)))
        empty_argv = [python, "-c", EMPTY_APP.format(root=str(ROOT))]
        timed(empty_argv, tmp / "warm")  # the jsii cache and the OS file cache, once
        empty: list[float] = []
        full: list[float] = []
        one: list[float] = []
        for n in range(args.rounds):
            empty.append(timed(empty_argv, tmp / f"empty{n}"))
            full.append(timed([python, "app.py", "-c", f"config={org}"], tmp / f"org{n}"))
            one.append(timed([python, "app.py", "-c", f"config={single}"], tmp / f"single{n}"))
            print(
                f"round {n + 1}: empty app {empty[-1]:.1f} s, organization {full[-1]:.1f} s, "
                f"with stack_layout single {one[-1]:.1f} s",
                flush=True,
            )
        e = statistics.median(empty)
        for label, times, outdir in (("", full, "org0"), (", stack_layout single", one, "single0")):
            f = statistics.median(times)
            templates, most, largest = template_limits(tmp / outdir)
            print(
                f"{args.accounts} accounts x {args.features} features{label}: median {f:.1f} s, empty CDK "
                f"app median {e:.1f} s: {f / e:.2f}x (goal at most 3x); {templates} templates, at most "
                f"{most} resources and {largest:,} bytes in one"
            )
        seconds = timed([python, "app.py", "-c", f"config={big}"], tmp / "big")
        templates, most, largest = template_limits(tmp / "big")
        print(
            f"1 account x 200 features in 8 applications: {seconds:.1f} s; {templates} templates, at most "
            f"{most} resources and {largest:,} bytes in one"
        )
        if args.profile:
            profile_dir = tmp / "cpuprofile"
            stats = tmp / "python.prof"
            timed(
                [python, "-m", "cProfile", "-o", str(stats), "app.py", "-c", f"config={org}"],
                tmp / "profiled",
                {"NODE_OPTIONS": f"--cpu-prof --cpu-prof-dir={profile_dir}"},
            )
            import pstats

            print("\nPython, cumulative (top 15):")
            pstats.Stats(str(stats)).sort_stats("cumulative").print_stats(15)
            print("Node (jsii runtime), self time by package:")
            for package, secs in node_profile(profile_dir):
                print(f"  {secs:6.2f} s  {package}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
