"""Publishing: an atomic read-only snapshot of the marts plus Parquet for other BI tools."""

from __future__ import annotations

import contextlib
import os
import shutil

import duckdb
import pytest

import reporting.publish as publish
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
    leftovers = sorted(p.name for p in (tmp_path / "data" / "published").iterdir())
    assert leftovers[:3] == ["current", "parquet", "snapshot.duckdb"]
    assert len(leftovers) == 4 and leftovers[3].startswith("v-")  # the current version only


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


def _published(data):
    """(balance in the snapshot, balance in the Parquet file) that a reader sees now."""
    with duckdb.connect(str(snapshot_path(data)), read_only=True) as con:
        snap = con.execute("select balance from marts.inventory_daily").fetchone()[0]
    parquet = data / "published" / "parquet" / "marts" / "inventory_daily.parquet"
    return snap, duckdb.sql(f"select balance from '{parquet}'").fetchall()[0][0]


class Killed(BaseException):
    """A SIGKILL at this point: nothing after it runs (not even `finally` clean-ups matter)."""


@pytest.mark.parametrize("step", range(4))
def test_a_publish_killed_at_any_rename_leaves_the_old_or_the_new_set(tmp_path, monkeypatch, step):
    """Killed at its n-th rename (issue #14), a publish leaves readers the previous snapshot and
    Parquet set, both from one publish (before: the Parquet files were replaced one by one, then
    the snapshot, so a kill in between left new Parquet beside an old snapshot), and the next
    publish removes what it left."""
    data = tmp_path / "data"
    warehouse = _warehouse(tmp_path / "w.duckdb", 5)
    publish_snapshot(warehouse, data)
    _warehouse(tmp_path / "w.duckdb", 7)
    calls = []
    real = os.replace

    def replace(src, dst):
        calls.append(dst)
        if len(calls) > step:
            raise Killed
        real(src, dst)

    monkeypatch.setattr(publish.os, "replace", replace)
    with contextlib.suppress(Killed):  # at a later step than it has: not killed
        publish_snapshot(warehouse, data)
    monkeypatch.setattr(publish.os, "replace", real)
    assert _published(data) in ((5, 5), (7, 7))
    publish_snapshot(warehouse, data)
    assert _published(data) == (7, 7)
    names = sorted(p.name for p in (data / "published").iterdir())
    assert names[:3] == ["current", "parquet", "snapshot.duckdb"] and len(names) == 4


def test_the_old_layout_is_replaced_by_versions(tmp_path):
    """A folder published before the versions (a real snapshot file and parquet/ folder, a
    killed publish's temporary files) is taken over by the next publish."""
    data = tmp_path / "data"
    warehouse = _warehouse(tmp_path / "w.duckdb", 5)
    publish_snapshot(warehouse, data)
    out = data / "published"
    snapshot, parquet = out / "snapshot.duckdb", out / "parquet"
    real_snapshot = out / "current" / "snapshot.duckdb"
    real_parquet = out / "current" / "parquet"
    shutil.copy(real_snapshot, tmp_path / "s.duckdb")
    shutil.copytree(real_parquet, tmp_path / "p")
    for link in (snapshot, parquet, out / "current"):
        link.unlink()
    shutil.copy(tmp_path / "s.duckdb", snapshot)
    shutil.copytree(tmp_path / "p", parquet)
    (out / "tmp_snapshot_123.duckdb").write_bytes(b"half")
    (out / ".parquet.123.tmp").mkdir()
    assert _published(data) == (5, 5)
    _warehouse(tmp_path / "w.duckdb", 7)
    publish_snapshot(warehouse, data)
    assert _published(data) == (7, 7)
    names = sorted(p.name for p in out.iterdir())
    assert names[:3] == ["current", "parquet", "snapshot.duckdb"] and len(names) == 4
