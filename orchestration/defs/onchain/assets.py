"""On-chain transfers of the configured token, per local day, for every configured network."""

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
from ingestion.onchain.transfers import sync_transfers
from orchestration.defs.onchain.partitions import daily_partitions
from orchestration.defs.resources import InventoryConfig, Warehouse, rpc_client

ONCHAIN_TRANSFERS = AssetKey(["raw", "onchain_transfers"])
ONCHAIN_DAY_BLOCKS = AssetKey(["raw", "onchain_day_blocks"])


def partition_days(context: AssetExecutionContext) -> list[date]:
    """The local days of the run's partition (range)."""
    keys = context.partition_keys
    first, last = date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def build_onchain_assets(config: Config) -> list:
    partitions = daily_partitions(config)

    @multi_asset(
        specs=[
            AssetSpec(
                ONCHAIN_TRANSFERS,
                partitions_def=partitions,
                group_name="onchain",
                kinds={"python", "duckdb"},
                description=(
                    "ERC-20 Transfer logs of each network's configured token that touch a "
                    "registry wallet, with block hash and time, decoded exactly; blocks within "
                    "the confirmation depth are loaded as pending and re-read on every run."
                ),
            ),
            AssetSpec(
                ONCHAIN_DAY_BLOCKS,
                partitions_def=partitions,
                group_name="onchain",
                kinds={"python", "duckdb"},
                description="Each synced local day's block range, last block hash and finality.",
            ),
        ],
        name="onchain_transfers",
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
        pool="warehouse",
    )
    def onchain_transfers(
        context: AssetExecutionContext, inventory_config: InventoryConfig, warehouse: Warehouse
    ):
        """Sync every configured network for the run's local days."""
        cfg = inventory_config.config
        days = partition_days(context)
        reports, failures = {}, {}
        for network in cfg.networks:
            try:
                client = rpc_client(cfg, network.name)
                with warehouse.connect() as con:
                    report = sync_transfers(
                        con,
                        client,
                        network,
                        cfg.wallets_on(network.name),
                        days,
                        cfg.tz,
                        load_id=context.run_id,
                    )
                reports[network.name] = report
                context.log.info(report.summary())
            except Exception as exc:  # one network's outage must not stop the others
                failures[network.name] = f"{type(exc).__name__}: {exc}"
                context.log.error(f"{network.name}: {failures[network.name]}")
        if failures:
            raise Failure(
                description="on-chain sync failed for: "
                + "; ".join(f"{name} ({why})" for name, why in failures.items()),
                metadata={"networks_loaded": sorted(reports)},
            )
        yield MaterializeResult(
            asset_key=ONCHAIN_DAY_BLOCKS,
            metadata={"empty_days": sum(len(r.empty_days) for r in reports.values())},
        )
        yield MaterializeResult(
            asset_key=ONCHAIN_TRANSFERS,
            metadata={
                "days": len(days),
                "transfers_loaded": sum(r.transfers_loaded for r in reports.values()),
                "transfers_inserted": sum(r.transfers_inserted for r in reports.values()),
                "transfers_deleted": sum(r.transfers_deleted for r in reports.values()),
                "quarantined": sum(r.quarantined for r in reports.values()),
                "look_alikes_skipped": sum(r.skipped for r in reports.values()),
                "summary": MetadataValue.md(
                    "\n".join(f"- {r.summary()}" for r in reports.values())
                ),
            },
        )

    return [onchain_transfers]
