"""Issue #14: an internal-ledger file is read row by row in chunks, staged in Parquet and inserted
by one statement in its one transaction, with the very outcome, problems and rows of the
whole-file path."""

from __future__ import annotations

import codecs
import functools
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ingestion.files import load, text
from ingestion.files.ledger import internal
from ingestion.files.problems import FileRejected
from tests.unit.files.conftest import FIXTURES, load_path, memory_warehouse

LEDGER = (FIXTURES / "ledger" / "ledger_export_2026-10.csv").read_text(encoding="utf-8")
HEADER, *LINES = LEDGER.splitlines(keepends=True)


def _many(n: int) -> list[str]:
    """``n`` valid data lines: the fixture's first line with its entry id made unique."""
    first = LINES[0]
    return [first.replace("L-0001,", f"L-9{i:05d},", 1) for i in range(n)]


def _variants() -> dict[str, bytes]:
    body = "".join(_many(20))
    bad_late = _many(20)
    bad_late[17] = bad_late[17].replace("2500.00", "25OO")
    quoting = _many(20)
    quoting[15] = quoting[15].replace("first deposit", 'fir"st" x"')
    cells = _many(20)
    cells[18] = cells[18].rstrip("\n") + ",extra\n"
    repeat = _many(20)
    repeat[19] = repeat[2]
    utf8 = (HEADER + body).encode()
    return {
        "fixture": LEDGER.encode(),
        "many": utf8,
        "bom": codecs.BOM_UTF8 + utf8,
        "crlf": (HEADER + body).replace("\n", "\r\n").encode(),
        "blank_lines": (HEADER + "\n , \n" + body + "\n\n").encode(),
        "bad_value_late": (HEADER + "".join(bad_late)).encode(),
        "broken_quoting": (HEADER + "".join(quoting)).encode(),
        "cell_count": (HEADER + "".join(cells)).encode(),
        "repeated_entry": (HEADER + "".join(repeat)).encode(),
        "header_only": HEADER.encode(),
        "empty": b"",
        "missing_column": (HEADER.replace("amount,", "amt,") + body).encode(),
        "nul": utf8[:700] + b"\x00" + utf8[700:],
        "not_utf8_late": utf8[:1500] + b"\xc3(" + utf8[1502:],
        "cut_character_at_end": utf8 + "é".encode()[:1],
        "utf16": codecs.BOM_UTF16_LE + (HEADER + body).replace(",", "\t").encode("utf-16-le"),
    }


def _load(config, name: str, data: bytes, *, streamed: bool):
    con = memory_warehouse()
    path = config.landing_dir / "ledger" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    when = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
    os.utime(path, (when, when))
    outcome = load_path(con, config, path)
    files = con.execute(
        "select status, encoding, statement_key, rows_in, rows_loaded, rows_quarantined, "
        "raw_table, message from audit.files"
    ).fetchall()
    quarantine = con.execute(
        "select * exclude (load_id, quarantined_at) from audit.quarantine order by all"
    ).fetchall()
    raw = con.execute(
        "select * exclude (load_id) from raw.ledger_entries order by row_number"
    ).fetchall()
    assert outcome.rows_in == outcome.rows_loaded + outcome.rows_quarantined
    return (outcome.status, outcome.rows_in, outcome.problems, files, quarantine, raw)


@pytest.mark.parametrize("name", sorted(_variants()))
def test_streamed_load_equals_whole_file_load(files_config, monkeypatch, name):
    data = _variants()[name]
    monkeypatch.setattr(load, "STREAMS", {})
    whole = _load(files_config, name, data, streamed=False)
    monkeypatch.setattr(
        load, "STREAMS", {"internal_ledger": functools.partial(internal.stream, chunk_rows=3)}
    )
    monkeypatch.setattr(text, "BLOCK_BYTES", 64)  # blocks cut characters and lines
    streamed = _load(files_config, name, data, streamed=True)
    assert streamed == whole


def test_a_ledger_file_is_never_read_whole_and_is_staged_in_chunks(files_config, monkeypatch):
    data = (HEADER + "".join(_many(25))).encode()
    path = files_config.landing_dir / "ledger" / "big.csv"
    path.write_bytes(data)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"{self.name} was read whole"))
    monkeypatch.setattr(
        load, "STREAMS", {"internal_ledger": functools.partial(internal.stream, chunk_rows=10)}
    )
    sizes: list[int] = []
    staged = load.FileLoader._arrow_rows
    inserts: list[str] = []
    insert = load.FileLoader._insert_from

    def counting(self, parsed, landed):
        sizes.append(len(parsed.rows))
        return staged(self, parsed, landed)

    def one_insert(self, table, names, relation, **kwargs):
        inserts.append(relation)
        return insert(self, table, names, relation, **kwargs)

    monkeypatch.setattr(load.FileLoader, "_arrow_rows", counting)
    monkeypatch.setattr(load.FileLoader, "_insert_from", one_insert)
    con = memory_warehouse()
    outcome = load_path(con, files_config, path)
    assert (outcome.status, outcome.rows_in, outcome.rows_loaded) == ("loaded", 25, 25)
    assert sizes == [10, 10, 5]  # staged 10 rows at a time
    assert len(inserts) == 1 and inserts[0].startswith("read_parquet(")  # inserted at once
    staging = files_config.warehouse_path.parent / load.STAGING_FOLDER
    assert not any(staging.iterdir())  # the staged rows are removed after the load
    keys = con.execute("select distinct statement_key from raw.ledger_entries").fetchall()
    assert keys == [(outcome.statement_key,)] and outcome.statement_key.startswith("ledger|")


def test_rows_a_killed_load_staged_are_removed_by_the_next_load(files_config):
    staging = files_config.warehouse_path.parent / load.STAGING_FOLDER / "tmp_killed"
    staging.mkdir(parents=True)
    (staging / "rows.parquet").write_bytes(b"PAR1 cut short by kill -9")
    path = files_config.landing_dir / "ledger" / "after.csv"
    path.write_bytes((HEADER + "".join(_many(3))).encode())
    con = memory_warehouse()
    (outcome,) = load.load_files(con, files_config, "next-load", paths=[path])
    assert (outcome.status, outcome.rows_loaded) == ("loaded", 3)
    assert not staging.exists()


def test_check_encoding_says_what_decode_says(tmp_path, monkeypatch):
    monkeypatch.setattr(text, "BLOCK_BYTES", 4)
    samples = [b"", b"abc", "héllo wörld".encode(), b"ab\xc3", b"abc\xc3(def", b"a\x00b"]
    samples += [codecs.BOM_UTF8 + "é".encode() * 5, b"\xff\xfeh\x00i\x00", b"\xe2\x82" + b"x" * 9]
    for i, data in enumerate(samples):
        path = tmp_path / f"{i}.csv"
        path.write_bytes(data)
        try:
            expected = text.decode(data).encoding
        except FileRejected as exc:
            expected = [p.reason for p in exc.problems]
        try:
            got = text.check_encoding(path)
        except FileRejected as exc:
            got = [p.reason for p in exc.problems]
        assert got == expected, data
