"""Values of offending rows as JSON: exact decimals as strings, dates and times in ISO form."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any


def json_safe(value: Any) -> Any:
    """A JSON-serialisable copy of `value`; money stays exact (Decimal -> its string)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    return str(value)
