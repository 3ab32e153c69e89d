"""The `counterparties:` allow-list (ingestion/counterparties.py): validated strictly with the key
named, and written into raw.registry_counterparties by the registry load (the same content
twice)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.config import ConfigError, load_config
from ingestion.registry import load_registry
from ingestion.warehouse import init_warehouse

DEMO = Path(__file__).resolve().parents[2] / "demo" / "usd1inv.yml"
VENDOR = "0x" + "ab" * 20


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "usd1inv.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture
def demo_data() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def test_demo_lists_its_counterparties_and_the_registry_load_writes_them(tmp_path):
    config = load_config(DEMO)
    kinds = {c.kind for c in config.counterparties}
    assert {"issuer", "customer", "vendor"} <= kinds
    assert all(c.address == c.address.lower() for c in config.counterparties)
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        init_warehouse(con)
        for _ in range(2):  # idempotent: the configuration replaces the table
            counts = load_registry(con, config)
            assert counts["counterparties"] == len(config.counterparties)
        rows = con.execute(
            "select network, address, counterparty_name, counterparty_kind "
            "from raw.registry_counterparties order by all"
        ).fetchall()
    assert rows == sorted((c.network, c.address, c.name, c.kind) for c in config.counterparties)


def test_section_is_optional(tmp_path, demo_data):
    del demo_data["counterparties"]
    assert load_config(_write(tmp_path, demo_data)).counterparties == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"address": VENDOR, "network": "ethereum", "name": "v", "kind": "friend"},
            r"counterparties\[0\]\.kind: Input should be",
        ),
        (
            {"address": "0x12", "network": "ethereum", "name": "v", "kind": "vendor"},
            r"counterparties\[0\]\.address: expected a 0x",
        ),
        (
            {"address": VENDOR, "network": "moon", "name": "v", "kind": "vendor"},
            r"counterparties\[0\]\.network: 'moon' is not a configured network",
        ),
        (
            {"address": VENDOR, "network": "ethereum", "name": "v", "kind": "vendor", "x": 1},
            r"counterparties\[0\]\.x: unknown key",
        ),
        (
            # an own wallet is not a counterparty
            {
                "address": "0xA33aF280AEE618E31b121f65d2Ff65c6477Db4b6",
                "network": "ethereum",
                "name": "ops",
                "kind": "vendor",
            },
            r"counterparties\[0\]\.address: .* is in the registry",
        ),
        (
            # nor is an exchange account's deposit address
            {
                "address": "0xfe6d571e02aab18fb80dc383d0956ed002e9e503",
                "network": "ethereum",
                "name": "kraken",
                "kind": "exchange_deposit",
            },
            r"counterparties\[0\]\.address: .* is in the registry",
        ),
    ],
)
def test_invalid_entries_name_their_key(tmp_path, demo_data, entry, message):
    demo_data["counterparties"] = [entry]
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, demo_data))


def test_listed_twice_is_refused(tmp_path, demo_data):
    entry = {"address": VENDOR, "network": "ethereum", "name": "v", "kind": "vendor"}
    demo_data["counterparties"] = [entry, {**entry, "address": VENDOR.upper().replace("X", "x")}]
    with pytest.raises(ConfigError, match=r"counterparties\[1\]\.address: .* listed twice"):
        load_config(_write(tmp_path, demo_data))
