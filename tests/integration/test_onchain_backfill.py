"""`usd1inv backfill`: one network's day partitions through Dagster, finished ones skipped.

A real anvil holds three days of transfers; the backfill of those days runs in chunks, the
Dagster instance then holds exactly the ethereum partitions (none of the other network), a
second backfill skips everything, and --force runs it all again without changing raw.
"""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest
from typer.testing import CliRunner

from demo.anvil import AnvilNode
from demo.scenario import genesis_timestamp, local_midnight
from ingestion.config import load_config
from ingestion.warehouse import table_content_hash
from orchestration.defs.onchain.assets import ONCHAIN_TRANSFERS
from orchestration.pipeline import dagster_instance
from tests.conftest import write_config
from tests.onchain_chain import TokenChain, play_three_days
from usd1inv.cli import app

pytestmark = pytest.mark.integration


def test_backfill_runs_missing_partitions_and_skips_finished_ones(tmp_path, monkeypatch):
    config_path = write_config(tmp_path)
    config = load_config(config_path)
    network = config.network("ethereum")
    wallets = {w.label: w.address for w in config.wallets_on("ethereum")}
    monkeypatch.delenv("USD1INV_RPC_BNB", raising=False)  # only the backfilled network's
    with AnvilNode(chain_id=network.chain_id, timestamp=genesis_timestamp(config)) as node:
        chain = TokenChain(node.web3(), tmp_path / "build", decimals=network.token.decimals)
        chain.deploy(local_midnight(config.start_date, config.tz) - 600)
        play_three_days(
            chain,
            [wallets["treasury"], wallets["ops-hot"], wallets["cold-vault"]],
            ["0x" + "a1" * 20, "0x" + "b2" * 20],
            config.start_date,
            config.tz,
        )
        monkeypatch.setenv(network.rpc_url_env, node.url)
        first, last = config.start_date, config.start_date + timedelta(days=2)
        args = [
            "backfill",
            "--config",
            str(config_path),
            "--network",
            "ethereum",
            "--from",
            first.isoformat(),
            "--to",
            last.isoformat(),
            "--chunk-days",
            "2",
            "--no-build",
        ]
        runner = CliRunner()
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "3 day(s) to load, 0 already materialised" in result.output
        assert "3 day(s) loaded, 0 skipped, 2 run(s)" in result.output
        instance = dagster_instance(config)
        done = set(instance.get_materialized_partitions(ONCHAIN_TRANSFERS))
        expected = {f"{first + timedelta(days=i)}|ethereum" for i in range(3)}
        assert done == expected  # the other network's partitions are untouched
        with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
            before = table_content_hash(con, "raw.onchain_transfers")
        assert before[0] > 20

        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "0 day(s) to load, 3 already materialised" in result.output

        result = runner.invoke(app, [*args, "--force"])
        assert result.exit_code == 0, result.output
        assert "3 day(s) loaded, 0 skipped, 2 run(s)" in result.output
        with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
            assert table_content_hash(con, "raw.onchain_transfers") == before
    assert node.url not in result.output
