"""Binance crypto deposit / withdrawal history (CSV), v1 and v2 layouts, and the Transaction
History statement; the layout is told by the header.

Statement (FORMATS.md §2.4): ``User_ID, UTC_Time, Account, Operation, Coin, Change, Remark``
(``User_ID`` absent in some files). One row per balance change, ``Change`` signed, times UTC
(``YYYY-MM-DD HH:MM:SS``), no running balance, no entry id, no tx hash. Each ``Account``
(Spot, Funding, USD-MFutures, ...) is a wallet of its own: a row's account is the
``files.exchange_accounts`` entry of venue binance whose ``sub_account`` is the row's
``Account`` (and whose ``external_id`` is the row's ``User_ID`` when both are given; with a
landing ``account``, one of that account's login). A row of a wallet no account names rejects
the file, naming the wallet. ``Operation`` -> entry type: deposits (Deposit, Fiat Deposit),
withdrawals (Withdraw, Fiat Withdraw, Send), trades (Buy, Sell, Transaction Buy / Spend / Sold /
Revenue / Related, Binance Convert, Small assets exchange BNB, Large OTC trading), fees (Fee,
Transaction Fee, Funding Fee: their own rows, negative), transfers between wallets (any
operation naming a transfer, Simple Earn subscriptions and redemptions), anything else other.
The entry id is a hash of the row's cells (numbered when identical rows repeat), so the
same row in two overlapping exports is one entry; ``ref_id`` is the row's time (the legs of a
trade share it).

Deposit / withdrawal history:

Layout (FORMATS.md §2.4): v2 deposits ``Date(UTC+0), Coin, Network, Amount, Address, TXID,
Status``, v2 withdrawals the same with ``Fee`` after ``Amount``; v1 ``Date(UTC), Coin, Network,
Amount, TransactionFee, Address, TXID, SourceAddress, PaymentID, Status`` for both (also without
``Network``). The **time zone is in the header** (``Date(UTC+8)``: the offset applies to every
row; ``Date(UTCnull)`` or a plain ``Date`` is rejected, since the zone is then unknown). Dates
may have a two-digit year (``24-01-31 …``, read as 20xx). Whether a file holds deposits or
withdrawals: the file name must contain ``deposit`` or ``withdraw``; for v2 files without either
word, a ``Fee`` column means withdrawals. Only ``Status = Completed`` rows are final. ``TXID`` is
the chain hash (kept when it is one; Binance-internal transfers carry a label instead); the
entry id is ``<deposit|withdrawal>:<network>:<TXID>`` (or a content hash when TXID is not a
hash). Binance gives no account id in these files: the landing source's ``account`` does.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC

from ingestion.files.adapters import (
    ParseContext,
    Parsed,
    content_id,
    empty_file,
    exchange_entry,
    hex_hash,
    optional_cell,
    parse_cell,
    statement_key,
)
from ingestion.files.problems import CellError, FileRejected, Problem, RowErrors
from ingestion.files.text import decode, read_csv
from ingestion.files.values import NumberStyle, offset_from_label, parse_decimal, parse_format

REQUIRED = ["Coin", "Amount", "Address", "TXID", "Status"]
OPTIONAL = ["Network", "Fee", "TransactionFee", "SourceAddress", "PaymentID"]
DATE_PREFIX = "Date("
FINAL = {"completed"}
EXPONENT = NumberStyle(exponent=True)  # statement cells such as 1E-8 (tiny dust changes)


def _time(text: str | None, tz):
    raw = (text or "").strip()
    short = re.match(r"^[0-9]{2}-[0-9]{2}-[0-9]{2} ", raw)
    fmt = "%y-%m-%d %H:%M:%S" if short else "%Y-%m-%d %H:%M:%S"
    return parse_format(raw, fmt, tz)


def _direction(ctx: ParseContext, rows_in: int) -> str:
    name = ctx.file_name.lower()
    if "deposit" in name and "withdraw" not in name:
        return "deposit"
    if "withdraw" in name and "deposit" not in name:
        return "withdrawal"
    raise FileRejected(
        [
            Problem(
                0,
                "",
                ctx.file_name,
                "cannot tell deposits from withdrawals: Binance uses one header for both; "
                "name the file with 'deposit' or 'withdraw'",
            )
        ],
        rows_in,
    )


STATEMENT_REQUIRED = ["UTC_Time", "Account", "Operation", "Coin", "Change"]
STATEMENT_OPTIONAL = ["User_ID", "Remark"]
OPERATIONS = {
    "deposit": "deposit", "fiat deposit": "deposit", "crypto deposit": "deposit",
    "withdraw": "withdrawal", "fiat withdraw": "withdrawal", "fiat withdrawal": "withdrawal",
    "send": "withdrawal",
    "buy": "trade", "sell": "trade", "transaction buy": "trade", "transaction spend": "trade",
    "transaction sold": "trade", "transaction revenue": "trade", "transaction related": "trade",
    "binance convert": "trade", "small assets exchange bnb": "trade",
    "large otc trading": "trade",
    "fee": "fee", "transaction fee": "fee", "funding fee": "fee",
    "simple earn flexible subscription": "transfer",
    "simple earn flexible redemption": "transfer",
    "simple earn locked subscription": "transfer", "simple earn locked redemption": "transfer",
}  # fmt: skip


def _operation(operation: str) -> str:
    key = operation.strip().lower()
    if key in OPERATIONS:
        return OPERATIONS[key]
    if "transfer" in key:
        return "transfer"  # Transfer Between Main and Funding Wallet, transfer_in, ...
    return "other"


def _is_statement(decoded) -> bool:
    first = next((line for line in decoded.text.splitlines() if line.strip()), "")
    cells = {c.strip().strip('"') for c in first.split(",")}
    return {"Operation", "Change"} <= cells


def _parse_statement(decoded, ctx: ParseContext) -> Parsed:
    table = read_csv(
        decoded, delimiter=",", required=STATEMENT_REQUIRED, optional=STATEMENT_OPTIONAL
    )
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    occurrences: dict[str, int] = {}
    for n, cells in table.rows:
        get = lambda c, cells=cells: table.get(cells, c)  # noqa: E731
        wallet = (get("Account") or "").strip()
        if not wallet:
            errors.add(n, "Account", "", "empty")
            account = None
        else:
            account = ctx.exchange_wallet_account(errors, n, "Account", get("User_ID"), wallet)
        when = parse_cell(errors, n, "UTC_Time", get("UTC_Time"), _time, UTC)
        change = parse_cell(errors, n, "Change", get("Change"), parse_decimal, EXPONENT)
        operation = (get("Operation") or "").strip()
        coin = (get("Coin") or "").strip()
        if not operation:
            errors.add(n, "Operation", "", "empty")
        if not coin:
            errors.add(n, "Coin", "", "empty")
        if None in (account, when, change) or not operation or not coin:
            continue
        accounts.add(account.id)
        times.append(when)
        rows.append(
            exchange_entry(
                ctx,
                n,
                account,
                entry_id=content_id([c.strip() for c in cells], occurrences),
                ref_id=when.isoformat(),
                entry_type=_operation(operation),
                venue_type=operation,
                venue_subtype=wallet,
                asset=ctx.asset(coin),
                venue_asset=coin,
                amount=change,
                occurred_at=when,
            )
        )
    errors.raise_if_any(rows_in)
    return Parsed("exchange_entries", rows, statement_key(ctx, accounts, times), rows_in)


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    decoded = decode(data)
    if _is_statement(decoded):
        return _parse_statement(decoded, ctx)
    table = read_csv(
        decoded,
        delimiter=",",
        required=REQUIRED,
        optional=OPTIONAL,
        header_prefix_columns=[DATE_PREFIX],
    )
    rows_in = len(table.rows)
    date_header = table.header[table.index[DATE_PREFIX]]
    try:
        if not date_header.endswith(")"):
            raise CellError("unclosed")
        tz = offset_from_label(date_header[len(DATE_PREFIX) : -1])
    except CellError:
        raise FileRejected(
            [
                Problem(
                    0,
                    date_header,
                    None,
                    "the header must state the zone as Date(UTC), Date(UTC+N) or Date(UTC-N)",
                )
            ],
            rows_in,
        ) from None
    if not table.rows:
        raise empty_file()
    name = ctx.file_name.lower()
    if "deposit" in name or "withdraw" in name or not table.has("Fee"):
        direction = _direction(ctx, rows_in)
    else:
        direction = "withdrawal"  # v2 layout: only withdrawals have a Fee column
    fee_column = "Fee" if table.has("Fee") else "TransactionFee"
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    sign = 1 if direction == "deposit" else -1
    for n, cells in table.rows:
        get = lambda c, cells=cells: table.get(cells, c)  # noqa: E731
        account = ctx.exchange_account(errors, n, "", None)
        when = parse_cell(errors, n, date_header, get(DATE_PREFIX), _time, tz)
        amount = parse_cell(errors, n, "Amount", get("Amount"), parse_decimal)
        fee = optional_cell(errors, n, fee_column, get(fee_column), parse_decimal)
        coin = (get("Coin") or "").strip()
        if not coin:
            errors.add(n, "Coin", "", "empty")
        if amount is not None and amount < 0:
            errors.add(n, "Amount", get("Amount"), "expected unsigned (direction from the file)")
            continue
        if None in (account, when, amount) or not coin:
            continue
        network = (get("Network") or "").strip() or None
        txid = (get("TXID") or "").strip()
        tx_hash = hex_hash(txid)
        if tx_hash:
            entry_id = f"{direction}:{network or '-'}:{tx_hash}"
        else:
            entry_id = "row:" + hashlib.sha256("\x1f".join(cells).encode()).hexdigest()[:32]
        status = (get("Status") or "").strip()
        accounts.add(account.id)
        times.append(when)
        rows.append(
            {
                "row_number": n,
                "venue": ctx.provider,
                "account_id": account.id,
                "entry_id": entry_id,
                "ref_id": txid or None,
                "entry_type": direction,
                "venue_type": direction,
                "venue_subtype": None,
                "is_final": status.lower() in FINAL,
                "asset": ctx.asset(coin),
                "venue_asset": coin,
                "amount": amount * sign,
                "fee": fee or 0,
                "fee_asset": ctx.asset(coin),
                "balance": None,
                "price_usd": None,
                "amount_usd": None,
                "occurred_at": when,
                "network": network,
                "tx_hash": tx_hash,
                "address": (get("Address") or "").strip() or None,
            }
        )
    errors.raise_if_any(rows_in)
    return Parsed("exchange_entries", rows, statement_key(ctx, accounts, times), rows_in)
