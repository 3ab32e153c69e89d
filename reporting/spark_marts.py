"""Engine spark: the marts Spark built, mirrored into the DuckDB warehouse's `marts` schema.

After a Spark build the Dagster step copies each Spark mart (a folder of Parquet files under
`<data_dir>/spark/tables/marts.db/`) into `marts.<name>` in one transaction. What still reads
the warehouse file's marts, and so needs this mirror (whichever engine built them):

- the publish step (reporting/publish.py): the read-only snapshot and the Parquet set, which the
  finance dashboard and BI tools read; it copies every mart, so every mart is mirrored;
- the close (reporting/close/): period snapshots into `audit`, the close pack;
- the CLI (usd1inv/breaks.py, usd1inv/summary.py): the break register and the run summary;
- one quality suite, `source_freshness`, for the latest `as_of_date` of inventory_daily (its
  other inputs are raw and audit tables, which live in the warehouse file under both engines).

The Great Expectations suites of the marts do **not** read the mirror: with engine spark they
validate the Spark marts where they are, through GX's Spark datasource (expectations/engines.py,
expectations/gx_spark.py), so a check never waits for, or trusts, a copy. The mirror is sized
for marts that are aggregates (per day, location, period); a mart too large for one machine
(an exchange's wallets x days grid) would have to be published from Spark's Parquet instead.

The incremental marts are partitioned on Spark (macros/engine.sql): their files sit in
`<column>=<value>` folders, the partition columns are not in the files and a Spark table lists
them last. The mirror reads the folders, casts each partition column (text in a path) to its
contract type and puts every column back in the contract's order (the marts' YAML under
dbt_project/models/marts), so `marts.<name>` has the same columns as a DuckDB build.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

MARTS_YAML_DIR = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "marts"


def spark_mart_folders(marts_dir: Path) -> list[Path]:
    """The marts Spark wrote: one folder of Parquet files per table (hidden folders skipped)."""
    if not marts_dir.is_dir():
        return []
    return [
        folder
        for folder in sorted(marts_dir.iterdir())
        if folder.is_dir() and not folder.name.startswith((".", "_"))
    ]


def mart_contracts(yaml_dir: Path = MARTS_YAML_DIR) -> dict[str, list[tuple[str, str]]]:
    """Per mart, its contract's (column, DuckDB type) in order, from the models' YAML."""
    contracts: dict[str, list[tuple[str, str]]] = {}
    for path in sorted(yaml_dir.rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for model in document.get("models") or []:
            columns = [
                (column["name"], column["data_type"])
                for column in model.get("columns") or []
                if column.get("data_type")
            ]
            if columns:
                contracts[model["name"]] = columns
    return contracts


def partition_columns(folder: Path) -> list[str]:
    """The partition columns of a Spark table's folder, outermost first (none: [])."""
    columns: list[str] = []
    while True:
        partitions = sorted(path for path in folder.iterdir() if path.is_dir() and "=" in path.name)
        if not partitions:
            return columns
        columns.append(partitions[0].name.split("=", 1)[0])
        folder = partitions[0]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def spark_mart_select(folder: Path, contract: list[tuple[str, str]] | None) -> str:
    """SQL reading one Spark mart's folder, in the contract's column order and types."""
    partitioned = partition_columns(folder)
    pattern = "/**/*.parquet" if partitioned else "/*.parquet"
    files = folder.as_posix().replace("'", "''") + pattern
    source = (
        f"read_parquet('{files}', hive_partitioning = true, hive_types_autocast = false)"
        if partitioned
        else f"read_parquet('{files}')"
    )
    if not contract:
        return f"select * from {source}"
    contract_names = {name for name, _ in contract}
    missing = [name for name in partitioned if name not in contract_names]
    if missing:
        raise RuntimeError(f"{folder}: partition columns {missing} are not in the contract")
    columns = [
        f"cast({_quote(name)} as {data_type}) as {_quote(name)}"
        if name in partitioned
        else _quote(name)
        for name, data_type in contract
    ]
    return f"select {', '.join(columns)} from {source}"


def mirror_spark_marts(
    con: duckdb.DuckDBPyConnection,
    marts_dir: Path,
    contracts: dict[str, list[tuple[str, str]]] | None = None,
) -> list[str]:
    """Replace `marts.<name>` by each Spark mart's rows, all in one transaction."""
    contracts = mart_contracts() if contracts is None else contracts
    folders = spark_mart_folders(marts_dir)
    if not folders:
        raise RuntimeError(f"{marts_dir}: no Spark marts to mirror (has the Spark build run?)")
    con.execute("begin transaction")
    try:
        con.execute("create schema if not exists marts")
        for folder in folders:
            select = spark_mart_select(folder, contracts.get(folder.name))
            con.execute(f"create or replace table marts.{_quote(folder.name)} as {select}")
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return [folder.name for folder in folders]
