"""`usd1inv demo`: a local chain, the scenario, then the same pipeline `usd1inv run` runs.

The demo knows the chain; the pipeline does not: it gets only the config file and, through the
environment variable the config names, the URL of the node.
"""

from __future__ import annotations

import logging
import os
from contextlib import ExitStack
from datetime import date
from pathlib import Path

from demo.anvil import AnvilNode
from demo.bridge import play_demo_networks
from demo.offchain_files import drop_demo_files
from demo.scenario import genesis_timestamp
from ingestion.config import Config, load_config
from orchestration.pipeline import PipelineOutcome, run_pipeline

log = logging.getLogger(__name__)


def run_demo(config_path: str | Path, keep_nodes: ExitStack | None = None) -> PipelineOutcome:
    """Start anvil, play the scenario, run the pipeline over the scenario's days, stop anvil.

    With `keep_nodes`, the nodes are entered into that stack instead and stay up (their URLs
    in the environment variables the config names) until the caller closes it: a test then
    reads the demo's chain afterwards (`usd1inv verify`)."""
    config = load_config(config_path)
    with ExitStack() as stack:
        owner = keep_nodes if keep_nodes is not None else stack
        # one local node per configured network, each with its own chain id
        nodes = {
            n.name: owner.enter_context(
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
        outcome = run_pipeline(config_path, config.start_date, summary.end_date)
    if outcome.success:
        close_demo_month(config, outcome, summary.end_date)
    return outcome


def close_demo_month(config: Config, outcome: PipelineOutcome, last_day: date) -> Path | None:
    """The demo's last step: close the scenario's last full month and write its close pack
    (on a second demo, when it is already closed, render its pack again); return its folder."""
    from orchestration.close import checks_from_outcome
    from reporting.close.closing import CloseError
    from reporting.close.pack import pack_dir
    from reporting.close.periods import last_full_month
    from reporting.close.render import close_and_render, rerender
    from reporting.publish import publish_snapshot

    period = last_full_month(last_day)
    run_id, checks = checks_from_outcome(outcome)
    try:
        close_and_render(
            config.warehouse_path,
            config.reports_dir,
            period,
            run_id=run_id,
            checks=checks,
            reporting_timezone=config.reporting_timezone,
        )
    except CloseError as exc:  # closed by an earlier demo on this warehouse: render it again
        try:
            rerender(config.warehouse_path, config.reports_dir, period)
        except CloseError:
            log.warning("demo close of %s skipped: %s", period.name, exc)
            return None
    publish_snapshot(config.warehouse_path, config.data_dir, run_id=run_id)  # the Close page
    log.info("demo close pack for %s in %s", period.name, pack_dir(config.reports_dir, period))
    return pack_dir(config.reports_dir, period)


def demo_close_pack(config: Config, last_day: date) -> Path | None:
    """Where `close_demo_month` put the pack (None if the demo did not get that far)."""
    from reporting.close.pack import pack_dir
    from reporting.close.periods import last_full_month

    folder = pack_dir(config.reports_dir, last_full_month(last_day))
    return folder if folder.exists() else None
