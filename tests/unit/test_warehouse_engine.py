"""`warehouse: {engine: duckdb | spark}`: configuration, the dbt arguments, ANSI mode."""

from __future__ import annotations

import pytest

import orchestration.defs.transform as transform
from ingestion.config import ConfigError, load_config
from ingestion.spark_target import keep_ansi_mode
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
