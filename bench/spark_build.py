"""Benchmark: the same generated history built on Spark `local[2]` and on DuckDB, in one run.

    python -m bench.spark_build --transfers 200000 --days 730 --wallets 2000

1. Generates the raw history with `bench.dbt_build.generate_raw` (the same SQL generator, the
   same deterministic transfers) into a fresh DuckDB warehouse.
2. DuckDB: `dbt run` (models only) of `--select` as the dbt CLI subprocess the pipeline runs,
   full; then one more day is appended (`bench.dbt_build.append_day`) and it is run again
   (incremental on DuckDB).
3. Spark: the raw tables exported as Parquet (`ingestion.raw_parquet.export_raw_parquet`, the
   product's export), then `python -m ingestion.spark_target run --target spark` (dbt-spark's
   `session` method, ANSI on, master `--master`, default `local[2]`) in a subprocess, full; the
   appended day exported (only its changed partitions are rewritten) and the run repeated
   (incremental on Spark too: the cut-log models' partitions from the cut on, macros/engine.sql).
4. For every build: wall time, dbt's per-model times (run_results.json), and the peak memory of
   the build's whole process tree (dbt's Python process and, for Spark, the JVM it starts),
   sampled from /proc every `--sample-s` seconds (sum of VmRSS of the process and all its
   descendants; shared pages are counted once per process, so it is an upper bound).

Prints one JSON object and writes it to `--out`. Sizes that take minutes on Spark on 2 shared
cores: see bench/README.md for what was run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.dbt_build import (  # noqa: E402
    INVENTORY_SELECTION,
    _common_args,
    append_day,
    generate_raw,
)
from ingestion.raw_parquet import export_raw_parquet  # noqa: E402
from ingestion.spark_target import spark_environment  # noqa: E402

TIMEZONE = "UTC"  # the bench's own reporting zone (its generated days are UTC days)
COUNTED_RELATIONS = ("inventory_daily", "inventory_rollforward")


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                stat = handle.read()
        except OSError:
            continue  # the process ended meanwhile
        # the command name may hold spaces and parentheses: the fields follow the last ')'
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def tree_rss_bytes(root: int) -> int:
    """Sum of the resident set size of `root` and all its descendants (0 if it is gone)."""
    children = _children_map()
    total, todo = 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
                total += int(handle.read().split()[1]) * page
        except OSError:
            continue
        todo.extend(children.get(pid, []))
    return total


class PeakSampler:
    """Samples the RSS of a process tree in a thread until stopped; keeps the peak."""

    def __init__(self, pid: int, every_s: float) -> None:
        self.pid, self.every_s = pid, every_s
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self.samples += 1
            self._stop.wait(self.every_s)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _dbt_args(work: Path, dbt_vars: dict[str, str], select: str) -> list[str]:
    args = ["run", *_common_args(work, dbt_vars)]
    if select:
        args += ["--select", *select.split()]
    return args


def timed_build(
    command: list[str], env: dict[str, str], work: Path, sample_s: float
) -> dict[str, Any]:
    """Run one dbt build as a subprocess: wall time, peak RSS of its tree, per-model times."""
    started = time.perf_counter()
    with open(work / "stdout.log", "a", encoding="utf-8") as log:
        process = subprocess.Popen(
            command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, text=True
        )
        with PeakSampler(process.pid, sample_s) as sampler:
            returncode = process.wait()
    seconds = time.perf_counter() - started
    if returncode != 0:
        tail = (work / "stdout.log").read_text(encoding="utf-8")[-6000:]
        raise RuntimeError(f"{' '.join(command[:4])} failed ({returncode}):\n{tail}")
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    nodes = {r["unique_id"].split(".")[-1]: round(r["execution_time"], 3) for r in results}
    return {
        "wall_s": round(seconds, 2),
        "peak_rss_mb": round(sampler.peak / 2**20, 1),
        "rss_samples": sampler.samples,
        "node_s": round(sum(nodes.values()), 2),
        "nodes": nodes,
    }


def _duckdb_counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse))
    try:
        return {
            name: con.execute(f"select count(*) from marts.{name}").fetchone()[0]
            for name in COUNTED_RELATIONS
        }
    finally:
        con.close()


def _spark_counts(spark_dir: Path) -> dict[str, int]:
    con = duckdb.connect()
    try:
        counts = {}
        for name in COUNTED_RELATIONS:
            files = spark_dir / "tables" / "marts.db" / name / "**" / "*.parquet"
            counts[name] = con.execute(
                f"select count(*) from read_parquet('{files}', hive_partitioning = false)"
            ).fetchone()[0]
        return counts
    finally:
        con.close()


def _export(warehouse: Path, root: Path) -> dict[str, Any]:
    started = time.perf_counter()
    con = duckdb.connect(str(warehouse))  # dbt-duckdb's configuration: not read-only
    try:
        result = export_raw_parquet(con, root, TIMEZONE)
    finally:
        con.close()
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "partitions_written": result.partitions_written,
        "partitions_unchanged": result.partitions_unchanged,
    }


def run(
    *,
    transfers: int,
    days: int,
    wallets: int,
    start: date,
    folder: Path,
    select: str,
    master: str,
    sample_s: float,
    engines: tuple[str, ...] = ("duckdb", "spark"),
) -> dict[str, Any]:
    warehouse = folder / "warehouse.duckdb"
    dbt_vars = {"reporting_timezone": TIMEZONE, "start_date": start.isoformat()}
    started = time.perf_counter()
    con = duckdb.connect(str(warehouse))
    try:
        sizes = generate_raw(con, transfers=transfers, days=days, wallets=wallets, start=start)
    finally:
        con.close()
    generate_s = time.perf_counter() - started

    base_env = {
        **os.environ,
        "USD1INV_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    duck_work, spark_work = folder / "duckdb", folder / "spark"
    duck_work.mkdir(parents=True, exist_ok=True)
    spark_work.mkdir(parents=True, exist_ok=True)
    raw_root = folder / "raw_parquet"
    spark_env = {**base_env, **spark_environment(master, spark_work / "spark")}
    duck_command = [str(Path(sys.executable).with_name("dbt"))]
    spark_command = [sys.executable, "-m", "ingestion.spark_target"]
    spark_vars = {**dbt_vars, "raw_root": str(raw_root)}

    def duck_build() -> dict[str, Any]:
        return timed_build(
            [*duck_command, *_dbt_args(duck_work, dbt_vars, select)],
            base_env,
            duck_work,
            sample_s,
        )

    def spark_build() -> dict[str, Any]:
        args = [*_dbt_args(spark_work, spark_vars, select), "--target", "spark"]
        return timed_build([*spark_command, *args], spark_env, spark_work, sample_s)

    result: dict[str, Any] = {"duckdb": {}, "spark": {}}
    # full builds of the generated history
    if "duckdb" in engines:
        result["duckdb"]["full"] = duck_build()
        result["duckdb"]["full"]["rows"] = _duckdb_counts(warehouse)
    if "spark" in engines:
        result["spark"]["export_full"] = _export(warehouse, raw_root)
        result["spark"]["full"] = spark_build()
        result["spark"]["full"]["rows"] = _spark_counts(spark_work / "spark")
    # one more day, as the next sync would bring it
    con = duckdb.connect(str(warehouse))
    try:
        appended = append_day(
            con, days=days, wallets=wallets, per_day=sizes["per_day"], start=start
        )
    finally:
        con.close()
    if "duckdb" in engines:
        result["duckdb"]["one_more_day"] = duck_build()
        result["duckdb"]["one_more_day"]["rows"] = _duckdb_counts(warehouse)
    if "spark" in engines:
        result["spark"]["export_one_more_day"] = _export(warehouse, raw_root)
        result["spark"]["one_more_day"] = spark_build()
        result["spark"]["one_more_day"]["rows"] = _spark_counts(spark_work / "spark")
    return {
        "select": select or "(whole project)",
        "master": master,
        "cpu_count": os.cpu_count(),
        "raw": {**sizes, "appended_transfers": appended, "generate_s": round(generate_s, 2)},
        "engines": {k: v for k, v in result.items() if v},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--wallets", type=int, default=2000)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 1, 1))
    parser.add_argument(
        "--select",
        default=INVENTORY_SELECTION,
        help="dbt selection (default: the inventory marts and upstream; '' = whole project)",
    )
    parser.add_argument("--master", default="local[2]", help="Spark master (default local[2])")
    parser.add_argument("--engines", default="duckdb,spark", help="comma-separated")
    parser.add_argument("--sample-s", type=float, default=0.2, help="RSS sampling period")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the files here")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    engines = tuple(e.strip() for e in args.engines.split(",") if e.strip())
    if not set(engines) <= {"duckdb", "spark"} or not engines:
        parser.error("--engines takes duckdb and/or spark")
    with tempfile.TemporaryDirectory(prefix="bench_spark_") as tmp:
        folder = args.workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        result = run(
            transfers=args.transfers,
            days=args.days,
            wallets=args.wallets,
            start=args.start,
            folder=folder,
            select=args.select,
            master=args.master,
            sample_s=args.sample_s,
            engines=engines,
        )
    result["last_day"] = (args.start + timedelta(days=args.days)).isoformat()
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
