"""files.exchange_accounts[].opening_balances (ingestion/files/config.py): the configured anchor
of an exchange account's positions - an exact decimal string, an aware time, a source note -
validated with the key named, and written into raw.registry_opening_balances exactly, the same
tables on every load."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.config import ConfigError, load_config
from ingestion.files.load import load_registry_accounts
from ingestion.files.schema import init_file_tables

DEMO = Path(__file__).resolve().parents[2] / "demo" / "usd1inv.yml"
OPENING = {
    "asset": "USD1",
    "amount": "1250.123456789012345678",
    "as_of": "2026-10-01T00:00:00Z",
    "source": "venue statement of 2026-09-30",
}


def _config(tmp_path: Path, opening: dict):
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["files"]["exchange_accounts"][0]["opening_balances"] = [opening]
    path = tmp_path / "usd1inv.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return load_config(path)


def test_opening_balance_is_written_exactly_and_idempotently(tmp_path):
    config = _config(tmp_path, OPENING)
    con = duckdb.connect()
    init_file_tables(con)
    for _ in range(2):  # the same configuration twice: the same table
        load_registry_accounts(con, config)
        (count,) = con.execute("select count(*) from raw.registry_opening_balances").fetchone()
        # the demo's own anchor (coinbase-retail) and the one set here, each once
        assert count == 1 + sum(len(a.opening_balances) for a in config.files.exchange_accounts[1:])
        rows = con.execute(
            "select account_id, asset, as_of, amount, source_note "
            "from raw.registry_opening_balances where account_id = ?",
            [config.files.exchange_accounts[0].id],
        ).fetchall()
        assert rows == [
            (
                config.files.exchange_accounts[0].id,
                "USD1",
                datetime(2026, 10, 1, tzinfo=UTC),
                Decimal("1250.123456789012345678"),
                "venue statement of 2026-09-30",
            )
        ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": 1250.5}, "quoted decimal string"),
        ({"amount": "1.0000000000000000001"}, "at most 18 decimals"),
        ({"amount": "-1"}, "cannot be negative"),
        ({"as_of": "2026-10-01T00:00:00"}, "with its offset"),
        ({"source": ""}, "source"),
        ({"note": "x"}, "note"),
    ],
)
def test_bad_opening_balance_names_the_key(tmp_path, change, message):
    with pytest.raises(ConfigError, match=message) as raised:
        _config(tmp_path, {**OPENING, **change})
    assert "opening_balances" in str(raised.value)
