"""The operator's internal ledger: entries per account exported from its platform database.

Our own layout (CSV, UTF-8, comma-delimited, header by name):

| column | required | meaning |
|---|---|---|
| entry_id | yes | the platform's ledger entry id (dedup key) |
| posted_at | yes | ISO-8601 with Z or an offset |
| account_id | yes | a configured ``files.ledger_accounts[].id`` |
| owner_type | yes | client or operating; must match the account's configured owner_type |
| entry_type | yes | deposit, withdrawal, transfer, trade, fee, adjustment, mint, burn |
| asset | yes | e.g. USD1 |
| amount | yes | signed decimal: + increases the account (client: what the operator owes) |
| customer_id | no | the platform's customer id: **pseudonymised** (keyed HMAC) on load |
| customer_name, customer_email, memo | no | personal data: **never read** into the warehouse |
| counterparty_account_id | no | the other ledger account of a transfer |
| network, tx_hash | no | where the entry has an on-chain leg |

Customer identifiers are replaced by ``c_<hmac>`` before anything is written, and the values of
personal-data columns never appear in quarantine reports either.
"""

from __future__ import annotations

from ingestion.files.adapters import ParseContext, Parsed, empty_file, hex_hash, parse_cell
from ingestion.files.adapters import statement_key as make_key
from ingestion.files.problems import RowErrors
from ingestion.files.text import decode, read_csv
from ingestion.files.values import parse_decimal, parse_iso

REQUIRED = ["entry_id", "posted_at", "account_id", "owner_type", "entry_type", "asset", "amount"]
OPTIONAL = [
    "customer_id",
    "customer_name",
    "customer_email",
    "memo",
    "counterparty_account_id",
    "network",
    "tx_hash",
]
PERSONAL = {"customer_id", "customer_name", "customer_email", "memo"}
ENTRY_TYPES = {"deposit", "withdrawal", "transfer", "trade", "fee", "adjustment", "mint", "burn"}


def parse(data: bytes, ctx: ParseContext) -> Parsed:
    table = read_csv(decode(data), delimiter=",", required=REQUIRED, optional=OPTIONAL)
    rows_in = len(table.rows)
    if not table.rows:
        raise empty_file()
    accounts_cfg = {a.id: a for a in ctx.config.files.ledger_accounts}
    pseudonymise = ctx.pseudonymise
    errors = RowErrors()
    rows, accounts, times = [], set(), []
    seen: dict[str, int] = {}
    for n, cells in table.rows:
        get = lambda c, cells=cells: table.get(cells, c)  # noqa: E731
        entry_id = (get("entry_id") or "").strip()
        account_id = (get("account_id") or "").strip()
        owner_type = (get("owner_type") or "").strip()
        entry_type = (get("entry_type") or "").strip().lower()
        asset = (get("asset") or "").strip()
        when = parse_cell(errors, n, "posted_at", get("posted_at"), parse_iso)
        amount = parse_cell(errors, n, "amount", get("amount"), parse_decimal)
        account = accounts_cfg.get(account_id)
        if not entry_id:
            errors.add(n, "entry_id", "", "empty")
        elif entry_id in seen:
            errors.add(n, "entry_id", entry_id, f"repeats row {seen[entry_id]}")
        else:
            seen[entry_id] = n
        if account is None:
            errors.add(n, "account_id", account_id, "not in files.ledger_accounts")
        elif owner_type != account.owner_type:
            errors.add(
                n,
                "owner_type",
                owner_type,
                f"account {account_id} is configured as {account.owner_type}",
            )
        if entry_type not in ENTRY_TYPES:
            errors.add(n, "entry_type", get("entry_type"), f"expected one of {sorted(ENTRY_TYPES)}")
        if not asset:
            errors.add(n, "asset", "", "empty")
        raw_hash = (get("tx_hash") or "").strip()
        tx_hash = hex_hash(raw_hash) if raw_hash else None
        if raw_hash and tx_hash is None:
            errors.add(n, "tx_hash", raw_hash, "expected a 0x-prefixed 32-byte hex hash")
        counterparty = (get("counterparty_account_id") or "").strip() or None
        if counterparty is not None and counterparty not in accounts_cfg:
            errors.add(n, "counterparty_account_id", counterparty, "not in files.ledger_accounts")
        customer = (get("customer_id") or "").strip()
        if account is None or when is None or amount is None:
            continue
        if customer and pseudonymise is None:  # pragma: no cover - the loader always sets it
            raise RuntimeError("ledger files need a pseudonymiser")
        accounts.add(account.id)
        times.append(when)
        rows.append(
            {
                "row_number": n,
                "entry_id": entry_id,
                "account_id": account.id,
                "owner_type": account.owner_type,
                "entity": account.entity,
                "entry_type": entry_type,
                "asset": ctx.asset(asset),
                "amount": amount,
                "posted_at": when,
                "customer_ref": pseudonymise(customer) if customer and pseudonymise else None,
                "counterparty_account_id": counterparty,
                "network": (get("network") or "").strip() or None,
                "tx_hash": tx_hash,
            }
        )
    errors.raise_if_any(rows_in)
    return Parsed("ledger_entries", rows, make_key(ctx, accounts, times), rows_in)
