"""Source freshness: when each source last loaded, and how far each network's days reach."""

from __future__ import annotations

import streamlit as st

from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters, show_table

# load_log statuses that mean rows were loaded (on-chain syncs say success, files loaded)
LOADED = ("success", "loaded")


def render_freshness(snapshot: Snapshot, filters: Filters) -> None:
    st.markdown("**Source freshness**")
    st.caption("Hours are counted up to when this snapshot was published.")
    if snapshot.has_table("audit.load_log"):
        show_table(
            snapshot.query(
                "select source, "
                "max(finished_at) filter (where status in (select unnest(?))) as last_loaded_at, "
                "date_diff('hour', max(finished_at) filter (where status in (select unnest(?))), "
                "(select published_at from meta.snapshot)) as hours_since_last_load, "
                "count(*) filter (where status in (select unnest(?))) as loads, "
                "count(*) filter (where status not in (select unnest(?))) "
                "as failed_or_quarantined, "
                "max(finished_at) as last_attempt_at "
                "from audit.load_log group by source order by source",
                [list(LOADED)] * 4,
            ),
            "source_freshness",
            "freshness",
        )
    else:
        st.caption("No load history (`audit.load_log`) in this snapshot.")
    where, params = filters.where(date_column=None)
    show_table(
        snapshot.query(
            "select network, max(as_of_date) as last_day, "
            "max(as_of_date) filter (where is_final) as last_final_day, "
            "date_diff('day', max(as_of_date), cast((select published_at from meta.snapshot) "
            "as date)) as days_behind_publish "
            f"from marts.inventory_daily where {where} group by network order by network"
            if _has_is_final(snapshot)
            else "select network, max(as_of_date) as last_day "
            f"from marts.inventory_daily where {where} group by network order by network",
            params,
        ),
        "network_days",
        "freshness-networks",
    )
    if snapshot.has_table("audit.files"):
        show_table(
            snapshot.query(
                "select source, kind, max(loaded_at) filter (where status = 'loaded') "
                "as last_file_loaded_at, "
                "count(*) filter (where status = 'loaded') as files_loaded, "
                "count(*) filter (where status = 'quarantined') as files_quarantined "
                "from audit.files group by source, kind order by source"
            ),
            "statement_files",
            "freshness-files",
        )


def _has_is_final(snapshot: Snapshot) -> bool:
    return bool(
        snapshot.scalar(
            "select count(*) from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'inventory_daily' and column_name = 'is_final'"
        )
    )
