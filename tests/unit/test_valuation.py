"""The `valuation:` configuration (ingestion/valuation.py): validated with the key named,
written into raw.valuation_* with the principal source first; and the fair_value GX suite
(warning level) fails on a missing price and on a depeg outside the configured band."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from expectations.runner import run_suite
from expectations.suites import fair_value
from ingestion.config import ConfigError, load_config
from ingestion.files.load import load_registry_accounts
from ingestion.files.schema import init_file_tables
from orchestration.defs.quality import SUITES, build_checks

DEMO = Path(__file__).resolve().parents[2] / "demo" / "usd1inv.yml"


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "usd1inv.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def demo_data() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def test_demo_policies_switch_basis_in_october():
    config = load_config(DEMO)
    policies = {(p.effective_date, p.basis) for p in config.valuation.policies}
    assert policies == {
        (date(2026, 8, 1), "cash_equivalent"),
        (date(2026, 10, 1), "fair_value"),
    }
    assert config.valuation.cost_method == "weighted_average"
    assert config.valuation.depeg_band_bps == Decimal(50)


def test_valuation_section_is_optional(tmp_path, demo_data):
    del demo_data["valuation"]
    config = load_config(_write(tmp_path, demo_data))
    assert config.valuation.policies == []
    assert config.valuation.cost_method == "weighted_average"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda v: v.update(cost_method_by_entity={"nobody": "fifo"}),
            r"valuation\.cost_method_by_entity\.nobody: not a configured entity",
        ),
        (
            lambda v: v.update(cost_method_by_entity={"acme-pay": "lifo"}),
            r"valuation\.cost_method_by_entity\.acme-pay: Input should be 'weighted_average'",
        ),
        (
            lambda v: v.update(cost_method="lifo"),
            r"valuation\.cost_method: Input should be 'weighted_average' or 'fifo'",
        ),
        (
            lambda v: v["policies"][0].update(basis="historical_cost"),
            r"valuation\.policies\[0\]\.basis",
        ),
        (
            lambda v: v["policies"][1].update(entity="nobody"),
            r"valuation\.policies\[1\]\.entity: 'nobody' is not a configured entity",
        ),
        (
            lambda v: v["policies"][1].update(asset="USDT"),
            r"valuation\.policies\[1\]\.asset: 'USDT' has no price series",
        ),
        (
            lambda v: v["policies"][1].update(effective_date=date(2026, 8, 1)),
            r"valuation\.policies\[1\]\.effective_date: a second policy",
        ),
        (
            lambda v: v.update(price_sources=["coingecko", "kaiko"]),
            r"valuation\.price_sources\[1\]: 'kaiko' has no files\.prices\.series",
        ),
        (
            lambda v: v.update(price_sources=["coinmarketcap", "coingecko"]),
            r"valuation\.price_sources: the principal source 'coingecko'",
        ),
        (
            lambda v: v.update(depeg_band_bps=0),
            r"valuation\.depeg_band_bps",
        ),
        (lambda v: v.update(cost_metod="fifo"), r"valuation\.cost_metod: unknown key"),
    ],
)
def test_bad_valuation_config_names_the_key(tmp_path, demo_data, change, message):
    change(demo_data["valuation"])
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, demo_data))


def test_price_source_order_puts_the_principal_first(tmp_path, demo_data):
    demo_data["files"]["prices"]["principal_source"] = "coinmarketcap"
    demo_data["valuation"]["price_sources"] = []
    config = load_config(_write(tmp_path, demo_data))
    con = duckdb.connect()
    init_file_tables(con)
    load_registry_accounts(con, config)
    assert con.execute(
        "select asset, source, priority from raw.valuation_price_sources order by priority"
    ).fetchall() == [("USD1", "coinmarketcap", 1), ("USD1", "coingecko", 2)]
    rows = con.execute(
        "select entity, basis, effective_date from raw.valuation_policies order by effective_date"
    ).fetchall()
    assert rows == [
        ("acme-pay", "cash_equivalent", date(2026, 8, 1)),
        ("acme-pay", "fair_value", date(2026, 10, 1)),
    ]
    # the same configuration twice leaves the same tables
    load_registry_accounts(con, config)
    assert con.execute("select count(*) from raw.valuation_policies").fetchone()[0] == 2


@pytest.mark.parametrize(
    ("section", "method"),
    [
        ({"cost_method": "fifo"}, "fifo"),
        ({"cost_method_by_entity": {"acme-pay": "fifo"}}, "fifo"),
        ({"cost_method": "fifo", "cost_method_by_entity": {"acme-pay": "weighted_average"}},
         "weighted_average"),
        ({}, "weighted_average"),
    ],
)  # fmt: skip
def test_cost_method_per_entity_is_written_for_dbt(tmp_path, demo_data, section, method):
    demo_data["valuation"].pop("cost_method", None)
    demo_data["valuation"].update(section)
    config = load_config(_write(tmp_path, demo_data))
    con = duckdb.connect()
    init_file_tables(con)
    load_registry_accounts(con, config)
    rows = con.execute("select * from raw.valuation_cost_methods").fetchall()
    assert rows == [("acme-pay", method)]
    load_registry_accounts(con, config)  # the same configuration twice: the same table
    assert con.execute("select * from raw.valuation_cost_methods").fetchall() == rows


# ---- the fair_value Great Expectations suite ------------------------------------------------

ROW = (
    "select '{period}' as period, 'month' as period_type, date '2026-10-31' as period_end_date,"
    " 'acme-pay' as entity, 'operating' as ownership, 'USD1' as asset,"
    " cast('100' as decimal(38, 18)) as units, cast({price} as decimal(38, 6)) as price_usd,"
    " {source} as price_source,"
    " case when {price} is null then 'missing' else 'priced' end as price_status,"
    " timestamptz '2026-11-01 00:00:00+00' as price_observed_at,"
    " cast(100 * {price} as decimal(38, 6)) as fair_value_usd,"
    " cast(({price} - 1) * 10000 as decimal(38, 2)) as depeg_bps,"
    " 'fair_value' as measurement_basis"
)


def _warehouse(path: Path, rows: list[dict]) -> str:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(
        "create table marts.fair_value as " + " union all ".join(ROW.format(**r) for r in rows)
    )
    con.close()
    return str(path)


def test_fair_value_suite_is_registered_and_warns_only():
    assert fair_value.SUITE in SUITES
    assert fair_value.SUITE.blocking is False
    assert len(build_checks(load_config(DEMO))) == len(SUITES)


def test_fair_value_suite_passes_on_priced_rows(tmp_path):
    path = _warehouse(
        tmp_path / "w.duckdb",
        [
            {"period": "2026-10", "price": "1.0003", "source": "'coingecko'"},
            {"period": "2026-Q4", "price": "0.9996", "source": "'coingecko'"},
        ],
    )
    outcome = run_suite(path, fair_value.SUITE)
    assert outcome.success, outcome.summary()


@pytest.mark.parametrize(
    ("row", "band", "failing"),
    [
        ({"period": "2026-Q4", "price": "null", "source": "null"}, 50, "every period end has a"),
        ({"period": "2026-Q4", "price": "0.9940", "source": "'coingecko'"}, 50, "within 50 bps"),
        ({"period": "2026-Q4", "price": "1.0003", "source": "'coingecko'"}, 2, "within 2 bps"),
    ],
)
def test_fair_value_suite_fails_on_planted_fault(tmp_path, row, band, failing):
    path = _warehouse(
        tmp_path / "w.duckdb",
        [{"period": "2026-10", "price": "1.0001", "source": "'coingecko'"}, row],
    )
    outcome = run_suite(path, fair_value.suite(Decimal(band)))
    assert not outcome.success
    assert any(failing in o.description for o in outcome.failed), outcome.summary()
