"""Exact, explicit parsing of the cells of vendor files: decimals and timestamps.

Nothing is guessed. A number is parsed from its text into ``Decimal`` under a declared style
(thousands separators, accounting negatives ``(1,234.50)``, exponent, currency symbols each
allowed only when the format has them); a value with more decimal places than the warehouse
column holds is rejected, never rounded, unless the caller asks for a documented rounding
(vendor prices). A timestamp must carry its zone, or the format must say which zone it is in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation, localcontext
from zoneinfo import ZoneInfo

from ingestion.files.problems import CellError

TOKEN_SCALE = 18  # DECIMAL(38,18) for token units
USD_SCALE = 6  # DECIMAL(38,6) for USD
PRECISION = 38
# arithmetic on amounts must never round: 100 significant digits hold any DECIMAL(38, s) sum
EXACT = Context(prec=100)

_PLAIN = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$|^[+-]?\.[0-9]+$")
_GROUPED = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$")
_EXPONENT = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)[eE][+-]?[0-9]+$")


@dataclass(frozen=True)
class NumberStyle:
    thousands: bool = False  # 1,234.50
    parentheses: bool = False  # (1,234.50) = -1234.50
    exponent: bool = False  # 1.5e-7
    symbols: str = ""  # currency symbols stripped, e.g. "$"


PLAIN = NumberStyle()


def parse_decimal(
    text: str | None,
    style: NumberStyle = PLAIN,
    *,
    scale: int = TOKEN_SCALE,
    round_to_scale: bool = False,
) -> Decimal:
    """Parse a number exactly; raise CellError saying what is wrong."""
    with localcontext(EXACT):
        return _parse_decimal(text, style, scale, round_to_scale)


def _parse_decimal(text: str | None, style: NumberStyle, scale: int, round_to_scale: bool):
    if text is None:
        raise CellError("empty; expected a number")
    raw = text.strip()
    if not raw:
        raise CellError("empty; expected a number")
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        if not style.parentheses:
            raise CellError("accounting negative '(…)' is not used by this format")
        negative, raw = True, raw[1:-1].strip()
    for symbol in style.symbols:
        raw = raw.replace(symbol, "")
    raw = raw.strip()
    if _PLAIN.match(raw):
        number = raw
    elif _GROUPED.match(raw):
        if not style.thousands:
            raise CellError("thousands separator ',' is not used by this format")
        number = raw.replace(",", "")
    elif _EXPONENT.match(raw):
        if not style.exponent:
            raise CellError("scientific notation is not used by this format")
        number = raw
    elif "," in raw and re.match(r"^[+-]?[0-9.,]+$", raw):
        raise CellError("ambiguous separators (expected '.' for decimals, ',' for thousands)")
    else:
        raise CellError("not a number")
    if negative and number.startswith(("-", "+")):
        raise CellError("sign inside an accounting negative '(…)'")
    try:
        value = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - the regexes admit only numbers
        raise CellError("not a number") from exc
    if negative:
        value = value.copy_negate()
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > scale:
        if not round_to_scale:
            raise CellError(f"more than {scale} decimal places")
        value = value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_EVEN)
    if value.copy_abs() >= Decimal(10) ** (PRECISION - scale):
        raise CellError(f"does not fit DECIMAL({PRECISION},{scale})")
    if value == 0:
        value = value.copy_abs()  # no negative zero
    return value


def parse_base_units(text: str | None, decimals: int) -> Decimal:
    """A signed integer string in base units (BitGo valueString) -> token units, exactly."""
    raw = (text or "").strip()
    if not re.fullmatch(r"-?[0-9]+", raw):
        raise CellError("expected a signed integer string in base units")
    with localcontext(EXACT):
        value = Decimal(raw).scaleb(-decimals)
    if value.copy_abs() >= Decimal(10) ** (PRECISION - TOKEN_SCALE):
        raise CellError(f"does not fit DECIMAL({PRECISION},{TOKEN_SCALE})")
    return value


# integer column types of the warehouse and the values they hold (ingestion/files/schema.py)
INTEGER_RANGES = {
    "tinyint": (-(2**7), 2**7 - 1),
    "smallint": (-(2**15), 2**15 - 1),
    "integer": (-(2**31), 2**31 - 1),
    "bigint": (-(2**63), 2**63 - 1),
    "ubigint": (0, 2**64 - 1),
    "uinteger": (0, 2**32 - 1),
}
_INTEGER = re.compile(r"[+-]?[0-9]+")


def parse_int(text: str | int | None, column_type: str = "bigint", *, signed: bool = True) -> int:
    """An integer of ASCII digits only that fits ``column_type``; raise CellError otherwise.

    Unicode digits (Arabic-Indic, full-width, mathematical) are not numbers here, and a value
    the column cannot hold is rejected before it reaches the warehouse."""
    if isinstance(text, bool):
        raise CellError("expected an integer, got a boolean")
    raw = str(text if text is not None else "").strip()
    if not raw:
        raise CellError("empty; expected an integer")
    if not _INTEGER.fullmatch(raw) or (not signed and raw.startswith(("-", "+"))):
        raise CellError("expected an integer of ASCII digits 0-9")
    value = int(raw)
    low, high = INTEGER_RANGES[column_type.lower()]
    if not low <= value <= high:
        raise CellError(f"out of range for {column_type.upper()} ({low}..{high})")
    return value


def to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def parse_iso(text: str | None, default_tz: ZoneInfo | timezone | None = None) -> datetime:
    """ISO-8601 timestamp; must carry Z or an offset unless ``default_tz`` is declared."""
    raw = (text or "").strip()
    if not raw:
        raise CellError("empty; expected a timestamp")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise CellError("not an ISO-8601 timestamp") from exc
    if value.tzinfo is None:
        if default_tz is None:
            raise CellError("timestamp without a time zone (expected Z or an offset)")
        value = value.replace(tzinfo=default_tz)
    return to_utc(value)


def parse_format(text: str | None, fmt: str, tz: ZoneInfo | timezone | None) -> datetime:
    """A timestamp in a strptime format; naive results are placed in ``tz`` (required)."""
    raw = (text or "").strip()
    if not raw:
        raise CellError("empty; expected a timestamp")
    try:
        value = datetime.strptime(raw, fmt)
    except ValueError as exc:
        raise CellError(f"expected a timestamp like {fmt!r}") from exc
    if value.tzinfo is None:
        if tz is None:
            raise CellError("timestamp without a time zone and none declared for this format")
        value = value.replace(tzinfo=tz)
    return to_utc(value)


def parse_epoch_ms(text: str | int | None) -> datetime:
    raw = str(text if text is not None else "").strip()
    if not re.fullmatch(r"[0-9]{10,14}", raw):
        raise CellError("expected unix epoch milliseconds")
    return datetime.fromtimestamp(int(raw) / 1000, UTC)


_UTC_OFFSET = re.compile(r"^UTC(?:([+-])([0-9]{1,2})(?::?([0-9]{2}))?)?$")


def offset_from_label(label: str) -> timezone:
    """`UTC`, `UTC+0`, `UTC+8`, `UTC-05:30` -> a fixed offset; anything else (UTCnull) fails."""
    match = _UTC_OFFSET.match(label.strip())
    if not match:
        raise CellError(f"unknown time zone label {label!r} (expected UTC or UTC±H)")
    sign, hours, minutes = match.groups()
    if sign is None:
        return UTC
    delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
    return timezone(delta if sign == "+" else -delta)
