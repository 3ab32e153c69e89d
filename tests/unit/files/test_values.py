"""Cell parsing is exact and explicit: what a format does not use is rejected, never guessed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ingestion.files.problems import CellError
from ingestion.files.text import decode
from ingestion.files.values import (
    NumberStyle,
    offset_from_label,
    parse_base_units,
    parse_decimal,
    parse_format,
    parse_iso,
)

MAX_TOKEN = "9" * 20 + "." + "9" * 18  # the largest DECIMAL(38,18)
ALL = NumberStyle(thousands=True, parentheses=True, exponent=True, symbols="$")


@pytest.mark.parametrize(
    ("text", "style", "expected"),
    [
        ("1234.50", NumberStyle(), Decimal("1234.50")),
        ("-0.000000000000000001", NumberStyle(), Decimal("-1E-18")),
        ("1,234.50", NumberStyle(thousands=True), Decimal("1234.50")),
        ("(1,234.50)", ALL, Decimal("-1234.50")),
        ("$1,004.99", ALL, Decimal("1004.99")),
        ("1.2e6", ALL, Decimal("1.2E6")),
        ("-0", NumberStyle(), Decimal(0)),
        (MAX_TOKEN, NumberStyle(), Decimal(MAX_TOKEN)),
    ],
)  # fmt: skip
def test_numbers_parse_exactly(text, style, expected):
    value = parse_decimal(text, style)
    assert value == expected and str(value) == str(expected)


@pytest.mark.parametrize(
    ("text", "style", "reason"),
    [
        ("1,234.50", NumberStyle(), "thousands separator"),
        ("(12.5)", NumberStyle(thousands=True), "accounting negative"),
        ("1.5e-7", NumberStyle(), "scientific notation"),
        ("1.234,56", NumberStyle(thousands=True), "ambiguous separators"),
        ("1,23", NumberStyle(thousands=True), "ambiguous separators"),
        ("0.0000000000000000001", NumberStyle(), "more than 18 decimal places"),
        ("100000000000000000000", NumberStyle(), "does not fit DECIMAL(38,18)"),
        ("NaN", ALL, "not a number"),
        ("inf", ALL, "not a number"),
        ("", ALL, "empty"),
        ("12 USD", ALL, "not a number"),
        ("(-5)", ALL, "sign inside"),
    ],
)
def test_bad_numbers_are_rejected_with_the_reason(text, style, reason):
    with pytest.raises(CellError, match=re.escape(reason)):
        parse_decimal(text, style)


def test_prices_round_half_even_only_when_asked():
    assert parse_decimal("0.9999995", scale=6, round_to_scale=True) == Decimal("1.000000")
    assert parse_decimal("0.9999985", scale=6, round_to_scale=True) == Decimal("0.999998")
    with pytest.raises(CellError):
        parse_decimal("0.9999995", scale=6)


def test_base_units():
    assert parse_base_units("-100000123456", 6) == Decimal("-100000.123456")
    for bad in ("1.5", "1e6", "", "0x10"):
        with pytest.raises(CellError):
            parse_base_units(bad, 6)


def test_timestamps_need_a_zone():
    assert parse_iso("2026-10-01T10:00:00Z") == datetime(2026, 10, 1, 10, tzinfo=UTC)
    assert parse_iso("2026-10-01T10:00:00-04:00") == datetime(2026, 10, 1, 14, tzinfo=UTC)
    with pytest.raises(CellError, match="without a time zone"):
        parse_iso("2026-10-01T10:00:00")
    ny = ZoneInfo("America/New_York")
    assert parse_iso("2026-11-01T01:30:00", ny) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert parse_format("01/11/2026 01:30", "%d/%m/%Y %H:%M", UTC).day == 1
    with pytest.raises(CellError, match="none declared"):
        parse_format("2026-10-01 10:00:00", "%Y-%m-%d %H:%M:%S", None)


def test_binance_header_offsets():
    assert offset_from_label("UTC") == UTC
    assert offset_from_label("UTC+8") == timezone(timedelta(hours=8))
    assert offset_from_label("UTC-05:30") == timezone(-timedelta(hours=5, minutes=30))
    for bad in ("UTCnull", "CST", "GMT+1"):
        with pytest.raises(CellError):
            offset_from_label(bad)


def test_encodings():
    assert decode(b"a,b\n").encoding == "utf-8"
    assert decode(b"\xef\xbb\xbfa,b\n").text == "a,b\n"
    assert decode("a\tb\n".encode("utf-16")).encoding == "utf-16"
    from ingestion.files.problems import FileRejected

    with pytest.raises(FileRejected, match="UTF-16 without a byte-order mark"):
        decode("a,b\n".encode("utf-16-le"))
    with pytest.raises(FileRejected, match="not UTF-8"):
        decode("café,1\n".encode("latin-1"))
