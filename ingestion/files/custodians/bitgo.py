"""BitGo wallet transfers: the JSON of `GET /api/v2/{coin}/wallet/{walletId}/transfer`.

Layout (FORMATS.md §3.2): ``{"coin", "transfers": [...], "nextBatchPrevId"}``; per transfer
``id`` (the entry id), ``coin``, ``wallet``, ``txid``, ``normalizedTxHash``, ``height``
(999999999 while unconfirmed), ``date`` (ISO-8601), ``type`` send | receive, ``valueString``
(**base units**, signed: negative on send), ``feeString``, ``usd``, ``state`` and
``metadata[]`` (``onChainTxId`` for Go-account withdrawals, whose ``txid`` is internal).
``value`` (a JSON number, approximate above 2^53) is never read. Base units are scaled with the
decimals of the account network's configured token, so a coin that is not that token is
rejected (map it with ``files.asset_aliases``).
"""

from __future__ import annotations

from ingestion.files.adapters import ParseContext, Parsed, hex_hash, parse_cell, statement_key
from ingestion.files.problems import CellError, FileRejected, Problem, RowErrors
from ingestion.files.text import decode, read_json
from ingestion.files.values import parse_base_units, parse_int, parse_iso

UNCONFIRMED_HEIGHT = 999_999_999
FINAL_STATES = {"confirmed"}


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    payload = read_json(decode(data))
    if not isinstance(payload, dict) or not isinstance(payload.get("transfers"), list):
        raise FileRejected([Problem(0, "transfers", None, "expected an object with 'transfers'")])
    items = payload["transfers"]
    rows_in = len(items)
    if not items:
        raise FileRejected([Problem(0, "", None, "no transfers in the file")], rows_in)
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            errors.add(n, "", None, "expected an object")
            continue
        missing = [
            k for k in ("id", "coin", "wallet", "type", "valueString", "date") if k not in item
        ]
        if missing:
            errors.add(n, ",".join(missing), None, "required field(s) missing")
            continue
        account = ctx.custodian_account(errors, n, "wallet", str(item["wallet"]))
        coin = str(item["coin"])
        asset = ctx.asset(coin)
        when = parse_cell(errors, n, "date", item["date"], parse_iso)
        kind = item["type"]
        if kind not in ("send", "receive"):
            errors.add(n, "type", str(kind), "expected send or receive")
            continue
        if account is None or when is None:
            continue
        decimals = ctx.token_decimals(account.network, asset)
        if decimals is None:
            errors.add(
                n,
                "coin",
                coin,
                f"not the configured token on {account.network}: its decimals are unknown "
                "(map the coin in files.asset_aliases)",
            )
            continue
        amount = parse_cell(
            errors, n, "valueString", item["valueString"], parse_base_units, decimals
        )
        fee = None
        if item.get("feeString") not in (None, ""):
            fee = parse_cell(errors, n, "feeString", item["feeString"], parse_base_units, decimals)
        if amount is None:
            continue
        if (kind == "send" and amount > 0) or (kind == "receive" and amount < 0):
            errors.add(n, "valueString", item["valueString"], f"sign does not match type {kind}")
            continue
        height = item.get("height")
        if height not in (None, ""):
            height = parse_cell(errors, n, "height", height, parse_int, "bigint")
            if height is None:
                continue
        else:
            height = None
        on_chain = next(
            (
                m.get("onChainTxId")
                for m in item.get("metadata") or []
                if isinstance(m, dict) and m.get("onChainTxId")
            ),
            None,
        )
        state = str(item.get("state") or "")
        accounts.add(account.id)
        times.append(when)
        rows.append(
            {
                "row_number": n,
                "provider": ctx.provider,
                "account_id": account.id,
                "external_account_id": str(item["wallet"]),
                "entry_id": str(item["id"]),
                "movement_type": "deposit" if kind == "receive" else "withdrawal",
                "provider_type": kind,
                "status": state or None,
                "is_final": state in FINAL_STATES and height not in (None, UNCONFIRMED_HEIGHT),
                "asset": asset,
                "provider_asset": coin,
                "amount": amount,
                "fee": fee,
                "amount_usd": None,
                "occurred_at": when,
                "tx_hash": hex_hash(on_chain)
                or hex_hash(item.get("normalizedTxHash"))
                or hex_hash(item.get("txid")),
                "block_height": None if height == UNCONFIRMED_HEIGHT else height,
            }
        )
    errors.raise_if_any(rows_in)
    return Parsed("custodian_movements", rows, statement_key(ctx, accounts, times), rows_in)


__all__ = ["CellError", "parse"]
