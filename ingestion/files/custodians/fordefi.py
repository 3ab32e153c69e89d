"""Fordefi transaction log (CSV export), one row per effect on a vault's balance.

Layout (FORMATS.md §3.6, https://docs.fordefi.com/docs/export-a-transaction): ``Affected Vault
Name, Affected Vault Address, Chain, Affected Vault ID, Creation Time, Created By (Name), Created
By (Email), Blockchain Mine Time, Transaction Direction, Transaction Source Address, Transaction
Source Name, Transaction Destination Address, Transaction Destination Name, Transaction ID,
Transaction Hash, Effect Type, Effect Number`` and asset / amount columns whose names Fordefi
does not publish: this adapter reads them as ``Asset`` and ``Amount`` (a file naming them
otherwise is rejected, showing its header). One transaction gives several rows (one per effect;
an internal transfer one per vault). ``Effect Type``: Credit (+), Debit (-), Gas Fees (-, its own
row, movement type ``fee``, in the chain's gas asset), Allowance and Voting (move no balance:
stored with amount 0, type ``other``); the amount's sign comes from the type (the cell's own sign
is ignored). The account is ``Affected Vault ID``. The time is ``Blockchain Mine Time`` (else
``Creation Time``): ISO-8601; a time without a zone takes the landing source's ``timezone`` or
is rejected. The entry id is ``<Transaction ID>:<Effect Number>:<Affected Vault ID>``. The log
holds completed transactions only: every row is final. The people columns (``Created By``) are
never read.
"""

from __future__ import annotations

from decimal import Decimal

from ingestion.files.adapters import (
    ParseContext,
    Parsed,
    custodian_movement,
    empty_file,
    hex_hash,
    parse_cell,
    statement_key,
)
from ingestion.files.problems import RowErrors
from ingestion.files.text import decode, read_csv
from ingestion.files.values import NumberStyle, parse_decimal, parse_iso

REQUIRED = ["Affected Vault ID", "Creation Time", "Transaction ID", "Effect Type",
            "Effect Number", "Asset", "Amount"]  # fmt: skip
OPTIONAL = ["Affected Vault Name", "Affected Vault Address", "Chain", "Blockchain Mine Time",
            "Transaction Direction", "Transaction Source Address", "Transaction Source Name",
            "Transaction Destination Address", "Transaction Destination Name",
            "Transaction Hash", "Created By (Name)", "Created By (Email)"]  # fmt: skip
STYLE = NumberStyle(thousands=True, exponent=True)
EFFECTS = {"credit": (1, "deposit"), "debit": (-1, "withdrawal"), "gas fees": (-1, "fee"),
           "allowance": (0, "other"), "voting": (0, "other")}  # fmt: skip
PERSONAL = {"Created By (Name)", "Created By (Email)"}


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    table = read_csv(decode(data), delimiter=",", required=REQUIRED, optional=OPTIONAL)
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    tz = ctx.source_tz()
    errors = RowErrors()
    rows, accounts, times, seen = [], set(), [], {}
    for n, cells in table.rows:
        get = lambda c, cells=cells: (table.get(cells, c) or "").strip()  # noqa: E731
        vault = get("Affected Vault ID")
        account = ctx.custodian_account(errors, n, "Affected Vault ID", vault)
        time_col = "Blockchain Mine Time" if get("Blockchain Mine Time") else "Creation Time"
        when = parse_cell(errors, n, time_col, get(time_col), parse_iso, tz)
        amount = parse_cell(errors, n, "Amount", get("Amount"), parse_decimal, STYLE)
        effect = get("Effect Type").lower()
        code = get("Asset")
        if effect not in EFFECTS:
            errors.add(n, "Effect Type", get("Effect Type"), f"unknown; known: {sorted(EFFECTS)}")
            continue
        if not code:
            errors.add(n, "Asset", "", "empty")
        entry_id = f"{get('Transaction ID')}:{get('Effect Number')}:{vault}"
        if not get("Transaction ID") or not get("Effect Number"):
            errors.add(n, "Transaction ID", None, "Transaction ID and Effect Number are the id")
            continue
        if entry_id in seen:
            errors.add(n, "Effect Number", get("Effect Number"),
                       f"same transaction, effect and vault as row {seen[entry_id]}")  # fmt: skip
            continue
        seen[entry_id] = n
        if account is None or when is None or amount is None or not code:
            continue
        sign, movement_type = EFFECTS[effect]
        accounts.add(account.id)
        times.append(when)
        rows.append(
            custodian_movement(
                ctx,
                n,
                account,
                external_account_id=vault,
                entry_id=entry_id,
                movement_type=movement_type,
                provider_type=get("Effect Type"),
                status="completed",
                is_final=True,
                asset=ctx.asset(code),
                provider_asset=code,
                amount=abs(amount) * sign if sign else Decimal(0),
                occurred_at=when,
                tx_hash=hex_hash(get("Transaction Hash")),
            )
        )
    errors.raise_if_any(rows_in)
    return Parsed("custodian_movements", rows, statement_key(ctx, accounts, times), rows_in)
