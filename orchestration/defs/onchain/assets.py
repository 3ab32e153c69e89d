"""On-chain transfers, balance checks and issuer freezes of the configured token, per network x
local day."""

from datetime import date, timedelta

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from ingestion.config import Config
from ingestion.onchain.balances import snapshot_balances
from ingestion.onchain.freezes import freeze_event_range, snapshot_freezes, sync_freeze_events
from ingestion.onchain.transfers import sync_transfers
from ingestion.onchain.wallet_control import snapshot_wallet_control
from orchestration.defs.onchain.partitions import network_day_partitions, split_partition_key
from orchestration.defs.resources import InventoryConfig, Warehouse, rpc_client

ONCHAIN_TRANSFERS = AssetKey(["raw", "onchain_transfers"])
ONCHAIN_DAY_BLOCKS = AssetKey(["raw", "onchain_day_blocks"])
ONCHAIN_BALANCES = AssetKey(["raw", "onchain_balances"])
ONCHAIN_WALLET_CONTROL = AssetKey(["raw", "onchain_wallet_control"])
ONCHAIN_WALLET_SIGNERS = AssetKey(["raw", "onchain_wallet_signers"])
ONCHAIN_FREEZES = AssetKey(["raw", "onchain_freezes"])
ONCHAIN_FREEZE_EVENTS = AssetKey(["raw", "onchain_freeze_events"])
ONCHAIN_KEYS = [
    ONCHAIN_TRANSFERS,
    ONCHAIN_DAY_BLOCKS,
    ONCHAIN_BALANCES,
    ONCHAIN_WALLET_CONTROL,
    ONCHAIN_WALLET_SIGNERS,
    ONCHAIN_FREEZES,
    ONCHAIN_FREEZE_EVENTS,
]


def partition_scope(context: AssetExecutionContext) -> tuple[list[str], list[date]]:
    """The networks and the local days (every day between the first and last) of the run."""
    pairs = [split_partition_key(k) for k in context.partition_keys]
    networks = sorted({n for n, _ in pairs})
    first, last = min(d for _, d in pairs), max(d for _, d in pairs)
    return networks, [first + timedelta(days=i) for i in range((last - first).days + 1)]


def build_onchain_assets(config: Config) -> list:
    partitions = network_day_partitions(config)

    def spec(key: AssetKey, description: str) -> AssetSpec:
        return AssetSpec(
            key,
            partitions_def=partitions,
            group_name="onchain",
            kinds={"python", "duckdb"},
            description=description,
        )

    @multi_asset(
        specs=[
            spec(
                ONCHAIN_TRANSFERS,
                "ERC-20 Transfer logs of each network's configured token that touch a "
                "registry wallet, with block hash and time, decoded exactly; blocks not yet "
                "final are loaded as pending and re-read on every run (reorgs replaced).",
            ),
            spec(
                ONCHAIN_DAY_BLOCKS,
                "Each synced local day's block range, last block hash and finality.",
            ),
            spec(
                ONCHAIN_BALANCES,
                "balanceOf(wallet) of the token at every period end's last final block.",
            ),
            spec(
                ONCHAIN_WALLET_CONTROL,
                "What controls each wallet at every day end's check block: a single key "
                "(eoa), a Safe (getOwners, getThreshold) or another contract.",
            ),
            spec(
                ONCHAIN_WALLET_SIGNERS,
                "The signers of each Safe wallet at every day end, one row each.",
            ),
            spec(
                ONCHAIN_FREEZES,
                "The token's issuer-freeze view (token.freeze.view) of every registry wallet "
                "and counterparty at every day end's check block; empty without token.freeze.",
            ),
            spec(
                ONCHAIN_FREEZE_EVENTS,
                "The token's freeze / unfreeze events (token.freeze.frozen_events, "
                "unfrozen_events) in final blocks; empty without token.freeze.",
            ),
        ],
        name="onchain_transfers",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
    )
    def onchain_transfers(
        context: AssetExecutionContext, inventory_config: InventoryConfig, warehouse: Warehouse
    ):
        """Sync the run's networks for its local days, then read balanceOf at period ends, what
        controls each wallet and the issuer's freeze view at day ends, and freeze events."""
        cfg = inventory_config.config
        names, days = partition_scope(context)
        reports, balances, controls, failures, freezes, events = {}, {}, {}, {}, {}, {}
        for name in names:
            network = cfg.network(name)
            try:
                client = rpc_client(cfg, name)
                wallets = cfg.wallets_on(name)
                with warehouse.connect() as con:
                    report = sync_transfers(
                        con,
                        client,
                        network,
                        wallets,
                        days,
                        cfg.tz,
                        load_id=context.run_id,
                        history_from=cfg.start_date,
                    )
                    balances[name] = snapshot_balances(
                        con,
                        client,
                        network,
                        wallets,
                        report.day_end_blocks,
                        report.final_block,
                        context.run_id,
                    )
                    controls[name] = snapshot_wallet_control(
                        con,
                        client,
                        network,
                        wallets,
                        report.day_end_blocks,
                        report.final_block,
                        context.run_id,
                    )
                    freezes[name] = snapshot_freezes(
                        con,
                        client,
                        network,
                        [w.address for w in wallets]
                        + [c.address for c in cfg.counterparties if c.network == name],
                        report.day_end_blocks,
                        report.final_block,
                        context.run_id,
                    )
                    span = freeze_event_range(
                        con, network, list(report.day_end_blocks), report.final_block
                    )
                    if span is not None:
                        events[name] = sync_freeze_events(
                            con, client, network, *span, context.run_id
                        )
                reports[name] = report
                context.log.info(report.summary())
            except Exception as exc:  # one network's outage must not stop the others
                failures[name] = f"{type(exc).__name__}: {exc}"
                context.log.error(f"{name}: {failures[name]}")
        if failures:
            raise Failure(
                description="on-chain sync failed for: "
                + "; ".join(f"{name} ({why})" for name, why in failures.items()),
                metadata={"networks_loaded": sorted(reports)},
            )
        yield MaterializeResult(
            asset_key=ONCHAIN_DAY_BLOCKS,
            metadata={
                "empty_days": sum(len(r.empty_days) for r in reports.values()),
                "cached_days": sum(r.cached_days for r in reports.values()),
            },
        )
        yield MaterializeResult(
            asset_key=ONCHAIN_BALANCES,
            metadata={"rows_written": sum(balances.values())},
        )
        yield MaterializeResult(
            asset_key=ONCHAIN_WALLET_CONTROL,
            metadata={"rows_written": sum(controls.values())},
        )
        yield MaterializeResult(asset_key=ONCHAIN_WALLET_SIGNERS)
        yield MaterializeResult(
            asset_key=ONCHAIN_FREEZES,
            metadata={"rows_written": sum(freezes.values())},
        )
        yield MaterializeResult(
            asset_key=ONCHAIN_FREEZE_EVENTS,
            metadata={"rows_changed": sum(events.values())},
        )
        yield MaterializeResult(
            asset_key=ONCHAIN_TRANSFERS,
            metadata={
                "networks": ", ".join(names),
                "days": len(days),
                "transfers_loaded": sum(r.transfers_loaded for r in reports.values()),
                "transfers_inserted": sum(r.transfers_inserted for r in reports.values()),
                "transfers_deleted": sum(
                    r.transfers_deleted + r.orphans_deleted for r in reports.values()
                ),
                "quarantined": sum(r.quarantined for r in reports.values()),
                "look_alikes_skipped": sum(r.skipped for r in reports.values()),
                "rpc_calls": sum(r.fetch.calls for r in reports.values()),
                "summary": MetadataValue.text(  # plain text: RPC errors are not Markdown
                    "\n".join(f"- {r.summary()}" for r in reports.values())
                ),
            },
        )

    return [onchain_transfers]
