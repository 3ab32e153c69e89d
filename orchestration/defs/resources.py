"""Resources shared by the assets: the configuration and the DuckDB warehouse.

RPC URLs are not resources' fields: each network names the environment variable that holds
its URL, and the URL is read from the environment only when a client is made, never logged.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import duckdb
from dagster import ConfigurableResource

from ingestion.config import Config, load_config
from ingestion.onchain.rpc import RpcClient
from ingestion.warehouse import connect


class InventoryConfig(ConfigurableResource):
    """The validated usd1inv configuration file."""

    config_path: str

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path)


class Warehouse(ConfigurableResource):
    """The DuckDB warehouse file. One writer at a time: runs share the `warehouse` pool."""

    path: str

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with connect(self.path, read_only=read_only) as con:
            yield con


def rpc_client(config: Config, network: str) -> RpcClient:
    """A JSON-RPC client for a configured network, its URL read from the environment."""
    net = config.network(network)
    return RpcClient(net.rpc_url(), net.name)
