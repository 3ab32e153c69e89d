"""The dashboard's reader of the published snapshot: each query on its own connection to one
whole snapshot; after a publish swaps a new file in, the next query reads the new one, while a
query already running on the old one still finishes there."""

from __future__ import annotations

import duckdb

from dashboard.snapshot import Snapshot, release_attached_snapshots
from reporting.publish import publish_snapshot
from tests.dashboard_fixtures import build_published

COUNT = "select count(*) from marts.inventory_daily"


def test_queries_follow_each_published_snapshot(tmp_path):
    data_dir = build_published(tmp_path)
    warehouse = tmp_path / "warehouse.duckdb"
    snapshot = Snapshot(data_dir)
    assert snapshot.scalar(COUNT) == 7
    assert snapshot.status().run_id == "test-run"
    running = snapshot._connect()  # a query that started before the publish

    con = duckdb.connect(str(warehouse))
    con.execute("delete from marts.inventory_daily where entity = 'beta'")
    con.close()
    publish_snapshot(warehouse, data_dir, run_id="second-run")  # the reader did not block it

    assert snapshot.scalar(COUNT) == 6
    assert snapshot.status().run_id == "second-run"
    assert running.execute(COUNT).fetchone()[0] == 7  # finished on the snapshot it started on
    assert running.execute("select run_id from meta.snapshot").fetchone()[0] == "test-run"
    running.close()

    con = duckdb.connect(str(warehouse))
    con.execute("delete from marts.inventory_daily where network = 'bsc'")
    con.close()
    publish_snapshot(warehouse, data_dir, run_id="third-run")
    assert snapshot.scalar(COUNT) == 4
    networks = snapshot.query("select distinct network from marts.inventory_daily")
    assert networks["network"].to_list() == ["ethereum"]


def test_each_query_gets_its_own_connection(tmp_path):
    snapshot = Snapshot(build_published(tmp_path))
    first, second = snapshot._connect(), snapshot._connect()
    first.execute("create temp table scratch as select 1 as x")
    assert second.execute(
        "select count(*) from duckdb_tables() where table_name = 'scratch'"
    ).fetchone() == (0,)
    first.close()
    second.close()


def test_released_snapshots_can_be_rewritten_in_place(tmp_path):
    data_dir = build_published(tmp_path)
    snapshot = Snapshot(data_dir)
    assert snapshot.scalar(COUNT) == 7
    release_attached_snapshots()
    con = duckdb.connect(str(snapshot.path))  # refused while this process has it attached
    con.execute("delete from marts.inventory_daily where entity = 'beta'")
    con.close()
    assert snapshot.scalar(COUNT) == 6
    release_attached_snapshots()


def test_the_reader_keeps_one_current_and_one_previous_version(tmp_path):
    """`snapshot.duckdb` is a symlink to the current version: the reader follows it by its
    stable name, so it holds the current and the previous version, not one per publish."""
    from dashboard.snapshot import _ATTACHED

    release_attached_snapshots()
    data_dir = build_published(tmp_path)
    warehouse = tmp_path / "warehouse.duckdb"
    snapshot = Snapshot(data_dir)
    for run in range(3):
        publish_snapshot(warehouse, data_dir, run_id=f"run-{run}")
        assert snapshot.status().run_id == f"run-{run}"
    assert len(_ATTACHED._current) == 1
    assert len(_ATTACHED._previous) == 1
    release_attached_snapshots()
