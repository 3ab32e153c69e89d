"""From an xlsx workbook's bytes to the records a CSV of the same content gives.

A workbook is told from text by its content, never by its name: an xlsx file is a zip archive
(``PK\\x03\\x04``). An OLE2 container (``\\xd0\\xcf\\x11\\xe0...``) is a password-protected
workbook or a legacy ``.xls``: rejected, as is a workbook that cannot be opened or read (a
corrupt or truncated zip, a zip that is not a workbook, no worksheet); nothing openpyxl raises
escapes as anything but ``FileRejected``.

The first worksheet is read; each cell becomes the text a CSV export would carry: strings as
they are; date cells ``YYYY-MM-DD`` (a date-time cell ``YYYY-MM-DD HH:MM:SS[.ffffff]`` unless
it is midnight); time cells ``HH:MM:SS[.ffffff]``; integers their digits; an empty cell, or a
formula without a cached value, ``""``. xlsx stores every number as a binary float (15 to 17
significant digits): a float cell is written in its shortest round-trip form
(``repr``, never ``%g`` or a fixed number of places, never in exponent form), so an amount with
more digits than a float holds comes out as Excel kept it, not as the venue sent it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import BytesIO

from ingestion.files.problems import FileRejected, Problem

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SHOWN_ERROR_CHARS = 200  # an openpyxl error echoed in a rejection is cut to this length


def is_workbook(data: bytes) -> bool:
    """Whether the bytes are a workbook (xlsx, or an encrypted / legacy OLE2 one), by content."""
    return data.startswith((ZIP_MAGIC, OLE_MAGIC))


def cell_text(value: object) -> str:
    """A cell's value as the text a CSV export carries (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):  # before int: bool is an int
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")  # the float's shortest form, no exponent
    if isinstance(value, datetime):  # before date: datetime is a date
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta) and timedelta(0) <= value < timedelta(days=1):
        return (datetime.min + value).time().isoformat()  # a [h]:mm:ss cell within a day
    return str(value)


def _rejected(reason: str) -> FileRejected:
    return FileRejected([Problem(0, "", None, reason)])


def _sheet_records(data: bytes) -> list[list[str]]:
    """The first worksheet's non-empty rows as text, trailing empty cells cut."""
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    try:
        if not book.worksheets:
            raise _rejected("the xlsx workbook has no worksheet")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # a wrong stored size would cut rows short
        records = []
        for row in sheet.iter_rows(values_only=True):
            cells = [cell_text(value) for value in row]
            while cells and not cells[-1]:
                cells.pop()
            if any(cell.strip() for cell in cells):
                records.append(cells)
        return records
    finally:
        book.close()


def read_workbook(data: bytes) -> list[list[str]]:
    """The records of a workbook's first worksheet, as ``csv.reader`` gives a CSV's: the first
    is the header; every row is padded with empty cells to the header's width (a workbook
    stores no empty trailing cells). Rejects a workbook that cannot be read, with the reason."""
    if data.startswith(OLE_MAGIC):
        raise _rejected(
            "an encrypted (password-protected) workbook or a legacy .xls file, not an xlsx "
            "workbook: save it as .xlsx without a password, or export CSV"
        )
    try:
        records = _sheet_records(data)
    except FileRejected:
        raise
    except Exception as exc:  # whatever openpyxl, zipfile or the XML parser raise
        text = f"{type(exc).__name__}: {exc}"[:SHOWN_ERROR_CHARS]
        raise _rejected(
            f"not a readable xlsx workbook ({text}): download it again, or export CSV"
        ) from None
    width = len(records[0]) if records else 0
    return [cells + [""] * (width - len(cells)) for cells in records]
