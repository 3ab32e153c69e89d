"""The dbt benchmark harness runs (tiny size): generation, a full and an incremental build.

The real figures come from `make bench-dbt` (bench/README.md); this only keeps it working.
"""

from __future__ import annotations

import json

import pytest

from bench import dbt_build

pytestmark = pytest.mark.integration


def test_dbt_benchmark_harness(tmp_path):
    out = tmp_path / "dbt_build.json"
    args = ["--transfers", "2000", "--days", "5", "--wallets", "10"]
    args += ["--select", dbt_build.INVENTORY_SELECTION, "--runner", "both"]
    args += ["--workdir", str(tmp_path / "work"), "--out", str(out)]
    assert dbt_build.main(args) == 0
    result = json.loads(out.read_text())
    assert result["raw"]["transfers"] == 2000 + 10  # and the 10 funding mints
    assert result["rows"]["marts.inventory_daily"] == 10 * 6  # 5 days + the appended one
    assert result["full_build_s"] > 0 and result["incremental_build_s"] > 0
    assert "model.usd1_inventory.int_inventory__wallet_movements" in result["incremental_nodes"]
    # both ways of running dbt, each on its own copy: in this process (parsed once) and the CLI
    assert set(result["runners"]) == {"inprocess", "cli"}
    for runner in result["runners"].values():
        assert runner["rows"]["marts.inventory_daily"] == 10 * 6
        # the appended day is read from the change log, not rebuilt
        assert runner["incremental_cut"]["rebuild_all"] is False
        assert "rows loaded" in runner["incremental_cut"]["reason"]
