"""`usd1inv demo`: a local chain, the scenario, then the same pipeline `usd1inv run` runs.

The demo knows the chain; the pipeline does not: it gets only the config file and, through the
environment variable the config names, the URL of the node.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from demo.anvil import AnvilNode
from demo.scenario import genesis_timestamp, play_scenario
from ingestion.config import load_config
from orchestration.pipeline import PipelineOutcome, run_pipeline

log = logging.getLogger(__name__)


def run_demo(config_path: str | Path) -> PipelineOutcome:
    """Start anvil, play the scenario, run the pipeline over the scenario's days, stop anvil."""
    config = load_config(config_path)
    network = config.networks[0]
    with AnvilNode(chain_id=network.chain_id, timestamp=genesis_timestamp(config)) as node:
        os.environ[network.rpc_url_env] = node.url
        summary = play_scenario(node.web3(), config)
        log.info(
            "demo chain: %d transactions in blocks %d-%d, %s .. %s",
            summary.tx_count,
            summary.first_block,
            summary.last_block,
            summary.start_date,
            summary.end_date,
        )
        return run_pipeline(config_path, config.start_date, summary.end_date)
