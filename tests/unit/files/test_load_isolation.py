"""Nothing a user legitimately has stops the file load (issue #14): each bad file is quarantined
with its real reason, only its own transaction is undone, and the next file loads."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ingestion.files.load import load_files
from ingestion.files.problems import CellError
from ingestion.files.values import parse_decimal, parse_int
from tests.unit.files.conftest import FIXTURES, make_config, memory_warehouse

FIREBLOCKS = FIXTURES / "fireblocks" / "vault_asset_wallets_20261031T235959Z.json"


def _fireblocks(height: str) -> bytes:
    payload = json.loads(FIREBLOCKS.read_text(encoding="utf-8"))
    payload["assetWallets"][0]["blockHeight"] = height
    return json.dumps(payload, indent=2).encode()


def _status(con, name: str) -> tuple:
    return con.execute(
        "select status, rows_in, rows_loaded, rows_quarantined, message from audit.files "
        "where file_name = ?",
        [name],
    ).fetchone()


def test_block_height_beyond_bigint_is_quarantined_and_newer_statement_loads(files_config):
    con = memory_warehouse()
    folder = files_config.landing_dir / "fireblocks"
    (folder / FIREBLOCKS.name).unlink()
    bad = folder / "vault_asset_wallets_20261030T235959Z.json"
    bad.write_bytes(_fireblocks("99999999999999999999"))
    good = folder / "vault_asset_wallets_20261031T235959Z.json"
    good.write_bytes(FIREBLOCKS.read_bytes())
    outcomes = {
        Path(o.path).name: o for o in load_files(con, files_config, "l1", kinds=("custodian",))
    }
    assert outcomes[bad.name].status == "quarantined"
    assert outcomes[good.name].status == "loaded"
    status, rows_in, loaded, quarantined, message = _status(con, bad.name)
    assert status == "quarantined" and loaded == 0 and rows_in == quarantined > 0
    assert "row 1, column 'blockHeight'" in message and "BIGINT" in message
    assert "TransactionException" not in message
    reason = con.execute(
        "select row_ref, field, value from audit.quarantine where reason like ?", ["%BIGINT%"]
    ).fetchone()
    assert reason == ("row 1", "blockHeight", "99999999999999999999")
    # recorded once: the next run does not retry it until its bytes change
    again = load_files(con, files_config, "l2", kinds=("custodian",))
    assert {o.status for o in again} == {"seen"}


@pytest.mark.parametrize(
    "digits",
    [
        "\u0661\u0660\u0660\u0660",
        "\uff11\uff10\uff10",
        "\U0001d7cf\U0001d7ce\U0001d7ce",
        "1e3",
        "0x10",
    ],
)
def test_only_ascii_digits_are_numbers(digits):
    with pytest.raises(CellError):
        parse_decimal(digits)
    with pytest.raises(CellError, match="ASCII digits"):
        parse_int(digits)


def test_unicode_digit_block_height_is_quarantined(files_config):
    con = memory_warehouse()
    path = files_config.landing_dir / "fireblocks" / FIREBLOCKS.name
    path.write_bytes(_fireblocks("\uff12\uff11\uff10\uff10\uff10\uff11\uff12\uff13"))
    (outcome,) = load_files(con, files_config, "l1", paths=[path])
    assert outcome.status == "quarantined"
    assert "column 'blockHeight': expected an integer of ASCII digits" in outcome.problems[0]


def test_integer_ranges_follow_the_column_type():
    assert parse_int("9223372036854775807", "bigint") == 2**63 - 1
    with pytest.raises(CellError, match="out of range for BIGINT"):
        parse_int("9223372036854775808", "bigint")
    with pytest.raises(CellError, match="out of range for INTEGER"):
        parse_int("2147483648", "integer")


def test_any_error_inside_the_insert_quarantines_only_that_file(files_config, monkeypatch):
    """An unexpected failure in the warehouse is shown as itself, the file quarantined."""
    import ingestion.files.load as load_module

    real = load_module.FileLoader._insert

    def failing(self, parsed, landed):
        if landed.source.name == "kraken-main":
            raise RuntimeError("disk on fire")
        return real(self, parsed, landed)

    monkeypatch.setattr(load_module.FileLoader, "_insert", failing)
    con = memory_warehouse()
    outcomes = {o.source: o for o in load_files(con, files_config, "l1")}
    assert outcomes["kraken-main"].status == "quarantined"
    assert "RuntimeError: disk on fire" in outcomes["kraken-main"].problems[0]
    assert all(o.status == "loaded" for s, o in outcomes.items() if s != "kraken-main")
    assert con.execute(
        "select count(*) from raw.exchange_entries where venue = 'kraken'"
    ).fetchone() == (0,)


def test_lone_surrogate_in_json_is_quarantined(files_config):
    con = memory_warehouse()
    path = files_config.landing_dir / "fireblocks" / FIREBLOCKS.name
    text = FIREBLOCKS.read_text(encoding="utf-8").replace(
        '"vaultId": "3"', '"vaultId": "\\ud800"', 1
    )
    path.write_text(text, encoding="utf-8")
    (outcome,) = load_files(con, files_config, "l1", paths=[path])
    assert outcome.status == "quarantined"
    assert "lone UTF-16 surrogate" in outcome.problems[0]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        (b"bad\xff.csv", "not valid UTF-8"),
        (b"bad\x07bell.csv", "control characters"),
        (b"sub\xfe/ok.csv", "not valid UTF-8"),
    ],
)
def test_bad_file_names_are_quarantined(files_config, name, reason):
    con = memory_warehouse()
    folder = files_config.landing_dir / "kraken-main"
    target = os.path.join(os.fsencode(folder), name)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as handle:
        handle.write((folder / "ledgers_2026-10.csv").read_bytes() + b"\n")
    outcomes = load_files(con, files_config, "l1", kinds=("exchange",))
    bad = [o for o in outcomes if o.status == "quarantined"]
    assert len(bad) == 1 and reason in bad[0].problems[0]
    rows = con.execute("select path, message from audit.files where status = 'quarantined'")
    (path, message) = rows.fetchone()
    assert reason in message and path.encode("utf-8")  # storable text


def test_symlinks_are_refused_and_never_read(files_config, tmp_path):
    con = memory_warehouse()
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.csv"
    secret.write_text("password,hunter2\n")
    folder = files_config.landing_dir / "kraken-main"
    (folder / "link.csv").symlink_to(secret)
    (folder / "linked-folder").symlink_to(outside, target_is_directory=True)
    outcomes = {
        Path(o.path).name: o for o in load_files(con, files_config, "l1", kinds=("exchange",))
    }
    for name in ("link.csv", "linked-folder"):
        assert outcomes[name].status == "quarantined"
        assert "symbolic link" in outcomes[name].problems[0]
    assert "secret.csv" not in outcomes
    assert outcomes["ledgers_2026-10.csv"].status == "loaded"
    text = " ".join(str(r) for r in con.execute("select * from audit.files").fetchall())
    text += " ".join(str(r) for r in con.execute("select * from audit.quarantine").fetchall())
    assert "hunter2" not in text


def test_unknown_layout_does_not_echo_content(files_config):
    con = memory_warehouse()
    path = files_config.landing_dir / "kraken-main" / "notes.csv"
    secret = "customer Jane Doe IBAN DE89370400440532013000 owes " + "x" * 500
    path.write_text(secret + "\nsecond line\n")
    (outcome,) = load_files(con, files_config, "l1", paths=[path])
    assert outcome.status == "quarantined"
    message = _status(con, "notes.csv")[4]
    assert "DE89370400440532013000" not in message and "x" * 60 not in message
    reasons = con.execute("select reason from audit.quarantine").fetchall()
    assert all("DE89370400440532013000" not in r for (r,) in reasons)


def test_file_over_the_size_limit_is_quarantined_unread(tmp_path, pseudonym_key, monkeypatch):
    config = make_config(tmp_path, max_file_bytes=100)
    folder = config.landing_dir / "kraken-main"
    folder.mkdir(parents=True)
    big = folder / "ledgers_2026-10.csv"
    big.write_bytes((FIXTURES / "kraken-main" / "ledgers_2026-10.csv").read_bytes())
    read = []
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self) or b"")
    con = memory_warehouse()
    (outcome,) = load_files(con, config, "l1", kinds=("exchange",))
    assert outcome.status == "quarantined"
    size = big.stat().st_size
    assert f"{size} bytes is larger than the limit of 100 bytes" in outcome.problems[0]
    assert read == []


def test_size_limit_defaults_to_one_gib(files_config):
    assert files_config.files.max_file_bytes == 1 << 30


def test_unreadable_file_is_left_for_the_next_run_and_the_others_load(files_config, monkeypatch):
    import ingestion.files.landing as landing

    con = memory_warehouse()
    locked = files_config.landing_dir / "kraken-main" / "locked.csv"
    locked.write_text("txid\n")
    real = landing.file_sha256

    def denied(path):
        if path.name == "locked.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(landing, "file_sha256", denied)
    outcomes = {Path(o.path).name: o for o in load_files(con, files_config, "l1")}
    assert "locked.csv" not in outcomes
    assert outcomes["ledgers_2026-10.csv"].status == "loaded"
    monkeypatch.setattr(landing, "file_sha256", real)
    (again,) = [o for o in load_files(con, files_config, "l2") if o.path.endswith("locked.csv")]
    assert again.status == "quarantined"  # readable now: read, and rejected for its content
