"""Building blocks the suites share: keys unique and complete, addresses and hashes in form."""

from __future__ import annotations

from collections.abc import Sequence

import great_expectations as gx

from expectations.runner import unexpected_rows

Expectation = gx.expectations.Expectation


def key_unique_and_complete(key: Sequence[str]) -> list[Expectation]:
    """No two rows share the key; no key column is null."""
    e = gx.expectations
    unique: Expectation = (
        e.ExpectCompoundColumnsToBeUnique(column_list=list(key))
        if len(key) > 1
        else e.ExpectColumnValuesToBeUnique(column=key[0])
    )
    return [unique, *not_null(key)]


def not_null(columns: Sequence[str]) -> list[Expectation]:
    return [gx.expectations.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def not_lower_hex(column: str, hex_digits: int) -> str:
    """SQL, true when `column` is not '0x' and `hex_digits` lower-case hex digits (null when
    it is null). Written with length, substr and translate, which DuckDB and Spark SQL share:
    `regexp_full_match` is DuckDB's alone and Spark's `rlike` finds rather than matches."""
    return (
        f"not (length({column}) = {hex_digits + 2} and substr({column}, 1, 2) = '0x'"
        f" and translate(substr({column}, 3), '0123456789abcdef', '') = '')"
    )


def lower_hex(columns: Sequence[str], hex_digits: int, what: str) -> Expectation:
    """Each of `columns` (when not null) is '0x' and `hex_digits` lower-case hex digits."""
    condition = " or ".join(
        f"({c} is not null and {not_lower_hex(c, hex_digits)})" for c in columns
    )
    return unexpected_rows(
        f"{', '.join(columns)}: {what} ('0x' + {hex_digits} lower-case hex digits)",
        f"select * from {{batch}} where {condition}",
    )


def not_negative(columns: Sequence[str]) -> Expectation:
    return unexpected_rows(
        f"{', '.join(columns)}: zero or positive",
        "select * from {batch} where " + " or ".join(f"{c} < 0" for c in columns),
    )
