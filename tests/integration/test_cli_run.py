"""`usd1inv run` against a real node: a failing run exits 1 and names the failing step."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from demo.anvil import AnvilNode
from tests.conftest import write_config
from usd1inv.cli import app

pytestmark = pytest.mark.integration


def test_wrong_chain_fails_naming_the_step(tmp_path, monkeypatch):
    config = write_config(tmp_path)
    with AnvilNode(chain_id=999) as node:  # the config says 31337
        monkeypatch.setenv("USD1INV_RPC_ETHEREUM", node.url)
        monkeypatch.setenv("USD1INV_RPC_BNB", node.url)  # the demo's second network (31338)
        result = CliRunner().invoke(
            app, ["run", "--config", str(config), "--from", "2026-08-01", "--to", "2026-08-02"]
        )
    assert result.exit_code == 1, result.output
    assert "step onchain_transfers failed" in result.output
    assert "chain id 999" in result.output
    assert node.url not in result.output
