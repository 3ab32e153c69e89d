"""Gemini transaction history (xlsx or CSV).

Layout (FORMATS.md §2.6): fixed columns ``Date, Time (UTC), Type, Symbol, Specification,
Liquidity Indicator, Trading Fee Rate (bps), Trade ID, Order ID, Order Date, Order Time, Client
Order ID, API Session, Tx Hash, Deposit Destination, Deposit Tx Output, Withdrawal Destination,
Withdrawal Tx Output`` (only ``Date``, ``Time (UTC)``, ``Type`` and ``Symbol`` are required) plus,
for every asset of the account, generated columns ``<A> Amount <A>``, ``Fee (<A>) <A>`` and
``<A> Balance <A>``. ``Date`` (``YYYY-MM-DD``) and ``Time (UTC)`` (``HH:MM:SS[.ffffff]``) are two
cells, UTC. Amount and fee cells are signed (debits and fees negative) and may carry ``$`` and
thousands separators; a fee is charged in addition to the amount (stored positive); the balance
cell is the asset's running balance after the row, checked per asset in time order over every
leg (also the legs not stored). ``Type``:
Credit (deposit), Debit (withdrawal), Buy, Sell (trade), others ``other``. A row has amounts
in one or two assets (a trade's two legs): raw holds one row per file row, the leg stored is the
configured token's when it has one, else the first asset with an amount; the other leg's value
is ``amount_usd`` when it is USD. The entry id is ``Trade ID`` for trades, else ``Tx Hash``, else a
hash of the row's values (the time, type, symbol, text cells and every asset's amount, fee
and balance as exact numbers), so the same row has the same id in the xlsx and the CSV. The
landing source's ``account`` says which account.

The xlsx download and the CSV export are both read, told apart by content (an xlsx file is a
zip archive), whatever the file's name. The workbook's first worksheet becomes the records the
CSV gives (``workbook.read_workbook``: date and time cells as the CSV's ``YYYY-MM-DD`` and
``HH:MM:SS[.ffffff]``, number cells as their digits) and the rest is the CSV's path: the same
columns, checks, rows and problems. xlsx stores numbers as binary floats (15 to 17 significant
digits): an amount with more digits than that comes out as Excel kept it (and a row without
``Trade ID`` or ``Tx Hash`` holding such an amount gets another content id than in the CSV).
The content id hashes parsed values, not cell text (``"$10,000.00"`` in the CSV is the number
``10000`` in the workbook, both ``10000``), so overlapping CSV and xlsx exports of one account
load each row once. A workbook that cannot be read (corrupt, encrypted, not xlsx) is rejected
with the reason.
"""

from __future__ import annotations

import re
from datetime import UTC
from decimal import Decimal

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
from ingestion.files.problems import FileRejected, Problem, RowErrors
from ingestion.files.text import Table, decode, read_csv, table_of_records
from ingestion.files.values import NumberStyle, parse_decimal, parse_format
from ingestion.files.workbook import is_workbook, read_workbook

REQUIRED = ["Date", "Time (UTC)", "Type", "Symbol"]
OPTIONAL = ["Specification", "Liquidity Indicator", "Trading Fee Rate (bps)", "Trade ID",
            "Order ID", "Order Date", "Order Time", "Client Order ID", "API Session", "Tx Hash",
            "Deposit Destination", "Deposit Tx Output", "Withdrawal Destination",
            "Withdrawal Tx Output"]  # fmt: skip
AMOUNT = re.compile(r"^([A-Za-z0-9.]+) Amount \1$")
STYLE = NumberStyle(thousands=True, parentheses=True, symbols="$")
TYPES = {"credit": "deposit", "debit": "withdrawal", "buy": "trade", "sell": "trade"}


def _time(text: str) -> object:
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in text else "%Y-%m-%d %H:%M:%S"
    return parse_format(text, fmt, UTC)


def _check_balances(legs_in_order: list[tuple], errors: RowErrors) -> None:
    """Every asset's balance cell = its previous balance + amount - fee, over all legs (also
    those not stored), in time order (the file may be newest first)."""
    if legs_in_order and legs_in_order[0][0] > legs_in_order[-1][0]:
        legs_in_order = list(reversed(legs_in_order))
    running: dict[str, Decimal] = {}
    for _, n, legs, fees, balances in legs_in_order:
        for a, amount in legs.items():
            balance = balances[a]
            if balance is None:
                continue
            if a in running and running[a] + amount - fees[a] != balance:
                errors.add(
                    n,
                    f"{a} Balance {a}",
                    str(balance),
                    f"running balance does not add up: previous {running[a]} + amount {amount}"
                    f" - fee {fees[a]} = {running[a] + amount - fees[a]}",
                )
            running[a] = balance


def _number(value: Decimal | None) -> str:
    """An exact number as the same text whatever its cell looked like ("$10,000.00", 10000)."""
    return "" if value is None else format(value.normalize(), "f")


def _row_values(get, when, assets: list[str], parsed: dict[str, tuple]) -> list[str]:
    """What identifies a row without Trade ID or Tx Hash, the same in the CSV and the xlsx."""
    texts = [get(c) for c in OPTIONAL if c not in ("Trading Fee Rate (bps)", "Tx Hash")]
    numbers = [f"{a}={'|'.join(_number(v) for v in parsed.get(a, ()))}" for a in assets]
    return [when.isoformat(), get("Type"), get("Symbol"), *texts, *numbers]


def _assets(header: list[str]) -> list[str]:
    """The assets of the header's generated ``<A> Amount <A>`` columns, in header order."""
    return [m.group(1) for h in header if (m := AMOUNT.match(h.strip().strip('"')))]


def _optional(assets: list[str]) -> list[str]:
    generated = [
        c for a in assets for c in (f"{a} Amount {a}", f"Fee ({a}) {a}", f"{a} Balance {a}")
    ]
    return OPTIONAL + generated


def _read(data: bytes) -> tuple[Table, list[str]]:
    """The file's table and its assets: the first worksheet of an xlsx workbook, else the CSV."""
    if is_workbook(data):
        records = read_workbook(data)
        assets = _assets(records[0] if records else [])
        table = table_of_records(records, required=REQUIRED, optional=_optional(assets))
        return table, assets
    decoded = decode(data)
    first = next((line for line in decoded.text.splitlines() if line.strip()), "")
    assets = _assets(first.split(","))
    table = read_csv(decoded, delimiter=",", required=REQUIRED, optional=_optional(assets))
    return table, assets


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    table, assets = _read(data)
    rows_in = len(table.rows)
    if not assets:
        raise FileRejected(
            [Problem(0, "", None, "no '<A> Amount <A>' column: not a Gemini history")], rows_in
        )
    if not table.rows:
        raise empty_file()
    tokens = ctx.token_symbols()
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    occurrences: dict[str, int] = {}
    legs_in_order: list[tuple] = []
    for n, cells in table.rows:
        get = lambda c, cells=cells: (table.get(cells, c) or "").strip()  # noqa: E731
        account = ctx.exchange_account(errors, n, "", None)
        when = parse_cell(errors, n, "Time (UTC)", f"{get('Date')} {get('Time (UTC)')}", _time)
        legs = {}
        for a in assets:
            col = f"{a} Amount {a}"
            amount = optional_cell(errors, n, col, get(col), parse_decimal, STYLE)
            if amount is not None and amount != 0:
                legs[a] = amount
        if not legs:
            errors.add(n, "", None, "no amount in any asset")
            continue
        fees, balances, parsed = {}, {}, {}
        for a in legs:
            fee_col, balance_col = f"Fee ({a}) {a}", f"{a} Balance {a}"
            fee = optional_cell(errors, n, fee_col, get(fee_col), parse_decimal, STYLE)
            fees[a] = abs(fee) if fee is not None else Decimal(0)
            balances[a] = optional_cell(
                errors, n, balance_col, get(balance_col), parse_decimal, STYLE
            )
            parsed[a] = (legs[a], fees[a], balances[a])
        chosen = next((a for a in legs if ctx.asset(a) in tokens), next(iter(legs)))
        if when is not None:
            legs_in_order.append((when, n, legs, fees, balances))
        kind = get("Type")
        if not kind:
            errors.add(n, "Type", "", "empty")
        if account is None or when is None or not kind:
            continue
        others = [a for a in legs if a != chosen]
        usd = next((abs(legs[a]) for a in others if ctx.asset(a) == "USD"), None)
        entry_type = TYPES.get(kind.lower(), "other")
        tx_hash = hex_hash(get("Tx Hash"))
        entry_id = (get("Trade ID") and f"trade:{get('Trade ID')}") or (tx_hash and f"tx:{tx_hash}")
        accounts.add(account.id)
        times.append(when)
        rows.append(
            exchange_entry(
                ctx,
                n,
                account,
                entry_id=entry_id
                or content_id(_row_values(get, when, assets, parsed), occurrences),
                ref_id=get("Order ID") or None,
                entry_type=entry_type,
                venue_type=kind,
                venue_subtype=get("Symbol") or None,
                asset=ctx.asset(chosen),
                venue_asset=chosen,
                amount=legs[chosen],
                fee=fees[chosen],
                fee_asset=ctx.asset(chosen),
                balance=balances[chosen],
                amount_usd=usd,
                occurred_at=when,
                tx_hash=tx_hash,
                address=get("Withdrawal Destination") or get("Deposit Destination") or None,
            )
        )
    errors.raise_if_any(rows_in)
    _check_balances(legs_in_order, errors)
    errors.raise_if_any(rows_in)
    return Parsed("exchange_entries", rows, statement_key(ctx, accounts, times), rows_in)
