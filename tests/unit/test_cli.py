"""The command line: help a newcomer can follow, and failures that say what to fix."""

from __future__ import annotations

from typer.testing import CliRunner

from tests.conftest import DEMO_CONFIG, write_config
from usd1inv.cli import app

runner = CliRunner()


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "demo", "dev", "check-config"):
        assert command in result.output


def test_run_help_explains_the_options():
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    assert "--config" in result.output and "--from" in result.output and "--to" in result.output


def test_unset_rpc_variable_fails_at_start_naming_it(monkeypatch, tmp_path):
    monkeypatch.delenv("USD1INV_RPC_ETHEREUM", raising=False)
    config = write_config(tmp_path)
    result = runner.invoke(app, ["run", "--config", str(config), "--to", "2026-08-02"])
    assert result.exit_code == 1
    assert "USD1INV_RPC_ETHEREUM is not set" in result.output
    assert not (tmp_path / "data" / "warehouse.duckdb").exists()  # nothing started


def test_check_config_names_the_bad_key(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(DEMO_CONFIG.read_text().replace("decimals: 6", "decimals: 77"))
    result = runner.invoke(app, ["check-config", "--config", str(bad)])
    assert result.exit_code == 1
    assert "networks[0].token.decimals" in result.output


def test_check_config_ok(monkeypatch):
    monkeypatch.setenv("USD1INV_RPC_ETHEREUM", "http://127.0.0.1:1/?key=abc")
    monkeypatch.setenv("USD1INV_RPC_BNB", "http://127.0.0.1:2/?key=abc")
    result = runner.invoke(app, ["check-config", "--config", str(DEMO_CONFIG)])
    assert result.exit_code == 0, result.output
    assert "2 network(s), 13 wallet(s)" in result.output
    assert "abc" not in result.output


def test_bad_date_is_rejected(monkeypatch):
    monkeypatch.setenv("USD1INV_RPC_ETHEREUM", "http://127.0.0.1:1")
    result = runner.invoke(app, ["run", "--config", str(DEMO_CONFIG), "--from", "2026-13-01"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output
