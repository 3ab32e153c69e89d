"""`usd1inv verify`'s comparisons (reporting/close/verify.py) on small data: the snapshot's
hashes, the recorded files (present, changed, missing, moved), a re-parsed file's figures, and
each wallet's balanceOf at the cut-off block against the snapshot, named in every mismatch."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from typer.testing import CliRunner

from ingestion.config import load_config
from reporting.close.closing import ClosedPeriod, CloseError, close_period
from reporting.close.periods import parse_period
from reporting.close.snapshot import Table
from reporting.close.verify import (
    ChainReading,
    Closed,
    CutoffBlock,
    FileFigures,
    FoundFile,
    RecordedFile,
    StatementBalance,
    WalletExpectation,
    check_chain,
    check_files,
    check_parsed,
    check_reparsed,
    check_snapshot,
    check_statements,
    closing_balances,
    cutoff_blocks,
    figures_of,
    found_files,
    read_closed,
    to_units,
    wallet_expectations,
)
from tests.close_warehouse import HOT, build_close_warehouse
from tests.conftest import write_config
from usd1inv.cli import app

OCTOBER = parse_period("2026-10")
TREASURY = "0x57e917aa013c4a6d0a44c807a5798fe16027f272"
HOT_WALLET = "0xa33af280aee618e31b121f65d2ff65c6477db4b6"
CUTOFF = CutoffBlock("ethereum", 31337, 1234, "0xaaa")


def _wallets(treasury: str = "100.5", hot: str | None = "0.000001"):
    return [
        WalletExpectation("ethereum", TREASURY, "treasury", Decimal(treasury)),
        WalletExpectation("ethereum", HOT_WALLET, "ops-hot", None if hot is None else Decimal(hot)),
    ]


def _reading(treasury: int, hot: int, *, chain_id=31337, block_hash="0xaaa") -> ChainReading:
    return ChainReading(chain_id, block_hash, {TREASURY: treasury, HOT_WALLET: hot})


def _chain(wallets, reading):
    return check_chain(CUTOFF, wallets, reading, decimals=6, symbol="USD1")


def test_base_units_become_token_units_exactly():
    assert to_units(17_344_720_000_000_000_000_000, 18) == Decimal("17344.72")
    assert to_units(1, 18) == Decimal("0.000000000000000001")
    assert to_units(100_500_000, 6) == Decimal("100.5")


def test_balances_equal_to_the_snapshot_all_match():
    findings = _chain(_wallets(), _reading(100_500_000, 1))
    assert all(f.ok for f in findings), [f.line() for f in findings]
    assert [f.check for f in findings] == ["block", "wallet", "wallet"]
    assert "treasury" in findings[1].message and "100.5 USD1" in findings[1].message


def test_a_balance_that_differs_names_the_wallet_network_block_expected_and_actual():
    findings = _chain(_wallets(treasury="100.500001"), _reading(100_500_000, 1))
    bad = [f for f in findings if not f.ok]
    assert len(bad) == 1
    line = bad[0].line()
    assert line.startswith("MISMATCH wallet")
    for part in (
        "treasury",
        TREASURY,
        "ethereum",
        "block 1234",
        "expected 100.500001 USD1",
        "actual 100.5 USD1",
        "difference -0.000001",
    ):
        assert part in line, (part, line)


def test_a_wallet_without_a_snapshot_row_is_expected_at_zero():
    assert all(f.ok for f in _chain(_wallets(hot=None), _reading(100_500_000, 0)))
    bad = [f for f in _chain(_wallets(hot=None), _reading(100_500_000, 7)) if not f.ok]
    assert len(bad) == 1 and "ops-hot" in bad[0].message and "no snapshot row" in bad[0].message
    assert "actual 0.000007 USD1" in bad[0].message


def test_another_chain_or_block_hash_is_a_mismatch():
    wrong_hash = _chain(_wallets(), _reading(100_500_000, 1, block_hash="0xbbb"))
    assert not wrong_hash[0].ok and "0xbbb" in wrong_hash[0].message
    assert "0xaaa" in wrong_hash[0].message
    wrong_chain = _chain(_wallets(), _reading(100_500_000, 1, chain_id=1))
    assert not wrong_chain[0].ok and "chain id is 1" in wrong_chain[0].message


def test_a_wallet_the_node_did_not_answer_for_is_a_mismatch():
    reading = ChainReading(31337, "0xaaa", {TREASURY: 100_500_000})
    bad = [f for f in _chain(_wallets(), reading) if not f.ok]
    assert len(bad) == 1 and HOT_WALLET in bad[0].message


RECORDED = [
    RecordedFile("ledger", "ledger_2026-10.csv", "a" * 64, "loaded", 3, "ledger:2026-10"),
    RecordedFile("custodian", "statement.json", "b" * 64, "superseded", 1),
    RecordedFile("custodian", "copy.json", "c" * 64, "duplicate", 0),
]


def test_recorded_files_present_by_hash_even_under_another_name():
    found = [
        FoundFile("ledger", "ledger_2026-10.csv", "a" * 64),
        FoundFile("custodian", "archive/renamed.json", "b" * 64),
        FoundFile("custodian", "copy.json", "c" * 64),
        FoundFile("custodian", "arrived_later.json", "d" * 64),  # not recorded: not checked
    ]
    findings = check_files(RECORDED, found)
    assert len(findings) == 3 and all(f.ok for f in findings), [f.line() for f in findings]
    assert "now named archive/renamed.json" in findings[1].message


def test_a_changed_file_and_a_missing_file_are_mismatches():
    found = [
        FoundFile("ledger", "ledger_2026-10.csv", "e" * 64),  # same name, other bytes
        FoundFile("custodian", "copy.json", "c" * 64),
    ]
    findings = check_files(RECORDED, found)
    assert [f.ok for f in findings] == [False, False, True]
    changed, missing = findings[0].line(), findings[1].line()
    assert changed.startswith("MISMATCH file") and "ledger/ledger_2026-10.csv" in changed
    assert "e" * 64 in changed and "a" * 64 in changed and "changed" in changed
    assert "custodian/statement.json" in missing and "missing" in missing
    assert "b" * 64 in missing


def test_a_file_removed_by_retention_verifies_by_its_hash_and_kept_rows():
    from datetime import UTC, datetime

    removed = {"a" * 64: datetime(2033, 11, 1, tzinfo=UTC), "b" * 64: datetime(2033, 11, 1)}
    found = [FoundFile("custodian", "copy.json", "c" * 64)]
    kept = {"a" * 64: FileFigures(3, {}), "b" * 64: FileFigures(0, {})}
    findings = check_files(RECORDED, found, removed, kept)
    assert [f.ok for f in findings] == [True, False, True], [f.line() for f in findings]
    assert "removed by the retention policy on 2033-11-01" in findings[0].message
    assert "3 of its 3 loaded row(s) kept in raw" in findings[0].message
    # a removed file whose rows are gone from raw is a mismatch (0 of its 1 rows)
    assert "0 of its 1 loaded row(s)" in findings[1].message
    # without the retention log the same file is missing
    assert not check_files(RECORDED, found)[0].ok


def test_file_figures_are_exact_sums():
    rows = [
        {"amount": Decimal("0.100000000000000001")},
        {"amount": "1e-18"},
        {"amount": Decimal("12345678901234567890.5")},
        {"amount": None},
    ]
    figures = figures_of(rows, ["amount"], "k")
    assert figures.rows == 4
    assert figures.totals == {"amount": Decimal("12345678901234567890.600000000000000002")}


def test_a_reparsed_file_equal_to_its_record_and_raw_matches():
    parsed = FileFigures(3, {"amount": Decimal("10.5")}, "ledger:2026-10")
    raw = FileFigures(3, {"amount": Decimal("10.500000000000000000")})
    (finding,) = check_parsed(RECORDED[0], parsed, raw)
    assert finding.ok and "3 rows" in finding.message and "amount 10.5" in finding.message


def test_a_reparsed_file_that_differs_says_how():
    parsed = FileFigures(4, {"amount": Decimal("10.5")}, "ledger:2026-11")
    raw = FileFigures(3, {"amount": Decimal("9.5")})
    (finding,) = check_parsed(RECORDED[0], parsed, raw)
    assert not finding.ok
    for part in (
        "ledger/ledger_2026-10.csv",
        "4 rows parsed, 3 recorded as loaded",
        "statement key 'ledger:2026-11', recorded 'ledger:2026-10'",
        "4 rows parsed, 3 in raw",
        "sum of amount 10.5 parsed, 9.5 in raw",
    ):
        assert part in finding.message, (part, finding.message)
    (none,) = check_parsed(RECORDED[0], FileFigures(3, {}, "ledger:2026-10"), None)
    assert not none.ok and "no rows of this file in raw" in none.message


@pytest.fixture
def closed_warehouse(tmp_path: Path) -> Path:
    path = build_close_warehouse(tmp_path / "warehouse.duckdb")
    con = duckdb.connect(str(path))
    now = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
    close_period(con, OCTOBER, now=now, actor="alice", run_id="run-1")
    con.close()
    return path


def test_an_intact_snapshot_matches_and_an_altered_balance_does_not(closed_warehouse):
    closed = read_closed(closed_warehouse, OCTOBER)
    findings = check_snapshot(closed.close, closed.stored)
    assert findings and all(f.ok for f in findings), [f.line() for f in findings]
    assert [(c.network, c.block_hash) for c in cutoff_blocks(closed.table("cutoff_blocks"))] == [
        ("ethereum", "0xbbbcutoff")
    ]
    con = duckdb.connect(str(closed_warehouse))
    con.execute(
        "update audit.close_snapshot_inventory_rollforward set closing_balance = 1 "
        "where location_id = ?",
        [HOT],
    )
    con.close()
    altered = read_closed(closed_warehouse, OCTOBER)
    bad = [f.line() for f in check_snapshot(altered.close, altered.stored) if not f.ok]
    assert len(bad) == 2, bad
    assert "audit.close_snapshot_inventory_rollforward of 2026-10-v1: altered" in bad[0]
    assert bad[1].startswith("MISMATCH snapshot content hash of 2026-10-v1")


def test_a_period_that_is_not_closed_cannot_be_verified(closed_warehouse, tmp_path):
    with pytest.raises(CloseError, match="2026-11 is not closed"):
        read_closed(closed_warehouse, parse_period("2026-11"))
    with pytest.raises(CloseError, match="not found"):
        read_closed(tmp_path / "none.duckdb", OCTOBER)


NEW_YORK = ZoneInfo("America/New_York")


def _statement(name: str, status: str, as_of: datetime, balance: str, asset="USD1"):
    recorded = RecordedFile("fireblocks", name, name[0] * 64, status, 2)
    return recorded, StatementBalance("vault-7", asset, as_of, Decimal(balance))


def test_the_period_end_statement_is_the_closing_balance_of_its_account():
    end = date(2026, 10, 31)
    statements = [
        _statement("a_sep.json", "loaded", datetime(2026, 10, 1, 3, 59, 59, tzinfo=UTC), "5"),
        _statement("b_noon.json", "loaded", datetime(2026, 10, 31, 16, 0, tzinfo=UTC), "9"),
        _statement("c_end.json", "loaded", datetime(2026, 11, 1, 3, 59, 59, tzinfo=UTC), "10.5"),
        _statement("d_old.json", "superseded", datetime(2026, 11, 1, 3, 59, 59, tzinfo=UTC), "1"),
        _statement(
            "e_eth.json", "loaded", datetime(2026, 11, 1, 3, 59, 59, tzinfo=UTC), "3", "ETH"
        ),
        _statement("f_nov.json", "loaded", datetime(2026, 11, 1, 5, 0, tzinfo=UTC), "11"),
    ]
    closing = {"vault-7": Decimal("10.500000000000000000")}
    (ok,) = check_statements(statements, closing, end, NEW_YORK, {"USD1"})
    assert ok.ok and "fireblocks/c_end.json" in ok.message and "vault-7 USD1" in ok.message
    (bad,) = check_statements(statements, {"vault-7": Decimal(11)}, end, NEW_YORK, {"USD1"})
    assert not bad.ok
    assert "10.5 in the file, closing balance 11 in the snapshot, difference 0.5" in bad.message
    (none,) = check_statements(statements, {}, end, NEW_YORK, {"USD1"})
    assert not none.ok and "no snapshot row" in none.message


def test_wallet_expectations_take_the_snapshot_closing_balance_per_network(tmp_path):
    config = load_config(write_config(tmp_path))
    treasury = next(w for w in config.wallets if w.label == "treasury")
    columns = tuple(
        (c, "VARCHAR")
        for c in ("network", "location_type", "location_id", "location_label", "closing_balance")
    )
    rollforward = Table(
        "inventory_rollforward",
        columns,
        (
            ("ethereum", "wallet", treasury.address, "treasury", Decimal("684999.5")),
            ("bnb", "wallet", treasury.address, "treasury", Decimal("1")),  # another network
            ("ethereum", "custodian", "vault-7", "vault", Decimal("7")),  # not a wallet
            ("ethereum", "wallet", "0x" + "9" * 40, "retired", Decimal("2")),
        ),
    )
    wallets = wallet_expectations(config, rollforward, date(2026, 10, 31), "ethereum")
    by_address = {w.address: w for w in wallets}
    assert len(wallets) == len(config.wallets_on("ethereum")) + 1
    assert by_address[treasury.address].closing_balance == Decimal("684999.5")
    assert all(w.closing_balance is None for w in wallets if w.label.startswith("deposit"))
    assert by_address["0x" + "9" * 40].label == "retired (not in the configuration)"
    assert closing_balances(rollforward)["vault-7"] == Decimal("7")


def test_the_cli_verifies_read_only_and_never_prints_the_rpc_url(tmp_path, monkeypatch):
    config_path = write_config(tmp_path)
    warehouse = load_config(config_path).warehouse_path
    build_close_warehouse(warehouse)
    runner = CliRunner()
    args = ["verify", "--config", str(config_path), "--period", "2026-10"]
    not_closed = runner.invoke(app, args)
    assert not_closed.exit_code == 1 and "2026-10 is not closed" in not_closed.output
    con = duckdb.connect(str(warehouse))
    close_period(con, OCTOBER, now=datetime(2026, 11, 2, tzinfo=UTC), actor="a", run_id="r")
    con.close()
    before = warehouse.read_bytes()
    # a node that does not answer, at a URL holding a key: the check fails, the key stays out
    url = "http://127.0.0.1:9/v3/secretkey0123456789"
    monkeypatch.setenv("USD1INV_RPC_ETHEREUM", url)
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    assert warehouse.read_bytes() == before  # opened read-only: nothing written
    assert "secretkey0123456789" not in result.output and url not in result.output
    lines = result.output.splitlines()
    assert any(x.startswith("ok       snapshot content hash of 2026-10-v1") for x in lines)
    # the hand-written warehouse records a file no landing folder has, and the node is down
    missing, node = [x for x in lines if x.startswith("MISMATCH")]
    assert "fireblocks/vault_20261101.json (loaded): missing" in missing
    assert "ethereum block" in node and "could not read the node (USD1INV_RPC_ETHEREUM)" in node
    assert "2 of" in lines[-1] and "checks do not match" in lines[-1]


def test_a_recorded_file_that_no_longer_parses_is_a_mismatch(tmp_path):
    config = load_config(write_config(tmp_path))
    folder = config.landing_dir / "ledger"
    folder.mkdir(parents=True)
    (folder / "ledger_export_2026-10.csv").write_text("not,a,ledger\n1,2,3\n", encoding="utf-8")
    found = found_files(config)
    (ledger,) = [f for f in found if f.source == "ledger"]
    recorded = [
        RecordedFile("ledger", "ledger_export_2026-10.csv", ledger.sha256, "loaded", 1),
        RecordedFile("gone", "ledger_export_2026-10.csv", ledger.sha256, "loaded", 1),
    ]
    close = ClosedPeriod(
        "2026-10", "month", "2026-10-v1", 1, datetime(2026, 11, 2, tzinfo=UTC), "a", None,
        "0" * 64, "acme-pay", None,
    )  # fmt: skip
    findings = check_reparsed(config, recorded, found, Closed(close, [], {}), OCTOBER)
    assert [f.ok for f in findings] == [False, False], [f.line() for f in findings]
    assert (
        "ledger/ledger_export_2026-10.csv: does not parse now: FileRejected" in findings[0].line()
    )
    assert "gone/ledger_export_2026-10.csv: does not parse now: ConfigError" in findings[1].line()
    assert "no source named 'gone'" in findings[1].message
