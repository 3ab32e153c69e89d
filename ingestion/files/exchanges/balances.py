"""Exchange balance snapshots: a balances CSV read through ``files.balance_layouts`` (adapter
``canonical_balances``) into raw.exchange_balances, the anchors of exchange accounts whose
entries carry no running balance.

One row per account x asset as of a time. Fields (``columns``: field -> header): ``asset``,
and ``balance`` or both ``available`` and ``locked`` (balance = available + locked; when all
three are mapped the identity must hold exactly); ``account`` (the venue's account id, looked
up by venue + external_id; else the landing source's ``account``); ``as_of`` (else the file
name's ``_YYYYMMDDTHHMMSSZ``, UTC). Two rows for one account, asset and as-of reject the file.
"""

from __future__ import annotations

from ingestion.files.adapters import (
    ParseContext,
    Parsed,
    empty_file,
    optional_cell,
    parse_cell,
    statement_key,
)
from ingestion.files.layouts import number_style, read_layout_csv, time_parser
from ingestion.files.problems import FileRejected, Problem, RowErrors
from ingestion.files.values import parse_decimal


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    layout = ctx.config.files.balance_layout(ctx.source.layout or "")
    cols = layout.columns
    table = read_layout_csv(data, layout, list(cols.values()))
    rows_in = len(table.rows)
    file_as_of = ctx.file_as_of()
    if "as_of" not in cols and file_as_of is None:
        raise FileRejected(
            [
                Problem(
                    0,
                    "",
                    ctx.file_name,
                    f"layout {layout.name} maps no as_of column: name the file "
                    "<name>_<YYYYMMDDTHHMMSSZ>.csv (UTC)",
                )
            ],
            rows_in,
        )
    if not table.rows:
        raise empty_file()
    style = number_style(layout)
    when_of = time_parser(layout)
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    seen: dict[tuple, int] = {}
    for n, cells in table.rows:
        get = lambda f, cells=cells: table.get(cells, cols[f]) if f in cols else None  # noqa: E731
        account = ctx.exchange_account(errors, n, cols.get("account", ""), get("account"))
        as_of = file_as_of
        if "as_of" in cols:
            as_of = parse_cell(errors, n, cols["as_of"], get("as_of"), when_of)
        parts = {
            f: optional_cell(errors, n, cols[f], get(f), parse_decimal, style)
            for f in ("available", "locked")
            if f in cols
        }
        if "balance" in cols:
            balance = parse_cell(errors, n, cols["balance"], get("balance"), parse_decimal, style)
        else:
            balance = None
            if all(parts.get(f) is not None for f in ("available", "locked")):
                balance = parts["available"] + parts["locked"]
            else:
                errors.add(n, cols["available"], get("available"), "available and locked needed")
        asset_code = (get("asset") or "").strip()
        if not asset_code:
            errors.add(n, cols["asset"], "", "empty")
        if None in (account, as_of, balance) or not asset_code:
            continue
        if (
            "balance" in cols
            and len(parts) == 2
            and None not in parts.values()
            and parts["available"] + parts["locked"] != balance
        ):
            errors.add(
                n,
                cols["balance"],
                get("balance"),
                f"balance != available + locked ({parts['available'] + parts['locked']})",
            )
            continue
        if balance < 0:
            errors.add(n, cols.get("balance", cols["asset"]), str(balance), "negative balance")
            continue
        key = (account.id, ctx.asset(asset_code), as_of)
        if key in seen:
            errors.add(
                n, cols["asset"], asset_code, f"same account, asset and as-of as row {seen[key]}"
            )
            continue
        seen[key] = n
        accounts.add(account.id)
        times.append(as_of)
        rows.append(
            {
                "row_number": n,
                "venue": ctx.provider,
                "account_id": account.id,
                "asset": ctx.asset(asset_code),
                "venue_asset": asset_code,
                "as_of": as_of,
                "balance": balance,
                "available": parts.get("available"),
                "locked": parts.get("locked"),
            }
        )
    errors.raise_if_any(rows_in)
    key_times = [max(times)] if times else []
    return Parsed("exchange_balances", rows, statement_key(ctx, accounts, key_times), rows_in)
