"""The loading rules: identity by content, explicit supersession, whole-file quarantine,
provenance on every row, rows in = rows loaded + rows quarantined, and reruns change nothing."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime

from ingestion.files.load import load_files
from ingestion.warehouse import schema_content_hashes
from tests.unit.files.conftest import FIXTURES, load_path, memory_warehouse

FIREBLOCKS = FIXTURES / "fireblocks" / "vault_asset_wallets_20261031T235959Z.json"


def _drop(config, source: str, name: str, data: bytes, when: datetime):
    path = config.landing_dir / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def _files(con):
    return con.execute(
        "select file_name, status, superseded_by, duplicate_of, rows_in, rows_loaded, "
        "rows_quarantined, sha256 from audit.files order by dropped_at, file_name"
    ).fetchall()


def test_same_file_twice_even_renamed_loads_once(files_config):
    con = memory_warehouse()
    data = FIREBLOCKS.read_bytes()
    first = _drop(
        files_config,
        "fireblocks",
        "a_20261031T235959Z.json",
        data,
        datetime(2026, 11, 1, tzinfo=UTC),
    )
    again = _drop(
        files_config,
        "fireblocks",
        "copy of a_20261031T235959Z.json",
        data,
        datetime(2026, 11, 2, tzinfo=UTC),
    )
    assert load_path(con, files_config, first).status == "loaded"
    assert load_path(con, files_config, again).status == "duplicate"
    assert load_path(con, files_config, first).status == "seen"  # already recorded: no-op
    assert con.execute("select count(*) from raw.custodian_balances").fetchone()[0] == 2
    rows = _files(con)
    assert [r[1] for r in rows] == ["loaded", "duplicate"]
    assert rows[1][3] == str(first) and rows[0][7] == rows[1][7]


def test_corrected_statement_supersedes_in_any_order(files_config):
    data = FIREBLOCKS.read_bytes()
    corrected = data.replace(b'"1250000.5"', b'"1250000.4"').replace(b'"1300000.5"', b'"1300000.4"')
    early, late = datetime(2026, 11, 1, 9, tzinfo=UTC), datetime(2026, 11, 1, 15, tzinfo=UTC)
    v1 = _drop(files_config, "fireblocks", "vault_20261031T235959Z.json", data, early)
    v2 = _drop(files_config, "fireblocks", "vault_20261031T235959Z_v2.json", corrected, late)
    outcomes = []
    for order in ([v1, v2], [v2, v1]):
        con = memory_warehouse()
        for path in order:
            load_path(con, files_config, path)
        rows = {r[0]: r for r in _files(con)}
        assert rows[v1.name][1] == "superseded" and rows[v1.name][2] == rows[v2.name][7]
        assert rows[v2.name][1] == "loaded" and rows[v2.name][2] is None
        # both versions stay in raw; the current one is found through audit.files
        current = con.execute(
            "select b.balance from raw.custodian_balances b join audit.files f "
            "on f.sha256 = b.file_sha256 and f.status = 'loaded' where b.asset = 'USD1'"
        ).fetchall()
        assert [str(r[0]) for r in current] == ["1300000.400000000000000000"]
        assert con.execute("select count(*) from raw.custodian_balances").fetchone()[0] == 4
        outcomes.append(
            con.execute(
                "select * exclude (load_id) from raw.custodian_balances order by all"
            ).fetchall()
        )
    assert outcomes[0] == outcomes[1]


def test_bad_file_goes_to_quarantine_whole_and_the_others_load(files_config):
    con = memory_warehouse()
    bad = (FIXTURES / "kraken-main" / "ledgers_2026-10.csv").read_text()
    bad = bad.replace("-10000.00,0.00,15000.00", "-10000.00,0.00,15,000.00")  # a ragged row
    bad = bad.replace("9998.5000,2.5000", "9998.5O00,2.5000")  # a letter O
    (files_config.landing_dir / "kraken-main" / "ledgers_2026-10.csv").write_text(bad)
    outcomes = {o.source: o for o in load_files(con, files_config, "load-1")}
    kraken = outcomes["kraken-main"]
    assert kraken.status == "quarantined"
    assert kraken.rows_in == kraken.rows_quarantined == 5 and kraken.rows_loaded == 0
    assert kraken.problems == [
        "ledgers_2026-10.csv: row 3: expected 12 cells, got 13",
    ]  # a structural problem stops before cell checks
    assert (
        con.execute("select count(*) from raw.exchange_entries where venue = 'kraken'").fetchone()[
            0
        ]
        == 0
    )
    reports = con.execute("select row_ref, field, reason from audit.quarantine").fetchall()
    assert reports == [("row 3", "", "ledgers_2026-10.csv: row 3: expected 12 cells, got 13")]
    assert all(o.status == "loaded" for s, o in outcomes.items() if s != "kraken-main")
    # cell problems are all reported, each naming file, row, column and reason
    (files_config.landing_dir / "kraken-main" / "ledgers_2026-10b.csv").write_text(
        bad.replace("15,000.00", "15000.00")
    )
    again = load_files(con, files_config, "load-2", kinds=("exchange",))
    cell = next(o for o in again if o.path.endswith("10b.csv"))
    assert cell.problems == [
        "ledgers_2026-10b.csv: row 4, column 'amount': not a number (value '9998.5O00')"
    ]


def test_rows_in_equals_loaded_plus_quarantined_and_provenance(loaded_fixtures):
    _, con, _ = loaded_fixtures
    assert (
        con.execute(
            "select count(*) from audit.files where rows_in != rows_loaded + rows_quarantined"
        ).fetchone()[0]
        == 0
    )
    for table in (
        "custodian_balances",
        "custodian_movements",
        "exchange_entries",
        "ledger_entries",
        "prices",
    ):
        missing = con.execute(
            f"select count(*) from raw.{table} where file_path is null or file_sha256 is null "
            "or row_number is null or load_id is null or statement_key is null"
        ).fetchone()[0]
        assert missing == 0, table
        loaded = con.execute(
            f"select sum(rows_loaded) from audit.files where raw_table = '{table}'"
        ).fetchone()[0]
        assert con.execute(f"select count(*) from raw.{table}").fetchone()[0] == loaded


def test_unknown_account_is_quarantined_naming_row_and_column(files_config):
    con = memory_warehouse()
    text = FIREBLOCKS.read_text().replace(
        '"vaultId": "3",\n      "assetId": "ETH"', '"vaultId": "99",\n      "assetId": "ETH"'
    )
    path = _drop(
        files_config,
        "fireblocks",
        "other_20261031T235959Z.json",
        text.encode(),
        datetime(2026, 11, 1, tzinfo=UTC),
    )
    outcome = load_path(con, files_config, path)
    assert outcome.status == "quarantined"
    assert outcome.problems == [
        "other_20261031T235959Z.json: row 2, column 'vaultId': unknown fireblocks account: "
        "not in files.custodian_accounts (value '99')"
    ]


def test_personal_data_never_reaches_quarantine(files_config):
    con = memory_warehouse()
    text = (FIXTURES / "ledger" / "ledger_export_2026-10.csv").read_text()
    text = text.replace("L-0002,2026-10-02T15:30:00-04:00", "L-0002,2026-10-02 15:30")
    text = text.replace(
        "CUST-1002,John Doe,john.doe@example.com", "CUST-1002,John Doe,john.doe@example.com,extra"
    )
    path = _drop(
        files_config, "ledger", "ledger.csv", text.encode(), datetime(2026, 11, 1, tzinfo=UTC)
    )
    outcome = load_path(con, files_config, path)
    assert outcome.status == "quarantined"
    stored = str(con.execute("select * from audit.quarantine").fetchall()) + str(_files(con))
    for personal in ("CUST-1002", "John Doe", "john.doe@example.com"):
        assert personal not in stored


def test_loading_the_landing_folders_twice_changes_nothing(files_config, tmp_path):
    con = memory_warehouse()
    first = load_files(con, files_config, "run-1")
    hashes = schema_content_hashes(con, ("raw", "audit"))
    second = load_files(con, files_config, "run-2")
    assert {o.status for o in first} == {"loaded"} and {o.status for o in second} == {"seen"}
    assert schema_content_hashes(con, ("raw", "audit")) == hashes
    # a new folder with the same files under other names: all duplicates
    other = tmp_path / "elsewhere"
    shutil.copytree(files_config.landing_dir, other)
    shutil.rmtree(files_config.landing_dir)
    for path in other.rglob("*.*"):
        target = files_config.landing_dir / path.parent.name / f"renamed-{path.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    third = load_files(con, files_config, "run-3")
    assert {o.status for o in third} == {"duplicate"}
    assert schema_content_hashes(con, ("raw",)) == {
        k: v for k, v in hashes.items() if k.startswith("raw.")
    }
