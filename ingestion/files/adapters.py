"""What every adapter shares: the parse context (accounts, aliases, pseudonyms) and its result.

An adapter is a function ``parse(data: bytes, ctx: ParseContext) -> Parsed`` that either returns
every row of the file, typed, or raises ``FileRejected`` naming each bad row, column and reason.
It never returns part of a file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingestion.config import Config
from ingestion.files.config import CustodianAccount, ExchangeAccount, LandingSource
from ingestion.files.problems import FileRejected, Problem, RowErrors

# provider codes that mean a known asset whatever the configuration says
BUILTIN_ALIASES = {
    "ZUSD": "USD", "ZEUR": "EUR", "XXBT": "BTC", "XBT": "BTC", "XETH": "ETH", "ETH2": "ETH",
}  # fmt: skip
# Kraken-like staked / earn variants of an asset (FORMATS.md §2.1): the same asset, held in
# another wallet of the account; the venue's code stays in venue_asset. Longest suffix first.
STAKED_SUFFIXES = ("28.S", "21.S", ".HOLD", ".S", ".M", ".P", ".F", ".B")
# adapters reading a second layout of a venue whose accounts carry the venue's name
VENUE_OF_ADAPTER = {"coinbase_exchange": "coinbase"}
AS_OF_IN_NAME = re.compile(r"(?<![0-9])([0-9]{8}T[0-9]{6}Z)(?![0-9])")


@dataclass
class Parsed:
    """A file's rows, ready for `raw.<table>`; ``rows[i]["row_number"]`` is its data row."""

    table: str
    rows: list[dict[str, Any]]
    statement_key: str
    rows_in: int
    notes: list[str] = field(default_factory=list)


@dataclass
class ParseContext:
    config: Config
    source: LandingSource
    path: Path
    pseudonymise: Callable[[str], str] | None = None

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def provider(self) -> str:
        if self.source.provider:
            return self.source.provider
        files = self.config.files
        if self.source.layout and self.source.adapter == "mapped_exchange":
            return files.exchange_layout(self.source.layout).venue
        if self.source.layout and self.source.adapter == "canonical_balances":
            return files.balance_layout(self.source.layout).venue
        if self.source.layout:
            return files.layout(self.source.layout).provider
        return VENUE_OF_ADAPTER.get(self.source.adapter, self.source.adapter)

    def asset(self, code: str) -> str:
        """Our code for a venue's asset code: ``files.asset_aliases`` first, then the built-in
        aliases, then a staked variant's base (``USD1.S``, ``DOT28.S``, ``XBT.M`` -> the base's
        code), else the code upper-cased."""
        code = code.strip()
        aliases = self.config.files.asset_aliases
        found = aliases.get(code) or BUILTIN_ALIASES.get(code)
        if found:
            return found
        for suffix in STAKED_SUFFIXES:
            base = code[: -len(suffix)]
            if code.upper().endswith(suffix) and base and not base.endswith("."):
                return self.asset(base)
        return code.upper()

    def token_decimals(self, network: str, asset: str) -> int | None:
        """Decimals of the configured token on ``network`` if ``asset`` is that token."""
        for net in self.config.networks:
            if net.name == network and net.token.symbol == asset:
                return net.token.decimals
        return None

    def source_tz(self):
        """The landing source's declared zone for naive timestamps, or None."""
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.source.timezone) if self.source.timezone else None

    def token_symbols(self) -> set[str]:
        """The configured token's symbol on every network."""
        return {net.token.symbol for net in self.config.networks}

    def file_as_of(self) -> datetime | None:
        """The as-of time written in the file name (``..._20261031T235959Z.json``), if any."""
        matches = AS_OF_IN_NAME.findall(self.path.name)
        if len(matches) != 1:
            return None
        return datetime.strptime(matches[0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)

    # ---- accounts ------------------------------------------------------------------------
    def custodian_account(
        self, errors: RowErrors, row: int, column: str, external_id: str | None
    ) -> CustodianAccount | None:
        files = self.config.files
        if self.source.account is not None:
            account = next(a for a in files.custodian_accounts if a.id == self.source.account)
            if external_id not in (None, "", account.external_id):
                errors.add(
                    row,
                    column,
                    external_id,
                    f"this folder holds account {account.id} ({account.external_id}), not this one",
                )
                return None
            return account
        ext = (external_id or "").strip()
        for account in files.custodian_accounts:
            if account.provider == self.provider and account.external_id == ext:
                return account
        errors.add(
            row,
            column,
            external_id,
            f"unknown {self.provider} account: not in files.custodian_accounts",
        )
        return None

    def exchange_account(
        self, errors: RowErrors, row: int, column: str, external_id: str | None
    ) -> ExchangeAccount | None:
        files = self.config.files
        if self.source.account is not None:
            account = next(a for a in files.exchange_accounts if a.id == self.source.account)
            if external_id not in (None, "") and account.external_id not in (None, external_id):
                errors.add(
                    row, column, external_id, f"this folder holds account {account.id}, not this"
                )
                return None
            return account
        ext = (external_id or "").strip()
        for account in files.exchange_accounts:
            if account.venue == self.provider and account.external_id == ext and ext:
                return account
        errors.add(
            row,
            column,
            external_id,
            f"unknown {self.provider} account: not in files.exchange_accounts (or give the "
            "landing source an `account`)",
        )
        return None

    def exchange_wallet_account(
        self, errors: RowErrors, row: int, column: str, user_id: str | None, wallet: str
    ) -> ExchangeAccount | None:
        """The exchange account of a row that names the venue's wallet (Binance statement
        ``Account``): the account of this venue whose ``sub_account`` is that wallet, of the
        login the row's ``user_id`` names (or the landing source's account's login). A wallet no
        configured account names is an error: its rows would otherwise be summed into another
        wallet or lost."""
        files = self.config.files
        candidates = [a for a in files.exchange_accounts if a.venue == self.provider]
        if self.source.account is not None:
            pinned = next(a for a in files.exchange_accounts if a.id == self.source.account)
            candidates = [a for a in candidates if a.external_id == pinned.external_id]
        user = (user_id or "").strip()
        if user:
            candidates = [a for a in candidates if a.external_id in (None, user)]
        wanted = wallet.strip().lower()
        found = [a for a in candidates if (a.sub_account or "").strip().lower() == wanted]
        if len(found) == 1:
            return found[0]
        who = f" of user {user}" if user else ""
        errors.add(
            row,
            column,
            wallet,
            f"no files.exchange_accounts entry of {self.provider}{who} with sub_account "
            f"{wallet.strip()!r}"
            + (": add one (each wallet is its own account)" if not found else " (several)"),
        )
        return None


def exchange_entry(ctx: ParseContext, n: int, account: ExchangeAccount, **values) -> dict:
    """A raw.exchange_entries row with every optional column None unless given."""
    row = {
        "row_number": n,
        "venue": ctx.provider,
        "account_id": account.id,
        "ref_id": None,
        "venue_subtype": None,
        "is_final": True,
        "fee": 0,
        "fee_asset": None,
        "balance": None,
        "price_usd": None,
        "amount_usd": None,
        "network": None,
        "tx_hash": None,
        "address": None,
    }
    row.update(values)
    return row


def custodian_movement(ctx: ParseContext, n: int, account: CustodianAccount, **values) -> dict:
    """A raw.custodian_movements row with every optional column None unless given."""
    row = {
        "row_number": n,
        "provider": ctx.provider,
        "account_id": account.id,
        "external_account_id": account.external_id,
        "status": None,
        "fee": None,
        "amount_usd": None,
        "tx_hash": None,
        "block_height": None,
    }
    row.update(values)
    return row


def content_id(cells: list[str], occurrences: dict[str, int]) -> str:
    """An entry id for a row without one: a hash of its cells, numbered when the same cells
    repeat in the file (two identical rows are two entries, not one)."""
    import hashlib

    digest = hashlib.sha256("\x1f".join(cells).encode()).hexdigest()[:32]
    occurrences[digest] = occurrences.get(digest, 0) + 1
    return f"row:{digest}:{occurrences[digest]}"


def statement_key(ctx: ParseContext, accounts: set[str], times: list[datetime]) -> str:
    """(source, accounts, as-of): the as-of of the file name if it has one, else the period the
    rows cover. Two files with the same key are versions of the same statement."""
    as_of = ctx.file_as_of()
    if as_of is not None:
        span = f"as_of={as_of.isoformat()}"
    elif times:
        span = f"{min(times).isoformat()}..{max(times).isoformat()}"
    else:
        span = "empty"
    return f"{ctx.source.name}|{','.join(sorted(accounts)) or '-'}|{span}"


def empty_file() -> FileRejected:
    """A file with a header and no data rows is rejected: an empty statement is a mistake more
    often than a fact (a zero balance is a row with 0)."""
    return FileRejected([Problem(0, "", None, "the file has a header but no data rows")], 0)


def hex_hash(value: str | None) -> str | None:
    """A 0x-prefixed 32-byte hash, lower-case, or None when the cell is not one."""
    raw = (value or "").strip()
    if re.match(r"^(0x)?[0-9a-fA-F]{64}$", raw):
        return ("0x" + raw.removeprefix("0x")).lower()
    return None


def parse_cell(errors: RowErrors, row: int, column: str, text: Any, parser, *args, **kwargs):
    """Run a cell parser; on CellError record the problem and return None."""
    from ingestion.files.problems import CellError

    try:
        return parser(text, *args, **kwargs)
    except CellError as exc:
        errors.add(row, column, None if text is None else str(text), str(exc))
        return None


def optional_cell(errors: RowErrors, row: int, column: str, text: Any, parser, *args, **kwargs):
    """Like parse_cell, but an empty or missing cell is None, not an error."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return None
    return parse_cell(errors, row, column, text, parser, *args, **kwargs)
