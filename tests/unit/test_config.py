"""The configuration file is validated on load, with messages that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ingestion.config import ConfigError, load_config

DEMO = Path(__file__).resolve().parents[2] / "demo" / "usd1inv.yml"


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "usd1inv.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def demo_data() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def test_demo_config_is_valid_and_paths_resolve_next_to_the_file():
    config = load_config(DEMO)
    assert config.warehouse_path == (DEMO.parent / ".." / "data" / "warehouse.duckdb").resolve()
    assert config.dagster_home.name == "dagster"
    assert all(w.address == w.address.lower() for w in config.wallets)
    assert config.networks[0].token.address == "0x5fbdb2315678afecb367f032d93f642f64180aa3"


def test_missing_key_is_named(tmp_path, demo_data):
    del demo_data["networks"][0]["confirmations"]
    with pytest.raises(ConfigError, match=r"networks\[0\]\.confirmations: required key is missing"):
        load_config(_write(tmp_path, demo_data))


def test_bad_wallet_address_is_named(tmp_path, demo_data):
    demo_data["wallets"][3]["address"] = "0x1234"
    with pytest.raises(ConfigError, match=r"wallets\[3\]\.address: expected a 0x-prefixed"):
        load_config(_write(tmp_path, demo_data))


def test_bad_token_address_is_named(tmp_path, demo_data):
    demo_data["networks"][0]["token"]["address"] = "0xZZ5FbDB2315678afecb367f032d93F642f6418"
    with pytest.raises(ConfigError, match=r"networks\[0\]\.token\.address"):
        load_config(_write(tmp_path, demo_data))


def test_unknown_network_and_entity_references(tmp_path, demo_data):
    demo_data["wallets"][0]["network"] = "polygon"
    with pytest.raises(ConfigError, match=r"wallets\[0\]\.network: 'polygon' is not a configured"):
        load_config(_write(tmp_path, demo_data))


def test_typo_in_a_key_is_reported(tmp_path, demo_data):
    demo_data["networks"][0]["confirmation"] = 3
    with pytest.raises(ConfigError, match=r"networks\[0\]\.confirmation: unknown key"):
        load_config(_write(tmp_path, demo_data))


def test_bad_timezone_and_ownership(tmp_path, demo_data):
    demo_data["reporting_timezone"] = "Mars/Olympus"
    demo_data["wallets"][1]["ownership"] = "customer"
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, demo_data))
    assert "reporting_timezone: unknown IANA time zone 'Mars/Olympus'" in str(err.value)
    assert "wallets[1].ownership" in str(err.value)


def test_duplicate_wallet_on_a_network(tmp_path, demo_data):
    demo_data["wallets"].append(dict(demo_data["wallets"][0], label="again"))
    with pytest.raises(ConfigError, match="is listed twice on ethereum"):
        load_config(_write(tmp_path, demo_data))


def test_unset_rpc_variable_is_named(monkeypatch):
    config = load_config(DEMO)
    monkeypatch.delenv("USD1INV_RPC_ETHEREUM", raising=False)
    with pytest.raises(ConfigError, match="environment variable USD1INV_RPC_ETHEREUM is not set"):
        config.check_environment()


def test_rpc_url_must_be_a_variable_name_not_a_url(tmp_path, demo_data):
    demo_data["networks"][0]["rpc_url_env"] = "https://mainnet.example/v3/key"
    with pytest.raises(ConfigError, match=r"rpc_url_env: expected the NAME of an environment"):
        load_config(_write(tmp_path, demo_data))


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.yml")
    bad = tmp_path / "bad.yml"
    bad.write_text("networks: [\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(bad)
