"""The fair_value mart on the full demo (chain + off-chain files + pipeline, as `make demo`).

October 2026 is valued at the principal market's (CoinGecko) price, on the fair_value basis
the demo configures from 2026-10-01 (September is cash_equivalent at par); realised gains come
from the Kraken USD1 -> USD sells; no mart column is floating point.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from ingestion.config import load_config

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo(shared_demo):
    config_path, outcome = shared_demo  # read only: the session's one demo run
    config = load_config(config_path)
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        yield outcome, con
    finally:
        con.close()


def _rows(con, where: str) -> list[dict]:
    cur = con.execute(f"select * from marts.fair_value where {where} order by ownership")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def test_demo_pipeline_succeeds_with_the_fair_value_suite(demo):
    outcome, _ = demo
    assert outcome.success, outcome.failure_summary
    checks = {name: ok for job in outcome.jobs for name, ok in job.checks.items()}
    assert checks["marts/fair_value:fair_value_prices"] is True


def test_october_is_at_fair_value_from_coingecko(demo):
    _, con = demo
    rows = _rows(con, "period = '2026-10'")
    assert {r["ownership"] for r in rows} == {"client", "operating"}
    for row in rows:
        assert row["price_source"] == "coingecko"
        assert row["is_principal_source"] is True
        assert row["measurement_basis"] == "fair_value"
        assert abs(row["price_usd"] - 1) < Decimal("0.001")
        assert abs(row["fair_value_usd"] - row["units"] * row["price_usd"]) <= Decimal("5e-7")
        assert row["depeg_bps"] == (row["price_usd"] - 1) * 10000
    operating = next(r for r in rows if r["ownership"] == "operating")
    assert operating["carrying_amount_usd"] == operating["fair_value_usd"]
    assert operating["unrealized_gain_loss_usd"] == (
        operating["fair_value_usd"] - operating["cost_basis_usd"]
    )
    # the demo sells USD1 for USD on Kraken mid-month at 0.9998 with a fee: a small loss
    assert operating["realized_gain_loss_usd"] < 0
    client = next(r for r in rows if r["ownership"] == "client")
    assert client["cost_basis_usd"] is None and client["realized_gain_loss_usd"] is None


def test_september_is_a_cash_equivalent_at_par(demo):
    _, con = demo
    (operating,) = _rows(con, "period = '2026-09' and ownership = 'operating'")
    assert operating["measurement_basis"] == "cash_equivalent"
    assert operating["carrying_amount_usd"] == operating["units"].quantize(Decimal("0.000001"))
    assert operating["unrealized_gain_loss_usd"] is None
    assert operating["price_usd"] is not None  # the market price is reported whatever the basis


def test_no_floating_point_column_in_any_mart(demo):
    _, con = demo
    floating = con.execute(
        "select table_name, column_name, data_type from information_schema.columns"
        " where table_schema = 'marts' and (data_type ilike '%double%'"
        " or data_type ilike '%float%' or data_type ilike 'real')"
    ).fetchall()
    assert floating == []
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    }
    assert "fair_value" in tables
