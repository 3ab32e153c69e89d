"""Engine spark: the Spark marts' Parquet mirrored into the warehouse, exactly, atomically."""

from __future__ import annotations

import duckdb
import pytest

from reporting.spark_marts import mirror_spark_marts


def _spark_mart(marts_dir, name, select):
    (marts_dir / name).mkdir(parents=True)
    duckdb.execute(f"copy ({select}) to '{marts_dir / name}/part-00000.parquet' (format parquet)")


def test_marts_are_replaced_by_the_spark_rows_exactly(tmp_path):
    marts_dir = tmp_path / "marts.db"
    _spark_mart(marts_dir, "inventory_daily", "select 7.000000000000000001::decimal(38,18) as b")
    (marts_dir / "_temporary").mkdir()  # Spark's in-flight folder: not a table
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts; create table marts.inventory_daily as select 1 as old")
    assert mirror_spark_marts(con, marts_dir) == ["inventory_daily"]
    assert con.execute("select b::varchar, typeof(b) from marts.inventory_daily").fetchall() == [
        ("7.000000000000000001", "DECIMAL(38,18)")
    ]


def test_a_broken_mart_changes_nothing(tmp_path):
    marts_dir = tmp_path / "marts.db"
    _spark_mart(marts_dir, "a_good", "select 1 as x")
    (marts_dir / "b_broken").mkdir()
    (marts_dir / "b_broken" / "part-00000.parquet").write_bytes(b"not parquet")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts; create table marts.a_good as select 0 as x")
    with pytest.raises(duckdb.Error):
        mirror_spark_marts(con, marts_dir)
    assert con.execute("select x from marts.a_good").fetchall() == [(0,)]


def test_no_spark_marts_is_an_error(tmp_path):
    con = duckdb.connect()
    with pytest.raises(RuntimeError, match="no Spark marts"):
        mirror_spark_marts(con, tmp_path / "missing")
