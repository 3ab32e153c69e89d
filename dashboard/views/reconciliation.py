"""Reconciliation: every comparison's status per location and day, and the open breaks."""

from __future__ import annotations

import polars as pl
import streamlit as st

from dashboard import chart_panels
from dashboard.formatting import tokens
from dashboard.paged_table import show_paged
from dashboard.snapshot import Snapshot
from dashboard.views import drilldown
from dashboard.views.common import (
    Filters,
    columns_of,
    needs,
    show_table,
    url_multiselect,
    url_selectbox,
)

STATUSES = ("matched", "explained", "break")
# the break register (marts.reconciliation_breaks): statuses and age buckets, open ones first
REGISTER_STATUSES = ("open", "investigating", "explained", "resolved", "written_off")
OPEN_STATUSES = ("open", "investigating", "explained")
AGE_BUCKETS = ("0-1", "2-7", "8-30", ">30")
NO_OWNER = "(no owner)"
BREAK_HIGHLIGHT = ("status", {"break"})


def _comparison_filter(snapshot: Snapshot) -> list[str]:
    comparisons = snapshot.query("select distinct comparison from marts.reconciliation order by 1")[
        "comparison"
    ].to_list()
    return url_multiselect("Comparison", comparisons, comparisons, "recon-comparison")


def _status_counts() -> str:
    return ", ".join(f"count(*) filter (where status = '{s}') as {s}" for s in STATUSES)


def render(snapshot: Snapshot, filters: Filters) -> None:
    if not needs(snapshot, "marts.reconciliation", "Reconciliation"):
        return
    if filters.as_of_date is None:
        st.info("The snapshot holds no inventory days yet.")
        return
    comparisons = _comparison_filter(snapshot)
    where, params = filters.where()
    where += " and comparison in (select unnest(?))"
    params.append(comparisons)

    _register_headline(snapshot, filters, comparisons)
    st.subheader(f"Comparisons at the end of {filters.as_of_date}")
    summary = snapshot.query(
        f"select comparison, {_status_counts()}, "
        "cast(coalesce(sum(abs(unexplained_difference)) filter (where status = 'break'), 0) "
        "as decimal(38, 18)) as unexplained_in_breaks "
        f"from marts.reconciliation where {where} group by comparison order by comparison",
        params,
    )
    if summary.is_empty():
        st.info("No comparison for this day and selection.")
    else:
        totals = {s: int(summary[s].sum()) for s in STATUSES}
        st.markdown(", ".join(f"{s}: {n}" for s, n in sorted(totals.items()) if n))
        left, right = st.columns(2)
        left.metric("Breaks on this day", totals["break"])
        right.metric(
            "Unexplained in this day's breaks",
            tokens(sum(summary["unexplained_in_breaks"].to_list()), filters.all_decimals),
        )
    show_table(summary, f"reconciliation_summary_{filters.as_of_date}", "recon-summary")

    st.markdown("**Every location compared**")
    shown = show_paged(
        snapshot,
        f"select * from marts.reconciliation where {where}",
        params,
        order_by="status = 'break' desc, status, comparison, network, location_id",
        name=f"reconciliation_{filters.as_of_date}",
        key="recon",
        highlight=BREAK_HIGHLIGHT,
    )
    _location_history(snapshot, shown, comparisons)

    _status_over_time(snapshot, filters, comparisons)
    _open_breaks(snapshot, filters, comparisons)


def _register_headline(snapshot: Snapshot, filters: Filters, comparisons: list[str]) -> None:
    """What is open now, from the break register (not the chosen day's comparisons): a day
    without a break row must not read as "no breaks" while the register holds open ones."""
    if not snapshot.has_table("marts.reconciliation_breaks"):
        return
    columns = columns_of(snapshot, "marts.reconciliation_breaks")
    where, params = filters.where(date_column=None)
    if "is_open" in columns or "status" not in columns:  # without either: open ones only
        is_open, open_params = ("is_open" if "is_open" in columns else "true"), []
    else:
        is_open, open_params = "status in (select unnest(?))", [list(OPEN_STATUSES)]
    age = _first(columns, "age_days", "break_age_days")
    overdue = "is_overdue" if "is_overdue" in columns else "false"
    facts = snapshot.query(
        f"select count(*) as open, max({age}) as oldest, "
        f"count(*) filter (where {overdue}) as overdue, "
        "cast(coalesce(sum(abs(unexplained_difference)), 0) as decimal(38, 18)) as unexplained "
        f"from marts.reconciliation_breaks where {is_open} and {where} "
        "and comparison in (select unnest(?))",
        [*open_params, *params, comparisons],
    ).row(0, named=True)
    st.subheader("Open breaks now (the register)")
    cols = st.columns(4)
    cols[0].metric("Open breaks in the register", facts["open"])
    cols[1].metric("Oldest open break (days)", "" if facts["oldest"] is None else facts["oldest"])
    cols[2].metric("Overdue breaks", facts["overdue"])
    cols[3].metric(
        "Unexplained in open breaks (register)",
        tokens(facts["unexplained"], filters.all_decimals),
    )


def _status_over_time(snapshot: Snapshot, filters: Filters, comparisons: list[str]) -> None:
    st.markdown("**Status over time (locations per status and day)**")
    where, params = filters.where(date_column=None)
    sql = (
        f"select as_of_date, comparison, {_status_counts()} from marts.reconciliation "
        f"where {where} and comparison in (select unnest(?)) group by as_of_date, comparison"
    )
    params = [*params, comparisons]
    history = snapshot.query(sql + " order by as_of_date, comparison", params)
    chart_panels.breaks_history_chart(history)
    # one row per day and comparison: small enough to show whole, from the same query
    show_table(
        history.sort(["as_of_date", "comparison"], descending=[True, False]),
        "reconciliation_status_by_day",
        "recon-history",
    )


def _location_history(snapshot: Snapshot, shown: pl.DataFrame, comparisons: list[str]) -> None:
    """Day by day, every comparison of one location shown above."""
    if shown.is_empty():
        return
    places = shown.select("network", "location_id").unique(maintain_order=True)
    labels = [f"{r['location_id']} ({r['network']})" for r in places.iter_rows(named=True)]
    picked = url_selectbox("Status history of", labels, "recon-location")
    place = places.row(labels.index(picked), named=True)
    show_paged(
        snapshot,
        "select as_of_date, comparison, status, left_balance, right_balance, difference, "
        "explained_in_transit, unexplained_difference, break_age_days "
        "from marts.reconciliation where network = ? and location_id = ? "
        "and comparison in (select unnest(?))",
        [place["network"], place["location_id"], comparisons],
        order_by="as_of_date desc, comparison",
        name=f"reconciliation_history_{place['location_id']}",
        key="recon-location-history",
        highlight=BREAK_HIGHLIGHT,
    )


def _first(columns: list[str], *names: str) -> str | None:
    return next((n for n in names if n in columns), None)


def _open_breaks(snapshot: Snapshot, filters: Filters, comparisons: list[str]) -> None:
    st.markdown("**Open breaks**")
    if snapshot.has_table("marts.reconciliation_breaks"):
        table = "marts.reconciliation_breaks"
        columns = columns_of(snapshot, table)
        where, params = filters.where(
            date_column=None,
            entity_column=_first(columns, "entity"),
            network_column=_first(columns, "network"),
        )
        if "comparison" in columns:
            where += " and comparison in (select unnest(?))"
            params.append(comparisons)
        if {"status", "owner", "age_bucket"} <= set(columns):
            where, params = _register_filters(snapshot, table, where, params)
        sql = f"select * from {table} where {where}"
    else:
        st.caption(
            "From the reconciliation on the latest day (`marts.reconciliation_breaks`, with "
            "in-transit items and descriptions, is not published yet)."
        )
        where, params = filters.where(date_column=None)
        sql = (
            "select * from marts.reconciliation where status = 'break' and as_of_date = "
            f"(select max(as_of_date) from marts.reconciliation) and {where} "
            "and comparison in (select unnest(?))"
        )
        params.append(comparisons)
        columns = columns_of(snapshot, "marts.reconciliation")
    age = _first(columns, "break_age_days", "age_days")
    unexplained = _first(
        columns, "unexplained_difference", "unexplained_amount", "unexplained", "difference"
    )
    facts = snapshot.query(
        "select "
        + (
            "count(*) filter (where is_open) as breaks, "
            if "is_open" in columns
            else "count(*) as breaks, "
        )
        + (f"max({age}) as oldest, " if age else "null as oldest, ")
        + (
            f"cast(sum(abs({unexplained})) as decimal(38, 18)) as unexplained "
            if unexplained
            else "null as unexplained "
        )
        + f"from ({sql})",
        params,
    ).row(0, named=True)
    cols = st.columns(3)
    cols[0].metric("Open breaks", facts["breaks"])
    cols[1].metric("Oldest break (days)", "" if facts["oldest"] is None else facts["oldest"])
    unexplained = tokens(facts["unexplained"] or 0, filters.all_decimals)
    cols[2].metric("Unexplained in open breaks", unexplained)
    chart_panels.breaks_age_chart(snapshot, sql, params, columns)
    order = ", ".join(
        x for x in (f"{age} desc nulls last" if age else "", _first(columns, "location_id")) if x
    )
    page = show_paged(
        snapshot,
        sql,
        params,
        order_by=order or "1",
        name="open_breaks",
        key="breaks",
    )
    _describe(page, columns)


def _register_filters(snapshot: Snapshot, table: str, where: str, params: list) -> tuple[str, list]:
    """The register's filters: status (open ones by default), owner and age bucket."""
    st.caption(
        "The break register: one row per break, open and closed, worked with "
        "`usd1inv breaks` (assign, note, resolve, write-off); actions after the last build "
        "show at the next one."
    )
    owners = snapshot.query(
        f"select distinct coalesce(owner, '{NO_OWNER}') as owner from {table} order by 1"
    )["owner"].to_list()
    left, middle, right = st.columns(3)
    statuses = url_multiselect(
        "Status", list(REGISTER_STATUSES), list(OPEN_STATUSES), "breaks-status", left
    )
    picked_owners = url_multiselect("Owner", owners, owners, "breaks-owner", middle)
    buckets = url_multiselect(
        "Age (days)", list(AGE_BUCKETS), list(AGE_BUCKETS), "breaks-age", right
    )
    where += (
        " and status in (select unnest(?))"
        f" and coalesce(owner, '{NO_OWNER}') in (select unnest(?))"
        " and age_bucket in (select unnest(?))"
    )
    return where, [*params, statuses, picked_owners, buckets]


def _describe(page: pl.DataFrame, columns: list[str]) -> None:
    """What to do about each break on the page, in words (no links to follow)."""
    text = _first(columns, "description", "break_description")
    if not text or page.is_empty():
        return
    with st.expander("What to do about these breaks", expanded=False):
        for row in page.iter_rows(named=True):
            where = row.get("location_label") or row.get("location_id") or ""
            more = ""
            if row.get("break_id"):
                to_break = drilldown.link(break_id=row["break_id"])
                more = f" [Both sides and in-transit candidates]({to_break})"
            st.markdown(f"- **{where}** ({row.get('comparison', '')}): {row[text]}{more}")
