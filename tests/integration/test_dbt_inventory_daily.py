"""The real `dbt build` on a hand-written raw fixture: exact balances in marts.inventory_daily.

A temporary DuckDB warehouse gets the `raw` schema from `ingestion.warehouse.init_warehouse`
and a small fixture (one network, an 18-decimal token, two registry wallets): a mint the day
before the first shown day, a mint at 23:59:59 local time (America/New_York), an internal
transfer at 00:00:00 local, an external withdrawal, a silent day, a pending tail, and a transfer
of another token address that raw should never hold (it must be ignored, with a warning).
`dbt build` runs as a subprocess exactly as the pipeline runs it, twice, with its own target and
log folders so parallel runs never collide. About 15-20 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingestion.warehouse import init_warehouse

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO / "dbt_project"
DBT = Path(sys.executable).with_name("dbt")

DBT_VARS = {"reporting_timezone": "America/New_York", "start_date": "2026-01-05"}

NETWORK = "ethereum"
CHAIN_ID = 31337
TOKEN = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
OTHER_TOKEN = "0xdeaddeaddeaddeaddeaddeaddeaddeaddeaddead"
ZERO = "0x" + "0" * 40
TREASURY = "0x57e917aa013c4a6d0a44c807a5798fe16027f272"
OMNIBUS = "0x818d68c68588ed7a18a465b25ef9f1ff761bb800"
OUTSIDER = "0x" + "c" * 40
UNIT = 10**18  # token decimals

# wallet -> as_of_date -> balance at the end of that local day (token units)
EXPECTED_BALANCES: dict[str, dict[date, Decimal]] = {
    TREASURY: {
        date(2026, 1, 5): Decimal("1000011.123456789012345678"),
        date(2026, 1, 6): Decimal("750011.123456789012345677"),
        date(2026, 1, 7): Decimal("750011.123456789012345677"),
        date(2026, 1, 8): Decimal("750011.123456789012345677"),
        date(2026, 1, 9): Decimal("750011.123456789012345677"),
    },
    OMNIBUS: {
        date(2026, 1, 5): Decimal("0"),
        date(2026, 1, 6): Decimal("250000.000000000000000001"),
        date(2026, 1, 7): Decimal("248765.500000000000000001"),
        date(2026, 1, 8): Decimal("248765.500000000000000001"),
        date(2026, 1, 9): Decimal("248765.500000000000000001"),
    },
}


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _transfer(
    n: int,
    block: int,
    block_time: str,
    sender: str,
    receiver: str,
    amount_raw: int,
    *,
    is_final: bool = True,
    token: str = TOKEN,
) -> tuple[Any, ...]:
    return (
        CHAIN_ID,
        NETWORK,
        token,
        block,
        f"0x{block:064x}",
        _ts(block_time),
        f"0x{n:064x}",
        0,
        1,
        sender,
        receiver,
        Decimal(amount_raw),
        is_final,
        f"fixture:{n}",
        "load-fixture",
    )


# (block, UTC time, from, to, amount_raw, is_final, token)
TRANSFERS = [
    # 2026-01-04 local: before start_date, not shown, but it counts in every balance after it
    _transfer(1, 90, "2026-01-04 17:00:00", ZERO, TREASURY, 10 * UNIT),
    # 2026-01-05 local
    _transfer(2, 101, "2026-01-05 15:00:00", ZERO, TREASURY, 1_000_000_123_456_789_012_345_678),
    # 23:59:59 EST on the 5th = 04:59:59Z on the 6th: still the 5th's
    _transfer(3, 102, "2026-01-06 04:59:59", ZERO, TREASURY, 1 * UNIT),
    # 00:00:00 EST on the 6th: internal, treasury -> omnibus
    _transfer(4, 103, "2026-01-06 05:00:00", TREASURY, OMNIBUS, 250_000 * UNIT + 1),
    # 2026-01-07 local: external withdrawal of 1,234.5
    _transfer(5, 105, "2026-01-07 18:00:00", OMNIBUS, OUTSIDER, 1_234_500_000_000_000_000_000),
    # another token: raw should never hold it; the models must ignore it
    _transfer(6, 105, "2026-01-07 18:00:00", TREASURY, OUTSIDER, 999 * UNIT, token=OTHER_TOKEN),
    # 2026-01-08 local: silent (blocks, no transfers)
    # 2026-01-09 local: the pending tail, blocks not yet past the confirmation depth
    _transfer(7, 111, "2026-01-09 16:00:00", OMNIBUS, OUTSIDER, 100 * UNIT, is_final=False),
    _transfer(8, 112, "2026-01-09 17:00:00", OUTSIDER, TREASURY, 50 * UNIT, is_final=False),
]

# (block_date, first_block, last_block, last_block_time, final_block, is_day_complete, is_final)
DAY_BLOCKS = [
    (date(2026, 1, 4), 90, 100, "2026-01-05 04:00:00", 108, True, True),
    (date(2026, 1, 5), 101, 102, "2026-01-06 04:59:59", 108, True, True),
    (date(2026, 1, 6), 103, 104, "2026-01-06 20:00:00", 108, True, True),
    (date(2026, 1, 7), 105, 106, "2026-01-07 18:00:00", 108, True, True),
    (date(2026, 1, 8), 107, 108, "2026-01-08 12:00:00", 108, True, True),
    (date(2026, 1, 9), 109, 112, "2026-01-09 17:00:00", 108, False, False),
]


def _load_fixture(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        init_warehouse(con)
        con.execute("insert into raw.registry_entities values ('acme-pay', 'Acme Pay Inc.')")
        con.execute(
            "insert into raw.registry_networks values (?, ?, ?, 'USD1', 18, 3, 0)",
            [NETWORK, CHAIN_ID, TOKEN],
        )
        con.executemany(
            "insert into raw.registry_wallets values (?, ?, 'acme-pay', ?, ?, 'self', ?)",
            [
                [NETWORK, TREASURY, "treasury", "treasury", "operating"],
                [NETWORK, OMNIBUS, "omnibus-hot", "omnibus", "client"],
            ],
        )
        con.executemany(
            "insert into raw.onchain_transfers (chain_id, network, token_address, block_number, "
            "block_hash, block_time, tx_hash, tx_index, log_index, from_address, to_address, "
            f"amount_raw, is_final, source_ref, load_id) values ({', '.join(['?'] * 15)})",
            [list(row) for row in TRANSFERS],
        )
        con.executemany(
            "insert into raw.onchain_day_blocks values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [NETWORK, CHAIN_ID, day, first, last, f"0x{last:064x}", _ts(at), final, done, fin]
                for day, first, last, at, final, done, fin in DAY_BLOCKS
            ],
        )
    finally:
        con.close()


@dataclass
class Built:
    warehouse: Path
    target: Path
    first_rows: list[tuple[Any, ...]]
    build_output: str


def _dbt_build(warehouse: Path, work: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "USD1INV_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    return subprocess.run(
        [
            str(DBT),
            "build",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
            "--vars",
            json.dumps(DBT_VARS),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _mart_rows(warehouse: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select * from marts.inventory_daily order by as_of_date, network, location_id"
        ).fetchall()
    finally:
        con.close()


def _query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    work = tmp_path_factory.mktemp("dbt_inventory_daily")
    warehouse = work / "warehouse.duckdb"
    _load_fixture(warehouse)
    result = _dbt_build(warehouse, work)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout}\n{result.stderr}"
    yield Built(warehouse, work / "target", _mart_rows(warehouse), result.stdout)


def _by_wallet_day(warehouse: Path, column: str) -> dict[str, dict[date, Any]]:
    rows = _query(
        warehouse,
        f"select location_id, as_of_date, {column} from marts.inventory_daily",
    )
    out: dict[str, dict[date, Any]] = {}
    for location_id, as_of_date, value in rows:
        out.setdefault(location_id, {})[as_of_date] = value
    return out


def test_balances_are_exact_per_wallet_per_day(built: Built) -> None:
    assert _by_wallet_day(built.warehouse, "balance") == EXPECTED_BALANCES
    raw = _by_wallet_day(built.warehouse, "balance_raw")
    for wallet, days in EXPECTED_BALANCES.items():
        for day, balance in days.items():
            assert raw[wallet][day] == balance * UNIT, (wallet, day)


def test_days_shown_are_the_synced_days_from_start_date(built: Built) -> None:
    days = _query(built.warehouse, "select distinct as_of_date from marts.inventory_daily")
    assert sorted(d for (d,) in days) == [date(2026, 1, d) for d in range(5, 10)]


def test_flows_counts_and_last_movement(built: Built) -> None:
    rows = _query(
        built.warehouse,
        "select location_id, as_of_date, inflow, outflow, transfer_count, last_movement_at "
        "from marts.inventory_daily",
    )
    got = {(loc, day): (inflow, outflow, n, at) for loc, day, inflow, outflow, n, at in rows}
    # the 23:59:59 local mint belongs to the 5th; the 00:00:00 local transfer to the 6th
    assert got[(TREASURY, date(2026, 1, 5))] == (
        Decimal("1000001.123456789012345678"),
        Decimal(0),
        2,
        _ts("2026-01-06 04:59:59"),
    )
    assert got[(TREASURY, date(2026, 1, 6))][1:3] == (Decimal("250000.000000000000000001"), 1)
    assert got[(OMNIBUS, date(2026, 1, 6))][0::2] == (Decimal("250000.000000000000000001"), 1)
    assert got[(OMNIBUS, date(2026, 1, 7))][1:3] == (Decimal("1234.5"), 1)
    # the other token's transfer on the 7th is not a treasury movement
    assert got[(TREASURY, date(2026, 1, 7))] == (
        Decimal(0),
        Decimal(0),
        0,
        _ts("2026-01-06 05:00:00"),
    )
    # silent day: nothing moved, balances carried forward (checked above)
    for wallet in (TREASURY, OMNIBUS):
        assert got[(wallet, date(2026, 1, 8))][:3] == (Decimal(0), Decimal(0), 0)
    # pending movements are not flows
    assert got[(OMNIBUS, date(2026, 1, 9))][:3] == (Decimal(0), Decimal(0), 0)
    assert got[(OMNIBUS, date(2026, 1, 5))][3] is None


def test_pending_and_available(built: Built) -> None:
    rows = _query(
        built.warehouse,
        "select location_id, as_of_date, pending_in, pending_out, frozen, locked, available, "
        "balance, is_day_complete, is_final, day_last_block from marts.inventory_daily",
    )
    got = {(row[0], row[1]): row[2:] for row in rows}
    treasury_balance = EXPECTED_BALANCES[TREASURY][date(2026, 1, 9)]
    omnibus_balance = EXPECTED_BALANCES[OMNIBUS][date(2026, 1, 9)]
    assert got[(TREASURY, date(2026, 1, 9))] == (
        Decimal(50),
        Decimal(0),
        Decimal(0),
        Decimal(0),
        treasury_balance,
        treasury_balance,
        False,
        False,
        112,
    )
    assert got[(OMNIBUS, date(2026, 1, 9))] == (
        Decimal(0),
        Decimal(100),
        Decimal(0),
        Decimal(0),
        Decimal("248665.500000000000000001"),
        omnibus_balance,
        False,
        False,
        112,
    )
    for (wallet, day), values in got.items():
        if day < date(2026, 1, 9):
            pending_in, pending_out, _, _, available, balance, complete, final, _ = values
            assert (pending_in, pending_out) == (0, 0), (wallet, day)
            assert available == balance, (wallet, day)
            assert complete and final, (wallet, day)


def test_descriptive_columns(built: Built) -> None:
    rows = _query(
        built.warehouse,
        "select distinct location_id, entity, network, chain_id, asset, token_address, "
        "location_type, location_label, custody_provider, purpose, ownership "
        "from marts.inventory_daily order by location_id",
    )
    assert rows == sorted(
        [
            (
                TREASURY,
                "acme-pay",
                NETWORK,
                CHAIN_ID,
                "USD1",
                TOKEN,
                "wallet",
                "treasury",
                "self",
                "treasury",
                "operating",
            ),
            (
                OMNIBUS,
                "acme-pay",
                NETWORK,
                CHAIN_ID,
                "USD1",
                TOKEN,
                "wallet",
                "omnibus-hot",
                "self",
                "omnibus",
                "client",
            ),
        ]
    )


def test_movement_types(built: Built) -> None:
    rows = _query(
        built.warehouse,
        "select tx_hash, address, direction, movement_type, counterparty_address "
        "from intermediate.int_inventory__wallet_movements order by tx_hash, direction",
    )
    by_tx = {
        (int(tx, 16), address, direction): (kind, other)
        for tx, address, direction, kind, other in rows
    }
    assert by_tx == {
        (1, TREASURY, "in"): ("mint", ZERO),
        (2, TREASURY, "in"): ("mint", ZERO),
        (3, TREASURY, "in"): ("mint", ZERO),
        (4, OMNIBUS, "in"): ("internal", TREASURY),
        (4, TREASURY, "out"): ("internal", OMNIBUS),
        (5, OMNIBUS, "out"): ("external", OUTSIDER),
        (7, OMNIBUS, "out"): ("external", OUTSIDER),
        (8, TREASURY, "in"): ("external", OUTSIDER),
    }


def test_other_token_in_raw_is_flagged_as_a_warning(built: Built) -> None:
    results = json.loads((built.target / "run_results.json").read_text())["results"]
    statuses = {r["unique_id"]: r["status"] for r in results}
    warned = [uid for uid, status in statuses.items() if status == "warn"]
    assert any("stg_onchain__transfers_token_address" in uid for uid in warned), warned
    assert not [uid for uid, status in statuses.items() if status in {"error", "fail"}]


def test_marts_have_no_floating_point_columns(built: Built) -> None:
    rows = _query(
        built.warehouse,
        "select table_schema, table_name, column_name, data_type "
        "from information_schema.columns "
        "where table_schema in ('staging', 'intermediate', 'marts')",
    )
    assert rows, "no dbt relations found"
    bad = [
        row
        for row in rows
        if row[3].upper() in {"DOUBLE", "FLOAT", "REAL", "HUGEINT", "UHUGEINT", "BIGNUM"}
    ]
    assert not bad, bad
    marts = {
        column: data_type
        for schema, table, column, data_type in rows
        if (schema, table) == ("marts", "inventory_daily")
    }
    assert marts["balance"] == "DECIMAL(38,18)"
    assert marts["available"] == "DECIMAL(38,18)"
    assert marts["balance_raw"] == "DECIMAL(38,0)"
    assert marts["transfer_count"] == "BIGINT"


def test_second_build_gives_identical_rows(built: Built) -> None:
    result = _dbt_build(built.warehouse, built.target.parent)
    assert result.returncode == 0, f"second dbt build failed:\n{result.stdout}\n{result.stderr}"
    assert _mart_rows(built.warehouse) == built.first_rows
    assert len(built.first_rows) == 10
