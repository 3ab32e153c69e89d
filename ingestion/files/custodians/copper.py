"""Copper wallets: the JSON of Copper's wallets listing (one object per portfolio x currency)
saved to a file, into raw.custodian_balances.

Layout (FORMATS.md §3.5): a list, or an object whose ``wallets`` is the list, of ``{walletId,
currency, mainCurrency, balance, available, locked, reserve, stakeBalance, totalBalance,
portfolioId, organizationId}``. **All numbers are strings** (a JSON number is rejected: it may
have lost precision). A portfolio is what Copper's web UI calls an Account. A currency is
(``currency``, ``mainCurrency``): USDT on Ethereum and on Tron are two wallets, so the account
is looked up by external id ``<portfolioId>:<mainCurrency>`` first, then ``<portfolioId>``; two
wallets of one account and asset reject the file (give each network's wallet its own account).
The balance is ``totalBalance`` (``balance`` when absent); ``available``, ``locked`` and
``stakeBalance`` are kept as they are (Copper documents no identity between them, none is
checked). The listing carries no as-of time: name the file ``<name>_<YYYYMMDDTHHMMSSZ>.json``
(UTC). Orders (movements) are not read: their timestamp encoding is not public.
"""

from __future__ import annotations

from decimal import Decimal

from ingestion.files.adapters import (
    ParseContext,
    Parsed,
    optional_cell,
    parse_cell,
    statement_key,
)
from ingestion.files.problems import CellError, FileRejected, Problem, RowErrors
from ingestion.files.text import decode, read_json
from ingestion.files.values import parse_decimal


def _string_decimal(value: object) -> Decimal:
    if not isinstance(value, str):
        raise CellError("expected a decimal string (Copper writes numbers as strings)")
    return parse_decimal(value)


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    payload = read_json(decode(data))
    items = payload.get("wallets") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise FileRejected([Problem(0, "", None, "expected a JSON list or {'wallets': [...]}")])
    rows_in = len(items)
    as_of = ctx.file_as_of()
    if as_of is None:
        raise FileRejected(
            [
                Problem(
                    0,
                    "",
                    ctx.file_name,
                    "the wallets listing has no as-of time: name the file "
                    "<name>_<YYYYMMDDTHHMMSSZ>.json (UTC)",
                )
            ],
            rows_in,
        )
    if not items:
        raise FileRejected([Problem(0, "", None, "no wallets in the file")], rows_in)
    known = {(a.provider, a.external_id) for a in ctx.config.files.custodian_accounts}
    errors = RowErrors()
    rows, accounts, seen = [], set(), {}
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.add(n, "", None, "expected an object")
            continue
        missing = [k for k in ("portfolioId", "currency") if item.get(k) in (None, "")]
        if "totalBalance" not in item and "balance" not in item:
            missing.append("totalBalance")
        if missing:
            errors.add(n, ",".join(missing), None, "required field(s) missing")
            continue
        portfolio, network = str(item["portfolioId"]), str(item.get("mainCurrency") or "")
        external = f"{portfolio}:{network}"
        if (ctx.provider, external) not in known:
            external = portfolio
        account = ctx.custodian_account(errors, n, "portfolioId", external)
        total_key = "totalBalance" if "totalBalance" in item else "balance"
        total = parse_cell(errors, n, total_key, item[total_key], _string_decimal)
        parts = {
            k: optional_cell(errors, n, k, item.get(k), _string_decimal)
            for k in ("available", "locked", "stakeBalance")
        }
        if account is None or total is None:
            continue
        if any(parts[k] is None and item.get(k) not in (None, "") for k in parts):
            continue
        code = str(item["currency"])
        key = (account.id, ctx.asset(code))
        if key in seen:
            errors.add(n, "mainCurrency", network or None,
                       f"account {account.id} holds {code} in row {seen[key]} too: give each "
                       "network's wallet its own account (external_id <portfolioId>:"
                       "<mainCurrency>)")  # fmt: skip
            continue
        seen[key] = n
        accounts.add(account.id)
        rows.append(
            {
                "row_number": n,
                "provider": ctx.provider,
                "account_id": account.id,
                "external_account_id": external,
                "asset": ctx.asset(code),
                "provider_asset": f"{code}:{network}" if network else code,
                "as_of": as_of,
                "balance": total,
                "available": parts["available"],
                "pending": None,
                "frozen": None,
                "locked": parts["locked"],
                "staked": parts["stakeBalance"],
                "block_height": None,
            }
        )
    errors.raise_if_any(rows_in)
    return Parsed("custodian_balances", rows, statement_key(ctx, accounts, [as_of]), rows_in)
