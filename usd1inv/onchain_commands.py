"""`usd1inv backfill` and `usd1inv import-transfers`: on-chain history from the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from ingestion.config import ConfigError, load_config
from usd1inv.access import AS_OPTION

CONFIG_OPTION = typer.Option(..., "--config", "-c", help="Path to the usd1inv YAML config.")
NETWORK_OPTION = typer.Option(..., "--network", "-n", help="Configured network name.")
FROM_OPTION = typer.Option(..., "--from", help="First local day (YYYY-MM-DD).")
TO_OPTION = typer.Option(..., "--to", help="Last local day (YYYY-MM-DD).")
FORCE_OPTION = typer.Option(False, "--force", help="Re-run days already materialised.")
CHUNK_OPTION = typer.Option(7, "--chunk-days", min=1, help="Days per Dagster run.")
BUILD_OPTION = typer.Option(True, "--build/--no-build", help="Rebuild the marts after.")
VERBOSE_OPTION = typer.Option(False, "--verbose", "-v")
PATHS_OPTION = typer.Argument(..., help="Export files to import.", exists=True)
FORMAT_OPTION = typer.Option(
    ..., "--format", "-f", help="ethereum-etl | cryo | eth-getlogs-json (file layout)."
)
BLOCKS_OPTION = typer.Option(
    None, "--blocks", help="ethereum-etl blocks file (CSV/JSON lines) for hash and time."
)
TRANSACTIONS_OPTION = typer.Option(
    None, "--transactions", help="ethereum-etl transactions file for transaction indexes."
)
FROM_NODE_OPTION = typer.Option(
    False, "--from-node", help="Read missing block hash/time from the network's RPC node."
)
ALL_ADDRESSES_OPTION = typer.Option(
    False, "--all-addresses", help="Keep transfers not touching a registry wallet too."
)


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=option) from None


def _fail(message: str) -> None:
    from usd1inv.access import note_failure

    note_failure(message)
    typer.secho(message, fg=typer.colors.RED, err=True)
    raise typer.Exit(code=1)


def backfill(
    config: Path = CONFIG_OPTION,
    network: str = NETWORK_OPTION,
    from_: str = FROM_OPTION,
    to: str = TO_OPTION,
    force: bool = FORCE_OPTION,
    chunk_days: int = CHUNK_OPTION,
    build: bool = BUILD_OPTION,
    verbose: bool = VERBOSE_OPTION,
    as_user: str | None = AS_OPTION,
) -> None:
    """Load one network's on-chain history day by day through Dagster, with a progress bar.

    Runs the same network x day partitions as `usd1inv run`, skipping the ones the Dagster
    instance already has (unless --force); other networks are not touched. Needs the operator
    role when `access.roles` is configured; recorded in audit.actions.
    """
    from usd1inv.access import audited

    try:
        cfg = load_config(config)
    except ConfigError as exc:
        _fail(str(exc))
        return
    arguments = {"network": network, "from": from_, "to": to, "force": force}
    with audited(cfg, "onchain backfill", as_user, arguments):
        _backfill(config, network, from_, to, force, chunk_days, build, verbose)


def _backfill(
    config: Path,
    network: str,
    from_: str,
    to: str,
    force: bool,
    chunk_days: int,
    build: bool,
    verbose: bool,
) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from orchestration.backfill import run_backfill
    from usd1inv.runlog import setup_console_logging

    setup_console_logging(verbose)
    console = Console(stderr=True)
    start, end = _day(from_, "--from"), _day(to, "--to")
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days"),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )
    task = progress.add_task(f"{network} backfill", total=None)

    def on_plan(todo: int, skipped: int) -> None:
        progress.update(task, total=todo)
        console.print(
            f"{network}: {todo} day(s) to load, {skipped} already materialised"
            + (" (--force)" if force else "")
        )

    def on_run(first, last, outcome) -> None:
        progress.advance(task, (last - first).days + 1)
        status = "ok" if outcome.success else "FAILED"
        progress.console.print(f"  {first} .. {last}: {status} (run {outcome.run_id[:8]})")

    try:
        with progress:
            outcome = run_backfill(
                config,
                network,
                start,
                end,
                force=force,
                chunk_days=chunk_days,
                build=build,
                on_plan=on_plan,
                on_run=on_run,
            )
    except ConfigError as exc:
        _fail(str(exc))
        return
    loaded = sum((b - a).days + 1 for a, b, o in outcome.runs if o.success)
    typer.echo(
        f"{network}: {loaded} day(s) loaded, {outcome.days_skipped} skipped, "
        f"{len(outcome.runs)} run(s)"
        + (f"; marts {'built' if outcome.build.success else 'FAILED'}" if outcome.build else "")
    )
    if not outcome.success:
        errors = [
            f"{a} .. {b}: {'; '.join(o.errors) or 'failed'}"
            for a, b, o in outcome.runs
            if not o.success
        ]
        if outcome.build is not None and not outcome.build.success:
            errors.append("build_marts: " + "; ".join(outcome.build.errors))
        _fail("backfill failed:\n" + "\n".join(errors))


def import_transfers(
    paths: list[Path] = PATHS_OPTION,
    config: Path = CONFIG_OPTION,
    network: str = NETWORK_OPTION,
    fmt: str = FORMAT_OPTION,
    blocks: Path | None = BLOCKS_OPTION,
    transactions: Path | None = TRANSACTIONS_OPTION,
    from_node: bool = FROM_NODE_OPTION,
    all_addresses: bool = ALL_ADDRESSES_OPTION,
    verbose: bool = VERBOSE_OPTION,
    as_user: str | None = AS_OPTION,
) -> None:
    """Import token-transfer history from export files into raw.onchain_transfers.

    Only the network's configured token is kept (by default only transfers touching a registry
    wallet, as RPC ingestion does). Rows already loaded (same chain id, tx hash, log index)
    are kept as they are, so imported and fetched ranges may overlap. Transfers whose block
    hash or time cannot be established go to audit.quarantine with the reason. Needs the
    operator role when `access.roles` is configured; recorded in audit.actions.
    """
    from usd1inv.access import audited

    try:
        cfg = load_config(config)
    except ConfigError as exc:
        _fail(str(exc))
        return
    arguments = {"network": network, "format": fmt, "files": ", ".join(p.name for p in paths)}
    with audited(cfg, "onchain import-transfers", as_user, arguments):
        _import_transfers(
            paths, config, network, fmt, blocks, transactions, from_node, all_addresses, verbose
        )


def _import_transfers(
    paths: list[Path],
    config: Path,
    network: str,
    fmt: str,
    blocks: Path | None,
    transactions: Path | None,
    from_node: bool,
    all_addresses: bool,
    verbose: bool,
) -> None:
    from ingestion.onchain.imports import FORMATS, TransferImportError
    from ingestion.onchain.imports import import_transfers as run_import
    from ingestion.onchain.rpc import RpcClient
    from ingestion.onchain.transfers import final_block_number
    from ingestion.warehouse import connect
    from usd1inv.runlog import setup_console_logging

    setup_console_logging(verbose)
    if fmt not in FORMATS:
        raise typer.BadParameter(f"expected one of {', '.join(FORMATS)}", param_hint="--format")
    try:
        cfg = load_config(config)
        net = cfg.network(network)
        client = final = None
        if from_node:
            client = RpcClient(net.rpc_url(), net.name)
            final = final_block_number(client, net, client.block_number())
        wallets = None if all_addresses else [w.address for w in cfg.wallets_on(network)]
        with connect(cfg.warehouse_path) as con:
            reports = run_import(
                con,
                net,
                fmt,
                paths,
                wallet_addresses=wallets,
                blocks_file=blocks,
                transactions_file=transactions,
                client=client,
                final_block=final,
            )
    except (ConfigError, TransferImportError) as exc:
        _fail(str(exc))
        return
    for report in reports:
        typer.echo(report.summary())
        for problem in report.problems:
            typer.echo(f"  quarantined: {problem}")
    typer.echo(
        f"Warehouse : {cfg.warehouse_path} (raw.onchain_transfers, audit.quarantine); "
        f"next: usd1inv run --config {config} to rebuild the marts"
    )
    if any(r.quarantined for r in reports):
        raise typer.Exit(code=2)
