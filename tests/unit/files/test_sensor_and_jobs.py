"""The landing sensor (one run per new file, keyed by its hash) and the ingest_files job."""

from __future__ import annotations

import os
import shutil
import time

import duckdb
from dagster import AssetKey, DagsterInstance, SkipReason, build_sensor_context

from ingestion.files.landing import file_sha256
from orchestration.defs.build import build_definitions
from orchestration.defs.landing import FILE_ASSET_KEYS, build_landing_sensor
from tests.conftest import write_config
from tests.unit.files.conftest import FIXTURES, files_section, make_config


def _age(path, seconds: int = 120) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_one_new_file_one_run_request_keyed_by_its_hash(tmp_path, pseudonym_key):
    config = make_config(tmp_path)
    sensor = build_landing_sensor(config)
    path = config.landing_dir / "kraken-main" / "ledgers_2026-10.csv"
    path.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "kraken-main" / "ledgers_2026-10.csv", path)
    _age(path)
    with DagsterInstance.ephemeral() as instance:
        context = build_sensor_context(instance=instance)
        first = sensor(context)
        assert isinstance(first, list) and len(first) == 1
        request = first[0]
        assert request.run_key == file_sha256(path)
        assert request.tags["usd1inv/source"] == "kraken-main"
        assert request.tags["usd1inv/kind"] == "exchange"
        assert request.tags["usd1inv/day"]  # the drop day in the reporting time zone
        assert request.asset_selection == [
            AssetKey(["raw", "exchange_entries"]),
            AssetKey(["raw", "exchange_balances"]),
        ]
        assert request.run_config == {"ops": {"exchange_files": {"config": {"paths": [str(path)]}}}}
        # second evaluation with the cursor the first left: nothing new
        second = sensor(build_sensor_context(instance=instance, cursor=context.cursor))
        assert isinstance(second, SkipReason)
        # a renamed copy of the same bytes is not a new file either
        copy = path.with_name("again.csv")
        shutil.copy(path, copy)
        _age(copy)
        third = sensor(build_sensor_context(instance=instance, cursor=context.cursor))
        assert isinstance(third, SkipReason)


def test_a_file_still_being_written_waits(tmp_path, pseudonym_key):
    config = make_config(tmp_path)
    sensor = build_landing_sensor(config)
    path = config.landing_dir / "coingecko" / "usd1-usd-max.csv"
    path.parent.mkdir(parents=True)
    shutil.copy(FIXTURES / "coingecko" / "usd1-usd-max.csv", path)  # modified just now
    (path.parent / "usd1-usd-max.csv.part").write_text("partial download")
    with DagsterInstance.ephemeral() as instance:
        assert isinstance(sensor(build_sensor_context(instance=instance)), SkipReason)


def test_definitions_wire_the_file_assets(tmp_path):
    defs = build_definitions(write_config(tmp_path, files=files_section()))
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert set(FILE_ASSET_KEYS) <= keys
    assert graph.get(AssetKey(["raw", "ledger_entries"])).group_name == "ledger"
    files_job = defs.resolve_job_def("ingest_files")
    build_job = defs.resolve_job_def("build_marts")
    assert set(FILE_ASSET_KEYS) <= files_job.asset_layer.selected_asset_keys
    assert not set(FILE_ASSET_KEYS) & build_job.asset_layer.selected_asset_keys
    # the landing sensor, and the two that record how Dagster-launched runs ended (run_audit)
    assert [s.name for s in defs.sensors] == [
        "landing_files",
        "audit_run_success",
        "audit_run_failure",
    ]


def test_ingest_files_job_loads_the_landing_folders(tmp_path, pseudonym_key):
    """What `usd1inv run` does first: one ingest_files run over whatever is in landing."""
    config_path = write_config(tmp_path, files=files_section())
    config = make_config(tmp_path)
    shutil.copytree(FIXTURES, config.landing_dir, ignore=shutil.ignore_patterns("*.md", "*.yml"))
    defs = build_definitions(config_path)
    with DagsterInstance.ephemeral() as instance:
        job = defs.resolve_job_def("ingest_files")
        assert job.execute_in_process(instance=instance).success
        again = job.execute_in_process(instance=instance)
        assert again.success
        metadata = {
            e.asset_key.path[-1]: e.step_materialization_data.materialization.metadata
            for e in again.get_asset_materialization_events()
        }
        assert metadata["exchange_entries"]["files_new"].value == 0
    with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
        statuses = con.execute("select status, count(*) from audit.files group by 1").fetchall()
        accounts = con.execute("select count(*) from raw.registry_accounts").fetchone()[0]
        principal = con.execute(
            "select source from raw.registry_price_sources where is_principal"
        ).fetchall()
    assert statuses == [("loaded", 11)]
    assert accounts == 10 and principal == [("coingecko",)]
