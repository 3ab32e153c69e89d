"""End to end on two real anvil nodes: scenario -> Dagster runs -> marts equal both chains.

One session-scoped run of the demo (the ethereum scenario with bridge-outs, and the bridged
inventory on a second network with its own chain id, 18-decimal token and `safe`-tag finality)
and the pipeline (the same function `usd1inv run` calls) feeds every test here; the run's logs
and Dagster event log are captured to prove the RPC URL's secret never appears.
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
from demo.bridge import play_demo_networks
from demo.scenario import genesis_timestamp
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
    assert len(config.networks) >= 2, "the demo config has two networks"
    capture = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    mp = pytest.MonkeyPatch()
    nodes: dict[str, AnvilNode] = {}
    try:
        # like `make demo` twice: a fresh node replays the same chain, the pipeline re-runs
        # every partition over the existing warehouse, and nothing may change
        outcomes, hashes = [], []
        for _ in range(2):
            for old in nodes.values():
                old.stop()
            nodes = {
                n.name: AnvilNode(chain_id=n.chain_id, timestamp=genesis_timestamp(config)).start()
                for n in config.networks
            }
            for n in config.networks:
                mp.setenv(n.rpc_url_env, f"{nodes[n.name].url}/?key={SECRET}")
            webs = {name: node.web3() for name, node in nodes.items()}
            summary, bridges = play_demo_networks(webs, config)
            outcomes.append(run_pipeline(config_path, config.start_date, summary.end_date))
            with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
                hashes.append(schema_content_hashes(con))
        yield {
            "config": config,
            "config_path": config_path,
            "nodes": nodes,
            "summary": summary,
            "bridges": bridges,
            "outcomes": outcomes,
            "hashes": hashes,
            "logs": capture.lines,
        }
    finally:
        mp.undo()
        for node in nodes.values():
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


def _final_block(w3, network) -> int:
    head = w3.eth.block_number
    if network.finality == "confirmations":
        return head - network.confirmations
    return w3.eth.get_block(network.finality)["number"]


def _wallet(config, label: str) -> str:
    return next(w.address for w in config.wallets if w.label == label)


@pytest.mark.parametrize("network_name", ["ethereum", "bnb"])
def test_mart_balance_equals_balance_of_at_every_day_end(demo_run, network_name):
    """For every registry wallet and every day: the day's last block balanceOf, exactly."""
    config = demo_run["config"]
    network = config.network(network_name)
    # the nodes are still running here: the fixture stops them at session end
    w3 = demo_run["nodes"][network_name].web3()
    token = network.token.address
    head = w3.eth.block_number
    final_block = _final_block(w3, network)
    times = {n: w3.eth.get_block(n)["timestamp"] for n in range(head + 1)}
    last_block_of_day: dict = {}
    for number, ts in sorted(times.items()):
        day = datetime.fromtimestamp(ts, UTC).astimezone(config.tz).date()
        last_block_of_day[day] = number
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    rows = con.execute(
        "select as_of_date, location_id, balance_raw, balance, pending_in, pending_out "
        "from marts.inventory_daily where network = ? and location_type = 'wallet' "
        "order by as_of_date, location_id",
        [network_name],
    ).fetchall()
    con.close()
    days = sorted({r[0] for r in rows})
    assert days[0] == config.start_date and days[-1] == demo_run["summary"].end_date
    assert len(days) >= 60
    assert len(rows) == len(days) * len(config.wallets_on(network_name))
    decimals = Decimal(10) ** network.token.decimals
    checked = nonzero = 0
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
        nonzero += expected != 0
    assert checked == len(rows)
    assert nonzero > len(rows) // 3


def test_bridge_moved_inventory_across_networks(demo_run):
    """Burns on ethereum (6 decimals) are minted on bnb (18 decimals): same token units."""
    config, summary = demo_run["config"], demo_run["summary"]
    burned_out = sum(amount for _, amount in summary.bridge_out)
    assert len(summary.bridge_out) >= 5
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    bridged_in = con.execute(
        "select sum(amount_raw) from raw.onchain_transfers where network = 'bnb' "
        "and from_address = '0x0000000000000000000000000000000000000000' and to_address = ?",
        [_wallet(config, "bnb-treasury")],
    ).fetchone()[0]
    con.close()
    assert bridged_in == Decimal(burned_out) * 10**12
    assert demo_run["bridges"][0].transfer_count > 20


def test_reconciliation_transfers_vs_balanceof_matches_on_both_networks(demo_run):
    config = demo_run["config"]
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    rows = con.execute(
        "select network, comparison, status, count(*), sum(abs(difference)), "
        "count(distinct as_of_date) from marts.reconciliation "
        "where comparison = 'transfers_vs_balanceof' group by all order by 1"
    ).fetchall()
    months = con.execute(
        "select network, count(*) from raw.onchain_balances where period_type = 'month' "
        "group by 1 order by 1"
    ).fetchall()
    con.close()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("bnb", "transfers_vs_balanceof", "matched"),
        ("ethereum", "transfers_vs_balanceof", "matched"),
    ]
    for network, _, _, count, diff, days in rows:
        assert diff == 0
        assert count == days * len(config.wallets_on(network))
    # the month ends of August, September and October are read too
    assert months == [("bnb", 3 * 3), ("ethereum", 3 * 10)]


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
    assert tokens == {n.token.address for n in config.networks}
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
    ingests = [r for r in runs if r.job_name == "ingest_onchain"]
    # one ingestion run per network (and per pipeline run): failures stay isolated
    assert len(ingests) == 2 * len(demo_run["config"].networks)
    assert Path(demo_run["config"].dagster_home, "dagster.yaml").exists()


def test_day_blocks_cover_every_day(demo_run):
    config, summary = demo_run["config"], demo_run["summary"]
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    rows = con.execute(
        "select block_date, first_block from raw.onchain_day_blocks "
        "where network = 'ethereum' order by 1"
    ).fetchall()
    per_network = con.execute(
        "select network, count(*) from raw.onchain_day_blocks group by 1 order by 1"
    ).fetchall()
    con.close()
    by_day = defaultdict(list)
    for day, first in rows:
        by_day[day].append(first)
    n_days = (summary.end_date - config.start_date).days + 1
    assert len(by_day) == n_days
    for silent in summary.silent_days:
        assert by_day[silent] == [None]
    assert per_network == [("bnb", n_days), ("ethereum", n_days)]
