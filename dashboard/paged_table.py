"""A detail table of any size: counted and paged in DuckDB, the whole of it downloadable as CSV.

Only one page of rows ever reaches Python; the CSV of every row matching the filters is
written when the button is clicked (a deferred download), not on every rerun.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import polars as pl
import streamlit as st

from dashboard.snapshot import Snapshot
from dashboard.views.common import csv_bytes, dataframe

PAGE_SIZE = 100


def csv_of(snapshot: Snapshot, sql: str, params: list[Any], order_by: str) -> bytes:
    """Every row of the query, exact values, in the order shown."""
    return csv_bytes(snapshot.query(f"select * from ({sql}) order by {order_by}", params))


def show_paged(
    snapshot: Snapshot,
    sql: str,
    params: list[Any],
    *,
    order_by: str,
    name: str,
    key: str,
    highlight: tuple[str, Collection[str]] | None = None,
    page_size: int = PAGE_SIZE,
) -> pl.DataFrame:
    """Show one page of `sql` (ordered by `order_by`) and offer all of it as CSV; return the
    page shown (exact values)."""
    total = snapshot.scalar(f"select count(*) from ({sql})", params) or 0
    pages = max(1, -(-total // page_size))
    page = 1
    if pages > 1:
        page = int(
            st.number_input(
                f"Page of {name} (1 to {pages})", 1, pages, 1, step=1, key=f"page-{key}"
            )
        )
    offset = (page - 1) * page_size
    rows = snapshot.query(
        f"select * from ({sql}) order by {order_by} limit {page_size} offset {offset}", params
    )
    if total > page_size:
        st.caption(f"Rows {offset + 1:,} to {offset + rows.height:,} of {total:,}")
    dataframe(rows, highlight)
    st.download_button(
        f"Download {name} (CSV)",
        data=lambda: csv_of(snapshot, sql, params, order_by),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"download-{key}",
        on_click="ignore",
    )
    return rows
