"""Drill-down: a location and a day to every movement there (transfers with tx hash and
counterparty, exchange entries, custodian movements, ledger entries), and a break to its two
sides and its in-transit candidates.

The choice is made with the selectboxes, which live in the query string like every filter
(dashboard/views/common.py url_state), so another page (or a colleague) can link to it:
`?page=Drill-down&drill=location&place=<network>/<location id>&day=YYYY-MM-DD`, or
`?page=Drill-down&drill=break&break_id=<id>` (`link()` writes them).
"""

from __future__ import annotations

from datetime import date
from functools import partial
from urllib.parse import urlencode

import streamlit as st

from dashboard import drilldown_queries as q
from dashboard.formatting import tokens
from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters, columns_of, needs, show_table, url_state

PAGE = "Drill-down"
MODES = {"location": "A location on a day", "break": "A break"}


def link(
    location: str | None = None,
    network: str | None = None,
    day: date | str | None = None,
    break_id: str | None = None,
) -> str:
    """A relative link to this page showing a location on a day, or a break."""
    if break_id is not None:
        params = {"page": PAGE, "drill": "break", "break_id": break_id}
    else:
        params = {"page": PAGE, "drill": "location", "place": f"{network}/{location}"}
        if day is not None:
            params["day"] = day.isoformat() if isinstance(day, date) else day
    return "?" + urlencode(params)


def render(snapshot: Snapshot, filters: Filters) -> None:
    if not needs(snapshot, q.MOVEMENTS, "The drill-down"):
        return
    modes = list(MODES)
    url_state("drill", modes, modes[0])
    mode = st.radio("Drill into", modes, format_func=MODES.get, horizontal=True, key="drill")
    if mode == "location":
        _location_day(snapshot, filters)
    else:
        _break(snapshot, filters)


def _location_day(snapshot: Snapshot, filters: Filters) -> None:
    places = q.locations(snapshot, filters)
    if places.is_empty():
        st.info("No location in the selection.")
        return
    rows = {f"{r['network']}/{r['location_id']}": r for r in places.iter_rows(named=True)}
    labels = {
        key: f"{r['location_label'] or r['location_id']} ({r['network']})"
        for key, r in rows.items()
    }
    options = list(rows)
    url_state("place", options, options[0])
    chosen = st.selectbox("Location", options, format_func=labels.get, key="place")
    row, picked = rows[chosen], labels[chosen]
    place = q.Place(row["network"], row["location_id"])
    days = q.days_of(snapshot, place)
    if not days:
        st.info("This location has no inventory day.")
        return
    url_state("day", days, filters.as_of_date if filters.as_of_date in days else days[0])
    day = st.selectbox(
        "Day (end of, reporting time zone)", days, format_func=date.isoformat, key="day"
    )

    st.subheader(f"Movements of {picked} on {day}")
    st.caption(f"Location id `{place.location_id}`")
    held = q.position(snapshot, place, day)
    amount = partial(tokens, all_decimals=filters.all_decimals)
    if held is not None:
        cols = st.columns(4)
        cols[0].metric("Balance at the end of the day", amount(held.get("balance")))
        cols[1].metric("Available", amount(held.get("available")))
        cols[2].metric("Inflow", amount(held.get("inflow")))
        cols[3].metric("Outflow", amount(held.get("outflow")))
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
    rows = {r["break_id"]: r for r in register.iter_rows(named=True)}
    labels = {
        key: f"{r['comparison']} · {r['location_label']} ({r['network']}) · opened "
        f"{r['opened_date']} · {r['status']}"
        for key, r in rows.items()
    }
    options = list(rows)
    url_state("break_id", options, options[0])
    chosen = st.selectbox("Break", options, format_func=labels.get, key="break_id")
    picked = labels[chosen]
    brk = q.break_row(snapshot, chosen)

    start, end = q.break_window(snapshot, brk)
    left, right = q.side_sources(snapshot, brk)
    st.subheader(f"Break {brk['break_id']}: {brk['comparison']} at {picked.split(' · ')[1]}")
    sides = q.break_sides(snapshot, brk)
    latest = sides.row(-1, named=True) if sides.height else {}
    figure = {**latest, **{k: v for k, v in brk.items() if v is not None}}
    amount = partial(tokens, all_decimals=filters.all_decimals)
    cols = st.columns(4)
    cols[0].metric(f"Left: {left or 'left'}", amount(figure.get("left_balance")))
    cols[1].metric(f"Right: {right or 'right'}", amount(figure.get("right_balance")))
    cols[2].metric("Explained in transit", amount(figure.get("explained_in_transit")))
    cols[3].metric("Unexplained", amount(figure.get("unexplained_difference")))
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
