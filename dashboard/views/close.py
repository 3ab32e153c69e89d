"""Close: which periods are closed, by whom and when, their content hash, late-data adjustments."""

from __future__ import annotations

import streamlit as st

from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters, needs, show_table


def render(snapshot: Snapshot, filters: Filters) -> None:
    if snapshot.has_table("marts.inventory_rollforward"):
        where, params = filters.where(date_column=None)
        periods = snapshot.query(
            "select period, period_type, period_start_date, period_end_date, "
            "is_period_complete, count(*) as locations, "
            "cast(sum(opening_balance) as decimal(38, 18)) as opening_balance, "
            "cast(sum(closing_balance) as decimal(38, 18)) as closing_balance "
            f"from marts.inventory_rollforward where {where} group by all "
            "order by period_type, period_start_date desc",
            params,
        )
        st.markdown("**Periods in the warehouse**")
        show_table(periods, "periods", "periods")
    if needs(snapshot, "audit.closed_periods", "The list of closed periods"):
        closed = snapshot.query("select * from audit.closed_periods order by 1 desc")
        show_table(closed, "closed_periods", "closed")
