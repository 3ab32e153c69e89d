"""One test per adapter, on synthetic files written exactly as FORMATS.md documents each layout
(tests/fixtures/files/README.md), checking the values as stored in `raw`, exactly."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from ingestion.config import ConfigError
from tests.unit.files.conftest import (
    FIXTURES,
    TEST_KEY,
    load_path,
    make_config,
    memory_warehouse,
)

D = Decimal


def _rows(con, sql: str, params=()):
    return con.execute(sql, list(params)).fetchall()


def test_every_fixture_file_loads(loaded_fixtures):
    _, _, outcomes = loaded_fixtures
    assert len(outcomes) == 11
    for name, outcome in outcomes.items():
        assert outcome.status == "loaded", (name, outcome.problems)
        assert outcome.rows_in == outcome.rows_loaded > 0


def test_fireblocks_vault_balances(loaded_fixtures):
    _, con, _ = loaded_fixtures
    rows = _rows(
        con,
        "select account_id, external_account_id, asset, provider_asset, as_of, balance, available,"
        " pending, frozen, locked, block_height from raw.custodian_balances "
        "where adapter = 'fireblocks' order by row_number",
    )
    as_of = datetime(2026, 10, 31, 23, 59, 59, tzinfo=UTC)
    assert rows[0] == (
        "fb-treasury-vault", "3", "USD1", "USD1_ERC20", as_of, D("1300000.5"), D("1250000.5"),
        D(0), D(25000), D(25000), 21000123,
    )  # fmt: skip
    assert rows[1][2] == "ETH" and rows[1][5] == D("12.345678901234567891")  # 18 places, exact


def test_fireblocks_needs_as_of_in_name_and_total_identity(tmp_path, pseudonym_key):
    config = make_config(tmp_path)
    folder = config.landing_dir / "fireblocks"
    folder.mkdir(parents=True)
    src = (FIXTURES / "fireblocks" / "vault_asset_wallets_20261031T235959Z.json").read_text()
    (folder / "vault_asset_wallets.json").write_text(src)
    (folder / "bad_total_20261031T235959Z.json").write_text(
        src.replace('"total": "1300000.5"', '"total": "1300000.6"')
    )
    (folder / "number_20261031T235959Z.json").write_text(
        src.replace('"available": "1250000.5"', '"available": 1250000.5')
    )
    con = memory_warehouse()
    no_as_of = load_path(con, config, folder / "vault_asset_wallets.json")
    assert no_as_of.status == "quarantined"
    assert "name the file <name>_<YYYYMMDDTHHMMSSZ>.json" in no_as_of.problems[0]
    bad_total = load_path(con, config, folder / "bad_total_20261031T235959Z.json")
    assert bad_total.status == "quarantined"
    assert "row 1, column 'total': total != available + pending" in bad_total.problems[0]
    number = load_path(con, config, folder / "number_20261031T235959Z.json")
    assert "column 'available': expected a decimal string" in number.problems[0]


def test_bitgo_transfers(loaded_fixtures):
    _, con, _ = loaded_fixtures
    rows = _rows(
        con,
        "select account_id, entry_id, movement_type, amount, is_final, block_height, tx_hash, "
        "occurred_at from raw.custodian_movements where adapter = 'bitgo' order by row_number",
    )
    assert [r[2] for r in rows] == ["deposit", "withdrawal", "withdrawal"]
    assert [r[3] for r in rows] == [D("250000"), D("-100000.123456"), D("-5")]  # base units / 1e6
    assert [r[4] for r in rows] == [True, True, False]  # signed + height 999999999: not final
    assert rows[2][5] is None and rows[0][5] == 21000001
    assert rows[0][6] == "0x3b1c5e7a9d2f4b6c8e0a1c3e5f7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3d"
    assert rows[1][7] == datetime(2026, 10, 15, 16, 30, 45, 500000, tzinfo=UTC)
    assert {r[0] for r in rows} == {"bitgo-cold"}


def test_coinbase_prime_transactions(loaded_fixtures):
    _, con, _ = loaded_fixtures
    rows = _rows(
        con,
        "select movement_type, amount, is_final, status, occurred_at from raw.custodian_movements "
        "where adapter = 'coinbase_prime' order by row_number",
    )
    assert [r[1] for r in rows] == [D("1500000"), D("-250000.25"), D("100000"), D("-10000")]
    assert [r[0] for r in rows] == ["deposit", "withdrawal", "conversion", "withdrawal"]
    assert [r[2] for r in rows] == [True, True, True, False]  # Processing is not final
    assert rows[0][4] == datetime(2026, 10, 1, 14, 3, 22, 123000, tzinfo=UTC)
    # the people who initiated/approved are never stored
    dump = str(_rows(con, "select * from raw.custodian_movements"))
    assert "Alex Example" not in dump and "Sam Example" not in dump


def test_canonical_custodian_csv_through_the_layout(loaded_fixtures):
    _, con, _ = loaded_fixtures
    rows = _rows(
        con,
        "select account_id, asset, as_of, balance, available, pending from raw.custodian_balances"
        " where adapter = 'canonical_custodian' order by row_number",
    )
    # 31/10/2026 23:59 in Europe/London (GMT after 25 October) = 23:59 UTC
    as_of = datetime(2026, 10, 31, 23, 59, tzinfo=UTC)
    assert rows[0] == ("copper-main", "USD1", as_of, D(1000000), D("1001234.50"), D("-1234.50"))
    assert rows[1][3] == D("10.5")


def test_canonical_utf16_excel_export(tmp_path, pseudonym_key):
    """Excel's "Unicode Text": UTF-16 with a BOM, tab-delimited; needs encoding: utf-16."""
    from tests.unit.files.conftest import files_section

    section = files_section()
    layout = dict(section["canonical_layouts"][0], encoding="utf-16")
    config = make_config(tmp_path, canonical_layouts=[layout])
    text = (FIXTURES / "copper" / "copper_statement_2026-10-31.csv").read_text()
    tabbed = "\r\n".join("\t".join(_csv_cells(line)) for line in text.splitlines())
    path = config.landing_dir / "copper" / "statement.txt"
    path.parent.mkdir(parents=True)
    path.write_bytes(tabbed.encode("utf-16"))  # Python writes the BOM
    con = memory_warehouse()
    outcome = load_path(con, config, path)
    assert outcome.status == "loaded", outcome.problems
    assert _rows(con, "select balance, pending from raw.custodian_balances order by 1 desc")[0] == (
        D(1000000),
        D("-1234.50"),
    )
    # the same bytes under the UTF-8 layout are rejected, not guessed
    utf8_config = make_config(tmp_path / "utf8")
    other = utf8_config.landing_dir / "copper" / "statement.txt"
    other.parent.mkdir(parents=True)
    other.write_bytes(tabbed.encode("utf-16"))
    rejected = load_path(memory_warehouse(), utf8_config, other)
    assert rejected.status == "quarantined"
    assert "expects UTF-8, got UTF-16" in rejected.problems[0]


def _csv_cells(line: str) -> list[str]:
    import csv

    return next(csv.reader([line]))


def test_kraken_ledgers(loaded_fixtures):
    _, con, _ = loaded_fixtures
    rows = _rows(
        con,
        "select entry_id, ref_id, entry_type, is_final, asset, venue_asset, amount, fee, balance,"
        " occurred_at from raw.exchange_entries where venue = 'kraken' order by row_number",
    )
    pending, deposit, sell, usd, withdrawal = rows
    assert pending[0] == "pending:FTa1b2c3-d4e5-4f6a-8b9c-0d1e2f3a4b5c" and pending[3] is False
    assert deposit[0] == "LAB3CD-EFGH1-IJKLMN" and deposit[3] is True and deposit[8] == D(25000)
    assert pending[1] == deposit[1]  # same refid: only the final row counts
    assert sell[2] == "trade" and sell[6] == D(-10000) and sell[1] == usd[1]
    assert usd[4:9] == ("USD", "ZUSD", D("9998.5"), D("2.5"), D("9996"))  # fee on the USD leg
    assert withdrawal[6:9] == (D(-5000), D(2), D(9998))  # balance fell by amount + fee
    assert deposit[9] == datetime(2026, 10, 1, 9, 5, 12, tzinfo=UTC)


def test_kraken_running_balance_must_add_up(tmp_path, pseudonym_key):
    config = make_config(tmp_path)
    text = (FIXTURES / "kraken-main" / "ledgers_2026-10.csv").read_text()
    path = config.landing_dir / "kraken-main" / "ledgers.csv"
    path.parent.mkdir(parents=True)
    path.write_text(text.replace(",-5000.00,2.00,9998.00", ",-5000.00,2.00,10000.00"))
    outcome = load_path(memory_warehouse(), config, path)
    assert outcome.status == "quarantined"
    assert "row 5, column 'balance': running balance does not add up" in outcome.problems[0]


def test_coinbase_history_v4_with_preamble(loaded_fixtures):
    _, con, _ = loaded_fixtures
    rows = _rows(
        con,
        "select entry_id, entry_type, venue_type, amount, amount_usd, price_usd, occurred_at "
        "from raw.exchange_entries where venue = 'coinbase' order by row_number",
    )
    assert [r[3] for r in rows] == [D(1000), D("-250.5"), D(-100)]
    assert [r[4] for r in rows] == [D("1004.99"), D("250.50"), D("98.98")]  # Total, in USD
    assert rows[2][5] == D("0.9998") and rows[0][1] == "trade" and rows[1][1] == "withdrawal"
    assert rows[0][6] == datetime(2026, 10, 1, 12, tzinfo=UTC)
    dump = str(_rows(con, "select * from raw.exchange_entries"))
    assert "Jane Example" not in dump  # the preamble's user line is never read


def test_binance_deposit_and_withdrawal_history(loaded_fixtures):
    _, con, _ = loaded_fixtures
    rows = _rows(
        con,
        "select entry_id, entry_type, amount, fee, network, tx_hash, occurred_at, file_path "
        "from raw.exchange_entries where venue = 'binance' order by file_path, row_number",
    )
    deposits = [r for r in rows if r[1] == "deposit"]
    withdrawals = [r for r in rows if r[1] == "withdrawal"]
    assert [r[2] for r in deposits] == [D(5000), D("0.000001")]
    assert [r[2] for r in withdrawals] == [D("-1200.5"), D(-300)]
    assert [r[3] for r in withdrawals] == [D(1), D("0.29")]
    # Date(UTC+8) with a two-digit year: 26-10-02 20:15 +08:00 = 12:15 UTC
    assert withdrawals[0][6] == datetime(2026, 10, 2, 12, 15, tzinfo=UTC)
    assert withdrawals[1][5] is None and withdrawals[1][0].startswith("row:")  # internal label
    assert deposits[0][0] == f"deposit:ETH:{deposits[0][5]}" and deposits[0][4] == "ETH"


@pytest.mark.parametrize(
    ("name", "header", "reason"),
    [
        ("history.csv", "Date(UTC),Coin,Network,Amount,TransactionFee,Address,TXID,"
         "SourceAddress,PaymentID,Status", "name the file with 'deposit' or 'withdraw'"),
        ("deposit.csv", "Date(UTCnull),Coin,Network,Amount,Address,TXID,Status",
         "must state the zone as Date(UTC)"),
    ],
)  # fmt: skip
def test_binance_ambiguities_are_rejected(tmp_path, pseudonym_key, name, header, reason):
    config = make_config(tmp_path)
    path = config.landing_dir / "binance-main" / name
    path.parent.mkdir(parents=True)
    cells = header.count(",") + 1
    row = ["2026-10-01 08:00:00", "USD1", "ETH", "5"] + ["x"] * (cells - 4)
    path.write_text(header + "\n" + ",".join(row) + "\n")
    outcome = load_path(memory_warehouse(), config, path)
    assert outcome.status == "quarantined"
    assert reason in outcome.problems[0]


def test_internal_ledger_pseudonymises_customers(loaded_fixtures):
    _, con, _ = loaded_fixtures
    rows = _rows(
        con,
        "select entry_id, account_id, owner_type, entry_type, amount, customer_ref, posted_at, "
        "counterparty_account_id from raw.ledger_entries order by row_number",
    )
    expected = "c_" + hmac.new(TEST_KEY.encode(), b"CUST-1001", hashlib.sha256).hexdigest()[:32]
    assert rows[0][5] == rows[1][5] == expected
    assert rows[2][5] != expected and rows[3][5] is None
    assert rows[1][4] == D("-100.25")
    assert rows[1][6] == datetime(2026, 10, 2, 19, 30, tzinfo=UTC)  # -04:00 offset applied
    assert rows[3][7] == "custody:fireblocks"
    dump = str(_rows(con, "select * from raw.ledger_entries"))
    for personal in ("CUST-1001", "Jane Roe", "jane.roe@example.com", "John Doe", "first deposit"):
        assert personal not in dump


def test_ledger_without_key_fails_naming_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("USD1INV_TEST_PSEUDONYM_KEY", raising=False)
    config = make_config(tmp_path)
    path = config.landing_dir / "ledger" / "ledger.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes((FIXTURES / "ledger" / "ledger_export_2026-10.csv").read_bytes())
    with pytest.raises(ConfigError, match="USD1INV_TEST_PSEUDONYM_KEY is not set"):
        load_path(memory_warehouse(), config, path)


def test_coingecko_prices(loaded_fixtures):
    _, con, _ = loaded_fixtures
    rows = _rows(
        con,
        "select asset, ts, convention, price_usd, price_text, market_cap_usd, volume_usd "
        "from raw.prices where source = 'coingecko' order by ts",
    )
    assert [r[3] for r in rows] == [D(1), D("1.000123"), D("0.99987")]  # half-even to 6 places
    assert rows[0][4] == "0.9999999999999998" and rows[0][2] == "snapshot"
    assert rows[1][6] == D(1200000)  # 1.2e6
    assert rows[2][5] is None  # market cap 0.0 = unknown
    assert rows[2][1] == datetime(2026, 10, 3, 0, 5, 3, tzinfo=UTC)  # off-midnight kept as is
    assert {r[0] for r in rows} == {"USD1"}


def test_coinmarketcap_prices(loaded_fixtures):
    _, con, _ = loaded_fixtures
    rows = _rows(
        con,
        "select ts, convention, price_usd, open_usd, high_usd, low_usd from raw.prices "
        "where source = 'coinmarketcap' order by ts",
    )
    assert rows[0] == (
        datetime(2026, 10, 1, 23, 59, 59, 999000, tzinfo=UTC), "ohlc_close", D("1.000051"),
        D("0.9998"), D("1.0002"), D("0.9995"),
    )  # fmt: skip
    assert rows[1][2] == D("0.9995")  # 0.99950001 rounded half-even


def test_price_file_must_match_a_series(tmp_path, pseudonym_key):
    config = make_config(tmp_path)
    path = config.landing_dir / "coingecko" / "usdt-usd-max.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes((FIXTURES / "coingecko" / "usd1-usd-max.csv").read_bytes())
    outcome = load_path(memory_warehouse(), config, path)
    assert outcome.status == "quarantined"
    assert "matches no files.prices.series[].file_pattern" in outcome.problems[0]
