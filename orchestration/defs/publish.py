"""Publish the marts for readers after a green build: read-only snapshot + Parquet."""

from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, MaterializeResult, asset

from orchestration.defs.resources import InventoryConfig, Warehouse
from reporting.publish import publish_snapshot

PUBLISHED_MARTS = AssetKey(["published", "marts"])


def build_publish_assets(dbt_assets: list[AssetsDefinition]) -> list[AssetsDefinition]:
    mart_keys = sorted(
        (key for d in dbt_assets for key in d.keys if key.path[0] == "marts"),
        key=lambda k: k.to_user_string(),
    )

    @asset(
        key=PUBLISHED_MARTS,
        deps=mart_keys,
        group_name="publish",
        kinds={"duckdb", "parquet"},
        description=(
            "A read-only copy of every mart (and the audit tables readers need) in "
            "<data_dir>/published/snapshot.duckdb, swapped in atomically, plus one Parquet file "
            "per table under published/parquet/ for BI tools. Runs only after the marts and "
            "their blocking checks succeeded, so readers never see a half-built or broken run."
        ),
    )
    def published_marts(
        context: AssetExecutionContext, inventory_config: InventoryConfig, warehouse: Warehouse
    ) -> MaterializeResult:
        result = publish_snapshot(
            warehouse.path, inventory_config.config.data_dir, run_id=context.run_id
        )
        return MaterializeResult(
            metadata={
                "snapshot": str(result.snapshot),
                "parquet_dir": str(result.parquet_dir),
                "tables": len(result.tables),
                "content_hash": result.content_hash,
            }
        )

    return [published_marts]
