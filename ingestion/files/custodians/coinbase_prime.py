"""Coinbase Prime "Transactions" CSV (custody and trading portfolios).

Layout (FORMATS.md §2.3/§3.3): ``activity id, final status, activity title, activity type,
asset, wallet name, transaction value, transaction currency, initiated by, approved by,
rejected by, initiated time, last updated time, activity level, portfolio name, portfolio id,
entity name, entity id``. ``transaction value`` is unsigned and may carry thousands separators;
the direction comes from ``activity type`` (Deposit +, Withdrawal -, Stake -, Unstake +,
Conversion by its title ``Convert FROM/TO``). The account is ``portfolio id``. The
``initiated by / approved by / rejected by`` columns name people and are never read. The time
cells' exact format is not public: ISO-8601 with Z or an offset (or ``… UTC``) is accepted, a
time without a zone is rejected.
"""

from __future__ import annotations

import re

from ingestion.files.adapters import ParseContext, Parsed, empty_file, parse_cell, statement_key
from ingestion.files.problems import CellError, RowErrors
from ingestion.files.text import decode, read_csv
from ingestion.files.values import NumberStyle, parse_decimal, parse_iso

REQUIRED = [
    "activity id",
    "final status",
    "activity type",
    "asset",
    "transaction value",
    "initiated time",
    "portfolio id",
]
OPTIONAL = [
    "activity title",
    "wallet name",
    "transaction currency",
    "last updated time",
    "activity level",
    "portfolio name",
    "entity name",
    "entity id",
    "initiated by",
    "approved by",
    "rejected by",
]
STYLE = NumberStyle(thousands=True)
SIGNS = {"deposit": 1, "withdrawal": -1, "stake": -1, "unstake": 1}
TYPES = {"deposit": "deposit", "withdrawal": "withdrawal", "stake": "transfer",
         "unstake": "transfer", "conversion": "conversion"}  # fmt: skip
FINAL = {"completed", "complete", "done"}


def _time(text: str | None):
    raw = (text or "").strip()
    if raw.endswith(" UTC"):
        raw = raw[:-4].replace(" ", "T") + "+00:00"
    return parse_iso(raw)


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    table = read_csv(decode(data), delimiter=",", required=REQUIRED, optional=OPTIONAL)
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    for n, cells in table.rows:
        get = lambda c, cells=cells: table.get(cells, c)  # noqa: E731
        account = ctx.custodian_account(errors, n, "portfolio id", get("portfolio id"))
        value = parse_cell(
            errors, n, "transaction value", get("transaction value"), parse_decimal, STYLE
        )
        when = parse_cell(errors, n, "initiated time", get("initiated time"), _time)
        kind = (get("activity type") or "").strip().lower()
        asset_code = (get("asset") or "").strip()
        if kind not in TYPES:
            errors.add(
                n, "activity type", get("activity type"), f"unknown type; known: {sorted(TYPES)}"
            )
            continue
        if value is not None and value < 0:
            errors.add(n, "transaction value", get("transaction value"), "expected unsigned")
            continue
        sign = SIGNS.get(kind)
        if kind == "conversion":
            match = re.match(r"^\s*Convert\s+(\S+)\s*/\s*(\S+)\s*$", get("activity title") or "")
            if not match or asset_code not in match.groups():
                errors.add(
                    n,
                    "activity title",
                    get("activity title"),
                    "cannot tell the direction of the conversion (expected 'Convert FROM/TO' "
                    "naming the row's asset)",
                )
                continue
            sign = -1 if asset_code == match.group(1) else 1
        if account is None or value is None or when is None or not asset_code:
            if not asset_code:
                errors.add(n, "asset", "", "empty")
            continue
        status = (get("final status") or "").strip()
        accounts.add(account.id)
        times.append(when)
        rows.append(
            {
                "row_number": n,
                "provider": ctx.provider,
                "account_id": account.id,
                "external_account_id": get("portfolio id"),
                "entry_id": (get("activity id") or "").strip(),
                "movement_type": TYPES[kind],
                "provider_type": get("activity type"),
                "status": status or None,
                "is_final": status.lower() in FINAL,
                "asset": ctx.asset(asset_code),
                "provider_asset": asset_code,
                "amount": value * sign,
                "fee": None,
                "amount_usd": None,
                "occurred_at": when,
                "tx_hash": None,
                "block_height": None,
            }
        )
        if not rows[-1]["entry_id"]:
            errors.add(n, "activity id", "", "empty")
    errors.raise_if_any(rows_in)
    return Parsed("custodian_movements", rows, statement_key(ctx, accounts, times), rows_in)


__all__ = ["CellError", "parse"]
