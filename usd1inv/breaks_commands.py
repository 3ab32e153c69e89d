"""`usd1inv breaks`: list, show and work the breaks of marts.reconciliation_breaks.

usd1inv breaks list     --config my.yml [--status open] [--owner ana] [--all]
usd1inv breaks show     --config my.yml BRK-0123456789ab
usd1inv breaks assign   --config my.yml BRK-0123456789ab --to ana [--by lead]
usd1inv breaks note     --config my.yml BRK-0123456789ab -m "asked Fireblocks" [--status explained]
usd1inv breaks resolve  --config my.yml BRK-0123456789ab --reason "statement corrected"
usd1inv breaks write-off --config my.yml BRK-0123456789ab --reason "below materiality"

Each action is appended to audit.break_events (usd1inv/breaks.py) and shown at once.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ingestion.config import Config, ConfigError, load_config
from usd1inv import breaks as register

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="The break register: list, show, assign, note, resolve, write off breaks.",
)

CONFIG_OPTION = typer.Option(..., "--config", "-c", help="Path to the usd1inv YAML config.")
BY_OPTION = typer.Option(
    None, "--as", "--by", help="Who acts (checked against access.roles; default: the OS user)."
)
BREAK_ARGUMENT = typer.Argument(..., help="The break's id (BRK-…), from `usd1inv breaks list`.")

SHOWN = (
    "break_id",
    "comparison",
    "entity",
    "network",
    "location_id",
    "location_label",
    "status",
    "owner",
    "opened_date",
    "last_break_date",
    "as_of_date",
    "age_days",
    "age_bucket",
    "max_break_age_days",
    "sla_due_date",
    "sla_status",
    "is_reopened",
    "difference",
    "unexplained_difference",
    "source_as_of_at",
    "resolution_reason",
    "resolved_at",
    "resolved_by",
    "last_note",
    "last_note_by",
    "last_note_at",
    "event_count",
    "description",
)


def _fail(message: str) -> None:
    from usd1inv.access import note_failure

    note_failure(message)
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def _config(path: Path) -> Config:
    try:
        return load_config(path)
    except ConfigError as exc:
        _fail(str(exc))
        raise  # unreachable


def _line(row: dict) -> str:
    return (
        f"{row['break_id']}  {row['status']:<13} {row['owner'] or '-':<12} "
        f"{row['comparison']:<22} {row['location_label']:<28} "
        f"opened {row['opened_date']}  {row['age_days']:>3} d  {row['sla_status']:<10} "
        f"{row['unexplained_difference']}"
    )


@app.command("list")
def list_breaks(
    config: Path = CONFIG_OPTION,
    status: str | None = typer.Option(None, "--status", help="Only breaks with this status."),
    owner: str | None = typer.Option(None, "--owner", help="Only breaks of this owner."),
    all_: bool = typer.Option(False, "--all", help="Closed breaks too (default: open ones)."),
) -> None:
    """The breaks (open ones unless --all or --status), oldest first."""
    cfg = _config(config)
    try:
        with register.register(cfg, write=False) as con:
            rows = register.read_register(con, cfg.tz)
    except register.BreakError as exc:
        _fail(str(exc))
        return
    if status is not None:
        rows = [r for r in rows if r["status"] == status]
    elif not all_:
        rows = [r for r in rows if r["is_open"]]
    if owner is not None:
        rows = [r for r in rows if r["owner"] == owner]
    rows.sort(key=lambda r: (r["opened_date"], r["break_id"]))
    for row in rows:
        typer.echo(_line(row))
    typer.echo(f"{len(rows)} break(s); `usd1inv breaks show <id>` for one.")


def _show(row: dict, events: list[dict]) -> None:
    for name in SHOWN:
        typer.echo(f"{name:>24}: {'' if row.get(name) is None else row[name]}")
    typer.echo("history (audit.break_events):" if events else "history: no action yet")
    for e in events:
        what = ", ".join(
            f"{k}={e[k]}" for k in ("status", "owner", "reason", "note") if e[k] is not None
        )
        typer.echo(f"  {e['recorded_at'].isoformat()}  {e['actor']}  {e['action']}  {what}")


@app.command()
def show(break_id: str = BREAK_ARGUMENT, config: Path = CONFIG_OPTION) -> None:
    """One break with its history."""
    cfg = _config(config)
    try:
        with register.register(cfg, write=False) as con:
            row = register.find(register.read_register(con, cfg.tz), break_id)
            events = register.events_of(con, break_id)
    except register.BreakError as exc:
        _fail(str(exc))
        return
    _show(row, events)


def _act(config: Path, break_id: str, action: str, by: str | None, **fields) -> None:
    from usd1inv.access import audited

    cfg = _config(config)
    command = f"breaks {action.replace('_', '-')}"
    with audited(cfg, command, by, {"break_id": break_id, **fields}) as done:
        try:
            with register.register(cfg, write=True) as con:
                recorded, row = register.record(con, cfg.tz, break_id, action, done.actor, **fields)
        except register.BreakError as exc:
            _fail(str(exc))
            return
        if not recorded:
            done.message = "no change: nothing recorded"
    verb = "recorded" if recorded else "no change (already so): nothing recorded"
    typer.echo(f"{break_id}: {action.replace('_', '-')} {verb}")
    typer.echo(_line(row))


@app.command()
def assign(
    break_id: str = BREAK_ARGUMENT,
    config: Path = CONFIG_OPTION,
    to: str = typer.Option(..., "--to", help="The new owner."),
    by: str | None = BY_OPTION,
) -> None:
    """Give the break an owner."""
    _act(config, break_id, "assign", by, owner=to)


@app.command()
def note(
    break_id: str = BREAK_ARGUMENT,
    config: Path = CONFIG_OPTION,
    text: str | None = typer.Option(None, "--text", "-m", help="The note."),
    status: str | None = typer.Option(
        None, "--status", help="Also set the status: open, investigating or explained."
    ),
    by: str | None = BY_OPTION,
) -> None:
    """Write a note on the break (and optionally set investigating / explained / open)."""
    _act(config, break_id, "note", by, note=text, status=status)


@app.command()
def resolve(
    break_id: str = BREAK_ARGUMENT,
    config: Path = CONFIG_OPTION,
    reason: str = typer.Option(..., "--reason", help="Why it is resolved."),
    by: str | None = BY_OPTION,
) -> None:
    """Resolve the break by hand (it reopens if the data still disagrees on a later day)."""
    _act(config, break_id, "resolve", by, reason=reason)


@app.command("write-off")
def write_off(
    break_id: str = BREAK_ARGUMENT,
    config: Path = CONFIG_OPTION,
    reason: str = typer.Option(..., "--reason", help="Why the difference is written off."),
    by: str | None = BY_OPTION,
) -> None:
    """Write the break off (accept the difference; it stays closed)."""
    _act(config, break_id, "write_off", by, reason=reason)
