"""The charts on the pages: each panel queries the published snapshot (aggregated in DuckDB, one
row per day and series) and draws a spec of dashboard/charts.py. The pages call one function
per panel; the specs themselves are pure and unit-tested."""

from __future__ import annotations

import os
from decimal import Decimal
from functools import lru_cache

import polars as pl
import streamlit as st

from dashboard import charts
from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters

DEFAULT_DEPEG_BAND_BPS = Decimal(50)  # ingestion/valuation.py's default
EXPOSURE_DIMENSIONS = ("location", "custody_provider", "network")


def show(chart, key: str) -> None:
    """Draw a chart (nothing when the spec is None: no data for it)."""
    if chart is not None:
        st.altair_chart(chart, width="stretch", key=f"chart-{key}")


def _sum(column: str) -> str:
    return f"cast(sum({column}) as decimal(38, 18)) as {column}"


def balance_by(snapshot: Snapshot, filters: Filters, dimension: str) -> pl.DataFrame:
    """Balance per day and value of `dimension`, all days, the entity/network filters applied."""
    where, params = filters.where(date_column=None)
    return snapshot.query(
        f"select as_of_date, {dimension}, {_sum('balance')} from marts.inventory_daily "
        f"where {where} group by as_of_date, {dimension} order by as_of_date, {dimension}",
        params,
    )


def availability(snapshot: Snapshot, filters: Filters) -> pl.DataFrame:
    where, params = filters.where(date_column=None)
    sums = ", ".join(_sum(c) for c in charts.AVAILABILITY)
    return snapshot.query(
        f"select as_of_date, {sums} from marts.inventory_daily where {where} "
        "group by as_of_date order by as_of_date",
        params,
    )


def overview_charts(snapshot: Snapshot, filters: Filters, by_ownership: pl.DataFrame) -> None:
    """Balance over time by location type, network and ownership; available vs pending vs
    frozen over time. `by_ownership`: the page's trend (as_of_date, ownership, balance)."""
    st.markdown("**Over time**")
    left, right = st.columns(2)
    for column, dimension in ((left, "location_type"), (right, "network")):
        with column:
            by = balance_by(snapshot, filters, dimension)
            show(charts.balance_over_time(by, dimension), f"balance-{dimension}")
    left, right = st.columns(2)
    with left:
        show(charts.balance_over_time(by_ownership, "ownership"), "balance-ownership")
    with right:
        show(charts.availability_over_time(availability(snapshot, filters)), "availability")


def exposure_charts(snapshot: Snapshot, where: str, params: list) -> None:
    """Exposure per location / provider / network of the day (`where` picks the day and the
    filters on marts.concentration) as bars, each with its configured limit."""
    present = snapshot.query(
        f"select distinct dimension from marts.concentration where {where}", params
    )["dimension"].to_list()
    for dimension in [d for d in EXPOSURE_DIMENSIONS if d in present] + sorted(
        set(present) - set(EXPOSURE_DIMENSIONS)
    ):
        rows = snapshot.query(
            "select entity, dimension_value, balance, limit_amount, status "
            f"from marts.concentration where {where} and dimension = ? "
            f"order by balance desc limit {charts.MAX_BARS}",
            [*params, dimension],
        )
        show(charts.exposure_bars(rows, dimension), f"exposure-{dimension}")


def breaks_age_chart(snapshot: Snapshot, sql: str, params: list, columns: list[str]) -> None:
    """Open breaks of the register query `sql` per age bucket."""
    if "age_bucket" in columns:
        bucket = "age_bucket"
    else:
        age = next((c for c in ("break_age_days", "age_days") if c in columns), None)
        if age is None:
            return
        bucket = (
            f"case when {age} <= 1 then '0-1' when {age} <= 7 then '2-7' "
            f"when {age} <= 30 then '8-30' else '>30' end"
        )
    open_only = "where is_open" if "is_open" in columns else ""
    counts = snapshot.query(
        f"select {bucket} as age_bucket, count(*) as breaks from ({sql}) {open_only} group by 1",
        params,
    )
    show(charts.breaks_by_age(counts), "breaks-age")


@lru_cache(maxsize=4)
def _configured_band(config_path: str) -> Decimal:
    from ingestion.config import load_config

    return load_config(config_path).valuation.depeg_band_bps


def depeg_band_bps() -> Decimal:
    """valuation.depeg_band_bps of the dashboard's configuration (USD1INV_CONFIG); the
    default band when the dashboard was given only a data folder."""
    config_path = os.environ.get("USD1INV_CONFIG")
    if not config_path:
        return DEFAULT_DEPEG_BAND_BPS
    return _configured_band(config_path)


def depeg_chart(depeg: pl.DataFrame) -> None:
    """`depeg`: period_end_date, price_source, depeg_bps."""
    show(charts.depeg_over_time(depeg, depeg_band_bps()), "depeg")


def coverage_chart(history: pl.DataFrame) -> None:
    """`history`: as_of_date, client_holdings, client_liabilities."""
    show(charts.coverage_over_time(history), "coverage")


def breaks_history_chart(history: pl.DataFrame) -> None:
    """`history`: as_of_date, comparison, break (locations in break per day)."""
    show(charts.breaks_over_time(history), "breaks-history")
