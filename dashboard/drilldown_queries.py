"""The drill-down's queries on the published snapshot: a location and a day to what moved there
(marts.location_movements), a break to its two sides and its in-transit candidates.

Every query filters on the location first: location_movements is written in (location_id,
movement_date) order, so DuckDB skips the rest of the table by its row-group min/max.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import polars as pl

from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters

MOVEMENTS = "marts.location_movements"
BREAKS = "marts.reconciliation_breaks"
MATCHES = "marts.transaction_matches"
MOVEMENT_COLUMNS = (
    "movement_at, source, movement_type, direction, amount, counterparty_name, tx_hash, "
    "is_final, fee, log_index, counterparty_kind, counterparty_address, source_account_id, "
    "entry_id"
)
OPEN_STATUSES = ("open", "investigating", "explained")
IN_TRANSIT_DAYS_AFTER = 3  # the default in-transit window (72 hours), in days


@dataclass(frozen=True)
class Place:
    network: str
    location_id: str


def movement_source(side: str | None) -> str | None:
    """The location_movements source behind a reconciliation side (left_source/right_source):
    onchain_transfers -> onchain, custodian_statement -> custodian, exchange_export ->
    exchange, ledger -> ledger; None for a side without movements (a computed zero)."""
    if not side:
        return None
    for source in ("onchain", "custodian", "exchange", "ledger"):
        if side.startswith(source):
            return source
    return None


def locations(snapshot: Snapshot, filters: Filters) -> pl.DataFrame:
    """The locations of the filtered entities and networks (one row per network and id)."""
    where, params = filters.where(date_column=None)
    return snapshot.query(
        "select network, location_id, any_value(location_label) as location_label, "
        "any_value(location_type) as location_type from marts.inventory_daily "
        f"where {where} group by network, location_id order by network, location_label, "
        "location_id",
        params,
    )


def days_of(snapshot: Snapshot, place: Place) -> list[date]:
    """The days the location is in the inventory, latest first."""
    return snapshot.query(
        "select distinct as_of_date from marts.inventory_daily "
        "where location_id = ? and network = ? order by as_of_date desc",
        [place.location_id, place.network],
    )["as_of_date"].to_list()


def position(snapshot: Snapshot, place: Place, day: date) -> dict[str, Any] | None:
    """The location's inventory row at the end of the day."""
    rows = snapshot.query(
        "select * from marts.inventory_daily where location_id = ? and network = ? "
        "and as_of_date = ?",
        [place.location_id, place.network, day],
    )
    return rows.row(0, named=True) if rows.height else None


def movements(snapshot: Snapshot, place: Place, day: date) -> pl.DataFrame:
    """Every movement of the location on the local day, in time order."""
    return snapshot.query(
        f"select {MOVEMENT_COLUMNS} from {MOVEMENTS} "
        "where location_id = ? and network = ? and movement_date = ? "
        "order by movement_at, source, entry_id, direction",
        [place.location_id, place.network, day],
    )


def movement_totals(snapshot: Snapshot, place: Place, day: date) -> pl.DataFrame:
    """Per source: how many movements, in, out and net (exact token units)."""
    return snapshot.query(
        "select source, count(*) as movements, "
        "cast(coalesce(sum(amount) filter (where amount > 0), 0) as decimal(38, 18)) as inflow, "
        "cast(coalesce(-sum(amount) filter (where amount < 0), 0) as decimal(38, 18)) "
        "as outflow, cast(sum(amount) as decimal(38, 18)) as net, "
        "count(*) filter (where not is_final) as not_final "
        f"from {MOVEMENTS} where location_id = ? and network = ? and movement_date = ? "
        "group by source order by source",
        [place.location_id, place.network, day],
    )


def breaks(snapshot: Snapshot, filters: Filters, columns: list[str]) -> pl.DataFrame:
    """The register's breaks of the filtered entities and networks, open ones first."""
    where, params = filters.where(
        date_column=None,
        entity_column="entity" if "entity" in columns else None,
        network_column="network" if "network" in columns else None,
    )
    opened = _opened(columns)
    label = (
        "coalesce(location_label, location_id)" if "location_label" in columns else ("location_id")
    )
    # a register without status columns lists open breaks only
    status = "status" if "status" in columns else "'open'"
    is_open = "is_open" if "is_open" in columns else f"{status} in {OPEN_STATUSES}"
    return snapshot.query(
        f"select break_id, comparison, network, location_id, {label} as location_label, "
        f"{status} as status, {opened} as opened_date, {is_open} as is_open "
        f"from {BREAKS} where {where} "
        f"order by {is_open} desc, {opened}, comparison, location_id",
        params,
    )


def _opened(columns: list[str]) -> str:
    return next(c for c in ("opened_date", "break_opened_date") if c in columns)


def break_row(snapshot: Snapshot, break_id: str) -> dict[str, Any] | None:
    rows = snapshot.query(f"select * from {BREAKS} where break_id = ?", [break_id])
    return rows.row(0, named=True) if rows.height else None


def break_window(snapshot: Snapshot, brk: dict[str, Any]) -> tuple[date, date]:
    """From the day the break opened to the day of its figures (the last reconciliation day
    when the register does not say)."""
    opened = brk.get("opened_date") or brk.get("break_opened_date")
    last = brk.get("figures_date") or brk.get("as_of_date") or brk.get("last_break_date")
    if last is None:
        last = snapshot.scalar(
            "select max(as_of_date) from marts.reconciliation where location_id = ? "
            "and network = ? and comparison = ?",
            [brk["location_id"], brk["network"], brk["comparison"]],
        )
    return opened, max(opened, last) if last else opened


def break_sides(snapshot: Snapshot, brk: dict[str, Any]) -> pl.DataFrame:
    """The comparison day by day over the break's window: each side's source and figure."""
    start, end = break_window(snapshot, brk)
    return snapshot.query(
        "select as_of_date, left_source, left_balance, right_source, right_balance, difference, "
        "explained_in_transit, unexplained_difference, status from marts.reconciliation "
        "where location_id = ? and network = ? and comparison = ? "
        "and as_of_date between ? and ? order by as_of_date",
        [brk["location_id"], brk["network"], brk["comparison"], start, end],
    )


def side_sources(snapshot: Snapshot, brk: dict[str, Any]) -> tuple[str | None, str | None]:
    """(left_source, right_source) of the break: from the register, else the reconciliation."""
    left, right = brk.get("left_source"), brk.get("right_source")
    if left is None and right is None:
        row = snapshot.query(
            "select left_source, right_source from marts.reconciliation where location_id = ? "
            "and network = ? and comparison = ? limit 1",
            [brk["location_id"], brk["network"], brk["comparison"]],
        )
        if row.height:
            left, right = row.row(0)
    return left, right


def side_movements(snapshot: Snapshot, brk: dict[str, Any], side: str | None) -> pl.DataFrame:
    """The movements one side of the break records at its location over the break's window
    (from the day before it opened: what moved just before the figures parted)."""
    source = movement_source(side)
    start, end = break_window(snapshot, brk)
    return snapshot.query(
        f"select movement_date, {MOVEMENT_COLUMNS} from {MOVEMENTS} "
        "where location_id = ? and network = ? and source = ? "
        "and movement_date between ? and ? order by movement_at, entry_id, direction",
        [brk["location_id"], brk["network"], source or "", start - timedelta(days=1), end],
    )


def in_transit_candidates(snapshot: Snapshot, brk: dict[str, Any]) -> pl.DataFrame:
    """Records at the break's location that may explain it: every record the transaction
    matching left unmatched, or matched to a transfer that is not final or settled on another
    day than it was booked, recorded from the day before the break opened to
    IN_TRANSIT_DAYS_AFTER days after its figures (a booking that came late)."""
    start, end = break_window(snapshot, brk)
    first, last = start - timedelta(days=1), end + timedelta(days=IN_TRANSIT_DAYS_AFTER)
    if snapshot.has_table(MATCHES):
        return snapshot.query(
            "select recorded_at, source, entry_id, movement_type, amount, status, "
            "matched_is_final, match_description, tx_hash, matched_tx_hash, matched_block_time, "
            f"counterparty_name, age_days, side from {MATCHES} "
            "where location_id = ? and network = ? "
            "and cast(recorded_at as date) between ? and ? and ("
            "status <> 'matched' or not coalesce(matched_is_final, false) "
            "or cast(matched_block_time as date) <> cast(recorded_at as date)) "
            "order by recorded_at, entry_id",
            [brk["location_id"], brk["network"], first, last],
        )
    # without the matching mart: the location's movements that are not final
    return snapshot.query(
        f"select movement_date, {MOVEMENT_COLUMNS} from {MOVEMENTS} "
        "where location_id = ? and network = ? and movement_date between ? and ? "
        "and not is_final order by movement_at, entry_id",
        [brk["location_id"], brk["network"], first, last],
    )
