"""The `chart_of_accounts:` section (ingestion/chart_of_accounts.py): a default for every
entity, per-entity overrides, built-in defaults when absent, validated at load with the key
named, and written into raw.registry_chart_of_accounts by the registry load."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.chart_of_accounts import DEFAULT_ACCOUNTS, MEMO_ROLES
from ingestion.config import ConfigError, load_config
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


def test_the_demo_configures_every_role_and_an_entity_override(tmp_path):
    config = load_config(DEMO)
    chart = config.chart_of_accounts
    assert set(chart.default) == set(DEFAULT_ACCOUNTS)
    accounts = chart.accounts_for("acme-pay")
    assert accounts["cash"].name == "Cash - USD settlement (Acme Pay operating account)"
    assert accounts["digital_assets"].code == "1200"
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        init_warehouse(con)
        for _ in range(2):  # idempotent: the configuration replaces the table
            counts = load_registry(con, config)
            assert counts["chart_of_accounts"] == len(DEFAULT_ACCOUNTS)
        rows = con.execute(
            "select entity, account_role, account_code, account_name, is_memo "
            "from raw.registry_chart_of_accounts order by all"
        ).fetchall()
    assert rows == sorted(
        ("acme-pay", role, a.code, a.name, role in MEMO_ROLES) for role, a in accounts.items()
    )


def test_without_the_section_every_role_has_its_default(tmp_path, demo_data):
    del demo_data["chart_of_accounts"]
    accounts = load_config(_write(tmp_path, demo_data)).chart_of_accounts.accounts_for("acme-pay")
    assert {role: (a.code, a.name) for role, a in accounts.items()} == DEFAULT_ACCOUNTS


def test_a_partial_default_keeps_the_other_roles(tmp_path, demo_data):
    demo_data["chart_of_accounts"] = {"default": {"cash": {"code": 1001, "name": "Bank"}}}
    accounts = load_config(_write(tmp_path, demo_data)).chart_of_accounts.accounts_for("acme-pay")
    assert (accounts["cash"].code, accounts["cash"].name) == ("1001", "Bank")
    assert accounts["fees_expense"].code == DEFAULT_ACCOUNTS["fees_expense"][0]


@pytest.mark.parametrize(
    ("section", "message"),
    [
        (
            {"default": {"crypto": {"code": "1", "name": "x"}}},
            r"chart_of_accounts\.default\.crypto\.\[key\]: Input should be 'digital_assets'",
        ),
        (
            {"default": {"cash": {"code": "", "name": "Bank"}}},
            r"chart_of_accounts\.default\.cash\.code: expected an account code",
        ),
        (
            {"default": {"cash": {"code": "10 10", "name": "Bank"}}},
            r"chart_of_accounts\.default\.cash\.code: expected an account code",
        ),
        (
            {"default": {"cash": {"code": "1010"}}},
            r"chart_of_accounts\.default\.cash\.name: required key is missing",
        ),
        (
            {"entities": [{"entity": "nobody", "accounts": {"cash": {"code": "1", "name": "x"}}}]},
            r"chart_of_accounts\.entities\[0\]\.entity: 'nobody' is not a configured entity",
        ),
        (
            {
                "entities": [
                    {"entity": "acme-pay", "accounts": {"cash": {"code": "1", "name": "x"}}},
                    {"entity": "acme-pay", "accounts": {"cash": {"code": "2", "name": "y"}}},
                ]
            },
            r"chart_of_accounts\.entities\[1\]\.entity: 'acme-pay' is listed twice",
        ),
        (
            {"default": {"cash": {"code": "1200", "name": "Bank"}}},
            r"account code 1200 is named 'Bank' for cash and 'Digital assets - stablecoins",
        ),
        (
            {"default": {"client_assets_safeguarded": {"code": "1200", "name": "x"}}},
            r"client_assets_safeguarded: code 1200 is also the entity's own account for "
            r"digital_assets",
        ),
        (
            {"default": {"safeguarding_liability": {"code": "9100", "name": "x"}}},
            r"share the code 9100",
        ),
        ({"defaults": {}}, r"chart_of_accounts\.defaults: unknown key"),
    ],
)
def test_invalid_chart_is_refused_naming_the_key(tmp_path, demo_data, section, message):
    demo_data["chart_of_accounts"] = section
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, demo_data))
