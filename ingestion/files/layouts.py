"""What the mapped layouts (``canonical_layouts``, ``exchange_layouts``, ``balance_layouts``)
share: reading the CSV under the layout's encoding and delimiter, its number style and its
timestamp parser. Anything the layout does not declare is rejected, not guessed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from ingestion.files.config import _FileConventions
from ingestion.files.problems import FileRejected, Problem
from ingestion.files.text import Table, decode, read_csv
from ingestion.files.values import NumberStyle, parse_format, parse_iso


def read_layout_csv(data: bytes, layout: _FileConventions, required: list[str]) -> Table:
    """The file as a table, every column the layout maps required (a missing one is not "no
    value"); the encoding must be the layout's."""
    decoded = decode(data)
    if layout.encoding == "utf-16" and decoded.encoding != "utf-16":
        raise FileRejected(
            [Problem(0, "", None, f"layout {layout.name} expects UTF-16 (with a BOM)")]
        )
    if layout.encoding == "utf-8" and decoded.encoding == "utf-16":
        raise FileRejected(
            [Problem(0, "", None, f"layout {layout.name} expects UTF-8, got UTF-16")]
        )
    return read_csv(decoded, delimiter=layout.delimiter, required=required)


def number_style(layout: _FileConventions) -> NumberStyle:
    return NumberStyle(
        thousands=layout.thousands_separator,
        parentheses=layout.negative_parentheses,
        exponent=layout.scientific_notation,
    )


def time_parser(layout: _FileConventions) -> Callable[[str | None], datetime]:
    """A cell -> UTC datetime under the layout's format and zone."""
    tz = ZoneInfo(layout.timezone) if layout.timezone else None
    if layout.timestamp_format == "iso":
        return lambda text: parse_iso(text, tz)
    fmt = layout.timestamp_format
    return lambda text: parse_format(text, fmt, tz)
