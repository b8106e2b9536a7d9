"""The only AWS call of the metering path: what model an unknown application inference profile routes to.

Profiles the stack creates are mapped offline (runtime config + ``GUARDRAILS_PROFILE_FEATURES``); any other
application inference profile ARN is looked up once with ``bedrock:GetInferenceProfile`` and the answer is
cached for the life of the container. A failed lookup is cached for ``FAILURE_TTL_SECONDS`` (so a throttled
or denied API is not hammered once per record) and the record is metered unpriced, never lost.

``GetInferenceProfile`` lists the foundation-model ARNs the profile routes to, not the system profile it was
copied from, so the routing scope is inferred: one Region → the base model id (in-Region); several Regions
of one geography → a geo profile (``us.``, ``eu.``, ``apac.`` ...); several geographies → ``global.``.
Only the scope (in-Region / geo / global) affects the price, not which geo prefix.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

FAILURE_TTL_SECONDS = 60.0

ClientFactory = Callable[[str], Any]


def default_client_factory(region: str) -> Any:
    import boto3  # imported lazily: most containers never need it
    from botocore.config import Config

    return boto3.client(
        "bedrock",
        region_name=region or None,
        # Short timeouts: metering must not stall on this call; a failure only makes the record unpriced.
        config=Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 2, "mode": "standard"}),
    )


def _geo_of(region: str) -> str:
    if region.startswith("us-gov-"):
        return "us-gov"
    if region in ("ap-northeast-1", "ap-northeast-3"):
        return "jp"
    if region in ("ap-southeast-2", "ap-southeast-4"):
        return "au"
    head = region.split("-", 1)[0]
    return {"ap": "apac", "ca": "ca", "eu": "eu", "us": "us"}.get(head, head)


def target_from_response(response: dict[str, Any]) -> str:
    """Model id / system profile id an application profile routes to, from a GetInferenceProfile answer."""
    models = response.get("models") or []
    bases: set[str] = set()
    regions: set[str] = set()
    for m in models:
        arn = m.get("modelArn", "") if isinstance(m, dict) else ""
        parts = arn.split(":", 5)
        if len(parts) != 6 or not parts[5].startswith("foundation-model/"):
            raise ValueError(f"profile routes to an unexpected resource {arn!r}")
        bases.add(parts[5].split("/", 1)[1])
        if parts[3]:
            regions.add(parts[3])
    if len(bases) != 1:
        raise ValueError(f"profile routes to {len(bases)} models {sorted(bases)}, expected one")
    base = bases.pop()
    if len(regions) <= 1:
        return base
    geos = {_geo_of(r) for r in regions}
    # Two AP geographies (jp and apac, au and apac) are still one "apac" profile.
    if len(geos) > 1 and geos <= {"jp", "au", "apac"}:
        geos = {"apac"}
    prefix = geos.pop() if len(geos) == 1 else "global"
    return f"{prefix}.{base}"


class ProfileResolver:
    """Caches GetInferenceProfile answers per profile ARN; failures for FAILURE_TTL_SECONDS."""

    def __init__(
        self, client_factory: ClientFactory | None = None, clock: Callable[[], float] = time.monotonic
    ):
        self.client_factory: ClientFactory = client_factory or default_client_factory
        self._clock = clock
        self._targets: dict[str, str] = {}
        self._failures: dict[str, tuple[float, str]] = {}
        self._clients: dict[str, Any] = {}
        self.calls = 0

    def target(self, profile_arn: str) -> tuple[str | None, str | None]:
        """(target model id, None) or (None, reason)."""
        hit = self._targets.get(profile_arn)
        if hit is not None:
            return hit, None
        failed = self._failures.get(profile_arn)
        if failed is not None and self._clock() - failed[0] < FAILURE_TTL_SECONDS:
            return None, failed[1]
        parts = profile_arn.split(":")
        region = parts[3] if len(parts) > 3 else ""
        self.calls += 1
        try:
            client = self._clients.get(region)
            if client is None:
                client = self._clients[region] = self.client_factory(region)
            response = client.get_inference_profile(inferenceProfileIdentifier=profile_arn)
            target = target_from_response(response)
        except Exception as exc:  # any failure: the record is metered unpriced, never lost
            reason = f"bedrock:GetInferenceProfile failed for {profile_arn}: {type(exc).__name__}: {exc}"
            self._failures[profile_arn] = (self._clock(), reason[:500])
            return None, reason[:500]
        self._failures.pop(profile_arn, None)
        self._targets[profile_arn] = target
        return target, None
