"""`usd1inv demo`: a local chain, the scenario, then the same pipeline `usd1inv run` runs.

The demo knows the chain; the pipeline does not: it gets only the config file and, through the
environment variable the config names, the URL of the node.
"""

from __future__ import annotations

import logging
import os
from contextlib import ExitStack
from pathlib import Path

from demo.anvil import AnvilNode
from demo.bridge import play_demo_networks
from demo.offchain_files import drop_demo_files
from demo.scenario import genesis_timestamp
from ingestion.config import load_config
from orchestration.pipeline import PipelineOutcome, run_pipeline

log = logging.getLogger(__name__)


def run_demo(config_path: str | Path) -> PipelineOutcome:
    """Start anvil, play the scenario, run the pipeline over the scenario's days, stop anvil."""
    config = load_config(config_path)
    with ExitStack() as stack:
        # one local node per configured network, each with its own chain id
        nodes = {
            n.name: stack.enter_context(
                AnvilNode(chain_id=n.chain_id, timestamp=genesis_timestamp(config))
            )
            for n in config.networks
        }
        for n in config.networks:
            os.environ[n.rpc_url_env] = nodes[n.name].url
        summary, _ = play_demo_networks({k: v.web3() for k, v in nodes.items()}, config)
        # custodian, exchange, ledger and price files, consistent with the chain
        drop_demo_files(nodes[config.networks[0].name].web3(), config, summary.end_date)
        log.info(
            "demo chain: %d transactions in blocks %d-%d, %s .. %s",
            summary.tx_count,
            summary.first_block,
            summary.last_block,
            summary.start_date,
            summary.end_date,
        )
        return run_pipeline(config_path, config.start_date, summary.end_date)
