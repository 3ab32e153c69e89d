"""The registry (entities, networks and tokens, wallets) from the configuration file."""

from dagster import AssetKey, AssetSpec, MaterializeResult, multi_asset

from ingestion.registry import load_registry
from orchestration.defs.resources import InventoryConfig, Warehouse

REGISTRY_TABLES = {
    "registry_entities": "Entities (legal owners) from the configuration.",
    "registry_networks": "Networks with their token (address, symbol, decimals) and finality.",
    "registry_wallets": "The wallet registry: address, entity, purpose, custody, ownership.",
    "registry_wallet_control_claims": "What the registry claims controls each wallet on chain "
    "(wallets[].control: eoa, safe, other_contract).",
    "registry_concentration_limits": "Concentration limits per location, provider, network.",
    "registry_withdrawal_shock": "The withdrawal shock of the stress test (risk:).",
    "registry_health_thresholds": "Warn and alert thresholds of the health signals (risk:).",
    "registry_reconciliation_comparisons": "Tolerance, max break age and in-transit window "
    "per reconciliation comparison (reconciliation:).",
    "registry_contract_locations": "Registry wallets whose balance is locked in a contract.",
    "registry_counterparties": "Known external addresses: the counterparty allow-list "
    "(counterparties:).",
    "registry_business_days": "The bank calendar's business days and holidays (liquidity:).",
    "registry_liquidity_schedule": "When each channel's holdings of a day are spendable tokens "
    "and cash (liquidity:).",
    "registry_liquidity_horizons": "The end of each liquidity horizon per day (liquidity:).",
    "registry_chart_of_accounts": "Account code and name per entity and role for the close "
    "pack's journal entries (chart_of_accounts:).",
}
REGISTRY_KEYS = [AssetKey(["raw", table]) for table in REGISTRY_TABLES]


@multi_asset(
    specs=[
        AssetSpec(
            AssetKey(["raw", table]),
            description=text,
            group_name="registry",
            kinds={"python", "duckdb"},
        )
        for table, text in REGISTRY_TABLES.items()
    ],
    name="registry",
)
def registry(inventory_config: InventoryConfig, warehouse: Warehouse):
    """Rewrite the registry tables from the validated configuration file."""
    with warehouse.connect() as con:
        counts = load_registry(con, inventory_config.config)
    for (table, _), count in zip(REGISTRY_TABLES.items(), counts.values(), strict=True):
        yield MaterializeResult(asset_key=AssetKey(["raw", table]), metadata={"rows": count})
