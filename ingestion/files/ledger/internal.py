"""The operator's internal ledger: entries per account exported from its platform database.

Our own layout (CSV, UTF-8, comma-delimited, header by name):

| column | required | meaning |
|---|---|---|
| entry_id | yes | the platform's ledger entry id (dedup key) |
| posted_at | yes | ISO-8601 with Z or an offset |
| account_id | yes | a configured ``files.ledger_accounts[].id`` |
| owner_type | yes | client or operating; must match the account's configured owner_type |
| entry_type | yes | deposit, withdrawal, transfer, trade, fee, adjustment, mint, burn |
| asset | yes | e.g. USD1 |
| amount | yes | signed decimal: + increases the account (client: what the operator owes) |
| customer_id | no | the platform's customer id: **pseudonymised** (keyed HMAC) on load |
| customer_name, customer_email, memo | no | personal data: **never read** into the warehouse |
| counterparty_account_id | no | the other ledger account of a transfer |
| network, tx_hash | no | where the entry has an on-chain leg |

Customer identifiers are replaced by ``c_<hmac>`` before anything is written, and the values of
personal-data columns never appear in quarantine reports either.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingestion.files.adapters import ParseContext, Parsed, empty_file, hex_hash, parse_cell
from ingestion.files.adapters import statement_key as make_key
from ingestion.files.problems import RowErrors
from ingestion.files.text import decode, read_csv, stream_csv
from ingestion.files.values import parse_decimal, parse_iso

REQUIRED = ["entry_id", "posted_at", "account_id", "owner_type", "entry_type", "asset", "amount"]
OPTIONAL = [
    "customer_id",
    "customer_name",
    "customer_email",
    "memo",
    "counterparty_account_id",
    "network",
    "tx_hash",
]
PERSONAL = {"customer_id", "customer_name", "customer_email", "memo"}
ENTRY_TYPES = {"deposit", "withdrawal", "transfer", "trade", "fee", "adjustment", "mint", "burn"}


CHUNK_ROWS = 10_000  # rows handed to the loader at a time when a file is streamed


@dataclass
class StreamState:
    """What a streamed file says once all its rows are read."""

    table: str = "ledger_entries"
    rows_in: int = 0
    statement_key: str = ""


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    table = read_csv(decode(data), delimiter=",", required=REQUIRED, optional=OPTIONAL)
    state = StreamState()
    chunks = _chunks(table.index, iter(table.rows), ctx, state, CHUNK_ROWS)
    rows = [row for chunk in chunks for row in chunk]
    return Parsed(state.table, rows, state.statement_key, state.rows_in)


def stream(
    path: Path, encoding: str, ctx: ParseContext, state: StreamState, chunk_rows: int = CHUNK_ROWS
) -> Iterator[list[dict[str, Any]]]:
    """``parse`` of a file read row by row (issue #14): yields its rows ``chunk_rows`` at a time,
    and ends by raising ``parse``'s very ``FileRejected`` if the file has a problem, or by
    filling ``state`` (rows in, statement key). Nothing is yielded after a row with a problem."""
    header, rows = stream_csv(path, encoding, delimiter=",", required=REQUIRED, optional=OPTIONAL)
    yield from _chunks(header.index, rows, ctx, state, chunk_rows)


def _chunks(
    index: dict[str, int],
    cells_by_row: Iterator[tuple[int, list[str]]],
    ctx: ParseContext,
    state: StreamState,
    chunk_rows: int,
) -> Iterator[list[dict[str, Any]]]:
    accounts_cfg = {a.id: a for a in ctx.config.files.ledger_accounts}
    pseudonymise = ctx.pseudonymise
    errors = RowErrors()
    rows: list[dict[str, Any]] = []
    accounts: set[str] = set()
    first = last = None  # the earliest and latest posted_at
    seen: dict[str, int] = {}
    rows_in = 0
    for n, cells in cells_by_row:
        rows_in += 1
        get = lambda c, cells=cells: cells[index[c]] if c in index else None  # noqa: E731
        entry_id = (get("entry_id") or "").strip()
        account_id = (get("account_id") or "").strip()
        owner_type = (get("owner_type") or "").strip()
        entry_type = (get("entry_type") or "").strip().lower()
        asset = (get("asset") or "").strip()
        when = parse_cell(errors, n, "posted_at", get("posted_at"), parse_iso)
        amount = parse_cell(errors, n, "amount", get("amount"), parse_decimal)
        account = accounts_cfg.get(account_id)
        if not entry_id:
            errors.add(n, "entry_id", "", "empty")
        elif entry_id in seen:
            errors.add(n, "entry_id", entry_id, f"repeats row {seen[entry_id]}")
        else:
            seen[entry_id] = n
        if account is None:
            errors.add(n, "account_id", account_id, "not in files.ledger_accounts")
        elif owner_type != account.owner_type:
            errors.add(
                n,
                "owner_type",
                owner_type,
                f"account {account_id} is configured as {account.owner_type}",
            )
        if entry_type not in ENTRY_TYPES:
            errors.add(n, "entry_type", get("entry_type"), f"expected one of {sorted(ENTRY_TYPES)}")
        if not asset:
            errors.add(n, "asset", "", "empty")
        raw_hash = (get("tx_hash") or "").strip()
        tx_hash = hex_hash(raw_hash) if raw_hash else None
        if raw_hash and tx_hash is None:
            errors.add(n, "tx_hash", raw_hash, "expected a 0x-prefixed 32-byte hex hash")
        counterparty = (get("counterparty_account_id") or "").strip() or None
        if counterparty is not None and counterparty not in accounts_cfg:
            errors.add(n, "counterparty_account_id", counterparty, "not in files.ledger_accounts")
        customer = (get("customer_id") or "").strip()
        if account is None or when is None or amount is None:
            continue
        if customer and pseudonymise is None:  # pragma: no cover - the loader always sets it
            raise RuntimeError("ledger files need a pseudonymiser")
        accounts.add(account.id)
        first = when if first is None or when < first else first
        last = when if last is None or when > last else last
        if errors.problems:
            rows.clear()  # the file is rejected: its rows are not kept
            continue
        rows.append(
            {
                "row_number": n,
                "entry_id": entry_id,
                "account_id": account.id,
                "owner_type": account.owner_type,
                "entity": account.entity,
                "entry_type": entry_type,
                "asset": ctx.asset(asset),
                "amount": amount,
                "posted_at": when,
                "customer_ref": pseudonymise(customer) if customer and pseudonymise else None,
                "counterparty_account_id": counterparty,
                "network": (get("network") or "").strip() or None,
                "tx_hash": tx_hash,
            }
        )
        if len(rows) >= chunk_rows:
            yield rows
            rows = []
    if not rows_in:
        raise empty_file()
    errors.raise_if_any(rows_in)
    if rows:
        yield rows
    times = [t for t in (first, last) if t is not None]
    state.rows_in = rows_in
    state.statement_key = make_key(ctx, accounts, times)
