"""Locations: every wallet and account with its purpose, controller and position, and history."""

from __future__ import annotations

import streamlit as st

from dashboard.snapshot import Snapshot
from dashboard.views import drilldown
from dashboard.views.common import Filters, show_table, url_selectbox


def render(snapshot: Snapshot, filters: Filters) -> None:
    if filters.as_of_date is None:
        st.info("The snapshot holds no inventory days yet.")
        return
    where, params = filters.where()
    df = snapshot.query(
        # the figures first, then what the location is (the address shortened on screen)
        "select location_label, network, balance, available, pending_in, pending_out, frozen, "
        "locked, location_type, location_id, purpose, custody_provider as controller, "
        "ownership, entity, last_movement_at "
        f"from marts.inventory_daily where {where} order by balance desc, location_label",
        params,
    )
    st.subheader(f"{df.height} locations at the end of {filters.as_of_date}")
    show_table(df, f"locations_{filters.as_of_date}", "locations")
    if df.is_empty():
        return
    labels = [f"{r['location_label']} ({r['network']})" for r in df.iter_rows(named=True)]
    picked = url_selectbox("History of", labels, "location")
    row = df.row(labels.index(picked), named=True)
    to_day = drilldown.link(
        location=row["location_id"], network=row["network"], day=filters.as_of_date
    )
    st.markdown(f"[Every movement of {picked} on {filters.as_of_date}]({to_day})")
    history = snapshot.query(
        "select as_of_date, balance, available, pending_in, pending_out, inflow, outflow, "
        "transfer_count from marts.inventory_daily where network = ? and location_id = ? "
        "order by as_of_date desc",
        [row["network"], row["location_id"]],
    )
    show_table(history, f"history_{row['location_label']}", "history")
