"""Load the registry (entities, networks, wallets, risk limits) from the configuration into `raw`.

The configuration is the truth for the registry, so each load replaces the tables' content in
one transaction: the same configuration twice leaves identical tables.
"""

from __future__ import annotations

import duckdb

from ingestion.chart_of_accounts import load_chart_of_accounts
from ingestion.config import Config
from ingestion.contract_locations import load_contract_locations
from ingestion.counterparties import load_counterparties
from ingestion.liquidity import load_liquidity_config
from ingestion.reconciliation_config import load_reconciliation_config
from ingestion.risk_config import load_risk_config


def load_registry(con: duckdb.DuckDBPyConnection, config: Config) -> dict[str, int]:
    """Replace raw.registry_* with the configuration's registry; return row counts."""
    entities = [(e.id, e.name) for e in config.entities]
    networks = [
        (
            n.name,
            n.chain_id,
            n.token.address,
            n.token.symbol,
            n.token.decimals,
            n.confirmations,
            n.start_block,
        )
        for n in config.networks
    ]
    wallets = [
        (w.network, w.address, w.entity, w.label, w.purpose, w.custody_provider, w.ownership)
        for w in config.wallets
    ]
    # what the registry claims controls a wallet (wallets[].control), compared with the chain
    claims = [(w.network, w.address, w.control) for w in config.wallets if w.control]
    con.execute("begin transaction")
    try:
        for table, rows, width in (
            ("raw.registry_entities", entities, 2),
            ("raw.registry_networks", networks, 7),
            ("raw.registry_wallets", wallets, 7),
            ("raw.registry_wallet_control_claims", claims, 3),
        ):
            con.execute(f"delete from {table}")
            if rows:
                placeholders = ", ".join(["?"] * width)
                con.executemany(f"insert into {table} values ({placeholders})", rows)
        risk_counts = load_risk_config(con, config)  # raw.registry_* of `risk:`
        comparisons = load_reconciliation_config(con, config)  # `reconciliation:`
        contracts = load_contract_locations(con, config)  # `contract_locations:`
        counterparties = load_counterparties(con, config)  # `counterparties:`
        liquidity = load_liquidity_config(con, config)  # `liquidity:`
        accounts = load_chart_of_accounts(con, config)  # `chart_of_accounts:`
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return {
        "entities": len(entities),
        "networks": len(networks),
        "wallets": len(wallets),
        "wallet_control_claims": len(claims),
        **risk_counts,
        "reconciliation_comparisons": comparisons,
        "contract_locations": contracts,
        "counterparties": counterparties,
        **liquidity,
        "chart_of_accounts": accounts,
    }
