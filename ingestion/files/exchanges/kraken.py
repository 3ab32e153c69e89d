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

Wallets (``wallet``: ``spot / main``, ``earn / flexible``, ...): a wallet's ``balance`` is that
wallet's running balance, not the account's. When an exchange account of the landing account's
login (venue kraken, same ``external_id``) has a ``sub_account``, each wallet is its own account:
a row goes to the account whose ``sub_account`` is its wallet, and a wallet no account names
rejects the file, naming it. Without any ``sub_account``, every row goes to the landing account,
and the configured token held in two wallets of it rejects the file (the two running balances
would read as one; give each wallet an account with its ``sub_account``). Other assets may sit in
several wallets: they never enter the token's marts.
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


def _wallets_have_accounts(ctx: ParseContext) -> bool:
    """Whether the landing account's login has accounts per wallet (a ``sub_account``)."""
    accounts = [a for a in ctx.config.files.exchange_accounts if a.venue == ctx.provider]
    if ctx.source.account is not None:
        pinned = next(a for a in accounts if a.id == ctx.source.account)
        accounts = [a for a in accounts if a.external_id == pinned.external_id]
    return any(a.sub_account for a in accounts)


def _one_token_wallet(
    ctx: ParseContext,
    errors: RowErrors,
    row: int,
    asset_code: str | None,
    wallet: str,
    seen: dict[str, tuple[str, int]],
) -> None:
    """Without accounts per wallet, the token must sit in one wallet of the file."""
    asset = ctx.asset((asset_code or "").strip())
    if asset not in ctx.token_symbols():
        return
    first = seen.setdefault(asset, (wallet, row))
    if first[0] != wallet:
        errors.add(
            row,
            "wallet",
            wallet,
            f"{asset} is also in wallet {first[0]!r} (row {first[1]}): give each wallet its own "
            "files.exchange_accounts entry with sub_account",
        )


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    table = read_csv(decode(data), delimiter=",", required=REQUIRED, optional=OPTIONAL)
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    running: dict[tuple[str, str], Decimal] = {}
    by_wallet = _wallets_have_accounts(ctx)
    token_wallets: dict[str, tuple[str, int]] = {}  # token asset -> the first wallet, its row
    for n, cells in table.rows:
        get = lambda c, cells=cells: table.get(cells, c)  # noqa: E731
        wallet = (get("wallet") or "").strip()
        if by_wallet and wallet:
            account = ctx.exchange_wallet_account(errors, n, "wallet", None, wallet)
        else:
            account = ctx.exchange_account(errors, n, "", None)
            _one_token_wallet(ctx, errors, n, get("asset"), wallet, token_wallets)
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
