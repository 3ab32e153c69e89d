"""The suites as Dagster asset checks: severity, blocking, skipping, the audit and Data Docs.

Real Dagster (in-process), real GX, real DuckDB files. The mart tables are planted in a small
warehouse; a stand-in asset with the mart's key "materialises" them so that the check runs.
"""

from __future__ import annotations

import json

import duckdb
import pytest
from dagster import AssetCheckSeverity, AssetKey, asset, materialize

from expectations import data_docs
from expectations.suites import reconciliation, risk
from ingestion.config import load_config
from orchestration.defs.quality import SUITES, _check_for, build_checks, suites
from orchestration.defs.resources import InventoryConfig, Warehouse
from tests.conftest import DEMO_CONFIG, write_config
from tests.expectations_fixtures import make_warehouse
from tests.unit.test_expectations_marts import RECONCILIATION
from usd1inv.summary import quality_lines

BREAK = (
    "update marts.reconciliation set status = 'break', difference = 5,"
    " unexplained_difference = 5, right_balance = 5, break_age_days = 0"
    " where as_of_date = date '2026-10-03'"
)


@asset(key=AssetKey(["marts", "reconciliation"]))
def reconciliation_mart():
    """Stand-in: the table is planted in the fixture warehouse."""


@asset(key=AssetKey(["marts", "downstream"]), deps=[AssetKey(["marts", "reconciliation"])])
def downstream():
    """Runs only when the blocking checks of marts/reconciliation pass."""


@pytest.fixture
def setup(tmp_path):
    config_path = write_config(tmp_path / "cfg")
    config = load_config(config_path)
    config.warehouse_path.parent.mkdir(parents=True)
    make_warehouse(config.warehouse_path, {"marts.reconciliation": RECONCILIATION})
    resources = {
        "warehouse": Warehouse(path=str(config.warehouse_path)),
        "inventory_config": InventoryConfig(config_path=str(config_path)),
    }
    return config, resources


def _plant(config, sql: str) -> None:
    con = duckdb.connect(str(config.warehouse_path))
    con.execute(sql)
    con.close()


def _run(resources, specs):
    return materialize(
        [reconciliation_mart, downstream, *[_check_for(s) for s in specs]],
        resources=resources,
        raise_on_error=False,
    )


def test_a_break_warns_is_recorded_with_keys_and_shows_in_data_docs(setup):
    config, resources = setup
    _plant(config, BREAK)
    result = _run(resources, [reconciliation.INTEGRITY, reconciliation.BREAKS])
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    breaks = evaluations["reconciliation_breaks"]
    assert breaks.passed is False and breaks.severity == AssetCheckSeverity.WARN
    assert breaks.metadata["failed_rows"].value == 1
    assert evaluations["reconciliation_integrity"].passed is True
    assert result.success  # a warning does not fail the run ...
    assert result.asset_materializations_for_node("marts__downstream")  # ... nor block downstream

    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    rows = con.execute(
        "select suite, severity, keys_json, values_json, sample_json,"
        " keys_json ->> 'location_id', keys_json ->> 'comparison',"
        " cast(keys_json ->> 'as_of_date' as date)"
        " from audit.expectation_failures where run_id = ?",
        [result.run_id],
    ).fetchall()
    runs = con.execute(
        "select suite, status from audit.expectation_runs where run_id = ? order by suite",
        [result.run_id],
    ).fetchall()
    con.close()
    (row,) = rows
    assert row[:2] == ("reconciliation_breaks", "warn")
    assert json.loads(row[2]) == {
        "as_of_date": "2026-10-03",
        "network": "ethereum",
        "location_id": "fireblocks-vault",
        "comparison": "custodian_vs_ledger",
    }
    assert json.loads(row[3])["unexplained_difference"] == "5.000000000000000000"
    assert "fireblocks-vault" in row[4] and "custodian_vs_ledger" in row[4]
    assert row[5:7] == ("fireblocks-vault", "custodian_vs_ledger")
    assert str(row[7]) == "2026-10-03"
    assert runs == [("reconciliation_breaks", "failed"), ("reconciliation_integrity", "passed")]

    docs = data_docs.docs_dir_for(config.reports_dir, result.run_id)
    index = data_docs.index_path(docs)
    assert breaks.metadata["data_docs"].value == index.resolve().as_uri()
    pages = "".join(p.read_text(encoding="utf-8") for p in docs.rglob("*.html"))
    assert "reconciliation_breaks" in pages and "reconciliation_integrity" in pages
    assert "fireblocks-vault" in pages  # the break's row, in the validation page
    assert data_docs.remote_references(docs) == []
    lines = quality_lines(config, result.run_id)
    assert f"    Data Docs: {index.resolve().as_uri()}" in lines


def test_an_integrity_failure_is_an_error_and_blocks_downstream(setup):
    config, resources = setup
    _plant(config, "insert into marts.reconciliation select * from marts.reconciliation limit 1")
    result = _run(resources, [reconciliation.INTEGRITY])
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed is False
    assert evaluation.severity == AssetCheckSeverity.ERROR
    assert not result.asset_materializations_for_node("marts__downstream")


def test_a_suite_on_a_missing_column_is_skipped_with_its_reason(setup):
    config, resources = setup
    _plant(config, "alter table marts.reconciliation drop column max_break_age_days")
    result = _run(resources, [reconciliation.BREAK_AGE])
    assert result.get_asset_check_evaluations() == []  # no result: Dagster shows it skipped
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    runs = con.execute(
        "select suite, status, skipped_reason from audit.expectation_runs where run_id = ?",
        [result.run_id],
    ).fetchall()
    con.close()
    assert runs == [
        (
            "reconciliation_break_age",
            "skipped",
            "marts.reconciliation has no column max_break_age_days yet",
        )
    ]
    assert (
        "    SKIPPED suite reconciliation_break_age: marts.reconciliation has no column "
        "max_break_age_days yet"
    ) in quality_lines(config, result.run_id)


def test_every_suite_is_a_check_on_its_asset_with_its_severity():
    config = load_config(DEMO_CONFIG)
    specs = {s.name: s for s in suites(config)}
    assert len(specs) == len(SUITES)
    checks = build_checks(config, asset_keys=None)
    keys = {key.to_user_string(): key for c in checks for key in c.check_keys}
    assert "raw/onchain_transfers:raw_onchain_transfers" in keys
    assert "raw/onchain_day_blocks:raw_onchain_day_blocks" in keys
    assert "raw/registry_wallets:raw_registry_wallets" in keys
    assert "marts/reconciliation:reconciliation_breaks" in keys
    assert "marts/inventory_daily:source_freshness" in keys
    for check in checks:
        (spec,) = check.check_specs
        assert spec.blocking == specs[spec.name].blocking
    # thresholds come from the configuration
    assert (
        specs["onchain_pending_share"]
        .build()[0]
        .description.endswith(
            f"{config.quality.pending_share_max} of the balance on the latest day"
        )
    )
    # a check is only made for an asset that is defined
    only = build_checks(config, asset_keys={AssetKey(["marts", "concentration"])})
    assert [spec.name for c in only for spec in c.check_specs] == [risk.CONCENTRATION.name]
