"""Risk and health: concentration against limits, client-asset coverage, health signals."""

from __future__ import annotations

import streamlit as st

from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters, show_table

TABLES = {
    "marts.concentration": "Concentration against limits",
    "marts.client_asset_coverage": "Client-asset coverage",
    "marts.inventory_health": "Health signals",
}


def render(snapshot: Snapshot, filters: Filters) -> None:
    shown = 0
    for table, title in TABLES.items():
        if snapshot.has_table(table):
            st.markdown(f"**{title}**")
            show_table(snapshot.query(f"select * from {table}"), table.split(".")[1], table)
            shown += 1
    if not shown:
        st.info(
            "Risk and health need `marts.concentration`, `marts.client_asset_coverage` and "
            "`marts.inventory_health`, which this warehouse does not have yet."
        )
    if snapshot.has_table("audit.load_log"):
        st.markdown("**Source freshness (last load per source)**")
        show_table(
            snapshot.query(
                "select source, max(finished_at) as last_loaded_at, count(*) as loads "
                "from audit.load_log where status = 'success' group by source order by source"
            ),
            "source_freshness",
            "freshness",
        )
