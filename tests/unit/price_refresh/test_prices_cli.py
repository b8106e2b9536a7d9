"""`genai-guardrails prices update|diff` (Stubber-recorded Price List pages, no AWS account)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from cli.main import main
from cli.prices import run_update
from lambdas.pricing.catalog import PriceCatalog
from tests.unit.price_refresh.recorded_pages import api_documents, set_usd, stub_price_list


def test_update_without_credentials_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert main(["prices", "update", "--out", str(tmp_path / "c.json")]) == 2
    err = capsys.readouterr().err
    assert "no AWS credentials found" in err and "pricing:GetProducts" in err
    assert not (tmp_path / "c.json").exists()


def test_update_writes_the_merged_catalog_and_diff_shows_the_change(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    client = boto3.client(
        "pricing", region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="s"
    )
    out = tmp_path / "catalog.json"
    args = argparse.Namespace(out=str(out), region=["us-east-1"], as_of="2026-11-23")
    docs = api_documents("us-east-1", set_usd("USE1-NovaMicro-input-tokens", "0.0000300000"))
    with Stubber(client) as stubber:
        stub_price_list(stubber, "us-east-1", docs)
        assert run_update(args, client_factory=lambda: client) == 0
    captured = capsys.readouterr()
    assert "~ amazon.nova-micro-v1:0 us-east-1 * standard.input: 0.035 -> 0.03 (-14.29%)" in captured.out
    assert "unmapped" in captured.err and "prices as of 2026-11-23 (AWS Price List refresh)" in captured.err
    catalog = PriceCatalog.from_dict(json.loads(out.read_text(encoding="utf-8")))
    assert catalog.version == "price-list-2026-11-23"

    assert main(["prices", "diff", "bundled", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == "old: bundled: prices as of 2026-09-09 (bundled 2026.11.1)"
    assert "standard.input: 0.035 -> 0.03" in text
    assert main(["prices", "diff", str(out), str(out)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("no price changes")


def test_diff_of_a_missing_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["prices", "diff", "bundled", str(tmp_path / "missing.json")]) == 1
    assert "missing.json" in capsys.readouterr().err


def test_show_marks_the_period_in_force_on_a_date(capsys: pytest.CaptureFixture[str]) -> None:
    model = "us.anthropic.claude-3-5-sonnet-20241022-v2:0"
    assert main(["prices", "show", model, "--at", "2024-11-20"]) == 0
    old = capsys.readouterr().out
    assert " * scope *         from first sold input 3, output 15" in old
    assert main(["prices", "show", model, "--at", "2026-01-15"]) == 0
    new = capsys.readouterr().out
    assert " * scope *         from 2025-12-01 input 6, output 30" in new
    assert main(["prices", "show", "claude-sonet-4.5"]) == 1
    assert "anthropic.claude-sonnet-4-5-20250929-v1:0" in capsys.readouterr().err
