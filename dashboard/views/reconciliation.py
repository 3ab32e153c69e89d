"""Reconciliation: every comparison's status per location and day, and the open breaks."""

from __future__ import annotations

import streamlit as st

from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters, needs, show_table


def render(snapshot: Snapshot, filters: Filters) -> None:
    if not needs(snapshot, "marts.reconciliation", "Reconciliation"):
        return
    df = snapshot.query(
        "select * from marts.reconciliation where as_of_date = ? order by status desc, location_id",
        [filters.as_of_date],
    )
    counts = df.group_by("status").len().sort("status") if not df.is_empty() else df
    st.subheader(f"Comparisons at the end of {filters.as_of_date}")
    if not df.is_empty():
        st.write(", ".join(f"{r['status']}: {r['len']}" for r in counts.iter_rows(named=True)))
    show_table(df, f"reconciliation_{filters.as_of_date}", "recon")
    if snapshot.has_table("marts.reconciliation_breaks"):
        st.markdown("**Open breaks**")
        show_table(
            snapshot.query("select * from marts.reconciliation_breaks"), "open_breaks", "breaks"
        )
