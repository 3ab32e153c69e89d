"""The dashboard page benchmark runs (tiny size): build, publish, synthetic page tables, every
page rendered cold and warm without an error, and a second run reuses the built warehouse.

The real figures come from `make bench-dashboard` (bench/README.md); this only keeps it working.
"""

from __future__ import annotations

import json

import pytest

from bench import dashboard_pages

pytestmark = pytest.mark.integration


def test_dashboard_benchmark_harness(tmp_path):
    out = tmp_path / "dashboard_pages.json"
    args = ["--transfers", "2000", "--days", "5", "--wallets", "10", "--runs", "1"]
    args += ["--cache-dir", str(tmp_path / "cache"), "--out", str(out)]
    assert dashboard_pages.main(args) == 0
    result = json.loads(out.read_text())
    assert not result["errors"]
    assert result["warehouse"]["reused"] is False
    assert set(result["pages"]) == set(dashboard_pages.PAGES)
    for figures in result["pages"].values():
        assert figures["cold_median_s"] > 0 and figures["warm_median_s"] > 0
    tables = result["snapshot"]["page_tables"]
    assert tables["marts.reconciliation"]["rows"] >= 10 * 6  # every wallet-day compared
    assert all(tables[t]["rows"] for t in ("marts.concentration", "marts.inventory_health"))
    assert dashboard_pages.main(args) == 0  # the second run reuses the warehouse
    assert json.loads(out.read_text())["warehouse"]["reused"] is True
