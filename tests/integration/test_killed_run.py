"""A `usd1inv run` killed with SIGKILL mid-run does not leave later runs waiting forever.

The killed run keeps its claimed slot of the Dagster `warehouse` pool; the next run takes the
warehouse's OS lock (which died with the killed process), frees the dead run's slot naming it,
and completes; a third run changes nothing (raw and marts), and no raw row is duplicated.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from demo.anvil import AnvilNode
from demo.bridge import play_demo_networks
from demo.offchain_files import drop_demo_files
from demo.scenario import genesis_timestamp
from ingestion.config import load_config
from ingestion.warehouse import schema_content_hashes
from orchestration.runlock import lock_path
from tests.conftest import REPO, write_config

pytestmark = pytest.mark.integration

DAYS = 10  # of the scenario (the second network has transfers from the first days on)
RUN_TIMEOUT = 240  # a run takes about 2 minutes on a loaded 2-core machine; never forever
# filled from the check failures recorded *after* a build: the build after the one whose checks
# first flagged a break adds when and by which check (run-independent facts, then stable)
SETTLES_ONE_RUN_LATER = {"marts.reconciliation_breaks"}


def _usd1inv(config: Path, start, end) -> list[str]:
    return [
        sys.executable, "-m", "usd1inv.cli", "run", "--config", str(config),
        "--from", start.isoformat(), "--to", end.isoformat(),
    ]  # fmt: skip


def _holder(config) -> dict:
    try:
        return json.loads(lock_path(config.warehouse_path).read_text() or "{}")
    except (OSError, ValueError):
        return {}


def test_run_after_a_killed_run_completes(tmp_path):
    config_path = write_config(tmp_path)
    config = load_config(config_path)
    start = config.start_date
    end = start + timedelta(days=DAYS - 1)
    with ExitStack() as stack:
        nodes = {
            n.name: stack.enter_context(
                AnvilNode(chain_id=n.chain_id, timestamp=genesis_timestamp(config))
            )
            for n in config.networks
        }
        summary, _ = play_demo_networks({k: v.web3() for k, v in nodes.items()}, config)
        drop_demo_files(nodes[config.networks[0].name].web3(), config, summary.end_date)
        env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        for n in config.networks:
            env[n.rpc_url_env] = nodes[n.name].url
        command = _usd1inv(config_path, start, end)

        # 1. killed (the whole process group) while an on-chain run holds the pool slot
        killed = subprocess.Popen(
            command, cwd=REPO, env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + RUN_TIMEOUT
        while _holder(config).get("job") not in ("ingest_onchain", "build_marts"):
            assert killed.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run never started its on-chain runs"
            time.sleep(0.2)
        dead_run = _holder(config)["run_id"]
        time.sleep(1.5)
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(timeout=30)

        # 2. the next run frees the dead run's slot, says so, and completes
        started = time.monotonic()
        second = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
        )
        assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
        assert f"run {dead_run}" in second.stderr, second.stderr[-3000:]
        assert "is dead" in second.stderr
        print(f"second run: {time.monotonic() - started:.1f} s")
        with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
            dupes = con.execute(
                "select count(*) - count(distinct (network, tx_hash, log_index)) "
                "from raw.onchain_transfers"
            ).fetchone()[0]
            assert dupes == 0
            after_second = schema_content_hashes(con)
            assert any(k.startswith("marts.") for k in after_second)

        # 3. a third run (nothing new) changes nothing
        third = subprocess.run(
            command, cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
        )
        assert third.returncode == 0, third.stdout[-3000:] + third.stderr[-3000:]
        assert "is dead" not in third.stderr
        with duckdb.connect(str(config.warehouse_path), read_only=True) as con:
            after_third = schema_content_hashes(con)
        for table in SETTLES_ONE_RUN_LATER:
            after_second.pop(table, None)
            after_third.pop(table, None)
        assert after_third == after_second
