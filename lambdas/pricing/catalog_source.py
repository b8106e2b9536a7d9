"""Where a Lambda gets its price catalog: the refreshed catalog in S3, cached, else the bundled one.

The price-refresh Lambda (``lambdas.price_refresh``) publishes the merged catalog as one JSON object in a
KMS-encrypted S3 bucket: ``$GUARDRAILS_PRICE_BUCKET`` / ``$GUARDRAILS_PRICE_KEY``. S3 rather than SSM: the
catalog is about 200 KB, and an SSM parameter holds at most 4 KB (Standard) or 8 KB (Advanced).

``current_catalog()`` is meant to be called once per invocation (never per record):

* within the TTL (15 minutes by default) it returns the cached object: no AWS call;
* after the TTL it makes one conditional ``GetObject`` (``IfNoneMatch`` the last ETag): an unchanged
  object costs a 304 and keeps the cached catalog, so callers can compare catalogs by identity;
* nothing published yet (404), no bucket configured, or any fetch/parse failure: the last good refreshed
  catalog if there is one, else the bundled catalog; failures are retried after a short back-off
  (1 minute), not on every invocation.

With ``overrides`` / ``discount_percent`` (the runtime config's pricing section) the customised catalog is
cached too, and rebuilt only when the underlying catalog changes.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from core.runtime_config import DEFAULT_PRICE_KEY, PRICE_BUCKET_ENV, PRICE_KEY_ENV
from lambdas.pricing.catalog import PriceCatalog
from lambdas.pricing.merge import REFRESHED_VERSION_PREFIX

PRICE_TTL_ENV = "GUARDRAILS_PRICE_TTL_SECONDS"
DEFAULT_TTL_SECONDS = 15 * 60
FAILURE_RETRY_SECONDS = 60

logger = logging.getLogger(__name__)


@dataclass
class _State:
    refreshed: PriceCatalog | None = None  # last good catalog read from S3
    etag: str | None = None
    location: tuple[str, str] | None = None
    next_check: float = 0.0  # monotonic time of the next S3 check
    origin: str = "bundled"  # "s3", "bundled" (nothing published / not configured), "fallback" (fetch failed)
    custom: tuple[PriceCatalog, str, PriceCatalog] | None = None  # (base, overrides key, customised)


_state = _State()
_lock = threading.Lock()
_s3_client: Any = None


def _s3() -> Any:
    global _s3_client
    if _s3_client is None:
        import boto3  # deferred: a Lambda without a price bucket never needs it
        from botocore.config import Config

        # Short timeouts: a slow S3 must cost a metering batch seconds (it keeps the last good catalog),
        # never the function's timeout.
        _s3_client = boto3.client(
            "s3",
            config=Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 2, "mode": "standard"}),
        )
    return _s3_client


def reset_cache(s3_client: Any = None) -> None:
    """Forget everything cached (tests); optionally use ``s3_client`` from now on."""
    global _state, _s3_client
    with _lock:
        _state = _State()
        _s3_client = s3_client


def expire_cache() -> None:
    """Make the next ``current_catalog()`` check S3 (keeps the ETag and the last good catalog)."""
    with _lock:
        _state.next_check = 0.0


def catalog_origin() -> str:
    """Where the last ``current_catalog()`` came from: ``s3``, ``bundled`` or ``fallback``."""
    return _state.origin


def _location(environ: Mapping[str, str]) -> tuple[str, str] | None:
    bucket = environ.get(PRICE_BUCKET_ENV)
    if not bucket:
        return None
    return bucket, environ.get(PRICE_KEY_ENV) or DEFAULT_PRICE_KEY


def _ttl(environ: Mapping[str, str]) -> float:
    try:
        return max(0.0, float(environ.get(PRICE_TTL_ENV) or DEFAULT_TTL_SECONDS))
    except ValueError:
        return float(DEFAULT_TTL_SECONDS)


def _error_code(exc: Exception) -> str:
    """The service's error code (or HTTP status when S3 sends none, as for 304), "" for other errors."""
    from botocore.exceptions import ClientError  # here: metering's cold start stays free of botocore

    if isinstance(exc, ClientError):
        response = exc.response
        error = response.get("Error") or {}
        return str(error.get("Code") or response.get("ResponseMetadata", {}).get("HTTPStatusCode") or "")
    return ""


def _fetch(location: tuple[str, str], now: float, ttl: float) -> None:
    """Update ``_state`` from S3 (caller holds the lock)."""
    bucket, key = location
    if _state.location != location:
        _state.refreshed, _state.etag, _state.location = None, None, location
    kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key}
    if _state.etag and _state.refreshed is not None:
        kwargs["IfNoneMatch"] = _state.etag
    try:
        response = _s3().get_object(**kwargs)
    except Exception as exc:
        code = _error_code(exc)
        if code in ("304", "NotModified"):
            _state.next_check, _state.origin = now + ttl, "s3"
            return
        if code in ("NoSuchKey", "404"):
            logger.info("no refreshed price catalog published yet at s3://%s/%s: bundled", bucket, key)
            _state.refreshed, _state.etag = None, None
            _state.next_check, _state.origin = now + ttl, "bundled"
            return
        logger.warning(
            "cannot read the refreshed price catalog s3://%s/%s (%s): %s",
            bucket,
            key,
            code or type(exc).__name__,
            "keeping the last good one" if _state.refreshed else "using the bundled catalog",
        )
        _state.next_check, _state.origin = now + min(ttl, FAILURE_RETRY_SECONDS), "fallback"
        return
    try:
        body = response["Body"].read()
        catalog = PriceCatalog.from_dict(json.loads(body))
    except Exception as exc:
        logger.warning("refreshed price catalog s3://%s/%s is unusable (%s): not used", bucket, key, exc)
        _state.next_check, _state.origin = now + min(ttl, FAILURE_RETRY_SECONDS), "fallback"
        return
    _state.refreshed, _state.etag = catalog, response.get("ETag")
    _state.next_check, _state.origin = now + ttl, "s3"


def _overrides_key(overrides: Iterable[Any] | Mapping[str, Any] | None, discount: Any) -> str:
    if isinstance(overrides, Mapping):
        items: Any = dict(overrides)
    else:
        items = [getattr(o, "model_dump", lambda o=o: o)() for o in (overrides or ())]
    return json.dumps([items, str(discount or "0")], sort_keys=True, default=str)


def _no_discount(discount: Any) -> bool:
    try:
        return discount is None or Decimal(str(discount)) == 0
    except InvalidOperation:
        return False  # let with_overrides report it


def current_catalog(
    overrides: Iterable[Any] | Mapping[str, Any] | None = None,
    discount_percent: Any = None,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> PriceCatalog:
    """The catalog to price with now (see the module doc); the same object until it changes."""
    env = os.environ if environ is None else environ
    location = _location(env)
    with _lock:
        if location is None:
            _state.origin = "bundled"
        else:
            now = clock()
            if now >= _state.next_check or _state.location != location:
                _fetch(location, now, _ttl(env))
        base = _state.refreshed if location is not None and _state.refreshed is not None else None
        catalog = base or PriceCatalog.load()
        if not overrides and _no_discount(discount_percent):
            return catalog
        key = _overrides_key(overrides, discount_percent)
        cached = _state.custom
        if cached is not None and cached[0] is catalog and cached[1] == key:
            return cached[2]
        custom = catalog.with_overrides(overrides, discount_percent)
        _state.custom = (catalog, key, custom)
        return custom


def catalog_label(catalog: PriceCatalog) -> str:
    """One line for notifications, replay output and dashboard headers.

    ``prices as of 2026-09-01 (bundled 2026.09.1)``, ``prices as of 2026-11-23 (AWS Price List refresh)``,
    with ``, with config overrides`` when a discount or overrides were applied.
    """
    version = catalog.version
    base, _, custom = version.partition("+")
    kind = "AWS Price List refresh" if base.startswith(REFRESHED_VERSION_PREFIX) else f"bundled {base}"
    if custom:
        kind += ", with config overrides"
    return f"prices as of {catalog.as_of} ({kind})"
