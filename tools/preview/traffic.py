"""One account's simulated traffic as CloudWatch would hold it at the end of the previewed day.

The records come from replay's simulator (`cli.replay.simulate.messages`, the feature shapes and volumes
of `make demo`, no drift), the metrics from the metering Lambda's own code through replay
(`build_meter` + `meter_messages`, lateness included), and the evaluator's metrics (BudgetUsedPercent,
ForecastUSD, MonthToDateUSD) from the evaluator's `budget_status` every `evaluator.schedule_minutes`.
Metrics that no record produces (AWS/Bedrock latency, the reconciliation's BilledUSD) have no data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from cli.replay.engine import RawViews
from cli.replay.metering import MINUTE_MS, MetricStore, build_meter, meter_messages
from cli.replay.simulate import DEFAULT_START, default_traffic, messages
from core import contract as c
from core.alarm_model import MetricStatQuery
from core.config_model import Account, GuardrailsConfig
from lambdas.evaluator import budget

SEED = 7
# The previewed day is the last one; the day before it fills the windows that reach back (a day's sum).
DAYS = 2
START = DEFAULT_START
Dims = dict[str, str]
CallerKey = tuple[str, str]  # (identity.arn, requestMetadata.feature or "(none)")


@dataclass
class CallerTotals:
    """One row of the top-callers Logs Insights query: tokens and invocations of a caller and feature."""

    input_tokens: int = 0
    output_tokens: int = 0
    invocations: int = 0


@dataclass
class AccountTraffic:
    """The metrics one account's dashboards read, over `minutes` minutes from `start_ms`."""

    account: Account
    store: MetricStore
    start_ms: int
    minutes: int
    evaluator: dict[tuple[str, tuple[tuple[str, str], ...]], np.ndarray] = field(default_factory=dict)
    callers: dict[CallerKey, CallerTotals] = field(default_factory=dict)

    def raw(self, query: MetricStatQuery) -> RawViews:
        """Per-minute sums and sample counts of one metric, as replay's engine takes them."""
        published = self.evaluator.get((query.metric_name, tuple(sorted(query.dimensions))))
        if query.namespace == c.NAMESPACE and published is not None:
            present = ~np.isnan(published)
            return RawViews(np.nan_to_num(published).tolist(), present.astype(float).tolist())
        return self.store.series(query, self.start_ms, self.minutes)

    def search(self, namespace: str, metric_name: str, schema: Iterable[str], terms: Dims) -> list[Dims]:
        """The dimension values a SEARCH over exactly `schema` finds: what the account publishes."""
        if namespace != c.NAMESPACE:
            return []  # AWS/Bedrock's own metrics are not simulated
        env = self.store.environment
        if metric_name in c.EVALUATOR_METRICS:
            published = [
                {c.ENVIRONMENT: env, c.APPLICATION: f.application, c.FEATURE: f.name}
                for f in self.account.features
            ]
        else:
            published = [
                {c.ENVIRONMENT: env, c.APPLICATION: app, c.FEATURE: feature, c.MODEL: model}
                for app, feature, model in self.store.days
            ]
        names = tuple(schema)
        found = {
            tuple((name, each[name]) for name in names)
            for each in published
            if all(name in each for name in names) and all(each.get(k) == v for k, v in terms.items())
        }
        return [dict(pairs) for pairs in sorted(found)]


def _tally(lines: Iterable[str], callers: dict[CallerKey, CallerTotals]) -> Iterator[str]:
    """Pass the messages on, adding each record to the top-callers table on the way."""
    for line in lines:
        record = json.loads(line)
        key = (record["identity"]["arn"], (record.get("requestMetadata") or {}).get("feature", "(none)"))
        row = callers.setdefault(key, CallerTotals())
        row.input_tokens += record["input"].get("inputTokenCount", 0)
        row.output_tokens += record["output"].get("outputTokenCount", 0)
        row.invocations += 1
        yield line


def _publish_evaluator(traffic: AccountTraffic) -> None:
    """What the evaluator publishes at each run: the features' month to date, forecast and budget used."""
    step = traffic.account.evaluator.schedule_minutes
    first = traffic.start_ms // MINUTE_MS
    for feature in traffic.account.features:
        dims = tuple(
            sorted(c.feature_dimensions(traffic.account.environment, feature.application, feature.name))
        )
        series = {name: np.full(traffic.minutes, np.nan) for name in c.EVALUATOR_METRICS}
        for minute in range((first // step + 1) * step, first + traffic.minutes, step):
            now = datetime.fromtimestamp(minute * 60, UTC)
            since = min(budget.month_start(now), now - timedelta(days=budget.RUN_RATE_DAYS))
            costs = traffic.store.hourly_cost(feature.name, int(since.timestamp() * 1000), minute * MINUTE_MS)
            status = budget.budget_status(costs, now, float(feature.monthly_budget_usd))
            at = minute - first  # stamped with the run's time
            series[c.BUDGET_USED_PERCENT][at] = status.used_percent
            series[c.FORECAST][at] = status.forecast_usd
            series[c.MONTH_TO_DATE][at] = status.month_to_date_usd
        for name, values in series.items():
            traffic.evaluator[(name, dims)] = values


def simulate_account(
    config: GuardrailsConfig,
    account: Account,
    seed: int = SEED,
    days: int = DAYS,
    volumes: dict[str, float] | None = None,
) -> AccountTraffic:
    """`days` days of the account's simulated traffic from START, metered; `volumes`: calls per minute by
    feature (default: the simulator's)."""
    traffic = {f.name: default_traffic(f, (volumes or {}).get(f.name)) for f in account.features}
    callers: dict[CallerKey, CallerTotals] = {}
    lines = messages(config, account, days, seed, traffic, drifts=[], start=START)
    store = meter_messages(build_meter(config, account), _tally(lines, callers))
    result = AccountTraffic(account, store, int(START.timestamp() * 1000), days * 1440, callers=callers)
    _publish_evaluator(result)
    return result


def simulate_config(config: GuardrailsConfig, seed: int = SEED) -> dict[str, AccountTraffic]:
    """Every account's traffic by account id; each account its own seed (seed + its position)."""
    return {
        account.account_id: simulate_account(config, account, seed + index)
        for index, account in enumerate(config.accounts)
    }
