"""Overview: totals for the day, how much is spendable, where it sits, and the trend."""

from __future__ import annotations

import streamlit as st

from dashboard import chart_panels
from dashboard.cards import cards_html, headline
from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters, show_table

AMOUNTS = ["balance", "available", "pending_in", "pending_out", "frozen", "locked"]
BREAKDOWNS = {
    "location type": "location_type",
    "network": "network",
    "custody provider": "custody_provider",
    "ownership": "ownership",
}


def _sum_columns() -> str:
    return ", ".join(f"cast(sum({c}) as decimal(38, 18)) as {c}" for c in AMOUNTS)


def totals(snapshot: Snapshot, filters: Filters) -> dict:
    where, params = filters.where()
    row = snapshot.query(
        f"select {_sum_columns()}, count(*) as locations from marts.inventory_daily where {where}",
        params,
    )
    return row.to_dicts()[0]


def render(snapshot: Snapshot, filters: Filters) -> None:
    if filters.as_of_date is None:
        st.info("The snapshot holds no inventory days yet.")
        return
    st.subheader(f"Holdings at the end of {filters.as_of_date}")
    st.markdown(
        cards_html(headline(snapshot, filters), filters.all_decimals), unsafe_allow_html=True
    )

    where, params = filters.where()
    for label, column in BREAKDOWNS.items():
        st.markdown(f"**By {label}**")
        df = snapshot.query(
            f"select {column}, {_sum_columns()} from marts.inventory_daily where {where} "
            f"group by {column} order by balance desc",
            params,
        )
        show_table(df, f"holdings_by_{column}_{filters.as_of_date}", f"by-{column}")

    st.markdown("**Trend: balance by ownership**")
    where_all, params_all = filters.where(date_column=None)
    trend = snapshot.query(
        f"select as_of_date, ownership, {_sum_columns()} from marts.inventory_daily "
        f"where {where_all} group by as_of_date, ownership order by as_of_date, ownership",
        params_all,
    )
    chart_panels.overview_charts(snapshot, filters, trend)
    show_table(trend, "holdings_trend", "trend")
