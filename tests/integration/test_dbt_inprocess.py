"""The dbt step runs dbt in the Dagster step's process, with dagster-dbt's selection and events.

A small generated raw history (bench/dbt_build.py's generator) in a real DuckDB file; the dbt
assets are materialized through Dagster (`materialize`, in this process like `usd1inv run`),
all of them and then an asset subset (only that subset is built): each model is reported as
materialized and the dbt tests as asset checks, and afterwards the warehouse opens read-only
in this same process (dbt-duckdb released the file). A failing model fails the step with
dbt's message.
"""

from __future__ import annotations

import time
from datetime import date

import duckdb
import pytest
from dagster import AssetKey, AssetSelection, materialize

from bench.dbt_build import generate_raw
from ingestion.config import load_config
from orchestration.defs.resources import Warehouse
from orchestration.defs.transform import build_dbt_assets, dbt_resource
from tests.conftest import write_config

pytestmark = pytest.mark.integration

INVENTORY_DAILY = AssetKey(["marts", "inventory_daily"])


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dbt_inprocess")
    config = load_config(write_config(folder, start_date="2026-03-27", reporting_timezone="UTC"))
    warehouse = config.warehouse_path
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(warehouse)) as con:
        generate_raw(con, transfers=600, days=6, wallets=6, start=date(2026, 3, 25))
    (dbt_models,) = build_dbt_assets(config)
    resources = {"dbt": dbt_resource(), "warehouse": Warehouse(path=str(warehouse))}
    return dbt_models, resources, warehouse


def _materialize_inventory(dbt_models, resources):
    return materialize(
        [dbt_models], resources=resources, selection=_inventory_selection(dbt_models)
    )


def test_build_in_process_reports_events_and_releases_the_file(setup):
    dbt_models, resources, warehouse = setup
    # everything first: every dbt model materialized, every test an asset check
    result = materialize([dbt_models], resources=resources)
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == set(dbt_models.keys)
    checks = _check_evaluations(result)
    assert checks, "the dbt tests are reported as asset checks"
    assert all(c.passed for c in checks), [c.check_name for c in checks if not c.passed]
    # the dbt build ran in this process, and left the warehouse file closed: a read-only
    # connection (another configuration than dbt-duckdb's) opens in this same process
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select count(*) from marts.inventory_daily").fetchone()[0]
    assert rows > 0

    # then a subset, as a job selecting some assets: only those are built (no-change run)
    expected = {INVENTORY_DAILY} | (_ancestors(dbt_models, INVENTORY_DAILY) & dbt_models.keys)
    assert AssetKey(["marts", "inventory_rollforward"]) not in expected
    started = time.perf_counter()
    result = _materialize_inventory(dbt_models, resources)
    print(f"no-change in-process dbt step (subset): {time.perf_counter() - started:.1f} s")
    assert result.success
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert materialized == expected, sorted(k.to_user_string() for k in materialized ^ expected)
    checks = _check_evaluations(result)
    assert checks and {c.asset_key for c in checks} <= expected
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("select 1").fetchone()


def _check_evaluations(result) -> list:
    return [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]


def test_failing_model_fails_the_step_and_releases_the_file(setup):
    dbt_models, resources, warehouse = setup
    # break a source the first models read: dbt fails, the step must fail with its message
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table raw.onchain_transfers rename to onchain_transfers_gone")
    try:
        result = materialize(
            [dbt_models],
            resources=resources,
            selection=_inventory_selection(dbt_models),
            raise_on_error=False,
        )
        assert not result.success
        failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        assert failures
        message = str(failures[0].event_specific_data.error)
        assert "onchain_transfers" in message, message
        with duckdb.connect(str(warehouse), read_only=True) as con:
            con.execute("select 1").fetchone()
    finally:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("alter table raw.onchain_transfers_gone rename to onchain_transfers")


def _inventory_selection(dbt_models):
    return AssetSelection.assets(INVENTORY_DAILY).upstream() & AssetSelection.assets(
        *dbt_models.keys
    )


def _ancestors(dbt_models, key: AssetKey) -> set[AssetKey]:
    deps = dbt_models.asset_deps
    seen: set[AssetKey] = set()
    todo = [key]
    while todo:
        for parent in deps.get(todo.pop(), ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen
