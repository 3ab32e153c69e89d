"""A mapped exchange layout: any venue's ledger/transaction CSV read through a column mapping in
configuration (``files.exchange_layouts``, adapter ``mapped_exchange``), so a venue without an
adapter is YAML, not code.

Fields (``columns``: field -> header): ``entry_id``, ``occurred_at``, ``amount`` (required);
``account`` (the venue's account id, looked up by venue + external_id; else the landing
source's ``account``), ``asset`` (or a fixed ``asset``), ``type`` (mapped through ``types`` to
deposit | withdrawal | trade | fee | transfer | other; a value not mapped rejects the file unless
``default_type`` is set), ``subtype``, ``direction`` (with ``sign: direction``: the amount is
unsigned and the column's ``directions.in`` / ``directions.out`` values give its sign),
``fee`` (charged in addition to the amount unless ``fee_in_amount``; written negative when
``fee_negative``), ``fee_asset`` (default: the row's asset), ``balance`` (the running balance
after the row; checked row by row per account and asset in time order, final rows only:
previous + amount - fee = balance), ``ref_id``, ``status`` (``final_statuses`` are final, other
values load as not final), ``network``, ``tx_hash``, ``address``. Two rows with one entry id in
one file reject it (an export repeats no entry; overlapping files are de-duplicated by
staging).
"""

from __future__ import annotations

from decimal import Decimal

from ingestion.files.adapters import (
    ParseContext,
    Parsed,
    empty_file,
    exchange_entry,
    hex_hash,
    optional_cell,
    parse_cell,
    statement_key,
)
from ingestion.files.layouts import number_style, read_layout_csv, time_parser
from ingestion.files.problems import RowErrors
from ingestion.files.values import parse_decimal


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    layout = ctx.config.files.exchange_layout(ctx.source.layout or "")
    cols = layout.columns
    table = read_layout_csv(data, layout, list(cols.values()))
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    style = number_style(layout)
    when_of = time_parser(layout)
    types = {k.strip().lower(): v for k, v in layout.types.items()}
    finals = {v.strip().lower() for v in layout.final_statuses}
    ins = {v.strip().lower() for v in layout.directions.in_values} if layout.directions else set()
    outs = {v.strip().lower() for v in layout.directions.out_values} if layout.directions else set()
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    seen: dict[str, int] = {}
    for n, cells in table.rows:
        get = lambda f, cells=cells: table.get(cells, cols[f]) if f in cols else None  # noqa: E731
        text = lambda f, get=get: (get(f) or "").strip()  # noqa: E731
        account = ctx.exchange_account(errors, n, cols.get("account", ""), get("account"))
        when = parse_cell(errors, n, cols["occurred_at"], get("occurred_at"), when_of)
        amount = parse_cell(errors, n, cols["amount"], get("amount"), parse_decimal, style)
        fee = optional_cell(errors, n, cols.get("fee", ""), get("fee"), parse_decimal, style)
        balance = optional_cell(
            errors, n, cols.get("balance", ""), get("balance"), parse_decimal, style
        )
        entry_id = text("entry_id")
        if not entry_id:
            errors.add(n, cols["entry_id"], "", "empty entry id")
        elif entry_id in seen:
            errors.add(n, cols["entry_id"], entry_id, f"same entry id as row {seen[entry_id]}")
        else:
            seen[entry_id] = n
        asset_code = text("asset") if "asset" in cols else (layout.asset or "")
        if not asset_code:
            errors.add(n, cols["asset"], "", "empty")
        entry_type = "other"
        if "type" in cols:
            kind = text("type").lower()
            if kind in types:
                entry_type = types[kind]
            elif layout.default_type is not None:
                entry_type = layout.default_type
            else:
                errors.add(
                    n, cols["type"], get("type"), f"type not in layout {layout.name}'s types"
                )
        if amount is not None and layout.sign == "direction":
            side = text("direction").lower()
            if amount < 0:
                errors.add(n, cols["amount"], get("amount"), "expected unsigned (sign: direction)")
                amount = None
            elif side in ins:
                pass
            elif side in outs:
                amount = -amount
            else:
                errors.add(n, cols["direction"], get("direction"), "neither an in nor an out value")
                amount = None
        if fee is not None:
            if layout.fee_negative:
                fee = -fee
            if fee < 0:
                errors.add(n, cols["fee"], get("fee"), "negative fee for this layout")
                fee = None
        if "fee" in cols and fee is None and text("fee"):
            continue
        if None in (account, when, amount) or not asset_code or not entry_id:
            continue
        fee = fee if fee is not None else Decimal(0)
        fee_asset = ctx.asset(text("fee_asset") or asset_code)
        if layout.fee_in_amount and fee_asset == ctx.asset(asset_code):
            amount = amount + fee  # stored gross: amount - fee is the balance change
        status = text("status")
        accounts.add(account.id)
        times.append(when)
        rows.append(
            exchange_entry(
                ctx,
                n,
                account,
                entry_id=entry_id,
                ref_id=text("ref_id") or None,
                entry_type=entry_type,
                venue_type=text("type") or entry_type,
                venue_subtype=text("subtype") or None,
                is_final=status.lower() in finals if "status" in cols else True,
                asset=ctx.asset(asset_code),
                venue_asset=asset_code,
                amount=amount,
                fee=fee,
                fee_asset=fee_asset if "fee" in cols else None,
                balance=balance,
                occurred_at=when,
                network=text("network") or None,
                tx_hash=hex_hash(get("tx_hash")),
                address=text("address") or None,
            )
        )
    errors.raise_if_any(rows_in)
    check_running_balances(rows, errors, cols.get("balance", ""), newest_first=layout.newest_first)
    errors.raise_if_any(rows_in)
    return Parsed("exchange_entries", rows, statement_key(ctx, accounts, times), rows_in)


def check_running_balances(
    rows: list[dict], errors: RowErrors, column: str, *, newest_first: bool = False
) -> None:
    """previous balance + amount - fee (in the same asset) = balance, per account and asset,
    over the final rows that carry a balance, in file order (reversed when newest first)."""
    running: dict[tuple[str, str], Decimal] = {}
    ordered = list(reversed(rows)) if newest_first else rows
    for row in ordered:
        if not row["is_final"] or row["balance"] is None:
            continue
        key = (row["account_id"], row["asset"])
        fee = row["fee"] if (row["fee_asset"] or row["asset"]) == row["asset"] else 0
        if key in running and running[key] + row["amount"] - fee != row["balance"]:
            errors.add(
                row["row_number"],
                column,
                str(row["balance"]),
                f"running balance does not add up: previous {running[key]} + amount "
                f"{row['amount']} - fee {fee} = {running[key] + row['amount'] - fee}",
            )
        running[key] = row["balance"]
