"""Resources shared by the assets: the configuration and the DuckDB warehouse.

RPC URLs are not resources' fields: each network names the environment variable that holds
its URL, and the URL is read from the environment only when a client is made, never logged.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import duckdb
from dagster import ConfigurableResource, InitResourceContext

from ingestion.config import Config, load_config
from ingestion.onchain.rpc import RpcClient
from ingestion.warehouse import connect
from orchestration.run_audit import check_run_start
from orchestration.runlock import hold


class InventoryConfig(ConfigurableResource):
    """The validated usd1inv configuration file."""

    config_path: str

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)


class Warehouse(ConfigurableResource):
    """The DuckDB warehouse file. A run Dagster launched by itself must pass the role check of
    `access:` before its first step opens it, and is recorded (orchestration/run_audit.py).
    One writer at a time: a step that uses it holds the
    warehouse's OS lock while it runs (orchestration/runlock.py), however its run was launched
    (Dagster UI, schedule, sensor, `usd1inv run`, which already holds it in the same process)."""

    path: str
    # the configuration whose `access:` roles a run Dagster launched must pass (run_audit.py)
    config_path: str = ""

    @contextmanager
    def yield_for_execution(self, context: InitResourceContext) -> Iterator["Warehouse"]:
        with hold(Path(self.path)) as lock:
            run = context.dagster_run
            if run is not None:  # named in the lock file for a run that waits
                lock.running(run.job_name, run.run_id)
                if self.config_path:
                    check_run_start(
                        load_config(self.config_path),
                        Path(self.path),
                        run.job_name,
                        run.run_id,
                        run.tags,
                    )
            yield self

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect(self.path, read_only=read_only) as con:
            yield con


def rpc_client(config: Config, network: str) -> RpcClient:
    """A JSON-RPC client for a configured network, its URL read from the environment."""
    net = config.network(network)
    return RpcClient(net.rpc_url(), net.name)
