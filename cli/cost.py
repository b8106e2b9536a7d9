"""`genai-guardrails cost CONFIG`: what the guardrail itself costs per month, per account, for what the config
deploys: CloudWatch alarms by kind (with the metrics each bills), dashboards, custom metrics, the Lambdas
(metering, evaluator, detector), log ingestion, GetMetricData, the detector's DynamoDB state, AWS Budgets.

Prices are public us-east-1 list prices (constants below; free tiers left out). Volumes come from the config
where it says them (`expected_calls_per_minute`), else from the options; every assumption is printed.
Measured inputs (bytes per record, metering CPU time) are docs/cost-of-guardrails.md's, from
bench/cost_model.py.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, TextIO

# ---- public prices, us-east-1 (USD) ------------------------------------------------------------------
ALARM_METRIC_MONTH = 0.10  # standard-resolution alarm, per metric it evaluates
DASHBOARD_MONTH = 3.00
CUSTOM_METRIC_MONTH = 0.30  # first 10,000
GET_METRIC_DATA_PER_1000 = 0.01  # metrics requested
LOGS_INGEST_PER_GB = 0.50
LOGS_STORAGE_PER_GB_MONTH = 0.03
LAMBDA_ARM_PER_GB_S = 0.0000133334
LAMBDA_PER_MILLION = 0.20
DDB_WRITE_PER_MILLION = 0.625  # on-demand write request units
DDB_READ_PER_MILLION = 0.125  # on-demand read request units
BUDGET_DAY = 0.02  # per budget per day beyond the first two of the payer account

# ---- measured inputs (docs/cost-of-guardrails.md) ----------------------------------------------------
LOG_BYTES_PER_RECORD = 609  # invocation log record, bodies off, with CloudWatch Logs' 26 B overhead
EMF_BYTES_PER_RECORD = 28  # metering's EMF output, batched
METERING_CPU_S_PER_RECORD = 1 / 75_000  # batched replay throughput per CPU-second
LAMBDA_MEMORY_GB = 0.25
FULL_VCPU_GB = 1.769  # below 1,769 MB Lambda gives a share of a vCPU proportional to memory
GRAVITON_SLOWDOWN = 1.5
STORAGE_COMPRESSION = 0.15

# ---- assumptions (printed) -----------------------------------------------------------------------------
MINUTES_PER_MONTH = 30 * 1440
AVERAGE_OF_PEAK = 0.5  # a day's average calls per minute, as a share of its busiest hour's
METRICS_PER_DIMENSION_SET = 9  # the count metrics and CostUSD of one metering EMF document
DETECTOR_RUN_S = 0.4  # API calls of one run: GetMetricData, BatchGetItem, DescribeAlarms
DETECTOR_RUN_S_PER_FEATURE = 0.03  # one PutItem each, and the tests
DETECTOR_STATE_KB = 4  # one feature's compressed state
DETECTOR_LOG_BYTES = 600  # one log line per run
EVALUATOR_RUN_S = 1.0
EVALUATOR_RUN_S_PER_FEATURE = 0.1
PAGES_PER_FEATURE_MONTH = 2  # each page reads about 150 metrics for its explanation
EXPLANATION_METRICS = 150


@dataclass
class Line:
    item: str
    quantity: str
    usd: float


@dataclass
class AccountCost:
    account: str
    lines: list[Line] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(line.usd for line in self.lines)


def account_cost(
    config: Any, account: Any, invocations: float | None, models_per_feature: float
) -> AccountCost:
    from core.alarm_definitions import build_alarm_set
    from dashboards import account_dashboards
    from lambdas.detector.cloudwatch import queries_per_feature

    out = AccountCost(account.name)
    features = list(account.features)
    n = len(features)
    # Alarms: on the metered data, and the guardrail's own health (core.service_health).
    alarms = build_alarm_set(config, account)
    by_kind: Counter[str] = Counter()
    metrics_by_kind: Counter[str] = Counter()
    for a in alarms.alarms:
        kind = a.kind.rstrip("0123456789")
        by_kind[kind] += 1
        metrics_by_kind[kind] += len(a.metric_stats)
    for h in alarms.service_health:
        by_kind[h.kind] += 1
        metrics_by_kind[h.kind] += len(h.metrics)
    for kind in sorted(by_kind):
        metrics = metrics_by_kind[kind]
        out.lines.append(
            Line(
                f"alarm {kind}",
                f"{by_kind[kind]} x {metrics // by_kind[kind]} metric(s)",
                metrics * ALARM_METRIC_MONTH,
            )
        )
    log_group = account.invocation_logging.log_group_name or "/aws/bedrock/model-invocations"
    dashboards = account_dashboards(account, alarms, log_group)
    out.lines.append(Line("dashboards", f"{len(dashboards)}", len(dashboards) * DASHBOARD_MONTH))
    # Custom metrics: every (metric, dimension set) metering publishes, plus the evaluator's two per feature.
    applications = len(account.applications) + 1  # and 'unattributed'
    callers = n + 1  # and 'unattributed'
    distinct_models = models_per_feature + len(account.pricing.premium_models)  # features share models
    sets = applications + callers + models_per_feature * callers + distinct_models
    custom = METRICS_PER_DIMENSION_SET * sets + 1 + 2 * n
    out.lines.append(Line("custom metrics", f"~{custom:,.0f}", custom * CUSTOM_METRIC_MONTH))
    out.notes.append(
        f"custom metrics: {METRICS_PER_DIMENSION_SET} per dimension set (applications, features, feature x "
        f"model, model) with {models_per_feature:g} models per feature (--models-per-feature), plus "
        "MalformedRecords and the evaluator's 2 per feature; a metric that gets no data is billed only for "
        "the hours it is published"
    )
    # Traffic.
    if invocations is None:
        peaks = [f.expected_calls_per_minute for f in features if f.expected_calls_per_minute is not None]
        if peaks and len(peaks) == n:
            invocations = sum(peaks) * AVERAGE_OF_PEAK * MINUTES_PER_MONTH
            out.notes.append(
                f"invocations: {invocations:,.0f} a month from the features' expected_calls_per_minute "
                f"(busiest hour) x {AVERAGE_OF_PEAK:g} for the day's average"
            )
        else:
            invocations = 1_000_000.0
            out.notes.append(
                "invocations: 1,000,000 a month assumed (set expected_calls_per_minute on every feature, or "
                "--invocations-per-month)"
            )
    logs_gb = invocations * (LOG_BYTES_PER_RECORD + EMF_BYTES_PER_RECORD) / 1024**3
    out.lines.append(
        Line(
            "log ingestion (invocation logs, metering EMF)",
            f"{logs_gb:,.2f} GB",
            logs_gb * LOGS_INGEST_PER_GB + logs_gb * STORAGE_COMPRESSION * LOGS_STORAGE_PER_GB_MONTH,
        )
    )
    metering_gb_s = (
        invocations * METERING_CPU_S_PER_RECORD * FULL_VCPU_GB / LAMBDA_MEMORY_GB * GRAVITON_SLOWDOWN
    )
    metering_gb_s *= LAMBDA_MEMORY_GB
    out.lines.append(
        Line("metering Lambda", f"{metering_gb_s:,.0f} GB-s", metering_gb_s * LAMBDA_ARM_PER_GB_S)
    )
    # Detector: every `alarms.detector_every_minutes`.
    every = account.alarms.detector_every_minutes
    runs = MINUTES_PER_MONTH // every
    detector_s = runs * (DETECTOR_RUN_S + DETECTOR_RUN_S_PER_FEATURE * n)
    out.lines.append(
        Line(
            f"detector Lambda (every {every} min)",
            f"{runs:,} runs, {detector_s * LAMBDA_MEMORY_GB:,.0f} GB-s",
            detector_s * LAMBDA_MEMORY_GB * LAMBDA_ARM_PER_GB_S + runs / 1e6 * LAMBDA_PER_MILLION,
        )
    )
    premium = len(account.pricing.premium_models)
    detector_metrics = runs * n * queries_per_feature(account.pricing.premium_models)
    explanation_metrics = n * PAGES_PER_FEATURE_MONTH * EXPLANATION_METRICS
    out.lines.append(
        Line(
            "GetMetricData, detector",
            f"{detector_metrics:,.0f} metrics ({n} features x {6 + premium}, every {every} min)",
            (detector_metrics + explanation_metrics) / 1000 * GET_METRIC_DATA_PER_1000,
        )
    )
    state_writes = runs * n * DETECTOR_STATE_KB
    state_reads = runs * n * max(1, DETECTOR_STATE_KB // 4)
    out.lines.append(
        Line(
            "DynamoDB, detector state",
            f"{state_writes / 1e6:,.1f}M write units",
            state_writes / 1e6 * DDB_WRITE_PER_MILLION + state_reads / 1e6 * DDB_READ_PER_MILLION,
        )
    )
    detector_logs = runs * DETECTOR_LOG_BYTES / 1024**3
    out.lines.append(Line("detector logs", f"{detector_logs:,.3f} GB", detector_logs * LOGS_INGEST_PER_GB))
    # Evaluator.
    schedule = account.evaluator.schedule_minutes
    evaluator_runs = MINUTES_PER_MONTH / schedule
    evaluator_s = evaluator_runs * (EVALUATOR_RUN_S + EVALUATOR_RUN_S_PER_FEATURE * n)
    out.lines.append(
        Line(
            f"evaluator Lambda (every {schedule} min)",
            f"{evaluator_runs:,.0f} runs",
            evaluator_s * LAMBDA_MEMORY_GB * LAMBDA_ARM_PER_GB_S + evaluator_runs / 1e6 * LAMBDA_PER_MILLION,
        )
    )
    evaluator_metrics = evaluator_runs * n
    out.lines.append(
        Line(
            "GetMetricData, evaluator",
            f"{evaluator_metrics:,.0f} metrics",
            evaluator_metrics / 1000 * GET_METRIC_DATA_PER_1000,
        )
    )
    budgets = 1 + sum(1 for f in features if f.inference_profile is not None)
    out.lines.append(Line("AWS Budgets", f"{budgets} budget(s)", max(0, budgets - 2) * BUDGET_DAY * 30))
    out.notes.append(
        "AWS Budgets: the first two budgets of the payer account are free; Cost Anomaly Detection, SNS, "
        "EventBridge schedules and the alarms' DescribeAlarms reads cost nothing or less than a cent"
    )
    out.notes.append(
        f"detector Lambda: {DETECTOR_RUN_S:g} s a run plus {DETECTOR_RUN_S_PER_FEATURE:g} s per feature at "
        f"{LAMBDA_MEMORY_GB * 1024:.0f} MB arm64 (its API calls); explanations: {PAGES_PER_FEATURE_MONTH} "
        f"pages per feature a month at {EXPLANATION_METRICS} metrics each"
    )
    return out


def print_cost(costs: list[AccountCost], out: TextIO) -> None:
    for cost in costs:
        print(f"\naccount {cost.account}: ${cost.total:,.2f} a month", file=out)
        width = max(len(line.item) for line in cost.lines)
        for line in cost.lines:
            print(f"  {line.item:<{width}}  {line.quantity:<48} ${line.usd:>9,.2f}", file=out)
        for note in cost.notes:
            print(f"  * {note}", file=out)
    if len(costs) > 1:
        print(f"\nall accounts: ${sum(c.total for c in costs):,.2f} a month", file=out)


def run_cost(args: argparse.Namespace) -> int:
    from config.loader import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    accounts = config.accounts
    if args.account:
        try:
            accounts = [config.account(args.account)]
        except KeyError:
            print(f"error: {args.config}: no account named {args.account!r}", file=sys.stderr)
            return 1
    print(f"{args.config}: monthly AWS cost of what the config deploys (us-east-1 list prices, no free tier)")
    costs = [account_cost(config, a, args.invocations_per_month, args.models_per_feature) for a in accounts]
    print_cost(costs, sys.stdout)
    return 0


def add_cost_parser(commands: Any) -> None:
    cost = commands.add_parser("cost", help="the guardrail's own monthly AWS cost for a config")
    cost.add_argument("config")
    cost.add_argument("--account", help="one account (default: every account)")
    cost.add_argument("--invocations-per-month", type=float, help="Bedrock calls a month (per account)")
    cost.add_argument(
        "--models-per-feature", type=float, default=2.0, help="models a feature calls (default 2)"
    )
    cost.set_defaults(run=run_cost)
