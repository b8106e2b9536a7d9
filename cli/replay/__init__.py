"""Replay and backtest: run Bedrock invocation logs through the deployed guardrails' code and rules.

* ``readers``: stream log messages from JSON Lines, ``.gz``, the S3 delivery layout, ``filter-log-events``
  output and CloudWatch Logs export files.
* ``metering``: meter them with the metering Lambda's own ``Meter`` into a per-minute metric store.
* ``definitions``: the alarm definitions the stacks deploy, as replay-engine data.
* ``engine``: CloudWatch alarm semantics (periods, statistics, metric math, M-out-of-N, missing data,
  anomaly band approximation, composites), pure.
* ``explain``: the evaluator's change explanation for each breach.
* ``simulate``: realistic traffic with the four drifts injected at known minutes.
* ``report``: the console tables and the self-contained HTML report.
"""
