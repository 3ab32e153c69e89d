"""Filters and small building blocks shared by the pages."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import polars as pl
import streamlit as st

from dashboard.formatting import (
    ADDRESS_RE,
    NUMERIC_KINDS,
    column_kinds,
    format_table,
    label,
    short_address,
)
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
    all_decimals: bool = False  # the sidebar toggle: every decimal of token units, not 2

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


# --- the URL: page and filters live in the query string ---------------------------------------
URL_WRITTEN = "_url_written"  # the query string this session wrote last
URL_APPLY = "_url_apply"  # this run takes the widgets' values from the URL
URL_KEYS = "_url_keys"  # widget key -> multi-valued, for the keys shown in this run


def _url_now() -> dict[str, list[str]]:
    return {k: st.query_params.get_all(k) for k in st.query_params}


def begin_url_state() -> None:
    """At the start of a run: a URL this session did not write (a bookmark, a link, the back
    button) sets the widgets; otherwise the widgets keep what the user picked."""
    st.session_state[URL_APPLY] = _url_now() != st.session_state.get(URL_WRITTEN)
    st.session_state[URL_KEYS] = {}


def url_state(key: str, options: list, default, multi: bool = False) -> None:
    """Seed widget `key` before it is drawn: from the URL when it changed from outside, else
    the value it has, else `default`. Options are matched by their text (dates as ISO days)."""
    st.session_state.setdefault(URL_KEYS, {})[key] = multi
    by_text = {str(o): o for o in options}
    if st.session_state.get(URL_APPLY) and key in st.query_params:
        values = st.query_params.get_all(key)
        if multi:
            st.session_state[key] = [by_text[v] for v in values if v in by_text]
        elif values and values[-1] in by_text:
            st.session_state[key] = by_text[values[-1]]
    current = st.session_state.get(key)
    valid = (
        isinstance(current, list) and all(c in options for c in current)
        if multi
        else key in st.session_state and current in options
    )
    if not valid:
        st.session_state[key] = list(default) if multi else default


def _current_url() -> dict[str, list[str]]:
    """The query string of the widgets drawn so far in this run."""
    new = {}
    for key, multi in st.session_state.get(URL_KEYS, {}).items():
        if key not in st.session_state:
            continue
        value = st.session_state[key]
        new[key] = ([str(v) for v in value] or [""]) if multi else [str(value)]
    return new


def end_url_state() -> None:
    """At the end of a run: write the page and every filter shown into the URL (a new history
    entry when they changed, so the back button goes to the previous view)."""
    new = _current_url()
    if new != _url_now():
        st.query_params.from_dict(new)
    st.session_state[URL_WRITTEN] = new


def link_params() -> dict[str, list[str]]:
    """The filters of this view (drawn so far), for links to other pages (the status bar)."""
    return _current_url()


def url_multiselect(label_text: str, options: list, default: list, key: str, where=st):
    url_state(key, options, default, multi=True)
    return where.multiselect(label_text, options, key=key)


def url_selectbox(label_text: str, options: list, key: str, where=st, default=None):
    if not options:
        return where.selectbox(label_text, options, key=key)
    url_state(key, options, options[0] if default is None else default)
    return where.selectbox(label_text, options, key=key)


def sidebar_filters(snapshot: Snapshot) -> Filters:
    choices = snapshot.query(
        "select distinct entity, network from marts.inventory_daily order by 1, 2"
    )
    entities = sorted(set(choices["entity"].to_list()))
    networks = sorted(set(choices["network"].to_list()))
    days = snapshot.query("select distinct as_of_date from marts.inventory_daily order by 1 desc")[
        "as_of_date"
    ].to_list()
    picked_entities = url_multiselect("Entity", entities, entities, "entity", st.sidebar)
    picked_networks = url_multiselect("Network", networks, networks, "network", st.sidebar)
    as_of = url_selectbox("As of (end of day)", days, "as_of", st.sidebar) if days else None
    url_state("decimals", [False, True], False)
    all_decimals = st.sidebar.toggle(
        "Show all 18 decimals",
        key="decimals",
        help="Token units show 2 decimals; this shows every decimal the marts hold (exact).",
    )
    return Filters(
        tuple(picked_entities),
        tuple(picked_networks),
        as_of,
        tuple(entities),
        tuple(networks),
        bool(all_decimals),
    )


def all_decimals() -> bool:
    return bool(st.session_state.get("decimals", False))


def formatted(df: pl.DataFrame) -> pl.DataFrame:
    """The table as people read it: per-column precision, percentages and prices as text."""
    columns = set(df.columns)
    return format_table(
        df,
        TOKEN_COLUMNS & columns,
        USD_COLUMNS & columns,
        PERCENT_COLUMNS & columns,
        PRICE_COLUMNS & columns,
        all_decimals=all_decimals(),
    )


def _kinds(df: pl.DataFrame) -> dict[str, str]:
    columns = set(df.columns)
    return column_kinds(
        df,
        TOKEN_COLUMNS & columns,
        USD_COLUMNS & columns,
        PERCENT_COLUMNS & columns,
        PRICE_COLUMNS & columns,
    )


def column_config(df: pl.DataFrame) -> dict:
    """Human labels; numbers right-aligned (the cells hold exact text)."""
    kinds = _kinds(df)
    addresses = set(address_columns(df))
    return {
        c: st.column_config.TextColumn(
            label(c),
            alignment="right" if kinds[c] in NUMERIC_KINDS else "left",
            help=f"`{c}`"
            + (
                ": shortened on screen; open the cell (double-click) or download the CSV "
                "for the whole value"
                if c in addresses
                else ""
            ),
        )
        for c in df.columns
    }


def address_columns(text: pl.DataFrame) -> list[str]:
    """Text columns holding addresses or hashes: shown short, kept whole in the data."""
    return [
        c
        for c in text.columns
        if text.schema[c] == pl.String
        and any(v and ADDRESS_RE.match(v) for v in text[c].head(200).to_list())
    ]


def dataframe(df: pl.DataFrame, highlight: tuple[str, Collection[str]] | None = None) -> None:
    """One table: exact text per column, human labels, right-aligned numbers, addresses
    shortened (the whole value stays in the cell's data and in the CSV), rows in `highlight`
    painted."""
    text = formatted(df)
    st.dataframe(
        styled(text, *(highlight or (None,))),
        hide_index=True,
        width="stretch",
        column_config=column_config(df),
    )


def styled(text: pl.DataFrame, column: str | None = None, values: Collection[str] = ()):
    """The pandas Styler Streamlit draws: short addresses as display values; rows whose
    `column` is one of `values` (as shown) on a red background."""
    frame = text.to_pandas()
    if frame.empty:
        return frame
    style = frame.style.format({c: short_address for c in address_columns(text)})
    if column and column in text.columns:
        marked = {("yes" if v else "no") if isinstance(v, bool) else str(v) for v in values}

        def paint(row):
            color = "background-color: #fde2e1" if row[column] in marked else ""
            return [color] * len(row)

        style = style.apply(paint, axis=1)
    return style


def highlighted(df: pl.DataFrame, column: str | None, values: Collection[str] = ()):
    """Rows whose `column` is one of `values` on a red background (breaches, breaks)."""
    return styled(df, column, values)


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
    dataframe(df, highlight)
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
