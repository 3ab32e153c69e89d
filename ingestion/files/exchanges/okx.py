"""OKX exports (CSV): trades (v2), funding account history, legacy trades; told by the header.

Layouts (FORMATS.md §2.7):
- Trades v2: ``id, Order id, Time, Trade Type, Instrument, Type, Amount, Unit, PL, Fee, Position
  Change, Position Balance, Balance Change, Balance, Unit``: **two columns named Unit** (the
  first the traded amount's, the second the balance's); the first header cell may carry a
  UTF-8 BOM. A row is one asset's balance change: ``Balance Change`` (signed, fee inside) in the
  second ``Unit``, ``Balance`` its running balance after the row (checked per asset in time
  order). A spot trade's Buy and Sell rows share ``id``: the entry id is ``<id>:<unit>``.
- Funding: ``id, Time, Type, Amount, Before Balance, After Balance, Fee, Symbol`` (an unnamed
  second column is accepted). ``Amount`` is signed (Withdrawal negative). ``After Balance -
  Before Balance`` is the balance change: it must equal ``Amount - |Fee|`` (fee charged on top)
  or ``Amount`` (fee inside); the row is stored so that amount - fee is that change, and a row
  where neither holds rejects the file. ``After Balance`` is the running balance.
- Legacy trades: ``time, type, size, balance, fee, currency``; ``size`` signed, ``balance`` the
  running balance (previous + size - |fee|, or previous + size when the fee is inside).
Times: ISO-8601 with an offset, or ``YYYY-MM-DD HH:MM:SS`` followed by ``CST`` (**China Standard
Time, UTC+8**, not US Central), ``UTC`` or ``UTC±H``; a time without a zone takes the landing
source's ``timezone`` or is rejected. Types: deposit, withdrawal, buy / sell (trade), fee
rebates (fee), stake / redeem / savings / transfers between OKX accounts (transfer), others
``other``. No tx hash. The landing source's ``account`` says which account.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from decimal import Decimal

from ingestion.files.adapters import (
    ParseContext,
    Parsed,
    content_id,
    empty_file,
    exchange_entry,
    optional_cell,
    parse_cell,
    statement_key,
)
from ingestion.files.exchanges.mapped import check_running_balances
from ingestion.files.problems import CellError, FileRejected, Problem, RowErrors
from ingestion.files.text import decode, read_csv
from ingestion.files.values import NumberStyle, offset_from_label, parse_decimal, parse_iso

CHINA = timezone(timedelta(hours=8), "CST")
STYLE = NumberStyle(exponent=True)
TRADES = ["id", "Time", "Type", "Balance Change", "Balance"]  # + two "Unit" columns
TRADES_OPTIONAL = ["Order id", "Trade Type", "Instrument", "Amount", "PL", "Fee",
                   "Position Change", "Position Balance"]  # fmt: skip
FUNDING = ["id", "Time", "Type", "Amount", "Before Balance", "After Balance", "Fee", "Symbol"]
LEGACY = ["time", "type", "size", "balance", "fee", "currency"]
ZONE_SUFFIX = re.compile(r"^(.*\S)\s+(CST|UTC(?:[+-][0-9]{1,2}(?::?[0-9]{2})?)?)$")


def okx_time(text: str | None, tz) -> object:
    raw = (text or "").strip()
    match = ZONE_SUFFIX.match(raw)
    if match:
        raw, label = match.groups()
        zone = CHINA if label == "CST" else offset_from_label(label)
        return parse_iso(raw.replace("/", "-"), zone)
    return parse_iso(raw.replace("/", "-"), tz)


def entry_type(kind: str) -> str:
    key = kind.strip().lower()
    if key in ("deposit", "withdrawal"):
        return key
    if key in ("buy", "sell", "trade"):
        return "trade"
    if "fee" in key:
        return "fee"
    if any(w in key for w in ("stake", "staking", "redeem", "savings", "transfer", "from ", "to ")):
        return "other" if "yield" in key else "transfer"
    return "other"


def _layout(first_line: str) -> str:
    cells = [c.strip().strip('"').lstrip("\ufeff") for c in first_line.split(",")]
    if "Balance Change" in cells:
        return "trades"
    if "Before Balance" in cells:
        return "funding"
    if "size" in cells:
        return "legacy"
    return "unknown"


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    decoded = decode(data)
    first = next((line for line in decoded.text.splitlines() if line.strip()), "")
    layout = _layout(first)
    if layout == "unknown":
        raise FileRejected(
            [Problem(0, "", None, "not an OKX trades, funding or legacy header (FORMATS §2.7)")]
        )
    required = {"trades": TRADES, "funding": FUNDING, "legacy": LEGACY}[layout]
    table = read_csv(
        decoded, delimiter=",", required=required,
        optional=TRADES_OPTIONAL if layout == "trades" else (),
    )  # fmt: skip
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    balance_unit = None
    if layout == "trades":
        units = [i for i, h in enumerate(table.header) if h == "Unit"]
        if len(units) != 2:
            raise FileRejected(
                [Problem(0, "Unit", None, "expected two 'Unit' columns (amount, balance)")],
                rows_in,
            )
        balance_unit = units[1]
    tz = ctx.source_tz()
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    occurrences: dict[str, int] = {}
    time_col = "time" if layout == "legacy" else "Time"
    for n, cells in table.rows:
        get = lambda c, cells=cells: (table.get(cells, c) or "").strip()  # noqa: E731
        account = ctx.exchange_account(errors, n, "", None)
        when = parse_cell(errors, n, time_col, get(time_col), okx_time, tz)
        kind = get("type" if layout == "legacy" else "Type")
        if layout == "trades":
            asset = cells[balance_unit].strip()
            amount = parse_cell(errors, n, "Balance Change", get("Balance Change"),
                                parse_decimal, STYLE)  # fmt: skip
            balance = parse_cell(errors, n, "Balance", get("Balance"), parse_decimal, STYLE)
            fee = Decimal(0)
            entry_id = f"{get('id')}:{asset}" if get("id") else ""
        elif layout == "funding":
            asset = get("Symbol")
            value = parse_cell(errors, n, "Amount", get("Amount"), parse_decimal, STYLE)
            before = parse_cell(errors, n, "Before Balance", get("Before Balance"),
                                parse_decimal, STYLE)  # fmt: skip
            balance = parse_cell(errors, n, "After Balance", get("After Balance"),
                                 parse_decimal, STYLE)  # fmt: skip
            raw_fee = optional_cell(errors, n, "Fee", get("Fee"), parse_decimal, STYLE)
            fee = abs(raw_fee) if raw_fee is not None else Decimal(0)
            amount = None
            if None not in (value, before, balance):
                change = balance - before
                if change == value - fee:
                    amount = value
                elif change == value:
                    amount = value + fee  # the fee was inside the amount: store it gross
                else:
                    errors.add(n, "After Balance", get("After Balance"),
                               f"Before Balance {before} + Amount {value} (- Fee {fee}) "
                               f"!= After Balance {balance}")  # fmt: skip
            if value is not None and kind.lower() == "withdrawal" and value > 0:
                errors.add(n, "Amount", get("Amount"), "a withdrawal must be negative")
                amount = None
            entry_id = get("id")
        else:
            asset = get("currency")
            amount = parse_cell(errors, n, "size", get("size"), parse_decimal, STYLE)
            balance = parse_cell(errors, n, "balance", get("balance"), parse_decimal, STYLE)
            raw_fee = optional_cell(errors, n, "fee", get("fee"), parse_decimal, STYLE)
            fee = abs(raw_fee) if raw_fee is not None else Decimal(0)
            entry_id = content_id(cells, occurrences)
        if not asset:
            errors.add(n, "Unit" if layout == "trades" else "Symbol", "", "empty asset")
        if not entry_id:
            errors.add(n, "id", "", "empty")
        if None in (account, when, amount, balance) or not asset or not entry_id or not kind:
            continue
        accounts.add(account.id)
        times.append(when)
        rows.append(
            exchange_entry(
                ctx,
                n,
                account,
                entry_id=entry_id,
                ref_id=get("Order id") or None,
                entry_type=entry_type(kind),
                venue_type=kind,
                venue_subtype=get("Trade Type") or get("Instrument") or None,
                asset=ctx.asset(asset),
                venue_asset=asset,
                amount=amount,
                fee=fee,
                fee_asset=ctx.asset(asset),
                balance=balance,
                occurred_at=when,
            )
        )
    errors.raise_if_any(rows_in)
    if layout == "legacy":
        _legacy_fees(rows)
    ordered = sorted(rows, key=lambda r: (r["occurred_at"], r["row_number"]))
    if layout != "funding":
        check_running_balances(ordered, errors, "Balance" if layout == "trades" else "balance")
    errors.raise_if_any(rows_in)
    return Parsed("exchange_entries", rows, statement_key(ctx, accounts, times), rows_in)


def _legacy_fees(rows: list[dict]) -> None:
    """Legacy rows: where previous balance + size = balance, the fee was inside the size (store
    the size gross); otherwise it is charged on top (then checked)."""
    running: dict[str, Decimal] = {}
    for row in sorted(rows, key=lambda r: (r["occurred_at"], r["row_number"])):
        prev = running.get(row["asset"])
        if prev is not None and row["fee"] and prev + row["amount"] == row["balance"]:
            row["amount"] = row["amount"] + row["fee"]
        running[row["asset"]] = row["balance"]


__all__ = ["CellError", "parse"]
