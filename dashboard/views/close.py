"""Close: which periods are closed, by whom and when, their content hash, late-data adjustments."""

from __future__ import annotations

import streamlit as st

from dashboard.formatting import tokens
from dashboard.paged_table import show_paged
from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters, columns_of, needs, show_table, url_selectbox

ALL = "all"


def render(snapshot: Snapshot, filters: Filters) -> None:
    period_type = url_selectbox("Period type", [ALL, "month", "quarter"], "close-type")
    _periods_in_warehouse(snapshot, filters, period_type)
    _closed_periods(snapshot, period_type)
    _adjustments(snapshot, filters)
    _actions(snapshot)
    if snapshot.has_table("audit.close_events"):
        st.markdown("**Close events**")
        show_paged(
            snapshot,
            "select * from audit.close_events",
            [],
            order_by="1 desc",
            name="close_events",
            key="close-events",
        )


def _type_clause(period_type: str) -> tuple[str, list]:
    if period_type == ALL:
        return "true", []
    return "period_type = ?", [period_type]


def _periods_in_warehouse(snapshot: Snapshot, filters: Filters, period_type: str) -> None:
    if not snapshot.has_table("marts.inventory_rollforward"):
        return
    where, params = filters.where(date_column=None)
    type_where, type_params = _type_clause(period_type)
    periods = snapshot.query(
        "select period, period_type, period_start_date, period_end_date, "
        "is_period_complete, count(*) as locations, "
        "cast(sum(opening_balance) as decimal(38, 18)) as opening_balance, "
        "cast(sum(closing_balance) as decimal(38, 18)) as closing_balance "
        f"from marts.inventory_rollforward where {where} and {type_where} group by all "
        "order by period_type, period_start_date desc",
        [*params, *type_params],
    )
    st.markdown("**Periods in the warehouse**")
    show_table(periods, "periods", "periods")


def _closed_periods(snapshot: Snapshot, period_type: str) -> None:
    st.subheader("Closed periods")
    if not needs(snapshot, "audit.closed_periods", "The list of closed periods"):
        return
    where, params = _type_clause(period_type)
    facts = snapshot.query(
        "select count(*) filter (where status = 'closed') as closed, "
        "arg_max(period, (period_end_date, period_start_date)) "
        "filter (where status = 'closed') as latest "
        f"from audit.closed_periods where {where}",
        params,
    ).row(0, named=True)
    left, right = st.columns(2)
    left.metric("Closed periods", facts["closed"])
    right.metric("Latest closed period", facts["latest"] or "none")
    order = "period_end_date desc, period_type" if _has(snapshot, "period_end_date") else "1 desc"
    show_paged(
        snapshot,
        f"select * from audit.closed_periods where {where}",
        params,
        order_by=order,
        name="closed_periods",
        key="closed",
        highlight=("status", {"reopened"}),
    )


def _has(snapshot: Snapshot, column: str) -> bool:
    return column in columns_of(snapshot, "audit.closed_periods")


def _adjustments(snapshot: Snapshot, filters: Filters) -> None:
    st.subheader("Late-data adjustments")
    if not needs(snapshot, "audit.period_adjustments", "Late-data adjustments"):
        return
    columns = columns_of(snapshot, "audit.period_adjustments")
    where, params = filters.where(
        date_column=None,
        entity_column="entity" if "entity" in columns else None,
        network_column="network" if "network" in columns else None,
    )
    if "closed_period" in columns:
        closed = snapshot.query(
            "select distinct closed_period from audit.period_adjustments order by 1 desc"
        )["closed_period"].to_list()
        picked = url_selectbox("Closed period adjusted", [ALL, *closed], "adjusted-period")
        if picked != ALL:
            where += " and closed_period = ?"
            params.append(picked)
    sql = f"select * from audit.period_adjustments where {where}"
    facts = snapshot.query(
        "select count(*) as adjustments, "
        + (
            "cast(sum(adjustment) as decimal(38, 18)) as net"
            if "adjustment" in columns
            else "null as net"
        )
        + f" from ({sql})",
        params,
    ).row(0, named=True)
    st.caption(
        "Data that arrived after a period was closed: the closed figures stay as they were, the "
        "difference is reported in the first open period."
    )
    left, right = st.columns(2)
    left.metric("Adjustments", facts["adjustments"])
    right.metric("Net adjustment (token units)", tokens(facts["net"] or 0, filters.all_decimals))
    order = "detected_at desc" if "detected_at" in columns else "1 desc"
    show_paged(snapshot, sql, params, order_by=order, name="period_adjustments", key="adjustments")


def _actions(snapshot: Snapshot) -> None:
    """audit.actions: every state-changing command, allowed, refused or failed."""
    st.subheader("Audit log of actions")
    if not needs(snapshot, "audit.actions", "The audit log of actions"):
        return
    st.caption(
        "Who ran which command that changes state (close, approve, reopen, breaks, runs, "
        "retention), in which role, with its arguments and outcome; refused attempts included."
    )
    show_paged(
        snapshot,
        "select recorded_at, actor, os_user, role, command, outcome, message, arguments_json "
        "from audit.actions",
        [],
        order_by="recorded_at desc",
        name="actions",
        key="actions",
        highlight=("outcome", {"refused", "failed"}),
    )
