"""The demo's off-chain files: consistent with the chain's transfers, carrying the planted
faults, and idempotent: loading every file twice, in shuffled order, gives identical raw tables.

The chain is stood in for by a deterministic list of transfers between the same demo addresses
(the demo itself reads them from anvil with the same code path after `read_token_transfers`).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from demo.offchain_files import ZERO, ChainTransfer, write_offchain_files
from demo.scenario import demo_address
from ingestion.config import load_config
from ingestion.files.load import load_files
from tests.conftest import write_config
from tests.unit.files.conftest import load_path, memory_warehouse

END = date(2026, 11, 3)
RAW = ("custodian_balances", "custodian_movements", "exchange_entries", "ledger_entries", "prices")


def _transfers(config) -> list[ChainTransfer]:
    rng = random.Random(42)  # reproducible test data
    wallets = {w.label: w.address for w in config.wallets_on("ethereum")}
    vault = config.files.custodian_accounts[0].address
    kraken = config.files.exchange_accounts[0].address
    customers = [demo_address(f"customer-{i:02d}") for i in range(1, 9)]
    deposits = [a for label, a in wallets.items() if label.startswith("deposit-")]
    out, block = [], 100
    day = config.start_date
    while day <= END:
        noon = datetime(day.year, day.month, day.day, 16, tzinfo=UTC)
        moves = []
        if day.day in (1, 16):
            moves.append((ZERO, vault, 1_000_000))
        if day.weekday() == 2:
            moves.append((vault, wallets["ops-hot"], rng.randint(50_000, 200_000)))
        if day.day % 4 == 0:
            moves.append((wallets["ops-hot"], kraken, rng.randint(1_000, 30_000)))
        for _ in range(rng.randint(1, 3)):
            moves.append((rng.choice(customers), rng.choice(deposits), rng.randint(100, 5_000)))
        if rng.random() < 0.6:
            moves.append((wallets["omnibus-hot"], rng.choice(customers), rng.randint(50, 2_000)))
        for i, (src, dst, whole) in enumerate(moves):
            block += 1
            amount = whole * 10**6 + rng.randrange(100) * 10**4
            when = noon + timedelta(minutes=7 * i)
            out.append(ChainTransfer(block, when, f"0x{block:064x}", 0, src, dst, amount))
        day += timedelta(days=1)
    return out


@pytest.fixture
def demo_setup(tmp_path, monkeypatch):
    config = load_config(write_config(tmp_path))
    monkeypatch.setenv(config.files.pseudonym_key_env, "a-test-key-that-is-long-enough")
    transfers = _transfers(config)
    paths = write_offchain_files(config, transfers, END)
    return config, transfers, paths


def _raw(con) -> dict[str, list]:
    # load ids differ per run, and a duplicate's rows carry the path of whichever copy came first
    return {
        t: con.execute(
            f"select * exclude (load_id, file_path) from raw.{t} order by all"
        ).fetchall()
        for t in RAW
    }


def _statuses(con) -> list:
    return con.execute(
        "select sha256, status, superseded_by from audit.files order by all"
    ).fetchall()


def test_loading_demo_files_twice_and_shuffled_gives_identical_raw_tables(demo_setup):
    config, _, paths = demo_setup
    in_order = memory_warehouse()
    load_files(in_order, config, "run-1")
    load_files(in_order, config, "run-2")
    expected = _raw(in_order)
    assert all(expected[t] for t in ("custodian_balances", "exchange_entries", "ledger_entries"))
    for seed in (1, 2):
        shuffled = list(paths)
        random.Random(seed).shuffle(shuffled)
        con = memory_warehouse()
        for path in shuffled + shuffled[::-1]:
            load_path(con, config, path, load_id=f"shuffled-{seed}")
        assert _raw(con) == expected
        assert _statuses(con) == _statuses(in_order)


def test_demo_files_carry_the_planted_faults(demo_setup):
    config, transfers, _ = demo_setup
    con = memory_warehouse()
    outcomes = load_files(con, config, "run")
    status = {}
    for o in outcomes:
        status.setdefault(o.status, []).append(o.path.rsplit("/", 1)[-1])
    assert status["duplicate"] == ["vault_asset_wallets_20260901T035959Z (1).json"]
    assert status["quarantined"] == ["ledgers_2026-10_partial.csv"]
    superseded = con.execute("select file_name from audit.files where status = 'superseded'")
    assert superseded.fetchall() == [("vault_asset_wallets_20261001T035959Z.json",)]
    # the October statement misses October's last withdrawal from the vault
    vault = config.files.custodian_accounts[0].address
    as_of = datetime(2026, 11, 1, 3, 59, 59, tzinfo=UTC)
    chain = sum(
        (t.amount_raw if t.to_address == vault else -t.amount_raw)
        for t in transfers
        if t.block_time <= as_of and vault in (t.to_address, t.from_address)
    )
    missed = [t for t in transfers if t.from_address == vault and t.block_time <= as_of][-1]
    stated = con.execute(
        "select b.balance from raw.custodian_balances b join audit.files f on f.sha256 = "
        "b.file_sha256 and f.status = 'loaded' where b.asset = 'USD1' and b.as_of = ?",
        [as_of],
    ).fetchone()[0]
    assert stated * 10**6 == chain + missed.amount_raw
    # a Kraken withdrawal on 31 October (local) that is not on chain by the month end
    in_transit = con.execute(
        "select amount, occurred_at from raw.exchange_entries where entry_type = 'withdrawal'"
        " and account_id = 'kraken-trading'"
    ).fetchall()
    assert len(in_transit) == 1 and in_transit[0][0] < 0
    assert in_transit[0][1].astimezone(config.tz).date() == date(2026, 10, 31)


def test_ledger_client_liabilities_match_customer_flows(demo_setup):
    config, transfers, _ = demo_setup
    con = memory_warehouse()
    load_files(con, config, "run")
    registry = {w.address for w in config.wallets}
    deposits = {w.address for w in config.wallets if w.label.startswith("deposit-")}
    omnibus = next(w.address for w in config.wallets if w.label == "omnibus-hot")
    expected = sum(
        t.amount_raw
        for t in transfers
        if t.to_address in deposits and t.from_address not in registry
    ) - sum(
        t.amount_raw
        for t in transfers
        if t.from_address == omnibus and t.to_address not in registry
    )
    total, customers, hashes = con.execute(
        "select sum(amount), count(distinct customer_ref), count(tx_hash) from raw.ledger_entries "
        "where account_id = 'client-liabilities'"
    ).fetchone()
    assert total * 10**6 == expected
    assert customers == 8 and hashes > 0
    prices = con.execute(
        "select source, count(*), min(price_usd), max(price_usd) from raw.prices "
        "group by 1 order by 1"
    ).fetchall()
    assert [p[1] for p in prices] == [95, 95]
    assert all(Decimal("0.999") < p[2] <= p[3] < Decimal("1.001") for p in prices)
