"""`usd1inv`: the command line. Every command that builds data runs through Dagster.

usd1inv run --config my.yml --from 2026-10-01 --to 2026-10-31
usd1inv demo            # local chain + scenario + the same pipeline, on the embedded config
usd1inv dev --config my.yml   # the Dagster UI on 127.0.0.1, with the runs recorded so far
usd1inv breaks list --config my.yml   # the break register (assign, note, resolve, write-off)
usd1inv verify --config my.yml --period 2026-10   # replay a close: snapshot, files, chain
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path

import typer

from ingestion.config import ConfigError, load_config
from usd1inv import breaks_commands, close_commands, onchain_commands, retention_commands
from usd1inv.access import AS_OPTION

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="USD1 stablecoin inventory: ingest chains and files, build the marts, check them.",
)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_CONFIG = REPO_ROOT / "demo" / "usd1inv.yml"

DevConfigOption = typer.Option(DEMO_CONFIG, "--config", "-c", help="Configuration to load.")
ConfigOption = typer.Option(
    ..., "--config", "-c", help="Path to the usd1inv YAML configuration.", exists=False
)


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=option) from None


def _fail(message: str) -> None:
    from usd1inv.access import note_failure

    note_failure(message)
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@app.command()
def run(
    config: Path = ConfigOption,
    from_: str | None = typer.Option(
        None, "--from", help="First local day (YYYY-MM-DD); default: the config's start_date."
    ),
    to: str | None = typer.Option(
        None, "--to", help="Last local day (YYYY-MM-DD); default: today in the reporting tz."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v"),
    as_user: str | None = AS_OPTION,
) -> None:
    """Ingest every configured source for the days, build the marts and run the checks.

    Runs through Dagster and records them in the instance under the config's data folder.
    Exits 1 naming the failing step when anything fails. Needs the operator role when the
    configuration has `access.roles`; recorded in audit.actions.
    """
    from orchestration.pipeline import run_pipeline
    from usd1inv.access import audited
    from usd1inv.runlog import run_log
    from usd1inv.summary import print_summary

    start, end = _parse_day(from_, "--from"), _parse_day(to, "--to")
    try:
        cfg = load_config(config)
    except ConfigError as exc:
        _fail(str(exc))
        return
    with audited(cfg, "run", as_user, {"from": from_, "to": to}):
        try:
            typer.echo(f"usd1inv run: ingesting, building and checking ({config}) ...")
            with run_log(cfg.data_dir, verbose) as log_path:
                outcome = run_pipeline(config, start, end)
        except ConfigError as exc:
            _fail(str(exc))
            return
        print_summary(outcome)
        typer.echo(f"Run log   : {log_path}")
        if not outcome.success:
            _fail("run failed:\n" + outcome.failure_summary)


@app.command()
def demo(
    verbose: bool = typer.Option(False, "--verbose", "-v"),
) -> None:
    """Start a local anvil node, deploy the demo token, play the 60+ day scenario, run the
    pipeline on the embedded config (demo/usd1inv.yml), then stop the node."""
    from demo.runner import demo_close_pack, run_demo
    from usd1inv.runlog import run_log
    from usd1inv.summary import print_summary

    typer.echo(
        "usd1inv demo: starting local anvil nodes, playing the scenario, running the "
        "pipeline through Dagster (about a minute) ..."
    )
    with run_log(load_config(DEMO_CONFIG).data_dir, verbose) as log_path:
        outcome = run_demo(DEMO_CONFIG)
    print_summary(outcome)
    if pack := demo_close_pack(outcome.config, outcome.end):  # the last full month, closed
        typer.echo(f"Close pack: {pack}  (xlsx, pdf, csv/; `usd1inv report` writes it again)")
    typer.echo(f"Run log   : {log_path}")
    if not outcome.success:
        _fail("demo run failed:\n" + outcome.failure_summary)


@app.command("check-config")
def check_config(config: Path = ConfigOption) -> None:
    """Validate a configuration file and the environment variables it names."""
    try:
        cfg = load_config(config)
        cfg.check_environment()
    except ConfigError as exc:
        _fail(str(exc))
        return
    typer.echo(
        f"{config}: ok - {len(cfg.networks)} network(s), {len(cfg.wallets)} wallet(s), "
        f"reporting time zone {cfg.reporting_timezone}, warehouse {cfg.warehouse_path}"
    )


@app.command()
def dev(
    config: Path = DevConfigOption,
    port: int = typer.Option(3000, help="Port of the Dagster UI on 127.0.0.1."),
) -> None:
    """Start the Dagster UI on 127.0.0.1 for a configuration, with its recorded runs."""
    from orchestration.pipeline import dagster_instance

    try:
        cfg = load_config(config)
    except ConfigError as exc:
        _fail(str(exc))
        return
    dagster_instance(cfg)  # writes dagster.yaml and sets DAGSTER_HOME
    os.environ["USD1INV_CONFIG"] = str(Path(config).resolve())
    os.environ["USD1INV_WAREHOUSE"] = str(cfg.warehouse_path)
    dagster = Path(sys.executable).with_name("dagster")
    args = [
        str(dagster),
        "dev",
        "-m",
        "orchestration.definitions",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    typer.echo(f"Dagster UI: http://127.0.0.1:{port}  (instance {cfg.dagster_home})")
    os.execv(args[0], args)  # noqa: S606 - replaces this process with the Dagster UI


# on-chain history: usd1inv backfill / usd1inv import-transfers (usd1inv/onchain_commands.py)
app.command("backfill")(onchain_commands.backfill)
app.command("import-transfers")(onchain_commands.import_transfers)
# period-end close: usd1inv close / usd1inv report (usd1inv/close_commands.py)
app.command("close")(close_commands.close)
app.command("report")(close_commands.report)


@app.command()
def verify(
    period: str = typer.Option(
        ..., "--period", "-p", help="The closed month (2026-10) or quarter (2026-Q4)."
    ),
    config: Path = DevConfigOption,
) -> None:
    """Replay a closed period: its stored snapshot against its hashes, every recorded source
    file (found by sha256 in the landing folders, re-parsed) and balanceOf of every wallet at
    the pinned cut-off blocks (RPC URLs from the environment). Reads only, rebuilds nothing.
    Prints a line per check; exits 1 when anything does not match."""
    from reporting.close.closing import CloseError
    from reporting.close.periods import PeriodError, parse_period
    from reporting.close.verify import verify_period

    try:
        cfg, chosen = load_config(config), parse_period(period)
        result = verify_period(cfg, chosen)
    except (ConfigError, PeriodError, CloseError) as exc:
        _fail(str(exc))
        return
    closed = result.close
    typer.echo(f"{closed.period}: verifying {closed.close_id} (content hash {closed.content_hash})")
    for finding in result.findings:
        typer.secho(finding.line(), fg=None if finding.ok else typer.colors.RED)
    checked, bad = len(result.findings), len(result.mismatches)
    if bad:
        _fail(f"{closed.close_id}: {bad} of {checked} checks do not match (MISMATCH lines above)")
    typer.echo(f"{closed.close_id}: all {checked} checks match")


# the break register: usd1inv breaks list|show|assign|note|resolve|write-off (breaks_commands.py)
app.add_typer(breaks_commands.app, name="breaks")
# retention: usd1inv retention apply [--dry-run] (usd1inv/retention_commands.py)
app.add_typer(retention_commands.app, name="retention")


@app.command()
def dashboard(
    config: Path = DevConfigOption,
    port: int = typer.Option(8501, help="Port of the dashboard on 127.0.0.1."),
) -> None:
    """Start the finance dashboard (Streamlit) on 127.0.0.1 over the published snapshot."""
    from dashboard.server import streamlit_command

    try:
        cfg = load_config(config)
    except ConfigError as exc:
        _fail(str(exc))
        return
    os.environ["USD1INV_CONFIG"] = str(Path(config).resolve())
    args = streamlit_command(port)
    typer.echo(f"Dashboard: http://127.0.0.1:{port}  (snapshot under {cfg.data_dir}/published)")
    os.execv(args[0], args)  # noqa: S606 - replaces this process with the dashboard server


if __name__ == "__main__":
    app()
