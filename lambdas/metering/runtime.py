"""Load the runtime config bundled with the function (see ``config/runtime.py`` for the schema).

Path: ``$GUARDRAILS_RUNTIME_CONFIG``, else ``runtime_config.json`` at the asset root (the directory that
holds the ``lambdas`` package). Deploy-time values arrive in ``$GUARDRAILS_PROFILE_FEATURES``: a JSON object
{application inference profile id (or ARN): feature name} for the profiles the stack creates; the feature's
``inference_profile_copy_from`` tells which model or system profile that profile routes to, so resolving it
needs no AWS call.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RUNTIME_CONFIG_ENV = "GUARDRAILS_RUNTIME_CONFIG"
PROFILE_FEATURES_ENV = "GUARDRAILS_PROFILE_FEATURES"
RUNTIME_CONFIG_FILE = "runtime_config.json"
SUPPORTED_VERSION = 1

# lambdas/metering/runtime.py -> lambdas/ -> asset root
DEFAULT_RUNTIME_CONFIG_PATH = Path(__file__).resolve().parent.parent.parent / RUNTIME_CONFIG_FILE


class RuntimeConfigError(ValueError):
    """The bundled runtime config or the profile mapping is missing or invalid."""


@dataclass(frozen=True, slots=True)
class RuntimeConfig:
    environment: str
    namespace: str
    account: str
    feature_applications: Mapping[str, str]  # feature -> application
    feature_copy_from: Mapping[str, str]  # feature -> model / system profile its app profile routes to
    metadata_rules: tuple[Mapping[str, Any], ...]
    profile_rules: tuple[Mapping[str, Any], ...]
    identity_rules: tuple[Mapping[str, Any], ...]
    discount_percent: str
    price_overrides: tuple[Mapping[str, Any], ...]
    profile_features: Mapping[str, str]  # profile id -> feature (from the environment)

    def profile_targets(self) -> dict[str, str]:
        """{profile id: model id or system profile id} for the stack's profiles: no AWS call needed."""
        targets: dict[str, str] = {}
        for pid, feature in self.profile_features.items():
            target = self.feature_copy_from.get(feature)
            if target:
                targets[pid] = target
        return targets


def runtime_config_path(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(RUNTIME_CONFIG_ENV) or DEFAULT_RUNTIME_CONFIG_PATH)


def parse_profile_features(raw: str | None) -> dict[str, str]:
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise RuntimeConfigError(f"{PROFILE_FEATURES_ENV} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise RuntimeConfigError(f"{PROFILE_FEATURES_ENV} must be a JSON object of strings")
    # Accept ARNs as keys too: attribution and resolution key on the profile id.
    return {k.rsplit("/", 1)[-1]: v for k, v in data.items()}


def runtime_config_from_dict(data: Mapping[str, Any], profile_features: Mapping[str, str]) -> RuntimeConfig:
    if data.get("version") != SUPPORTED_VERSION:
        raise RuntimeConfigError(
            f"runtime config version {data.get('version')!r}, expected {SUPPORTED_VERSION}"
        )
    try:
        features = data["features"]
        pricing = data.get("pricing") or {}
        return RuntimeConfig(
            environment=str(data["environment"]),
            namespace=str(data.get("namespace") or "GenAI/Cost"),
            account=str(data.get("account", "")),
            feature_applications={f["name"]: f["application"] for f in features},
            feature_copy_from={
                f["name"]: f["inference_profile_copy_from"]
                for f in features
                if f.get("inference_profile_copy_from")
            },
            metadata_rules=tuple(data.get("metadata_rules") or ()),
            profile_rules=tuple(data.get("profile_rules") or ()),
            identity_rules=tuple(data.get("identity_rules") or ()),
            discount_percent=str(pricing.get("discount_percent") or "0"),
            price_overrides=tuple(pricing.get("overrides") or ()),
            profile_features=dict(profile_features),
        )
    except (KeyError, TypeError) as exc:
        raise RuntimeConfigError(f"runtime config is missing or has a malformed field: {exc!r}") from exc


def load_runtime_config(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> RuntimeConfig:
    env = os.environ if environ is None else environ
    file = Path(path) if path is not None else runtime_config_path(env)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeConfigError(f"cannot read runtime config {file}: {exc}") from exc
    if not isinstance(data, dict):
        raise RuntimeConfigError(f"runtime config {file} is not a JSON object")
    return runtime_config_from_dict(data, parse_profile_features(env.get(PROFILE_FEATURES_ENV)))
