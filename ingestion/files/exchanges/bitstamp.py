"""Bitstamp transaction export (CSV), current and legacy layouts, told apart by the header.

Layouts (FORMATS.md §2.5): current ``ID, Account, Type, Subtype, Datetime, Amount, Amount
currency, Value, Value currency, Rate, Rate currency, Fee, Fee currency, Order ID`` (``ID`` is
the entry id; ``Datetime`` ISO-8601); legacy ``Type, Datetime, Account, Amount, Value, Rate,
Fee, Sub Type`` whose Amount / Value / Rate / Fee cells hold ``"<number> <currency>"`` and whose
``Datetime`` looks like ``Jan. 28, 2022, 12:13 AM`` (month names as Bitstamp prints them:
``Jan.``, ``March``, ``Sept.``...). Neither says its zone when a time has none: the landing
source's ``timezone`` does (else such a time is rejected). Legacy rows have no id: the entry id
is a hash of the row's cells. Amounts are **unsigned**; the direction comes from ``Type``
(Deposit, Ripple deposit, Staking reward +; Withdrawal, Ripple payment -) or, for ``Market``,
from the sub type (Buy: Amount +, Value -; Sell: Amount -, Value +); another type rejects the
file. A trade row carries two legs and raw holds one row per file row: the leg stored is the
configured token's when one leg is the token, else the Amount leg; the other leg's value is
``amount_usd`` when it is in USD. ``Fee`` (in ``Fee currency``) is charged in addition to the
amount, also on withdrawals. No running balance, tx hash or network. The landing source's
``account`` says which account.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from ingestion.files.adapters import (
    ParseContext,
    Parsed,
    content_id,
    empty_file,
    exchange_entry,
    parse_cell,
    statement_key,
)
from ingestion.files.problems import CellError, RowErrors
from ingestion.files.text import decode, read_csv
from ingestion.files.values import NumberStyle, parse_decimal, parse_iso, to_utc

CURRENT = ["ID", "Type", "Datetime", "Amount", "Amount currency"]
CURRENT_OPTIONAL = ["Account", "Subtype", "Value", "Value currency", "Rate", "Rate currency",
                    "Fee", "Fee currency", "Order ID"]  # fmt: skip
LEGACY = ["Type", "Datetime", "Amount"]
LEGACY_OPTIONAL = ["Account", "Value", "Rate", "Fee", "Sub Type"]
STYLE = NumberStyle(thousands=True)
SIGNS = {"deposit": 1, "ripple deposit": 1, "staking reward": 1, "withdrawal": -1,
         "ripple payment": -1}  # fmt: skip
TYPES = {"deposit": "deposit", "ripple deposit": "deposit", "withdrawal": "withdrawal",
         "ripple payment": "withdrawal", "staking reward": "other", "market": "trade"}  # fmt: skip
MONTHS = {"jan": 1, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5, "june": 6,
          "jun": 6, "july": 7, "jul": 7, "aug": 8, "sept": 9, "sep": 9, "oct": 10, "nov": 11,
          "dec": 12}  # fmt: skip
LEGACY_TIME = re.compile(
    r"^([A-Za-z]+)\.? ([0-9]{1,2}), ([0-9]{4}), ([0-9]{1,2}):([0-9]{2}) ([AaPp])\.?[Mm]\.?$"
)


def legacy_time(text: str | None, tz) -> datetime:
    match = LEGACY_TIME.match((text or "").strip())
    if not match or match.group(1).lower() not in MONTHS:
        raise CellError("expected a time like 'Jan. 28, 2022, 12:13 AM'")
    month, day, year, hour, minute, half = match.groups()
    hour_12 = int(hour)
    if not 1 <= hour_12 <= 12:
        raise CellError("hour must be 1-12 with AM/PM")
    hour_24 = hour_12 % 12 + (12 if half.lower() == "p" else 0)
    if tz is None:
        raise CellError("time without a zone: set the landing source's timezone")
    try:
        value = datetime(int(year), MONTHS[month.lower()], int(day), hour_24, int(minute))
    except ValueError as exc:
        raise CellError(f"not a date: {exc}") from None
    return to_utc(value.replace(tzinfo=tz))


def money(text: str | None) -> tuple[Decimal, str]:
    """A legacy ``"<number> <currency>"`` cell."""
    parts = (text or "").strip().split()
    if len(parts) != 2:
        raise CellError("expected '<number> <currency>'")
    return parse_decimal(parts[0], STYLE), parts[1]


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    decoded = decode(data)
    first = next((line for line in decoded.text.splitlines() if line.strip()), "")
    legacy = "Amount currency" not in first
    table = read_csv(
        decoded,
        delimiter=",",
        required=LEGACY if legacy else CURRENT,
        optional=LEGACY_OPTIONAL if legacy else CURRENT_OPTIONAL,
    )
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    tz = ctx.source_tz()
    tokens = ctx.token_symbols()
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    occurrences: dict[str, int] = {}
    for n, cells in table.rows:
        get = lambda c, cells=cells: (table.get(cells, c) or "").strip()  # noqa: E731
        account = ctx.exchange_account(errors, n, "", None)
        cell = {}  # field -> (number, currency) or None
        for field, number_col, currency_col in (
            ("amount", "Amount", "Amount currency"),
            ("value", "Value", "Value currency"),
            ("rate", "Rate", "Rate currency"),
            ("fee", "Fee", "Fee currency"),
        ):
            if not get(number_col):
                cell[field] = None
            elif legacy:
                cell[field] = parse_cell(errors, n, number_col, get(number_col), money)
            else:
                number = parse_cell(errors, n, number_col, get(number_col), parse_decimal, STYLE)
                cell[field] = None if number is None else (number, get(currency_col))
        if legacy:
            when = parse_cell(errors, n, "Datetime", get("Datetime"), legacy_time, tz)
        else:
            when = parse_cell(errors, n, "Datetime", get("Datetime"), parse_iso, tz)
        kind = get("Type").lower()
        sub = get("Sub Type" if legacy else "Subtype").lower()
        if kind not in TYPES:
            errors.add(n, "Type", get("Type"), f"unknown type; known: {sorted(TYPES)}")
            continue
        if kind == "market" and sub not in ("buy", "sell"):
            errors.add(n, "Sub Type" if legacy else "Subtype", sub, "expected Buy or Sell")
            continue
        if cell["amount"] is None:
            if get("Amount") == "":
                errors.add(n, "Amount", "", "empty")
            continue
        for field in ("amount", "value", "fee"):
            if cell[field] is not None and cell[field][0] < 0:
                errors.add(n, field.capitalize(), get(field.capitalize()), "expected unsigned")
                cell[field] = None
        if account is None or when is None or cell["amount"] is None:
            continue
        amount, currency = cell["amount"]
        sign = (1 if sub == "buy" else -1) if kind == "market" else SIGNS[kind]
        amount_usd, price_usd = None, None
        value = cell["value"]
        if (
            kind == "market"
            and value is not None
            and ctx.asset(value[1]) in tokens
            and ctx.asset(currency) not in tokens
        ):
            # the token is the quote leg: store it, the Amount leg's USD value if any
            if ctx.asset(currency) == "USD":
                amount_usd = amount
            amount, currency, sign = value[0], value[1], -sign
        elif value is not None and ctx.asset(value[1]) == "USD":
            amount_usd = value[0]
            rate = cell["rate"]
            price_usd = rate[0] if rate is not None and ctx.asset(rate[1]) == "USD" else None
        fee, fee_currency = cell["fee"] if cell["fee"] is not None else (Decimal(0), None)
        entry_id = get("ID") if not legacy else content_id(cells, occurrences)
        if not entry_id:
            errors.add(n, "ID", "", "empty")
            continue
        accounts.add(account.id)
        times.append(when)
        rows.append(
            exchange_entry(
                ctx,
                n,
                account,
                entry_id=entry_id,
                ref_id=get("Order ID") or None,
                entry_type=TYPES[kind],
                venue_type=get("Type"),
                venue_subtype=sub or None,
                asset=ctx.asset(currency),
                venue_asset=currency,
                amount=amount * sign,
                fee=fee,
                fee_asset=ctx.asset(fee_currency) if fee_currency else None,
                price_usd=None if price_usd is None else round(price_usd, 6),
                amount_usd=amount_usd,
                occurred_at=when,
            )
        )
    errors.raise_if_any(rows_in)
    return Parsed("exchange_entries", rows, statement_key(ctx, accounts, times), rows_in)
