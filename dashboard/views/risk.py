"""Risk and health: concentration against limits, client-asset coverage, stress capacity, the
health signals of inventory_health, and source freshness."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import streamlit as st

from dashboard import chart_panels
from dashboard.formatting import percent, tokens
from dashboard.paged_table import show_paged
from dashboard.snapshot import Snapshot
from dashboard.status import current_status, health_message, render_status_details
from dashboard.views.common import Filters, columns_of, needs, show_table, url_selectbox
from dashboard.views.freshness import render_freshness

ALL_DIMENSIONS = "all dimensions"
HEALTH_NOT_OK = {"warn", "alert", "short", "fail"}


def render(snapshot: Snapshot, filters: Filters) -> None:
    _concentration(snapshot, filters)
    _coverage(snapshot, filters)
    _stress_and_health(snapshot, filters)
    _liquidity(snapshot, filters)
    render_status_details(snapshot)
    render_freshness(snapshot, filters)


def _day_of(snapshot: Snapshot, table: str, as_of: date | None) -> date | None:
    """The latest day of `table` on or before the chosen day (risk marts may lag a day)."""
    if as_of is None:
        return snapshot.scalar(f"select max(as_of_date) from {table}")
    return snapshot.scalar(f"select max(as_of_date) from {table} where as_of_date <= ?", [as_of])


def _concentration(snapshot: Snapshot, filters: Filters) -> None:
    st.subheader("Concentration against limits")
    if not needs(snapshot, "marts.concentration", "Concentration"):
        return
    day = _day_of(snapshot, "marts.concentration", filters.as_of_date)
    if day is None:
        st.info("No concentration figures on or before this day.")
        return
    columns = columns_of(snapshot, "marts.concentration")
    where, params = filters.where(
        entity_column="entity" if "entity" in columns else None,
        network_column="network" if "network" in columns else None,
        date_column=None,
    )
    where += " and as_of_date = ?"
    params.append(day)
    dimensions = snapshot.query(
        "select distinct dimension from marts.concentration where as_of_date = ? order by 1", [day]
    )["dimension"].to_list()
    picked = url_selectbox("Concentration by", [ALL_DIMENSIONS, *dimensions], "conc-dim")
    if picked != ALL_DIMENSIONS:
        where += " and dimension = ?"
        params.append(picked)
    facts = snapshot.query(
        "select count(*) filter (where status = 'breach') as breaches, max(share) as top_share "
        f"from marts.concentration where {where}",
        params,
    ).row(0, named=True)
    st.caption(f"As of {day}.")
    left, right = st.columns(2)
    left.metric("Concentration breaches", facts["breaches"])
    right.metric("Largest share", percent(facts["top_share"]))
    chart_panels.exposure_charts(snapshot, where, params)
    show_paged(
        snapshot,
        f"select * from marts.concentration where {where}",
        params,
        order_by="status = 'breach' desc, share desc, dimension, dimension_value",
        name=f"concentration_{day}",
        key="concentration",
        highlight=("status", {"breach"}),
    )


def _coverage(snapshot: Snapshot, filters: Filters) -> None:
    st.subheader("Client-asset coverage")
    if not needs(snapshot, "marts.client_asset_coverage", "Client-asset coverage"):
        return
    where, params = filters.where(date_column=None)
    sums = (
        "cast(sum(client_holdings) as decimal(38, 18)) as client_holdings, "
        "cast(sum(client_liabilities) as decimal(38, 18)) as client_liabilities, "
        "cast(sum(shortfall) as decimal(38, 18)) as shortfall"
    )
    day = snapshot.query(
        f"select {sums} from marts.client_asset_coverage where {where} and as_of_date = ?",
        [*params, filters.as_of_date],
    ).row(0, named=True)
    cols = st.columns(4)
    every = filters.all_decimals
    cols[0].metric("Client holdings", tokens(day["client_holdings"] or 0, every))
    cols[1].metric("Client liabilities", tokens(day["client_liabilities"] or 0, every))
    cols[2].metric("Coverage", _ratio(day["client_holdings"], day["client_liabilities"]))
    cols[3].metric("Client shortfall", tokens(day["shortfall"] or 0, every))
    show_paged(
        snapshot,
        f"select * from marts.client_asset_coverage where {where} and as_of_date = ?",
        [*params, filters.as_of_date],
        order_by="shortfall desc, entity, network",
        name=f"client_asset_coverage_{filters.as_of_date}",
        key="coverage",
        highlight=("is_covered", {False}),
    )
    st.markdown("**Coverage over time (all selected entities and networks)**")
    history_sql = (
        f"select as_of_date, {sums} from marts.client_asset_coverage where {where} "
        "group by as_of_date"
    )
    history = snapshot.query(history_sql + " order by as_of_date", params)
    chart_panels.coverage_chart(history)
    show_paged(
        snapshot,
        history_sql,
        params,
        order_by="as_of_date desc",
        name="client_asset_coverage_by_day",
        key="coverage-history",
    )


def _ratio(numerator: Decimal | None, denominator: Decimal | None) -> str:
    if not denominator:
        return "no liabilities"
    return percent((Decimal(numerator or 0) / Decimal(denominator)).quantize(Decimal("1e-8")))


def _stress_and_health(snapshot: Snapshot, filters: Filters) -> None:
    st.subheader("Stress capacity and health signals")
    if not needs(snapshot, "marts.inventory_health", "Stress capacity and health"):
        return
    columns = columns_of(snapshot, "marts.inventory_health")
    where, params = filters.where(
        date_column=None,
        entity_column="entity" if "entity" in columns else None,
        network_column="network" if "network" in columns else None,
    )
    if "entity" not in columns:
        st.caption(
            "Health signals cover the whole operator: the entity and network filters do not apply."
        )
    day = _day_of(snapshot, "marts.inventory_health", filters.as_of_date)
    row = snapshot.query(
        f"select * from marts.inventory_health where {where} and as_of_date = ?", [*params, day]
    )
    if not row.is_empty():
        values = row.row(0, named=True)
        st.caption(f"As of {day}.")
        cols = st.columns(2) + st.columns(2)  # two by two: exact amounts are long
        cols[0].metric("Available", tokens(values.get("available_total"), filters.all_decimals))
        cols[1].metric("Withdrawal shock", tokens(values.get("shock_amount"), filters.all_decimals))
        cols[2].metric("Stress capacity", percent(values.get("stress_capacity_ratio")))
        cols[3].metric("Stress test", str(values.get("stress_status", "")))
        ok, text = health_message(
            values.get("health_status"),
            values.get("health_reasons") or "",
            current_status(snapshot),
            HEALTH_NOT_OK,
        )
        (st.success if ok else st.error)(text)
    st.markdown("**Health signals per day**")
    show_paged(
        snapshot,
        f"select * from marts.inventory_health where {where}",
        params,
        order_by="as_of_date desc",
        name="inventory_health",
        key="health",
        highlight=("health_status", HEALTH_NOT_OK) if "health_status" in columns else None,
    )


HORIZON_LABELS = {"1h": "1 hour", "24h": "24 hours", "3_business_days": "3 business days"}


def _liquidity(snapshot: Snapshot, filters: Filters) -> None:
    """marts.liquidity_horizons on the chosen day: what can be paid out as tokens, and what the
    issuer's redemption pays in USD, within each horizon (filters: entity)."""
    st.subheader("Liquidity horizons")
    if not needs(snapshot, "marts.liquidity_horizons", "Liquidity horizons"):
        return
    where, params = filters.where(date_column=None, network_column=None)
    day = _day_of(snapshot, "marts.liquidity_horizons", filters.as_of_date)
    if day is None:
        st.info("No liquidity horizons yet.")
        return
    rows = snapshot.query(
        "select horizon, horizon_end_at, "
        "cast(sum(available_total) as decimal(38, 18)) as available_total, "
        "cast(sum(spendable_units) as decimal(38, 18)) as spendable_units, "
        "cast(sum(redeemable_usd) as decimal(38, 18)) as redeemable_usd "
        f"from marts.liquidity_horizons where {where} and as_of_date = ? "
        "group by horizon, horizon_end_at order by horizon_end_at",
        [*params, day],
    )
    st.caption(
        f"As of the end of {day}: available balances that can be paid out from a hot wallet, "
        "and turned into USD with the issuer, by the end of each horizon (move and withdrawal "
        "times and business days from the configuration's `liquidity:`). Networks: all."
    )
    cols = st.columns(max(len(rows), 1))
    for col, values in zip(cols, rows.iter_rows(named=True), strict=False):
        col.metric(
            f"Spendable within {HORIZON_LABELS.get(values['horizon'], values['horizon'])}",
            tokens(values["spendable_units"], filters.all_decimals) + " USD1",
            help=f"USD from redemption by then: {tokens(values['redeemable_usd'])}",
        )
    show_table(rows, "liquidity_horizons", "liquidity")
