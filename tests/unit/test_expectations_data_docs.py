"""Data Docs: built into the run's folder, every suite in the index, nothing fetched online."""

from __future__ import annotations

from pathlib import Path

import great_expectations

from expectations import data_docs
from expectations.runner import run_suite
from expectations.suites import raw_onchain
from tests.expectations_fixtures import make_warehouse, with_fault
from tests.unit.test_expectations_raw import CLEAN

GX_TEMPLATES = Path(great_expectations.__file__).parent / "render" / "view" / "templates"


def test_the_site_lists_every_suite_of_the_run_and_needs_no_network(tmp_path):
    clean = make_warehouse(tmp_path / "clean.duckdb", CLEAN)
    warehouse = with_fault(
        clean,
        tmp_path / "fault.duckdb",
        "update raw.onchain_transfers set amount_raw = -7 where log_index = 2",
    )
    docs = data_docs.docs_dir_for(tmp_path / "reports", "run-42")
    for spec in raw_onchain.SUITES:
        run_suite(warehouse, spec, run_name="run-42", docs_dir=docs)
    index = data_docs.index_path(docs)
    assert index == tmp_path / "reports" / "data_docs" / "run-42" / "index.html"
    text = index.read_text(encoding="utf-8")
    for spec in raw_onchain.SUITES:
        assert spec.name in text
    assert data_docs.remote_references(docs) == []
    assert (docs / "static" / "styles" / "offline.css").exists()
    assert "static/styles/offline.css" in text
    # the failing rows, linked from the index, with the exact value
    assert "failing_rows/raw_onchain_transfers.html" in text
    page = (docs / "failing_rows" / "raw_onchain_transfers.html").read_text(encoding="utf-8")
    assert "-7" in page and "amount_raw" in page
    assert "failing_rows/raw_onchain_balances.html" not in text  # that suite passed
    # the list of suites is plain HTML (GX's own list needs its CDN scripts)
    assert "<td>raw_onchain_transfers</td><td>FAILED</td>" in text
    assert "<td>raw_onchain_balances</td><td>passed</td>" in text
    validation_pages = list((docs / "validations").rglob("*.html"))
    assert len(validation_pages) == len(raw_onchain.SUITES)
    for page_path in validation_pages:
        assert page_path.relative_to(docs).as_posix() in text


def test_gx_pages_link_cdns_and_make_offline_removes_every_one(tmp_path):
    # GX's own templates reference Bootstrap, jQuery, Vega... on CDNs
    html = "\n".join(p.read_text(encoding="utf-8") for p in GX_TEMPLATES.glob("*.j2"))
    assert "https://" in html
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(f"<html><head></head><body>{html}</body></html>")
    assert data_docs.remote_references(site)
    data_docs.make_offline(site)
    assert data_docs.remote_references(site) == []
