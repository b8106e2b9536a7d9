"""Metering: Bedrock model invocation logs (CloudWatch Logs subscription) to priced, attributed EMF metrics.

Pure logic lives in ``records`` (parse one log event), ``attribution`` (feature rules), ``aggregate``
(per-minute integer sums, priced once per aggregate) and ``emf`` (the metric documents); ``runtime`` loads
the bundled runtime config, ``profiles`` is the only AWS call (an unknown application inference profile),
and ``handler`` is the thin Lambda entry point ``lambdas.metering.handler.lambda_handler``.
"""
