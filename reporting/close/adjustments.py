"""Late data for a closed period: what the live marts say now against what was closed.

A closed snapshot never changes. `period_diff` compares it with the same sources read from the
live warehouse, measure by measure (roll-forward flows per location, reconciliation balances per
location and comparison, fair value per entity and ownership, client asset coverage per
network). `record_adjustments` writes what
moved into `audit.period_adjustments`, under the first open period of the same type: that
period's pack lists them as prior-period adjustments. What an earlier (now closed) adjustment
period already reported is not reported again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import duckdb

from reporting.close.periods import Period, parse_period
from reporting.close.snapshot import Table, load_snapshot, read_temp_table
from reporting.close.sources import collect_sources, table_columns

ROLLFORWARD_MEASURES = (
    "opening_balance",
    "inflows_external",
    "outflows_external",
    "transfers_in_internal",
    "transfers_out_internal",
    "mints",
    "burns",
    "fees",
    "unexplained_change",
    "closing_balance",
)
RECONCILIATION_MEASURES = ("left_balance", "right_balance", "unexplained_difference")
FAIR_VALUE_MEASURES = ("units", "fair_value_usd", "realized_gain_loss_usd")
COVERAGE_MEASURES = ("client_holdings", "client_liabilities", "shortfall")

Key = tuple[str, str, str, str]  # entity, network, location_id, comparison_or_measure


@dataclass(frozen=True)
class Change:
    entity: str
    network: str
    location_id: str
    comparison_or_measure: str
    closed_value: Decimal | None
    live_value: Decimal | None

    @property
    def adjustment(self) -> Decimal:
        return (self.live_value or Decimal(0)) - (self.closed_value or Decimal(0))


def _add(out: dict[Key, Decimal], key: Key, value: object) -> None:
    if value is not None:
        out[key] += Decimal(value)


def measures(tables: dict[str, Table]) -> dict[Key, Decimal]:
    """The figures of a period that late data can move, keyed for comparison."""
    out: dict[Key, Decimal] = defaultdict(Decimal)
    if "inventory_rollforward" in tables:
        for row in tables["inventory_rollforward"].dicts():
            for measure in ROLLFORWARD_MEASURES:
                key = (row["entity"], row["network"], row["location_id"], f"rollforward:{measure}")
                _add(out, key, row.get(measure))
    if "reconciliation" in tables:
        for row in tables["reconciliation"].dicts():
            for measure in RECONCILIATION_MEASURES:
                name = f"{row['comparison']}:{measure}"
                key = (row["entity"], row["network"], row["location_id"], name)
                _add(out, key, row.get(measure))
    if "fair_value" in tables:
        for row in tables["fair_value"].dicts():
            for measure in FAIR_VALUE_MEASURES:
                key = (row["entity"], "all", row["ownership"], f"fair_value:{measure}")
                _add(out, key, row.get(measure))
    if "client_asset_coverage" in tables:
        for row in tables["client_asset_coverage"].dicts():
            for measure in COVERAGE_MEASURES:
                key = (row["entity"], row["network"], "client-assets", f"client_assets:{measure}")
                _add(out, key, row.get(measure))
    return dict(out)


def live_tables(con: duckdb.DuckDBPyConnection, period: Period) -> dict[str, Table]:
    names = collect_sources(con, period)
    return {name: read_temp_table(con, name) for name in names}


def compare(closed: dict[str, Table], live: dict[str, Table]) -> list[Change]:
    """Every measure whose live value differs from the closed one, in a fixed order."""
    before, after = measures(closed), measures(live)
    changes = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if (old or Decimal(0)) != (new or Decimal(0)):
            changes.append(Change(*key, closed_value=old, live_value=new))
    return changes


def period_diff(con: duckdb.DuckDBPyConnection, close_id: str, period: Period) -> list[Change]:
    """What the live warehouse would change in a closed period (nothing is written)."""
    return compare(load_snapshot(con, close_id), live_tables(con, period))


def _closed(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, datetime]]:
    return con.execute(
        "select period, close_id, closed_at from audit.closed_periods where status = 'closed' "
        "order by period_type, period_start_date"
    ).fetchall()


def first_open_period(con: duckdb.DuckDBPyConnection, period: Period) -> Period:
    closed = {row[0] for row in _closed(con)}
    following = period.next()
    while following.name in closed:
        following = following.next()
    return following


def _late_files(con: duckdb.DuckDBPyConnection, closed_at: datetime) -> list[str]:
    if not table_columns(con, "audit.files"):
        return []
    rows = con.execute(
        "select distinct file_name from audit.files where loaded_at > ? and status = 'loaded' "
        "order by 1",
        [closed_at],
    ).fetchall()
    return [r[0] for r in rows]


def record_adjustments(con: duckdb.DuckDBPyConnection, now: datetime) -> int:
    """Write what moved in every closed period into audit.period_adjustments (idempotent:
    unchanged data rewrites the same rows); return the number of open adjustment rows."""
    written = 0
    closed_names = {row[0] for row in _closed(con)}
    # a reopened close's open adjustments are gone: its new close reports against itself
    con.execute(
        "delete from audit.period_adjustments where close_id not in (select close_id from "
        "audit.closed_periods where status = 'closed') "
        "and adjustment_period not in (select unnest(?))",
        [sorted(closed_names)],
    )
    for name, close_id, closed_at in _closed(con):
        period = parse_period(name)
        target = first_open_period(con, period).name
        reported = defaultdict(Decimal)
        existing = {}
        for row in con.execute(
            "select adjustment_period, entity, network, location_id, comparison_or_measure, "
            "adjustment, live_value, detected_at from audit.period_adjustments where close_id = ?",
            [close_id],
        ).fetchall():
            key = tuple(row[1:5])
            if row[0] in closed_names:
                reported[key] += row[5]
            else:
                existing[key] = (row[6], row[7])
        con.execute(
            "delete from audit.period_adjustments where close_id = ? "
            "and adjustment_period not in (select unnest(?))",
            [close_id, sorted(closed_names)],
        )
        files = _late_files(con, closed_at)
        why = "files loaded since the close: " + ", ".join(files) if files else "late data"
        for change in period_diff(con, close_id, period):
            key = (change.entity, change.network, change.location_id, change.comparison_or_measure)
            remainder = change.adjustment - reported.get(key, Decimal(0))
            if remainder == 0:
                continue
            live_before, detected_before = existing.get(key, (None, None))
            detected_at = detected_before if live_before == change.live_value else now
            con.execute(
                "insert into audit.period_adjustments values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    target,
                    name,
                    close_id,
                    *key,
                    change.closed_value,
                    change.live_value,
                    remainder,
                    detected_at or now,
                    f"{change.comparison_or_measure} of {change.location_id} for {name} moved "
                    f"after its close ({why}); shown in {target}, the closed figures stay",
                ],
            )
            written += 1
    return written
