"""The close pack's journal: the entries a controller posts for the period, built from the
close's snapshot and posted to the configured chart of accounts (ingestion/chart_of_accounts.py).

One entry per movement that reaches the general ledger, each balanced (debits = credits per
`journal_id`, in cents) and each line naming its source rows (`source`: the snapshot table and
the row's key):

- `issuer_purchase` / `issuer_redemption`: USD1 minted to (burned from) an own wallet, or
  received from (sent to) the issuer's address: cash paid (received) at the cost the pool
  books (par for a mint), and on a redemption the cost relieved with the gain / loss against
  par (cost_events rows); and the mints (burns) the internal ledger books on an own account
  no wallet event covers, such as the issuer minting into a custody vault, at par
  (issuer_ledger_entries rows);
- no entry, listed in the table's note: a bridge (a burn matched by a mint of the same units
  on another network of the same entity within a day moves inventory, not value), and a
  transfer between an own wallet and an own custodian or exchange account;
- `conversion`: USD1 sold for USD: proceeds (cash debit), cost relieved (asset credit),
  realised gain / loss (cost_events);
- `receipt` / `payment`: USD1 received from / paid to anyone else (customers, vendors,
  partners) against the settlement clearing account, at the cost the pool books (cost_events);
- `fee`: token fees charged by venues and custodians (inventory_rollforward.fees), expensed
  at the entity's average cost per unit at the period end (fair_value);
- `transition`: the change of a measurement basis between the prior period and this one
  (e.g. cash equivalent at par -> fair value): the carrying amount at the change date moves
  from the old basis (the prior period's carrying amount) to the new one (the prior period
  end measured on the new basis), against the transition account (cumulative effect);
- `remeasurement`: the valuation adjustment (carrying amount - cost) moved from its opening
  balance to the period end: fair value and par to unrealised gain / loss, cost less
  impairment to impairment (fair_value, fair_value_prior);
- `safeguarding`: the change in the fair value of client holdings as off-balance-sheet memo
  lines with the matching safeguarding liability (ownership 'client': totalled apart, never
  in the entity's own totals).

A snapshot without cost pool events (closed before they were snapshotted, or a warehouse
without them) books the realised gain of `fair_value` as one two-line entry instead of the
conversions, and says so.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ingestion.chart_of_accounts import DEFAULT_ACCOUNTS
from reporting.close.snapshot import Table
from reporting.close.tables import CENT, Column, PackTable

OWN = "operating"
CLIENT = "client"
PAR = Decimal(1)
BRIDGE_WINDOW = timedelta(days=1)
JOURNAL_COLUMNS = [
    Column("journal_id", "text"),
    Column("entry_date", "date"),
    Column("entity", "text"),
    Column("line", "int"),
    Column("account_code", "text"),
    Column("account_name", "text"),
    Column("description", "text"),
    Column("debit_usd", "usd"),
    Column("credit_usd", "usd"),
    Column("currency", "text"),
    Column("entry_type", "text"),
    Column("ownership", "text"),
    Column("account_role", "text"),
    Column("source", "text"),
]
ENTRY_TYPES = (
    "issuer_purchase",
    "issuer_redemption",
    "conversion",
    "receipt",
    "payment",
    "fee",
    "transition",
    "remeasurement",
    "realised_gain",
    "safeguarding",
)
# journal_id prefix per kind of cost pool event
PREFIX = {
    "issuer_purchase": "IP",
    "issuer_redemption": "IR",
    "conversion": "CV",
    "exchange_purchase": "XP",
    "receipt": "RC",
    "payment": "PM",
}
# the profit-and-loss account of a basis's remeasurement
REMEASUREMENT_ROLE = {
    "fair_value": "unrealized_gain_loss",
    "cash_equivalent": "unrealized_gain_loss",
    "cost_less_impairment": "impairment",
}


def cents(value: object) -> Decimal:
    """An amount in cents, half up (as booked); None is zero."""
    return Decimal(0) if value is None else Decimal(value).quantize(CENT, ROUND_HALF_UP)


@dataclass
class Entry:
    """One balanced journal entry: (role, signed amount) lines, + debit and - credit."""

    journal_id: str
    entry_date: date
    entity: str
    entry_type: str
    description: str
    source: str
    ownership: str = OWN
    lines: list[tuple[str, Decimal]] = field(default_factory=list)

    def add(self, role: str, amount: Decimal) -> Entry:
        if amount != 0:
            self.lines.append((role, amount))
        return self

    def balance_to(self, role: str) -> Entry:
        """Close the entry on `role` with whatever makes it balance (a gain or a loss)."""
        return self.add(role, -sum((a for _, a in self.lines), Decimal(0)))

    @property
    def balanced(self) -> bool:
        return sum((a for _, a in self.lines), Decimal(0)) == 0


class Accounts:
    """The snapshot's chart of accounts: (entity, role) -> (code, name), built-in defaults
    for what it does not have (a snapshot closed before the chart was configured)."""

    def __init__(self, table: Table | None):
        self.rows = {}
        for row in table.dicts() if table is not None else []:
            key = (row["entity"], row["account_role"])
            self.rows[key] = (row["account_code"], row["account_name"])

    def __call__(self, entity: str, role: str) -> tuple[str, str]:
        return self.rows.get((entity, role)) or DEFAULT_ACCOUNTS[role]


def _key(*parts: object) -> str:
    return "/".join(str(p) for p in parts)


def _event_entries(events: list[dict], period_name: str) -> tuple[list[Entry], list[str]]:
    """Entries for the cost pool's events of the period, and notes on the events left out:
    bridge pairs, and transfers with the entity's own custodian or exchange accounts (the
    pool sees those accounts as outside it; the books do not)."""
    bridged = _bridge_pairs(events)
    entries: list[Entry] = []
    internal = []
    for event in sorted(events, key=lambda e: (e["entity"], e["asset"], e["event_sequence"])):
        if event["event_ref"] in bridged:
            continue
        if event.get("own_account_id"):
            internal.append(f"{event['event_ref']} ({event['own_account_id']})")
            continue
        entry = _event_entry(event, period_name)
        if entry is not None and entry.lines:
            entries.append(entry)
    notes = []
    burns = sorted(e["event_ref"] for e in events if e.get("movement_type") == "burn")
    bridges = [f"burn {ref} -> mint {bridged[ref]}" for ref in burns if ref in bridged]
    if bridges:
        notes.append(
            f"{len(bridges)} bridge transfer(s) (a burn and a mint of the same units on "
            f"another network within a day) move inventory, not value: no entry "
            f"({'; '.join(bridges)})"
        )
    if internal:
        notes.append(
            f"{len(internal)} transfer(s) with the entity's own custodian or exchange "
            f"accounts move inventory between its own locations: no entry ({'; '.join(internal)})"
        )
    return entries, notes


def _bridge_pairs(events: list[dict]) -> dict[str, str]:
    """Burns matched one to one with a mint of the same entity, asset and units on another
    network within BRIDGE_WINDOW after it: event_ref -> the other leg's event_ref."""
    mints = [e for e in events if e.get("movement_type") == "mint"]
    pairs: dict[str, str] = {}
    burns = sorted(
        (e for e in events if e.get("movement_type") == "burn"), key=lambda e: e["event_at"]
    )
    for burn in burns:
        for mint in sorted(mints, key=lambda e: e["event_at"]):
            if (
                mint["event_ref"] not in pairs
                and mint["entity"] == burn["entity"]
                and mint["asset"] == burn["asset"]
                and mint.get("network") != burn.get("network")
                and Decimal(mint["quantity"]) == Decimal(burn["quantity"])
                and _within(burn["event_at"], mint["event_at"])
            ):
                pairs[burn["event_ref"]] = mint["event_ref"]
                pairs[mint["event_ref"]] = burn["event_ref"]
                break
    return pairs


def _within(burn_at: datetime, mint_at: datetime) -> bool:
    return timedelta(0) <= mint_at - burn_at <= BRIDGE_WINDOW


def _event_kind(event: dict) -> str:
    issuer = event.get("counterparty_kind") == "issuer"
    kind = event["event_kind"]
    if kind == "conversion":
        return "conversion"
    if kind == "acquisition":
        if event.get("movement_type") == "mint" or issuer:
            return "issuer_purchase"
        return "exchange_purchase" if event.get("event_source") == "exchange" else "receipt"
    if event.get("movement_type") == "burn" or issuer:
        return "issuer_redemption"
    return "payment"


def _event_entry(event: dict, period_name: str) -> Entry | None:
    kind = _event_kind(event)
    entity, asset = event["entity"], event["asset"]
    units = Decimal(event["quantity"])
    where = _where(event)
    source = f"cost_events:{_key(entity, asset, event['event_ref'])}"
    jid = f"{PREFIX[kind]}-{period_name}-{entity}-{asset}-{event['event_sequence']}"
    entry_date = event["event_date"]
    cost = cents(event.get("cost_usd"))
    relieved = cents(event.get("cost_of_units_sold_usd"))
    text = f"{units.normalize():f} {asset}"
    if kind == "issuer_purchase":
        text = f"Bought {text} from the issuer{where}"
        entry = Entry(jid, entry_date, entity, kind, text, source)
        return entry.add("digital_assets", cost).add("cash", -cost)
    if kind == "exchange_purchase":
        entry = Entry(jid, entry_date, entity, "receipt", f"Bought {text} for USD{where}", source)
        return entry.add("digital_assets", cost).add("cash", -cost)
    if kind == "receipt":
        entry = Entry(jid, entry_date, entity, kind, f"Received {text}{where}", source)
        return entry.add("digital_assets", cost).add("settlement_clearing", -cost)
    if kind == "payment":
        entry = Entry(jid, entry_date, entity, kind, f"Paid {text}{where}", source)
        return entry.add("settlement_clearing", relieved).add("digital_assets", -relieved)
    if kind == "issuer_redemption":
        par = cents(units * PAR)
        entry = Entry(
            jid,
            entry_date,
            entity,
            kind,
            f"Redeemed {text} with the issuer at par{where}",
            source,
        )
        entry.add("cash", par).add("digital_assets", -relieved)
        return entry.balance_to("realized_gain_loss")
    proceeds = cents(event.get("proceeds_usd"))
    entry = Entry(jid, entry_date, entity, kind, f"Sold {text} for USD{where}", source)
    entry.add("cash", proceeds).add("digital_assets", -relieved)
    return entry.balance_to("realized_gain_loss")


def _where(event: dict) -> str:
    if event.get("event_source") == "exchange":
        return f" ({event['event_ref']})"
    parts = [event.get("network"), event.get("tx_hash")]
    name = event.get("counterparty_name")
    where = ", ".join(str(p) for p in parts if p)
    return f" ({where}{', ' + name if name else ''})" if where else ""


def _average_costs(tables: dict[str, Table]) -> dict[tuple[str, str], Decimal]:
    """(entity, asset) -> the own holdings' average cost per unit at the period end."""
    rows = tables["fair_value"].dicts() if "fair_value" in tables else []
    return {
        (r["entity"], r["asset"]): Decimal(r["average_cost_per_unit"])
        for r in rows
        if r["ownership"] == OWN and r.get("average_cost_per_unit") is not None
    }


def _ledger_issuer_entries(
    tables: dict[str, Table], events: list[dict], period_name: str
) -> list[Entry]:
    """Mints into (burns from) the entity's own accounts that its ledger books and no wallet
    event of the period covers (the issuer minting into a custody vault): bought from
    (redeemed with) the issuer at par; a redemption relieves the period end's average cost."""
    seen = {(e.get("network"), e.get("tx_hash")) for e in events if e.get("tx_hash")}
    costs = _average_costs(tables)
    entries = []
    rows = sorted(tables["issuer_ledger_entries"].dicts(), key=lambda r: r["entry_id"])
    for row in rows:
        if row.get("tx_hash") and (row.get("network"), row["tx_hash"]) in seen:
            continue  # booked from the wallet event
        entity, asset, amount = row["entity"], row["asset"], Decimal(row["amount"])
        units = abs(amount)
        par = cents(units * PAR)
        where = ", ".join(str(p) for p in (row["account_id"], row.get("tx_hash")) if p)
        source = f"issuer_ledger_entries:{row['entry_id']}"
        text = f"{units.normalize():f} {asset}"
        if amount > 0:
            entry = Entry(
                f"IP-{period_name}-{entity}-{row['entry_id']}",
                row["posted_date"],
                entity,
                "issuer_purchase",
                f"Bought {text} from the issuer, minted into {where}",
                source,
            )
            entries.append(entry.add("digital_assets", par).add("cash", -par))
            continue
        relieved = cents(units * costs.get((entity, asset), PAR))
        entry = Entry(
            f"IR-{period_name}-{entity}-{row['entry_id']}",
            row["posted_date"],
            entity,
            "issuer_redemption",
            f"Redeemed {text} with the issuer at par, burned from {where}",
            source,
        )
        entry.add("cash", par).add("digital_assets", -relieved)
        entries.append(entry.balance_to("realized_gain_loss"))
    return [e for e in entries if e.lines]


def _fee_entries(tables: dict[str, Table], period_name: str, end: date) -> list[Entry]:
    """Token fees of own locations, expensed at the period end's average cost per unit (par
    when the snapshot has none)."""
    if "inventory_rollforward" not in tables:
        return []
    cost = _average_costs(tables)
    fees: dict[tuple[str, str], list[tuple[str, Decimal]]] = defaultdict(list)
    for row in tables["inventory_rollforward"].dicts():
        if row.get("ownership") == OWN and row.get("fees"):
            key = (row["entity"], row["asset"])
            fees[key].append((row["location_id"], Decimal(row["fees"])))
    entries = []
    for (entity, asset), items in sorted(fees.items()):
        units = sum((u for _, u in items), Decimal(0))
        per_unit = cost.get((entity, asset), PAR)
        amount = cents(units * per_unit)
        locations = ", ".join(f"{loc} {u.normalize():f}" for loc, u in sorted(items))
        entry = Entry(
            f"FE-{period_name}-{entity}-{asset}",
            end,
            entity,
            "fee",
            f"Fees paid in {asset} in {period_name}: {units.normalize():f} {asset} at "
            f"{per_unit.normalize():f} USD average cost ({locations})",
            "; ".join(
                f"inventory_rollforward:{_key(period_name, entity, loc)}" for loc, _ in items
            ),
        )
        entries.append(entry.add("fees_expense", amount).add("digital_assets", -amount))
    return entries


def _new_basis_carrying(basis: str, prior: dict) -> Decimal | None:
    """The prior period end measured on `basis` (the carrying amount at the change date)."""
    if basis == "fair_value":
        return prior.get("fair_value_usd")
    if basis == "cash_equivalent":
        return None if prior.get("units") is None else Decimal(prior["units"]) * PAR
    if prior.get("cost_basis_usd") is None:
        return None
    return Decimal(prior["cost_basis_usd"]) - Decimal(prior.get("accumulated_impairment_usd") or 0)


def _measurement_entries(
    tables: dict[str, Table], period_name: str, start: date, end: date
) -> list[Entry]:
    """The transition (a change of basis) and the remeasurement of own holdings; the
    safeguarding memo of client holdings."""
    if "fair_value" not in tables:
        return []
    prior_rows = tables.get("fair_value_prior")
    prior = {
        (r["entity"], r["ownership"], r["asset"]): r
        for r in (prior_rows.dicts() if prior_rows is not None else [])
    }
    entries = []
    for row in sorted(tables["fair_value"].dicts(), key=lambda r: (r["entity"], r["asset"])):
        entity, asset, owner = row["entity"], row["asset"], row["ownership"]
        before = prior.get((entity, owner, asset))
        fv_key = f"fair_value:{_key(period_name, entity, owner, asset)}"
        prior_key = (
            f"fair_value_prior:{_key(before['period'], entity, owner, asset)}"
            if (before and before.get("period"))
            else "fair_value_prior"
        )
        if owner == CLIENT:
            movement = cents(row.get("fair_value_usd")) - cents(
                before.get("fair_value_usd") if before else None
            )
            entry = Entry(
                f"SG-{period_name}-{entity}-{asset}",
                end,
                entity,
                "safeguarding",
                f"Client {asset} safeguarded (memo, off balance sheet): change in fair value "
                f"in {period_name}",
                f"{fv_key}; {prior_key}" if before else fv_key,
                ownership=CLIENT,
            )
            entry.add("client_assets_safeguarded", movement)
            entries.append(entry.add("safeguarding_liability", -movement))
            continue
        if owner != OWN or row.get("is_measured") is False:
            continue
        basis = row.get("measurement_basis")
        if row.get("carrying_amount_usd") is None or row.get("cost_basis_usd") is None:
            continue
        target = cents(row["carrying_amount_usd"]) - cents(row["cost_basis_usd"])
        opening = Decimal(0)
        if before is not None and before.get("carrying_amount_usd") is not None:
            opening = cents(before["carrying_amount_usd"]) - cents(before.get("cost_basis_usd"))
            old = before.get("measurement_basis")
            changed = _new_basis_carrying(basis, before)
            if old != basis and changed is not None:
                effective = row.get("policy_effective_date") or start
                move = cents(changed) - cents(before["carrying_amount_usd"])
                entry = Entry(
                    f"TR-{period_name}-{entity}-{asset}",
                    effective if start <= effective <= end else start,
                    entity,
                    "transition",
                    f"Change of measurement basis of {asset}: {old} -> {basis} "
                    f"(carrying amount at the change date {cents(before['carrying_amount_usd'])} "
                    f"-> {cents(changed)} USD)",
                    f"{prior_key}; {fv_key}",
                )
                entry.add("fair_value_adjustment", move)
                entries.append(entry.add("transition_adjustment", -move))
                opening = cents(changed) - cents(before.get("cost_basis_usd"))
        movement = target - opening
        role = REMEASUREMENT_ROLE.get(basis, "unrealized_gain_loss")
        label = "Impairment" if role == "impairment" else "Remeasurement"
        entry = Entry(
            f"{'IM' if role == 'impairment' else 'FV'}-{period_name}-{entity}-{asset}",
            end,
            entity,
            "remeasurement",
            f"{label} of {asset} at {basis} for {period_name}: valuation adjustment "
            f"{opening} -> {target} USD",
            f"{fv_key}; {prior_key}" if before else fv_key,
        )
        entries.append(entry.add("fair_value_adjustment", movement).add(role, -movement))
    return entries


def _realised_from_fair_value(tables: dict[str, Table], period_name: str, end: date) -> list:
    """Without cost pool events: the realised gain of fair_value as one entry per asset."""
    entries = []
    for row in sorted(tables["fair_value"].dicts(), key=lambda r: (r["entity"], r["asset"])):
        if row["ownership"] != OWN or row.get("is_measured") is False:
            continue
        amount = cents(row.get("realized_gain_loss_usd"))
        entity, asset = row["entity"], row["asset"]
        entry = Entry(
            f"RG-{period_name}-{entity}-{asset}",
            end,
            entity,
            "realised_gain",
            f"Realised gain / loss on {asset} disposals in {period_name}",
            f"fair_value:{_key(period_name, entity, OWN, asset)}",
        )
        entries.append(entry.add("digital_assets", amount).add("realized_gain_loss", -amount))
    return [e for e in entries if e.lines]


def journal_entries(
    tables: dict[str, Table], period_name: str, start: date, end: date
) -> tuple[list[Entry], list[str]]:
    """Every entry of the period, and the notes on what was left out or is missing."""
    notes = []
    entries: list[Entry] = []
    events = tables["cost_events"].dicts() if "cost_events" in tables else []
    if "cost_events" in tables:
        booked, skipped = _event_entries(events, period_name)
        entries += booked
        notes += skipped
    if "issuer_ledger_entries" in tables:
        entries += _ledger_issuer_entries(tables, events, period_name)
    if "cost_events" not in tables and "fair_value" in tables:
        entries += _realised_from_fair_value(tables, period_name, end)
        notes.append(
            "the snapshot has no cost pool events: realised gains are booked from fair_value "
            "without their proceeds and cost"
        )
    entries += _fee_entries(tables, period_name, end)
    entries += _measurement_entries(tables, period_name, start, end)
    unbalanced = [e.journal_id for e in entries if not e.balanced]
    if unbalanced:  # every builder closes its entries; this guards the invariant
        raise ValueError(f"unbalanced journal entries: {unbalanced}")
    return entries, notes


def journal(tables: dict[str, Table], period_name: str, start: date, end: date) -> PackTable:
    """The journal section: one row per line, debits and credits in cents; own entries and
    the client memo lines totalled apart (the `ownership` column)."""
    table = PackTable(
        "journal",
        "Journal entries",
        list(JOURNAL_COLUMNS),
        totals=["debit_usd", "credit_usd"],
    )
    if "fair_value" not in tables and "cost_events" not in tables:
        table.note = "not available: no fair_value mart and no cost pool events at the close"
        return table
    accounts = Accounts(tables.get("chart_of_accounts"))
    entries, notes = journal_entries(tables, period_name, start, end)
    for entry in entries:
        for number, (role, amount) in enumerate(entry.lines, 1):
            code, name = accounts(entry.entity, role)
            table.rows.append(
                [
                    entry.journal_id,
                    entry.entry_date,
                    entry.entity,
                    number,
                    code,
                    name,
                    entry.description,
                    amount if amount > 0 else None,
                    -amount if amount < 0 else None,
                    "USD",
                    entry.entry_type,
                    entry.ownership,
                    role,
                    entry.source,
                ]
            )
    if not table.rows:
        notes.insert(0, "no movement reached the general ledger in this period")
    table.note = "; ".join(notes)
    return table
