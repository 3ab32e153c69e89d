"""`usd1inv close` and `usd1inv report`: the period-end close pack from the command line.

usd1inv close  --config my.yml --period 2026-10            # run the period, check, close, pack
usd1inv close  --config my.yml --period 2026-10 --diff     # what moved since the close
usd1inv close  --config my.yml --period 2026-10 --reopen --reason "late custodian statement"
usd1inv report --config my.yml --period 2026-10            # the closed pack again, same bytes
"""

from __future__ import annotations

from datetime import datetime
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
PRIOR_OPTION = typer.Option(
    False,
    "--require-prior-closed",
    help="Refuse to close while the previous period is open (else the close warns).",
)
VERBOSE_OPTION = typer.Option(False, "--verbose", "-v")


def _fail(message: str) -> None:
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
    require_prior_closed: bool = PRIOR_OPTION,
    verbose: bool = VERBOSE_OPTION,
) -> None:
    """Close a period: run its days and checks, snapshot its marts with a content hash into
    `audit`, and write its close pack (Excel, CSV, PDF). A closed period is never changed:
    closing again needs --reopen and a --reason; --diff shows what moved since the close.
    Closing while the previous period is open warns (logged with the close);
    --require-prior-closed refuses instead."""
    from orchestration.runlock import hold
    from reporting.close.render import close_and_render
    from reporting.close.render import diff as period_diff
    from reporting.publish import read_snapshot_info

    cfg, chosen = _load(config, period)
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
    """Render a closed period's pack again from its snapshot: the same bytes as at its close."""
    from reporting.close.render import rerender

    cfg, chosen = _load(config, period)
    try:
        closed, files = rerender(cfg.warehouse_path, cfg.reports_dir, chosen)
    except (CloseError, SnapshotError) as exc:
        _fail(str(exc))
        return
    typer.echo(f"{closed.period}: pack of {closed.close_id} (content hash {closed.content_hash})")
    _print_pack(files)
