"""The canonical custodian statement: any custodian's balance CSV, read through a column mapping
in configuration (``files.canonical_layouts``), so a new custodian needs YAML, not code.

One row per account x asset as of a time. Fields: ``account`` (the custodian's account id,
looked up in ``files.custodian_accounts`` by provider + external_id), ``as_of``, ``asset``,
``balance`` (required) and ``available``, ``pending``, ``frozen``, ``locked`` (optional). The
layout declares the delimiter, encoding, timestamp format and zone, and which number
conventions the file uses (thousands separators, ``(1,234.50)`` negatives, exponents); anything
the layout does not declare is rejected, not guessed. When ``available`` and the other parts are
all mapped, ``balance = available + pending + frozen + locked`` must hold exactly.
"""

from __future__ import annotations

from decimal import Decimal

from ingestion.files.adapters import (
    ParseContext,
    Parsed,
    empty_file,
    optional_cell,
    parse_cell,
    statement_key,
)
from ingestion.files.layouts import number_style, read_layout_csv, time_parser
from ingestion.files.problems import RowErrors
from ingestion.files.values import parse_decimal

PARTS = ("available", "pending", "frozen", "locked")


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    layout = ctx.config.files.layout(ctx.source.layout or "")
    cols = layout.columns
    table = read_layout_csv(data, layout, list(cols.values()))
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    style = number_style(layout)
    when = time_parser(layout)
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    seen: dict[tuple, int] = {}
    for n, cells in table.rows:
        get = lambda f, cells=cells: table.get(cells, cols[f])  # noqa: E731
        account = ctx.custodian_account(errors, n, cols["account"], get("account"))
        as_of = parse_cell(errors, n, cols["as_of"], get("as_of"), when)
        balance = parse_cell(errors, n, cols["balance"], get("balance"), parse_decimal, style)
        parts = {
            f: optional_cell(errors, n, cols[f], get(f), parse_decimal, style)
            for f in PARTS
            if f in cols
        }
        asset_code = (get("asset") or "").strip()
        if not asset_code:
            errors.add(n, cols["asset"], "", "empty")
        if account is None or as_of is None or balance is None or not asset_code:
            continue
        if len(parts) == len(PARTS) and all(v is not None for v in parts.values()):
            total = sum(parts.values(), Decimal(0))
            if total != balance:
                errors.add(
                    n,
                    cols["balance"],
                    get("balance"),
                    f"balance != available + pending + frozen + locked ({total})",
                )
                continue
        key = (account.id, ctx.asset(asset_code), as_of)
        if key in seen:
            errors.add(
                n,
                cols["account"],
                get("account"),
                f"same account, asset and as-of as row {seen[key]}",
            )
            continue
        seen[key] = n
        accounts.add(account.id)
        times.append(as_of)
        rows.append(
            {
                "row_number": n,
                "provider": ctx.provider,
                "account_id": account.id,
                "external_account_id": get("account"),
                "asset": ctx.asset(asset_code),
                "provider_asset": asset_code,
                "as_of": as_of,
                "balance": balance,
                "available": parts.get("available"),
                "pending": parts.get("pending"),
                "frozen": parts.get("frozen"),
                "locked": parts.get("locked"),
                "staked": None,
                "block_height": None,
            }
        )
    errors.raise_if_any(rows_in)
    key_times = [max(times)] if times else []
    return Parsed("custodian_balances", rows, statement_key(ctx, accounts, key_times), rows_in)
