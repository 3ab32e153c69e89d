"""Anchorage Digital transactions: the JSON of the tax transactions listing saved to a file.

Layout (FORMATS.md §3.4, https://doc.anchorage.com/api-reference/tax/list-transactions): a list,
or an object whose ``data`` is the list, of ``{id, type, transactionTime, received, sent, fee}``
where ``received`` / ``sent`` / ``fee`` are ``{assetType, quantity, costBasis}`` (or absent).
``type`` DEPOSIT (+ received), **WITHDRAW** (- sent; the tax listing writes WITHDRAW, not
WITHDRAWAL: both are accepted), TRADE (two legs). ``transactionTime`` is ISO-8601 UTC.
Quantities are decimal strings (a JSON number is read exactly, never as a float). A TRADE has
two legs and raw holds one row per listed transaction: the leg stored is the configured token's
when one leg is the token, else the received one. The fee is stored when it is in the stored
leg's asset (it is charged in addition). The listing names no vault: the landing source's
``account`` says which. Every listed transaction is final (the listing holds completed ones).
Not read: ``costBasis`` (the operator's tax figure, not a movement), the subaccount
transactions listing (its per-transaction ``balances`` are not documented precisely enough).
"""

from __future__ import annotations

from decimal import Decimal

from ingestion.files.adapters import (
    ParseContext,
    Parsed,
    custodian_movement,
    parse_cell,
    statement_key,
)
from ingestion.files.problems import CellError, FileRejected, Problem, RowErrors
from ingestion.files.text import decode, read_json
from ingestion.files.values import parse_decimal, parse_iso

TYPES = {"DEPOSIT": "deposit", "WITHDRAW": "withdrawal", "WITHDRAWAL": "withdrawal",
         "TRADE": "conversion"}  # fmt: skip


def exact(value: object) -> Decimal:
    """A quantity: a decimal string or a JSON number read exactly (read_json keeps Decimals)."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise CellError("expected a decimal quantity")
    return parse_decimal(str(value))


def _leg(item: dict, key: str) -> dict | None:
    leg = item.get(key)
    return leg if isinstance(leg, dict) and leg.get("assetType") not in (None, "") else None


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    payload = read_json(decode(data))
    items = payload.get("data") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise FileRejected([Problem(0, "data", None, "expected a JSON list or {'data': [...]}")])
    rows_in = len(items)
    if not items:
        raise FileRejected([Problem(0, "", None, "no transactions in the file")], rows_in)
    tokens = ctx.token_symbols()
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.add(n, "", None, "expected an object")
            continue
        missing = [k for k in ("id", "type", "transactionTime") if item.get(k) in (None, "")]
        if missing:
            errors.add(n, ",".join(missing), None, "required field(s) missing")
            continue
        account = ctx.custodian_account(errors, n, "", None)
        when = parse_cell(errors, n, "transactionTime", item["transactionTime"], parse_iso)
        kind = str(item["type"]).upper()
        if kind not in TYPES:
            errors.add(n, "type", str(item["type"]), f"unknown type; known: {sorted(TYPES)}")
            continue
        received, sent = _leg(item, "received"), _leg(item, "sent")
        if kind == "DEPOSIT":
            legs = [("received", received, 1)]
        elif kind in ("WITHDRAW", "WITHDRAWAL"):
            legs = [("sent", sent, -1)]
        else:
            legs = [("received", received, 1), ("sent", sent, -1)]
        legs = [leg for leg in legs if leg[1] is not None]
        if not legs:
            errors.add(n, "received" if kind == "DEPOSIT" else "sent", None, f"no leg for {kind}")
            continue
        side, leg, sign = next(
            (x for x in legs if ctx.asset(str(x[1]["assetType"])) in tokens), legs[0]
        )
        quantity = parse_cell(errors, n, f"{side}.quantity", leg.get("quantity"), exact)
        fee_leg, fee = _leg(item, "fee"), None
        if fee_leg is not None and fee_leg["assetType"] == leg["assetType"]:
            fee = parse_cell(errors, n, "fee.quantity", fee_leg.get("quantity"), exact)
        if quantity is not None and quantity < 0:
            errors.add(n, f"{side}.quantity", str(leg.get("quantity")), "expected unsigned")
            continue
        if account is None or when is None or quantity is None:
            continue
        code = str(leg["assetType"])
        accounts.add(account.id)
        times.append(when)
        rows.append(
            custodian_movement(
                ctx,
                n,
                account,
                external_account_id=account.external_id,
                entry_id=str(item["id"]),
                movement_type=TYPES[kind],
                provider_type=str(item["type"]),
                status="COMPLETED",
                is_final=True,
                asset=ctx.asset(code),
                provider_asset=code,
                amount=quantity * sign,
                fee=fee,
                occurred_at=when,
            )
        )
    errors.raise_if_any(rows_in)
    return Parsed("custodian_movements", rows, statement_key(ctx, accounts, times), rows_in)
