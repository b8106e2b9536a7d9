"""Pieces shared by the account, application and organization builders."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from core.config_model import Account, Feature
from core.naming import alarm_name

FEATURES_PER_GRAPH = 20  # more series than this in one graph is no longer readable
DEFAULT_LOG_GROUP = "/aws/bedrock/model-invocations"  # overridden by the metering construct's real name


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def console(region: str) -> str:
    domain = "console.amazonaws.cn" if partition(region) == "aws-cn" else "console.aws.amazon.com"
    return f"https://{region}.{domain}"


def alarm_arn(account: Account, name_or_arn: str) -> str:
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    region = account.region
    return f"arn:{partition(region)}:cloudwatch:{region}:{account.account_id}:alarm:{name_or_arn}"


def alarm_name_of(name_or_arn: str) -> str:
    return name_or_arn.split(":alarm:", 1)[1] if ":alarm:" in name_or_arn else name_or_arn


def dashboard_url(region: str, name: str) -> str:
    return f"{console(region)}/cloudwatch/home?region={region}#dashboards/dashboard/{quote(name)}"


def alarms_url(account: Account, prefix: str) -> str:
    return (
        f"{console(account.region)}/cloudwatch/home?region={account.region}#alarmsV2:?search={quote(prefix)}"
    )


def budgets_url() -> str:
    return "https://us-east-1.console.aws.amazon.com/costmanagement/home#/budgets"


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [items[:0]]


def alarms_by_feature(account: Account, alarms: Iterable[str]) -> dict[str, list[str]]:
    """Alarm names (or ARNs) grouped by the feature they guard, from the naming rule
    `GenAiGuardrails-<account>-<feature>-<kind>`; the longest matching feature wins, so `kb` does not
    take `kb-search`'s alarms. Alarms of no feature are under the key ''."""
    by_length = sorted(account.features, key=lambda f: len(f.name), reverse=True)
    grouped: dict[str, list[str]] = {f.name: [] for f in account.features}
    grouped[""] = []
    for each in alarms:
        name = alarm_name_of(each)
        owner = next((f.name for f in by_length if name.startswith(alarm_name(account.name, f.name, ""))), "")
        grouped[owner].append(each)
    return grouped


def money(value: Any) -> str:
    return f"${float(value):,.0f}"


def feature_line(feature: Feature) -> str:
    return f"`{feature.name}` {money(feature.monthly_budget_usd)}/month"
