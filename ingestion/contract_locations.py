"""Contract locations: registry addresses whose tokens sit in a contract position or time lock.

It is the `contract_locations:` section of the usd1inv configuration (see
`ingestion.config.Config`); errors name their key (`contract_locations[0].address`). Each entry
names a registry wallet (so its transfers and balanceOf are read like any wallet's): in
marts.inventory_daily that address is a `contract` location whose whole on-chain balance is
`locked` (not available). ``load_contract_locations`` rewrites `raw.registry_contract_locations`,
which the dbt model `stg_registry__contract_locations` reads.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:  # pragma: no cover
    from ingestion.config import Config

ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")

DDL = """
create schema if not exists raw;
-- contract_locations: registry wallets whose balance is locked in a contract
create table if not exists raw.registry_contract_locations (
    network varchar not null,
    address varchar not null,
    lock_reason varchar not null,
    primary key (network, address)
);
"""


class ContractLocation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    network: str
    address: str = Field(description="a registry wallet address on that network")
    lock_reason: str = Field(
        default="", description="what holds the tokens (staking contract, vesting, escrow...)"
    )

    @field_validator("address", mode="before")
    @classmethod
    def _address(cls, value: object) -> str:
        if not isinstance(value, str) or not ADDRESS_RE.match(value):
            raise ValueError(
                f"expected a 0x-prefixed 20-byte hex address (42 characters), got {value!r}"
            )
        return value.lower()


def check_contract_locations(
    locations: list[ContractLocation], wallets: list[tuple[str, str]]
) -> None:
    """Each contract location is a registry wallet (network, lower-case address), once."""
    seen: set[tuple[str, str]] = set()
    for i, location in enumerate(locations):
        key = (location.network, location.address)
        if key not in wallets:
            raise ValueError(
                f"contract_locations[{i}].address: {location.address} is not a registry wallet "
                f"on {location.network!r}; list it under wallets: so its transfers are read"
            )
        if key in seen:
            raise ValueError(f"contract_locations[{i}].address: {location.address} listed twice")
        seen.add(key)


def load_contract_locations(con: duckdb.DuckDBPyConnection, config: Config) -> int:
    """Replace raw.registry_contract_locations from the configuration; return the row count."""
    rows = [(c.network, c.address, c.lock_reason) for c in config.contract_locations]
    con.execute(DDL)
    con.execute("delete from raw.registry_contract_locations")
    if rows:
        con.executemany("insert into raw.registry_contract_locations values (?, ?, ?)", rows)
    return len(rows)
