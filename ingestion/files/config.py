"""Configuration of the off-chain file sources: landing folders, accounts, layouts, prices.

It is the `files:` section of the usd1inv configuration (see `ingestion.config.Config`). Every
error names its key (`files.sources[2].account`). The accounts registry says, for every
custodian and exchange account and every ledger account, which entity owns it, whose money it
holds (ownership), on which network and for what purpose; a file that names an account not in
this registry is quarantined.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
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
    "bitstamp": "exchange",
    "gemini": "exchange",
    "okx": "exchange",
    "coinbase_exchange": "exchange",
    "mapped_exchange": "exchange",
    "canonical_balances": "exchange",
    "anchorage": "custodian",
    "copper": "custodian",
    "fordefi": "custodian",
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


class OpeningBalance(_Strict):
    """What an exchange account held of an asset at a time, from a source outside the files (a
    statement, a screenshot, the venue's support): the anchor of the account's positions when
    its export layout has no running balance and no balances file covers it. The balance is
    after every entry at or before `as_of`; positions roll forward and backward from it."""

    asset: str = Field(min_length=1, description="our asset code (after asset_aliases)")
    amount: Decimal = Field(description='exact decimal string, e.g. "1250.5" (token units)')
    as_of: datetime = Field(description="ISO-8601 time with an offset, e.g. 2026-10-01T00:00Z")
    source: str = Field(min_length=1, description="where the figure comes from (free text)")

    @field_validator("amount", mode="before")
    @classmethod
    def _exact(cls, value: object) -> object:
        if not isinstance(value, str):
            raise ValueError(
                f'write the amount as a quoted decimal string (e.g. "1250.5"), got {value!r}'
            )
        return value

    @field_validator("amount")
    @classmethod
    def _fits(cls, value: Decimal) -> Decimal:
        exponent = value.as_tuple().exponent
        if not isinstance(exponent, int) or exponent < -18 or abs(value) >= Decimal(10) ** 20:
            raise ValueError(f"expected at most 18 decimals and 20 integer digits, got {value}")
        if value < 0:
            raise ValueError(f"an opening balance cannot be negative, got {value}")
        return value

    @field_validator("as_of")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError(f"give the time with its offset (e.g. ...Z or +02:00), got {value}")
        return value


class ExchangeAccount(_Strict):
    """An account the operator holds at an exchange."""

    id: str
    venue: str = Field(description="the exchange, e.g. kraken, coinbase, binance")
    external_id: str | None = Field(
        default=None, description="the venue's account/user id where its files carry one"
    )
    sub_account: str | None = Field(
        default=None,
        min_length=1,
        description="the wallet inside the venue login as the venue's files name it (Binance "
        "statement `Account`: Spot, Funding, USD-MFutures, ...; Kraken `wallet`: spot / main, "
        "earn / flexible, ...); rows of a wallet no account names reject the file",
    )
    entity: str
    ownership: Ownership
    network: str
    purpose: Purpose
    address: str | None = Field(default=None, description="our deposit address at the venue")
    opening_balances: list[OpeningBalance] = Field(
        default_factory=list,
        description="anchors of the account's positions (amount, asset, as_of, source) where "
        "its exports carry no running balance and no balances file covers it",
    )

    _check_id = field_validator("id", "venue")(_name)

    @field_validator("opening_balances")
    @classmethod
    def _one_per_time(cls, value: list[OpeningBalance]) -> list[OpeningBalance]:
        keys = [(o.asset, o.as_of) for o in value]
        dupes = sorted({f"{a} at {t.isoformat()}" for a, t in keys if keys.count((a, t)) > 1})
        if dupes:
            raise ValueError(f"more than one opening balance for {dupes}")
        return value

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


def _columns_check(value: dict[str, str], required: set[str], optional: set[str]) -> dict[str, str]:
    missing = sorted(required - value.keys())
    if missing:
        raise ValueError(f"missing required field(s) {missing} (map each to a column header)")
    unknown = sorted(value.keys() - required - optional)
    if unknown:
        raise ValueError(f"unknown field(s) {unknown}; known: {sorted(required | optional)}")
    headers = list(value.values())
    dupes = sorted({h for h in headers if headers.count(h) > 1})
    if dupes:
        raise ValueError(f"column header(s) {dupes} mapped to more than one field")
    return value


class _FileConventions(_Strict):
    """How a CSV of a mapped layout is written: delimiter, encoding, times and numbers."""

    name: str
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

    _check_name = field_validator("name")(_name)

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


class CanonicalLayout(_FileConventions):
    """How to read one custodian's statement CSV in the canonical shape: which column holds
    which field, and the file's conventions. A new custodian needs only one of these."""

    provider: str = Field(description="the custodian; accounts are looked up by its external_id")
    columns: dict[str, str] = Field(
        description="field -> column header; fields: account, as_of, asset, balance (required), "
        "available, pending, frozen, locked (optional)"
    )

    _check_provider = field_validator("provider")(_name)

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str]) -> dict[str, str]:
        return _columns_check(
            value,
            {"account", "as_of", "asset", "balance"},
            {"available", "pending", "frozen", "locked"},
        )


EntryType = Literal["deposit", "withdrawal", "trade", "fee", "transfer", "other"]
EXCHANGE_FIELDS_REQUIRED = {"entry_id", "occurred_at", "amount"}
EXCHANGE_FIELDS_OPTIONAL = {
    "account", "asset", "type", "subtype", "direction", "fee", "fee_asset", "balance",
    "ref_id", "status", "network", "tx_hash", "address",
}  # fmt: skip


class Directions(_Strict):
    """The values of a direction column: which mean money in, which money out."""

    in_values: list[str] = Field(alias="in", min_length=1)
    out_values: list[str] = Field(alias="out", min_length=1)

    @model_validator(mode="after")
    def _disjoint(self) -> Directions:
        both = sorted({v.lower() for v in self.in_values} & {v.lower() for v in self.out_values})
        if both:
            raise ValueError(f"value(s) {both} are both in and out")
        return self


class ExchangeLayout(_FileConventions):
    """How to read one venue's ledger/transaction CSV into raw.exchange_entries: a venue
    without an adapter is this configuration, not code (adapter ``mapped_exchange``)."""

    venue: str = Field(description="the exchange; accounts are looked up by venue + external_id")
    columns: dict[str, str] = Field(
        description="field -> column header; required: entry_id, occurred_at, amount; optional: "
        "account, asset, type, subtype, direction, fee, fee_asset, balance, ref_id, status, "
        "network, tx_hash, address"
    )
    asset: str | None = Field(
        default=None, min_length=1, description="the one asset of every row, when no asset column"
    )
    sign: Literal["signed", "direction"] = Field(
        description="'signed': amount carries its sign (+ in, - out); 'direction': amount is "
        "unsigned and the direction column says in or out"
    )
    directions: Directions | None = Field(
        default=None, description="with sign: direction, the direction column's in/out values"
    )
    fee_in_amount: bool = Field(
        default=False,
        description="the amount already includes the fee (balance change = amount); by default "
        "the fee is charged in addition (balance change = amount - fee)",
    )
    fee_negative: bool = Field(
        default=False, description="the fee column is written as a negative number"
    )
    types: dict[str, EntryType] = Field(
        default_factory=dict,
        description="type column value -> deposit | withdrawal | trade | fee | transfer | other",
    )
    default_type: EntryType | None = Field(
        default=None,
        description="entry type of type values not in `types` (without it they reject the file)",
    )
    final_statuses: list[str] = Field(
        default_factory=list,
        description="status column values that mean final (the others load as not final)",
    )
    newest_first: bool = Field(
        default=False,
        description="rows are newest first (the running balance is checked in time order)",
    )

    _check_venue = field_validator("venue")(_name)

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str]) -> dict[str, str]:
        return _columns_check(value, EXCHANGE_FIELDS_REQUIRED, EXCHANGE_FIELDS_OPTIONAL)

    @model_validator(mode="after")
    def _consistent(self) -> ExchangeLayout:
        cols = self.columns
        if ("asset" in cols) == (self.asset is not None):
            raise ValueError("give exactly one of columns.asset and asset (a fixed asset)")
        if self.sign == "direction" and ("direction" not in cols or self.directions is None):
            raise ValueError("sign: direction needs columns.direction and directions {in, out}")
        if self.sign == "signed" and ("direction" in cols or self.directions is not None):
            raise ValueError("sign: signed takes no direction column or directions")
        if ("status" in cols) != bool(self.final_statuses):
            raise ValueError("columns.status and final_statuses go together")
        if ("type" in cols) != bool(self.types or self.default_type):
            raise ValueError(
                "columns.type needs types (and/or default_type); without a type column give neither"
            )
        if "fee_asset" in cols and "fee" not in cols:
            raise ValueError("columns.fee_asset needs columns.fee")
        return self


class BalanceLayout(_FileConventions):
    """How to read a balances CSV (one row per account x asset as of a time) into
    raw.exchange_balances: the anchors of exchange accounts (adapter ``canonical_balances``)."""

    venue: str = Field(description="the exchange; accounts are looked up by venue + external_id")
    columns: dict[str, str] = Field(
        description="field -> column header; required: asset and balance, or asset, available "
        "and locked; optional: account, as_of (else the file name's _YYYYMMDDTHHMMSSZ), "
        "available, locked"
    )

    _check_venue = field_validator("venue")(_name)

    @field_validator("columns")
    @classmethod
    def _columns(cls, value: dict[str, str]) -> dict[str, str]:
        value = _columns_check(value, {"asset"}, {"account", "as_of", "balance", "available",
                                                  "locked"})  # fmt: skip
        if "balance" not in value and not {"available", "locked"} <= value.keys():
            raise ValueError("map balance, or both available and locked (balance = their sum)")
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
    timezone: str | None = Field(
        default=None,
        description="IANA zone of the timestamps this folder's files write without a zone "
        "(Bitstamp legacy, OKX); without it such timestamps are rejected",
    )
    layout: str | None = Field(
        default=None,
        description="the layout to apply: canonical_layouts[].name (canonical_custodian), "
        "exchange_layouts[].name (mapped_exchange) or balance_layouts[].name (canonical_balances)",
    )

    _check_name = field_validator("name")(_name)
    _check_tz = field_validator("timezone")(_FileConventions._tz.__func__)

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
    exchange_layouts: list[ExchangeLayout] = []
    balance_layouts: list[BalanceLayout] = []
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
            ("files.exchange_layouts[].name", [c.name for c in self.exchange_layouts]),
            ("files.balance_layouts[].name", [c.name for c in self.balance_layouts]),
            ("files.sources[].name", [s.name for s in self.sources]),
        ):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"{label}: duplicate values {dupes}")
        overlap = {a.id for a in self.custodian_accounts} & {a.id for a in self.exchange_accounts}
        if overlap:
            raise ValueError(f"files: account id(s) {sorted(overlap)} used twice")
        wallets = [(a.venue, a.external_id, a.sub_account) for a in self.exchange_accounts]
        dupes = sorted({str(w) for w in wallets if w[2] is not None and wallets.count(w) > 1})
        if dupes:
            raise ValueError(
                f"files.exchange_accounts: two accounts for the same (venue, external_id, "
                f"sub_account) {dupes}"
            )
        layouts = {
            "canonical_custodian": ("canonical_layouts", {c.name for c in self.canonical_layouts}),
            "mapped_exchange": ("exchange_layouts", {c.name for c in self.exchange_layouts}),
            "canonical_balances": ("balance_layouts", {c.name for c in self.balance_layouts}),
        }
        custodian_ids = {a.id for a in self.custodian_accounts}
        exchange_ids = {a.id for a in self.exchange_accounts}
        for i, src in enumerate(self.sources):
            key = f"files.sources[{i}]"
            if src.adapter in layouts:
                label, names = layouts[src.adapter]
                if src.layout not in names:
                    raise ValueError(
                        f"{key}.layout: {src.layout!r} is not a configured {label} entry "
                        f"(known: {sorted(names)})"
                    )
            elif src.layout is not None:
                raise ValueError(
                    f"{key}.layout: only the {', '.join(sorted(layouts))} adapters take one"
                )
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

    def exchange_layout(self, name: str) -> ExchangeLayout:
        return next(c for c in self.exchange_layouts if c.name == name)

    def balance_layout(self, name: str) -> BalanceLayout:
        return next(c for c in self.balance_layouts if c.name == name)

    def sources_of(self, kind: str) -> list[LandingSource]:
        return [s for s in self.sources if s.kind == kind]
