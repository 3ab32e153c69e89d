"""Off-chain files: the asset factory every file source uses, the `ingest_files` job and the
sensor that turns each new file in a landing folder into one run.

Each source kind (custodian, exchange, ledger, prices) has its own asset module that calls
``file_assets``; the loading itself is ``ingestion.files.load.load_files`` (no Dagster there).
"""

import json
from datetime import UTC, datetime

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    Config,
    DefaultSensorStatus,
    MaterializeResult,
    MetadataValue,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    multi_asset,
    sensor,
)

from ingestion.config import Config as InventorySettings
from ingestion.files.landing import file_sha256, scan_paths
from ingestion.files.load import load_files, load_registry_accounts
from orchestration.defs.resources import InventoryConfig, Warehouse

FILE_REGISTRY_KEYS = [
    AssetKey(["raw", "registry_accounts"]),
    AssetKey(["raw", "registry_opening_balances"]),
    AssetKey(["raw", "registry_price_sources"]),
    AssetKey(["raw", "valuation_price_sources"]),
    AssetKey(["raw", "valuation_policies"]),
    AssetKey(["raw", "valuation_cost_methods"]),
]
# kind -> (op name, raw tables it writes)
FILE_KINDS: dict[str, tuple[str, list[str]]] = {
    "custodian": ("custodian_files", ["custodian_balances", "custodian_movements"]),
    "exchange": ("exchange_files", ["exchange_entries", "exchange_balances"]),
    "ledger": ("ledger_files", ["ledger_entries"]),
    "prices": ("price_files", ["prices"]),
}
FILE_ASSET_KEYS = [
    AssetKey(["raw", table]) for _, tables in FILE_KINDS.values() for table in tables
] + FILE_REGISTRY_KEYS
SETTLE_SECONDS = 10  # a file younger than this may still be being written


class FileLoadConfig(Config):
    """Which files to load; empty: everything new in this kind's landing folders."""

    paths: list[str] = []


def file_assets(kind: str, descriptions: dict[str, str]):
    """The multi-asset that loads one kind's landing folders into its raw tables."""
    op_name, tables = FILE_KINDS[kind]

    @multi_asset(
        specs=[
            AssetSpec(
                AssetKey(["raw", table]),
                description=descriptions[table],
                group_name=kind,
                kinds={"python", "duckdb"},
                deps=FILE_REGISTRY_KEYS,
            )
            for table in tables
        ],
        name=op_name,
        can_subset=False,
    )
    def _assets(
        context: AssetExecutionContext,
        config: FileLoadConfig,
        inventory_config: InventoryConfig,
        warehouse: Warehouse,
    ):
        settings = inventory_config.config
        with warehouse.connect() as con:
            outcomes = load_files(
                con,
                settings,
                load_id=context.run_id,
                kinds=(kind,),
                paths=config.paths or None,
            )
        for outcome in outcomes:
            if outcome.status == "quarantined":
                context.log.warning(outcome.summary())
            elif outcome.status != "seen":
                context.log.info(outcome.summary())
        counts: dict[str, int] = {}
        for outcome in outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        for table in tables:
            mine = [o for o in outcomes if o.status in ("loaded", "superseded")]
            yield MaterializeResult(
                asset_key=AssetKey(["raw", table]),
                metadata={
                    "files_new": sum(1 for o in outcomes if o.status != "seen"),
                    "files_loaded": counts.get("loaded", 0),
                    "files_superseded": counts.get("superseded", 0),
                    "files_duplicate": counts.get("duplicate", 0),
                    "files_quarantined": counts.get("quarantined", 0),
                    "rows_loaded": sum(o.rows_loaded for o in mine),
                    "files": files_metadata(outcomes),
                },
            )

    return _assets


def files_metadata(outcomes) -> MetadataValue:
    """The new files of a run, one a line, as plain text: a file name is the sender's text
    and is never rendered (no Markdown links or images from a file name)."""
    return MetadataValue.text(
        "\n".join(f"- {o.summary()}" for o in outcomes if o.status != "seen") or "no new files"
    )


def build_file_registry():
    @multi_asset(
        specs=[
            AssetSpec(
                AssetKey(["raw", "registry_accounts"]),
                description="Custodian, exchange and ledger accounts from the configuration "
                "(files.*_accounts): entity, ownership, network, purpose.",
                group_name="registry",
                kinds={"python", "duckdb"},
            ),
            AssetSpec(
                AssetKey(["raw", "registry_opening_balances"]),
                description="Configured anchors of exchange positions "
                "(files.exchange_accounts[].opening_balances): amount, asset, as-of, source.",
                group_name="registry",
                kinds={"python", "duckdb"},
            ),
            AssetSpec(
                AssetKey(["raw", "registry_price_sources"]),
                description="Price series per source and asset; is_principal marks the "
                "principal market (files.prices.principal_source).",
                group_name="registry",
                kinds={"python", "duckdb"},
            ),
            AssetSpec(
                AssetKey(["raw", "valuation_price_sources"]),
                description="The order price sources are tried per asset, principal first "
                "(files.prices.principal_source, valuation.price_sources).",
                group_name="registry",
                kinds={"python", "duckdb"},
            ),
            AssetSpec(
                AssetKey(["raw", "valuation_policies"]),
                description="Measurement basis per asset and entity from an effective date "
                "(valuation.policies).",
                group_name="registry",
                kinds={"python", "duckdb"},
            ),
            AssetSpec(
                AssetKey(["raw", "valuation_cost_methods"]),
                description="Cost method per entity: weighted_average or fifo "
                "(valuation.cost_method, cost_method_by_entity).",
                group_name="registry",
                kinds={"python", "duckdb"},
            ),
        ],
        name="file_registry",
    )
    def file_registry(inventory_config: InventoryConfig, warehouse: Warehouse):
        with warehouse.connect() as con:
            count = load_registry_accounts(con, inventory_config.config)
        yield MaterializeResult(asset_key=FILE_REGISTRY_KEYS[0], metadata={"rows": count})
        for key in FILE_REGISTRY_KEYS[1:]:
            yield MaterializeResult(asset_key=key)

    return file_registry


ingest_files_job = define_asset_job(
    "ingest_files",
    selection=FILE_ASSET_KEYS,
    description="Load new files from every landing folder (or, from the sensor, one file).",
)


def build_landing_sensor(settings: InventorySettings, settle_seconds: int = SETTLE_SECONDS):
    """One run per new file: run key = the file's sha256, so no file is ever run twice (a
    renamed copy included). The cursor remembers (path, mtime, size) -> sha256 of the files
    still in the landing folders, so a file is hashed once."""

    @sensor(
        name="landing_files",
        job=ingest_files_job,
        minimum_interval_seconds=30,
        default_status=DefaultSensorStatus.RUNNING,
        description="Watches files.landing_dir/<source>/ and requests a run per new file.",
    )
    def landing_files(context: SensorEvaluationContext):
        seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
        requested = set(seen.values())
        now = datetime.now(UTC).timestamp()
        current: dict[str, str] = {}
        requests = []
        for source, path, stat in scan_paths(settings):
            if now - stat.st_mtime < settle_seconds:
                continue
            marker = f"{path}|{stat.st_mtime_ns}|{stat.st_size}"
            sha = seen.get(marker) or file_sha256(path)
            current[marker] = sha
            if sha in requested:
                continue
            requested.add(sha)
            op_name, tables = FILE_KINDS[source.kind]
            day = datetime.fromtimestamp(stat.st_mtime, settings.tz).date().isoformat()
            requests.append(
                RunRequest(
                    run_key=sha,
                    asset_selection=[AssetKey(["raw", t]) for t in tables],
                    run_config={"ops": {op_name: {"config": {"paths": [str(path)]}}}},
                    tags={
                        "usd1inv/source": source.name,
                        "usd1inv/kind": source.kind,
                        "usd1inv/day": day,
                        "usd1inv/file": path.name,
                    },
                )
            )
        context.update_cursor(json.dumps(current, sort_keys=True))
        if not requests:
            return SkipReason("no new files in the landing folders")
        return requests

    return landing_files
