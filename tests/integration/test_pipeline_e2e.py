"""End to end on a real anvil node: scenario -> Dagster run -> marts equal the chain.

One session-scoped run of the demo scenario and the pipeline (the same function `usd1inv run`
calls) feeds every test here; the run's logs and Dagster event log are captured to prove the
RPC URL's secret never appears.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from demo.anvil import AnvilNode
from demo.scenario import genesis_timestamp, play_scenario
from ingestion.config import load_config
from ingestion.warehouse import schema_content_hashes
from orchestration.pipeline import dagster_instance, run_pipeline
from tests.conftest import write_config

pytestmark = pytest.mark.integration

SECRET = "apikey-7f3c9e1d5b"
BALANCE_OF = "0x70a08231"


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    config_path = write_config(folder)
    config = load_config(config_path)
    network = config.networks[0]
    capture = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    mp = pytest.MonkeyPatch()
    node = None
    try:
        # like `make demo` twice: a fresh node replays the same chain, the pipeline re-runs
        # every partition over the existing warehouse, and nothing may change
        outcomes, hashes = [], []
        for _ in range(2):
            if node is not None:
                node.stop()
            node = AnvilNode(chain_id=network.chain_id, timestamp=genesis_timestamp(config))
            node.start()
            mp.setenv(network.rpc_url_env, f"{node.url}/?key={SECRET}")
            summary = play_scenario(node.web3(), config)
            outcomes.append(run_pipeline(config_path, config.start_date, summary.end_date))
            with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
                hashes.append(schema_content_hashes(con))
        yield {
            "config": config,
            "config_path": config_path,
            "node": node,
            "summary": summary,
            "outcomes": outcomes,
            "hashes": hashes,
            "logs": capture.lines,
        }
    finally:
        mp.undo()
        if node is not None:
            node.stop()
        root.removeHandler(capture)
        root.setLevel(old_level)


def _balance_of(w3, token: str, wallet: str, block: int) -> int:
    data = BALANCE_OF + "0" * 24 + wallet[2:]
    return int(w3.eth.call({"to": w3.to_checksum_address(token), "data": data}, block).hex(), 16)


def test_pipeline_succeeds_with_checks(demo_run):
    for outcome in demo_run["outcomes"]:
        assert outcome.success, outcome.failure_summary
        checks = {name: ok for job in outcome.jobs for name, ok in job.checks.items()}
        assert checks["marts/inventory_daily:inventory_daily_integrity"] is True
        assert len(checks) > 10  # dbt tests + the Great Expectations suite


def test_mart_balance_equals_balance_of_at_every_day_end(demo_run):
    """For every registry wallet and every day: the day's last block balanceOf, exactly."""
    config, node = demo_run["config"], demo_run["node"]
    # the node is still running here: the fixture stops it at session end
    w3 = node.web3()
    token = config.networks[0].token.address
    head = w3.eth.block_number
    final_block = head - config.networks[0].confirmations
    times = {n: w3.eth.get_block(n)["timestamp"] for n in range(head + 1)}
    last_block_of_day: dict = {}
    for number, ts in sorted(times.items()):
        day = datetime.fromtimestamp(ts, UTC).astimezone(config.tz).date()
        last_block_of_day[day] = number
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    rows = con.execute(
        "select as_of_date, location_id, balance_raw, balance, pending_in, pending_out "
        "from marts.inventory_daily order by as_of_date, location_id"
    ).fetchall()
    con.close()
    days = sorted({r[0] for r in rows})
    assert days[0] == config.start_date and days[-1] == demo_run["summary"].end_date
    assert len(days) >= 60
    assert len(rows) == len(days) * len(config.wallets)
    decimals = Decimal(10) ** config.networks[0].token.decimals
    checked = 0
    for as_of, wallet, balance_raw, balance, pending_in, pending_out in rows:
        # last block at or before the end of that local day (silent days inherit)
        block = max(n for d, n in last_block_of_day.items() if d <= as_of)
        expected = _balance_of(w3, token, wallet, min(block, final_block))
        assert balance_raw == expected, (as_of, wallet)
        assert balance == Decimal(expected) / decimals
        if block > final_block:  # the unfinalised tail is pending, not in balance
            onchain_now = _balance_of(w3, token, wallet, block)
            assert (balance + pending_in - pending_out) * decimals == onchain_now, (as_of, wallet)
        else:
            assert pending_in == 0 and pending_out == 0
        checked += 1
    assert checked == len(rows)


def test_pending_tail_is_visible(demo_run):
    config = demo_run["config"]
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    pending = con.execute(
        "select count(*) from raw.onchain_transfers where not is_final"
    ).fetchone()[0]
    last_day = con.execute(
        "select sum(pending_in), sum(pending_out) from marts.inventory_daily "
        "where as_of_date = (select max(as_of_date) from marts.inventory_daily)"
    ).fetchone()
    con.close()
    assert pending > 0
    assert last_day[0] > 0 or last_day[1] > 0


def test_look_alikes_are_not_loaded(demo_run):
    config, summary = demo_run["config"], demo_run["summary"]
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    tokens = {
        r[0]
        for r in con.execute("select distinct token_address from raw.onchain_transfers").fetchall()
    }
    con.close()
    assert tokens == {config.networks[0].token.address}
    assert summary.decoy_token_address.lower() not in tokens


def test_second_demo_on_a_fresh_node_changes_nothing(demo_run):
    first, second = demo_run["hashes"]
    assert first.keys() == second.keys()
    assert "raw.onchain_transfers" in first and "marts.inventory_daily" in first
    assert first == second


def test_secret_never_logged(demo_run):
    logs = "\n".join(demo_run["logs"])
    assert "Making request" in logs or "eth_getLogs" in logs or logs  # something was captured
    assert SECRET not in logs
    instance = dagster_instance(demo_run["config"])
    for outcome in demo_run["outcomes"]:
        for job in outcome.jobs:
            for entry in instance.all_logs(job.run_id):
                assert SECRET not in (entry.user_message or "")
                assert SECRET not in str(entry.dagster_event or "")


def test_runs_are_recorded_in_the_persistent_instance(demo_run):
    instance = dagster_instance(demo_run["config"])
    runs = instance.get_runs()
    assert {r.job_name for r in runs} >= {"ingest_onchain", "build_marts"}
    assert Path(demo_run["config"].dagster_home, "dagster.yaml").exists()


def test_day_blocks_cover_every_day(demo_run):
    config, summary = demo_run["config"], demo_run["summary"]
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    rows = con.execute(
        "select block_date, first_block from raw.onchain_day_blocks order by 1"
    ).fetchall()
    con.close()
    by_day = defaultdict(list)
    for day, first in rows:
        by_day[day].append(first)
    assert len(by_day) == (summary.end_date - config.start_date).days + 1
    for silent in summary.silent_days:
        assert by_day[silent] == [None]
