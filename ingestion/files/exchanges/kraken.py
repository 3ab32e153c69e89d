"""Kraken "Ledgers" export (CSV).

Layout (FORMATS.md §2.1; Kraken support "How to interpret Ledger history fields"): header
versions ``txid, refid, time, type, subtype, aclass, asset, amount, fee, balance`` (legacy, also
with a trailing empty column or ``amountusd``), the same with ``wallet``, and the current one
with ``subclass`` and ``wallet``. ``txid`` is the entry id; ``time`` is UTC
(``YYYY-MM-DD HH:MM:SS``); ``amount`` is signed; ``fee`` is charged in addition
(balance = previous balance + amount - fee, checked row by row per asset and wallet, in file
order); rows with an empty ``txid`` and empty balance are not-yet-final copies of a later row
with the same ``refid``: they are loaded with ``is_final = false`` and entry id
``pending:<refid>``, so counting only final rows never doubles a deposit. Kraken gives no tx
hash or network. The file does not name the account: the landing source's ``account`` does.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

from ingestion.files.adapters import (
    ParseContext,
    Parsed,
    empty_file,
    optional_cell,
    parse_cell,
    statement_key,
)
from ingestion.files.problems import RowErrors
from ingestion.files.text import decode, read_csv
from ingestion.files.values import parse_decimal, parse_format

REQUIRED = ["txid", "refid", "time", "type", "asset", "amount", "fee", "balance"]
OPTIONAL = ["subtype", "aclass", "subclass", "wallet", "amountusd"]
TYPES = {
    "deposit": "deposit",
    "withdrawal": "withdrawal",
    "trade": "trade",
    "spend": "trade",
    "receive": "trade",
    "margin": "trade",
    "transfer": "transfer",
}


def _time(text: str | None):
    raw = (text or "").strip()
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in raw else "%Y-%m-%d %H:%M:%S"
    return parse_format(raw, fmt, UTC)


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    table = read_csv(decode(data), delimiter=",", required=REQUIRED, optional=OPTIONAL)
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    running: dict[tuple[str, str], Decimal] = {}
    for n, cells in table.rows:
        get = lambda c, cells=cells: table.get(cells, c)  # noqa: E731
        account = ctx.exchange_account(errors, n, "", None)
        when = parse_cell(errors, n, "time", get("time"), _time)
        amount = parse_cell(errors, n, "amount", get("amount"), parse_decimal)
        fee = parse_cell(errors, n, "fee", get("fee"), parse_decimal)
        balance = optional_cell(errors, n, "balance", get("balance"), parse_decimal)
        usd = optional_cell(errors, n, "amountusd", get("amountusd"), parse_decimal, scale=6)
        txid, refid = (get("txid") or "").strip(), (get("refid") or "").strip()
        venue_type = (get("type") or "").strip()
        asset_code = (get("asset") or "").strip()
        if not asset_code:
            errors.add(n, "asset", "", "empty")
        if not venue_type:
            errors.add(n, "type", "", "empty")
        if not txid and not refid:
            errors.add(n, "txid", "", "neither txid nor refid")
        if fee is not None and fee < 0:
            errors.add(n, "fee", get("fee"), "negative fee")
            fee = None
        is_final = bool(txid)
        if is_final and not (get("balance") or "").strip():
            errors.add(n, "balance", get("balance"), "empty on a final entry")
        if None in (account, when, amount, fee) or not asset_code or not venue_type:
            continue
        if is_final and balance is not None:
            key = (asset_code, get("wallet") or "")
            if key in running and running[key] + amount - fee != balance:
                errors.add(
                    n,
                    "balance",
                    get("balance"),
                    f"running balance does not add up: previous {running[key]} + amount "
                    f"{amount} - fee {fee} = {running[key] + amount - fee}",
                )
            running[key] = balance
        accounts.add(account.id)
        times.append(when)
        rows.append(
            {
                "row_number": n,
                "venue": ctx.provider,
                "account_id": account.id,
                "entry_id": txid if is_final else f"pending:{refid}",
                "ref_id": refid or None,
                "entry_type": TYPES.get(venue_type.lower(), "other"),
                "venue_type": venue_type,
                "venue_subtype": (get("subtype") or "").strip() or None,
                "is_final": is_final,
                "asset": ctx.asset(asset_code),
                "venue_asset": asset_code,
                "amount": amount,
                "fee": fee,
                "fee_asset": ctx.asset(asset_code),
                "balance": balance,
                "price_usd": None,
                "amount_usd": usd,
                "occurred_at": when,
                "network": None,
                "tx_hash": None,
                "address": None,
            }
        )
    errors.raise_if_any(rows_in)
    return Parsed("exchange_entries", rows, statement_key(ctx, accounts, times), rows_in)
