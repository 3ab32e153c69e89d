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
BUILTIN_ALIASES = {"ZUSD": "USD", "ZEUR": "EUR", "XXBT": "BTC", "XBT": "BTC", "XETH": "ETH"}
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
        if self.source.layout:
            return self.config.files.layout(self.source.layout).provider
        return self.source.adapter

    def asset(self, code: str) -> str:
        code = code.strip()
        aliases = self.config.files.asset_aliases
        return aliases.get(code) or BUILTIN_ALIASES.get(code) or code.upper()

    def token_decimals(self, network: str, asset: str) -> int | None:
        """Decimals of the configured token on ``network`` if ``asset`` is that token."""
        for net in self.config.networks:
            if net.name == network and net.token.symbol == asset:
                return net.token.decimals
        return None

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
