"""Suites for `marts.reconciliation`: its integrity (blocking), its breaks and their age (warn).

- `reconciliation_integrity` (blocking): one row per as_of_date x network x location_id x
  comparison, tolerance present and not negative, status one of matched | explained | break and
  consistent with the tolerance (a break exactly when |unexplained_difference| > tolerance).
- `reconciliation_breaks` (warn): every row with status 'break' is a failing row, one break
  each; its keys go to audit.expectation_failures (keys_json), which
  marts.reconciliation_breaks reads.
- `reconciliation_break_age` (warn): no break older than its configured age
  (break_age_days <= max_break_age_days).
"""

from __future__ import annotations

import great_expectations as gx

from expectations.runner import SuiteSpec, unexpected_rows
from expectations.suites.common import key_unique_and_complete, not_null

KEY = ("as_of_date", "network", "location_id", "comparison")
BREAK_DESCRIPTION = "no reconciliation break (each row with status 'break' is one)"


def integrity() -> list[gx.expectations.Expectation]:
    return [
        *key_unique_and_complete(KEY),
        *not_null(["status", "tolerance", "difference", "unexplained_difference"]),
        gx.expectations.ExpectColumnValuesToBeInSet(
            column="status", value_set=["matched", "explained", "break"]
        ),
        unexpected_rows(
            "tolerance is zero or positive", "select * from {batch} where tolerance < 0"
        ),
        unexpected_rows(
            "status is 'break' exactly when |unexplained_difference| exceeds the tolerance",
            "select * from {batch} where (status = 'break')"
            " <> (abs(unexplained_difference) > tolerance)",
        ),
    ]


def breaks() -> list[gx.expectations.Expectation]:
    return [unexpected_rows(BREAK_DESCRIPTION, "select * from {batch} where status = 'break'")]


def break_age() -> list[gx.expectations.Expectation]:
    return [
        unexpected_rows(
            "no break older than its configured age (break_age_days <= max_break_age_days)",
            "select * from {batch} where status = 'break' and break_age_days > max_break_age_days",
        )
    ]


COLUMNS = (*KEY, "status", "difference", "unexplained_difference", "tolerance", "break_age_days")


def _spec(name: str, build, blocking: bool, columns: tuple[str, ...] = COLUMNS) -> SuiteSpec:
    return SuiteSpec(
        name=name,
        schema="marts",
        table="reconciliation",
        build=build,
        blocking=blocking,
        key=KEY,
        columns=columns,
    )


INTEGRITY = _spec("reconciliation_integrity", integrity, blocking=True)
BREAKS = _spec("reconciliation_breaks", breaks, blocking=False)
BREAK_AGE = _spec(
    "reconciliation_break_age", break_age, blocking=False, columns=(*COLUMNS, "max_break_age_days")
)
SUITES = [INTEGRITY, BREAKS, BREAK_AGE]
