"""Where a suite runs (warehouse.engine) and what keeps one suite valid on both engines.

The Spark side itself is tested with a real local Spark session in
tests/integration/test_gx_spark.py; these need no Spark.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import duckdb
import pytest

from expectations.engines import run_suite_for, suite_engine
from expectations.runner import SuiteSpec, _offending_rows
from expectations.suites import raw_registry, source_freshness
from expectations.suites.common import not_lower_hex
from ingestion.config import load_config
from orchestration.defs.quality import suites
from tests.conftest import write_config

SUITES = suites()
# constructs of DuckDB's SQL that Spark SQL does not have (or reads differently)
DUCKDB_ONLY_SQL = (
    "regexp_full_match",
    "regexp_matches",
    "group by all",
    "filter (where",
    "timezone(",
    "date_diff(",
    "::",
    "qualify",
    "list_",
    "struct_pack",
    "ilike",
)


def test_with_duckdb_every_suite_reads_the_warehouse_file():
    assert {suite_engine(spec, "duckdb") for spec in SUITES} == {"duckdb"}


def test_with_spark_the_mart_suites_run_on_spark_and_raw_suites_on_duckdb():
    on_spark = {spec.name for spec in SUITES if suite_engine(spec, "spark") == "spark"}
    raw = {spec.name for spec in SUITES if spec.schema == "raw"}
    marts = {spec.name for spec in SUITES if spec.schema == "marts"}
    assert raw and on_spark.isdisjoint(raw)
    # only source_freshness stays behind, and it says why
    assert marts - on_spark == {source_freshness.suite().name}
    assert "raw.*" in source_freshness.suite().duckdb_only


def test_a_mart_suite_that_reads_a_raw_table_stays_on_duckdb():
    spec = SuiteSpec(
        name="x", schema="marts", table="t", build=list, also_reads=("raw.registry_wallets",)
    )
    assert suite_engine(spec, "spark") == "duckdb"
    assert suite_engine(replace(spec, also_reads=("marts.u",)), "spark") == "spark"


def _queries(spec) -> list[str]:
    queries = [spec.query] if spec.query else []
    for expectation in spec.build():
        query = getattr(expectation, "unexpected_rows_query", None)
        if query:
            queries.append(query)
    return queries


@pytest.mark.parametrize(
    "spec", [s for s in SUITES if suite_engine(s, "spark") == "spark"], ids=lambda s: s.name
)
def test_a_suite_that_runs_on_spark_uses_no_duckdb_only_sql(spec):
    for query in _queries(spec):
        found = [token for token in DUCKDB_ONLY_SQL if token in query.lower()]
        assert not found, f"{spec.name}: {found} in {query}"


VALUES = [
    "0x" + "a" * 40,
    "0x" + "0123456789abcdef" * 2 + "01234567",
    "0x" + "A" * 40,  # upper case
    "0X" + "a" * 40,
    "0x" + "a" * 39,
    "0x" + "a" * 41,
    "0x" + "g" * 40,
    "0x" + "a" * 39 + "é",
    "1x" + "a" * 40,
    "",
    None,
]


def test_the_portable_lower_hex_check_agrees_with_duckdbs_regex():
    con = duckdb.connect()
    con.execute("create table t (v varchar)")
    con.executemany("insert into t values (?)", [[v] for v in VALUES])
    rows = con.execute(
        f"select v, {not_lower_hex('v', 40)}, not regexp_full_match(v, '0x[0-9a-f]{{40}}') from t"
    ).fetchall()
    assert [(v, portable) for v, portable, _ in rows] == [(v, regex) for v, _, regex in rows]
    assert sum(bool(portable) for _, portable, _ in rows) == len(VALUES) - 3  # 2 good, 1 null


def test_timestamps_read_the_same_from_both_engines():
    """Spark gives an instant as a naive local datetime, DuckDB as an aware one in its own
    zone: the recorded row holds the same UTC time."""
    instant = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    in_new_york = instant.astimezone(timezone(timedelta(hours=-4)))
    naive_local = instant.astimezone().replace(tzinfo=None)
    duckdb_info = {"details": {"unexpected_rows": [{"at": in_new_york}]}}
    spark_info = {"details": {"unexpected_rows": [{"at": naive_local}]}}
    expected = [{"at": "2026-10-31T23:30:00+00:00"}]
    assert _offending_rows(duckdb_info, "duckdb") == expected
    assert _offending_rows(spark_info, "spark") == expected
    # a TIMESTAMP without time zone from DuckDB is a wall-clock value: unchanged
    wall = {"details": {"unexpected_rows": [{"at": datetime(2026, 10, 31, 23, 30)}]}}
    assert json.dumps(_offending_rows(wall, "duckdb")) == '[{"at": "2026-10-31T23:30:00"}]'


def test_with_spark_a_raw_suite_still_reads_the_warehouse_file(tmp_path):
    config = load_config(write_config(tmp_path, warehouse={"engine": "spark"}))
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema raw")
    con.execute("create table raw.registry_wallets (network varchar, address varchar)")
    con.close()
    outcome = run_suite_for(config, warehouse, raw_registry.SUITE)
    assert outcome.engine == "duckdb"
    # DuckDB's own reason (raw.registry_networks is missing), not Spark's
    assert outcome.skipped == "table raw.registry_networks does not exist yet"
