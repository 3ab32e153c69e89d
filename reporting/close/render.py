"""Close, approve, report and diff a period on a warehouse file: what `usd1inv close` /
`usd1inv report` and the Dagster close job call.

The pack is rendered from the stored snapshot once, at the close, and its files are stored with
their sha256 in `audit.close_pack_files` (reporting/close/packfiles.py): those bytes are the
record. `report` writes the stored bytes back, then renders the snapshot again in a temporary
folder only to check that today's renderer still gives the same bytes, and lists each file where
it does not (the stored files stay the record)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from reporting.close.adjustments import Change, period_diff, record_adjustments
from reporting.close.approval import (
    APPROVE_EVENT,
    approval_of,
    approval_time,
    approved_name,
    check_approver,
)
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
from reporting.close.packfiles import (
    Difference,
    StoredFile,
    compare,
    load_files,
    read_files,
    store_files,
    write_files,
)
from reporting.close.pdf import Approval, write_pdf
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
    approved_pdf: Path | None = None

    @property
    def paths(self) -> list[Path]:
        extra = [self.approved_pdf] if self.approved_pdf else []
        return [self.workbook, self.pdf, *self.csv_files, *extra]


@dataclass(frozen=True)
class Report:
    """What `usd1inv report` did: the stored files written back, and the check of today's
    renderer against them."""

    closed: ClosedPeriod
    files: PackFiles
    stored: list[StoredFile]
    differences: list[Difference] = field(default_factory=list)
    stored_now: bool = False  # a close made before files were stored: stored at this report
    approval: Approval | None = None


@dataclass(frozen=True)
class Approved:
    closed: ClosedPeriod
    approval: Approval
    already: bool  # approved before: nothing was recorded
    pdf: Path


def render_pack(
    closed: ClosedPeriod,
    tables: dict[str, Table],
    reports_dir: Path,
    approval: Approval | None = None,
) -> PackFiles:
    """Write the workbook, the CSV files and the PDF of a close into its pack folder (and, for
    an approved close, the approved PDF)."""
    pack = build_pack(closed, tables)
    folder = pack_dir(reports_dir, pack.period)
    workbook = write_workbook(pack, folder / f"{pack.base_name}.xlsx")
    csv_files = write_csvs(pack, folder / "csv")
    pdf = write_pdf(pack, folder / f"{pack.base_name}.pdf")
    approved = None
    if approval is not None:
        approved = write_pdf(pack, folder / approved_name(pack.base_name), approval)
    return PackFiles(folder, workbook, pdf, folder / "csv", tuple(csv_files), approved)


def _pack_files(folder: Path, base_name: str, stored: list[StoredFile]) -> PackFiles:
    names = {f.relative_path for f in stored}
    approved = approved_name(base_name)
    return PackFiles(
        folder,
        folder / f"{base_name}.xlsx",
        folder / f"{base_name}.pdf",
        folder / "csv",
        tuple(folder / n for n in sorted(names) if n.startswith("csv/")),
        folder / approved if approved in names else None,
    )


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
    folder = pack_dir(reports_dir, period)
    stale = folder / approved_name(build_pack(closed, tables).base_name)
    stale.unlink(missing_ok=True)  # an earlier close's approval (it stays in audit)
    files = render_pack(closed, tables, reports_dir)
    con = duckdb.connect(str(warehouse))
    try:  # the files as written are the record: `report` gives these bytes back
        store_files(
            con,
            closed.close_id,
            read_files(files.folder, files.paths),
            event="close",
            now=closed.closed_at,
        )
    finally:
        con.close()
    return closed, files


def _closed_or_fail(con: duckdb.DuckDBPyConnection, period: Period, doing: str) -> ClosedPeriod:
    closed = current_close(con, period)
    if closed is None:
        raise CloseError(
            f"period {period.name} is not closed: nothing to {doing}; close it first "
            f"(`usd1inv close --period {period.name}`)"
        )
    return closed


def rendered_now(
    closed: ClosedPeriod, tables: dict[str, Table], approval: Approval | None
) -> dict[str, bytes]:
    """The pack as today's renderer writes it, in a temporary folder: bytes by path."""
    with tempfile.TemporaryDirectory(prefix="usd1inv-report-") as tmp:
        files = render_pack(closed, tables, Path(tmp), approval)
        return read_files(files.folder, files.paths)


def rerender(
    warehouse: Path,
    reports_dir: Path,
    period: Period,
    *,
    actor: str | None = None,
    now: datetime | None = None,
) -> Report:
    """Write a closed period's stored pack files (the bytes of its close and approval) into
    the reports folder, and check today's rendering of its snapshot against them."""
    now = now or datetime.now(UTC)
    con = duckdb.connect(str(warehouse))
    try:
        init_close_tables(con)
        closed = _closed_or_fail(con, period, "report")
        tables = load_snapshot(con, closed.close_id)
        approval = approval_of(con, closed.close_id)
        stored = load_files(con, closed.close_id)
    finally:
        con.close()
    folder = pack_dir(reports_dir, period)
    base_name = build_pack(closed, tables).base_name
    if stored:
        write_files(folder, stored)
        differences = compare(stored, rendered_now(closed, tables, approval))
        files, stored_now = _pack_files(folder, base_name, stored), False
    else:  # closed before the files were stored: this rendering becomes the record
        files = render_pack(closed, tables, reports_dir, approval)
        differences, stored_now = [], True
    con = duckdb.connect(str(warehouse))
    try:
        if stored_now:
            stored = store_files(
                con, closed.close_id, read_files(folder, files.paths), event="store", now=now
            )
        detail = "; ".join(d.describe() for d in differences) or "stored bytes reproduced"
        log_event(
            con,
            "report",
            period,
            now=now,
            actor=actor or current_actor(),
            close_id=closed.close_id,
            detail=detail if not stored_now else "files stored at this report",
        )
    finally:
        con.close()
    return Report(closed, files, stored, differences, stored_now, approval)


def approve(
    warehouse: Path,
    reports_dir: Path,
    period: Period,
    *,
    by: str | None = None,
    now: datetime | None = None,
) -> Approved:
    """Record the approval of the close in force by another user than its preparer, and store
    the approved PDF (sign-off block filled in) as a new revision; the close's files stay."""
    con = duckdb.connect(str(warehouse))
    try:
        init_close_tables(con)
        closed = _closed_or_fail(con, period, "approve")
        existing = approval_of(con, closed.close_id)
        if existing is None:
            approver = check_approver(closed, by or current_actor())
            tables = load_snapshot(con, closed.close_id)
    finally:
        con.close()
    folder = pack_dir(reports_dir, period)
    if existing is not None:
        return Approved(closed, existing, True, folder / approved_name(f"usd1-close-{period.name}"))
    approval = Approval(approver, approval_time(now))
    pack = build_pack(closed, tables)
    name = approved_name(pack.base_name)
    with tempfile.TemporaryDirectory(prefix="usd1inv-approve-") as tmp:
        data = write_pdf(pack, Path(tmp) / name, approval).read_bytes()
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("begin transaction")
        try:
            if approval_of(con, closed.close_id) is not None:
                raise CloseError(f"{closed.close_id} was approved meanwhile: run it again")
            (stored,) = store_files(
                con, closed.close_id, {name: data}, event=APPROVE_EVENT, now=approval.approved_at
            )
            log_event(
                con,
                APPROVE_EVENT,
                period,
                now=approval.approved_at,
                actor=approval.approved_by,
                close_id=closed.close_id,
                detail=f"prepared by {closed.closed_by}; {name} sha256 {stored.sha256}",
            )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()
    (path,) = write_files(folder, [stored])
    return Approved(closed, approval, False, path)


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
