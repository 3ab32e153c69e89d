"""Coinbase (retail) transaction history CSV, v4 and the earlier header generations.

Layout (FORMATS.md §2.2): ``ID, Timestamp, Transaction Type, Asset, Quantity Transacted,
Price Currency, Price at Transaction, Subtotal, Total (inclusive of fees and/or spread),
Fees and/or Spread, Notes``; older files lack ``ID``, say ``Spot Price Currency`` / ``Spot Price
at Transaction``, ``Total (inclusive of fees)`` and ``Fees``. Recent downloads start with
preamble lines before the header (skipped up to the line starting with ``ID`` or
``Timestamp``). Money cells may carry ``$`` and thousands separators; ``Quantity Transacted`` may
be negative on outgoing rows, so the sign comes from the type. ``Timestamp`` is UTC
(``YYYY-MM-DD HH:MM:SS UTC`` or ISO-8601 with Z). No tx hash or network. For a Buy or Sell
priced in USD, ``Total`` is stored as ``amount_usd`` (the conversion between USD1 and USD).
Files without ``ID`` get a content-derived entry id (``row:<sha256 of the cells>``).
"""

from __future__ import annotations

import hashlib

from ingestion.files.adapters import (
    ParseContext,
    Parsed,
    empty_file,
    optional_cell,
    parse_cell,
    statement_key,
)
from ingestion.files.problems import FileRejected, Problem, RowErrors
from ingestion.files.text import decode, read_csv
from ingestion.files.values import NumberStyle, parse_decimal, parse_iso

BASE = ["Timestamp", "Transaction Type", "Asset", "Quantity Transacted"]
VARIANTS = {
    "price_currency": ("Price Currency", "Spot Price Currency"),
    "price": ("Price at Transaction", "Spot Price at Transaction"),
    "subtotal": ("Subtotal",),
    "total": ("Total (inclusive of fees and/or spread)", "Total (inclusive of fees)"),
    "fees": ("Fees and/or Spread", "Fees"),
}
OPTIONAL = ["ID", "Notes", "Sender Address", "Recipient Address"] + [
    name for names in VARIANTS.values() for name in names
]
MONEY = NumberStyle(thousands=True, symbols="$€£")
QUANTITY = NumberStyle(thousands=True)
OUT = {
    "send", "withdrawal", "sell", "convert", "card spend", "donation", "admin debit",
    "subscription", "retail mgx dex send", "exchange deposit", "pro deposit", "prime deposit",
}  # fmt: skip
TYPES = {
    "buy": "trade", "sell": "trade", "convert": "trade", "advanced trade buy": "trade",
    "advanced trade sell": "trade", "send": "withdrawal", "withdrawal": "withdrawal",
    "receive": "deposit", "deposit": "deposit",
}  # fmt: skip


def _time(text: str | None):
    raw = (text or "").strip()
    if raw.endswith(" UTC"):
        raw = raw[:-4].replace(" ", "T") + "+00:00"
    return parse_iso(raw)


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    decoded = decode(data)
    table = read_csv(
        decoded,
        delimiter=",",
        required=BASE,
        optional=OPTIONAL,
        skip_preamble_until=("ID,", "Timestamp,"),
    )
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    column = {}
    for field, names in VARIANTS.items():
        found = [name for name in names if table.has(name)]
        if len(found) != 1:
            raise FileRejected(
                [
                    Problem(
                        0, names[0], None, f"expected exactly one of {list(names)} in the header"
                    )
                ],
                rows_in,
            )
        column[field] = found[0]
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    occurrences: dict[str, int] = {}
    for n, cells in table.rows:
        get = lambda c, cells=cells: table.get(cells, c)  # noqa: E731
        account = ctx.exchange_account(errors, n, "", None)
        when = parse_cell(errors, n, "Timestamp", get("Timestamp"), _time)
        quantity = parse_cell(
            errors, n, "Quantity Transacted", get("Quantity Transacted"), parse_decimal, QUANTITY
        )
        optional_cell(errors, n, column["subtotal"], get(column["subtotal"]),
                      parse_decimal, MONEY, scale=6)  # fmt: skip
        total = optional_cell(errors, n, column["total"], get(column["total"]),
                              parse_decimal, MONEY, scale=6)  # fmt: skip
        optional_cell(errors, n, column["fees"], get(column["fees"]), parse_decimal, MONEY, scale=6)
        price = optional_cell(errors, n, column["price"], get(column["price"]),
                              parse_decimal, MONEY, scale=6, round_to_scale=True)  # fmt: skip
        kind = (get("Transaction Type") or "").strip()
        asset_code = (get("Asset") or "").strip()
        if not kind:
            errors.add(n, "Transaction Type", "", "empty")
        if not asset_code:
            errors.add(n, "Asset", "", "empty")
        if None in (account, when, quantity) or not kind or not asset_code:
            continue
        sign = -1 if kind.lower() in OUT else 1
        entry_id = (get("ID") or "").strip()
        if not entry_id:
            digest = hashlib.sha256("\x1f".join(cells).encode()).hexdigest()[:32]
            occurrences[digest] = occurrences.get(digest, 0) + 1
            entry_id = f"row:{digest}:{occurrences[digest]}"
        usd = (get(column["price_currency"]) or "").strip().upper() == "USD"
        address = (get("Recipient Address") or get("Sender Address") or "").strip() or None
        accounts.add(account.id)
        times.append(when)
        rows.append(
            {
                "row_number": n,
                "venue": ctx.provider,
                "account_id": account.id,
                "entry_id": entry_id,
                "ref_id": None,
                "entry_type": TYPES.get(kind.lower(), "other"),
                "venue_type": kind,
                "venue_subtype": None,
                "is_final": True,
                "asset": ctx.asset(asset_code),
                "venue_asset": asset_code,
                "amount": abs(quantity) * sign,
                # the fee/spread is USD-valued and inside Total, not taken from the asset
                "fee": 0,
                "fee_asset": None,
                "balance": None,
                "price_usd": price if usd else None,
                # Total: the cost of a buy incl. fees, the net proceeds of a sell
                "amount_usd": abs(total) if total is not None and usd else None,
                "occurred_at": when,
                "network": None,
                "tx_hash": None,
                "address": address,
            }
        )
    errors.raise_if_any(rows_in)
    return Parsed("exchange_entries", rows, statement_key(ctx, accounts, times), rows_in)
