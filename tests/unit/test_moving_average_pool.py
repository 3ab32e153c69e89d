"""ingestion/moving_average_pool.py (the Spark path of int_valuation__cost_pool) against the
DuckDB model's own dbt unit test: the same given rows must give the same expected rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml

from ingestion.moving_average_pool import (
    COMPUTED_COLUMNS,
    PoolEvent,
    PoolState,
    divide_half_even,
    pool_rows,
)
from tests.dbt_in_process import DBT_PROJECT_DIR

MODELS_YML = DBT_PROJECT_DIR / "models" / "intermediate" / "valuation" / "_valuation__models.yml"
UNIT_TEST = "test_int_valuation__cost_pool_weighted_average_and_realized_gain"


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def test_the_models_dbt_unit_test_holds_for_the_python_pool():
    (case,) = [
        test
        for test in yaml.safe_load(MODELS_YML.read_text())["unit_tests"]
        if test["name"] == UNIT_TEST
    ]
    (given,) = [item for item in case["given"] if "cost_events" in item["input"]]
    events = [
        PoolEvent(
            number,
            row["event_kind"],
            _decimal(row["quantity"]),
            _decimal(row.get("cost_usd")),
            _decimal(row.get("proceeds_usd")),
        )
        for number, row in enumerate(given["rows"], start=1)
    ]
    rows = list(pool_rows(events))
    assert len(rows) == len(case["expect"]["rows"])
    for row, expected in zip(rows, case["expect"]["rows"], strict=True):
        assert row.event_sequence == expected["event_sequence"]
        for column in COMPUTED_COLUMNS:
            assert getattr(row, column) == _decimal(expected[column]), (row, column)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        ("1", "3", "0.333333333333"),
        ("0.000001", "2000000", "0.000000000000"),  # a tie: to the even 0
        ("0.000003", "2000000", "0.000000000002"),  # a tie: to the even 2
        ("5", "0.0000000000004", None),  # the units round to 0 at 12 decimals: no average
        ("5", "0.0000000000005", "5000000000000.000000000000"),  # ... or up to 1e-12 (half up)
    ],
)
def test_divide_half_even(numerator, denominator, expected):
    assert divide_half_even(Decimal(numerator), Decimal(denominator)) == _decimal(expected)


def test_thirty_digit_quantities_stay_exact():
    """Python's default context (28 digits) would round these sums; the module's does not."""
    big = Decimal("123456789012.123456789012345678")
    (first, second) = pool_rows(
        [
            PoolEvent(1, "acquisition", big, Decimal("1"), None),
            PoolEvent(2, "disposal", Decimal("0.000000000000000001"), None, None),
        ]
    )
    assert first.units_held == big
    assert second.units_held == Decimal("123456789012.123456789012345677")


def test_restart_from_a_kept_state_equals_the_whole_pass():
    events = [
        PoolEvent(1, "acquisition", Decimal("3"), Decimal("2"), None),
        PoolEvent(2, "disposal", Decimal("1"), None, None),
        PoolEvent(3, "acquisition", Decimal("7"), Decimal("6.5"), None),
        PoolEvent(4, "conversion", Decimal("4"), None, Decimal("4.1")),
    ]
    whole = list(pool_rows(events))
    kept = whole[1]
    start = PoolState(kept.units_held, kept.pool_cost_usd, kept.average_cost_per_unit)
    assert list(pool_rows(events[2:], start)) == whole[2:]
