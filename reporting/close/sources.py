"""What a period's close holds: one query per source, cut to the period's local days.

Each source is a mart (used when the warehouse has it, with whatever columns it has beyond the
DESIGN.md contract) or an audit / raw table the cover needs (cut-off blocks, policy notes,
source files, check status, prior-period adjustments, the wallet and account registers).
`collect_sources` materialises every available source into a temporary table `_close_<name>`
on the caller's connection, so the snapshot stores and hashes exactly what it read; the prior
period's figures (`prior_period`) come from the prior period's close when it is closed, else
from the marts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from reporting.close.periods import Period


@dataclass(frozen=True)
class Source:
    name: str  # snapshot name: audit.close_snapshot_<name>
    table: str  # schema.table it reads
    title: str  # how the pack names it
    # (period, columns) -> (sql, params); None: a mart cut at the period end (`_cut`)
    query: Callable[[Period, set[str]], tuple[str, list]] | None = None


def _cut(period: Period, columns: set[str], table: str) -> tuple[str, list]:
    """A mart at the period end: the period's own rows, or the rows as of its last day."""
    if "period" in columns:
        return f"select * from {table} where period = ?", [period.name]
    if "as_of_date" in columns:
        return f"select * from {table} where as_of_date = ?", [period.end_date]
    if "period_end_date" in columns:
        return f"select * from {table} where period_end_date = ?", [period.end_date]
    return f"select * from {table}", []


def _breaks(period: Period, columns: set[str]) -> tuple[str, list]:
    """The register's breaks open at the period end (opened by then, not closed by then), with
    their age that day; an older register (one row per open break as of its latest day)
    speaks for the period end only where that day is the period end."""
    if {"opened_date", "closed_date"} <= columns:
        return (
            "select * replace (cast(datediff('day', opened_date, cast(? as date)) as integer) "
            "as age_days), cast(datediff('day', opened_date, cast(? as date)) as integer) "
            "as break_age_days from marts.reconciliation_breaks where opened_date <= ? "
            "and (closed_date is null or closed_date > ?)",
            [period.end_date] * 4,
        )
    if "as_of_date" not in columns:
        return "select * from marts.reconciliation_breaks where false", []
    return "select * from marts.reconciliation_breaks where as_of_date = ?", [period.end_date]


def _days(period: Period, columns: set[str]) -> tuple[str, list]:
    return (
        "select * from marts.inventory_daily where as_of_date between ? and ?",
        [period.start_date, period.end_date],
    )


def _prior_fair_value(period: Period, columns: set[str]) -> tuple[str, list]:
    return "select * from marts.fair_value where period = ?", [period.previous().name]


def _cutoff_blocks(period: Period, columns: set[str]) -> tuple[str, list]:
    return (
        "select network, chain_id, block_date, last_block as block_number, "
        "last_block_hash as block_hash, last_block_time as block_time, is_day_complete, "
        "is_final from raw.onchain_day_blocks where block_date <= ? and last_block is not null "
        "qualify row_number() over (partition by network order by block_date desc) = 1",
        [period.end_date],
    )


def _policies(period: Period, columns: set[str]) -> tuple[str, list]:
    return (
        "select asset, entity, basis as measurement_basis, effective_date, note as policy_note "
        "from raw.valuation_policies where effective_date <= ? "
        "qualify row_number() over (partition by asset, entity order by effective_date desc) = 1",
        [period.end_date],
    )


FILE_COLUMNS = (
    "source",
    "kind",
    "file_name",
    "sha256",
    "status",
    "rows_loaded",
    "rows_quarantined",
    "statement_key",
    "superseded_by",
    "duplicate_of",
)


def _files(period: Period, columns: set[str]) -> tuple[str, list]:
    """Every file seen, with its hash and what became of it (not its local path)."""
    return f"select {', '.join(c for c in FILE_COLUMNS if c in columns)} from audit.files", []


def _adjustments(period: Period, columns: set[str]) -> tuple[str, list]:
    return (
        "select * exclude (detected_at, close_id) from audit.period_adjustments "
        "where adjustment_period = ?",
        [period.name],
    )


def _cost_events(period: Period, columns: set[str]) -> tuple[str, list]:
    """The cost pool's events dated in the period (the movements that reach the general
    ledger: acquisitions, disposals, conversions), each with the wallet movement it comes from
    (mint, burn, internal, external; its network, transaction and counterparty, what the
    counterparty allow-list calls it, and the entity's own custodian or exchange account when
    the counterparty is one): the journal's source rows."""
    return (
        "select events.entity, events.asset, events.event_sequence, events.event_at, "
        "events.event_date, events.event_kind, events.quantity, events.cost_usd, "
        "events.proceeds_usd, events.event_source, events.event_ref, "
        "events.average_cost_per_unit, events.cost_of_units_sold_usd, "
        "events.realized_gain_loss_usd, events.cost_method, movements.movement_type, "
        "movements.network, movements.tx_hash, movements.log_index, movements.address, "
        "movements.counterparty_address, counterparties.counterparty_name, "
        "counterparties.counterparty_kind, own_accounts.account_id as own_account_id "
        "from intermediate.int_valuation__cost_basis as events "
        "left join intermediate.int_inventory__wallet_movements as movements "
        "on events.event_source = 'wallet' and events.event_ref = movements.network || ':' "
        "|| movements.tx_hash || ':' || cast(movements.log_index as varchar) || ':' "
        "|| movements.direction and movements.is_final "
        "left join raw.registry_counterparties as counterparties "
        "on movements.network = counterparties.network "
        "and movements.counterparty_address = counterparties.address "
        "left join raw.registry_accounts as own_accounts "
        "on movements.counterparty_address = lower(own_accounts.address) "
        "and events.entity = own_accounts.entity and own_accounts.ownership = 'operating' "
        "where events.event_date between ? and ?",
        [period.start_date, period.end_date],
    )


def _issuer_ledger_entries(period: Period, columns: set[str]) -> tuple[str, list]:
    """Mints and burns the internal ledger books on the entity's own accounts in the period
    (the issuer minting into a custody vault): issuer purchases and redemptions the wallet
    events do not see."""
    return (
        "select entry_id, entity, account_id, entry_type, asset, amount, posted_at, "
        "posted_date, network, tx_hash from staging.stg_ledger__entries "
        "where owner_type = 'operating' and entry_type in ('mint', 'burn') "
        "and posted_date between ? and ?",
        [period.start_date, period.end_date],
    )


def _chart_of_accounts(period: Period, columns: set[str]) -> tuple[str, list]:
    return "select * from raw.registry_chart_of_accounts", []


def _entities(period: Period, columns: set[str]) -> tuple[str, list]:
    return "select entity, entity_name from raw.registry_entities", []


def _wallets(period: Period, columns: set[str]) -> tuple[str, list]:
    """The wallet register as configured at the close (the PDF's register of locations)."""
    return "select * from raw.registry_wallets", []


def _accounts(period: Period, columns: set[str]) -> tuple[str, list]:
    """The custodian and exchange accounts of the registry (ledger accounts hold no tokens)."""
    return "select * from raw.registry_accounts where account_kind <> 'ledger'", []


SOURCES: tuple[Source, ...] = (
    Source("inventory_rollforward", "marts.inventory_rollforward", "Roll-forward"),
    Source("inventory_daily", "marts.inventory_daily", "Daily inventory", _days),
    Source("fair_value", "marts.fair_value", "Fair value"),
    Source("fair_value_prior", "marts.fair_value", "Fair value (prior period)", _prior_fair_value),
    Source("reconciliation", "marts.reconciliation", "Reconciliation"),
    Source("reconciliation_breaks", "marts.reconciliation_breaks", "Breaks", _breaks),
    Source(
        "in_transit_items",
        "intermediate.int_reconciliation__in_transit_explanations",
        "In-transit items",
    ),
    Source("concentration", "marts.concentration", "Concentration"),
    Source("inventory_health", "marts.inventory_health", "Health"),
    Source("client_asset_coverage", "marts.client_asset_coverage", "Client assets"),
    Source("cutoff_blocks", "raw.onchain_day_blocks", "Cut-off blocks", _cutoff_blocks),
    Source("policies", "raw.valuation_policies", "Accounting policies", _policies),
    Source("source_files", "audit.files", "Source files", _files),
    Source("adjustments", "audit.period_adjustments", "Prior-period adjustments", _adjustments),
    Source("entities", "raw.registry_entities", "Entities", _entities),
    Source(
        "cost_events",
        "intermediate.int_valuation__cost_basis",
        "Cost pool events (the journal's source rows)",
        _cost_events,
    ),
    Source(
        "issuer_ledger_entries",
        "staging.stg_ledger__entries",
        "Ledger mints and burns on own accounts",
        _issuer_ledger_entries,
    ),
    Source(
        "chart_of_accounts",
        "raw.registry_chart_of_accounts",
        "Chart of accounts",
        _chart_of_accounts,
    ),
    Source("wallets", "raw.registry_wallets", "Wallet register", _wallets),
    Source("accounts", "raw.registry_accounts", "Account register", _accounts),
)
SOURCE_NAMES = tuple(s.name for s in SOURCES)


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """(column, type) of schema.table in order; [] when the warehouse does not have it."""
    schema, name = table.split(".")
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? and table_catalog = current_database() "
        "order by ordinal_position",
        [schema, name],
    ).fetchall()


def source_query(
    con: duckdb.DuckDBPyConnection, source: Source, period: Period
) -> tuple[str, list] | None:
    """The SQL reading this source for the period, or None when its table does not exist."""
    columns = {c for c, _ in table_columns(con, source.table)}
    if not columns:
        return None
    if source.query is None:
        return _cut(period, columns, source.table)
    return source.query(period, columns)


def collect_sources(con: duckdb.DuckDBPyConnection, period: Period) -> list[str]:
    """Materialise each available source into temp table _close_<name>; return their names."""
    present = []
    for source in SOURCES:
        con.execute(f"drop table if exists temp._close_{source.name}")
        query = source_query(con, source, period)
        if query is None:
            continue
        sql, params = query
        con.execute(f"create temp table _close_{source.name} as {sql}", params)
        present.append(source.name)
    if collect_prior_period(con, period):
        present.append(PRIOR_PERIOD)
    return present


PRIOR_PERIOD = "prior_period"
PRIOR_DDL = (
    f"create or replace temp table _close_{PRIOR_PERIOD} (basis varchar, source_close_id "
    "varchar, period varchar, entity varchar, ownership varchar, location_type varchar, "
    "measure varchar, value decimal(38, 18))"
)


def _prior_figures(rollforward: str | None, fair_value: str | None) -> str | None:
    """The prior period's figures in one long shape (each part filtered by one `?`): closing
    units per entity, ownership and location type (roll-forward), units and fair value per
    entity and ownership; None when neither table exists."""
    parts = []
    if rollforward:
        parts.append(
            "select entity, ownership, location_type, 'closing_balance' as measure, "
            f"sum(closing_balance) as value from {rollforward} where $key = ? group by all"
        )
    if fair_value:
        parts += [
            f"select entity, ownership, 'all', '{measure}', sum({measure}) "
            f"from {fair_value} where $key = ? group by all"
            for measure in ("units", "fair_value_usd")
        ]
    return " union all ".join(parts) or None


def _existing(con: duckdb.DuckDBPyConnection, *tables: str) -> list[str | None]:
    return [t if table_columns(con, t) else None for t in tables]


def collect_prior_period(con: duckdb.DuckDBPyConnection, period: Period) -> bool:
    """The prior period's figures for the period-over-period comparison, into temp table
    _close_prior_period: from the prior period's close (its stored snapshot) when it is
    closed, else from the warehouse's marts as they are at this close (`basis` says which).
    False when neither has the prior period."""
    prior = period.previous()
    con.execute(PRIOR_DDL)
    closed = None
    if table_columns(con, "audit.closed_periods"):
        closed = con.execute(
            "select close_id from audit.closed_periods where period = ? and status = 'closed' "
            "order by version desc limit 1",
            [prior.name],
        ).fetchone()
    if closed is not None:
        tables = _existing(
            con, "audit.close_snapshot_inventory_rollforward", "audit.close_snapshot_fair_value"
        )
        basis, close_id, key, value = "closed", closed[0], "close_id", closed[0]
    else:
        tables = _existing(con, "marts.inventory_rollforward", "marts.fair_value")
        basis, close_id, key, value = "warehouse", None, "period", prior.name
    sql = _prior_figures(*tables)
    if sql is not None:
        con.execute(
            f"insert into _close_{PRIOR_PERIOD} select ?, ?, ?, * from "
            f"({sql.replace('$key', key)})",
            [basis, close_id, prior.name, *[value] * sql.count("?")],
        )
    (count,) = con.execute(f"select count(*) from _close_{PRIOR_PERIOD}").fetchone()
    if not count:
        con.execute(f"drop table _close_{PRIOR_PERIOD}")
    return bool(count)
