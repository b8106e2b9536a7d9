"""Faults moto cannot produce (a throttled call, a PartialData page), injected at botocore's own hooks on one
client: a handler that sees the call's parameters answers it instead of moto, or returns None to let moto
answer. The code under test runs unchanged; only the service's answer is replaced. Also: the EMF documents
Powertools Metrics printed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

Answer = tuple[int, dict[str, Any]] | None
Responder = Callable[[dict[str, Any]], Answer]
_PARAMS = "test_fault_params"


@dataclass
class Injected:
    """Calls seen (their parameters) and how many of them were answered by the responder."""

    calls: list[dict[str, Any]] = field(default_factory=list)
    answered: int = 0


def inject(client: Any, operation: str, responder: Responder) -> Injected:
    service = client.meta.service_model.service_id.hyphenize()
    seen = Injected()

    def keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_PARAMS] = params

    def answer(context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        params = context[_PARAMS]
        seen.calls.append(params)
        got = responder(params)
        if got is None:
            return None
        seen.answered += 1
        status, body = got
        body.setdefault("ResponseMetadata", {"HTTPStatusCode": status})
        return AWSResponse("https://fault.invalid", status, {}, None), body

    client.meta.events.register(f"before-parameter-build.{service}.{operation}", keep_params)
    client.meta.events.register(f"before-call.{service}.{operation}", answer)
    return seen


def throttled() -> Answer:
    return 400, {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}


def emf_documents(stdout: str) -> list[dict[str, Any]]:
    """The EMF documents among the printed lines."""
    out = []
    for line in stdout.splitlines():
        if line.startswith('{"_aws"'):
            out.append(json.loads(line))
    return out


def emf_metrics(stdout: str, name: str) -> list[tuple[dict[str, str], float, str]]:
    """(dimensions, value, unit) of every datum of metric `name`, each document's dimension set exactly."""
    out = []
    for doc in emf_documents(stdout):
        for directive in doc["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                if metric["Name"] != name:
                    continue
                (dimension_set,) = directive["Dimensions"]
                value = doc[name]
                for v in value if isinstance(value, list) else [value]:
                    out.append(({d: doc[d] for d in dimension_set}, float(v), metric["Unit"]))
    return out
