"""Attribution rules of the runtime config, each kind and the precedence between kinds."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.contract import UNATTRIBUTED
from core.runtime_config import IdentityRule, MetadataRule, load_runtime_config
from lambdas.metering.aggregate import Meter
from lambdas.metering.attribution import Attributor, compile_globs
from tests.unit.metering.helpers import TICKET_PROFILE_ARN, log_events, record, usage

EXISTING_PROFILE_ID = "exist0prof01"
EXISTING_PROFILE_ARN = (
    f"arn:aws:bedrock:us-east-1:222222222222:application-inference-profile/{EXISTING_PROFILE_ID}"
)


def role(name: str) -> dict[str, str]:
    return {"arn": f"arn:aws:sts::222222222222:assumed-role/{name}"}


def attribute(meter: Meter, **changes: Any) -> tuple[str, str]:
    (doc,) = meter.meter(log_events([record(**usage(10, 10), **changes)])).docs
    return doc.application, doc.feature


def test_request_metadata_rule(meter: Meter) -> None:
    assert attribute(meter, requestMetadata={"feature": "kb-search"}, identity=...) == (
        "knowledge-base",
        "kb-search",
    )


def test_request_metadata_extra_keys_do_not_matter(meter: Meter) -> None:
    md = {"feature": "doc-embedding", "tenant": "acme", "trace": "1-abc"}
    assert attribute(meter, requestMetadata=md) == ("knowledge-base", "doc-embedding")


def test_request_metadata_value_must_match_exactly(meter: Meter) -> None:
    assert attribute(meter, requestMetadata={"feature": "KB-SEARCH"}, identity=role("nobody/x")) == (
        UNATTRIBUTED,
        UNATTRIBUTED,
    )


def test_stack_profile_rule(meter: Meter) -> None:
    app_feature = attribute(meter, modelId=TICKET_PROFILE_ARN, requestMetadata=..., identity=role("nobody/x"))
    assert app_feature == ("customer-support", "ticket-summary")


def test_identity_glob_rule(meter: Meter) -> None:
    got = attribute(meter, requestMetadata=..., identity=role("search-indexer/worker-7"))
    assert got == ("knowledge-base", "kb-search")
    got = attribute(meter, requestMetadata=..., identity=role("report-writer/job-42"))
    assert got == ("knowledge-base", "report-writer")


def test_identity_glob_is_case_sensitive_and_anchored(meter: Meter) -> None:
    assert attribute(meter, requestMetadata=..., identity=role("Search-Indexer/w")) == (
        UNATTRIBUTED,
        UNATTRIBUTED,
    )
    got = attribute(meter, requestMetadata=..., identity={"arn": "x" + role("search-indexer/w")["arn"]})
    assert got == (UNATTRIBUTED, UNATTRIBUTED)


def test_nothing_matches_is_unattributed(meter: Meter) -> None:
    got = attribute(
        meter, requestMetadata={"tenant": "a"}, identity={"arn": "arn:aws:iam::222222222222:user/alice"}
    )
    assert got == (UNATTRIBUTED, UNATTRIBUTED)
    assert attribute(meter, requestMetadata=..., identity=...) == (UNATTRIBUTED, UNATTRIBUTED)


def test_metadata_beats_profile_beats_identity(meter: Meter) -> None:
    # All three kinds match different features: metadata wins.
    both = {"modelId": TICKET_PROFILE_ARN, "identity": role("search-indexer/w")}
    assert attribute(meter, requestMetadata={"feature": "report-writer"}, **both) == (
        "knowledge-base",
        "report-writer",
    )
    # Without metadata, the profile beats the identity glob.
    assert attribute(meter, requestMetadata=..., **both) == ("customer-support", "ticket-summary")
    # Metadata that matches no rule falls through to the next kinds.
    assert attribute(meter, requestMetadata={"feature": "nope"}, **both) == (
        "customer-support",
        "ticket-summary",
    )


@pytest.fixture
def custom_meter(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    runtime_file: Path,
    config_data: dict[str, Any],
    prod_runtime_dict: Callable[[dict[str, Any] | None], dict[str, Any]],
    make_meter: Callable[..., Meter],
) -> Meter:
    """Example config + an existing profile for kb-search and a multi-key metadata rule for report-writer."""
    prod = next(a for a in config_data["accounts"] if a["name"] == "prod")
    feats = {f["name"]: f for f in prod["features"]}
    feats["kb-search"]["match"]["inference_profile_arns"] = [EXISTING_PROFILE_ARN]
    feats["report-writer"]["match"]["request_metadata"] = {"team": "research", "kind": "report"}
    runtime_file.write_text(json.dumps(prod_runtime_dict(config_data)), encoding="utf-8")
    return make_meter(rt=load_runtime_config())


def test_existing_profile_from_config(custom_meter: Meter) -> None:
    # Profile rule from config maps attribution; its model is still resolved (here: no mapping → unpriced,
    # since the failing client factory refuses the lookup, which is recorded as an unpriced reason).
    (doc,) = custom_meter.meter(
        log_events([record(modelId=EXISTING_PROFILE_ARN, requestMetadata=..., identity=role("nobody/x"))])
    ).docs
    assert (doc.application, doc.feature) == ("knowledge-base", "kb-search")
    assert doc.unpriced == 1


def test_multi_key_metadata_rule_needs_every_key(custom_meter: Meter) -> None:
    full = {"team": "research", "kind": "report", "other": "x"}
    assert attribute(custom_meter, requestMetadata=full, identity=...) == ("knowledge-base", "report-writer")
    partial = {"team": "research"}
    assert attribute(custom_meter, requestMetadata=partial, identity=...) == (UNATTRIBUTED, UNATTRIBUTED)
    # The default {feature: <name>} rules of the other features still work alongside.
    got = attribute(
        custom_meter, requestMetadata={"feature": "support-chat", "team": "research"}, identity=...
    )
    assert got == ("customer-support", "support-chat")


def test_first_rule_in_config_order_wins_within_a_kind() -> None:
    att = Attributor(
        [
            MetadataRule(feature="a", application="x", match={"feature": "same"}),
            MetadataRule(feature="b", application="x", match={"feature": "same"}),
        ],
        [],
        [
            IdentityRule(feature="c", application="y", globs=("arn:aws:sts::*:assumed-role/*",)),
            IdentityRule(feature="d", application="y", globs=("arn:aws:sts::*:assumed-role/r/*",)),
        ],
    )
    assert att.attribute({"feature": "same"}, None, None).feature == "a"
    assert att.attribute(None, None, "arn:aws:sts::1:assumed-role/r/s").feature == "c"


def test_unhashable_metadata_values_do_not_break_attribution() -> None:
    att = Attributor([MetadataRule(feature="a", application="x", match={"feature": "a"})], [], [])
    assert att.attribute({"feature": ["a"]}, None, None).feature == UNATTRIBUTED
    assert att.attribute({"feature": "a"}, None, None).feature == "a"


def test_cache_key_ignores_unrelated_metadata() -> None:
    att = Attributor([MetadataRule(feature="a", application="x", match={"feature": "a"})], [], [])
    for n in range(100):
        att.attribute({"feature": "a", "request": str(n)}, None, "arn:r")
    assert len(att._cache) == 1


@pytest.mark.parametrize(
    ("glob", "arn", "hit"),
    [
        ("arn:aws:sts::*:assumed-role/chat/*", "arn:aws:sts::123:assumed-role/chat/s1", True),
        ("arn:aws:sts::*:assumed-role/chat/*", "arn:aws:sts::123:assumed-role/chatbot/s1", False),
        ("arn:aws:iam::*:user/ali?e", "arn:aws:iam::1:user/alice", True),
        ("arn:aws:iam::*:user/[ab]*", "arn:aws:iam::1:user/bob", True),
        ("arn:aws:iam::*:user/[ab]*", "arn:aws:iam::1:user/carol", False),
    ],
)
def test_globs_compile_like_fnmatchcase(glob: str, arn: str, hit: bool) -> None:
    import fnmatch

    assert bool(compile_globs([glob]).match(arn)) is hit is fnmatch.fnmatchcase(arn, glob)
