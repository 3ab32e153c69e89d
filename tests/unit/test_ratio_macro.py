"""The exact ratio macro (dbt_project/macros/ratio.sql) on DuckDB: half-even to 18 decimals,
equal to Python's Decimal division, up to the 10^17-token totals it promises (a 9-digit long
division overflowed from 10^11 tokens, which the 5M-transfer bench exceeds)."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path

import duckdb
import pytest
from jinja2 import Environment

MACROS = Path(__file__).resolve().parents[2] / "dbt_project" / "macros" / "ratio.sql"
QUANTUM = Decimal("1e-18")


def _ratio_sql() -> str:
    env = Environment(extensions=["jinja2.ext.do"], autoescape=False)  # noqa: S701 (SQL, not HTML)
    module = env.from_string(MACROS.read_text()).module
    return str(module.duckdb__ratio_half_even("n", "d"))


def _expected(n: Decimal, d: Decimal) -> Decimal | None:
    if d == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 100
        return (n / d).quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def _cases() -> list[tuple[Decimal, Decimal]]:
    rng = random.Random(20261126)
    cases = [
        (Decimal(1), Decimal(3)),
        (Decimal(2), Decimal(3)),
        (Decimal("1e-18"), Decimal("2e-18")),  # exactly half: rounds to even (0)
        (Decimal("3e-18"), Decimal("2e-18")),  # 1.5 units: rounds to even (2e-18)
        (Decimal(0), Decimal(5)),
        (Decimal(5), Decimal(0)),  # no total: null
        (Decimal("757801312142978.488826937429548"), Decimal("757801312142978488.826937429548")),
        (
            Decimal("99999999999999999.999999999999999999"),
            Decimal("99999999999999999.999999999999999999"),
        ),
    ]
    with localcontext() as ctx:
        ctx.prec = 100
        for _ in range(200):
            d = Decimal(rng.randint(1, 10**35)) / Decimal(10**18)
            n = (d * Decimal(rng.randint(0, 3000)) / 1000).quantize(QUANTUM)
            cases.append((n, d))
    return cases


@pytest.mark.parametrize("chunk", range(4))
def test_ratio_is_exact_half_even_up_to_1e17_tokens(chunk: int) -> None:
    inputs = "select cast(? as decimal(38, 18)) as n, cast(? as decimal(38, 18)) as d"
    sql = f"select {_ratio_sql()} from ({inputs})"
    con = duckdb.connect()
    cases = _cases()[chunk::4]
    got = [con.execute(sql, [str(n), str(d)]).fetchone()[0] for n, d in cases]
    assert got == [_expected(n, d) for n, d in cases]
