"""The `reconciliation:` configuration (ingestion/reconciliation_config.py): validated with the
key named, defaults filled in for every comparison, and written into
raw.registry_reconciliation_comparisons by the registry load (the same content twice)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.config import ConfigError, load_config
from ingestion.reconciliation_config import COMPARISONS
from ingestion.registry import load_registry
from ingestion.warehouse import init_warehouse

DEMO = Path(__file__).resolve().parents[2] / "demo" / "usd1inv.yml"


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "usd1inv.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def demo_data() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def test_demo_settings_and_defaults():
    settings = {row[0]: row[1:] for row in load_config(DEMO).reconciliation.settings()}
    assert set(settings) == set(COMPARISONS)
    assert settings["custodian_vs_ledger"] == (Decimal("0.01"), 5, 72)
    # not configured: tolerance 0, three days
    assert settings["custodian_vs_onchain"] == (Decimal(0), 3, 72)


def test_section_is_optional(tmp_path, demo_data):
    del demo_data["reconciliation"]
    config = load_config(_write(tmp_path, demo_data))
    assert {row[1] for row in config.reconciliation.settings()} == {Decimal(0)}
    assert config.reconciliation.in_transit_window_hours == 72


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"comparisons": [{"comparison": "custodian_vs_ledger", "tolerance": 0.01}]},
            r"reconciliation\.comparisons\[0\]\.tolerance: .*quoted decimal string",
        ),
        (
            {"comparisons": [{"comparison": "wallet_vs_moon"}]},
            r"reconciliation\.comparisons\[0\]\.comparison: Input should be",
        ),
        (
            {"comparisons": [{"comparison": "exchange_vs_ledger", "tolerance": "-1"}]},
            r"reconciliation\.comparisons\[0\]\.tolerance: .*greater than or equal to 0",
        ),
        (
            {"comparisons": [{"comparison": "exchange_vs_ledger", "tolerance": "0." + "1" * 19}]},
            r"reconciliation\.comparisons\[0\]\.tolerance: expected at most 18 decimals",
        ),
        (
            {"comparisons": [{"comparison": "onchain_vs_ledger"}] * 2},
            r"reconciliation\.comparisons: .*listed twice",
        ),
        ({"in_transit_window_hours": 0}, r"reconciliation\.in_transit_window_hours: "),
        ({"window": 3}, r"reconciliation\.window: unknown key"),
    ],
)  # fmt: skip
def test_errors_name_the_key(tmp_path, demo_data, section, message):
    demo_data["reconciliation"] = section
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, demo_data))


def test_registry_load_writes_every_comparison_idempotently(tmp_path):
    config = load_config(DEMO)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        init_warehouse(con)
        # an empty audit.expectation_failures exists from the start (reconciliation_breaks reads it)
        assert con.execute("select count(*) from audit.expectation_failures").fetchone() == (0,)
        counts = load_registry(con, config)
        assert counts["reconciliation_comparisons"] == len(COMPARISONS)
        query = "select * from raw.registry_reconciliation_comparisons order by comparison"
        first = con.execute(query).fetchall()
        load_registry(con, config)
        assert con.execute(query).fetchall() == first
        assert ("exchange_vs_ledger", Decimal("0.01"), 3, 72) in first
    finally:
        con.close()


def test_contract_locations_must_be_registry_wallets(tmp_path, demo_data):
    ops = "0xA33aF280AEE618E31b121f65d2Ff65c6477Db4b6"
    demo_data["contract_locations"] = [
        {"network": "ethereum", "address": ops, "lock_reason": "staking"}
    ]
    config = load_config(_write(tmp_path, demo_data))
    assert config.contract_locations[0].address == ops.lower()
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        init_warehouse(con)
        assert load_registry(con, config)["contract_locations"] == 1
        assert con.execute("select * from raw.registry_contract_locations").fetchall() == [
            ("ethereum", ops.lower(), "staking")
        ]
    finally:
        con.close()
    demo_data["contract_locations"] = [{"network": "bnb", "address": ops}]
    with pytest.raises(ConfigError, match=r"contract_locations\[0\]\.address: .* not a registry"):
        load_config(_write(tmp_path, demo_data))
    demo_data["contract_locations"] = [{"network": "ethereum", "address": "0x12"}]
    with pytest.raises(ConfigError, match=r"contract_locations\[0\]\.address: expected a 0x"):
        load_config(_write(tmp_path, demo_data))
