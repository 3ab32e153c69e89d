"""Every CSV the product writes neutralises formula-like text cells (CSV injection) with a
leading `'`, and leaves numbers (negative ones too) as numbers: the close pack's csv/ and the
dashboard's downloads, through one helper (reporting/csv_safety.py)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import polars as pl
import pytest

from dashboard.views.common import csv_bytes
from reporting.close.csvs import _write, csv_value
from reporting.csv_safety import csv_safe_text


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("Binance", "Binance"),
        ("a=b", "a=b"),
        ("", ""),
        (None, None),
    ],
)
def test_csv_safe_text(cell, expected):
    assert csv_safe_text(cell) == expected


def test_close_csv_numbers_stay_numbers(tmp_path):
    assert csv_value(Decimal("-12.500000000000000001")) == "-12.500000000000000001"
    assert csv_value(-3) == "-3"
    assert csv_value("-3", numeric=True) == "-3"
    assert csv_value("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0"
    path = tmp_path / "t.csv"
    _write(
        path,
        ["counterparty", "amount", "note"],
        [["=HYPERLINK(1)", Decimal("-5.25"), "-memo"], ["ok", "-1", "@x"]],
        ["text", "token", "text"],
    )
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    assert rows == [
        ["counterparty", "amount", "note"],
        ["'=HYPERLINK(1)", "-5.25", "'-memo"],
        ["ok", "-1", "'@x"],
    ]


def test_dashboard_download_neutralises_text_not_numbers():
    df = pl.DataFrame(
        {
            "name": ["=1+1", "plain", None, "-x"],
            "amount": [Decimal("-1.5"), Decimal("2"), None, Decimal("-0.1")],
            "n": [-1, 2, 3, -4],
        }
    )
    rows = list(csv.reader(io.StringIO(csv_bytes(df).decode())))
    assert rows[0] == ["name", "amount", "n"]
    assert [r[0] for r in rows[1:]] == ["'=1+1", "plain", "", "'-x"]
    assert rows[1][1].startswith("-1.5") and rows[1][2] == "-1"
    assert rows[4][2] == "-4"
