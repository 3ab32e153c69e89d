"""Close, re-render and diff a period on a warehouse file: what `usd1inv close` / `usd1inv
report` and the Dagster close job call. The pack is always rendered from the stored snapshot,
so the first rendering and every later one are the same bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from reporting.close.adjustments import Change, period_diff, record_adjustments
from reporting.close.closing import (
    Check,
    ClosedPeriod,
    CloseError,
    close_period,
    current_actor,
    current_close,
    log_event,
)
from reporting.close.csvs import write_csvs
from reporting.close.pack import build_pack, pack_dir
from reporting.close.pdf import write_pdf
from reporting.close.periods import Period
from reporting.close.snapshot import Table, init_close_tables, load_snapshot
from reporting.close.workbook import write_workbook


@dataclass(frozen=True)
class PackFiles:
    folder: Path
    workbook: Path
    pdf: Path
    csv_dir: Path
    csv_files: tuple[Path, ...]


def render_pack(closed: ClosedPeriod, tables: dict[str, Table], reports_dir: Path) -> PackFiles:
    """Write the workbook, the CSV files and the PDF of a close into its pack folder."""
    pack = build_pack(closed, tables)
    folder = pack_dir(reports_dir, pack.period)
    workbook = write_workbook(pack, folder / f"{pack.base_name}.xlsx")
    csv_files = write_csvs(pack, folder / "csv")
    pdf = write_pdf(pack, folder / f"{pack.base_name}.pdf")
    return PackFiles(folder, workbook, pdf, folder / "csv", tuple(csv_files))


def close_and_render(
    warehouse: Path,
    reports_dir: Path,
    period: Period,
    *,
    run_id: str | None,
    checks: list[Check] | None = None,
    reopen_reason: str | None = None,
    allow_incomplete: bool = False,
    reporting_timezone: str | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> tuple[ClosedPeriod, PackFiles]:
    con = duckdb.connect(str(warehouse))
    try:
        closed, tables = close_period(
            con,
            period,
            now=now or datetime.now(UTC),
            actor=actor or current_actor(),
            run_id=run_id,
            checks=checks,
            reopen_reason=reopen_reason,
            allow_incomplete=allow_incomplete,
            reporting_timezone=reporting_timezone,
        )
    finally:
        con.close()
    return closed, render_pack(closed, tables, reports_dir)


def rerender(
    warehouse: Path, reports_dir: Path, period: Period, *, actor: str | None = None
) -> tuple[ClosedPeriod, PackFiles]:
    """Render a closed period's pack again from its snapshot (the same bytes as at its close)."""
    con = duckdb.connect(str(warehouse))
    try:
        init_close_tables(con)
        closed = current_close(con, period)
        if closed is None:
            raise CloseError(
                f"period {period.name} is not closed: close it first (`usd1inv close --period "
                f"{period.name}`)"
            )
        tables = load_snapshot(con, closed.close_id)
        log_event(
            con,
            "report",
            period,
            now=datetime.now(UTC),
            actor=actor or current_actor(),
            close_id=closed.close_id,
        )
    finally:
        con.close()
    return closed, render_pack(closed, tables, reports_dir)


def diff(warehouse: Path, period: Period) -> tuple[ClosedPeriod, list[Change]]:
    """What the live warehouse would change in a closed period; writes nothing."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        closed = current_close(con, period)
        if closed is None:
            raise CloseError(f"period {period.name} is not closed: there is nothing to diff")
        return closed, period_diff(con, closed.close_id, period)
    finally:
        con.close()


def detect_adjustments(warehouse: Path, now: datetime | None = None) -> int:
    """Record late data of every closed period as adjustments of the first open one."""
    con = duckdb.connect(str(warehouse))
    try:
        init_close_tables(con)
        return record_adjustments(con, now or datetime.now(UTC))
    finally:
        con.close()
