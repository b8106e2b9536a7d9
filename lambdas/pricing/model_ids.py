"""Turn whatever Bedrock puts in an invocation log's ``modelId`` into a base model id and a routing scope.

Invocation logs carry bare model ids, foundation-model ARNs, system inference profile ids (``us.``,
``global.`` ...) and their ARNs, application inference profile ARNs, and ARNs of provisioned, custom
and imported models. Pricing needs the *base* model id (the catalog key, also the ``Model`` metric
dimension) plus the routing scope, because Claude 4.5+ prices global profiles differently from geo
profiles and in-region calls.

The common case (no application-profile mapping) is cached: the metering hot path calls this once per
log record and a deployment only ever sees a few dozen distinct strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

Scope = Literal["in_region", "geo", "global"]
SourceKind = Literal[
    "foundation_model",
    "system_profile",
    "application_profile",
    "provisioned",
    "custom_model",
    "imported_model",
    "prompt_router",
    "unknown",
]

# Geography prefixes of system-defined cross-region inference profiles. "global" is a scope of its own.
GEO_PREFIXES: frozenset[str] = frozenset({"us", "eu", "apac", "jp", "au", "ca", "us-gov", "global"})

# Model providers as they appear as the first segment of a Bedrock base model id. Used to recognise a
# geography prefix AWS adds after this list was written ("xx.anthropic...." is still a profile).
KNOWN_PROVIDERS: frozenset[str] = frozenset(
    {
        "ai21", "amazon", "anthropic", "cohere", "deepseek", "google", "luma", "meta", "minimax", "mistral",
        "moonshot", "moonshotai", "nvidia", "openai", "qwen", "stability", "twelvelabs", "writer", "xai",
        "zai",
    }
)  # fmt: skip

# <provider>.<model>[:version...]; provider is lower case, model ids never contain whitespace or '/'.
_BASE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*\.[A-Za-z0-9][A-Za-z0-9._:\-]*$")
_GEO_RE = re.compile(r"^[a-z]{2,6}(-[a-z]{2,4})?$")
_ARN_PARTITIONS = frozenset({"aws", "aws-us-gov", "aws-cn", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f"})
_MAX_PROFILE_DEPTH = 3

# AWS's default prompt routers: (fallback model, the other model it routes to). The pairs are the ones the
# CDK's DefaultPromptRouterIdentifier and the Bedrock user guide ("intelligent prompt routing") list; the
# fallback is the more capable model, the baseline the router keeps unless the smaller one is predicted to
# answer as well. A default router routes through the geography's cross-region profiles, so it is priced
# as a geo call from the Region it was called in. A record that names the model that served the call
# (``trace.promptRouter.invokedModelId``) is priced at that model instead: exact, not an estimate.
DEFAULT_PROMPT_ROUTERS: dict[str, tuple[str, str]] = {
    "anthropic.claude:1": (
        "anthropic.claude-3-5-sonnet-20240620-v1:0",
        "anthropic.claude-3-haiku-20240307-v1:0",
    ),
    "meta.llama:1": ("meta.llama3-1-70b-instruct-v1:0", "meta.llama3-1-8b-instruct-v1:0"),
    "amazon.nova:1": ("amazon.nova-pro-v1:0", "amazon.nova-lite-v1:0"),
}


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """What a ``modelId`` string means for pricing.

    ``base_model_id`` is the catalog key and the metric dimension: never an ARN, never geo-prefixed. For
    provisioned/custom/imported models it is the ARN's resource part (stable, but not priceable per token).
    ``geo_prefix`` is the system-profile prefix as written (``us``, ``eu``, ``global`` ...), else None.
    """

    base_model_id: str | None
    scope: Scope
    geo_prefix: str | None
    source_kind: SourceKind
    unpriced_reason: str | None
    # Set when the model is a stand-in (a prompt router's fallback model): the cost is an estimate.
    estimate: str | None = None

    @property
    def priceable(self) -> bool:
        return self.base_model_id is not None and self.unpriced_reason is None


def _unknown(model_id: str, why: str) -> ResolvedModel:
    return ResolvedModel(None, "in_region", None, "unknown", f"unrecognised model id {model_id!r}: {why}")


def _resolve_plain_id(model_id: str) -> ResolvedModel:
    """A bare base model id or a system inference profile id (``<geo>.<provider>.<model>``)."""
    if not _BASE_ID_RE.match(model_id):
        return _unknown(model_id, "not a Bedrock model id, inference profile id or ARN")
    first, rest = model_id.split(".", 1)
    if first in GEO_PREFIXES or (
        first not in KNOWN_PROVIDERS and _GEO_RE.match(first) and rest.split(".", 1)[0] in KNOWN_PROVIDERS
    ):
        if not _BASE_ID_RE.match(rest):
            return _unknown(model_id, f"profile prefix {first!r} is not followed by a model id")
        scope: Scope = "global" if first == "global" else "geo"
        return ResolvedModel(rest, scope, first, "system_profile", None)
    return ResolvedModel(model_id, "in_region", None, "foundation_model", None)


def _resolve_arn(arn: str, profiles: Mapping[str, str] | None, depth: int) -> ResolvedModel:
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[1] not in _ARN_PARTITIONS or parts[2] != "bedrock":
        return _unknown(arn, "not a Bedrock ARN")
    resource = parts[5]
    rtype, sep, rid = resource.partition("/")
    if not sep or not rid:
        return _unknown(arn, "ARN has no resource id")
    if rtype == "foundation-model":
        inner = _resolve_plain_id(rid)
        if inner.source_kind != "foundation_model":
            return _unknown(arn, "foundation-model ARN does not name a base model")
        return inner
    if rtype == "inference-profile":
        inner = _resolve_plain_id(rid)
        if inner.source_kind == "unknown":
            return _unknown(arn, "inference-profile ARN does not name a system profile")
        # A system profile ARN always routes through the profile, even if its id had no recognised prefix.
        return replace(inner, source_kind="system_profile")
    if rtype == "application-inference-profile":
        return _resolve_application_profile(arn, rid, profiles, depth)
    if rtype in ("default-prompt-router", "prompt-router"):
        return _resolve_prompt_router(rtype, rid)
    # These are billed per model-unit hour or per custom-model deployment, not per token. The resource
    # part is stable and readable, so it serves as the metric dimension.
    if rtype == "provisioned-model":
        return ResolvedModel(
            resource, "in_region", None, "provisioned",
            "provisioned throughput is billed per model-unit hour, not per token",
        )  # fmt: skip
    if rtype == "custom-model":
        return ResolvedModel(
            resource, "in_region", None, "custom_model",
            "custom model inference has no per-token list price in the catalog",
        )  # fmt: skip
    if rtype == "imported-model":
        return ResolvedModel(
            resource, "in_region", None, "imported_model",
            "imported models are billed per custom-model unit and minute, not per token",
        )  # fmt: skip
    return _unknown(arn, f"unsupported Bedrock resource type {rtype!r}")


def _resolve_prompt_router(rtype: str, router_id: str) -> ResolvedModel:
    pair = DEFAULT_PROMPT_ROUTERS.get(router_id) if rtype == "default-prompt-router" else None
    if pair is None:
        return ResolvedModel(
            None, "geo", None, "prompt_router",
            f"prompt router {router_id!r}: the record does not name the model that served the call "
            "(log response bodies to get trace.promptRouter.invokedModelId) and its fallback model is "
            "not known offline",
        )  # fmt: skip
    fallback = pair[0]
    return ResolvedModel(
        fallback, "geo", None, "prompt_router", None,
        f"default prompt router {router_id} priced at its fallback model {fallback}: the record does not "
        "name the model that served the call",
    )  # fmt: skip


def _resolve_application_profile(
    key: str, profile_id: str, profiles: Mapping[str, str] | None, depth: int
) -> ResolvedModel:
    target = None
    if profiles:
        target = profiles.get(key) or profiles.get(profile_id)
    if target is None:
        return ResolvedModel(
            None, "in_region", None, "application_profile",
            f"application inference profile {profile_id!r} cannot be resolved offline; "
            "call bedrock:GetInferenceProfile to find its model",
        )  # fmt: skip
    if depth >= _MAX_PROFILE_DEPTH:
        return ResolvedModel(
            None, "in_region", None, "application_profile",
            f"application inference profile {profile_id!r} maps to itself or nests too deep",
        )  # fmt: skip
    inner = _resolve(target, profiles, depth + 1)
    if inner.source_kind == "unknown":
        return ResolvedModel(
            None, "in_region", None, "application_profile",
            f"application inference profile {profile_id!r} maps to an unrecognised model {target!r}",
        )  # fmt: skip
    # Keep the underlying scope: an application profile copied from global.* is billed as global.
    return replace(inner, source_kind="application_profile")


def _resolve(model_id: str, profiles: Mapping[str, str] | None, depth: int) -> ResolvedModel:
    model_id = model_id.strip()
    if not model_id:
        return _unknown(model_id, "empty")
    if profiles and model_id in profiles and not model_id.startswith("arn:"):
        # A bare application-profile id (as GetInferenceProfile returns it).
        return _resolve_application_profile(model_id, model_id, profiles, depth)
    if model_id.startswith("arn:"):
        return _resolve_arn(model_id, profiles, depth)
    return _resolve_plain_id(model_id)


@lru_cache(maxsize=4096)
def _resolve_cached(model_id: str) -> ResolvedModel:
    return _resolve(model_id, None, 0)


def resolve_model_id(model_id: str, application_profiles: Mapping[str, str] | None = None) -> ResolvedModel:
    """Resolve a log record's ``modelId``.

    ``application_profiles`` maps an application inference profile ARN (or its id) to the model id,
    system profile id or ARN it was created from; targets are resolved recursively. Without a mapping
    the result is cached; with one, only application-profile strings bypass the cache.
    """
    if not isinstance(model_id, str):
        return _unknown(repr(model_id), "not a string")
    if application_profiles and (
        ":application-inference-profile/" in model_id or model_id.strip() in application_profiles
    ):
        return _resolve(model_id, application_profiles, 0)
    return _resolve_cached(model_id)
