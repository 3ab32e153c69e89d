"""Configuration of the off-chain file sources: landing folders, accounts, layouts, prices.

It is the `files:` section of the usd1inv configuration (see `ingestion.config.Config`). Every
error names its key (`files.sources[2].account`). The accounts registry says, for every
custodian and exchange account and every ledger account, which entity owns it, whose money it
holds (ownership), on which network and for what purpose; a file that names an account not in
this registry is quarantined.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# the same vocabulary as ingestion.config (kept here to avoid a circular import)
NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
Ownership = Literal["operating", "client"]
Purpose = Literal[
    "hot",
    "cold",
    "buffer",
    "deposit",
    "omnibus",
    "treasury",
    "payout",
    "trading",
    "settlement",
    "other",
]

# adapter name -> (kind, whether a file names its own account)
ADAPTERS: dict[str, str] = {
    "fireblocks": "custodian",
    "bitgo": "custodian",
    "coinbase_prime": "custodian",
    "canonical_custodian": "custodian",
    "kraken": "exchange",
    "coinbase": "exchange",
    "binance": "exchange",
    "internal_ledger": "ledger",
    "coingecko": "prices",
    "coinmarketcap": "prices",
}
KINDS = ("custodian", "exchange", "ledger", "prices")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _name(value: str) -> str:
    if not NAME_RE.match(value):
        raise ValueError(f"expected lower-case letters, digits, '-' or '_', got {value!r}")
    return value


def _optional_address(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not ADDRESS_RE.match(value):
        raise ValueError(f"expected a 0x-prefixed 20-byte hex address, got {value!r}")
    return value.lower()


class CustodianAccount(_Strict):
    """An account (vault, wallet, portfolio) the operator holds at a custodian."""

    id: str = Field(description="our id for the account, used in marts as location_id")
    provider: str = Field(description="the custodian, e.g. fireblocks, bitgo, coinbase_prime")
    external_id: str = Field(min_length=1, description="the custodian's id in its files")
    entity: str
    ownership: Ownership
    network: str
    purpose: Purpose
    address: str | None = Field(default=None, description="on-chain deposit address, if any")

    _check_id = field_validator("id", "provider")(_name)
    _check_address = field_validator("address", mode="before")(_optional_address)


class ExchangeAccount(_Strict):
    """An account the operator holds at an exchange."""

    id: str
    venue: str = Field(description="the exchange, e.g. kraken, coinbase, binance")
    external_id: str | None = Field(
        default=None, description="the venue's account/user id where its files carry one"
    )
    entity: str
    ownership: Ownership
    network: str
    purpose: Purpose
    address: str | None = Field(default=None, description="our deposit address at the venue")

    _check_id = field_validator("id", "venue")(_name)
    _check_address = field_validator("address", mode="before")(_optional_address)


class LedgerAccount(_Strict):
    """An account of the operator's own books (its platform database)."""

    id: str = Field(description="the account id exactly as the ledger export writes it")
    entity: str
    owner_type: Ownership = Field(description="client (a liability to customers) or operating")
    location_id: str | None = Field(
        default=None,
        description="where the account's tokens sit: a wallet address or a custodian/exchange "
        "account id",
    )

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$", value):
            raise ValueError(f"expected letters, digits and _ . : / -, got {value!r}")
        return value


class CanonicalLayout(_Strict):
    """How to read one custodian's statement CSV in the canonical shape: which column holds
    which field, and the file's conventions. A new custodian needs only one of these."""

    name: str
    provider: str = Field(description="the custodian; accounts are looked up by its external_id")
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    encoding: Literal["utf-8", "utf-16"] = Field(
        default="utf-8", description="utf-8 (a BOM is accepted) or utf-16 (Excel 'Unicode Text')"
    )
    timestamp_format: str = Field(
        default="iso", description="'iso' (ISO-8601) or a strptime format such as %d/%m/%Y %H:%M"
    )
    timezone: str | None = Field(
        default=None,
        description="IANA zone for timestamps written without an offset; without it, such "
        "timestamps are rejected",
    )
    thousands_separator: bool = Field(default=False, description="accept 1,234.50")
    negative_parentheses: bool = Field(default=False, description="accept (1,234.50) as negative")
    scientific_notation: bool = Field(default=False, description="accept 1.5E+3")
    columns: dict[str, str] = Field(
        description="field -> column header; fields: account, as_of, asset, balance (required), "
        "available, pending, frozen, locked (optional)"
    )

    _check_name = field_validator("name", "provider")(_name)

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str]) -> dict[str, str]:
        required = {"account", "as_of", "asset", "balance"}
        known = required | {"available", "pending", "frozen", "locked"}
        missing = sorted(required - value.keys())
        if missing:
            raise ValueError(f"missing required field(s) {missing} (map each to a column header)")
        unknown = sorted(value.keys() - known)
        if unknown:
            raise ValueError(f"unknown field(s) {unknown}; known: {sorted(known)}")
        headers = list(value.values())
        dupes = sorted({h for h in headers if headers.count(h) > 1})
        if dupes:
            raise ValueError(f"column header(s) {dupes} mapped to more than one field")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        if value is not None:
            from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value


class PriceSeries(_Strict):
    """Which asset a price vendor's file holds: the vendors' CSVs do not name the coin in their
    rows, so the file name (a glob pattern) says it."""

    source: str
    asset: str = Field(min_length=1)
    file_pattern: str = Field(min_length=1, description="glob on the file name, e.g. usd1-usd-*")

    _check_source = field_validator("source")(_name)


class Prices(_Strict):
    principal_source: str | None = Field(
        default=None, description="the principal market's source, used for fair value"
    )
    series: list[PriceSeries] = []


class LandingSource(_Strict):
    """One landing folder, `<landing_dir>/<name>/`, read with one adapter."""

    name: str
    adapter: str
    account: str | None = Field(
        default=None,
        description="our account id for every file here, for formats that do not name the "
        "account (e.g. Kraken ledgers)",
    )
    provider: str | None = Field(
        default=None,
        description="custodian/venue whose accounts the files name (default: the adapter's)",
    )
    layout: str | None = Field(default=None, description="canonical_layouts[].name to apply")

    _check_name = field_validator("name")(_name)

    @field_validator("adapter")
    @classmethod
    def _adapter(cls, value: str) -> str:
        if value not in ADAPTERS:
            raise ValueError(f"unknown adapter {value!r}; known: {sorted(ADAPTERS)}")
        return value

    @property
    def kind(self) -> str:
        return ADAPTERS[self.adapter]


class FilesConfig(_Strict):
    landing_dir: Path = Field(
        default=Path("landing"), description="relative paths are under paths.data_dir"
    )
    pseudonym_key_env: str = Field(
        default="USD1INV_PSEUDONYM_KEY",
        description="NAME of the environment variable holding the key that pseudonymises "
        "customer identifiers in ledger files",
    )
    max_file_bytes: int = Field(
        default=1 << 30,
        gt=0,
        description="a landed file larger than this (bytes, default 1 GiB) is quarantined "
        "without being read",
    )
    asset_aliases: dict[str, str] = Field(
        default_factory=dict,
        description="a provider's asset code -> our asset code (e.g. USD1_ERC20: USD1)",
    )
    custodian_accounts: list[CustodianAccount] = []
    exchange_accounts: list[ExchangeAccount] = []
    ledger_accounts: list[LedgerAccount] = []
    canonical_layouts: list[CanonicalLayout] = []
    prices: Prices = Prices()
    sources: list[LandingSource] = []

    @field_validator("pseudonym_key_env")
    @classmethod
    def _env(cls, value: str) -> str:
        if not ENV_RE.match(value):
            raise ValueError(
                f"expected the NAME of an environment variable (not the key itself), got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _internal_references(self) -> FilesConfig:
        for label, values in (
            ("files.custodian_accounts[].id", [a.id for a in self.custodian_accounts]),
            ("files.exchange_accounts[].id", [a.id for a in self.exchange_accounts]),
            ("files.ledger_accounts[].id", [a.id for a in self.ledger_accounts]),
            ("files.canonical_layouts[].name", [c.name for c in self.canonical_layouts]),
            ("files.sources[].name", [s.name for s in self.sources]),
        ):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"{label}: duplicate values {dupes}")
        overlap = {a.id for a in self.custodian_accounts} & {a.id for a in self.exchange_accounts}
        if overlap:
            raise ValueError(f"files: account id(s) {sorted(overlap)} used twice")
        layouts = {c.name for c in self.canonical_layouts}
        custodian_ids = {a.id for a in self.custodian_accounts}
        exchange_ids = {a.id for a in self.exchange_accounts}
        for i, src in enumerate(self.sources):
            key = f"files.sources[{i}]"
            if src.adapter == "canonical_custodian":
                if src.layout not in layouts:
                    raise ValueError(
                        f"{key}.layout: {src.layout!r} is not a configured canonical layout "
                        f"(known: {sorted(layouts)})"
                    )
            elif src.layout is not None:
                raise ValueError(f"{key}.layout: only the canonical_custodian adapter takes one")
            if src.account is not None:
                known = custodian_ids if src.kind == "custodian" else exchange_ids
                if src.kind not in ("custodian", "exchange") or src.account not in known:
                    raise ValueError(
                        f"{key}.account: {src.account!r} is not a configured {src.kind} account "
                        f"(known: {sorted(known) if src.kind in ('custodian', 'exchange') else []})"
                    )
        for i, series in enumerate(self.prices.series):
            if not any(s.adapter == series.source for s in self.sources):
                raise ValueError(
                    f"files.prices.series[{i}].source: no files.sources entry uses adapter "
                    f"{series.source!r}"
                )
        principal = self.prices.principal_source
        if principal is not None and principal not in {s.source for s in self.prices.series}:
            raise ValueError(
                f"files.prices.principal_source: {principal!r} has no files.prices.series"
            )
        return self

    def check_references(self, entities: list[str], networks: list[str]) -> None:
        """Every account's entity and network must be configured at the top level."""
        for label, accounts in (
            ("custodian_accounts", self.custodian_accounts),
            ("exchange_accounts", self.exchange_accounts),
            ("ledger_accounts", self.ledger_accounts),
        ):
            for i, account in enumerate(accounts):
                if account.entity not in entities:
                    raise ValueError(
                        f"files.{label}[{i}].entity: {account.entity!r} is not a configured "
                        f"entity (known: {entities})"
                    )
                network = getattr(account, "network", None)
                if network is not None and network not in networks:
                    raise ValueError(
                        f"files.{label}[{i}].network: {network!r} is not a configured network "
                        f"(known: {networks})"
                    )

    # ---- lookups ---------------------------------------------------------------------------
    def source(self, name: str) -> LandingSource:
        for src in self.sources:
            if src.name == name:
                return src
        raise KeyError(name)

    def layout(self, name: str) -> CanonicalLayout:
        return next(c for c in self.canonical_layouts if c.name == name)

    def sources_of(self, kind: str) -> list[LandingSource]:
        return [s for s in self.sources if s.kind == kind]
