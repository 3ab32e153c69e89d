"""Load the registry (entities, networks and tokens, wallets) from the configuration into `raw`.

The configuration is the truth for the registry, so each load replaces the tables' content in
one transaction: the same configuration twice leaves identical tables.
"""

from __future__ import annotations

import duckdb

from ingestion.config import Config


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
    con.execute("begin transaction")
    try:
        for table, rows, width in (
            ("raw.registry_entities", entities, 2),
            ("raw.registry_networks", networks, 7),
            ("raw.registry_wallets", wallets, 7),
        ):
            con.execute(f"delete from {table}")
            placeholders = ", ".join(["?"] * width)
            con.executemany(f"insert into {table} values ({placeholders})", rows)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return {"entities": len(entities), "networks": len(networks), "wallets": len(wallets)}
