"""What an invocation-log record says beyond its four token counts, when it says it.

With text (and image) data delivery on, a record carries the request (``input.inputBodyJson``) and the
response (``output.outputBodyJson``). Those bodies tell apart what the token counts cannot:

* the **service tier** (``serviceTier: {"type": "flex" | "priority" | "default"}`` in the request or the
  Converse response) and **latency-optimized** inference (``performanceConfig: {"latency": "optimized"}``);
* **1-hour cache writes** (Anthropic ``usage.cache_creation.ephemeral_1h_input_tokens``), a subset of
  ``input.cacheWriteInputTokenCount``;
* the model a **prompt router** sent the call to (``trace.promptRouter.invokedModelId``);
* **speech tokens** (Nova Sonic usage events: ``speechTokens`` / ``textTokens`` per direction);
* **images generated** (``images`` in the response, else ``imageGenerationConfig.numberOfImages``), with
  their quality and size (``imageGenerationConfig.quality`` / ``width`` / ``height``);
* **images embedded** (``inputImage`` in a Titan Multimodal Embeddings request);
* **rerank queries** (Cohere ``meta.billed_units.search_units``, else one query per 100 documents);
* **seconds of generated video** (Nova Reel ``durationSeconds``);
* **guardrail text units** per policy (``contentPolicyUnits`` ... anywhere in the response trace);
* whether a **guardrail intervened** (InvokeModel: ``"amazon-bedrock-guardrailAction": "INTERVENED"`` in the
  response; Converse: ``"stopReason": "guardrail_intervened"``, also inside stream events).

Without bodies (the default) none of this is known: the metering then prices tokens at the standard,
on-demand, 5-minute-cache rates, and a model billed per image, query or speech token is metered as
unpriced with a reason naming what the record lacks (docs/pricing.md, "What the log tells apart").

Pure functions on the decoded record; called only for records that carry a body (rare, off the hot path).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from lambdas.pricing.catalog import IMAGE_SIZES

# Guardrail usage fields -> catalog rate fields (word filters and the free PII units cost nothing).
GUARDRAIL_UNITS: dict[str, str] = {
    "contentPolicyUnits": "guardrail_content_1k",
    "topicPolicyUnits": "guardrail_topic_1k",
    "sensitiveInformationPolicyUnits": "guardrail_sensitive_1k",
    "contextualGroundingPolicyUnits": "guardrail_grounding_1k",
}
DOCUMENTS_PER_QUERY = 100  # a rerank query covers up to 100 documents; each further 100 is another query
_MAX_DEPTH = 12


class RecordDetail(NamedTuple):
    """What the bodies of one record say. Token fields are corrections of the record's counts."""

    tier: str | None  # "flex" / "priority" (None: standard, or not stated)
    unpriced_mode: str | None  # a request class the catalog has no rates for (reserved, latency-optimized)
    served_model: str | None  # the model a prompt router sent the call to
    cache_write_1h: int  # how many of the cache-write tokens had a 1-hour TTL
    units: tuple[tuple[str, int], ...]  # non-text-token quantities, sorted (catalog rate field, count)
    guardrail_units: tuple[tuple[str, int], ...]  # guardrail text units, sorted (rate field, count)
    speech: tuple[int, int, int, int] | None  # (speech in, text in, speech out, text out) tokens
    guardrail_intervened: bool = False  # the response says a guardrail blocked or rewrote the call


def _walk(node: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    """Every mapping inside a JSON value (bounded depth: a body is data from outside)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from _walk(value, depth + 1)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item, depth + 1)


def _int(value: Any) -> int | None:
    return value if type(value) is int and value >= 0 else None


def _tier(request: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[str | None, str | None]:
    for body in (response, request):
        st = body.get("serviceTier") or body.get("service_tier")
        kind = st.get("type") if isinstance(st, Mapping) else st
        if isinstance(kind, str):
            kind = kind.lower()
            if kind in ("flex", "priority"):
                return kind, None
            if kind == "reserved":
                return None, "reserved tier (billed per tokens-per-minute commitment, not per token)"
            break
    perf = request.get("performanceConfig") or response.get("performanceConfig")
    if isinstance(perf, Mapping) and str(perf.get("latency", "")).lower() == "optimized":
        return None, "latency-optimized inference (its rates are not in the catalog)"
    return None, None


def _served_model(response: Mapping[str, Any]) -> str | None:
    trace = response.get("trace")
    router = trace.get("promptRouter") if isinstance(trace, Mapping) else None
    served = router.get("invokedModelId") if isinstance(router, Mapping) else None
    return served if isinstance(served, str) and served else None


def _cache_1h(response: Mapping[str, Any]) -> int:
    usage = response.get("usage")
    creation = usage.get("cache_creation") if isinstance(usage, Mapping) else None
    if isinstance(creation, Mapping):
        return _int(creation.get("ephemeral_1h_input_tokens")) or 0
    return 0


def _speech(response: Any) -> tuple[int, int, int, int] | None:
    """Nova Sonic: the last usage event's totals, split into speech and text tokens."""
    found = None
    for node in _walk(response):
        inp, out = node.get("input"), node.get("output")
        if isinstance(inp, Mapping) and isinstance(out, Mapping) and "speechTokens" in inp:
            values = (
                inp.get("speechTokens"),
                inp.get("textTokens"),
                out.get("speechTokens"),
                out.get("textTokens"),
            )
            ints = tuple(_int(v) or 0 for v in values)
            found = (ints[0], ints[1], ints[2], ints[3])
    return found


def _image_field(config: Mapping[str, Any]) -> str:
    """``image_<quality>_<size class>``, or ``image`` when the request does not say quality and size."""
    quality = config.get("quality")
    width, height = _int(config.get("width")), _int(config.get("height"))
    if (
        not isinstance(quality, str)
        or quality.lower() not in ("standard", "premium")
        or not width
        or not height
    ):
        return "image"
    longest = max(width, height)
    for size in IMAGE_SIZES:
        if longest <= size:
            return f"image_{quality.lower()}_{size}"
    return "image"


def _images(request: Mapping[str, Any], response: Mapping[str, Any]) -> tuple[str, int] | None:
    config = request.get("imageGenerationConfig")
    images = response.get("images")
    count = len(images) if isinstance(images, list) else None
    if count is None and isinstance(config, Mapping):
        count = _int(config.get("numberOfImages")) or 1
    if count is None:
        return None
    return _image_field(config if isinstance(config, Mapping) else {}), count


def _queries(request: Mapping[str, Any], response: Mapping[str, Any]) -> int | None:
    meta = response.get("meta")
    billed = meta.get("billed_units") if isinstance(meta, Mapping) else None
    if isinstance(billed, Mapping) and _int(billed.get("search_units")) is not None:
        return _int(billed.get("search_units"))
    docs = request.get("documents")
    if isinstance(docs, list) and "query" in request:
        return max(1, math.ceil(len(docs) / DOCUMENTS_PER_QUERY))
    return None


def _guardrail_units(response: Any) -> tuple[tuple[str, int], ...]:
    totals: dict[str, int] = {}
    for node in _walk(response):
        if "contentPolicyUnits" in node or "topicPolicyUnits" in node:
            for name, field in GUARDRAIL_UNITS.items():
                value = _int(node.get(name))
                if value:
                    totals[field] = totals.get(field, 0) + value
    return tuple(sorted(totals.items()))


def _intervened(response: Any) -> bool:
    for node in _walk(response):
        if node.get("amazon-bedrock-guardrailAction") == "INTERVENED":
            return True
        if node.get("stopReason") == "guardrail_intervened":
            return True
    return False


def record_detail(inp: Mapping[str, Any], out: Mapping[str, Any]) -> RecordDetail | None:
    """The detail of a record whose ``input`` / ``output`` carry bodies; None when they say nothing new."""
    request = inp.get("inputBodyJson")
    response = out.get("outputBodyJson")
    request = request if isinstance(request, Mapping) else {}
    response_map = response if isinstance(response, Mapping) else {}
    tier, unpriced_mode = _tier(request, response_map)
    units: dict[str, int] = {}
    image = _images(request, response_map)
    if image is not None:
        units[image[0]] = image[1]
    if "inputImage" in request:
        units["image_input"] = 1
    queries = _queries(request, response_map)
    if queries is not None:
        units["query"] = queries
    video = request.get("videoGenerationConfig") or request.get("videoParams")
    if isinstance(video, Mapping) and _int(video.get("durationSeconds")):
        units["video_output_second"] = _int(video.get("durationSeconds")) or 0
    detail = RecordDetail(
        tier=tier,
        unpriced_mode=unpriced_mode,
        served_model=_served_model(response_map),
        cache_write_1h=_cache_1h(response_map),
        units=tuple(sorted(units.items())),
        guardrail_units=_guardrail_units(response),
        speech=_speech(response),
        guardrail_intervened=_intervened(response),
    )
    if detail == _NOTHING:
        return None
    return detail


_NOTHING = RecordDetail(None, None, None, 0, (), (), None)
# The detail of a record whose bodies say nothing new: what the metering gives a successful record with a
# body and no prompt tokens, so that it is not taken for a guardrail block of a record without bodies.
NOTHING_NEW = _NOTHING
