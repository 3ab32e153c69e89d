"""The workbook's amounts on a synthetic pack (no warehouse): each amount is a number rounded for
reading with its exact value as text in the twin column right after it, base units are text
only, own and client holdings are totalled apart, and a local path never reaches a pack file."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl

from reporting.close.closing import ClosedPeriod
from reporting.close.csvs import write_csvs
from reporting.close.pack import Pack, relative_paths
from reporting.close.periods import parse_period
from reporting.close.tables import Column, PackTable, column_kind
from reporting.close.workbook import write_workbook

EXACT = Decimal("10770.106666666666666667")  # a double keeps 10770.10666666667
RAW = 17_344_720_000_000_000_000_000  # a double keeps 17344719999999999475712
USD = Decimal("10770.106667")


def _pack(sections: list[PackTable], cover=None) -> Pack:
    closed = ClosedPeriod(
        "2026-10",
        "month",
        "2026-10-v1",
        1,
        datetime(2026, 11, 2, 11, 0, tzinfo=UTC),
        "alice",
        "run-1",
        "ab" * 32,
        "acme",
        "UTC",
    )
    return Pack(closed, parse_period("2026-10"), cover or [], [], sections, {})


def _holdings() -> PackTable:
    columns = [
        Column("location_id", "text"),
        Column("ownership", "text"),
        Column("closing_balance", "token"),
        Column("fair_value_usd", "usd"),
        Column("price_usd", "price"),
        Column("balance_raw", "raw"),
        Column("depeg_bps", "bps"),
    ]
    rows = [
        ["w1", "operating", EXACT, USD, Decimal("0.999788"), RAW, Decimal("-2.12")],
        ["c1", "client", Decimal("500.000000000000000001"), Decimal("499.894"), None, 5, None],
        ["w2", "operating", Decimal("0.000000000000000001"), Decimal("0.004999"), None, 1, None],
    ]
    return PackTable(
        "rollforward", "Roll-forward", columns, rows, ["closing_balance", "fair_value_usd"]
    )


def _sheet(path: Path, name: str = "Roll-forward") -> list[list]:
    book = openpyxl.load_workbook(path, data_only=True)
    return [list(r) for r in book[name].iter_rows(min_row=4, values_only=True)]


def test_every_amount_has_an_exact_text_twin_after_its_rounded_number(tmp_path: Path):
    path = write_workbook(_pack([_holdings()]), tmp_path / "pack.xlsx")
    header, first, *_ = _sheet(path)
    assert header == [
        "location_id",
        "ownership",
        "closing_balance",
        "closing_balance (exact)",
        "fair_value_usd",
        "fair_value_usd (exact)",
        "price_usd",
        "price_usd (exact)",
        "balance_raw",
        "depeg_bps",
    ]
    row = dict(zip(header, first, strict=True))
    assert row["closing_balance (exact)"] == "10770.106666666666666667"
    assert row["closing_balance"] == 10770.106667  # rounded for reading: 6 decimals
    assert row["fair_value_usd (exact)"] == "10770.106667"
    assert row["fair_value_usd"] == 10770.11  # rounded for reading: cents
    assert row["price_usd (exact)"] == "0.999788"
    assert row["depeg_bps"] == -2.12  # not an amount: a number, no twin
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("xl/worksheets/sheet2.xml").decode()
    assert "10770.10666666667" not in xml and "1.7344719999999999E+22" not in xml.upper()


def test_base_units_are_exact_text_only(tmp_path: Path):
    path = write_workbook(_pack([_holdings()]), tmp_path / "pack.xlsx")
    header, first, *_ = _sheet(path)
    value = first[header.index("balance_raw")]
    assert isinstance(value, str) and value == "17344720000000000000000"
    assert column_kind("balance_raw", "DECIMAL(38,0)") == "raw"
    assert column_kind("amount_raw", "HUGEINT") == "raw"
    assert column_kind("balance", "DECIMAL(38,18)") == "token"


def test_own_total_excludes_client_holdings(tmp_path: Path):
    path = write_workbook(_pack([_holdings()]), tmp_path / "pack.xlsx")
    rows = _sheet(path)
    header = rows[0]
    totals = {
        r[0]: dict(zip(header, r, strict=True)) for r in rows if str(r[0]).startswith("Total")
    }
    assert set(totals) == {
        "Total own (operating)",
        "Total client (safeguarded, off balance sheet)",
    }
    own = totals["Total own (operating)"]
    assert own["closing_balance (exact)"] == "10770.106666666666666668"
    assert own["fair_value_usd (exact)"] == "10770.111666"
    assert own["fair_value_usd"] == 10770.11  # the sum of the cents shown: 10770.11 + 0.00
    client = totals["Total client (safeguarded, off balance sheet)"]
    assert client["closing_balance (exact)"] == "500.000000000000000001"
    formulas = openpyxl.load_workbook(path)["Roll-forward"]
    total_row = next(
        r for r in formulas.iter_rows(min_row=5) if r[0].value == "Total own (operating)"
    )
    assert total_row[2].value == '=SUMIFS(C5:C7,B5:B7,"operating")'


def test_csv_files_are_exact(tmp_path: Path):
    (path,) = [p for p in write_csvs(_pack([_holdings()]), tmp_path) if p.stem == "rollforward"]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1] == "w1,operating,10770.106666666666666667,10770.106667,0.999788," + (
        "17344720000000000000000,-2.12"
    )


def test_absolute_paths_become_relative_to_the_landing_folder():
    folders = {"fireblocks", "ledger"}
    assert relative_paths("/srv/data/landing/ledger/ledger_2026-10.csv", folders) == (
        "ledger/ledger_2026-10.csv"
    )
    assert relative_paths("/home/ana/Downloads/statement.json", folders) == "statement.json"
    assert relative_paths("first copy: /a/b/fireblocks/x.json.", folders) == (
        "first copy: fireblocks/x.json."
    )
    assert relative_paths(r"C:\Users\ana\landing\ledger\f.csv", folders) == "ledger/f.csv"
    for kept in ("USD1/USD", "https://example.com/a/b", "2026/10/31", "ledger/f.csv"):
        assert relative_paths(kept, folders) == kept
