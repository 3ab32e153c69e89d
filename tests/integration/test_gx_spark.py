"""Engine spark: the mart suites run on the Spark marts through GX's Spark datasource and find
what DuckDB finds, reported the same way.

A real local Spark session (local[1], the product's settings: ANSI on, UTC) reads a small
inventory_daily mart written as Parquet, as Spark's build leaves it, with faults planted in
it. The same suites run on the same rows in a DuckDB warehouse file; the outcomes (every
expectation's verdict, count and offending rows) and the audit rows they write must be equal.
"""

from __future__ import annotations

import json
import re

import duckdb
import pytest
from dagster import AssetCheckSeverity, AssetKey, asset, materialize

from expectations.failures import record_failures
from expectations.gx_spark import spark_session
from expectations.runner import SuiteOutcome, SuiteSpec, run_suite, run_suite_on_spark
from expectations.suites import (
    counterparties,
    fair_value,
    inventory_daily,
    inventory_rollforward,
    reconciliation,
)
from expectations.suites.inventory_daily import SUITE as INVENTORY_DAILY
from ingestion.config import load_config
from orchestration.defs.quality import _check_for
from orchestration.defs.resources import InventoryConfig, Warehouse
from reporting.spark_marts import mart_contracts
from tests.conftest import write_config
from tests.dbt_in_process import DBT_PROJECT_DIR
from tests.expectations_fixtures import assert_fails_on, make_warehouse, with_fault
from tests.unit.test_expectations_marts import FAULTS, FRESHNESS_SUITE, RECONCILIATION
from tests.unit.test_expectations_marts import clean as clean  # the clean marts fixture
from tests.unit.test_gx_duckdb import _rollforward

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

WALLET = "'0x' || repeat('a', 40)"
ROWS = f"""
    select as_of_date, network, location_id, 'acme' as entity, 'client' as ownership,
           location_type, balance_status,
           cast(balance as decimal(38, 18)) as balance,
           cast(pending_in as decimal(38, 18)) as pending_in,
           cast(pending_out as decimal(38, 18)) as pending_out,
           cast(0 as decimal(38, 18)) as frozen, cast(0 as decimal(38, 18)) as locked,
           cast(available as decimal(38, 18)) as available,
           timestamptz '2026-08-01 23:59:59.123456+00' + to_days(day) as last_block_time
    from (values
        (0, date '2026-08-01', 'ethereum', {WALLET}, 'wallet', 'onchain',
         '5.000000000000000001', '0', '2', '3.000000000000000001'),
        (1, date '2026-08-02', 'ethereum', {WALLET}, 'wallet', 'onchain',
         '5', '1', '0', '5'),
        -- planted: available below zero (and not max(balance - pending_out, 0))
        (1, date '2026-08-02', 'ethereum', '0x' || repeat('b', 40), 'wallet', 'onchain',
         '1', '0', '0', '-1'),
        -- planted: a wallet's address in upper case
        (1, date '2026-08-02', 'ethereum', '0x' || repeat('C', 40), 'wallet', 'onchain',
         '2', '0', '0', '2'),
        (1, date '2026-08-02', 'bnb', 'fireblocks-vault', 'custodian', 'statement',
         '7', '0', '0', '7')
    ) t(day, as_of_date, network, location_id, location_type, balance_status, balance,
        pending_in, pending_out, available)
"""


# a small JVM for a small test (measured: halves the JVM's CPU, 60 s -> 31 s): the client
# compiler only, and no Java generated and compiled per query (whole-stage codegen is a speed
# path of the same operators; the SQL settings that decide results are the product's)
START_FAST = {
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    "spark.sql.codegen.wholeStage": "false",
}


@pytest.fixture(scope="module")
def spark():
    session = spark_session("local[1]", start_settings=START_FAST)
    session.conf.set("spark.sql.shuffle.partitions", "1")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def engines(tmp_path_factory, spark):
    """The same mart as a DuckDB table and as Spark's Parquet folder."""
    folder = tmp_path_factory.mktemp("gx_spark")
    warehouse = folder / "warehouse.duckdb"
    marts_dir = folder / "spark" / "tables" / "marts.db"
    marts_dir.mkdir(parents=True)
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    # in the contract's column order, as a build leaves it (Spark's read restores that order)
    con.execute(f"create table marts.inventory_daily_rows as {ROWS}")
    present = [row[0] for row in con.execute("describe marts.inventory_daily_rows").fetchall()]
    ordered = [name for name, _ in mart_contracts()["inventory_daily"] if name in present]
    ordered += [name for name in present if name not in ordered]
    con.execute(
        f"create table marts.inventory_daily as select {', '.join(ordered)} "
        "from marts.inventory_daily_rows"
    )
    con.execute("drop table marts.inventory_daily_rows")
    _copy_as_spark_writes(con, "inventory_daily", marts_dir)
    con.close()
    return warehouse, marts_dir


def _spark_partitions(table: str) -> list[str]:
    """The partition columns the mart's model gives Spark (`cut_partition_by` in its config)."""
    paths = list((DBT_PROJECT_DIR / "models" / "marts").rglob(f"{table}.sql"))
    if not paths:
        return []
    match = re.search(r"cut_partition_by\(\[([^\]]*)\]\)", paths[0].read_text())
    return re.findall(r"'(\w+)'", match.group(1)) if match else []


def _copy_as_spark_writes(con, table: str, marts_dir) -> None:
    """marts.<table> as Spark's folder: partitioned as its model says (the partition columns in
    `<column>=<value>` folder names, not in the files), else one file."""
    folder = marts_dir / table
    columns = {row[0] for row in con.execute(f"describe marts.{table}").fetchall()}
    partitions = [name for name in _spark_partitions(table) if name in columns]
    if partitions:
        folder.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy marts.{table} to '{folder}' "
            f"(format parquet, partition_by ({', '.join(partitions)}))"
        )
    else:
        folder.mkdir(parents=True)
        con.execute(f"copy marts.{table} to '{folder / 'part-00000.parquet'}' (format parquet)")


def test_the_partitioned_marts_are_written_as_spark_writes_them():
    """The stand-in folders are partitioned as the Spark build partitions them."""
    assert _spark_partitions("inventory_daily") == ["network", "location_type", "as_of_date"]
    assert _spark_partitions("fair_value") == ["period"]


def _as_spark_marts(warehouse, marts_dir):
    """Every table of the warehouse's `marts` schema as a Parquet folder, as Spark writes it."""
    con = duckdb.connect(str(warehouse))
    tables = con.execute(
        "select table_name from duckdb_tables() where schema_name = 'marts'"
    ).fetchall()
    for (table,) in tables:
        _copy_as_spark_writes(con, table, marts_dir)
    con.close()
    return marts_dir


def _comparable(outcome: SuiteOutcome) -> list[tuple]:
    """Each expectation's verdict, count and offending rows (in a stable order)."""
    return [
        (
            o.expectation,
            o.description,
            o.success,
            o.unexpected_count,
            sorted(json.dumps(row, sort_keys=True) for row in o.rows),
        )
        for o in outcome.outcomes
    ]


def _audit_rows(spec: SuiteSpec, outcome: SuiteOutcome) -> list[tuple]:
    con = duckdb.connect()
    record_failures(con, spec, outcome, run_id="run")
    rows = con.execute(
        "select suite, table_name, expectation, description, severity, unexpected_count,"
        " sample_json, keys_json, values_json from audit.expectation_failures order by all"
    ).fetchall()
    con.close()
    return rows


def test_spark_finds_the_planted_faults_as_duckdb_does(engines, spark, tmp_path):
    warehouse, marts_dir = engines
    docs_dir = tmp_path / "docs"
    on_duckdb = run_suite(warehouse, INVENTORY_DAILY)
    on_spark = run_suite_on_spark(
        spark, marts_dir, INVENTORY_DAILY, run_name="r1", docs_dir=docs_dir
    )

    assert (on_duckdb.engine, on_spark.engine) == ("duckdb", "spark")
    assert on_spark.skipped is None, on_spark.skipped
    assert _comparable(on_spark) == _comparable(on_duckdb)
    assert _audit_rows(INVENTORY_DAILY, on_spark) == _audit_rows(INVENTORY_DAILY, on_duckdb)
    assert (docs_dir / "index.html").exists()  # the Data Docs are built as on DuckDB

    failed = {o.description: o for o in on_spark.failed}
    negative = next(o for d, o in failed.items() if d.startswith("no negative"))
    assert [r["location_id"] for r in negative.rows] == ["0x" + "b" * 40]
    assert negative.rows[0]["available"] == "-1.000000000000000000"  # exact, as text
    assert negative.rows[0]["last_block_time"] == "2026-08-02T23:59:59.123456+00:00"  # UTC
    address = failed["location_id of a wallet is a lower-case 20-byte address"]
    assert [r["location_id"] for r in address.rows] == ["0x" + "C" * 40]
    # the 18th decimal is kept: the clean first row passes "available = max(...)"
    assert failed.keys() == {
        negative.description,
        "available = max(balance - pending_out - frozen - locked, 0)",
        address.description,
    }


def test_a_mart_spark_has_not_built_is_skipped_with_the_reason(engines, spark):
    _, marts_dir = engines
    spec = SuiteSpec(name="later", schema="marts", table="not_built", build=inventory_daily.build)
    outcome = run_suite_on_spark(spark, marts_dir, spec)
    assert outcome.skipped is not None and "marts.not_built does not exist yet" in outcome.skipped
    assert not outcome.success and outcome.engine == "spark"


# the mart suites' unexpected-rows queries (the SQL that must run on both engines) on the faults
# the DuckDB unit tests plant; source_freshness stays on DuckDB (expectations/engines.py)
SQL_FAULTS = [
    (spec, fault, failing)
    for spec, fault, failing in FAULTS
    if spec is not FRESHNESS_SUITE
    and not failing.startswith(("compound_columns", "to_not_be_null", "to_be_in_set"))
]


@pytest.mark.parametrize(
    ("spec", "fault", "failing"),
    SQL_FAULTS,
    ids=[f"{s.name}:{n}" for n, (s, _, _) in enumerate(SQL_FAULTS)],
)
def test_every_mart_query_fails_on_spark_as_on_duckdb(clean, spark, tmp_path, spec, fault, failing):
    warehouse = with_fault(clean, tmp_path / "fault.duckdb", fault)
    marts_dir = _as_spark_marts(warehouse, tmp_path / "marts.db")
    on_spark = run_suite_on_spark(spark, marts_dir, spec)
    assert_fails_on(on_spark, failing)
    assert _comparable(on_spark) == _comparable(run_suite(warehouse, spec))


@asset(key=AssetKey(["marts", "reconciliation"]))
def reconciliation_mart():
    """Stand-in: Spark's build left the mart's Parquet in the fixture's folder."""


def test_the_asset_check_validates_the_spark_mart_and_records_in_the_warehouse(spark, tmp_path):
    """engine spark: the check reads the Spark mart (the warehouse file has no copy of it),
    and reports as on DuckDB: WARN, failed rows in the metadata, the break in the audit."""
    config_path = write_config(
        tmp_path / "cfg", warehouse={"engine": "spark", "spark_master": "local[1]"}
    )
    config = load_config(config_path)
    staging = make_warehouse(tmp_path / "rows.duckdb", {"marts.reconciliation": RECONCILIATION})
    con = duckdb.connect(str(staging))
    con.execute(
        "update marts.reconciliation set status = 'break', difference = 5,"
        " unexplained_difference = 5, right_balance = 5, break_age_days = 0"
        " where as_of_date = date '2026-10-03'"
    )
    con.close()
    _as_spark_marts(staging, config.spark_marts_dir)
    config.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(config.warehouse_path)).close()  # no marts: the checks need no mirror
    result = materialize(
        [
            reconciliation_mart,
            _check_for(reconciliation.INTEGRITY),
            _check_for(reconciliation.BREAKS),
        ],
        resources={
            "warehouse": Warehouse(path=str(config.warehouse_path)),
            "inventory_config": InventoryConfig(config_path=str(config_path)),
        },
        raise_on_error=False,
    )
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    breaks = evaluations["reconciliation_breaks"]
    assert breaks.passed is False and breaks.severity == AssetCheckSeverity.WARN
    assert breaks.metadata["engine"].value == "spark"
    assert breaks.metadata["failed_rows"].value == 1
    assert evaluations["reconciliation_integrity"].passed is True
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    (keys,) = con.execute(
        "select keys_json from audit.expectation_failures where run_id = ?", [result.run_id]
    ).fetchone()
    con.close()
    assert json.loads(keys) == {
        "as_of_date": "2026-10-03",
        "network": "ethereum",
        "location_id": "fireblocks-vault",
        "comparison": "custodian_vs_ledger",
    }


FAIR_VALUE = """
    select period, 'acme' as entity, 'client' as ownership, 'USD1' as asset,
           cast(period_end_date as date) as period_end_date,
           cast(units as decimal(38, 18)) as units, 'fair_value' as measurement_basis,
           'priced' as price_status, cast(price_usd as decimal(38, 6)) as price_usd,
           'coingecko' as price_source,
           timestamptz '2026-10-31 23:00:00+00' as price_observed_at,
           cast(depeg_bps as decimal(38, 6)) as depeg_bps,
           cast(fair_value_usd as decimal(38, 6)) as fair_value_usd
    from (values
        ('2026-09', '2026-09-30', '1000.000000000000000001', '1.000000', '0', '1000.000000'),
        -- planted: a depeg of 80 bps, and a fair value that is not units * price
        ('2026-10', '2026-10-31', '1000', '0.992000', '-80', '991.000000')
    ) t(period, period_end_date, units, price_usd, depeg_bps, fair_value_usd)
"""
UNKNOWN_DESTINATIONS = """
    select 'ethereum' as network, '0x' || repeat('1', 64) as tx_hash, 7 as log_index,
           '0x' || repeat('a', 40) as location_id, '0x' || repeat('a', 40) as from_address,
           '0x' || repeat('d', 40) as to_address, cast('12.5' as decimal(38, 18)) as amount,
           timestamptz '2026-10-02 10:00:00+00' as block_time
"""
MORE = {
    # the identity broken in 2026-09; 2026-10 opens at 5, not 7, and has a negative inflow
    "rollforward": (
        inventory_rollforward.SUITE,
        [("2026-09", "2026-09-01", 0, 10, 4, 7), ("2026-10", "2026-10-01", 5, -1, 0, 4)],
        {
            "every flow column is zero or positive",
            "opening + flows + unexplained_change = closing, exactly",
            "a period's closing is the next period's opening",
        },
    ),
    "fair_value": (
        fair_value.SUITE,
        FAIR_VALUE,
        {
            "the price is within 50 bps of par (|depeg_bps| <= 50)",
            "fair value is units * price (to 0.000001 USD)",
        },
    ),
    "unknown_destinations": (
        counterparties.UNKNOWN_DESTINATIONS,
        UNKNOWN_DESTINATIONS,
        {counterparties.DESCRIPTION},
    ),
}


@pytest.mark.parametrize("case", MORE)
def test_the_other_mart_suites_fail_on_spark_as_on_duckdb(spark, tmp_path, case):
    spec, rows, failing = MORE[case]
    if isinstance(rows, list):
        warehouse = _rollforward(tmp_path / "w.duckdb", rows)
    else:
        warehouse = make_warehouse(tmp_path / "w.duckdb", {spec.target: rows})
    marts_dir = _as_spark_marts(warehouse, tmp_path / "marts.db")
    on_spark = run_suite_on_spark(spark, marts_dir, spec)
    assert on_spark.skipped is None, on_spark.skipped
    assert {o.description for o in on_spark.failed} == failing, on_spark.summary()
    assert _comparable(on_spark) == _comparable(run_suite(warehouse, spec))
