"""The quality suites on the full demo (chain + files + pipeline, as `make demo`).

The demo is clean where it should be (no integrity suite fails, every source is fresh against
the last built day) and its planted reconciliation breaks show up: as a failed WARN check on
marts/reconciliation, as rows of audit.expectation_failures naming each break's location,
comparison and day, in the run's offline Data Docs, and in the CLI summary's link to them.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from expectations import data_docs
from expectations.suite_runs import suite_runs
from ingestion.config import load_config
from orchestration.defs.quality import suites
from usd1inv.summary import print_summary

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(shared_demo):
    config_path, outcome = shared_demo  # read only: the session's one demo run
    config = load_config(config_path)
    build = next(j for j in outcome.jobs if j.job == "build_marts")
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        yield outcome, config, build, con
    finally:
        con.close()


def test_no_integrity_suite_fails_on_the_demo(demo):
    outcome, config, _, con = demo
    assert outcome.success, outcome.failure_summary
    ran = {}
    for job in outcome.jobs:
        for run in suite_runs(con, job.run_id):
            ran[run["suite"]] = run
    for spec in suites(config):
        if spec.blocking and spec.name in ran:
            assert ran[spec.name]["status"] in ("passed", "skipped"), ran[spec.name]
    # the raw sources are checked where they are loaded, the marts after the build
    for name in ("raw_onchain_transfers", "raw_onchain_day_blocks", "raw_custodian_balances"):
        assert ran[name]["status"] == "passed", ran[name]
    for name in ("inventory_daily_integrity", "source_freshness", "onchain_pending_share"):
        assert ran[name]["status"] == "passed", ran[name]
    skipped = [r for r in ran.values() if r["status"] == "skipped"]
    assert all(r["skipped_reason"] for r in skipped)


def test_the_planted_breaks_appear_in_the_checks_the_audit_and_data_docs(demo, capsys):
    outcome, config, build, con = demo
    breaks = {
        (str(day), location, comparison)
        for day, location, comparison in con.execute(
            "select as_of_date, location_id, comparison from marts.reconciliation"
            " where status = 'break'"
        ).fetchall()
    }
    assert breaks, "the demo plants reconciliation breaks"
    comparisons = {
        c for (c,) in con.execute("select distinct comparison from marts.reconciliation").fetchall()
    }
    if "custodian_vs_ledger" in comparisons:  # the October Fireblocks statement vs the ledger
        assert any(
            c == "custodian_vs_ledger" and loc == "fireblocks-issuance-vault" and d[:7] == "2026-10"
            for d, loc, c in breaks
        ), breaks
    # the check warns, and the run is still a success
    assert build.checks["marts/reconciliation:reconciliation_breaks"] is False
    assert "marts/reconciliation:reconciliation_breaks" in build.warnings
    # every break is a row of the audit, keyed for marts.reconciliation_breaks
    keys = [
        json.loads(k)
        for (k,) in con.execute(
            "select keys_json from audit.expectation_failures"
            " where run_id = ? and suite = 'reconciliation_breaks'",
            [build.run_id],
        ).fetchall()
    ]
    assert {(k["as_of_date"], k["location_id"], k["comparison"]) for k in keys} == breaks
    # and in the run's Data Docs, offline
    docs = data_docs.docs_dir_for(config.reports_dir, build.run_id)
    index = data_docs.index_path(docs)
    assert "reconciliation_breaks" in index.read_text(encoding="utf-8")
    page = (docs / "failing_rows" / "reconciliation_breaks.html").read_text(encoding="utf-8")
    for _, location, comparison in breaks:
        assert location in page and comparison in page
    assert data_docs.remote_references(docs) == []
    # the CLI summary links them
    print_summary(outcome)
    assert f"Data Docs: {index.resolve().as_uri()}" in capsys.readouterr().out
