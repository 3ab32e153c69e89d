"""Drill-down: a location and a day to every movement there (transfers with tx hash and
counterparty, exchange entries, custodian movements, ledger entries), and a break to its two
sides and its in-transit candidates.

The choice is made with the selectboxes or read from the query string, so another page (or a
colleague) can link to it: `?page=Drill-down&location=<id>&network=<net>&day=YYYY-MM-DD`, or
`?page=Drill-down&break_id=<id>`. The page writes its choice back into the query string.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

import streamlit as st

from dashboard import drilldown_queries as q
from dashboard.formatting import token_units
from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters, columns_of, needs, show_table

PAGE = "Drill-down"
LOCATION_MODE, BREAK_MODE = "A location on a day", "A break"


def link(**params: str | date) -> str:
    """A relative link to this page with its choice in the query string."""
    values = {k: v.isoformat() if isinstance(v, date) else str(v) for k, v in params.items()}
    return "?" + urlencode({"page": PAGE, **values})


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value or None


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def render(snapshot: Snapshot, filters: Filters) -> None:
    if not needs(snapshot, q.MOVEMENTS, "The drill-down"):
        return
    modes = [LOCATION_MODE, BREAK_MODE]
    mode = st.radio(
        "Drill into",
        modes,
        index=1 if _param("break_id") and not _param("location") else 0,
        horizontal=True,
        key="drill-mode",
    )
    if mode == LOCATION_MODE:
        _location_day(snapshot, filters)
    else:
        _break(snapshot, filters)


def _location_day(snapshot: Snapshot, filters: Filters) -> None:
    places = q.locations(snapshot, filters)
    if places.is_empty():
        st.info("No location in the selection.")
        return
    rows = list(places.iter_rows(named=True))
    labels = [f"{r['location_label'] or r['location_id']} ({r['network']})" for r in rows]
    wanted, wanted_network = _param("location"), _param("network")
    index = next(
        (
            i
            for i, r in enumerate(rows)
            if r["location_id"] == wanted and wanted_network in (None, r["network"])
        ),
        0,
    )
    picked = st.selectbox("Location", labels, index=index, key="drill-location")
    row = rows[labels.index(picked)]
    place = q.Place(row["network"], row["location_id"])
    days = q.days_of(snapshot, place)
    if not days:
        st.info("This location has no inventory day.")
        return
    wanted_day = _parse_day(_param("day")) or filters.as_of_date
    day = st.selectbox(
        "Day (end of, reporting time zone)",
        days,
        index=days.index(wanted_day) if wanted_day in days else 0,
        format_func=date.isoformat,
        key="drill-day",
    )
    st.query_params.update(
        {"location": place.location_id, "network": place.network, "day": day.isoformat()}
    )
    st.query_params.pop("break_id", None)

    st.subheader(f"Movements of {picked} on {day}")
    st.caption(f"Location id `{place.location_id}`")
    held = q.position(snapshot, place, day)
    if held is not None:
        cols = st.columns(4)
        cols[0].metric("Balance at the end of the day", token_units(held.get("balance")))
        cols[1].metric("Available", token_units(held.get("available")))
        cols[2].metric("Inflow", token_units(held.get("inflow")))
        cols[3].metric("Outflow", token_units(held.get("outflow")))
    totals = q.movement_totals(snapshot, place, day)
    if totals.is_empty():
        st.info(f"No movement recorded at this location on {day}.")
        return
    st.markdown("**Per source**")
    show_table(totals, f"movement_totals_{place.location_id}_{day}", "drill-totals")
    st.markdown("**Every movement (transfers, exchange entries, custodian movements, ledger)**")
    show_table(
        q.movements(snapshot, place, day),
        f"movements_{place.location_id}_{day}",
        "drill-movements",
    )


def _break(snapshot: Snapshot, filters: Filters) -> None:
    if not needs(snapshot, q.BREAKS, "A break's drill-down"):
        return
    columns = columns_of(snapshot, q.BREAKS)
    if "break_id" not in columns:
        st.info(f"`{q.BREAKS}` has no break_id in this warehouse yet.")
        return
    register = q.breaks(snapshot, filters, columns)
    if register.is_empty():
        st.info("No break in the selection.")
        return
    rows = list(register.iter_rows(named=True))
    labels = [
        f"{r['comparison']} · {r['location_label']} ({r['network']}) · opened "
        f"{r['opened_date']} · {r['status']}"
        for r in rows
    ]
    wanted = _param("break_id")
    index = next((i for i, r in enumerate(rows) if r["break_id"] == wanted), 0)
    picked = st.selectbox("Break", labels, index=index, key="drill-break")
    brk = q.break_row(snapshot, rows[labels.index(picked)]["break_id"])
    st.query_params.update({"break_id": brk["break_id"]})
    for name in ("location", "network", "day"):
        st.query_params.pop(name, None)

    start, end = q.break_window(snapshot, brk)
    left, right = q.side_sources(snapshot, brk)
    st.subheader(f"Break {brk['break_id']}: {brk['comparison']} at {picked.split(' · ')[1]}")
    sides = q.break_sides(snapshot, brk)
    latest = sides.row(-1, named=True) if sides.height else {}
    figure = {**latest, **{k: v for k, v in brk.items() if v is not None}}
    cols = st.columns(4)
    cols[0].metric(f"Left: {left or 'left'}", token_units(figure.get("left_balance")))
    cols[1].metric(f"Right: {right or 'right'}", token_units(figure.get("right_balance")))
    cols[2].metric("Explained in transit", token_units(figure.get("explained_in_transit")))
    cols[3].metric("Unexplained", token_units(figure.get("unexplained_difference")))
    if brk.get("description"):
        st.markdown(brk["description"])
    to_day = link(location=brk["location_id"], network=brk["network"], day=end)
    st.markdown(f"[Movements at this location on {end}]({to_day})")
    st.markdown(f"**Both sides day by day, {start} to {end}**")
    show_table(sides, f"break_{brk['break_id']}_sides", "drill-sides")
    for side_name, side in (("Left", left), ("Right", right)):
        st.markdown(f"**{side_name} side: what {side or 'it'} recorded at the location**")
        if q.movement_source(side) is None:
            st.caption(f"{side} is a computed figure: no movements of its own.")
            continue
        show_table(
            q.side_movements(snapshot, brk, side),
            f"break_{brk['break_id']}_{side}",
            f"drill-side-{side_name.lower()}",
        )
    st.markdown("**In-transit candidates**")
    if brk.get("in_transit_items"):
        st.caption(f"The register's in-transit items: {brk['in_transit_items']}")
    show_table(
        q.in_transit_candidates(snapshot, brk),
        f"break_{brk['break_id']}_in_transit",
        "drill-in-transit",
    )
