"""A storm of malformed files beside the valid ones: the load never stops, every file is
accounted for, and the valid files load whole (issue #14).

The malformed files are deterministic random mutations of the fixtures' layouts (every
adapter). ``USD1INV_STORM_FILES`` sets how many (default 240; a benchmark run can use 1000):
``USD1INV_STORM_FILES=1000 .venv/bin/python -m pytest tests/unit/files/test_load_storm.py``.
"""

from __future__ import annotations

import codecs
import os
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

from ingestion.files.load import load_files
from tests.unit.files.conftest import FIXTURES, make_config, memory_warehouse

STORM_FILES = int(os.environ.get("USD1INV_STORM_FILES", "240"))
SEED = 14

WEIRD_NUMBERS = [
    "1e400",
    "NaN",
    "0x10",
    "1,000.00",
    "9" * 45,
    "0." + "1" * 30,
    "(100)",
    "€5",
    "\u0661\u0660\u0660",  # Arabic-Indic 100
    "\uff11\uff10\uff10",  # full-width 100
    "\U0001d7cf\U0001d7ce\U0001d7ce",  # mathematical bold 100
    "Infinity",
    "-0",
    "99999999999999999999",
    "",
]
NUMBER = re.compile(rb"(?<![0-9A-Za-z])[0-9]+\.[0-9]+(?![0-9])|(?<=\")[0-9]{3,}(?=\")")


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(0, max(1, len(data)))]


def _flip(rng: random.Random, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if out:
            out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _utf16_bom(rng: random.Random, data: bytes) -> bytes:
    return codecs.BOM_UTF16_LE + data.decode("utf-8", "replace").encode("utf-16-le")


def _utf16_no_bom(rng: random.Random, data: bytes) -> bytes:
    return data.decode("utf-8", "replace").encode(rng.choice(["utf-16-le", "utf-16-be"]))


def _nul(rng: random.Random, data: bytes) -> bytes:
    at = rng.randrange(0, len(data) + 1)
    return data[:at] + b"\x00" * rng.randint(1, 4) + data[at:]


def _garbage(rng: random.Random, data: bytes) -> bytes:
    return rng.randbytes(rng.randint(1, 4096))


def _empty(rng: random.Random, data: bytes) -> bytes:
    return b""


def _header_only(rng: random.Random, data: bytes) -> bytes:
    return _lines(data)[0] if data else b""


def _semicolons(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b",", b";")


def _drop_column(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    width = lines[0].count(b",") + 1
    col = rng.randrange(width)
    out = []
    for line in lines:
        cells = line.rstrip(b"\r\n").split(b",")
        if len(cells) > col:
            del cells[col]
        out.append(b",".join(cells) + b"\n")
    return b"".join(out)


def _rename_column(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    cells = lines[0].split(b",")
    col = rng.randrange(len(cells))
    cells[col] = b'"renamed_' + str(col).encode() + b'"'
    return b",".join(cells) + (b"" if lines[0].endswith(b"\n") else b"\n") + b"".join(lines[1:])


def _rename_key(rng: random.Random, data: bytes) -> bytes:
    keys = re.findall(rb'"([A-Za-z]+)":', data)
    if not keys:
        return _rename_column(rng, data)
    key = rng.choice(keys)
    return data.replace(b'"' + key + b'":', b'"x' + key + b'":')


def _duplicate_rows(rng: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    if len(lines) < 2:
        return data + data
    row = rng.randrange(1, len(lines))
    return b"".join(lines[: row + 1] + [lines[row]] * rng.randint(1, 3) + lines[row + 1 :])


def _cr_only(rng: random.Random, data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")


def _weird_number(rng: random.Random, data: bytes) -> bytes:
    matches = list(NUMBER.finditer(data))
    if not matches:
        return _flip(rng, data)
    match = rng.choice(matches)
    weird = rng.choice(WEIRD_NUMBERS).encode("utf-8")
    return data[: match.start()] + weird + data[match.end() :]


MUTATIONS: list[Callable[[random.Random, bytes], bytes]] = [
    _truncate,
    _flip,
    _utf16_bom,
    _utf16_no_bom,
    _nul,
    _garbage,
    _empty,
    _header_only,
    _semicolons,
    _drop_column,
    _rename_column,
    _rename_key,
    _duplicate_rows,
    _cr_only,
    _weird_number,
    _weird_number,  # the most varied: twice as often
]


def valid_files() -> list[Path]:
    return sorted(p for p in FIXTURES.rglob("*") if p.is_file() and p.suffix in (".csv", ".json"))


def drop_storm(landing: Path, count: int, seed: int = SEED) -> dict[str, str]:
    """Write ``count`` mutated files beside the valid ones; returns name -> mutation."""
    rng = random.Random(seed)
    originals = valid_files()
    written = {}
    for i in range(count):
        original = rng.choice(originals)
        mutation = MUTATIONS[i % len(MUTATIONS)]
        data = mutation(rng, original.read_bytes())
        folder = landing / original.parent.name
        name = f"{original.stem}_storm{i:04d}{original.suffix}"
        (folder / name).write_bytes(data)
        written[name] = mutation.__name__
    return written


def test_storm_of_malformed_files_never_stops_the_load(tmp_path, pseudonym_key):
    config = make_config(tmp_path)
    landing = config.landing_dir
    valid = valid_files()
    for path in valid:
        (landing / path.parent.name).mkdir(parents=True, exist_ok=True)
        (landing / path.parent.name / path.name).write_bytes(path.read_bytes())
    storm = drop_storm(landing, STORM_FILES)
    assert len(storm) == STORM_FILES >= 200
    con = memory_warehouse()
    started = time.monotonic()
    outcomes = load_files(con, config, "storm")  # never raises
    elapsed = time.monotonic() - started
    by_name = {Path(o.path).name: o for o in outcomes}
    assert len(by_name) == len(valid) + STORM_FILES
    files = con.execute(
        "select file_name, status, rows_in, rows_loaded, rows_quarantined, message, sha256 "
        "from audit.files"
    ).fetchall()
    recorded = {row[0]: row for row in files}
    assert set(recorded) == set(by_name), "every file is in audit.files"
    quarantined_shas = {
        sha for (sha,) in con.execute("select distinct source_ref from audit.quarantine").fetchall()
    }
    statuses: dict[str, int] = {}
    for name, status, rows_in, loaded, quarantined, message, sha in files:
        statuses[status] = statuses.get(status, 0) + 1
        assert status in ("loaded", "superseded", "duplicate", "quarantined"), (name, status)
        if status != "duplicate":
            assert rows_in == loaded + quarantined, name
        if status == "quarantined":
            assert message, f"{name} ({storm.get(name)}) quarantined without a reason"
            assert sha in quarantined_shas, f"{name}: no audit.quarantine row"
            assert loaded == 0
        if status in ("loaded", "superseded"):
            raw = sum(
                con.execute(
                    f"select count(*) from raw.{table} where file_sha256 = ?", [sha]
                ).fetchone()[0]
                for table in (
                    "custodian_balances",
                    "custodian_movements",
                    "exchange_entries",
                    "ledger_entries",
                    "prices",
                )
            )
            assert raw == loaded == rows_in, name
    for path in valid:
        name, status, rows_in, loaded, *_ = recorded[path.name]
        assert status in ("loaded", "superseded"), (name, status, recorded[path.name][5])
        assert loaded == rows_in > 0
    # identical mutations (every empty file, ...) are duplicates of the first, recorded as such
    assert statuses["quarantined"] + statuses.get("duplicate", 0) >= STORM_FILES // 2, statuses
    print(f"storm: {len(outcomes)} files in {elapsed:.1f} s, {statuses}")
