"""Counterparties: the allow-list of known external addresses (issuer, exchange deposit
addresses, customers, vendors ...).

It is the `counterparties:` section of the usd1inv configuration (see
`ingestion.config.Config`); errors name their key (`counterparties[2].kind`). An outflow from
an own wallet to an address that is neither in the registry (wallets, custodian / exchange
account addresses) nor in this list is an outflow to an unknown destination
(marts.unknown_destination_outflows, a warning check); the list also names the counterparty
wherever a transfer is shown. ``load_counterparties`` rewrites `raw.registry_counterparties`,
which the dbt model `stg_registry__counterparties` reads.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:  # pragma: no cover
    from ingestion.config import Config

ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")

CounterpartyKind = Literal[
    "issuer",
    "exchange_deposit",
    "customer",
    "vendor",
    "partner",
    "market_maker",
    "bridge",
    "other",
]

DDL = """
create schema if not exists raw;
-- counterparties: known external addresses (the allow-list of outflow destinations)
create table if not exists raw.registry_counterparties (
    network varchar not null,
    address varchar not null,
    counterparty_name varchar not null,
    counterparty_kind varchar not null,
    primary key (network, address)
);
"""


class Counterparty(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str = Field(description="the counterparty's address on that network")
    network: str
    name: str = Field(min_length=1, description="who it is, as people call it")
    kind: CounterpartyKind

    @field_validator("address", mode="before")
    @classmethod
    def _address(cls, value: object) -> str:
        if not isinstance(value, str) or not ADDRESS_RE.match(value):
            raise ValueError(
                f"expected a 0x-prefixed 20-byte hex address (42 characters), got {value!r}"
            )
        return value.lower()


def check_counterparties(
    counterparties: list[Counterparty],
    network_names: list[str],
    own_addresses: set[tuple[str, str]],
) -> None:
    """Each counterparty is on a configured network, listed once, and not an own address
    (a registry wallet or a custodian / exchange account address)."""
    seen: set[tuple[str, str]] = set()
    for i, counterparty in enumerate(counterparties):
        key = (counterparty.network, counterparty.address)
        if counterparty.network not in network_names:
            raise ValueError(
                f"counterparties[{i}].network: {counterparty.network!r} is not a configured "
                f"network (known: {network_names})"
            )
        if key in own_addresses:
            raise ValueError(
                f"counterparties[{i}].address: {counterparty.address} is in the registry on "
                f"{counterparty.network} (a wallet or an account address), not a counterparty"
            )
        if key in seen:
            raise ValueError(
                f"counterparties[{i}].address: {counterparty.address} is listed twice on "
                f"{counterparty.network}"
            )
        seen.add(key)


def load_counterparties(con: duckdb.DuckDBPyConnection, config: Config) -> int:
    """Replace raw.registry_counterparties from the configuration; return the row count."""
    rows = [(c.network, c.address, c.name, c.kind) for c in config.counterparties]
    con.execute(DDL)
    con.execute("delete from raw.registry_counterparties")
    if rows:
        con.executemany("insert into raw.registry_counterparties values (?, ?, ?, ?)", rows)
    return len(rows)
