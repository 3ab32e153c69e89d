"""`usd1inv close` and `usd1inv report` on a real DuckDB warehouse (without running the
pipeline: --no-run), and the Dagster close job and monthly schedule."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dagster import DagsterInstance, build_schedule_context
from typer.testing import CliRunner

from ingestion.config import load_config
from tests.close_warehouse import HOT, build_close_warehouse
from tests.conftest import write_config
from usd1inv.cli import app

runner = CliRunner()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = write_config(tmp_path)
    build_close_warehouse(load_config(path).warehouse_path)
    return path


def _invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_close_writes_the_pack_and_refuses_a_second_close(config: Path):
    result = _invoke("close", "--config", str(config), "--period", "2026-10", "--no-run")
    assert result.exit_code == 0, result.output
    assert "Closed 2026-10 as 2026-10-v1" in result.output
    pack = load_config(config).reports_dir / "close" / "2026-10"
    assert f"Close pack: {pack}" in result.output
    assert (pack / "usd1-close-2026-10.xlsx").exists() and (
        pack / "usd1-close-2026-10.pdf"
    ).exists()
    again = _invoke("close", "--config", str(config), "--period", "2026-10", "--no-run")
    assert again.exit_code == 1
    assert "already closed" in again.output and "--reopen --reason" in again.output
    no_reason = _invoke("close", "--config", str(config), "--period", "2026-10", "--reopen")
    assert no_reason.exit_code == 1 and "--reopen needs --reason" in no_reason.output


def test_report_renders_the_same_bytes_and_diff_shows_late_data(config: Path):
    _invoke("close", "--config", str(config), "--period", "2026-10", "--no-run")
    pack = load_config(config).reports_dir / "close" / "2026-10"
    first = {p.name: p.read_bytes() for p in pack.rglob("*.*")}
    unchanged = _invoke("close", "--config", str(config), "--period", "2026-10", "--diff")
    assert unchanged.exit_code == 0 and "changes nothing" in unchanged.output
    con = duckdb.connect(str(load_config(config).warehouse_path))
    con.execute(
        "update marts.inventory_rollforward set closing_balance = closing_balance + 2 "
        "where period = '2026-10' and location_id = ?",
        [HOT],
    )
    con.close()
    moved = _invoke("close", "--config", str(config), "--period", "2026-10", "--diff")
    assert moved.exit_code == 0
    line = next(x for x in moved.output.splitlines() if "rollforward:closing_balance" in x)
    assert HOT in line and line.split()[-1] == "2.000000000000000000"
    report = _invoke("report", "--config", str(config), "--period", "2026-10")
    assert report.exit_code == 0, report.output
    assert {p.name: p.read_bytes() for p in pack.rglob("*.*")} == first
    events = (
        duckdb.connect(str(load_config(config).warehouse_path), read_only=True)
        .execute("select event from audit.close_events order by event_at")
        .fetchall()
    )
    assert events == [("close",), ("report",)]


def test_reopen_with_a_reason_closes_again(config: Path):
    _invoke("close", "--config", str(config), "--period", "2026-10", "--no-run")
    result = _invoke(
        "close",
        "--config",
        str(config),
        "--period",
        "2026-10",
        "--no-run",
        "--reopen",
        "--reason",
        "corrected custodian statement",
    )
    assert result.exit_code == 0, result.output
    assert "2026-10-v2" in result.output


def test_bad_period_and_open_period_are_clear_errors(config: Path):
    bad = _invoke("close", "--config", str(config), "--period", "2026-13", "--no-run")
    assert bad.exit_code == 1 and "expected a month YYYY-MM" in bad.output
    open_period = _invoke("report", "--config", str(config), "--period", "2026-09")
    assert open_period.exit_code == 1 and "is not closed" in open_period.output


def test_dagster_close_job_and_monthly_schedule(config: Path):
    from orchestration.defs.build import build_definitions

    defs = build_definitions(config)
    job = defs.resolve_job_def("close_period_job")
    run_config = {"ops": {"close_period_op": {"config": {"period": "2026-10"}}}}
    for _ in range(2):  # the second run finds it closed and changes nothing
        result = job.execute_in_process(
            instance=DagsterInstance.ephemeral(),
            run_config=run_config,
            tags={"usd1inv/user": "month-end-bot"},  # the closing user, as the launcher says
        )
        assert result.success and result.output_for_node("close_period_op") == "2026-10-v1"
    con = duckdb.connect(str(load_config(config).warehouse_path), read_only=True)
    assert con.execute("select count(*), min(closed_by) from audit.closed_periods").fetchone() == (
        1,
        "month-end-bot",
    )
    assert con.execute(
        "select count(*), min(command), min(outcome) from audit.actions where actor = ?",
        ["month-end-bot"],
    ).fetchone() == (2, "dagster close", "started")  # one row per run, each a Dagster launch
    con.close()
    schedule = next(s for s in defs.schedules if s.name == "monthly_close")
    tick = datetime(2026, 11, 2, 6, 0, tzinfo=ZoneInfo("America/New_York"))
    (request,) = schedule.evaluate_tick(
        build_schedule_context(scheduled_execution_time=tick)
    ).run_requests
    assert request.run_config == run_config


def test_check_status_of_a_run_comes_from_its_checks():
    from orchestration.close import checks_from_outcome
    from orchestration.pipeline import JobOutcome, PipelineOutcome

    build = JobOutcome(
        "build_marts",
        "run-9",
        True,
        checks={"marts/a:integrity": True, "marts/b:no_break": False},
        warning_checks={"marts/b:no_break"},
    )
    files = JobOutcome("ingest_files", "run-8", True)
    outcome = PipelineOutcome(None, None, None, [files, build])
    run_id, checks = checks_from_outcome(outcome)
    assert run_id == "run-9"
    assert {(c.name, c.severity, c.status) for c in checks} == {
        ("marts/a:integrity", "error", "passed"),
        ("marts/b:no_break", "warn", "failed"),
    }


def _events(config: Path) -> list[tuple]:
    con = duckdb.connect(str(load_config(config).warehouse_path), read_only=True)
    try:
        if not con.execute(
            "select 1 from information_schema.tables where table_name = 'close_events'"
        ).fetchall():
            return []  # nothing was ever closed
        return con.execute(
            "select event, period, close_id, detail from audit.close_events order by event_at"
        ).fetchall()
    finally:
        con.close()


def test_closing_a_month_whose_prior_month_is_open_warns_and_logs_it(config: Path):
    """November closes while October (which has data) is open: the close warns on the
    terminal and records the warning in its events; October, the first month of the data,
    closes without a warning."""
    args = ("--config", str(config), "--no-run", "--allow-incomplete")
    november = _invoke("close", *args, "--period", "2026-11")
    assert november.exit_code == 0, november.output
    assert "Warning: the prior period 2026-10 is open (not closed)" in november.output
    assert "Closed 2026-11 as 2026-11-v1" in november.output
    warnings = [e for e in _events(config) if e[0] == "warning"]
    assert [(e[1], e[2]) for e in warnings] == [("2026-11", "2026-11-v1")]
    assert "prior period 2026-10 is open" in warnings[0][3]
    october = _invoke("close", *args, "--period", "2026-10")
    assert october.exit_code == 0, october.output
    assert "Warning" not in october.output  # nothing before the first month of the data
    assert [e[0] for e in _events(config)] == ["close", "warning", "close"]


def test_require_prior_closed_refuses_while_the_prior_month_is_open(config: Path):
    args = ("--config", str(config), "--no-run", "--allow-incomplete", "--require-prior-closed")
    refused = _invoke("close", *args, "--period", "2026-11")
    assert refused.exit_code == 1
    assert "the prior period 2026-10 is open" in refused.output
    assert "--require-prior-closed" in refused.output and "Closed" not in refused.output
    assert _events(config) == []  # refused before anything was written
    assert _invoke("close", *args, "--period", "2026-10").exit_code == 0  # the first month
    after = _invoke("close", *args, "--period", "2026-11")
    assert after.exit_code == 0, after.output
    assert "Warning" not in after.output and "Closed 2026-11 as 2026-11-v1" in after.output
