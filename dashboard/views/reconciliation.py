"""Reconciliation: every comparison's status per location and day, and the open breaks."""

from __future__ import annotations

import streamlit as st

from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters, needs, show_table


def render(snapshot: Snapshot, filters: Filters) -> None:
    if not needs(snapshot, "marts.reconciliation", "Reconciliation"):
        return
    where, params = filters.where()
    df = snapshot.query(
        f"select * from marts.reconciliation where {where} "
        "order by status desc, comparison, network, location_id",
        params,
    )
    st.subheader(f"Comparisons at the end of {filters.as_of_date}")
    if df.is_empty():
        st.info("No comparison for this day and selection.")
    else:
        counts = df.group_by("status").len().sort("status")
        st.write(", ".join(f"{r['status']}: {r['len']}" for r in counts.iter_rows(named=True)))
    show_table(df, f"reconciliation_{filters.as_of_date}", "recon")
    st.markdown("**Status over time**")
    history_where, history_params = filters.where(date_column=None)
    history = snapshot.query(
        "select as_of_date, comparison, status, count(*) as locations from marts.reconciliation "
        f"where {history_where} group by all order by as_of_date desc, comparison, status",
        history_params,
    )
    show_table(history, "reconciliation_status_by_day", "recon-history")
    if snapshot.has_table("marts.reconciliation_breaks"):
        st.markdown("**Open breaks**")
        show_table(
            snapshot.query("select * from marts.reconciliation_breaks"), "open_breaks", "breaks"
        )
