"""A batch of any number of unknown application inference profiles finishes far inside the function's timeout.

Every test goes through the real ``ProfileResolver`` with its client factory returning a real boto3 Bedrock
client under botocore's Stubber (request parameters and responses validated against the service model);
latency is added with a botocore event hook, in real time (sleep) or on a simulated clock that the resolver
and the Lambda context both read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from lambdas.metering import handler
from lambdas.metering.aggregate import Meter
from lambdas.metering.profiles import (
    LOOKUP_BUDGET_SECONDS,
    MAX_LOOKUPS_PER_BATCH,
    ProfileResolver,
)
from tests.unit.metering.helpers import (
    ACCOUNT,
    SAMPLES_NOW,
    LambdaContext,
    emf_documents,
    log_events,
    record,
    subscription_event,
    usage,
    wall_clock_at,
)

HAIKU45 = "anthropic.claude-haiku-4-5-20251001-v1:0"
HAIKU3 = "anthropic.claude-3-haiku-20240307-v1:0"
M = Decimal(1_000_000)
# What the documented function has (stacks/metering.py): 60 s at 256 MB, i.e. 256/1,769 of a vCPU; Graviton
# assumed up to 1.5x slower per core than this machine (bench/cost_model.py).
TIMEOUT_SECONDS = 60.0
LAMBDA_CPU_FACTOR = 1769 / 256 * 1.5


def profile_arn(n: int) -> str:
    return f"arn:aws:bedrock:us-east-1:{ACCOUNT}:application-inference-profile/unk{n:09d}"


def profile_response(
    model: str = HAIKU45, regions: tuple[str, ...] = ("us-east-1", "us-west-2")
) -> dict[str, Any]:
    return {
        "inferenceProfileName": "team-tool",
        "inferenceProfileArn": profile_arn(0),
        "inferenceProfileId": "unk000000000",
        "status": "ACTIVE",
        "type": "APPLICATION",
        "models": [{"modelArn": f"arn:aws:bedrock:{r}::foundation-model/{model}"} for r in regions],
    }


def bedrock_client(on_call: Callable[[], None] | None = None) -> Any:
    client = boto3.client(
        "bedrock", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    if on_call is not None:
        # Registered before the Stubber: runs first for every GetInferenceProfile call.
        client.meta.events.register(
            "before-parameter-build.bedrock.GetInferenceProfile", lambda **_kwargs: on_call()
        )
    return client


def batch(profiles: int, per_profile: int, known: int) -> list[dict[str, Any]]:
    """Records through ``profiles`` distinct unknown profiles, and ``known`` records of a known model."""
    recs = [
        record(modelId=profile_arn(n), requestMetadata=..., **usage(1000, 100))
        for n in range(profiles)
        for _ in range(per_profile)
    ]
    recs += [record(modelId=HAIKU3, **usage(35, 446)) for _ in range(known)]
    return recs


@pytest.fixture
def wired(runtime_file: Path) -> Iterator[Callable[[Any], ProfileResolver]]:
    """The handler's own Meter, its resolver's client factory wired to a given client."""

    def wire(client: Any, clock: Callable[[], float] = time.monotonic) -> ProfileResolver:
        handler.reset_meter()
        meter = handler.get_meter()
        meter.resolver = ProfileResolver(lambda _region: client, clock=clock)
        handler.reset_meter(Meter(meter.runtime, meter.catalog, meter.resolver))
        return meter.resolver

    with wall_clock_at(SAMPLES_NOW):
        yield wire
    handler.reset_meter()


def test_2000_unknown_profiles_finish_well_within_the_timeout(
    wired: Callable[..., ProfileResolver], capsys: pytest.CaptureFixture[str]
) -> None:
    """~50 ms a call (the issue's measured rate: 2,000 calls were ~100 s), real sleeps."""
    client = bedrock_client(on_call=lambda: time.sleep(0.05))
    recs = batch(profiles=2000, per_profile=2, known=1000)
    with Stubber(client) as stub:
        for _ in range(MAX_LOOKUPS_PER_BATCH):
            stub.add_response("get_inference_profile", profile_response())
        resolver = wired(client)
        event = subscription_event(recs)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        summary = handler.lambda_handler(event, LambdaContext(TIMEOUT_SECONDS))
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        stub.assert_no_pending_responses()

    # Time: the calls' latency is wall time not spent on CPU; the CPU part is scaled to a 256 MB function.
    waiting = max(0.0, wall - cpu)
    projected = waiting + cpu * LAMBDA_CPU_FACTOR
    assert waiting < LOOKUP_BUDGET_SECONDS + 2, (wall, cpu)
    assert projected < TIMEOUT_SECONDS / 2, (wall, cpu, projected)

    # Every valid record metered; the first 50 profiles resolved and priced, the rest unpriced with why.
    assert (
        resolver.batch_calls == MAX_LOOKUPS_PER_BATCH
        and resolver.batch_deferred == 2000 - MAX_LOOKUPS_PER_BATCH
    )
    assert summary["records"] == len(recs) == 5000 and summary["malformed"] == 0
    docs = [d for d in emf_documents(capsys.readouterr().out) if "Model" in d]
    assert sum(d["Invocations"] for d in docs) == 5000
    by_model = {d["Model"]: d for d in docs if d["Model"] != HAIKU3}
    assert set(by_model) == {HAIKU45, "unknown"}
    resolved, deferred = by_model[HAIKU45], by_model["unknown"]
    assert (resolved["Invocations"], resolved["UnpricedInvocations"]) == (100, 0)
    assert resolved["CostUSD"] == float(100 * (1000 * Decimal("1.1") + 100 * Decimal("5.5")) / M)
    assert (deferred["Invocations"], deferred["UnpricedInvocations"]) == (3900, 3900)
    assert deferred["InputTokens"] == 3900 * 1000 and "CostUSD" not in deferred
    known = [d for d in docs if d["Model"] == HAIKU3]
    assert sum(d["Invocations"] for d in known) == 1000 and all(d["UnpricedInvocations"] == 0 for d in known)


def test_a_stalling_endpoint_stops_lookups_at_the_time_budget(
    wired: Callable[..., ProfileResolver], capsys: pytest.CaptureFixture[str]
) -> None:
    """4 s a call (just under the client's 5 s connect + read timeouts), on a simulated clock."""
    now = [1000.0]

    def stall() -> None:
        now[0] += 4.0

    client = bedrock_client(on_call=stall)
    context = LambdaContext(TIMEOUT_SECONDS, clock=lambda: now[0])
    with Stubber(client) as stub:
        for _ in range(3):
            stub.add_response("get_inference_profile", profile_response())
        resolver = wired(client, clock=lambda: now[0])
        summary = handler.lambda_handler(subscription_event(batch(200, 1, 0)), context)
        stub.assert_no_pending_responses()
    # Lookups start at 0, 4 and 8 s; at 12 s the 10 s budget is spent: 48 s of the 60 s are left.
    assert resolver.batch_calls == 3 and resolver.batch_deferred == 197
    assert context.get_remaining_time_in_millis() == 48_000
    assert summary["records"] == 200
    (deferred,) = [d for d in emf_documents(capsys.readouterr().out) if d.get("Model") == "unknown"]
    assert deferred["UnpricedInvocations"] == 197


@pytest.mark.parametrize(
    ("remaining_seconds", "budget"),
    [(60.0, LOOKUP_BUDGET_SECONDS), (30.0, 5.0), (25.0, 0.0), (3.0, 0.0)],
)
def test_the_budget_shrinks_with_the_time_left(remaining_seconds: float, budget: float) -> None:
    assert handler.lookup_budget_seconds(LambdaContext(remaining_seconds)) == pytest.approx(budget, abs=0.01)


def test_a_context_without_remaining_time_gets_the_documented_timeout() -> None:
    assert handler.lookup_budget_seconds(object()) == LOOKUP_BUDGET_SECONDS


def test_no_lookup_with_under_25_seconds_left(wired: Callable[..., ProfileResolver]) -> None:
    client = bedrock_client()
    with Stubber(client) as stub:  # no response queued: any call would fail the assertion below
        resolver = wired(client)
        summary = handler.lambda_handler(subscription_event(batch(5, 1, 0)), LambdaContext(20.0))
        stub.assert_no_pending_responses()
    assert resolver.calls == 0 and resolver.batch_deferred == 5 and summary["records"] == 5


def test_deferred_profiles_are_resolved_on_later_batches(make_meter: Callable[..., Meter]) -> None:
    client = bedrock_client()
    recs = batch(profiles=120, per_profile=1, known=0)
    with Stubber(client) as stub:
        for n in range(120):
            stub.add_response(
                "get_inference_profile", profile_response(), {"inferenceProfileIdentifier": profile_arn(n)}
            )
        meter = make_meter(ProfileResolver(lambda _region: client))
        priced = []
        for _ in range(4):
            result = meter.meter(log_events(recs))
            assert result.records == 120 and sum(d.invocations for d in result.docs) == 120
            priced.append(sum(d.invocations - d.unpriced for d in result.docs))
        stub.assert_no_pending_responses()
    assert priced == [50, 100, 120, 120]  # resolved answers are kept for the life of the container
    assert meter.resolver.calls == 120


def test_deferral_reason_is_one_line_per_batch(make_meter: Callable[..., Meter]) -> None:
    client = bedrock_client()
    with Stubber(client) as stub:
        for _ in range(2):
            stub.add_response("get_inference_profile", profile_response())
        meter = make_meter(ProfileResolver(lambda _region: client))
        result = meter.meter(log_events(batch(30, 1, 0)), max_lookups=2)
    (reason,) = result.unpriced_reasons
    assert result.unpriced_reasons[reason] == 28
    assert "cap of 2 bedrock:GetInferenceProfile calls" in reason and "later batch" in reason
    assert (result.profile_lookups, result.profiles_deferred) == (2, 28)


def test_throttling_stops_the_batchs_lookups(make_meter: Callable[..., Meter]) -> None:
    client = bedrock_client()
    with Stubber(client) as stub:
        stub.add_client_error("get_inference_profile", "ThrottlingException", "Rate exceeded", 429)
        meter = make_meter(ProfileResolver(lambda _region: client))
        first = meter.meter(log_events(batch(10, 1, 0)))
        stub.assert_no_pending_responses()
        assert meter.resolver.calls == 1
        reasons = first.unpriced_reasons
        assert sum(reasons.values()) == 10
        (stopped,) = [r for r in reasons if "answered ThrottlingException earlier in this batch" in r]
        assert reasons[stopped] == 9
        # The next batch tries again (the throttled profile itself waits out its failure TTL).
        for _ in range(9):
            stub.add_response("get_inference_profile", profile_response())
        second = meter.meter(log_events(batch(10, 1, 0)))
        stub.assert_no_pending_responses()
    assert meter.resolver.calls == 10
    assert sum(d.invocations - d.unpriced for d in second.docs) == 9


def test_an_unreachable_endpoint_stops_the_batchs_lookups(make_meter: Callable[..., Meter]) -> None:
    from botocore.exceptions import ConnectTimeoutError

    class Unreachable:
        def __init__(self) -> None:
            self.calls = 0

        def get_inference_profile(self, **_kwargs: Any) -> dict[str, Any]:
            self.calls += 1
            raise ConnectTimeoutError(endpoint_url="https://bedrock.us-east-1.amazonaws.com")

    fake = Unreachable()
    meter = make_meter(ProfileResolver(lambda _region: fake))
    result = meter.meter(log_events(batch(40, 1, 0)))
    assert fake.calls == 1 and result.records == 40
    assert any("ConnectTimeoutError earlier in this batch" in r for r in result.unpriced_reasons)


def test_the_handler_logs_deferred_lookups(
    wired: Callable[..., ProfileResolver], caplog: pytest.LogCaptureFixture
) -> None:
    client = bedrock_client()
    with Stubber(client) as stub:
        for _ in range(MAX_LOOKUPS_PER_BATCH):
            stub.add_response("get_inference_profile", profile_response())
        wired(client)
        handler.lambda_handler(subscription_event(batch(60, 1, 0)), LambdaContext())
    (log,) = [r for r in caplog.records if r.getMessage().startswith("application inference profile lookups")]
    assert (log.deferred, log.looked_up) == (10, MAX_LOOKUPS_PER_BATCH)  # type: ignore[attr-defined]
    assert json.dumps(log.deferred)  # type: ignore[attr-defined]
