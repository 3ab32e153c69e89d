"""Reconciliation configuration: per comparison, the tolerance and how long a break may stay
open, and the time window of in-transit matching (marts.reconciliation, reconciliation_breaks).

It is the `reconciliation:` section of the usd1inv configuration (see `ingestion.config.Config`);
errors name their key (`reconciliation.comparisons[1].tolerance`). ``load_reconciliation_config``
rewrites `raw.registry_reconciliation_comparisons` from it: one row per known comparison, the
defaults filled in, which the dbt model `stg_registry__reconciliation_comparisons` reads.

The same module creates `audit.expectation_failures` (the log that expectations/failures.py
appends to) and `audit.break_events` (what `usd1inv breaks` appends: usd1inv/breaks.py) at
warehouse initialisation, so that marts.reconciliation_breaks, which reads both, builds on a
warehouse where no suite has failed and nobody has worked a break yet.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:  # pragma: no cover
    from ingestion.config import Config

Comparison = Literal[
    "transfers_vs_balanceof",
    "onchain_vs_ledger",
    "custodian_vs_ledger",
    "exchange_vs_ledger",
    "custodian_vs_onchain",
    "exchange_export_continuity",
    "offchain_negative_balance",
    "statement_continuity",
    "transaction_match",
]
COMPARISONS: tuple[str, ...] = Comparison.__args__  # type: ignore[attr-defined]

DEFAULT_WINDOW_HOURS = 72
DEFAULT_MAX_BREAK_AGE_DAYS = 3

DDL = """
create schema if not exists raw;
create schema if not exists audit;
-- reconciliation.comparisons with defaults filled in: one row per known comparison
create table if not exists raw.registry_reconciliation_comparisons (
    comparison varchar not null primary key,
    tolerance decimal(38, 18) not null,
    max_break_age_days integer not null,
    in_transit_window_hours integer not null
);
-- failed expectations (expectations/failures.py appends; the same DDL as there)
create table if not exists audit.expectation_failures (
    run_id varchar not null,
    checked_at timestamptz not null,
    suite varchar not null,
    table_name varchar not null,
    expectation varchar not null,
    description varchar not null,
    severity varchar not null,
    unexpected_count bigint,
    sample_json varchar
);
alter table audit.expectation_failures add column if not exists keys_json varchar;
alter table audit.expectation_failures add column if not exists values_json varchar;
-- what people do to a break of marts.reconciliation_breaks (`usd1inv breaks`): append-only,
-- one row per action, never updated; the register applies them in (recorded_at, event_id) order
create table if not exists audit.break_events (
    event_id varchar not null primary key,
    break_id varchar not null,
    action varchar not null,
    status varchar,
    owner varchar,
    reason varchar,
    note varchar,
    actor varchar not null,
    recorded_at timestamptz not null
);
"""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ComparisonSettings(_Strict):
    """How strict one comparison is."""

    comparison: Comparison
    tolerance: Decimal = Field(
        default=Decimal(0),
        ge=0,
        description="largest absolute unexplained difference (token units) still accepted",
    )
    max_break_age_days: int = Field(
        default=DEFAULT_MAX_BREAK_AGE_DAYS,
        ge=0,
        description="a break open longer than this many days is overdue",
    )

    @field_validator("tolerance", mode="before")
    @classmethod
    def _exact(cls, value: object) -> object:
        if isinstance(value, float):
            raise ValueError(
                f'write the tolerance as a quoted decimal string (e.g. "0.01"), got {value!r}'
            )
        return value

    @field_validator("tolerance")
    @classmethod
    def _fits(cls, value: Decimal) -> Decimal:
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int) or exponent < -18 or value >= Decimal(10) ** 20:
            raise ValueError(f"expected at most 18 decimals and 20 integer digits, got {value}")
        return value


class ReconciliationConfig(_Strict):
    in_transit_window_hours: int = Field(
        default=DEFAULT_WINDOW_HOURS,
        gt=0,
        le=24 * 90,
        description="an off-chain movement without a tx hash matches an on-chain transfer of "
        "the same amount and address at most this many hours away",
    )
    comparisons: list[ComparisonSettings] = []

    @field_validator("comparisons")
    @classmethod
    def _unique(cls, value: list[ComparisonSettings]) -> list[ComparisonSettings]:
        names = [c.comparison for c in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"comparison(s) {dupes} listed twice")
        return value

    def settings(self) -> list[tuple[str, Decimal, int, int]]:
        """(comparison, tolerance, max_break_age_days, window hours) for every comparison."""
        given = {c.comparison: c for c in self.comparisons}
        rows = []
        for name in COMPARISONS:
            item = given.get(name) or ComparisonSettings(comparison=name)
            rows.append(
                (name, item.tolerance, item.max_break_age_days, self.in_transit_window_hours)
            )
        return rows


def init_reconciliation_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create raw.registry_reconciliation_comparisons, raw.registry_contract_locations,
    raw.registry_counterparties, audit.expectation_failures and audit.break_events."""
    from ingestion.contract_locations import DDL as CONTRACT_DDL
    from ingestion.counterparties import DDL as COUNTERPARTY_DDL

    con.execute(DDL)
    con.execute(CONTRACT_DDL)
    con.execute(COUNTERPARTY_DDL)


def load_reconciliation_config(con: duckdb.DuckDBPyConnection, config: Config) -> int:
    """Replace raw.registry_reconciliation_comparisons from the configuration (in the caller's
    transaction when there is one); return the number of rows."""
    rows = config.reconciliation.settings()
    con.execute(DDL)
    con.execute("delete from raw.registry_reconciliation_comparisons")
    if rows:
        con.executemany(
            "insert into raw.registry_reconciliation_comparisons values (?, ?, ?, ?)", rows
        )
    return len(rows)
