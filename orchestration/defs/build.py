"""Build the one Definitions of the code location from defs/, for one configuration file."""

from pathlib import Path

from dagster import Definitions

from ingestion.config import Config, load_config
from orchestration.defs.automation import JOBS, build_schedules
from orchestration.defs.onchain.assets import build_onchain_assets
from orchestration.defs.publish import build_publish_assets
from orchestration.defs.quality import build_checks
from orchestration.defs.registry.assets import registry
from orchestration.defs.resources import InventoryConfig, Warehouse
from orchestration.defs.transform import build_dbt_assets, dbt_resource


def build_definitions(config_path: str | Path) -> Definitions:
    config: Config = load_config(config_path)
    dbt_assets = build_dbt_assets(config)
    return Definitions(
        assets=[
            registry,
            *build_onchain_assets(config),
            *dbt_assets,
            *build_publish_assets(dbt_assets),
        ],
        asset_checks=build_checks(),
        jobs=JOBS,
        schedules=build_schedules(config),
        resources={
            "inventory_config": InventoryConfig(config_path=str(Path(config_path).resolve())),
            "warehouse": Warehouse(path=str(config.warehouse_path)),
            "dbt": dbt_resource(),
        },
    )
