"""boto3 clients of the scheduled Lambdas: botocore's standard retry mode, so a throttled or failed call is
retried with backoff before it reaches the per-feature error handling."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

RETRIES = Config(retries={"mode": "standard", "max_attempts": 5})


def client(service_name: str, region_name: str | None = None) -> Any:
    return boto3.client(service_name, region_name=region_name, config=RETRIES)
