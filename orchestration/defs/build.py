"""Build the one Definitions of the code location from defs/, for one configuration file."""

from pathlib import Path

from dagster import Definitions

from ingestion.config import Config, load_config
from orchestration.close import build_close_schedule, close_period_job
from orchestration.defs.automation import JOBS, build_schedules
from orchestration.defs.custodian.assets import custodian_files
from orchestration.defs.exchange.assets import exchange_files
from orchestration.defs.landing import build_file_registry, build_landing_sensor
from orchestration.defs.ledger.assets import ledger_files
from orchestration.defs.onchain.assets import build_onchain_assets
from orchestration.defs.prices.assets import price_files
from orchestration.defs.publish import build_publish_assets
from orchestration.defs.quality import build_checks
from orchestration.defs.registry.assets import registry
from orchestration.defs.resources import InventoryConfig, Warehouse
from orchestration.defs.run_audit_sensors import build_run_audit_sensors
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
            # off-chain files from the landing folders
            build_file_registry(),
            custodian_files,
            exchange_files,
            ledger_files,
            price_files,
        ],
        asset_checks=build_checks(config),
        jobs=[*JOBS, close_period_job],
        schedules=[*build_schedules(config), build_close_schedule(config)],
        sensors=[build_landing_sensor(config), *build_run_audit_sensors(config)],
        resources={
            "inventory_config": InventoryConfig(config_path=str(Path(config_path).resolve())),
            "warehouse": Warehouse(
                path=str(config.warehouse_path), config_path=str(Path(config_path).resolve())
            ),
            "dbt": dbt_resource(),
        },
    )
