"""The one configuration file: networks, token, wallet registry, time zone and paths.

Loaded from YAML and validated with pydantic. Every error names the key that is wrong
(``networks[0].token.address``) and what was expected, so a person can fix the file.
Secrets are never in the file: a network names the *environment variable* that holds its
RPC URL, and the URL itself is only read when a run needs it (``Network.rpc_url()``).
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ingestion.access_config import AccessConfig
from ingestion.chart_of_accounts import ChartOfAccounts
from ingestion.contract_locations import ContractLocation, check_contract_locations
from ingestion.counterparties import Counterparty, check_counterparties
from ingestion.files.config import FilesConfig
from ingestion.freeze_config import FreezeConfig
from ingestion.liquidity import LiquidityConfig
from ingestion.quality_config import QualityConfig
from ingestion.reconciliation_config import ReconciliationConfig
from ingestion.retention import RetentionConfig
from ingestion.risk_config import RiskConfig
from ingestion.valuation import ValuationConfig
from ingestion.warehouse_config import WarehouseConfig

ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")

Ownership = Literal["operating", "client"]
WalletControl = Literal["eoa", "safe", "other_contract"]
Purpose = Literal["hot", "cold", "buffer", "deposit", "omnibus", "treasury", "payout", "other"]


class ConfigError(ValueError):
    """The configuration cannot be used; the message names the file, the key and the fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _address(value: str) -> str:
    if not isinstance(value, str) or not ADDRESS_RE.match(value):
        raise ValueError(
            f"expected a 0x-prefixed 20-byte hex address (42 characters), got {value!r}"
        )
    return value.lower()


class Token(_Strict):
    address: str = Field(description="ERC-20 contract address of the USD1 token on this network")
    symbol: str = Field(min_length=1, max_length=16)
    decimals: int = Field(ge=0, le=18)
    freeze: FreezeConfig | None = None  # issuer freezes: view and events (freeze_config.py)

    _check_address = field_validator("address", mode="before")(_address)


class Network(_Strict):
    name: str = Field(description="short lower-case name used in partitions and marts")
    chain_id: int = Field(gt=0)
    rpc_url_env: str = Field(description="name of the environment variable holding the RPC URL")
    confirmations: int = Field(ge=0, description="blocks behind the head before a block is final")
    start_block: int = Field(default=0, ge=0, description="no token activity before this block")
    token: Token
    max_block_range: int = Field(default=10_000, gt=0, description="blocks per eth_getLogs call")
    finality: Literal["confirmations", "safe", "finalized"] = Field(
        default="confirmations",
        description="what makes a block final: `confirmations` deep below the head, or the "
        "node's `safe` / `finalized` block tag",
    )
    log_reads: int = Field(
        default=2,
        ge=1,
        le=5,
        description="identical eth_getLogs answers needed before a block window is accepted "
        "(a second read detects a provider's short or inconsistent answer)",
    )
    rpc_batch_size: int = Field(
        default=16, ge=1, le=500, description="JSON-RPC calls sent in one HTTP batch"
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not NAME_RE.match(value):
            raise ValueError(f"expected lower-case letters, digits, '-' or '_', got {value!r}")
        return value

    @field_validator("rpc_url_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", value):
            raise ValueError(
                f"expected the NAME of an environment variable (not the URL itself), got {value!r}"
            )
        return value

    def rpc_url(self) -> str:
        """The RPC URL from the environment. Never log the return value."""
        url = os.environ.get(self.rpc_url_env, "").strip()
        if not url:
            raise ConfigError(
                f"networks[{self.name}].rpc_url_env: environment variable {self.rpc_url_env} "
                "is not set or empty; export it with the node's JSON-RPC URL"
            )
        return url


class Entity(_Strict):
    id: str
    name: str

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not NAME_RE.match(value):
            raise ValueError(f"expected lower-case letters, digits, '-' or '_', got {value!r}")
        return value


class Wallet(_Strict):
    address: str
    network: str
    entity: str
    label: str = Field(min_length=1)
    purpose: Purpose
    custody_provider: str = Field(min_length=1, description="who holds the keys: 'self' or a firm")
    ownership: Ownership
    control: WalletControl | None = Field(
        default=None,
        description="what the registry says controls the address on chain: a single key "
        "(eoa), a Safe multisig (safe) or another contract; marts.wallet_control compares it "
        "with what the chain says (omitted: no claim, nothing compared)",
    )

    _check_address = field_validator("address", mode="before")(_address)


class Paths(_Strict):
    data_dir: Path = Path("data")
    warehouse: Path | None = None
    dagster_home: Path | None = None
    reports_dir: Path | None = None


class Config(_Strict):
    reporting_timezone: str
    start_date: date = Field(description="first day (in the reporting time zone) to build")
    paths: Paths = Paths()
    entities: list[Entity] = Field(min_length=1)
    networks: list[Network] = Field(min_length=1)
    wallets: list[Wallet] = Field(min_length=1)
    files: FilesConfig = FilesConfig()  # off-chain file sources (ingestion/files/config.py)
    valuation: ValuationConfig = ValuationConfig()  # prices, cost, basis (ingestion/valuation.py)
    quality: QualityConfig = QualityConfig()  # quality suites' thresholds (quality_config.py)
    reconciliation: ReconciliationConfig = ReconciliationConfig()  # reconciliation_config.py
    contract_locations: list[ContractLocation] = []  # locked in a contract (contract_locations.py)
    counterparties: list[Counterparty] = []  # known external addresses (counterparties.py)
    risk: RiskConfig = RiskConfig()  # limits, withdrawal shock, health (ingestion/risk_config.py)
    access: AccessConfig = AccessConfig()  # roles of the users (ingestion/access_config.py)
    liquidity: LiquidityConfig = LiquidityConfig()  # horizons to cash (ingestion/liquidity.py)
    retention: RetentionConfig = RetentionConfig()  # terms of files, personal data (retention.py)
    chart_of_accounts: ChartOfAccounts = ChartOfAccounts()  # journal (chart_of_accounts.py)
    warehouse: WarehouseConfig = WarehouseConfig()  # engine of the marts (warehouse_config.py)

    # Set by load_config: the folder relative paths are resolved against.
    base_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("reporting_timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown IANA time zone {value!r} (e.g. 'UTC', 'Europe/London')"
            ) from exc
        return value

    @model_validator(mode="after")
    def _references(self) -> Config:
        entity_ids = [e.id for e in self.entities]
        network_names = [n.name for n in self.networks]
        for label, values in (("entities[].id", entity_ids), ("networks[].name", network_names)):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"{label}: duplicate values {dupes}")
        chain_ids = [n.chain_id for n in self.networks]
        if len(set(chain_ids)) != len(chain_ids):
            raise ValueError(f"networks[].chain_id: duplicate chain ids {chain_ids}")
        seen: set[tuple[str, str]] = set()
        for i, wallet in enumerate(self.wallets):
            if wallet.network not in network_names:
                raise ValueError(
                    f"wallets[{i}].network: {wallet.network!r} is not a configured network "
                    f"(known: {network_names})"
                )
            if wallet.entity not in entity_ids:
                raise ValueError(
                    f"wallets[{i}].entity: {wallet.entity!r} is not a configured entity "
                    f"(known: {entity_ids})"
                )
            key = (wallet.network, wallet.address)
            if key in seen:
                raise ValueError(
                    f"wallets[{i}].address: {wallet.address} is listed twice on {wallet.network}"
                )
            seen.add(key)
        return self

    @model_validator(mode="after")
    def _files_references(self) -> Config:
        self.files.check_references([e.id for e in self.entities], self.network_names)
        self.valuation.check_references(
            [e.id for e in self.entities],
            [(s.source, s.asset) for s in self.files.prices.series],
            self.files.prices.principal_source,
        )
        self.risk.check_references([e.id for e in self.entities], self.network_names)
        check_contract_locations(
            self.contract_locations, [(w.network, w.address) for w in self.wallets]
        )
        check_counterparties(self.counterparties, self.network_names, self.own_addresses)
        self.chart_of_accounts.check_references([e.id for e in self.entities])
        return self

    # ---- derived paths -------------------------------------------------------------------
    def _resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else (self.base_dir / path).resolve()

    @property
    def data_dir(self) -> Path:
        return self._resolve(self.paths.data_dir)

    @property
    def warehouse_path(self) -> Path:
        return self._resolve(self.paths.warehouse or self.paths.data_dir / "warehouse.duckdb")

    @property
    def spark_dir(self) -> Path:
        """Spark's tables and metastore (engine spark): <data_dir>/spark."""
        return self._resolve(self.paths.data_dir / "spark")

    @property
    def raw_parquet_root(self) -> str:
        """Where Spark reads the raw Parquet: warehouse.raw_root, else <data_dir>/spark/raw."""
        return self.warehouse.raw_root or str(self.spark_dir / "raw")

    @property
    def spark_marts_dir(self) -> Path:
        """The Spark marts' Parquet tables (one folder per mart)."""
        return self.spark_dir / "tables" / "marts.db"

    @property
    def dagster_home(self) -> Path:
        return self._resolve(self.paths.dagster_home or self.paths.data_dir / "dagster")

    @property
    def reports_dir(self) -> Path:
        return self._resolve(self.paths.reports_dir or self.paths.data_dir / "reports")

    @property
    def landing_dir(self) -> Path:
        return self._resolve(
            self.files.landing_dir
            if self.files.landing_dir.is_absolute()
            else self.paths.data_dir / self.files.landing_dir
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.reporting_timezone)

    def network(self, name: str) -> Network:
        for network in self.networks:
            if network.name == name:
                return network
        raise ConfigError(f"networks: no network named {name!r} (known: {self.network_names})")

    @property
    def network_names(self) -> list[str]:
        return [n.name for n in self.networks]

    @property
    def own_addresses(self) -> set[tuple[str, str]]:
        """(network, lower-case address) of every registry wallet and every custodian or
        exchange account address."""
        own = {(w.network, w.address) for w in self.wallets}
        for account in (*self.files.custodian_accounts, *self.files.exchange_accounts):
            if account.address:
                own.add((account.network, account.address.lower()))
        return own

    def wallets_on(self, network: str) -> list[Wallet]:
        return [w for w in self.wallets if w.network == network]

    def check_environment(self) -> None:
        """Fail early, naming the variable, when an RPC URL is not in the environment."""
        for network in self.networks:
            network.rpc_url()


def _format_location(loc: tuple) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_config(path: str | Path) -> Config:
    """Read and validate a configuration file; raise ConfigError naming the file and key."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of keys at the top level")
    try:
        return Config.model_validate({**data, "base_dir": path.resolve().parent})
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = _format_location(err["loc"]) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "missing":
                msg = "required key is missing"
            elif err["type"] == "extra_forbidden":
                msg = "unknown key (check its spelling)"
            problems.append(f"  {key}: {msg}")
        raise ConfigError(f"{path}: invalid configuration\n" + "\n".join(problems)) from None
