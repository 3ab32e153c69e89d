"""From bytes to rows: encodings, byte-order marks, delimiters and headers, all explicit.

Accepted encodings: UTF-8, UTF-8 with a BOM, and UTF-16 with a BOM (what Excel writes as
"Unicode Text", tab-delimited). Anything else (UTF-16 without a BOM, Latin-1, binary) is
rejected with the reason. Columns are matched by name, never by position; a header that lacks
a required column, or repeats one, rejects the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingestion.files.problems import MAX_PROBLEMS, FileRejected, Problem


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # utf-8 | utf-8-sig | utf-16


def decode(data: bytes) -> Decoded:
    """Decode a file's bytes, or reject it naming the encoding problem."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as exc:
            raise FileRejected([Problem(0, "", None, f"invalid UTF-16: {exc.reason}")]) from None
    if data.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8-sig", data[len(codecs.BOM_UTF8) :]
    else:
        encoding, body = "utf-8", data
    if b"\x00" in body:
        raise _nul_bytes()
    try:
        return Decoded(body.decode("utf-8"), encoding)
    except UnicodeDecodeError as exc:
        raise _not_utf8(exc.start, exc.reason) from None


def _nul_bytes() -> FileRejected:
    reason = (
        "NUL bytes: looks like UTF-16 without a byte-order mark; re-export as "
        "UTF-8 or UTF-16 with a BOM"
    )
    return FileRejected([Problem(0, "", None, reason)])


def _not_utf8(start: int, reason: str) -> FileRejected:
    text = f"not UTF-8 (byte {start}: {reason}); re-export as UTF-8"
    return FileRejected([Problem(0, "", None, text)])


BLOCK_BYTES = 1 << 20  # a file is read this much at a time when it is streamed


def check_encoding(path: Path) -> str:
    """The encoding ``decode`` finds in a file, or its very rejection, read block by block so
    that neither the bytes nor the text of a large file are held whole (issue #14)."""
    with path.open("rb") as f:
        block = f.read(BLOCK_BYTES)
        if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return decode(block + f.read()).encoding  # Excel's "Unicode Text": rare, small
        encoding = "utf-8"
        if block.startswith(codecs.BOM_UTF8):
            encoding, block = "utf-8-sig", block[len(codecs.BOM_UTF8) :]
        decoder = codecs.getincrementaldecoder("utf-8")()
        offset = 0  # body bytes before `block`
        nul, bad = False, None
        while True:
            final = not block
            nul = nul or b"\x00" in block
            if bad is None:
                pending = len(decoder.getstate()[0])  # bytes of a character cut by the block
                try:
                    decoder.decode(block, final)
                except UnicodeDecodeError as exc:
                    bad = (offset - pending + exc.start, exc.reason)
            if final:
                break
            offset += len(block)
            block = f.read(BLOCK_BYTES)
    if nul:
        raise _nul_bytes()
    if bad is not None:
        raise _not_utf8(*bad)
    return encoding


SHOWN_NAME_CHARS = 40  # a header name echoed in a rejection is cut to this length


def _missing_columns(header: list[str], missing, delimiter: str | None, first_cell: str) -> Problem:
    """The problem of a header without the layout's columns: what it has, and a delimiter hint."""
    found = ", ".join(shown_name(h) for h in header[:12])
    hint = ""
    if delimiter is not None and len(header) == 1:
        if delimiter != "\t" and "\t" in first_cell:
            hint = " (the file is tab-delimited)"
        else:
            hint = f" (no {delimiter!r} delimiter found in the header)"
    return Problem(0, "", None, f"header lacks column(s) {missing}; found {found}{hint}")


def shown_name(name: str) -> str:
    """A header name as a rejection may show it: cut short, control characters escaped, so a
    file that is not in the expected layout never has its content copied into the audit."""
    cut = name[:SHOWN_NAME_CHARS]
    text = repr(cut)
    return text + "…" if len(name) > SHOWN_NAME_CHARS else text


def _lone_surrogate(value: object) -> str | None:
    """The first string (key or value) holding a lone UTF-16 surrogate, if any."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if any("\ud800" <= ch <= "\udfff" for ch in item):
                return item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


@dataclass
class Table:
    """A CSV file read by header name. ``rows`` are the data rows with their 1-based number."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    index: dict[str, int]

    def get(self, cells: list[str], column: str) -> str | None:
        i = self.index.get(column)
        return None if i is None else cells[i]

    def has(self, column: str) -> bool:
        return column in self.index


def _count_rows(text: str) -> int:
    return max(0, sum(1 for line in text.splitlines() if line.strip()) - 1)


def read_csv(
    decoded: Decoded,
    *,
    delimiter: str,
    required: Iterable[str],
    optional: Iterable[str] = (),
    skip_preamble_until: tuple[str, ...] | None = None,
    header_prefix_columns: Iterable[str] = (),
) -> Table:
    """Parse CSV text by header names.

    ``skip_preamble_until``: prefixes of the header line; lines before it are a preamble
    (Coinbase). ``header_prefix_columns``: columns matched by prefix (Binance
    ``Date(UTC+8)``). UTF-16 text is Excel's tab-delimited "Unicode Text": tab is then the only
    delimiter accepted.
    """
    text = decoded.text
    if decoded.encoding == "utf-16":
        delimiter = "\t"
    lines = text.splitlines(keepends=True)
    start = 0
    if skip_preamble_until is not None:
        for i, line in enumerate(lines[:20]):
            if line.lstrip("\ufeff").lstrip('"').startswith(skip_preamble_until):
                start = i
                break
    body = "".join(lines[start:])
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise FileRejected(
            [Problem(reader.line_num - 1 + 0, "", None, f"broken CSV quoting: {exc}")],
            _count_rows(body),
        ) from None
    return table_of_records(
        records,
        required=required,
        optional=optional,
        header_prefix_columns=header_prefix_columns,
        delimiter=delimiter,
    )


def table_of_records(
    records: list[list[str]],
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    header_prefix_columns: Iterable[str] = (),
    delimiter: str | None = None,
) -> Table:
    """``read_csv``'s table of records already split into cells (a CSV file's, or a workbook's
    rows as text): the header is the first record with a non-empty cell, empty records are
    skipped, and the header and cell-count checks and their rejections are ``read_csv``'s.
    ``delimiter`` only words the hint of a header without the required columns (None: no
    delimiter, no hint)."""
    records = [r for r in records if any(cell.strip() for cell in r)]
    if not records:
        raise FileRejected([Problem(0, "", None, "empty file: no header")])
    header = [h.strip() for h in records[0]]
    data = records[1:]
    rows_in = len(data)
    required = list(required)
    optional = list(optional)
    prefixes = list(header_prefix_columns)
    index: dict[str, int] = {}
    problems: list[Problem] = []
    for i, name in enumerate(header):
        key = name
        for prefix in prefixes:
            if name.startswith(prefix):
                key = prefix
        if key in index and key in (*required, *optional, *prefixes):
            problems.append(Problem(0, name, None, "column appears twice in the header"))
        index.setdefault(key, i)
    missing = [c for c in required if c not in index] + [
        f"{p}…)" for p in prefixes if p not in index
    ]
    if missing:
        problems.append(_missing_columns(header, missing, delimiter, records[0][0]))
    if problems:
        raise FileRejected(problems, rows_in)
    rows: list[tuple[int, list[str]]] = []
    for n, cells in enumerate(data, start=1):
        if len(cells) != len(header):
            # a trailing empty cell (Kraken's legacy layout) is not a missing value
            if len(cells) == len(header) + 1 and cells[-1] == "":
                cells = cells[:-1]
            else:
                problems.append(
                    Problem(n, "", None, f"expected {len(header)} cells, got {len(cells)}")
                )
                continue
        rows.append((n, cells))
    if problems:
        raise FileRejected(problems, rows_in)
    return Table(header=header, rows=rows, index=index)


def _count_rows_streamed(path: Path, encoding: str) -> int:
    """``_count_rows`` of the file's text, read block by block."""
    lines, carry = 0, ""
    with path.open("r", encoding=encoding, newline="") as f:
        while chunk := f.read(BLOCK_BYTES):
            parts = (carry + chunk).splitlines(keepends=True)
            carry = ""
            if parts and parts[-1].splitlines()[0] == parts[-1]:  # no line break yet
                carry = parts.pop()
            lines += sum(1 for part in parts if part.strip())
    lines += 1 if carry.strip() else 0
    return max(0, lines - 1)


def stream_csv(
    path: Path,
    encoding: str,
    *,
    delimiter: str,
    required: Iterable[str],
    optional: Iterable[str] = (),
) -> tuple[Table, Iterator[tuple[int, list[str]]]]:
    """``read_csv`` of a file whose encoding ``check_encoding`` found, row by row (issue #14).

    Returns the header (a ``Table`` without rows) and a generator of (data row number, cells).
    The rejections are ``read_csv``'s, with the same rows, reasons and ``rows_in``: header
    problems at once; a row with the wrong number of cells, or broken quoting anywhere, when the
    generator reaches it or its end (it yields nothing after a row with the wrong cell count).
    """
    if encoding == "utf-16":
        delimiter = "\t"
    handle = path.open("r", encoding=encoding, newline="")
    reader = csv.reader(handle, delimiter=delimiter, strict=True)

    def records() -> Iterator[list[str]]:
        try:
            for record in reader:
                if any(cell.strip() for cell in record):
                    yield record
        except csv.Error as exc:
            problem = Problem(reader.line_num - 1, "", None, f"broken CSV quoting: {exc}")
            raise FileRejected([problem], _count_rows_streamed(path, encoding)) from None
        finally:
            handle.close()

    stream = records()
    first = next(stream, None)
    if first is None:
        raise FileRejected([Problem(0, "", None, "empty file: no header")])
    header = [h.strip() for h in first]
    required = list(required)
    optional = list(optional)
    index: dict[str, int] = {}
    problems: list[Problem] = []
    for i, name in enumerate(header):
        if name in index and name in (*required, *optional):
            problems.append(Problem(0, name, None, "column appears twice in the header"))
        index.setdefault(name, i)
    missing = [c for c in required if c not in index]
    if missing:
        problems.append(_missing_columns(header, missing, delimiter, first[0]))
    if problems:
        raise FileRejected(problems, sum(1 for _ in stream))

    def rows() -> Iterator[tuple[int, list[str]]]:
        bad: list[Problem] = []
        n = 0
        for n, cells in enumerate(stream, start=1):
            if len(cells) != len(header):
                # a trailing empty cell (Kraken's legacy layout) is not a missing value
                if len(cells) == len(header) + 1 and cells[-1] == "":
                    cells = cells[:-1]
                else:
                    if len(bad) < MAX_PROBLEMS:
                        bad.append(
                            Problem(n, "", None, f"expected {len(header)} cells, got {len(cells)}")
                        )
                    continue
            if not bad:
                yield n, cells
        if bad:
            raise FileRejected(bad, n)

    return Table(header=header, rows=[], index=index), rows()


def read_json(decoded: Decoded) -> object:
    """Parse JSON keeping every number exact (floats as Decimal, never binary floats)."""
    from decimal import Decimal

    try:
        payload = json.loads(decoded.text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise FileRejected(
            [Problem(0, "", None, f"not valid JSON at line {exc.lineno}: {exc.msg}")]
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of 5,000+ digits
        reason = str(exc)[:120]
        raise FileRejected(
            [Problem(0, "", None, f"JSON cannot be read: {type(exc).__name__}: {reason}")]
        ) from None
    if _lone_surrogate(payload) is not None:
        raise FileRejected(
            [
                Problem(
                    0,
                    "",
                    None,
                    "a JSON string holds a lone UTF-16 surrogate escape (like \\ud800): "
                    "not valid Unicode text",
                )
            ]
        )
    return payload
