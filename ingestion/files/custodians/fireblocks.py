"""Fireblocks vault balances: the JSON of `GET /v1/vault/asset_wallets` saved to a file.

Layout (FORMATS.md §3.1, fireblocks/ts-sdk `docs/models/AssetWallet.md`): ``{"assetWallets":
[...], "paging": {...}}`` (a bare list is accepted too), one object per vault account x asset with
``vaultId, assetId, available, total, pending, staked, frozen, lockedAmount, blockHeight,
blockHash, creationTimestamp``. Amounts are decimal *strings*; a JSON number is rejected (older
SDKs typed them as numbers, which can have lost precision). Fireblocks states
``total = available + pending + lockedAmount + frozen``: a row where that does not hold exactly
is rejected. The listing carries no as-of time, so the file name must:
``<anything>_<YYYYMMDDTHHMMSSZ>.json`` (UTC).
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
from ingestion.files.values import parse_decimal, parse_int

AMOUNTS = ("total", "available", "pending", "frozen", "lockedAmount", "staked")


def _string_decimal(value: object) -> Decimal:
    if not isinstance(value, str):
        raise CellError("expected a decimal string (a JSON number may have lost precision)")
    return parse_decimal(value)


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    payload = read_json(decode(data))
    items = payload.get("assetWallets") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise FileRejected(
            [Problem(0, "", None, "expected a JSON list or an object with 'assetWallets'")]
        )
    rows_in = len(items)
    as_of = ctx.file_as_of()
    if as_of is None:
        raise FileRejected(
            [
                Problem(
                    0,
                    "",
                    ctx.file_name,
                    "the balance listing has no as-of time: name the file "
                    "<name>_<YYYYMMDDTHHMMSSZ>.json (UTC)",
                )
            ],
            rows_in,
        )
    if not items:
        raise FileRejected([Problem(0, "", None, "no balances in the file")], rows_in)
    errors = RowErrors()
    rows, accounts = [], set()
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.add(n, "", None, "expected an object")
            continue
        missing = [k for k in ("vaultId", "assetId", "total", "available") if k not in item]
        if missing:
            errors.add(n, ",".join(missing), None, "required field(s) missing")
            continue
        vault = str(item["vaultId"])
        account = ctx.custodian_account(errors, n, "vaultId", vault)
        values = {k: optional_cell(errors, n, k, item.get(k), _string_decimal) for k in AMOUNTS}
        total = parse_cell(errors, n, "total", item.get("total"), _string_decimal)
        height = item.get("blockHeight")
        block_height = None
        if height not in (None, ""):
            block_height = parse_cell(
                errors, n, "blockHeight", height, parse_int, "bigint", signed=False
            )
        if (
            account is None
            or total is None
            or any(values[k] is None and item.get(k) not in (None, "") for k in AMOUNTS)
        ):
            continue
        parts = [
            values[k] or Decimal(0) for k in ("available", "pending", "lockedAmount", "frozen")
        ]
        if sum(parts) != total:
            errors.add(
                n,
                "total",
                item["total"],
                f"total != available + pending + lockedAmount + frozen ({sum(parts)})",
            )
            continue
        accounts.add(account.id)
        rows.append(
            {
                "row_number": n,
                "provider": ctx.provider,
                "account_id": account.id,
                "external_account_id": vault,
                "asset": ctx.asset(str(item["assetId"])),
                "provider_asset": str(item["assetId"]),
                "as_of": as_of,
                "balance": total,
                "available": values["available"],
                "pending": values["pending"],
                "frozen": values["frozen"],
                "locked": values["lockedAmount"],
                "staked": values["staked"],
                "block_height": block_height,
            }
        )
    errors.raise_if_any(rows_in)
    return Parsed("custodian_balances", rows, statement_key(ctx, accounts, [as_of]), rows_in)
