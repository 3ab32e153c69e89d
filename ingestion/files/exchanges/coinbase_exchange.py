"""Coinbase Exchange (formerly Coinbase Pro) account statement (CSV), with its running balance.

Layout (BT ``coinbase_pro.py``; not in FORMATS.md, which covers Coinbase retail §2.2 and Prime
§2.3): ``portfolio, type, time, amount, balance, amount/balance unit, transfer id, trade id,
order id``. One row per balance change of one asset: ``deposit`` / ``withdrawal`` (with a
``transfer id``), ``match`` (one row per leg of a trade, sharing a ``trade id``), ``fee`` (its
own negative row, same ``trade id``), ``conversion``, ``rebate``... ``amount`` is signed, the
fee is never inside another row; ``balance`` is the asset's running balance after the row
(previous + amount, checked per asset in file order); ``time`` is ISO-8601 UTC (``Z``, with
milliseconds). No row id: the entry id is ``<type>:<trade or transfer id>:<unit>``, unique in
a statement (both legs of a trade differ by unit). Accounts are Coinbase's (venue
``coinbase``): the landing source's ``account`` says which.
"""

from __future__ import annotations

from ingestion.files.adapters import (
    ParseContext,
    Parsed,
    empty_file,
    exchange_entry,
    parse_cell,
    statement_key,
)
from ingestion.files.exchanges.mapped import check_running_balances
from ingestion.files.problems import RowErrors
from ingestion.files.text import decode, read_csv
from ingestion.files.values import parse_decimal, parse_iso

REQUIRED = ["portfolio", "type", "time", "amount", "balance", "amount/balance unit"]
OPTIONAL = ["transfer id", "trade id", "order id"]
TYPES = {"deposit": "deposit", "withdrawal": "withdrawal", "match": "trade", "fee": "fee",
         "conversion": "trade", "rebate": "fee"}  # fmt: skip


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    table = read_csv(decode(data), delimiter=",", required=REQUIRED, optional=OPTIONAL)
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    seen: dict[str, int] = {}
    for n, cells in table.rows:
        get = lambda c, cells=cells: (table.get(cells, c) or "").strip()  # noqa: E731
        account = ctx.exchange_account(errors, n, "", None)
        when = parse_cell(errors, n, "time", get("time"), parse_iso)
        amount = parse_cell(errors, n, "amount", get("amount"), parse_decimal)
        balance = parse_cell(errors, n, "balance", get("balance"), parse_decimal)
        kind, unit = get("type"), get("amount/balance unit")
        ref = get("trade id") or get("transfer id") or get("order id")
        if not kind:
            errors.add(n, "type", "", "empty")
        if not unit:
            errors.add(n, "amount/balance unit", "", "empty")
        if not ref:
            errors.add(n, "transfer id", "", "no transfer, trade or order id")
        entry_id = f"{kind.lower()}:{ref}:{unit}"
        if entry_id in seen:
            errors.add(n, "trade id", ref, f"same type, id and unit as row {seen[entry_id]}")
            continue
        seen[entry_id] = n
        if None in (account, when, amount, balance) or not kind or not unit or not ref:
            continue
        accounts.add(account.id)
        times.append(when)
        rows.append(
            exchange_entry(
                ctx,
                n,
                account,
                entry_id=entry_id,
                ref_id=ref,
                entry_type=TYPES.get(kind.lower(), "other"),
                venue_type=kind,
                venue_subtype=get("portfolio") or None,
                asset=ctx.asset(unit),
                venue_asset=unit,
                amount=amount,
                fee_asset=ctx.asset(unit),
                balance=balance,
                occurred_at=when,
            )
        )
    errors.raise_if_any(rows_in)
    check_running_balances(rows, errors, "balance")
    errors.raise_if_any(rows_in)
    return Parsed("exchange_entries", rows, statement_key(ctx, accounts, times), rows_in)
