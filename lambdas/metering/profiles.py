"""The only AWS call of the metering path: what model an unknown application inference profile routes to.

Profiles the stack creates are mapped offline (runtime config + ``GUARDRAILS_PROFILE_FEATURES``); any other
application inference profile ARN is looked up once with ``bedrock:GetInferenceProfile`` and the answer is
cached for the life of the container. A failed lookup is cached for ``FAILURE_TTL_SECONDS`` (so a throttled
or denied API is not hammered once per record) and the record is metered unpriced, never lost.

``GetInferenceProfile`` lists the foundation-model ARNs the profile routes to, not the system profile it was
copied from, so the routing scope is inferred: one Region → the base model id (in-Region); several Regions
of one geography → a geo profile (``us.``, ``eu.``, ``apac.`` ...); several geographies → ``global.``.
Only the scope (in-Region / geo / global) affects the price, not which geo prefix.

**Per-batch budget.** A batch must never run into the function's timeout (60 s), however many unknown
profiles it carries (each lookup is a network round trip, ~50 ms, up to ~11 s when the endpoint stalls:
two attempts of 2 s connect + 3 s read). ``begin_batch`` opens a budget of at most
``MAX_LOOKUPS_PER_BATCH`` lookups and ``LOOKUP_BUDGET_SECONDS`` of time for the batch; a profile met once
the budget is spent is *deferred*: metered unpriced with that reason (Model ``unknown``), not cached, and
looked up on a later batch (the answers are cached per container, so every batch resolves some more). A
throttled API or an unreachable endpoint spends the rest of the batch's budget at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

FAILURE_TTL_SECONDS = 60.0
MAX_LOOKUPS_PER_BATCH = 50
LOOKUP_BUDGET_SECONDS = 10.0
_MAX_CACHED = 10_000  # answers and failures kept per container (a bound on memory, never reached in practice)
# Errors after which further calls in the same batch would fail the same way (or stall): stop for the batch.
_STOP_BATCH_CODES = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "ServiceUnavailableException"}
)
DEFERRED_BY_COUNT = (
    "application inference profile not resolved yet: this batch reached its cap of {n} "
    "bedrock:GetInferenceProfile calls (looked up on a later batch)"
)
DEFERRED_BY_TIME = (
    "application inference profile not resolved yet: this batch spent its time budget for "
    "bedrock:GetInferenceProfile calls (looked up on a later batch)"
)
DEFERRED_BY_ERROR = (
    "application inference profile not resolved yet: bedrock:GetInferenceProfile answered {error} "
    "earlier in this batch (looked up on a later batch)"
)

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


def _batch_stopping_error(exc: Exception) -> str | None:
    """The error's name when every further call this batch would fail the same way or stall (a throttled
    API, an endpoint that does not answer), else None."""
    # Imported here: only a failed call gets here (botocore is loaded by then); metering's cold start stays
    # free of botocore.
    from botocore.exceptions import (
        ClientError,
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        ReadTimeoutError,
    )

    if isinstance(
        exc, (ConnectTimeoutError, ReadTimeoutError, EndpointConnectionError, ConnectionClosedError)
    ):
        return type(exc).__name__
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return code if code in _STOP_BATCH_CODES else None
    return None


class ProfileResolver:
    """Caches GetInferenceProfile answers per profile ARN (failures for FAILURE_TTL_SECONDS); bounds the
    calls one batch may make (``begin_batch``)."""

    def __init__(
        self, client_factory: ClientFactory | None = None, clock: Callable[[], float] = time.monotonic
    ):
        self.client_factory: ClientFactory = client_factory or default_client_factory
        self._clock = clock
        self._targets: dict[str, str] = {}
        self._failures: dict[str, tuple[float, str]] = {}
        self._clients: dict[str, Any] = {}
        self.calls = 0  # lookups made by this container
        self.batch_calls = 0  # lookups made in the current batch
        self.batch_deferred = 0  # profiles deferred to a later batch in the current batch
        self._calls_left = MAX_LOOKUPS_PER_BATCH
        self._max_calls = MAX_LOOKUPS_PER_BATCH
        self._deadline = float("inf")
        self._stopped: str | None = None  # why the rest of this batch's lookups wait

    def begin_batch(
        self, *, max_lookups: int = MAX_LOOKUPS_PER_BATCH, budget_seconds: float = LOOKUP_BUDGET_SECONDS
    ) -> None:
        """Open the budget of one batch: at most ``max_lookups`` calls, none started after
        ``budget_seconds`` (on this resolver's clock) from now."""
        self._max_calls = self._calls_left = max(0, max_lookups)
        self._deadline = self._clock() + max(0.0, budget_seconds)
        self.batch_calls = 0
        self.batch_deferred = 0
        self._stopped = None

    def _deferral(self, now: float) -> str | None:
        if self._stopped is not None:
            return self._stopped
        if self._calls_left <= 0:
            return DEFERRED_BY_COUNT.format(n=self._max_calls)
        if now >= self._deadline:
            return DEFERRED_BY_TIME
        return None

    def target(self, profile_arn: str) -> tuple[str | None, str | None]:
        """(target model id, None) or (None, reason)."""
        hit = self._targets.get(profile_arn)
        if hit is not None:
            return hit, None
        now = self._clock()
        failed = self._failures.get(profile_arn)
        if failed is not None and now - failed[0] < FAILURE_TTL_SECONDS:
            return None, failed[1]
        deferred = self._deferral(now)
        if deferred is not None:
            self.batch_deferred += 1
            return None, deferred
        parts = profile_arn.split(":")
        region = parts[3] if len(parts) > 3 else ""
        self.calls += 1
        self.batch_calls += 1
        self._calls_left -= 1
        try:
            client = self._clients.get(region)
            if client is None:
                client = self._clients[region] = self.client_factory(region)
            response = client.get_inference_profile(inferenceProfileIdentifier=profile_arn)
            target = target_from_response(response)
        except Exception as exc:  # any failure: the record is metered unpriced, never lost
            stopping = _batch_stopping_error(exc)
            if stopping is not None:  # the rest of this batch's profiles wait for a later batch
                self._stopped = DEFERRED_BY_ERROR.format(error=stopping)
            reason = f"bedrock:GetInferenceProfile failed for {profile_arn}: {type(exc).__name__}: {exc}"
            if len(self._failures) >= _MAX_CACHED:
                self._failures.clear()
            self._failures[profile_arn] = (self._clock(), reason[:500])
            return None, reason[:500]
        self._failures.pop(profile_arn, None)
        if len(self._targets) >= _MAX_CACHED:
            self._targets.clear()
        self._targets[profile_arn] = target
        return target, None
