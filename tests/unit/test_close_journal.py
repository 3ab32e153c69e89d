"""The close pack's journal, built from small snapshot tables: one entry per movement that
reaches the general ledger (issuer purchases and redemptions, conversions with proceeds,
receipts and payments, fees, the change of basis, the remeasurement), each balanced and
traced to its source rows; client holdings only as memo lines, never in the entity's own
totals; the configured chart of accounts; the ERP import files."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from reporting.close.erp_exports import (
    NETSUITE_COLUMNS,
    QUICKBOOKS_COLUMNS,
    XERO_COLUMNS,
    write_erp_files,
)
from reporting.close.journal import JOURNAL_COLUMNS, journal
from reporting.close.snapshot import Table
from reporting.close.tables import CLIENT, OWN, PackTable

START, END = date(2026, 10, 1), date(2026, 10, 31)
D = Decimal

EVENT_COLUMNS = (
    ("entity", "VARCHAR"),
    ("asset", "VARCHAR"),
    ("event_sequence", "BIGINT"),
    ("event_at", "TIMESTAMP WITH TIME ZONE"),
    ("event_date", "DATE"),
    ("event_kind", "VARCHAR"),
    ("quantity", "DECIMAL(38,18)"),
    ("cost_usd", "DECIMAL(38,6)"),
    ("proceeds_usd", "DECIMAL(38,6)"),
    ("event_source", "VARCHAR"),
    ("event_ref", "VARCHAR"),
    ("cost_of_units_sold_usd", "DECIMAL(38,6)"),
    ("realized_gain_loss_usd", "DECIMAL(38,6)"),
    ("movement_type", "VARCHAR"),
    ("network", "VARCHAR"),
    ("tx_hash", "VARCHAR"),
    ("counterparty_name", "VARCHAR"),
    ("counterparty_kind", "VARCHAR"),
    ("own_account_id", "VARCHAR"),
)


def _event(
    seq,
    kind,
    units,
    *,
    at=None,
    cost=None,
    proceeds=None,
    relieved=None,
    gain=None,
    source="wallet",
    movement=None,
    network="ethereum",
    counterparty=None,
    own_account=None,
):
    at = at or datetime(2026, 10, 2 + seq, 15, 0, tzinfo=UTC)
    ref = f"{network}:0x{seq:04x}:0:{'in' if kind == 'acquisition' else 'out'}"
    if source == "exchange":
        ref = f"kraken:kraken-trading:T{seq}"
    name, cp_kind = counterparty or (None, None)
    return (
        "acme",
        "USD1",
        seq,
        at,
        at.date(),
        kind,
        D(units),
        None if cost is None else D(cost),
        None if proceeds is None else D(proceeds),
        source,
        ref,
        None if relieved is None else D(relieved),
        None if gain is None else D(gain),
        movement,
        network if source == "wallet" else None,
        f"0x{seq:04x}" if source == "wallet" else None,
        name,
        cp_kind,
        own_account,
    )


FAIR_VALUE_COLUMNS = (
    ("period", "VARCHAR"),
    ("entity", "VARCHAR"),
    ("ownership", "VARCHAR"),
    ("asset", "VARCHAR"),
    ("units", "DECIMAL(38,18)"),
    ("fair_value_usd", "DECIMAL(38,6)"),
    ("measurement_basis", "VARCHAR"),
    ("policy_effective_date", "DATE"),
    ("is_measured", "BOOLEAN"),
    ("average_cost_per_unit", "DECIMAL(38,12)"),
    ("cost_basis_usd", "DECIMAL(38,6)"),
    ("accumulated_impairment_usd", "DECIMAL(38,6)"),
    ("carrying_amount_usd", "DECIMAL(38,6)"),
    ("realized_gain_loss_usd", "DECIMAL(38,6)"),
)


def _fv(period, owner, units, fair, basis, cost=None, carrying=None, impairment=None):
    measured = owner == OWN
    return (
        period,
        "acme",
        owner,
        "USD1",
        D(units),
        D(fair),
        basis,
        date(2026, 10, 1) if basis == "fair_value" else date(2026, 8, 1),
        measured,
        D("1.0000101") if measured else None,
        None if cost is None else D(cost),
        None if impairment is None else D(impairment),
        None if carrying is None else D(carrying),
        D(0) if measured else None,
    )


ROLLFORWARD_COLUMNS = (
    ("period", "VARCHAR"),
    ("entity", "VARCHAR"),
    ("ownership", "VARCHAR"),
    ("location_id", "VARCHAR"),
    ("asset", "VARCHAR"),
    ("fees", "DECIMAL(38,18)"),
)

EVENTS = [
    # from the entity's own custody vault (outside the pool, not outside the books)
    _event(9, "acquisition", "5000", cost="5000.4", movement="external", own_account="vault-7"),
    _event(1, "acquisition", "2000000", cost="2000000", movement="mint"),
    _event(2, "disposal", "250000.5", relieved="250002.531", movement="burn"),
    # a bridge: a burn on ethereum, the same units minted on bnb a minute later
    _event(
        3,
        "disposal",
        "50000",
        relieved="50000.505",
        movement="burn",
        at=datetime(2026, 10, 9, 12, 0, tzinfo=UTC),
    ),
    _event(
        4,
        "acquisition",
        "50000",
        cost="50000",
        movement="mint",
        network="bnb",
        at=datetime(2026, 10, 9, 12, 1, tzinfo=UTC),
    ),
    _event(
        5,
        "conversion",
        "41000.4",
        proceeds="40990.312",
        relieved="41000.814",
        gain="-10.502",
        source="exchange",
    ),
    _event(
        6,
        "acquisition",
        "1200.25",
        cost="1200.13",
        movement="external",
        counterparty=("partner-01", "partner"),
    ),
    _event(
        7,
        "disposal",
        "300",
        relieved="300.003",
        movement="external",
        counterparty=("vendor-01", "vendor"),
    ),
    _event(
        8, "acquisition", "10", cost="10", movement="external", counterparty=("issuer", "issuer")
    ),
]


LEDGER_COLUMNS = (
    ("entry_id", "VARCHAR"),
    ("entity", "VARCHAR"),
    ("account_id", "VARCHAR"),
    ("entry_type", "VARCHAR"),
    ("asset", "VARCHAR"),
    ("amount", "DECIMAL(38,18)"),
    ("posted_date", "DATE"),
    ("network", "VARCHAR"),
    ("tx_hash", "VARCHAR"),
)
LEDGER = (
    # the issuer mints into the custody vault: no wallet event sees it
    (
        "LE-7",
        "acme",
        "custody-vault",
        "mint",
        "USD1",
        D(1000000),
        date(2026, 10, 8),
        "ethereum",
        "0xfeed",
    ),
    # the ledger's record of the wallet mint (event 1): booked once, from the wallet event
    (
        "LE-8",
        "acme",
        "wallet-treasury",
        "mint",
        "USD1",
        D(2000000),
        date(2026, 10, 3),
        "ethereum",
        "0x0001",
    ),
    # a redemption burned from the vault
    (
        "LE-9",
        "acme",
        "custody-vault",
        "burn",
        "USD1",
        D(-1000),
        date(2026, 10, 20),
        "ethereum",
        "0xbeef",
    ),
)


def _tables(**extra: Table) -> dict[str, Table]:
    tables = {
        "issuer_ledger_entries": Table("issuer_ledger_entries", LEDGER_COLUMNS, LEDGER),
        "cost_events": Table("cost_events", EVENT_COLUMNS, tuple(EVENTS)),
        "fair_value": Table(
            "fair_value",
            FAIR_VALUE_COLUMNS,
            (
                _fv(
                    "2026-10",
                    OWN,
                    "1000360.8",
                    "1000148.796478",
                    "fair_value",
                    cost="1000380.1",
                    carrying="1000148.796478",
                ),
                _fv("2026-10", CLIENT, "500", "499.894", "fair_value"),
            ),
        ),
        "fair_value_prior": Table(
            "fair_value_prior",
            FAIR_VALUE_COLUMNS,
            (
                _fv(
                    "2026-09",
                    OWN,
                    "1000000",
                    "1000300",
                    "cash_equivalent",
                    cost="1000010",
                    carrying="1000000",
                ),
                _fv("2026-09", CLIENT, "400", "400.12", "cash_equivalent"),
            ),
        ),
        "inventory_rollforward": Table(
            "inventory_rollforward",
            ROLLFORWARD_COLUMNS,
            (
                ("2026-10", "acme", OWN, "kraken-trading", "USD1", D("1.000000000000000000")),
                ("2026-10", "acme", OWN, "ops-hot", "USD1", D(0)),
                ("2026-10", "acme", CLIENT, "omnibus", "USD1", D("2")),
            ),
        ),
    }
    tables.update(extra)
    return tables


def _lines(table) -> list[dict]:
    names = [c.name for c in table.columns]
    return [dict(zip(names, r, strict=True)) for r in table.rows]


def _entries(table) -> dict[str, list[dict]]:
    entries = defaultdict(list)
    for line in _lines(table):
        entries[line["journal_id"]].append(line)
    return entries


def _by_type(table, entry_type: str) -> list[list[dict]]:
    return [e for e in _entries(table).values() if e[0]["entry_type"] == entry_type]


def _wallet(entries: list[list[dict]]) -> list[list[dict]]:
    """The entries booked from the cost pool's events (not from the ledger)."""
    return [e for e in entries if e[0]["source"].startswith("cost_events:")]


def _dr_cr(entry: list[dict]) -> dict[str, tuple]:
    return {line["account_role"]: (line["debit_usd"], line["credit_usd"]) for line in entry}


SOURCE_KEYS = {  # the columns a source reference names, per snapshot table
    "cost_events": ("entity", "asset", "event_ref"),
    "issuer_ledger_entries": ("entry_id",),
    "fair_value": ("period", "entity", "ownership", "asset"),
    "fair_value_prior": ("period", "entity", "ownership", "asset"),
    "inventory_rollforward": ("period", "entity", "location_id"),
}


def _resolves(reference: str, tables: dict[str, Table]) -> bool:
    """`table:key` names exactly one row of that snapshot table."""
    name, _, key = reference.partition(":")
    rows = tables[name].dicts()
    return sum(1 for r in rows if "/".join(str(r[c]) for c in SOURCE_KEYS[name]) == key) == 1


def test_every_entry_balances_in_cents_and_traces_to_its_source_rows():
    tables = _tables()
    table = journal(tables, "2026-10", START, END)
    entries = _entries(table)
    assert len(entries) >= 9
    for jid, lines in entries.items():
        debit = sum((line["debit_usd"] or D(0) for line in lines), D(0))
        credit = sum((line["credit_usd"] or D(0) for line in lines), D(0))
        assert debit == credit > 0, jid
        for line in lines:
            for amount in (line["debit_usd"], line["credit_usd"]):
                assert amount is None or amount == amount.quantize(D("0.01"))
            assert (line["debit_usd"] is None) != (line["credit_usd"] is None)
            for reference in line["source"].split("; "):
                assert _resolves(reference, tables), reference
    mint = _wallet(_by_type(table, "issuer_purchase"))[0]
    assert mint[0]["source"] == "cost_events:acme/USD1/ethereum:0x0001:0:in"


def test_issuer_purchases_and_redemptions():
    table = journal(_tables(), "2026-10", START, END)
    purchases = _wallet(_by_type(table, "issuer_purchase"))
    # the mint, and USD1 received from the issuer's address (counterparty kind issuer)
    assert [_dr_cr(e) for e in purchases] == [
        {"digital_assets": (D("2000000.00"), None), "cash": (None, D("2000000.00"))},
        {"digital_assets": (D("10.00"), None), "cash": (None, D("10.00"))},
    ]
    (redemption,) = _wallet(_by_type(table, "issuer_redemption"))
    # cash at par for 250,000.5 units, the cost relieved, the difference a realised loss
    assert _dr_cr(redemption) == {
        "cash": (D("250000.50"), None),
        "digital_assets": (None, D("250002.53")),
        "realized_gain_loss": (D("2.03"), None),
    }


def test_issuer_mints_and_burns_the_ledger_books_on_own_accounts():
    table = journal(_tables(), "2026-10", START, END)
    entries = _entries(table)
    assert _dr_cr(entries["IP-2026-10-acme-LE-7"]) == {
        "digital_assets": (D("1000000.00"), None),
        "cash": (None, D("1000000.00")),
    }
    assert entries["IP-2026-10-acme-LE-7"][0]["source"] == "issuer_ledger_entries:LE-7"
    assert "IP-2026-10-acme-LE-8" not in entries  # the wallet event books that mint
    # at par, against the period end's average cost (1.0000101): a one-cent loss
    assert _dr_cr(entries["IR-2026-10-acme-LE-9"]) == {
        "cash": (D("1000.00"), None),
        "digital_assets": (None, D("1000.01")),
        "realized_gain_loss": (D("0.01"), None),
    }


def test_a_transfer_with_an_own_account_is_no_entry():
    table = journal(_tables(), "2026-10", START, END)
    assert not any("0x0009" in line["source"] for line in _lines(table))
    assert "1 transfer(s) with the entity's own custodian or exchange accounts" in table.note
    assert "ethereum:0x0009:0:in (vault-7)" in table.note


def test_a_bridge_burn_and_mint_is_no_purchase_or_redemption():
    table = journal(_tables(), "2026-10", START, END)
    sources = {line["source"] for line in _lines(table)}
    assert not any("0x0003" in s or "0x0004" in s for s in sources)
    assert "1 bridge transfer(s)" in table.note
    assert "burn ethereum:0x0003:0:out -> mint bnb:0x0004:0:in" in table.note
    # a burn whose mint comes later than the window is a redemption
    late = [e for e in EVENTS if e[2] != 4]
    late += [
        _event(
            4,
            "acquisition",
            "50000",
            cost="50000",
            movement="mint",
            network="bnb",
            at=datetime(2026, 10, 12, 12, 1, tzinfo=UTC),
        )
    ]
    events = Table("cost_events", EVENT_COLUMNS, tuple(late))
    table = journal(_tables(cost_events=events), "2026-10", START, END)
    assert len(_wallet(_by_type(table, "issuer_redemption"))) == 2
    assert len(_wallet(_by_type(table, "issuer_purchase"))) == 3


def test_conversion_books_proceeds_cost_relieved_and_realised_gain():
    table = journal(_tables(), "2026-10", START, END)
    (conversion,) = _by_type(table, "conversion")
    assert _dr_cr(conversion) == {
        "cash": (D("40990.31"), None),
        "digital_assets": (None, D("41000.81")),
        "realized_gain_loss": (D("10.50"), None),
    }
    assert conversion[0]["source"] == "cost_events:acme/USD1/kraken:kraken-trading:T5"


def test_receipts_and_payments_clear_against_settlement():
    table = journal(_tables(), "2026-10", START, END)
    (receipt,) = _by_type(table, "receipt")
    (payment,) = _by_type(table, "payment")
    assert _dr_cr(receipt) == {
        "digital_assets": (D("1200.13"), None),
        "settlement_clearing": (None, D("1200.13")),
    }
    assert "partner-01" in receipt[0]["description"]
    assert _dr_cr(payment) == {
        "settlement_clearing": (D("300.00"), None),
        "digital_assets": (None, D("300.00")),
    }


def test_fees_of_own_locations_are_expensed_at_average_cost():
    table = journal(_tables(), "2026-10", START, END)
    (fee,) = _by_type(table, "fee")
    # 1 USD1 at 1.0000101 average cost; the client location's fee is not the entity's expense
    assert _dr_cr(fee) == {"fees_expense": (D("1.00"), None), "digital_assets": (None, D("1.00"))}
    assert fee[0]["source"] == "inventory_rollforward:2026-10/acme/kraken-trading"


def test_change_of_basis_and_remeasurement():
    table = journal(_tables(), "2026-10", START, END)
    (transition,) = _by_type(table, "transition")
    # 09-30 at par 1,000,000.00 -> fair value 1,000,300.00 on 10-01, against equity
    assert transition[0]["entry_date"] == date(2026, 10, 1)
    assert _dr_cr(transition) == {
        "fair_value_adjustment": (D("300.00"), None),
        "transition_adjustment": (None, D("300.00")),
    }
    (remeasure,) = _by_type(table, "remeasurement")
    # adjustment 290.00 (fair value - cost on 09-30) -> -231.30 on 10-31
    assert _dr_cr(remeasure) == {
        "fair_value_adjustment": (None, D("521.30")),
        "unrealized_gain_loss": (D("521.30"), None),
    }
    # the same basis as the prior period: no transition, the movement of the adjustment only
    prior = Table(
        "fair_value_prior",
        FAIR_VALUE_COLUMNS,
        (
            _fv(
                "2026-09",
                OWN,
                "1000000",
                "1000300",
                "fair_value",
                cost="1000010",
                carrying="1000300",
            ),
        ),
    )
    table = journal(_tables(fair_value_prior=prior), "2026-10", START, END)
    assert not _by_type(table, "transition")
    (remeasure,) = _by_type(table, "remeasurement")
    assert _dr_cr(remeasure)["unrealized_gain_loss"] == (D("521.30"), None)


def test_cost_less_impairment_books_the_impairment():
    fair = Table(
        "fair_value",
        FAIR_VALUE_COLUMNS,
        (
            _fv(
                "2026-10",
                OWN,
                "1000",
                "990",
                "cost_less_impairment",
                cost="1000",
                carrying="985",
                impairment="15",
            ),
        ),
    )
    prior = Table(
        "fair_value_prior",
        FAIR_VALUE_COLUMNS,
        (
            _fv(
                "2026-09",
                OWN,
                "1000",
                "996",
                "cost_less_impairment",
                cost="1000",
                carrying="996",
                impairment="4",
            ),
        ),
    )
    table = journal(_tables(fair_value=fair, fair_value_prior=prior), "2026-10", START, END)
    (impairment,) = _by_type(table, "remeasurement")
    assert impairment[0]["journal_id"].startswith("IM-")
    assert _dr_cr(impairment) == {
        "fair_value_adjustment": (None, D("11.00")),
        "impairment": (D("11.00"), None),
    }


def test_client_holdings_are_memo_lines_never_in_the_entitys_totals():
    table = journal(_tables(), "2026-10", START, END)
    (memo,) = _by_type(table, "safeguarding")
    assert {line["ownership"] for line in memo} == {CLIENT}
    assert {line["account_code"] for line in memo} == {"9100", "9200"}
    # 400.12 -> 499.89: the change in the fair value of what clients hold
    assert _dr_cr(memo) == {
        "client_assets_safeguarded": (D("99.77"), None),
        "safeguarding_liability": (None, D("99.77")),
    }
    own = [line for line in _lines(table) if line["ownership"] == OWN]
    assert not {line["account_code"] for line in own} & {"9100", "9200"}
    own_debits = sum((line["debit_usd"] or D(0) for line in own), D(0))
    assert table.total("debit_usd", OWN) == own_debits == table.total("credit_usd", OWN)
    assert table.total("debit_usd", CLIENT) == D("99.77")
    assert [label for label, _ in table.total_groups()] == [
        "Total own (operating)",
        "Total client (safeguarded, off balance sheet)",
    ]


def test_lines_post_to_the_snapshot_chart_of_accounts():
    chart = Table(
        "chart_of_accounts",
        (
            ("entity", "VARCHAR"),
            ("account_role", "VARCHAR"),
            ("account_code", "VARCHAR"),
            ("account_name", "VARCHAR"),
            ("is_memo", "BOOLEAN"),
        ),
        (("acme", "cash", "1001-ACME", "Operating bank account", False),),
    )
    table = journal(_tables(chart_of_accounts=chart), "2026-10", START, END)
    cash = {
        (r["account_code"], r["account_name"]) for r in _lines(table) if r["account_role"] == "cash"
    }
    assert cash == {("1001-ACME", "Operating bank account")}
    # a role the snapshot's chart does not have keeps the built-in default
    assert {r["account_code"] for r in _lines(table) if r["account_role"] == "digital_assets"} == {
        "1200"
    }


def test_without_cost_events_the_realised_gain_comes_from_fair_value():
    tables = _tables()
    del tables["cost_events"]
    table = journal(tables, "2026-10", START, END)
    assert "no cost pool events" in table.note
    assert not _by_type(table, "conversion")
    assert _by_type(table, "transition") and _by_type(table, "remeasurement")


def _read(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, [dict(zip(header, row, strict=True)) for row in reader]


def test_erp_files_have_the_documented_columns_and_balance(tmp_path):
    table = journal(_tables(), "2026-10", START, END)
    files = {p.name: p for p in write_erp_files(table, "2026-10", tmp_path)}
    assert set(files) == {
        "journal_netsuite.csv",
        "journal_quickbooks_online.csv",
        "journal_xero.csv",
    }
    own_lines = [line for line in _lines(table) if line["ownership"] == OWN]
    own_entries = {line["journal_id"] for line in own_lines}

    header, rows = _read(files["journal_netsuite.csv"])
    assert (
        header
        == list(NETSUITE_COLUMNS)
        == [
            "External ID",
            "Date",
            "Subsidiary",
            "Currency",
            "Memo",
            "Account",
            "Debit",
            "Credit",
            "Line Memo",
        ]
    )
    assert len(rows) == len(own_lines)  # the client memo lines are not exported
    assert {r["External ID"] for r in rows} == own_entries
    assert rows[0]["Date"] == "10/03/2026"
    assert any(r["Account"] == "1010 Cash - USD settlement" for r in rows)
    net = defaultdict(Decimal)
    for r in rows:
        net[r["External ID"]] += D(r["Debit"] or 0) - D(r["Credit"] or 0)
    assert set(net.values()) == {D(0)}

    header, rows = _read(files["journal_quickbooks_online.csv"])
    assert (
        header
        == list(QUICKBOOKS_COLUMNS)
        == [
            "Journal No.",
            "Journal Date",
            "Account Name",
            "Description",
            "Debits",
            "Credits",
        ]
    )
    assert len({r["Journal No."] for r in rows}) == len(own_entries)
    assert all(len(r["Journal No."]) <= 21 for r in rows)
    net = defaultdict(Decimal)
    for r in rows:
        net[r["Journal No."]] += D(r["Debits"] or 0) - D(r["Credits"] or 0)
    assert set(net.values()) == {D(0)}

    header, rows = _read(files["journal_xero.csv"])
    assert (
        header
        == list(XERO_COLUMNS)
        == [
            "*Narration",
            "*Date",
            "Description",
            "*AccountCode",
            "*TaxRate",
            "*Amount",
            "TrackingName1",
            "TrackingOption1",
            "TrackingName2",
            "TrackingOption2",
        ]
    )
    assert rows[0]["*Date"] == "03/10/2026"
    net = defaultdict(Decimal)
    for r in rows:
        net[(r["*Narration"], r["*Date"])] += D(r["*Amount"])
    assert len(net) == len(own_entries) and set(net.values()) == {D(0)}


def _two_line_entries(entity: str, count: int) -> list[list]:
    rows = []
    for n in range(1, count + 1):
        for line, (debit, credit) in enumerate(((D("1.00"), None), (None, D("1.00"))), 1):
            role = "fees_expense" if debit else "digital_assets"
            rows.append(
                [
                    f"FE-{entity}-{n}",
                    END,
                    entity,
                    line,
                    str(line),
                    role,
                    "a fee",
                    debit,
                    credit,
                    "USD",
                    "fee",
                    OWN,
                    role,
                    f"inventory_rollforward:{n}",
                ]
            )
    return rows


def test_erp_files_per_entity_and_xero_parts_of_whole_entries(tmp_path):
    table = PackTable(
        "journal",
        "Journal entries",
        list(JOURNAL_COLUMNS),
        _two_line_entries("acme", 160) + _two_line_entries("beta", 1),
        ["debit_usd", "credit_usd"],
    )
    (tmp_path / "journal_xero_stale.csv").write_text("old", encoding="utf-8")
    names = sorted(p.name for p in write_erp_files(table, "2026-10", tmp_path))
    assert names == [
        "journal_netsuite.csv",  # one file: its Subsidiary column names the entity
        "journal_quickbooks_online_acme.csv",
        "journal_quickbooks_online_beta.csv",
        "journal_xero_acme_part1.csv",
        "journal_xero_acme_part2.csv",
        "journal_xero_beta.csv",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == names  # the stale file is gone
    _, first = _read(tmp_path / "journal_xero_acme_part1.csv")
    _, second = _read(tmp_path / "journal_xero_acme_part2.csv")
    assert len(first) == 300 and len(second) == 20  # at most 300 lines a file
    assert {r["*Narration"] for r in first}.isdisjoint({r["*Narration"] for r in second})
    _, beta = _read(tmp_path / "journal_quickbooks_online_beta.csv")
    assert {r["Journal No."] for r in beta} == {"2026-10-0161"}  # numbered in the period
