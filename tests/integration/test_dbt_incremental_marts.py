"""Incremental `dbt build` of the WHOLE project gives the same marts and valuation
intermediates as a full refresh, exactly, when inputs downstream of the inventory change.

A generated on-chain history (bench/dbt_build.py's SQL generator: mints, burns, internal and
external transfers, a pending tail; two entities, acme-pay and acme-trust) is enriched with
the off-chain and valuation inputs the product loads into `raw` (as ingestion writes them,
each file-based row with its current file in audit.files):

- a daily USD1 price series of the principal source (coingecko, priority 1), around 1.000x,
  below par at the month and quarter end, so that the impairment shows;
- valuation policies: acme-pay at cost less impairment, acme-trust cash equivalent then fair
  value from 2026-04-01; cost methods: acme-pay fifo, acme-trust weighted average;
- an operating Kraken account of acme-pay with USD1/USD trades (both legs, fees in USD);
- the books of that exchange account (a ledger account, its entries with the sale booked a
  day late, the last purchase mis-booked) and the exchange_vs_ledger comparison's settings;
- concentration limits.

The whole project is built once, then changed, with an incremental `dbt build` (models only)
after each change:

1. one more day is synced (pending tail final, new day all final) and its price arrives;
2. a late price for an old day (the quarter end, a week back), in a new price file;
3. a late exchange trade for an old day, in a new export file;
4. nothing changed;
5. a configuration change (acme-pay's cost method switched to weighted average).

After each step the warehouse is copied and rebuilt with `dbt build --full-refresh`; every
table of `marts` and the valuation intermediates must equal the incremental ones row for row
(exact Decimal equality), and the last row of int_inventory__mart_cuts must say what the step
was: an incremental cut at the expected day for the expected reason, nothing changed, or
everything rebuilt for a configuration change. At the end every data and unit test runs once
(`dbt test`) on the incrementally built warehouse. About 90 s to 2.5 min (2 shared cores).
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dbt.cli.main import dbtRunnerResult

from bench.dbt_build import append_day, generate_raw
from ingestion.liquidity import LiquidityConfig, write_schedule
from tests.dbt_in_process import (
    DBT_PROJECT_DIR,
    MODELS_ONLY,
    Tables,
    read_tables,
    run_dbt,
)

pytestmark = pytest.mark.integration


START = date(2026, 3, 25)  # the history crosses a month and a quarter end
DAYS = 12  # 2026-03-25 .. 2026-04-05; step 1 adds 2026-04-06
WALLETS = 12
TRANSFERS = 2400
PENDING_BLOCKS = 1500  # the first build has a pending tail on its last day
DBT_VARS = {"reporting_timezone": "UTC", "start_date": "2026-03-27"}
ASSET = "USD1"  # the generator's registry token_symbol

# every mart (a table of schema marts), and the valuation intermediates downstream of the
# inventory
MARTS = tuple(
    sorted(f"marts.{path.stem}" for path in (DBT_PROJECT_DIR / "models" / "marts").rglob("*.sql"))
)
COMPARED = (
    *MARTS,
    "intermediate.int_valuation__cost_events",
    "intermediate.int_valuation__cost_pool",
    "intermediate.int_valuation__fifo_lots",
    "intermediate.int_valuation__fifo_pool",
    "intermediate.int_valuation__cost_basis",
    "intermediate.int_valuation__lot_impairment",
)

EXCHANGE_ACCOUNT = "kraken-ops"
EXCHANGE_DEPOSIT = "0xb" + "0" * 38 + "1"  # not a registry wallet, not a generated outsider
# (ref_id, UTC time, USD1 amount, USD amount, USD fee): a trade's two legs share the ref_id
TRADES = [
    ("buy-1", "2026-03-26 10:00:00", "5000", "-5001.500000", "2.500000"),
    ("buy-2", "2026-03-29 15:30:00", "3000", "-2996.400000", "1.200000"),
    ("sell-1", "2026-04-01 09:15:00", "-2500", "2501.250000", "1.000000"),
    ("buy-3", "2026-04-03 17:45:00", "1200", "-1199.160000", "0.600000"),
]
DEPOSIT_AT = "2026-03-27 08:00:00"  # a deposit to the exchange account
LATE_TRADE = ("sell-late", "2026-03-30 11:20:00", "-1000", "998.700000", "0.500000")
# one coingecko price a day at 12:00 UTC, around par; below par at the month/quarter end
PRICES = {
    date(2026, 3, 25): "1.000400",
    date(2026, 3, 26): "0.999100",
    date(2026, 3, 27): "1.001200",
    date(2026, 3, 28): "0.998700",
    date(2026, 3, 29): "1.000300",
    date(2026, 3, 30): "0.997800",
    date(2026, 3, 31): "0.996900",
    date(2026, 4, 1): "1.000800",
    date(2026, 4, 2): "0.999500",
    date(2026, 4, 3): "1.000100",
    date(2026, 4, 4): "0.998200",
    date(2026, 4, 5): "1.000600",
}
NEW_DAY_PRICE = (date(2026, 4, 6), "0.999300")
LATE_PRICE_DAY = date(2026, 3, 31)  # a week before the new day, the quarter end
LATE_PRICE = "0.994100"


def _dbt(warehouse: Path, work: Path, *args: str, command: str = "build") -> dbtRunnerResult:
    """`dbt build` (or `dbt test`) of the whole project in this process: no selection."""
    return run_dbt(warehouse, work, *args, dbt_vars=DBT_VARS, command=command)


def _tables(warehouse: Path) -> Tables:
    return read_tables(warehouse, COMPARED)


def _differences(expected: Tables, actual: Tables, label: str) -> list[str]:
    """One message per table whose columns or rows differ (all tables, not only the first)."""
    problems = []
    for table in COMPARED:
        exp_columns, exp_rows = expected[table]
        act_columns, act_rows = actual[table]
        if exp_columns != act_columns:
            problems.append(f"{table}: columns differ\n  {act_columns}\n  {exp_columns}")
        elif act_rows != exp_rows:
            only_act = sorted(set(act_rows) - set(exp_rows), key=repr)[:3]
            only_exp = sorted(set(exp_rows) - set(act_rows), key=repr)[:3]
            problems.append(
                f"{table}: {len(act_rows)} vs {len(exp_rows)} rows ({label})\n"
                f"  incremental only: {only_act}\n  expected only: {only_exp}"
            )
    return problems


def _assert_same_as_full_refresh(warehouse: Path, work: Path, step: str) -> Tables:
    full = work / f"full_{step.replace(' ', '_')}.duckdb"
    _execute(warehouse)  # checkpoint: the copy must hold everything
    shutil.copyfile(warehouse, full)
    _dbt(full, work, "--full-refresh", *MODELS_ONLY)
    incremental_tables, full_tables = _tables(warehouse), _tables(full)
    full.unlink()
    empty = [t for t in COMPARED if not full_tables[t][1]]
    assert not empty, (step, "empty after a full refresh", empty)
    problems = _differences(full_tables, incremental_tables, "incremental vs full refresh")
    if problems:
        pytest.fail(f"{step}: differs from a full refresh\n" + "\n".join(problems))
    return incremental_tables


def _last_mart_cut(warehouse: Path) -> tuple[bool, date | None, str]:
    con = duckdb.connect(str(warehouse))
    try:
        return con.execute(
            "select rebuild_all, cut_date, reason "
            "from intermediate.int_inventory__mart_cuts order by run_seq desc limit 1"
        ).fetchone()
    finally:
        con.close()


def _execute(warehouse: Path, *statements: str, params: list[list[Any]] | None = None) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("set timezone = 'UTC'")
        for i, statement in enumerate(statements):
            con.execute(statement, params[i] if params else None)
        con.execute("checkpoint")
    finally:
        con.close()


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _file_row(
    con: duckdb.DuckDBPyConnection, sha: str, source: str, kind: str, adapter: str, rows: int
) -> None:
    """The audit.files row of a loaded (current) file: staging keeps only such files' rows."""
    con.execute(
        "insert into audit.files (sha256, path, file_name, size_bytes, dropped_at, source, kind,"
        " adapter, status, rows_in, rows_loaded, rows_quarantined, load_id, loaded_at) values"
        " (?, ?, ?, 1, ?, ?, ?, ?, 'loaded', ?, ?, 0, ?, ?)",
        [sha, f"{source}/{sha}.csv", f"{sha}.csv", datetime.now(UTC), source, kind, adapter,
         rows, rows, f"load-{sha}", datetime.now(UTC)],
    )  # fmt: skip


def _load_prices(con: duckdb.DuckDBPyConnection, sha: str, prices: list[tuple[str, str]]) -> None:
    """A coingecko price file: (UTC time, price) rows, exact 6-decimal USD."""
    con.executemany(
        "insert into raw.prices (source, asset, ts, convention, price_usd, price_text,"
        " statement_key, file_path, file_sha256, row_number, load_id) values ('coingecko', ?, ?,"
        " 'snapshot', ?, ?, ?, ?, ?, ?, ?)",
        [[ASSET, _ts(at), Decimal(price), price, f"coingecko:{sha}", f"coingecko/{sha}.csv", sha,
          i, f"load-{sha}"] for i, (at, price) in enumerate(prices, 1)],
    )  # fmt: skip
    _file_row(con, sha, "coingecko", "prices", "coingecko", len(prices))


def _load_trades(
    con: duckdb.DuckDBPyConnection,
    sha: str,
    trades: list[tuple[str, str, str, str, str]],
    opening: dict[str, Decimal] | None = None,
) -> None:
    """A Kraken export: each USD1/USD trade as two final legs sharing the ref_id, with the
    running balance per asset that Kraken writes (balance = previous + amount - fee)."""
    rows = []
    running: dict[str, Decimal] = dict(opening or {})
    for ref, at, token_amount, usd_amount, usd_fee in trades:
        for asset, amount, fee in ((ASSET, token_amount, "0"), ("USD", usd_amount, usd_fee)):
            running[asset] = running.get(asset, Decimal(0)) + Decimal(amount) - Decimal(fee)
            rows.append(
                [EXCHANGE_ACCOUNT, f"{ref}-{asset}", ref, asset, asset, Decimal(amount),
                 Decimal(fee), running[asset], _ts(at), f"kraken:{sha}", f"kraken/{sha}.csv",
                 sha, len(rows) + 1, f"load-{sha}"]
            )  # fmt: skip
    con.executemany(
        "insert into raw.exchange_entries (source, adapter, venue, account_id, entry_id, ref_id,"
        " entry_type, venue_type, is_final, asset, venue_asset, amount, fee, fee_asset, balance,"
        " occurred_at, statement_key, file_path, file_sha256, row_number, load_id) values"
        " ('kraken-ops', 'kraken', 'kraken', ?, ?, ?, 'trade', 'trade', true, ?, ?, ?, ?, 'USD',"
        " ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    _file_row(con, sha, "kraken-ops", "exchange", "kraken", len(rows))


def _enrich(con: duckdb.DuckDBPyConnection) -> None:
    """The off-chain and valuation inputs, as ingestion writes them into raw."""
    entities = {e for (e,) in con.execute("select entity from raw.registry_entities").fetchall()}
    assert entities == {"acme-pay", "acme-trust"}, entities
    con.execute("insert into raw.valuation_price_sources values (?, 'coingecko', 1)", [ASSET])
    con.execute("insert into raw.registry_price_sources values ('coingecko', ?, true)", [ASSET])
    con.execute(
        "insert into raw.valuation_cost_methods values ('acme-pay', 'fifo'),"
        " ('acme-trust', 'weighted_average')"
    )
    con.execute(
        "insert into raw.valuation_policies values"
        " (?, 'acme-pay', 'cost_less_impairment', date '2026-01-01', 'at cost less impairment'),"
        " (?, 'acme-trust', 'cash_equivalent', date '2026-01-01', 'at par'),"
        " (?, 'acme-trust', 'fair_value', date '2026-04-01', 'at fair value from Q2')",
        [ASSET, ASSET, ASSET],
    )
    con.execute(
        "insert into raw.registry_accounts values (?, 'exchange', 'kraken', ?, 'acme-pay',"
        " 'operating', 'ethereum', 'trading', ?, null)",
        [EXCHANGE_ACCOUNT, EXCHANGE_ACCOUNT, EXCHANGE_DEPOSIT],
    )
    con.execute(
        "insert into raw.registry_concentration_limits values"
        " (0, null, 'location', null, 0.30, null, 'default'),"
        " (1, null, 'network', null, 0.98, null, 'default'),"
        " (2, null, 'custody_provider', 'custodian-x', null, 2000000000,"
        " 'custody_provider:custodian-x'),"
        " (3, 'acme-trust', 'location', null, 0.60, null, 'acme-trust/default')"
    )
    # liquidity: the default channels and the US calendar over the generated days
    write_schedule(con, LiquidityConfig(), ZoneInfo("UTC"), date(2026, 3, 27), date(2026, 4, 30))
    # wallet control at each day end: every wallet a single key but the first, a 2-of-3 Safe
    # whose signer 0x…b is swapped for 0x…d from 2026-03-30 on
    con.execute(
        "insert into raw.onchain_wallet_control select d.chain_id, w.network, w.address, "
        "coalesce(d.last_block, 0), coalesce(d.last_block_hash, '0x'), "
        "coalesce(d.last_block_time, timestamptz '2026-03-25 00:00:00+00'), d.block_date, "
        "case when w.address = m.first then 'safe' else 'eoa' end, null, null, null, "
        "case when w.address = m.first then 2 end, d.is_final, 'test', 'test' "
        "from raw.registry_wallets w cross join raw.onchain_day_blocks d "
        "cross join (select min(address) as first from raw.registry_wallets) m "
        "where w.network = d.network"
    )
    con.execute(
        "insert into raw.onchain_wallet_signers select c.chain_id, c.network, c.address, "
        "c.block_date, s.signer from raw.onchain_wallet_control c cross join (values "
        "('0x' || repeat('a', 40)), ('0x' || repeat('b', 40)), ('0x' || repeat('c', 40)), "
        "('0x' || repeat('d', 40))) s(signer) where c.wallet_kind = 'safe' and "
        "(s.signer in ('0x' || repeat('a', 40), '0x' || repeat('c', 40)) or "
        "(s.signer = '0x' || repeat('b', 40)) = (c.block_date < date '2026-03-30'))"
    )
    con.execute(
        "update raw.onchain_wallet_control c set signer_count = 3, signers = (select "
        "string_agg(s.signer, ',' order by s.signer) from raw.onchain_wallet_signers s "
        "where s.address = c.address and s.block_date = c.block_date) "
        "where c.wallet_kind = 'safe'"
    )
    # the issuer's freeze view at each day end: the last wallet frozen on 03-31 and 04-01
    # (freeze_exposure lists it; inventory_daily counts its balance frozen)
    con.execute(
        "insert into raw.onchain_freezes select d.chain_id, w.network, n.token_address, "
        "w.address, coalesce(d.last_block, 0), coalesce(d.last_block_hash, '0x'), "
        "coalesce(d.last_block_time, timestamptz '2026-03-25 00:00:00+00'), d.block_date, "
        "w.address = m.last and d.block_date between date '2026-03-31' and date '2026-04-01', "
        "d.is_final, 'test', 'test' "
        "from raw.registry_wallets w cross join raw.onchain_day_blocks d "
        "join raw.registry_networks n on n.network = w.network "
        "cross join (select max(address) as last from raw.registry_wallets) m "
        "where w.network = d.network"
    )
    _load_prices(
        con, "prices-1", [(f"{day.isoformat()} 12:00:00", price) for day, price in PRICES.items()]
    )
    _load_trades(con, "kraken-1", TRADES)
    # the operator's books of the exchange account (reconciliation: exchange_vs_ledger): the
    # sale booked a day late (a break that clears), the last purchase mis-booked (open)
    con.execute(
        "insert into raw.registry_accounts values ('ledger-kraken', 'ledger', null, null,"
        " 'acme-pay', 'operating', null, null, null, ?)",
        [EXCHANGE_ACCOUNT],
    )
    con.execute(
        "insert into raw.registry_reconciliation_comparisons values"
        " ('exchange_vs_ledger', 0.01, 3, 72)"
    )
    late = {"sell-1": timedelta(days=1)}
    wrong = {"buy-3": Decimal("-0.5")}
    ledger = [
        [f"le-{ref}", Decimal(amount) + wrong.get(ref, 0), _ts(at) + late.get(ref, timedelta()), i]
        for i, (ref, at, amount, _, _) in enumerate(TRADES, 1)
    ]
    con.executemany(
        "insert into raw.ledger_entries (source, entry_id, account_id, owner_type, entity,"
        " entry_type, asset, amount, posted_at, statement_key, file_path, file_sha256,"
        " row_number, load_id) values ('ledger', ?, 'ledger-kraken', 'operating', 'acme-pay',"
        " 'trade', 'USD1', ?, ?, 'ledger:ledger-1', 'ledger/ledger-1.csv', 'ledger-1', ?,"
        " 'load-ledger-1')",
        ledger,
    )
    _file_row(con, "ledger-1", "ledger", "ledger", "internal_ledger", len(ledger))
    # a deposit to the exchange account, booked by the venue and the ledger alike, that no
    # transfer of the history carries (marts.transaction_matches lists both records)
    con.execute(
        "insert into raw.exchange_entries (source, adapter, venue, account_id, entry_id, ref_id,"
        " entry_type, venue_type, is_final, asset, venue_asset, amount, fee, fee_asset,"
        " occurred_at, statement_key, file_path, file_sha256, row_number, load_id) values"
        " ('kraken-ops', 'kraken', 'kraken', ?, 'dep-1', 'dep-1', 'deposit', 'deposit', true,"
        " ?, ?, 25, 0, ?, ?, 'kraken:kraken-dep', 'kraken/kraken-dep.csv', 'kraken-dep', 1,"
        " 'load-kraken-dep')",
        [EXCHANGE_ACCOUNT, ASSET, ASSET, ASSET, _ts(DEPOSIT_AT)],
    )
    _file_row(con, "kraken-dep", "kraken-ops", "exchange", "kraken", 1)
    con.execute(
        "insert into raw.ledger_entries (source, entry_id, account_id, owner_type, entity,"
        " entry_type, asset, amount, posted_at, network, statement_key, file_path, file_sha256,"
        " row_number, load_id) values ('ledger', 'le-dep-1', 'ledger-kraken', 'operating',"
        " 'acme-pay', 'deposit', 'USD1', 25, ?, 'ethereum', 'ledger:ledger-dep',"
        " 'ledger/ledger-dep.csv', 'ledger-dep', 1, 'load-ledger-dep')",
        [_ts(DEPOSIT_AT)],
    )
    _file_row(con, "ledger-dep", "ledger", "ledger", "internal_ledger", 1)


def test_incremental_whole_project_equals_full_refresh(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        sizes = generate_raw(
            con,
            transfers=TRANSFERS,
            days=DAYS,
            wallets=WALLETS,
            start=START,
            pending_blocks=PENDING_BLOCKS,
        )
        _enrich(con)
        con.execute("checkpoint")
    finally:
        con.close()
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    assert _last_mart_cut(warehouse)[0] is True  # the first build is a full one

    # the fixture reaches what the steps are about: exchange trades become cost events, the
    # fifo entity is impaired at the quarter end, both cost methods have pools
    con = duckdb.connect(str(warehouse))
    try:
        exchange_events = con.execute(
            "select count(*) from intermediate.int_valuation__cost_events "
            "where event_source = 'exchange'"
        ).fetchone()[0]
        impairment = con.execute(
            "select max(accumulated_impairment_usd) from intermediate.int_valuation__lot_impairment"
            " where entity = 'acme-pay'"
        ).fetchone()[0]
        methods = con.execute(
            "select string_agg(distinct cost_method, ',' order by cost_method) "
            "from intermediate.int_valuation__cost_basis"
        ).fetchone()[0]
    finally:
        con.close()
    assert exchange_events == len(TRADES)
    assert impairment is not None and impairment > Decimal(0), impairment
    assert methods == "fifo,weighted_average", methods

    # 1. one more day: the pending tail becomes final, the new day arrives (all final) with
    # its price (a new price file)
    con = duckdb.connect(str(warehouse))
    try:
        added = append_day(
            con,
            days=DAYS,
            wallets=WALLETS,
            per_day=sizes["per_day"],
            start=START,
            pending_blocks=0,
        )
        new_day, new_price = NEW_DAY_PRICE
        _load_prices(con, "prices-2", [(f"{new_day.isoformat()} 12:00:00", new_price)])
        con.execute("checkpoint")
    finally:
        con.close()
    assert added == sizes["per_day"]
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    rebuild_all, cut_date, reason = _last_mart_cut(warehouse)
    # the old pending day (the inventory's cut) comes before the new day's price
    assert not rebuild_all and cut_date == date(2026, 4, 5), (cut_date, reason)
    assert "inventory cut" in reason and "prices changed" in reason, reason
    _assert_same_as_full_refresh(warehouse, tmp_path, "new day")

    # 2. a late price for the quarter end, a week back: the day's price is now this one
    con = duckdb.connect(str(warehouse))
    try:
        _load_prices(con, "prices-late", [(f"{LATE_PRICE_DAY.isoformat()} 21:00:00", LATE_PRICE)])
        con.execute("checkpoint")
    finally:
        con.close()
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    assert _last_mart_cut(warehouse) == (False, LATE_PRICE_DAY, "prices changed")
    tables = _assert_same_as_full_refresh(warehouse, tmp_path, "late price")
    con = duckdb.connect(str(warehouse))
    try:
        price = con.execute(
            "select price_usd from intermediate.int_valuation__daily_prices "
            "where as_of_date = ? and asset = ?",
            [LATE_PRICE_DAY, ASSET],
        ).fetchone()[0]
    finally:
        con.close()
    assert price == Decimal(LATE_PRICE)

    # 3. a late exchange trade for an old day (a new export file)
    con = duckdb.connect(str(warehouse))
    try:
        # the export of a window starting mid-history: its running balance goes on from
        # what the account held before the trade (buy-1 and buy-2)
        _load_trades(con, "kraken-late", [LATE_TRADE], {ASSET: Decimal(8000)})
        con.execute("checkpoint")
    finally:
        con.close()
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    rebuild_all, cut_date, reason = _last_mart_cut(warehouse)
    late_day = _ts(LATE_TRADE[1]).date()
    assert not rebuild_all and cut_date == late_day, (cut_date, reason)
    assert "exchange entries changed" in reason, reason
    before = _assert_same_as_full_refresh(warehouse, tmp_path, "late trade")
    assert before != tables  # the trade changed the marts
    con = duckdb.connect(str(warehouse))
    try:
        conversions = con.execute(
            "select count(*) from intermediate.int_valuation__cost_events "
            "where event_kind = 'conversion' and event_date = ?",
            [late_day],
        ).fetchone()[0]
    finally:
        con.close()
    assert conversions == 1

    # 4. nothing changed: no cut, and every table stays as it was
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    assert _last_mart_cut(warehouse) == (False, None, "nothing changed")
    problems = _differences(before, _tables(warehouse), "after vs before a run without change")
    assert not problems, "\n".join(problems)
    _assert_same_as_full_refresh(warehouse, tmp_path, "nothing changed")

    # 5. configuration: acme-pay's cost method switches to weighted average: all rebuilt
    _execute(
        warehouse,
        "update raw.valuation_cost_methods set cost_method = 'weighted_average' "
        "where entity = 'acme-pay'",
    )
    _dbt(warehouse, tmp_path, *MODELS_ONLY)
    rebuild_all, cut_date, reason = _last_mart_cut(warehouse)
    assert (
        rebuild_all and cut_date is None and reason == "configuration, vars or model code changed"
    ), reason
    after = _assert_same_as_full_refresh(warehouse, tmp_path, "cost method switched")
    assert (
        after["intermediate.int_valuation__cost_basis"]
        != before["intermediate.int_valuation__cost_basis"]
    )
    con = duckdb.connect(str(warehouse))
    try:
        methods = con.execute(
            "select string_agg(distinct cost_method, ',') "
            "from intermediate.int_valuation__cost_basis"
        ).fetchone()[0]
    finally:
        con.close()
    assert methods == "weighted_average", methods

    # every data and unit test passes on the incrementally built warehouse
    _dbt(warehouse, tmp_path, command="test")
