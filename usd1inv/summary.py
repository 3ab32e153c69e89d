"""What a person sees after a run: what was built, where it is, and what to look at next.

Also writes the run's report files into the configuration's reports folder: the latest day's
positions as CSV, for a first look without any tool.
"""

from __future__ import annotations

import os
from decimal import Decimal

import duckdb
import typer

from orchestration.pipeline import PipelineOutcome


def _units(value: Decimal) -> str:
    """Token units exactly, with thousands separators and no trailing zeros."""
    return format(value.normalize(), ",f") if value else "0"


def write_reports(outcome: PipelineOutcome) -> list[str]:
    """Export the latest day's inventory positions as CSV; return the files written."""
    config = outcome.config
    reports = config.reports_dir
    reports.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        latest = con.execute("select max(as_of_date) from marts.inventory_daily").fetchone()[0]
        if latest is None:
            return []
        path = reports / f"inventory_positions_{latest.isoformat()}.csv"
        con.execute(
            f"copy (select * from marts.inventory_daily where as_of_date = ? "
            f"order by network, location_id) to '{path}' (header, delimiter ',')",
            [latest],
        )
        return [str(path)]
    finally:
        con.close()


def _totals(outcome: PipelineOutcome) -> list[tuple]:
    con = duckdb.connect(str(outcome.config.warehouse_path), read_only=True)
    try:
        return con.execute(
            """
            select as_of_date, network, asset, ownership, count(*) as locations,
                   sum(balance), sum(pending_in), sum(pending_out), sum(available)
            from marts.inventory_daily
            where as_of_date = (select max(as_of_date) from marts.inventory_daily)
            group by all order by network, ownership
            """
        ).fetchall()
    finally:
        con.close()


def print_summary(outcome: PipelineOutcome) -> None:
    config = outcome.config
    echo = typer.echo
    echo("")
    echo(f"usd1inv: {outcome.start} .. {outcome.end} ({config.reporting_timezone})")
    for job in outcome.jobs:
        status = "ok" if job.success else "FAILED"
        echo(f"  run {job.job:<26} {status:<7} run id {job.run_id}")
        if job.checks:
            failed, warned = job.failed_checks, job.warnings
            passed = len(job.checks) - len(failed) - len(warned)
            echo(f"    checks: {passed} passed, {len(failed)} failed, {len(warned)} warnings")
            for name in failed:
                echo(f"    FAILED check {name}")
            for name in warned:
                echo(f"    WARNING check {name}")
        for line in quality_lines(config, job.run_id):
            echo(line)
    built = outcome.jobs[-1].job == "build_marts" and outcome.jobs[-1].success
    if built:
        echo("")
        echo("Holdings at the end of the last day (token units):")
        for row in _totals(outcome):
            day, network, asset, ownership, n, balance, p_in, p_out, available = row
            echo(
                f"  {day} {network:<10} {asset:<6} {ownership:<9} {n:>3} locations  "
                f"balance {_units(balance)}  pending in {_units(p_in)} / out {_units(p_out)}  "
                f"available {_units(available)}"
            )
        for line in _status_lines(outcome):
            echo(line)
        files = write_reports(outcome)
        echo("")
        echo(f"Warehouse : {config.warehouse_path}  (raw, staging, intermediate, marts, audit)")
        for f in files:
            echo(f"Report    : {f}")
        echo(f"Published : {config.data_dir / 'published'}  (snapshot.duckdb, parquet/)")
    config_path = os.environ.get("USD1INV_CONFIG", "<config>")
    echo(f"Run history: {config.dagster_home}")
    echo(f"Dagster UI : usd1inv dev --config {config_path}   (or: make dev)")
    echo(f"Dashboard  : usd1inv dashboard --config {config_path}   (or: make dashboard)")


def quality_lines(config, run_id: str) -> list[str]:
    """The run's skipped suites (with the reason) and the link to its Data Docs."""
    from expectations.data_docs import docs_dir_for, index_path
    from expectations.suite_runs import suite_runs

    lines, runs = [], []
    try:
        con = duckdb.connect(str(config.warehouse_path), read_only=True)
    except duckdb.Error:  # missing, or still held by a step that did not finish
        con = None
    if con is not None:
        try:
            runs = suite_runs(con, run_id)
        finally:
            con.close()
        lines += [
            f"    SKIPPED suite {r['suite']}: {r['skipped_reason']}"
            for r in runs
            if r["status"] == "skipped"
        ]
    index = index_path(docs_dir_for(config.reports_dir, run_id))
    if index.exists():
        lines.append(f"    Data Docs: {index.resolve().as_uri()}")
    return lines


def _status_lines(outcome: PipelineOutcome) -> list[str]:
    """Files loaded and reconciliation status, when the warehouse has them."""
    con = duckdb.connect(str(outcome.config.warehouse_path), read_only=True)
    lines = []
    try:
        tables = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select schema_name, table_name from duckdb_tables()"
            ).fetchall()
        }
        if "audit.files" in tables:
            counts = dict(
                con.execute("select status, count(*) from audit.files group by 1").fetchall()
            )
            if counts:
                text = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
                lines.append(f"Files: {text} (audit.files; quarantine reasons in audit.quarantine)")
        if "marts.reconciliation" in tables:
            counts = dict(
                con.execute(
                    "select status, count(*) from marts.reconciliation where as_of_date = "
                    "(select max(as_of_date) from marts.reconciliation) group by 1"
                ).fetchall()
            )
            if counts:
                text = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
                lines.append(f"Reconciliation on the last day: {text} (marts.reconciliation)")
    finally:
        con.close()
    return ["", *lines] if lines else []
