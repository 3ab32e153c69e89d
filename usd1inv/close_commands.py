"""`usd1inv close` and `usd1inv report`: the period-end close pack from the command line.

usd1inv close  --config my.yml --period 2026-10            # run the period, check, close, pack
usd1inv close  --config my.yml --period 2026-10 --diff     # what moved since the close
usd1inv close  --config my.yml --period 2026-10 --reopen --reason "late custodian statement"
usd1inv close  --config my.yml --period 2026-10 --approve --as bob   # sign-off by a 2nd user
usd1inv report --config my.yml --period 2026-10            # the stored pack files, same bytes
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import typer

from ingestion.config import Config, ConfigError, load_config
from reporting.close.closing import CloseError
from reporting.close.periods import Period, PeriodError, parse_period
from reporting.close.snapshot import SnapshotError

CONFIG_OPTION = typer.Option(..., "--config", "-c", help="Path to the usd1inv YAML config.")
PERIOD_OPTION = typer.Option(
    ..., "--period", "-p", help="A month (2026-10) or a quarter (2026-Q4), in local days."
)
REOPEN_OPTION = typer.Option(False, "--reopen", help="Close an already closed period again.")
REASON_OPTION = typer.Option(None, "--reason", help="Why the period is reopened (logged).")
DIFF_OPTION = typer.Option(
    False, "--diff", help="Show what the live data would change in the closed period; no write."
)
RUN_OPTION = typer.Option(
    True, "--run/--no-run", help="Run the period's days and the checks before closing."
)
INCOMPLETE_OPTION = typer.Option(
    False, "--allow-incomplete", help="Close a period whose last day has no data yet."
)
APPROVE_OPTION = typer.Option(
    False,
    "--approve",
    help="Approve (sign off) the period's close; the approver must not be who closed it.",
)
BY_OPTION = typer.Option(
    None,
    "--as",
    "--by",
    help="Who acts: the preparer of a close, the approver with --approve (checked against "
    "access.roles; default: USD1INV_USER or the OS user).",
)
PRIOR_OPTION = typer.Option(
    False,
    "--require-prior-closed",
    help="Refuse to close while the previous period is open (else the close warns).",
)
VERBOSE_OPTION = typer.Option(False, "--verbose", "-v")


def _fail(message: str) -> None:
    from usd1inv.access import note_failure

    note_failure(message)
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def _load(config_path: Path, period: str) -> tuple[Config, Period]:
    try:
        return load_config(config_path), parse_period(period)
    except (ConfigError, PeriodError) as exc:
        _fail(str(exc))
        raise  # unreachable: _fail exits


def _run_period(config_path: Path, config: Config, period: Period, verbose: bool):
    """Run the period's partitions and checks through Dagster; return (run id, checks)."""
    from orchestration.close import checks_from_outcome
    from orchestration.pipeline import run_pipeline
    from usd1inv.runlog import run_log

    today = datetime.now(config.tz).date()
    start, end = max(period.start_date, config.start_date), min(period.end_date, today)
    typer.echo(f"usd1inv close: running {start} .. {end} and the checks ...")
    with run_log(config.data_dir, verbose) as log_path:
        outcome = run_pipeline(config_path, start, end)
    if not outcome.success:
        _fail(f"not closed: the run failed (log {log_path}):\n{outcome.failure_summary}")
    return checks_from_outcome(outcome)


def _print_diff(period: Period, close_id: str, changes) -> None:
    if not changes:
        typer.echo(f"{period.name} ({close_id}): the live data changes nothing in the close.")
        return
    typer.echo(f"{period.name} ({close_id}): what the live data would change (closed stays):")
    header = f"{'network':10} {'location':44} {'comparison / measure':40} "
    typer.echo(header + f"{'closed':>26} {'live':>26} {'change':>26}")
    for c in changes:
        values = [
            format(v, "f") if isinstance(v, Decimal) else "-"
            for v in (c.closed_value, c.live_value, c.adjustment)
        ]
        typer.echo(
            f"{c.network:10} {c.location_id:44} {c.comparison_or_measure:40} "
            f"{values[0]:>26} {values[1]:>26} {values[2]:>26}"
        )


def _print_pack(files) -> None:
    typer.echo(f"Close pack: {files.folder}")
    typer.echo(f"  workbook : {files.workbook.name}")
    typer.echo(f"  PDF      : {files.pdf.name}")
    typer.echo(f"  CSV      : {files.csv_dir.name}/ ({len(files.csv_files)} files)")
    if files.approved_pdf is not None:
        typer.echo(f"  approved : {files.approved_pdf.name}")


def _publish(config: Config) -> None:
    """Readers (the dashboard's Close page) see the close in the published snapshot."""
    from reporting.publish import publish_snapshot, read_snapshot_info

    info = read_snapshot_info(config.data_dir)
    publish_snapshot(config.warehouse_path, config.data_dir, run_id=info and info["run_id"])


def close(
    config: Path = CONFIG_OPTION,
    period: str = PERIOD_OPTION,
    reopen: bool = REOPEN_OPTION,
    reason: str | None = REASON_OPTION,
    diff: bool = DIFF_OPTION,
    run: bool = RUN_OPTION,
    allow_incomplete: bool = INCOMPLETE_OPTION,
    approve: bool = APPROVE_OPTION,
    by: str | None = BY_OPTION,
    require_prior_closed: bool = PRIOR_OPTION,
    verbose: bool = VERBOSE_OPTION,
) -> None:
    """Close a period: run its days and checks, snapshot its marts with a content hash into
    `audit`, and write its close pack (Excel, CSV, PDF), whose files are stored in `audit` as
    the record. A closed period is never changed: closing again needs --reopen and a --reason;
    --diff shows what moved since the close; --approve [--as NAME] records the sign-off of
    another user than the one who closed it. With `access.roles` configured, closing needs
    the preparer role, --reopen admin, --approve approver; each is recorded in
    audit.actions. Closing while the previous period is open warns (logged with the close);
    --require-prior-closed refuses instead."""
    from reporting.close.render import diff as period_diff
    from usd1inv.access import audited, caller

    cfg, chosen = _load(config, period)
    if approve:
        if reopen or diff:
            _fail("--approve cannot be combined with --reopen or --diff")
        with audited(cfg, "close --approve", by, {"period": chosen.name}):
            _approve(cfg, chosen, caller(by))
        return
    if diff:
        try:
            closed, changes = period_diff(cfg.warehouse_path, chosen)
        except CloseError as exc:
            _fail(str(exc))
            return
        _print_diff(chosen, closed.close_id, changes)
        return
    if reopen and not (reason or "").strip():
        _fail("--reopen needs --reason: say why the closed period is reopened")
    command = "close --reopen" if reopen else "close"
    arguments = {"period": chosen.name, "reason": reason, "run": run}
    with audited(cfg, command, by, arguments):
        _close(
            cfg,
            config,
            chosen,
            reopen,
            reason,
            run,
            allow_incomplete,
            by,
            require_prior_closed,
            verbose,
        )


def _close(
    cfg: Config,
    config: Path,
    chosen: Period,
    reopen: bool,
    reason: str | None,
    run: bool,
    allow_incomplete: bool,
    by: str | None,
    require_prior_closed: bool,
    verbose: bool,
) -> None:
    from orchestration.runlock import hold
    from reporting.close.render import close_and_render
    from reporting.publish import read_snapshot_info
    from usd1inv.access import caller

    # the run, the close, its pack and the publish under the warehouse's lock: no Dagster run
    # or other usd1inv writes the warehouse meanwhile (re-entrant for the run it makes)
    with hold(cfg.warehouse_path):
        try:
            _refuse_if_closed(cfg, chosen, reopen)
            _prior_open(cfg, chosen, require_prior_closed)  # refuse before a long run
            if run:
                run_id, checks = _run_period(config, cfg, chosen, verbose)
            else:
                info = read_snapshot_info(cfg.data_dir)
                run_id, checks = (info["run_id"] if info else None), None
            warning = _prior_open(cfg, chosen, require_prior_closed)  # the run may add data
            closed, files = close_and_render(
                cfg.warehouse_path,
                cfg.reports_dir,
                chosen,
                run_id=run_id,
                checks=checks,
                reopen_reason=reason.strip() if reopen and reason else None,
                allow_incomplete=allow_incomplete,
                reporting_timezone=cfg.reporting_timezone,
                actor=caller(by),
            )
        except CloseError as exc:
            _fail(str(exc))
            return
        if (cfg.data_dir / "published").exists():
            _publish(cfg)
    if warning:
        typer.secho(f"Warning: {warning} (logged with the close)", fg=typer.colors.YELLOW, err=True)
    typer.echo(f"Closed {closed.period} as {closed.close_id} (content hash {closed.content_hash})")
    _print_pack(files)


def _approve(cfg: Config, period: Period, by: str | None) -> None:
    from orchestration.runlock import hold
    from reporting.close.render import approve

    with hold(cfg.warehouse_path):
        try:
            done = approve(cfg.warehouse_path, cfg.reports_dir, period, by=by)
        except CloseError as exc:
            _fail(str(exc))
            return
    when = f"{done.approval.approved_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if done.already:
        typer.echo(
            f"{done.closed.close_id} is already approved by {done.approval.approved_by} "
            f"({when}): nothing changed"
        )
        return
    typer.echo(
        f"Approved {done.closed.close_id} by {done.approval.approved_by} ({when}); prepared "
        f"by {done.closed.closed_by}. The close's stored files are unchanged; the approved "
        f"PDF is a new stored revision: {done.pdf}"
    )


def _prior_open(cfg: Config, period: Period, require_closed: bool) -> str | None:
    """The warning when the previous period is still open (the close logs it too), or a
    refusal with --require-prior-closed; None when it is closed or there is no data before."""
    import duckdb

    from reporting.close.closing import open_prior_period, prior_open_message

    if not cfg.warehouse_path.exists():
        return None
    con = duckdb.connect(str(cfg.warehouse_path), read_only=True)
    try:
        prior = open_prior_period(con, period)
    finally:
        con.close()
    if prior is None:
        return None
    if require_closed:
        raise CloseError(
            f"not closed: the prior period {prior.name} is open and --require-prior-closed "
            f"was given; close {prior.name} first (`usd1inv close --period {prior.name}`)"
        )
    return prior_open_message(prior, period)


def _refuse_if_closed(cfg: Config, period: Period, reopen: bool) -> None:
    """Before any run: a closed period is only closed again with --reopen."""
    import duckdb

    from reporting.close.closing import current_close

    if reopen or not cfg.warehouse_path.exists():
        return
    con = duckdb.connect(str(cfg.warehouse_path), read_only=True)
    try:
        closed = current_close(con, period)
    finally:
        con.close()
    if closed is not None:
        raise CloseError(
            f"period {period.name} is already closed ({closed.close_id}, content hash "
            f"{closed.content_hash[:12]}); `usd1inv report --period {period.name}` renders its "
            f"pack again; to close it again pass --reopen --reason '...'"
        )


def report(config: Path = CONFIG_OPTION, period: str = PERIOD_OPTION) -> None:
    """Write a closed period's pack: the files stored at its close (and its approval), the
    same bytes; today's rendering of the snapshot is only checked against them, and each file
    it no longer reproduces is reported (the stored files stay the record)."""
    from reporting.close.packfiles import PackFileError
    from reporting.close.render import rerender

    cfg, chosen = _load(config, period)
    try:
        done = rerender(cfg.warehouse_path, cfg.reports_dir, chosen)
    except (CloseError, SnapshotError, PackFileError) as exc:
        _fail(str(exc))
        return
    closed = done.closed
    typer.echo(f"{closed.period}: pack of {closed.close_id} (content hash {closed.content_hash})")
    _print_pack(done.files)
    if done.stored_now:
        typer.secho(
            f"warning: {closed.close_id} was closed before pack files were stored: rendered "
            "from its snapshot now and stored in audit.close_pack_files as its record",
            fg=typer.colors.YELLOW,
        )
    elif done.differences:
        typer.secho(
            "warning: today's renderer does not reproduce these stored files (the stored "
            "files, written above, stay the record):",
            fg=typer.colors.YELLOW,
        )
        for difference in done.differences:
            typer.secho(f"  {difference.describe()}", fg=typer.colors.YELLOW)
    else:
        typer.echo(
            f"  {len(done.stored)} stored files written; today's renderer gives the same bytes"
        )
