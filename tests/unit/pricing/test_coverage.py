"""The coverage table in docs/pricing.md: current, and every model x Region pair it shows is either priced
with its sources or listed as sold-but-unpriced with a reason."""

from __future__ import annotations

import re

from lambdas.pricing import coverage
from lambdas.pricing.catalog import PriceCatalog
from lambdas.pricing.sources.availability import NOT_IN_CATALOG, SOLD_IN


def _doc_table() -> str:
    text = coverage.DOC_PATH.read_text(encoding="utf-8")
    return text[text.index(coverage.BEGIN) : text.index(coverage.END)]


def test_the_table_in_the_docs_is_generated_from_the_catalog() -> None:
    assert coverage.main(["--check"]) == 0


def test_every_pair_is_priced_with_sources_or_missing_with_a_reason() -> None:
    catalog = PriceCatalog.load()
    sources = catalog.to_dict()["sources"]
    table = _doc_table()
    rows = {
        m.group(1): [cell.strip() for cell in m.group(2).split("|")]
        for m in re.finditer(r"^\| `([^`]+)` \|(.*)\|$", table, re.MULTILINE)
    }
    assert set(rows) == set(catalog.model_ids())
    listed = {line for line in table.splitlines() if line.startswith("* ")}
    for cell in coverage.cells(catalog, at=catalog.as_of):
        shown = rows[cell.model_id][coverage.REGIONS.index(cell.region)]
        assert shown == cell.code, (cell.model_id, cell.region)
        if cell.confidence is not None:
            assert cell.sources and all(s in sources for s in cell.sources), cell
            assert shown[0] in "HML"
        elif cell.sold:
            assert shown == "x" and cell.missing_reason, cell
            assert any(
                f"`{cell.model_id}`: {cell.missing_reason}" in line and cell.region in line.split(": `")[0]
                for line in listed
            ), cell
        else:
            assert shown == ""


def test_documented_availability_names_catalog_models_and_regions_of_the_table() -> None:
    catalog = PriceCatalog.load()
    for model_id, regions in SOLD_IN.items():
        assert catalog.model(model_id) is not None, model_id
        assert set(regions) <= set(coverage.REGIONS) | {"eu-central-2", "eu-south-2"}, model_id
    assert not set(NOT_IN_CATALOG) & set(catalog.model_ids())


def test_the_issues_gaps_are_closed_or_explained() -> None:
    """eu-central-1 Amazon/Meta/Mistral/Qwen, the global Opus 4.7 in us-west-2, Claude 3 Sonnet in
    ap-south-1: priced; the apac. Nova Micro in ap-northeast-1: listed with its reason."""
    by_pair = {(c.model_id, c.region): c for c in coverage.cells()}
    for pair in [
        ("anthropic.claude-opus-4-7", "us-west-2"),
        ("anthropic.claude-3-sonnet-20240229-v1:0", "ap-south-1"),
        ("amazon.nova-micro-v1:0", "eu-central-1"),
        ("meta.llama3-2-1b-instruct-v1:0", "eu-central-1"),
        ("mistral.pixtral-large-2502-v1:0", "eu-central-1"),
        ("qwen.qwen3-coder-next", "eu-central-1"),
        ("amazon.titan-text-express-v1", "eu-central-1"),
    ]:
        assert by_pair[pair].confidence is not None, pair
    gap = by_pair[("amazon.nova-micro-v1:0", "ap-northeast-1")]
    assert gap.confidence is None and gap.sold and "apac." in (gap.missing_reason or "")
