"""`usd1inv retention apply`: remove file bytes and personal fields past their term.

usd1inv retention apply --config my.yml --dry-run   # what would go, nothing changes
usd1inv retention apply --config my.yml [--as NAME]  # remove it, each removal logged

The policy is `retention:` of the configuration (ingestion/retention.py); applying it needs the
admin role when `access.roles` is configured, and is recorded in audit.actions.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import typer

from ingestion.config import ConfigError, load_config
from ingestion.files.landing import scan
from ingestion.retention import apply as apply_removals
from ingestion.retention import plan
from usd1inv.access import AS_OPTION, audited, note_failure

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Retention and data minimisation: remove what is past its term.",
)

CONFIG_OPTION = typer.Option(..., "--config", "-c", help="Path to the usd1inv YAML config.")
DRY_RUN_OPTION = typer.Option(
    False, "--dry-run", help="List what would be removed; change nothing."
)


def _fail(message: str) -> None:
    note_failure(message)
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


@app.command("apply")
def apply_command(
    config: Path = CONFIG_OPTION,
    dry_run: bool = DRY_RUN_OPTION,
    as_user: str | None = AS_OPTION,
) -> None:
    """Remove landed files' bytes and quarantined values past the configured terms (hashes,
    amounts and pseudonyms stay, so closed periods still verify); every removal is logged in
    audit.retention_log."""
    from orchestration.runlock import hold

    try:
        cfg = load_config(config)
    except ConfigError as exc:
        _fail(str(exc))
        return
    policy = cfg.retention
    if policy.books_and_records_days is None and policy.personal_data_days is None:
        typer.echo(
            "No retention policy configured (retention: in the configuration): nothing to do"
        )
        return
    if not cfg.warehouse_path.exists():
        typer.echo("No warehouse yet: nothing to do")
        return
    now = datetime.now(UTC)
    found = [(f.path, f.sha256) for f in scan(cfg)]  # landing files now, matched by hash
    if dry_run:
        con = duckdb.connect(str(cfg.warehouse_path), read_only=True)
        try:
            removals = plan(con, policy, now, found)
        finally:
            con.close()
        for removal in removals:
            typer.echo(f"would remove {removal.describe()}")
        typer.echo(f"{len(removals)} removal(s) due; --dry-run: nothing changed")
        return
    with audited(cfg, "retention apply", as_user, {"dry_run": dry_run}) as action:
        with hold(cfg.warehouse_path):
            con = duckdb.connect(str(cfg.warehouse_path))
            try:
                removals = plan(con, policy, now, found)
                done = apply_removals(con, removals, action.actor, now)
            finally:
                con.close()
        for removal in removals:
            typer.echo(f"removed {removal.describe()}")
        action.message = f"{done} removal(s)"
        typer.echo(f"{done} removal(s), logged in audit.retention_log")
