"""Filters and small building blocks shared by the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
import streamlit as st

from dashboard.formatting import format_table
from dashboard.snapshot import Snapshot

TOKEN_COLUMNS = {
    "balance",
    "available",
    "pending_in",
    "pending_out",
    "frozen",
    "locked",
    "inflow",
    "outflow",
    "opening_balance",
    "inflows_external",
    "outflows_external",
    "transfers_in_internal",
    "transfers_out_internal",
    "mints",
    "burns",
    "fees",
    "closing_balance",
    "units",
    "left_balance",
    "right_balance",
    "difference",
    "explained_in_transit",
    "unexplained_difference",
    "tolerance",
    "shortfall",
}
USD_COLUMNS = {
    "fair_value_usd",
    "cost_basis_usd",
    "unrealized_gain_loss_usd",
    "realized_gain_loss_usd",
    "amount_usd",
    "value_usd",
}


@dataclass(frozen=True)
class Filters:
    entities: tuple[str, ...]
    networks: tuple[str, ...]
    as_of_date: date | None

    def where(self, date_column: str | None = "as_of_date") -> tuple[str, list]:
        """A SQL condition (and its parameters) for the entity/network/date filters."""
        clauses, params = (
            ["entity in (select unnest(?))", "network in (select unnest(?))"],
            [list(self.entities), list(self.networks)],
        )
        if date_column and self.as_of_date is not None:
            clauses.append(f"{date_column} = ?")
            params.append(self.as_of_date)
        return " and ".join(clauses), params


def sidebar_filters(snapshot: Snapshot) -> Filters:
    choices = snapshot.query(
        "select distinct entity, network from marts.inventory_daily order by 1, 2"
    )
    entities = sorted(set(choices["entity"].to_list()))
    networks = sorted(set(choices["network"].to_list()))
    days = snapshot.query("select distinct as_of_date from marts.inventory_daily order by 1 desc")[
        "as_of_date"
    ].to_list()
    picked_entities = st.sidebar.multiselect("Entity", entities, default=entities, key="entity")
    picked_networks = st.sidebar.multiselect("Network", networks, default=networks, key="network")
    as_of = st.sidebar.selectbox("As of (end of day)", days, index=0, key="as_of") if days else None
    return Filters(tuple(picked_entities), tuple(picked_networks), as_of)


def show_table(df: pl.DataFrame, name: str, key: str) -> None:
    """A table with exact money strings and a CSV download of the exact values."""
    st.dataframe(
        format_table(df, TOKEN_COLUMNS & set(df.columns), USD_COLUMNS & set(df.columns)),
        hide_index=True,
        width="stretch",
    )
    st.download_button(
        f"Download {name} (CSV)",
        data=df.write_csv(),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download-{key}",
    )


def needs(snapshot: Snapshot, table: str, what: str) -> bool:
    """True when the mart exists; otherwise say plainly which mart the page is waiting for."""
    if snapshot.has_table(table):
        return True
    st.info(f"{what} needs `{table}`, which this warehouse does not have yet.")
    return False
