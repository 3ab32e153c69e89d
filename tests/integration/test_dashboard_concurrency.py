"""While a pipeline run writes the warehouse, the dashboard keeps answering from the previous
snapshot; after the run publishes, it shows the new one. Real anvil nodes, real Dagster runs."""

from __future__ import annotations

import os
import threading
import time
from contextlib import ExitStack
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.snapshot import Snapshot
from demo.anvil import AnvilNode
from demo.bridge import play_demo_networks
from demo.scenario import genesis_timestamp
from ingestion.config import load_config
from orchestration.pipeline import run_pipeline
from tests.conftest import REPO, write_config

pytestmark = pytest.mark.integration

QUERY = "select max(as_of_date), count(*) from marts.inventory_daily"


def test_dashboard_reads_old_snapshot_during_a_run_then_the_new_one(tmp_path, monkeypatch):
    config_path = write_config(tmp_path)
    config = load_config(config_path)
    first_end = config.start_date + timedelta(days=8)
    with ExitStack() as stack:
        nodes = {
            n.name: stack.enter_context(
                AnvilNode(chain_id=n.chain_id, timestamp=genesis_timestamp(config))
            )
            for n in config.networks
        }
        for n in config.networks:
            monkeypatch.setenv(n.rpc_url_env, nodes[n.name].url)
        summary, _ = play_demo_networks(
            {k: v.web3() for k, v in nodes.items()},
            config,
            end_date=config.start_date + timedelta(days=16),
        )
        assert run_pipeline(config_path, config.start_date, first_end).success
        snapshot = Snapshot(config.data_dir)
        old = snapshot.query(QUERY).row(0)
        old_run = snapshot.status().run_id
        assert old[0] == first_end

        answers: list[tuple] = []
        errors: list[BaseException] = []
        stop = threading.Event()

        def read_continuously() -> None:
            while not stop.is_set():
                try:
                    answers.append((snapshot.query(QUERY).row(0), snapshot.status().run_id))
                except BaseException as exc:  # any failure to answer is a test failure
                    errors.append(exc)
                time.sleep(0.05)

        reader = threading.Thread(target=read_continuously, daemon=True)
        reader.start()
        try:
            outcome = run_pipeline(config_path, config.start_date, summary.end_date)
        finally:
            stop.set()
            reader.join(timeout=10)
    assert outcome.success, outcome.failure_summary
    assert not errors, errors
    new = snapshot.query(QUERY).row(0)
    assert new[0] == summary.end_date and new != old
    assert snapshot.status().run_id not in (None, old_run)
    # every answer during the run was one whole snapshot: the old one, or (at the very end)
    # the new one; most of the run was served from the old one
    assert {a for a, _ in answers} <= {old, new}
    assert sum(1 for a, _ in answers if a == old) > 10
    # the dashboard itself shows the new day
    monkeypatch.setenv("USD1INV_DATA_DIR", str(config.data_dir))
    at = AppTest.from_file(str(REPO / "dashboard" / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.subheader[0].value == f"Holdings at the end of {summary.end_date}"
    assert os.path.exists(config.data_dir / "published" / "parquet" / "marts")
