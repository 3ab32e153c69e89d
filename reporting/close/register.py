"""The wallet register of a close: every configured location (wallets, custodian and exchange
accounts) as the registry stood at the close, with its balance at the period end.

Both registers are in the close's snapshot (`wallets` from raw.registry_wallets, `accounts` from
raw.registry_accounts), so the register a pack shows is the one in force when it closed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from reporting.close.snapshot import Table
from reporting.close.tables import Column, PackTable

REGISTER_COLUMNS = [
    Column("entity", "text"),
    Column("network", "text"),
    Column("location_type", "text"),
    Column("address", "text"),
    Column("label", "text"),
    Column("purpose", "text"),
    Column("custody_provider", "text"),
    Column("ownership", "text"),
    Column("balance", "token"),
]


def _balances(tables: dict[str, Table], end: date) -> dict[tuple[str, str], Decimal]:
    """Balance at the period end per (network, location_id), from the daily inventory."""
    out: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    if "inventory_daily" not in tables:
        return out
    for row in tables["inventory_daily"].dicts():
        if row["as_of_date"] == end and row.get("balance") is not None:
            out[(row["network"], str(row["location_id"]).lower())] += row["balance"]
    return out


def _account_label(account: dict) -> str:
    """An account is known by its id; the provider's own id of it follows when it differs."""
    external = account.get("external_id")
    if external and str(external) != account["account_id"]:
        return f"{account['account_id']} (provider id {external})"
    return account["account_id"]


def wallet_register(tables: dict[str, Table], end: date) -> PackTable:
    """One row per registered location, ordered by entity, network, type and address."""
    table = PackTable(
        "wallet_register",
        f"Wallet register (as configured at the close) with balances at {end}",
        list(REGISTER_COLUMNS),
        totals=["balance"],
    )
    if "wallets" not in tables and "accounts" not in tables:
        table.columns = []
        table.note = "not available: the close's snapshot holds no registry"
        return table
    balances = _balances(tables, end)
    rows = []
    for w in tables["wallets"].dicts() if "wallets" in tables else []:
        key = (w["network"], str(w["address"]).lower())
        rows.append(
            [
                w["entity"],
                w["network"],
                "wallet",
                w["address"],
                w["label"],
                w["purpose"],
                w["custody_provider"],
                w["ownership"],
                balances.get(key),
            ]
        )
    for a in tables["accounts"].dicts() if "accounts" in tables else []:
        location = a.get("location_id") or a.get("address") or a["account_id"]
        key = (a.get("network"), str(location).lower())
        rows.append(
            [
                a["entity"],
                a.get("network"),
                a["account_kind"],
                location,
                _account_label(a),
                a.get("purpose"),
                a.get("provider"),
                a["ownership"],
                balances.get(key),
            ]
        )
    rows.sort(key=lambda r: tuple("" if v is None else str(v) for v in r[:4]))
    table.rows = rows
    if not rows:
        table.note = "no location in the registry at the close"
    return table
