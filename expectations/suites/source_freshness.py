"""Warning suite: every source is fresh at the end of the last built day.

The rows validated are one per source: the last custodian statement per account (as_of), the
last exchange entry per account or, if later, when the newest export holding that account
landed (an export taken today says the account was silent since its last entry: silent days
are not stale data), the last ledger posting per ledger source, the last price per
series (source x asset) and the last final block per network (raw.onchain_day_blocks; a
network with no final block yet is stale), each
against the *as-of time*: the end of the latest `as_of_date` of marts.inventory_daily in the
reporting time zone. That time comes from the data, not the clock, so the verdict on a given
warehouse never changes. The maximum ages are `quality.freshness` of the configuration.

Not blocking: a stale source is a fact to chase, not a broken table.
"""

from __future__ import annotations

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows
from ingestion.quality_config import FreshnessConfig

KEY = ("source_kind", "source")
# With engine spark this suite still runs on DuckDB (expectations/engines.py): its rows come
# from the raw tables and audit.files, which ingestion keeps in the warehouse file under both
# engines; of the marts it reads only max(as_of_date) of inventory_daily (the mirror has it).
DUCKDB_ONLY = (
    "reads raw.* and audit.files, which live in the DuckDB warehouse under both engines"
    " (and the mirrored marts.inventory_daily for its as-of day)"
)
# source kind -> (raw table, source name expression, time column, rows that count)
LAST_SEEN = {
    "custodian": ("raw.custodian_balances", "provider || ':' || account_id", "as_of", "true"),
    "exchange": ("raw.exchange_entries", "venue || ':' || account_id", "seen_at", "true"),
    "ledger": ("raw.ledger_entries", "source", "posted_at", "true"),
    "prices": ("raw.prices", "source || ':' || asset", "ts", "true"),
    "onchain": ("raw.onchain_day_blocks", "network", "last_block_time", "is_final"),
}
# what a kind's rows are read from, where it is not its raw table alone: an exchange entry
# seen as late as the landing of the newest export (loaded or superseded) holding it
FROM = {
    "exchange": "(select e.*, greatest(e.occurred_at, f.dropped_at) as seen_at"
    " from raw.exchange_entries as e left join audit.files as f"
    " on f.sha256 = e.file_sha256 and f.status in ('loaded', 'superseded'))",
}


def query(freshness: FreshnessConfig, timezone: str) -> str:
    """One row per source: its last time, the as-of time, the allowed and the actual age."""
    limits = freshness.max_age_hours()
    seen = "\n union all ".join(
        f"select '{kind}' as source_kind, {name} as source,"
        f" max({column}) filter (where {where}) as last_at,"  # null: nothing counts yet
        f" {limits[kind]} as max_age_hours from {FROM.get(kind, table)} group by all"
        for kind, (table, name, column, where) in LAST_SEEN.items()
    )
    return (
        "with as_of as (select timezone('" + timezone + "', cast(max(as_of_date) + 1 as"
        " timestamp)) as as_of_at from marts.inventory_daily),\n"
        f"last_seen as ({seen})\n"
        "select last_seen.source_kind, last_seen.source, last_seen.last_at, as_of.as_of_at,"
        " last_seen.max_age_hours,"
        " date_diff('minute', last_seen.last_at, as_of.as_of_at) as age_minutes"
        " from last_seen cross join as_of where as_of.as_of_at is not null"
    )


def expectations(freshness: FreshnessConfig) -> list[gx.expectations.Expectation]:
    return [
        unexpected_rows(
            f"{kind} data is at most {hours} hours old at the end of the last built day",
            f"select * from {{batch}} where source_kind = '{kind}' and (last_at is null"
            " or age_minutes > 60 * max_age_hours)",
        )
        for kind, hours in freshness.max_age_hours().items()
    ]


def suite(freshness: FreshnessConfig | None = None, timezone: str = "UTC") -> SuiteSpec:
    freshness = freshness or FreshnessConfig()
    return SuiteSpec(
        name="source_freshness",
        schema="marts",
        table="inventory_daily",
        build=lambda: expectations(freshness),
        blocking=False,
        key=KEY,
        columns=("as_of_date",),
        query=query(freshness, timezone),
        also_reads=(*(table for table, *_ in LAST_SEEN.values()), "audit.files"),
        duckdb_only=DUCKDB_ONLY,
    )
