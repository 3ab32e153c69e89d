"""Every CSV the product writes (the close pack's `csv/`, the dashboard's downloads) is safe to
open in a spreadsheet: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage
return would be read as a formula (CSV injection: a counterparty name or a file's memo field
such as `=HYPERLINK(...)`), so it gets a leading `'`. Numbers are never changed: a negative
amount stays a number (callers pass only text cells, or text columns, here)."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe_text(text: str | None) -> str | None:
    """A text cell as a spreadsheet reads it as text: `'` before a formula-like start."""
    if text and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
