"""The stack ledger: every stack a config has synthesized, so that one removed from the config is reported
as orphaned (with the command that destroys it) instead of staying deployed silently.

CloudFormation keeps a stack until someone deletes it, and `cdk destroy` can only name stacks still in the
app. Synth therefore records each stack (name, account, Region, one template or nested) in a JSON file
beside the config (`example.yaml` -> `example.stacks.json`; a config directory -> `stacks.json` inside),
meant to be committed with it. A stack in the ledger but no longer in the config is printed at every synth
(`make synth`, `cdk synth`, `cdk diff`, `cdk deploy`) until `genai-guardrails forget-stack` removes it
after it was destroyed. No AWS call: synth stays offline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

LEDGER_VERSION = 1


@dataclass(frozen=True)
class StackRecord:
    name: str
    account: str
    region: str
    nested: bool = False  # alarms and dashboards in nested templates (config/stack_limits.py)

    def destroy_command(self) -> str:
        return (
            f"aws cloudformation delete-stack --stack-name {self.name} --region {self.region}"
            f"  # with credentials of account {self.account}"
        )


def ledger_path(config_path: Path) -> Path:
    return config_path / "stacks.json" if config_path.is_dir() else config_path.with_suffix(".stacks.json")


def read_ledger(path: Path) -> dict[str, StackRecord]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {s["name"]: StackRecord(**s) for s in data.get("stacks", [])}


def write_ledger(path: Path, records: Iterable[StackRecord]) -> None:
    stacks = [asdict(r) for r in sorted(records, key=lambda r: r.name)]
    text = json.dumps({"version": LEDGER_VERSION, "stacks": stacks}, indent=1) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class LedgerReport:
    orphans: list[StackRecord]
    moved: list[StackRecord]  # recorded with the other layout (one template / nested); as synthesized now

    def messages(self, ledger: Path, config: Path) -> list[str]:
        out = []
        for record in self.orphans:
            out.append(
                f"warning: stack {record.name} (aws://{record.account}/{record.region}) is no longer in "
                f"{config} but is recorded in {ledger}: it stays deployed until you destroy it:\n"
                f"  {record.destroy_command()}\n"
                f"  then: genai-guardrails forget-stack {config} {record.name}"
            )
        for record in self.moved:
            now, before, keep = (
                ("nested stacks", "one template", "single")
                if record.nested
                else ("one template", "nested stacks", "nested")
            )
            out.append(
                f"warning: stack {record.name} now puts its feature alarms and dashboards in {now}; {ledger} "
                f"recorded {before}. If it is deployed that way, CloudFormation will refuse the deploy "
                f"before changing anything (the layout guard): set stack_layout: {keep} for its account to "
                "keep the deployed layout (README, Rolling out to an organization: moving into nested stacks)"
            )
        return out


def reconcile(path: Path, current: Mapping[str, StackRecord]) -> LedgerReport:
    """Compare the app's stacks with the ledger, then record the app's stacks (orphans stay recorded)."""
    recorded = read_ledger(path)
    orphans = [r for name, r in sorted(recorded.items()) if name not in current]
    moved = [
        r for name, r in sorted(current.items()) if name in recorded and r.nested != recorded[name].nested
    ]
    write_ledger(path, [*current.values(), *orphans])
    return LedgerReport(orphans, moved)


def forget(path: Path, names: Iterable[str]) -> list[str]:
    """Remove stacks from the ledger (after they were destroyed); returns the names not found."""
    recorded = read_ledger(path)
    missing = [n for n in names if n not in recorded]
    write_ledger(path, [r for n, r in recorded.items() if n not in set(names)])
    return missing
