"""Engine spark: the Spark marts' Parquet mirrored into the warehouse, exactly, atomically."""

from __future__ import annotations

import duckdb
import pytest

from reporting.spark_marts import mart_contracts, mirror_spark_marts


def _spark_mart(marts_dir, name, select):
    (marts_dir / name).mkdir(parents=True)
    duckdb.execute(f"copy ({select}) to '{marts_dir / name}/part-00000.parquet' (format parquet)")


def test_marts_are_replaced_by_the_spark_rows_exactly(tmp_path):
    marts_dir = tmp_path / "marts.db"
    _spark_mart(marts_dir, "inventory_daily", "select 7.000000000000000001::decimal(38,18) as b")
    (marts_dir / "_temporary").mkdir()  # Spark's in-flight folder: not a table
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("create schema marts; create table marts.inventory_daily as select 1 as old")
    # no contract given: the columns as Spark wrote them
    assert mirror_spark_marts(con, marts_dir, {}) == ["inventory_daily"]
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


def test_a_partitioned_mart_gets_the_contract_order_and_types(tmp_path):
    """Spark keeps partition columns in folder names and lists them last: the mirror casts
    them to the contract's types and restores the contract's column order."""
    marts_dir = tmp_path / "marts.db"
    for network, day, amount in (("eth", "2026-01-02", "1.5"), ("sol", "2026-01-03", "2")):
        folder = marts_dir / "inventory_daily" / f"network={network}" / f"as_of_date={day}"
        folder.mkdir(parents=True)
        duckdb.execute(
            f"copy (select {amount}::decimal(38,18) as balance, 'x' as entity) "
            f"to '{folder}/part-00000.parquet' (format parquet)"
        )
    contract = [
        ("as_of_date", "date"),
        ("entity", "varchar"),
        ("network", "varchar"),
        ("balance", "decimal(38,18)"),
    ]
    con = duckdb.connect()
    assert mirror_spark_marts(con, marts_dir, {"inventory_daily": contract}) == ["inventory_daily"]
    described = con.execute("describe marts.inventory_daily").fetchall()
    assert [(row[0], row[1]) for row in described] == [
        ("as_of_date", "DATE"),
        ("entity", "VARCHAR"),
        ("network", "VARCHAR"),
        ("balance", "DECIMAL(38,18)"),
    ]
    rows = con.execute(
        "select as_of_date::varchar, network, balance::varchar "
        "from marts.inventory_daily order by 1"
    ).fetchall()
    assert rows == [
        ("2026-01-02", "eth", "1.500000000000000000"),
        ("2026-01-03", "sol", "2.000000000000000000"),
    ]


def test_the_contracts_come_from_the_marts_yaml():
    contracts = mart_contracts()
    assert contracts["inventory_daily"][0] == ("as_of_date", "date")
    assert "fair_value" in contracts
