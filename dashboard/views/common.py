"""Filters and small building blocks shared by the pages."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import polars as pl
import streamlit as st

from dashboard.formatting import format_table
from dashboard.snapshot import Snapshot
from reporting.csv_safety import csv_safe_text

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
    "unexplained_change",
    "closing_balance",
    "units",
    "left_balance",
    "right_balance",
    "difference",
    "explained_in_transit",
    "unexplained_difference",
    "tolerance",
    "shortfall",
    "client_holdings",
    "client_liabilities",
    "total_balance",
    "limit_amount",
    "headroom",
    "unexplained_amount",
    "in_transit_total",
    "in_transit_amount",
    "available_total",
    "shock_amount",
    "unexplained_break_amount",
    "unknown_control_balance",
    "closed_value",
    "live_value",
    "adjustment",
    "adjustment_total",
    "depeg_bps",
    "stress_shortfall",
    "balance_total",
    "client_balance_total",
    "pending_in_total",
    "pending_out_total",
}
PERCENT_COLUMNS = {
    "share",
    "limit_share",
    "max_concentration_share",
    "max_location_share",
    "pending_share",
    "coverage_ratio",
    "stress_capacity_ratio",
}
PRICE_COLUMNS = {"price_usd", "average_cost_per_unit"}
USD_COLUMNS = {
    "fair_value_usd",
    "cost_basis_usd",
    "unrealized_gain_loss_usd",
    "realized_gain_loss_usd",
    "amount_usd",
    "value_usd",
    "carrying_amount_usd",
    "impairment_usd",
}


@dataclass(frozen=True)
class Filters:
    entities: tuple[str, ...]
    networks: tuple[str, ...]
    as_of_date: date | None
    # every choice offered: when all are picked the filter is left out of the SQL, so DuckDB
    # scans without a membership test (and rows of an entity or network without holdings show)
    all_entities: tuple[str, ...] = ()
    all_networks: tuple[str, ...] = ()

    def where(
        self,
        date_column: str | None = "as_of_date",
        entity_column: str | None = "entity",
        network_column: str | None = "network",
    ) -> tuple[str, list]:
        """A SQL condition (and its parameters) for the entity/network/date filters.

        A column given as None is not filtered on (a table without entity or network)."""
        clauses, params = ["true"], []
        for column, picked, offered in (
            (entity_column, self.entities, self.all_entities),
            (network_column, self.networks, self.all_networks),
        ):
            if column and not (offered and set(picked) == set(offered)):
                clauses.append(f"{column} in (select unnest(?))")
                params.append(list(picked))
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
    return Filters(
        tuple(picked_entities), tuple(picked_networks), as_of, tuple(entities), tuple(networks)
    )


def formatted(df: pl.DataFrame) -> pl.DataFrame:
    """The table as people read it: exact token units, USD, percentages and prices as text."""
    columns = set(df.columns)
    return format_table(
        df,
        TOKEN_COLUMNS & columns,
        USD_COLUMNS & columns,
        PERCENT_COLUMNS & columns,
        PRICE_COLUMNS & columns,
    )


def highlighted(df: pl.DataFrame, column: str | None, values: Collection[str] = ()):
    """Rows whose `column` is one of `values` on a red background (breaches, breaks)."""
    if not column or column not in df.columns or df.is_empty():
        return df
    marked = set(values)

    def paint(row):
        color = "background-color: #fde2e1" if row[column] in marked else ""
        return [color] * len(row)

    return df.to_pandas().style.apply(paint, axis=1)


def csv_bytes(df: pl.DataFrame) -> bytes:
    """The frame as a CSV download: exact values; a text cell a spreadsheet would read as a
    formula gets a leading `'` (reporting/csv_safety.py); numeric columns are left as they are."""
    text_columns = [name for name, dtype in df.schema.items() if dtype == pl.String]
    safe = df.with_columns(
        pl.col(name).map_elements(csv_safe_text, return_dtype=pl.String, skip_nulls=True)
        for name in text_columns
    )
    return safe.write_csv().encode()


def show_table(
    df: pl.DataFrame,
    name: str,
    key: str,
    highlight: tuple[str, Collection[str]] | None = None,
) -> None:
    """A table with exact money strings and a CSV download of the exact values."""
    st.dataframe(
        highlighted(formatted(df), *(highlight or (None,))),
        hide_index=True,
        width="stretch",
    )
    st.download_button(
        f"Download {name} (CSV)",
        data=csv_bytes(df),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download-{key}",
    )


def columns_of(snapshot: Snapshot, table: str) -> list[str]:
    """The columns a published table has (marts still being built may lack some)."""
    schema, name = table.split(".")
    return snapshot.query(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
        "order by column_index",
        [schema, name],
    )["column_name"].to_list()


def needs(snapshot: Snapshot, table: str, what: str) -> bool:
    """True when the mart exists; otherwise say plainly which mart the page is waiting for."""
    if snapshot.has_table(table):
        return True
    st.info(f"{what} needs `{table}`, which this warehouse does not have yet.")
    return False
