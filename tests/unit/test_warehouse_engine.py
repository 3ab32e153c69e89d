"""`warehouse: {engine: duckdb | spark}`: configuration, the dbt arguments, ANSI mode."""

from __future__ import annotations

import pytest

import orchestration.defs.transform as transform
from ingestion.config import ConfigError, load_config
from ingestion.spark_target import keep_ansi_mode
from orchestration.defs.resources import Warehouse
from reporting.spark_marts import mart_contracts
from tests.conftest import write_config


def test_default_engine_is_duckdb_and_the_build_is_unchanged(tmp_path):
    config = load_config(write_config(tmp_path))
    assert config.warehouse.engine == "duckdb"
    assert "raw_root" not in transform.dbt_vars(config)
    assert "--target" not in transform.dbt_build_args("{}", config.warehouse.engine)


def test_spark_engine_builds_on_the_spark_target_reading_raw_parquet(tmp_path):
    config = load_config(
        write_config(tmp_path, warehouse={"engine": "spark", "spark_master": "local[2]"})
    )
    assert config.warehouse.engine == "spark"
    assert transform.dbt_vars(config)["raw_root"] == str(tmp_path / "data" / "spark" / "raw")
    args = transform.dbt_build_args("{}", config.warehouse.engine)
    assert args[:3] == ["build", "--target", "spark"]
    assert config.spark_marts_dir == tmp_path / "data" / "spark" / "tables" / "marts.db"


def test_object_store_raw_root_is_passed_through(tmp_path):
    config = load_config(
        write_config(tmp_path, warehouse={"engine": "spark", "raw_root": "s3a://bucket/raw"})
    )
    assert transform.dbt_vars(config)["raw_root"] == "s3a://bucket/raw"


@pytest.mark.parametrize("bad", [{"engine": "snowflake"}, {"spark_master": "http://x"}])
def test_bad_warehouse_settings_are_refused(tmp_path, bad):
    path = write_config(tmp_path, warehouse=bad)
    with pytest.raises((ConfigError, ValueError), match="warehouse"):
        load_config(path)


def test_dbt_spark_keeps_the_profiles_ansi_mode():
    from dbt.adapters.spark.connections import SparkCredentials

    def credentials():
        return SparkCredentials(
            host="local[2]",
            method="session",
            schema="main",
            database=None,
            server_side_parameters={"spark.sql.ansi.enabled": "true"},
        )

    if not getattr(SparkCredentials, "_usd1inv_keeps_ansi", False):
        # dbt-spark 1.11 alone forces ANSI off: overflow would become NULL
        assert credentials().server_side_parameters["spark.sql.ansi.enabled"] == "false"
    keep_ansi_mode()
    keep_ansi_mode()  # idempotent
    assert credentials().server_side_parameters["spark.sql.ansi.enabled"] == "true"


def test_dagster_step_on_spark_exports_raw_builds_on_spark_and_mirrors_the_marts(
    monkeypatch, tmp_path
):
    """The build_marts step with engine spark: raw Parquet first, `dbt build --target spark`,
    then the Spark marts in the warehouse file for the checks and the publish step."""
    import duckdb

    config = load_config(write_config(tmp_path, warehouse={"engine": "spark"}))
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema raw; create schema audit")
    con.execute("create table raw.registry_wallets as select '0xaa' as address")
    con.close()
    calls: list[list[str]] = []

    def fake_dbt_cli_in_process(dbt, args, *, context):
        calls.append(list(args))
        # what Spark would leave: a mart as Parquet
        folder = config.spark_marts_dir / "inventory_daily"
        folder.mkdir(parents=True)
        columns = ", ".join(
            f"cast({'5' if name == 'balance' else 'null'} as {data_type}) as {name}"
            for name, data_type in mart_contracts()["inventory_daily"]
        )
        duckdb.execute(f"copy (select {columns}) to '{folder}/part-0.parquet' (format parquet)")
        yield from ()

    monkeypatch.setattr(transform, "dbt_cli_in_process", fake_dbt_cli_in_process)
    monkeypatch.setattr(transform, "prepare_dbt_spark", lambda: None)
    for key in ("USD1INV_WAREHOUSE", "USD1INV_SPARK_DIR", "USD1INV_SPARK_MASTER"):
        monkeypatch.setenv(key, "")  # the step sets them; restored after the test
    (assets,) = transform.build_dbt_assets(config)
    step = assets.op.compute_fn.decorated_fn
    resource = Warehouse(path=str(warehouse))
    list(step(context=None, dbt=None, warehouse=resource))
    assert calls[0][:3] == ["build", "--target", "spark"]
    assert (config.spark_dir / "raw" / "raw" / "registry_wallets" / "part.parquet").exists()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select balance from marts.inventory_daily").fetchall() == [(5,)]
