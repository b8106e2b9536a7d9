"""Replay and backtest: run Bedrock invocation logs through the deployed guardrails' code and rules.

* ``readers``: stream log messages from JSON Lines, ``.gz``, the S3 delivery layout, ``filter-log-events``
  output and CloudWatch Logs export files.
* ``metering``: meter them with the metering Lambda's own ``Meter`` into a per-minute metric store, with
  the minute CloudWatch shows each record; ``duckdb_source``, ``athena_source`` and ``fold``: the same
  store from the SQL aggregation (``analytics.sql``).
* ``engine``: CloudWatch alarm semantics (periods, statistics, metric math, M-out-of-N, the evaluation
  range for missing data, partly visible minutes), pure; it evaluates ``core.alarm_definitions``.
* ``runner``: the alarms, the detector Lambda's code minute by minute, the evaluator's budget
  notifications, printed in time order.
* ``simulate``: realistic traffic with the four drifts injected at known minutes.
* ``report``: the self-contained HTML report; ``chromium`` renders it to PNG.
"""
