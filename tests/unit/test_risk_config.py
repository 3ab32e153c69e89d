"""The `risk:` configuration (ingestion/risk_config.py): validated with the key named, exact
decimals, and written into raw.registry_* by the registry load, idempotently."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.config import ConfigError, load_config
from ingestion.registry import load_registry
from ingestion.risk_config import HEALTH_SIGNALS
from ingestion.warehouse import init_warehouse

DEMO = Path(__file__).resolve().parents[2] / "demo" / "usd1inv.yml"
HOT = "0xa33af280aee618e31b121f65d2ff65c6477db4b6"


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "usd1inv.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def demo_data() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def test_demo_risk_section():
    risk = load_config(DEMO).risk
    rules = {(r.dimension, r.value): r for r in risk.concentration_limits}
    assert rules[("location", None)].max_share == Decimal("0.70")
    assert rules[("location", HOT)].max_amount == Decimal(500000)  # address lower-cased
    assert rules[("location", HOT)].limit_source == f"location:{HOT}"
    assert rules[("network", None)].limit_source == "default"
    assert risk.withdrawal_shock.share_of_client_balance == Decimal("0.20")
    assert risk.withdrawal_shock.amount is None
    assert risk.health.stress_shortfall.alert_above == Decimal(0)
    assert risk.health.pending_share.warn_above == Decimal("0.10")  # a default


def test_risk_section_is_optional(tmp_path, demo_data):
    del demo_data["risk"]
    risk = load_config(_write(tmp_path, demo_data)).risk
    assert risk.concentration_limits == [] and risk.withdrawal_shock is None
    assert [row[0] for row in risk.health.rows()] == list(HEALTH_SIGNALS)


def test_yaml_floats_stay_exact(tmp_path, demo_data):
    demo_data["risk"]["concentration_limits"] = [{"dimension": "network", "max_share": 0.8}]
    demo_data["risk"]["withdrawal_shock"] = {"share_of_client_balance": 0.1}
    risk = load_config(_write(tmp_path, demo_data)).risk
    assert risk.concentration_limits[0].max_share == Decimal("0.8")
    assert risk.withdrawal_shock.share_of_client_balance == Decimal("0.1")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r["concentration_limits"].append({"dimension": "wallet", "max_share": "1"}),
            r"risk\.concentration_limits\[6\]\.dimension: Input should be 'location'",
        ),
        (
            lambda r: r["concentration_limits"][0].update(max_share="1.5"),
            r"risk\.concentration_limits\[0\]\.max_share: Input should be less than or equal to 1",
        ),
        (
            lambda r: r["concentration_limits"][0].update(max_share="0"),
            r"risk\.concentration_limits\[0\]\.max_share: Input should be greater than 0",
        ),
        (
            lambda r: r["concentration_limits"][1].update(max_amount="-1"),
            r"risk\.concentration_limits\[1\]\.max_amount: Input should be greater than or equal",
        ),
        (
            lambda r: r["concentration_limits"][1].update(max_amount="0.0000000000000000001"),
            r"risk\.concentration_limits\[1\]\.max_amount: Decimal input should have no more "
            r"than 18 decimal places",
        ),
        (
            lambda r: r["concentration_limits"][0].pop("max_share"),
            r"risk\.concentration_limits\[0\]: give max_share .* or max_amount",
        ),
        (
            lambda r: r["concentration_limits"].append({"dimension": "network", "max_share": "1"}),
            r"risk\.concentration_limits\[6\]: same dimension, value and entity as "
            r"risk\.concentration_limits\[2\] \(default\)",
        ),
        (
            lambda r: r["concentration_limits"][3].update(value="solana"),
            r"risk\.concentration_limits\[3\]\.value: 'solana' is not a configured network",
        ),
        (
            lambda r: r["concentration_limits"][0].update(entity="nobody"),
            r"risk\.concentration_limits\[0\]\.entity: 'nobody' is not a configured entity",
        ),
        (
            lambda r: r["concentration_limits"][0].update(max_shares="1"),
            r"risk\.concentration_limits\[0\]\.max_shares: unknown key",
        ),
        (
            lambda r: r["withdrawal_shock"].update(amount="100"),
            r"risk\.withdrawal_shock: .*give exactly one of share_of_client_balance or amount",
        ),
        (
            lambda r: r.update(withdrawal_shock={}),
            r"risk\.withdrawal_shock: .*give exactly one",
        ),
        (
            lambda r: r["health"].update(open_break_count={"warn_above": 5, "alert_above": 1}),
            r"risk\.health\.open_break_count: .*warn_above \(5\) must not be above alert_above",
        ),
        (
            lambda r: r["health"].update(breaks={"warn_above": 1}),
            r"risk\.health\.breaks: unknown key",
        ),
        (
            lambda r: r["health"].update(pending_share={"warn_above": True}),
            r"risk\.health\.pending_share\.warn_above: .*boolean",
        ),
    ],
)
def test_bad_risk_config_names_the_key(tmp_path, demo_data, change, message):
    change(demo_data["risk"])
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, demo_data))


def test_registry_load_writes_the_risk_tables_idempotently(tmp_path, demo_data):
    demo_data["risk"]["concentration_limits"].append(
        {"dimension": "network", "entity": "acme-pay", "value": "bnb", "max_amount": "7.5"}
    )
    config = load_config(_write(tmp_path, demo_data))
    con = duckdb.connect()
    init_warehouse(con)
    counts = load_registry(con, config)
    assert counts["concentration_limits"] == 7
    assert counts["withdrawal_shock"] == 1
    assert counts["health_thresholds"] == len(HEALTH_SIGNALS)
    before = {
        table: con.execute(f"select * from raw.{table} order by all").fetchall()
        for table in (
            "registry_concentration_limits",
            "registry_withdrawal_shock",
            "registry_health_thresholds",
        )
    }
    assert before["registry_concentration_limits"][-1] == (
        6, "acme-pay", "network", "bnb", None, Decimal("7.5"), "acme-pay/network:bnb"
    )  # fmt: skip
    assert before["registry_withdrawal_shock"] == [(Decimal("0.2"), None)]
    thresholds = {row[0]: row[1:] for row in before["registry_health_thresholds"]}
    assert thresholds["stress_shortfall"] == (None, Decimal(0))
    assert thresholds["open_break_count"] == (Decimal(0), Decimal(5))
    load_registry(con, config)
    for table, rows in before.items():
        assert con.execute(f"select * from raw.{table} order by all").fetchall() == rows


def test_config_tables_are_ingestion_assets_feeding_dbt():
    """One graph: the dbt sources of the risk and cost-method tables are the assets that
    write them (the registry and file-registry assets), not external placeholders."""
    from dagster import AssetKey

    from orchestration.defs.build import build_definitions

    graph = build_definitions(DEMO).resolve_asset_graph()
    for table, model in (
        ("registry_concentration_limits", "stg_registry__concentration_limits"),
        ("registry_withdrawal_shock", "stg_registry__withdrawal_shock"),
        ("registry_health_thresholds", "stg_registry__health_thresholds"),
        ("valuation_cost_methods", "stg_prices__cost_methods"),
    ):
        assert graph.get(AssetKey(["raw", table])).is_materializable, table
        assert AssetKey(["raw", table]) in graph.get(AssetKey(["staging", model])).parent_keys
    marts = {AssetKey(["marts", "concentration"]), AssetKey(["marts", "inventory_health"])}
    assert marts <= graph.get_all_asset_keys()
