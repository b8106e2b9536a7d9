"""Attribute an invocation to (application, feature) with the rules of the runtime config.

First rule *kind* that matches wins, in this order:

1. ``metadata_rules``: every key/value of a rule's ``match`` equals the record's ``requestMetadata``
   (rules tried in config order);
2. the application inference profile the call went through: profiles the stack created
   (``GUARDRAILS_PROFILE_FEATURES``) first, then ``profile_rules`` (existing profiles named in config);
3. ``identity_rules``: ``identity.arn`` matches one of a rule's fnmatch globs (case-sensitive, ``*`` also
   crosses ``/``), rules in config order;

else application ``unattributed``, feature ``unattributed``.

Only the requestMetadata keys some rule looks at take part in the cache key, so per-request metadata such as
tenant or trace ids does not defeat the cache. Globs are compiled to one regex per rule, once.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, NamedTuple

from core.contract import UNATTRIBUTED
from core.runtime_config import IdentityRule, MetadataRule, ProfileRule

_MAX_CACHE = 50_000


class Attribution(NamedTuple):
    application: str
    feature: str


UNATTRIBUTED_ATTRIBUTION = Attribution(UNATTRIBUTED, UNATTRIBUTED)


def compile_globs(globs: Iterable[str]) -> re.Pattern[str]:
    """One regex matching any of the fnmatch globs (case-sensitive, like fnmatch.fnmatchcase)."""
    parts = [fnmatch.translate(g) for g in globs]
    return re.compile("|".join(f"(?:{p})" for p in parts) if parts else r"(?!)")


def profile_id_of(model_id: str) -> str | None:
    """The id of an application inference profile ARN (``.../application-inference-profile/<id>``)."""
    if ":application-inference-profile/" in model_id:
        return model_id.rsplit("/", 1)[-1]
    return None


class Attributor:
    """Rules → (application, feature), cached by (relevant metadata, profile id, identity arn)."""

    __slots__ = ("_cache", "_identity", "_key0", "_keys", "_metadata", "_profiles")

    def __init__(
        self,
        metadata_rules: Iterable[MetadataRule],
        profile_rules: Iterable[ProfileRule],
        identity_rules: Iterable[IdentityRule],
        profile_features: Mapping[str, str] | None = None,
        feature_applications: Mapping[str, str] | None = None,
    ) -> None:
        meta = [(dict(r.match), Attribution(r.application, r.feature)) for r in metadata_rules]
        keys: list[str] = []
        for match, _ in meta:
            keys.extend(k for k in match if k not in keys)
        self._keys: tuple[str, ...] = tuple(keys)
        self._key0: str | None = keys[0] if len(keys) == 1 else None
        # Each rule as (index in the projected tuple, expected value) pairs.
        self._metadata: list[tuple[tuple[tuple[int, str], ...], Attribution]] = [
            (tuple((keys.index(k), v) for k, v in match.items()), att) for match, att in meta if match
        ]
        profiles: dict[str, Attribution] = {}
        apps = feature_applications or {}
        for pid, feature in (profile_features or {}).items():
            app = apps.get(feature)
            if app is not None:  # a stale mapping to a feature no longer in config is ignored
                profiles.setdefault(pid.rsplit("/", 1)[-1], Attribution(app, feature))
        for r in profile_rules:
            for pid in r.profile_ids:
                profiles.setdefault(pid.rsplit("/", 1)[-1], Attribution(r.application, r.feature))
        self._profiles = profiles
        self._identity = [
            (compile_globs(r.globs), Attribution(r.application, r.feature)) for r in identity_rules
        ]
        self._cache: dict[Hashable, Attribution] = {}

    def project(self, metadata: Mapping[str, Any] | None) -> Any:
        """The part of requestMetadata the rules look at (hashable unless a value is a list/object)."""
        if metadata is None or not self._keys:
            return None
        if self._key0 is not None:
            return metadata.get(self._key0)
        return tuple(map(metadata.get, self._keys))

    def attribute(
        self, metadata: Mapping[str, Any] | None, profile_id: str | None, identity_arn: str | None
    ) -> Attribution:
        proj = self.project(metadata)
        key = (proj, profile_id, identity_arn)
        try:
            hit = self._cache.get(key)
        except TypeError:  # an unhashable metadata value: no rule can match it, evaluate uncached
            return self._evaluate(None, profile_id, identity_arn)
        if hit is not None:
            return hit
        result = self._evaluate(proj, profile_id, identity_arn)
        if len(self._cache) >= _MAX_CACHE:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _evaluate(self, proj: Any, profile_id: str | None, identity_arn: str | None) -> Attribution:
        if proj is not None:
            values = (proj,) if self._key0 is not None else proj
            for pairs, att in self._metadata:
                if all(values[i] == v for i, v in pairs):
                    return att
        if profile_id is not None:
            by_profile = self._profiles.get(profile_id)
            if by_profile is not None:
                return by_profile
        if identity_arn is not None:
            for pattern, att in self._identity:
                if pattern.match(identity_arn):
                    return att
        return UNATTRIBUTED_ATTRIBUTION
