"""fair_value: FIFO against weighted-average cost, and impairment carried forward (never
reversed) on the cost_less_impairment basis, on a real `dbt build` over a raw fixture in a real
DuckDB file. Two entities live through the same events; fifo-co costs by FIFO lots
(valuation.cost_method_by_entity), avg-co by moving weighted average (the default); both are
measured at cost less impairment from 2026-01-01.

Per entity (UTC days, one operating wallet, one operating exchange account):
  01-05  100 in from outside at the day's price 1.00     lot 1: 100 @ 1.00 = 100
  01-10  100 in at 0.90                                  lot 2: 100 @ 0.90 =  90
  01-19  150 to the own exchange account (inside the pool: no event)
  01-20  sell 150 USD1 for 148.50 USD on the exchange (a conversion)
           FIFO: cost 100 x 1.00 + 50 x 0.90 = 145.00  gain 3.50; left lot 2: 50 @ 0.90
           WA:   avg 190 / 200 = 0.95, cost 142.50     gain 6.00; left 50 @ 0.95
  01-31  month-end price 0.80: impaired (FIFO 50 x 0.10 = 5.00, WA 50 x 0.15 = 7.50)
  02-28  month-end price 1.00: the price recovers, the impairment stays (carrying 40 for both)
  03-15  50 in at 0.95                                   lot 3: 50 @ 0.95 = 47.50
  03-31  month-end price 0.85: lot 3 impaired by 50 x 0.10 = 5.00 (lot 2 stays at 0.80)
           FIFO: cost 45 + 47.50 = 92.50, accumulated 5 + 5 = 10, carrying 82.50
           WA:   avg 95 / 100 = 0.95, accumulated 50 x 0.15 + 50 x 0.10 = 12.50, carrying 82.50
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
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
DBT_VARS = {"reporting_timezone": "UTC", "start_date": "2026-01-01"}

TOKEN = "0x5fbdb2315678afecb367f032d93f642f64180aa3"
OUTSIDER = "0x" + "c" * 40
UNIT = 10**6  # a 6-decimal token, as USD1 on the demo's ethereum
FIRST_DAY, LAST_DAY = date(2026, 1, 1), date(2026, 3, 31)
# entity -> (wallet, exchange account id, exchange deposit address, cost method)
ENTITIES = {
    "fifo-co": ("0x" + "f1" * 20, "kraken-fifo", "0x" + "f2" * 20, "fifo"),
    "avg-co": ("0x" + "a1" * 20, "kraken-avg", "0x" + "a2" * 20, "weighted_average"),
}
PRICES = [
    ("2026-01-05 12:00:00", "1.00"),
    ("2026-01-10 12:00:00", "0.90"),
    ("2026-01-31 12:00:00", "0.80"),
    ("2026-02-28 12:00:00", "1.00"),
    ("2026-03-15 12:00:00", "0.95"),
    ("2026-03-31 12:00:00", "0.85"),
]


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _block(day: date) -> int:
    return 10 * ((day - FIRST_DAY).days + 1)


def load_fixture(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        init_warehouse(con)
        con.execute("insert into raw.registry_networks values ('ethereum', 1, ?, 'USD1', 6, 0, 0)",
                    [TOKEN])  # fmt: skip
        transfers, n = [], 0
        for entity, (wallet, account, deposit, method) in ENTITIES.items():
            con.execute("insert into raw.registry_entities values (?, ?)", [entity, entity])
            con.execute(
                "insert into raw.registry_wallets values ('ethereum', ?, ?, 'hot', 'hot', 'self',"
                " 'operating')",
                [wallet, entity],
            )
            con.execute(
                "insert into raw.registry_accounts values (?, 'exchange', 'kraken', ?, ?,"
                " 'operating', 'ethereum', 'trading', ?, ?)",
                [account, account, entity, deposit, account],
            )
            con.execute("insert into raw.valuation_cost_methods values (?, ?)", [entity, method])
            con.execute(
                "insert into raw.valuation_policies values ('USD1', ?, 'cost_less_impairment',"
                " date '2026-01-01', 'intangible at cost less impairment')",
                [entity],
            )
            for at, sender, receiver, units in (
                ("2026-01-05 13:00:00", OUTSIDER, wallet, 100),
                ("2026-01-10 13:00:00", OUTSIDER, wallet, 100),
                ("2026-01-19 13:00:00", wallet, deposit, 150),
                ("2026-03-15 13:00:00", OUTSIDER, wallet, 50),
            ):
                n += 1
                block = _block(_ts(at).date())
                transfers.append([block, f"0x{block:064x}", _ts(at), f"0x{n:064x}", sender,
                                  receiver, Decimal(units * UNIT)])  # fmt: skip
            # the venue credits the deposit, then the sale: two legs sharing ref_id sell-1
            for row, (kind, ref, asset, amount, at) in enumerate(
                (
                    ("deposit", "dep-1", "USD1", "150", "2026-01-19 14:00:00"),
                    ("trade", "sell-1", "USD1", "-150", "2026-01-20 15:00:00"),
                    ("trade", "sell-1", "USD", "148.5", "2026-01-20 15:00:00"),
                ),
                1,
            ):
                con.execute(
                    "insert into raw.exchange_entries (source, adapter, venue, account_id,"
                    " entry_id, ref_id, entry_type, venue_type, is_final, asset, venue_asset,"
                    " amount, fee, fee_asset, occurred_at, statement_key, file_path,"
                    " file_sha256, row_number, load_id) values (?, 'kraken', 'kraken', ?, ?,"
                    " ?, ?, ?, true, ?, ?, ?, 0, ?, ?, 'k', 'k.csv', ?, ?, 'load')",
                    [account, account, f"{account}-{row}", ref, kind, kind, asset, asset,
                     Decimal(amount), asset, _ts(at), f"sha-{account}", row],
                )  # fmt: skip
            con.execute(
                "insert into audit.files (sha256, path, file_name, size_bytes, dropped_at, source,"
                " kind, adapter, status, rows_in, rows_loaded, rows_quarantined, load_id,"
                " loaded_at) values (?, ?, ?, 1, ?, ?, 'exchange', 'kraken', 'loaded', 3, 3, 0,"
                " 'load', ?)",
                [f"sha-{account}", f"{account}.csv", f"{account}.csv", _ts("2026-04-01 00:00:00"),
                 account, _ts("2026-04-01 00:00:00")],
            )  # fmt: skip
        con.executemany(
            "insert into raw.onchain_transfers (chain_id, network, token_address, block_number,"
            " block_hash, block_time, tx_hash, tx_index, log_index, from_address, to_address,"
            " amount_raw, is_final, source_ref, load_id) values (1, 'ethereum', ?, ?, ?, ?, ?,"
            " 0, 1, ?, ?, ?, true, 'fixture', 'load')",
            [[TOKEN, *row] for row in transfers],
        )
        days = [FIRST_DAY + timedelta(days=i) for i in range((LAST_DAY - FIRST_DAY).days + 1)]
        con.executemany(
            "insert into raw.onchain_day_blocks values ('ethereum', 1, ?, ?, ?, ?, ?, ?, true,"
            " true)",
            [[day, _block(day), _block(day) + 9, f"0x{_block(day) + 9:064x}",
              datetime(day.year, day.month, day.day, 23, tzinfo=UTC), _block(LAST_DAY) + 9]
             for day in days],
        )  # fmt: skip
        con.execute("insert into raw.valuation_price_sources values ('USD1', 'coingecko', 1)")
        con.executemany(
            "insert into raw.prices (source, asset, ts, convention, price_usd, price_text,"
            " statement_key, file_path, file_sha256, row_number, load_id) values ('coingecko',"
            " 'USD1', ?, 'snapshot', ?, ?, 'p', 'p.csv', 'sha-prices', ?, 'load')",
            [[_ts(at), Decimal(price), price, i] for i, (at, price) in enumerate(PRICES, 1)],
        )
        con.execute(
            "insert into audit.files (sha256, path, file_name, size_bytes, dropped_at, source,"
            " kind, adapter, status, rows_in, rows_loaded, rows_quarantined, load_id, loaded_at)"
            " values ('sha-prices', 'p.csv', 'p.csv', 1, ?, 'coingecko', 'prices', 'coingecko',"
            " 'loaded', 6, 6, 0, 'load', ?)",
            [_ts("2026-04-01 00:00:00"), _ts("2026-04-01 00:00:00")],
        )
    finally:
        con.close()


def dbt_build(warehouse: Path, work: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "USD1INV_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    return subprocess.run(
        [str(DBT), "build", "--project-dir", str(DBT_PROJECT_DIR),
         "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(work / "target"),
         "--log-path", str(work / "logs"), "--vars", json.dumps(DBT_VARS)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.fixture(scope="module")
def fair_value(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple, dict]]:
    work = tmp_path_factory.mktemp("dbt_fair_value_fifo")
    path = work / "warehouse.duckdb"
    load_fixture(path)
    result = dbt_build(path, work)
    assert result.returncode == 0, f"dbt build failed:\n{result.stdout[-8000:]}\n{result.stderr}"
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute("select * from marts.fair_value where ownership = 'operating'")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()
    yield {(r["period"], r["entity"]): r for r in rows}


def _pick(row: dict[str, Any], *columns: str) -> tuple:
    return tuple(row[c] for c in columns)


COST = ("cost_method", "units", "average_cost_per_unit", "cost_basis_usd", "realized_gain_loss_usd")
IMPAIRMENT = ("price_usd", "impairment_loss_usd", "accumulated_impairment_usd",
              "carrying_amount_usd")  # fmt: skip


def test_fifo_and_weighted_average_cost_differ_as_hand_computed(fair_value):
    assert _pick(fair_value[("2026-01", "fifo-co")], *COST) == (
        "fifo", Decimal(50), Decimal("0.9"), Decimal(45), Decimal("3.5")
    )  # fmt: skip
    assert _pick(fair_value[("2026-01", "avg-co")], *COST) == (
        "weighted_average", Decimal(50), Decimal("0.95"), Decimal("47.5"), Decimal(6)
    )  # fmt: skip
    # March: lot 3 joins; FIFO averages the lots left (45 + 47.50) / 100
    assert _pick(fair_value[("2026-03", "fifo-co")], *COST) == (
        "fifo", Decimal(100), Decimal("0.925"), Decimal("92.5"), Decimal(0)
    )  # fmt: skip
    assert _pick(fair_value[("2026-03", "avg-co")], *COST) == (
        "weighted_average", Decimal(100), Decimal("0.95"), Decimal(95), Decimal(0)
    )  # fmt: skip
    # the quarter realises the January conversion
    assert fair_value[("2026-Q1", "fifo-co")]["realized_gain_loss_usd"] == Decimal("3.5")
    assert fair_value[("2026-Q1", "avg-co")]["realized_gain_loss_usd"] == Decimal(6)


def test_impairment_is_carried_forward_not_reversed(fair_value):
    expected = {
        # period: fifo-co, avg-co as (price, loss in period, accumulated, carrying)
        "2026-01": ((Decimal("0.8"), Decimal(5), Decimal(5), Decimal(40)),
                    (Decimal("0.8"), Decimal("7.5"), Decimal("7.5"), Decimal(40))),
        # the price is back at 1.00: nothing reversed, carrying stays 40 (fair value is 50)
        "2026-02": ((Decimal(1), Decimal(0), Decimal(5), Decimal(40)),
                    (Decimal(1), Decimal(0), Decimal("7.5"), Decimal(40))),
        "2026-03": ((Decimal("0.85"), Decimal(5), Decimal(10), Decimal("82.5")),
                    (Decimal("0.85"), Decimal(5), Decimal("12.5"), Decimal("82.5"))),
        # the quarter's loss is every write-down of the lots held at its end
        "2026-Q1": ((Decimal("0.85"), Decimal(10), Decimal(10), Decimal("82.5")),
                    (Decimal("0.85"), Decimal("12.5"), Decimal("12.5"), Decimal("82.5"))),
    }  # fmt: skip
    for period, (fifo, avg) in expected.items():
        assert _pick(fair_value[(period, "fifo-co")], *IMPAIRMENT) == fifo, period
        assert _pick(fair_value[(period, "avg-co")], *IMPAIRMENT) == avg, period
    february = fair_value[("2026-02", "fifo-co")]
    assert february["fair_value_usd"] == Decimal(50)
    assert february["carrying_amount_usd"] < february["fair_value_usd"]
    assert february["impairment_usd"] == february["accumulated_impairment_usd"]
    assert february["measurement_basis"] == "cost_less_impairment"
