"""Publishing: an atomic read-only snapshot of the marts plus Parquet for other BI tools."""

from __future__ import annotations

import duckdb
import pytest

from reporting.publish import publish_snapshot, read_snapshot_info, snapshot_path


def _warehouse(path, balance: int) -> str:
    con = duckdb.connect(str(path))
    con.execute("create schema if not exists marts; create schema if not exists audit")
    con.execute(
        "create or replace table marts.inventory_daily as select date '2026-10-31' as as_of_date, "
        f"'0xaa' as location_id, {balance}::decimal(38,18) as balance"
    )
    con.execute("create or replace table audit.load_log as select 1 as load_seq")
    con.execute("create or replace table audit.private_notes as select 'not for readers' as x")
    con.close()
    return str(path)


def test_publish_writes_snapshot_and_parquet(tmp_path):
    warehouse = _warehouse(tmp_path / "w.duckdb", 5)
    result = publish_snapshot(warehouse, tmp_path / "data", run_id="run-1")
    assert result.tables == ["audit.load_log", "marts.inventory_daily"]
    con = duckdb.connect(str(result.snapshot), read_only=True)
    assert con.execute("select balance from marts.inventory_daily").fetchone()[0] == 5
    assert con.execute("select run_id from meta.snapshot").fetchone()[0] == "run-1"
    con.close()
    parquet = result.parquet_dir / "marts" / "inventory_daily.parquet"
    rows = duckdb.sql(f"select balance, typeof(balance) from '{parquet}'").fetchall()
    assert rows == [(5, "DECIMAL(38,18)")]  # exact in Parquet too
    assert not (result.parquet_dir / "audit" / "private_notes.parquet").exists()
    info = read_snapshot_info(tmp_path / "data")
    assert info["run_id"] == "run-1" and info["content_hash"] == result.content_hash


def test_reader_of_the_old_snapshot_is_not_disturbed_by_a_publish(tmp_path):
    warehouse = _warehouse(tmp_path / "w.duckdb", 5)
    publish_snapshot(warehouse, tmp_path / "data")
    reader = duckdb.connect(str(snapshot_path(tmp_path / "data")), read_only=True)
    _warehouse(tmp_path / "w.duckdb", 7)
    publish_snapshot(warehouse, tmp_path / "data")
    # the open reader still sees a whole, consistent old snapshot
    assert reader.execute("select balance from marts.inventory_daily").fetchone()[0] == 5
    reader.close()
    fresh = duckdb.connect(str(snapshot_path(tmp_path / "data")), read_only=True)
    assert fresh.execute("select balance from marts.inventory_daily").fetchone()[0] == 7
    fresh.close()


def test_same_content_gives_same_hash_and_no_temp_files_remain(tmp_path):
    warehouse = _warehouse(tmp_path / "w.duckdb", 5)
    first = publish_snapshot(warehouse, tmp_path / "data")
    second = publish_snapshot(warehouse, tmp_path / "data")
    assert first.content_hash == second.content_hash
    leftovers = [p.name for p in (tmp_path / "data" / "published").iterdir()]
    assert sorted(leftovers) == ["parquet", "snapshot.duckdb"]


def test_nothing_to_publish_is_an_error_and_keeps_the_old_snapshot(tmp_path):
    warehouse = _warehouse(tmp_path / "w.duckdb", 5)
    publish_snapshot(warehouse, tmp_path / "data")
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(RuntimeError, match="no marts to publish"):
        publish_snapshot(empty, tmp_path / "data")
    assert read_snapshot_info(tmp_path / "data") is not None


def test_publish_asset_runs_after_every_mart():
    from dagster import AssetKey

    from orchestration.defs.build import build_definitions
    from tests.conftest import DEMO_CONFIG

    graph = build_definitions(DEMO_CONFIG).resolve_asset_graph()
    published = graph.get(AssetKey(["published", "marts"]))
    assert AssetKey(["marts", "inventory_daily"]) in published.parent_keys
    assert AssetKey(["marts", "inventory_rollforward"]) in published.parent_keys
    assert all(k.path[0] == "marts" for k in published.parent_keys)
