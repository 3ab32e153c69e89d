"""Valuation: fair value per period end under the configured basis, price, source, depeg."""

from __future__ import annotations

import streamlit as st

from dashboard import chart_panels
from dashboard.formatting import tokens, usd, usd_price
from dashboard.paged_table import show_paged
from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters, columns_of, needs, url_selectbox


def render(snapshot: Snapshot, filters: Filters) -> None:
    if not needs(snapshot, "marts.fair_value", "Valuation"):
        return
    columns = columns_of(snapshot, "marts.fair_value")
    period_types = snapshot.query(
        "select distinct period_type from marts.fair_value order by period_type"
    )["period_type"].to_list()
    if not period_types:
        st.info("No period end has been valued yet.")
        return
    period_type = url_selectbox("Period type", period_types, "valuation-type")
    where, params = filters.where(
        date_column=None,
        entity_column="entity" if "entity" in columns else None,
        network_column="network" if "network" in columns else None,
    )
    where += " and period_type = ?"
    params.append(period_type)
    if filters.as_of_date is not None:
        where += " and period_end_date <= ?"
        params.append(filters.as_of_date)
    end = snapshot.scalar(
        f"select max(period_end_date) from marts.fair_value where {where}", params
    )
    if end is None:
        st.info("No period end on or before this day for the selection.")
        return
    latest = snapshot.query(
        "select cast(sum(units) as decimal(38, 18)) as units, "
        "cast(sum(fair_value_usd) as decimal(38, 6)) as fair_value_usd, "
        "arg_max(price_usd, units) as price_usd, arg_max(price_source, units) as price_source, "
        "arg_max(depeg_bps, units) as depeg_bps "
        f"from marts.fair_value where {where} and period_end_date = ?",
        [*params, end],
    ).row(0, named=True)
    st.subheader(f"Fair value at {end}")
    cols = st.columns(4)
    priced = latest["price_usd"] is not None
    source = f" ({latest['price_source']})" if latest["price_source"] else ""
    cols[0].metric("Fair value (USD)", usd(latest["fair_value_usd"]) if priced else "no price")
    cols[1].metric("Units", tokens(latest["units"], filters.all_decimals))
    cols[2].metric(f"Price{source}", usd_price(latest["price_usd"]) if priced else "no price")
    cols[3].metric("Depeg (bps)", tokens(latest["depeg_bps"]) if priced else "no price")
    # the figures first (units, price, value, depeg), then the metadata
    first = [
        c
        for c in ("period_end_date", "units", "price_usd", "fair_value_usd", "depeg_bps")
        if c in columns
    ]
    ordered = ", ".join([*first, *(c for c in columns if c not in first)])
    show_paged(
        snapshot,
        f"select {ordered} from marts.fair_value where {where}",
        params,
        order_by="period_end_date desc, entity, ownership",
        name=f"fair_value_{period_type}",
        key="fair-value",
    )
    _depeg_chart(snapshot, where, params)


def _depeg_chart(snapshot: Snapshot, where: str, params: list) -> None:
    st.markdown("**Depeg over time (basis points from $1, by price source)**")
    depeg = snapshot.query(
        "select distinct period_end_date, price_source, depeg_bps from marts.fair_value "
        f"where {where} and depeg_bps is not null order by period_end_date",
        params,
    )
    if depeg.is_empty():
        st.caption("No prices in the selection.")
        return
    chart_panels.depeg_chart(depeg)
