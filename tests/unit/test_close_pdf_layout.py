"""The auditor's PDF (#17): page 1 (who closed what, cut-off blocks with hash and block time and
a flag for a block far before the period end, policy, own vs client headline, counts, contents),
the sections in their order, failed and warning checks only, the wallet register, the
period-over-period comparison (prior period closed or not), and a layout WeasyPrint honours:
headers on every page, no split row, the total kept with its table, no silent truncation."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal
from html import escape
from pathlib import Path

import duckdb
import pytest

from reporting.close.charts import balance_by_location_type, breaks_by_age
from reporting.close.closing import Check, close_period
from reporting.close.html_tables import html_table
from reporting.close.pack import build_pack
from reporting.close.pdf import CSS, font_faces, summary_html
from reporting.close.periods import parse_period
from reporting.close.tables import Column, PackTable
from tests.close_warehouse import HOT, build_close_warehouse

OCTOBER = parse_period("2026-10")
T0 = datetime(2026, 11, 2, 11, 0, tzinfo=UTC)
BNB_HASH = "0xbnbcutoff15hoursearly"
CHECKS = [
    Check("rollforward_identity", "error", "failed", "identity broken at vault-7"),
    Check("custodian_statement_fresh", "warn", "failed", "statement 2 days old"),
    *[Check(f"passing_check_{i:03d}", "error", "passed", "") for i in range(30)],
]
SECTION_ORDER = [
    "rollforward",
    "positions",
    "client-assets",
    "fair-value",
    "reconciliation",
    "journal",
    "comparison",
    "checks",
    "adjustments",
    "source-files",
    "notes",
    "signoff",
]


def _warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(build_close_warehouse(path)))
    con.execute(  # the contract's unexplained_change, non-zero on the custodian
        "alter table marts.inventory_rollforward add column unexplained_change decimal(38,18) "
        "default 0; update marts.inventory_rollforward set unexplained_change = 0.5, "
        "closing_balance = closing_balance + 0.5 where location_id = 'vault-7'"
    )
    con.execute(  # bnb's indexer stopped 15 h before the end of 2026-10-31 in New York
        "insert into raw.onchain_day_blocks values ('bnb', 56, date '2026-10-31', 9000, 9100, "
        f"'{BNB_HASH}', timestamptz '2026-10-31 13:00:00+00', true, true)"
    )
    return con


@pytest.fixture(scope="module")
def october(tmp_path_factory):
    folder = tmp_path_factory.mktemp("close_pdf_layout")
    con = _warehouse(folder / "warehouse.duckdb")
    closed, tables = close_period(
        con,
        OCTOBER,
        now=T0,
        actor="alice",
        run_id="run-1",
        checks=CHECKS,
        reporting_timezone="America/New_York",
    )
    con.close()
    pack = build_pack(closed, tables)
    return pack, summary_html(pack)


def _cover(html: str) -> str:
    start = html.index('<div class="cover">')
    return html[start : html.index('<h2 id="rollforward">')]


def _row(html: str, text: str) -> str:
    """The table row holding `text`."""
    index = html.index(text)
    return html[html.rindex("<tr", 0, index) : html.index("</tr>", index)]


def test_page_one_says_who_closed_what_with_cutoff_blocks_policy_and_headline(october):
    pack, html = october
    cover = _cover(html)
    for expected in (
        "Acme Pay Inc. (acme)",
        "2026-10 (month)",
        "America/New_York",
        "2026-11-02 11:00:00",  # closed at
        "<td>alice</td>",  # closed by
        pack.closed.content_hash,
        "Fair value through net income.",  # the measurement policy
    ):
        assert expected in cover, expected
    ethereum = _row(cover, "0xbbbcutoff")
    assert ">250<" in ethereum and "2026-11-01 03:59:59 UTC" in ethereum
    assert "flagged" not in ethereum  # one second before 2026-11-01 00:00 New York
    bnb = _row(cover, BNB_HASH)
    assert ">9,100<" in bnb or ">9100<" in bnb
    assert "2026-10-31 13:00:00 UTC" in bnb
    assert "flagged" in bnb and "cut-off block 15 h 00 min before period end" in bnb
    assert "Period end 2026-11-01 04:00:00 UTC" in cover


def test_page_one_headline_keeps_own_and_client_apart_and_counts(october):
    _, html = october
    cover = _cover(html)
    closing = _row(cover, "Closing balance (token units)")
    assert re.findall(r"<td class=n>([^<]*)</td>", closing) == ["1,000,361.373456", ""]
    fair = _row(cover, "Fair value (USD)")
    assert re.findall(r"<td class=n>([^<]*)</td>", fair) == ["1,000,148.80", "499.89"]
    assert "1,000,648.69" not in html  # own + client fair value: never shown
    unexplained = _row(cover, "Unexplained change (token units)")
    assert "0.500000" in unexplained
    assert "Open breaks at period end</th><td>1<" in cover
    assert "Failed checks (blocking)</th><td>1<" in cover
    assert "Warnings (failed, not blocking)</th><td>1<" in cover
    assert "Passed checks</th><td>30 of 32<" in cover
    toc = re.findall(r'<li><a href="#([\w-]+)">', cover)
    assert toc == SECTION_ORDER


def test_sections_follow_page_one_in_the_auditors_order(october):
    _, html = october
    ids = re.findall(r'<h2 id="([\w-]+)"', html)
    assert ids == SECTION_ORDER
    assert html.index('<div class="cover">') < html.index('<h2 id="rollforward">')
    rollforward = html[html.index('id="rollforward"') : html.index('id="positions"')]
    assert "unexplained change" in rollforward and "unexplained change usd" in rollforward
    assert "<th>address</th>" in html[html.index('id="positions"') : html.index('id="client')]


def test_only_failed_and_warning_checks_are_listed(october):
    _, html = october
    checks = html[html.index('id="checks"') : html.index('id="adjustments"')]
    assert "rollforward_identity" in checks and "custodian_statement_fresh" in checks
    assert "passing_check_" not in html
    assert "30 of 32 checks passed (not listed)" in checks


def test_wallet_register_and_prior_period_from_the_warehouse(october):
    pack, html = october
    register = next(t for t in pack.sections if t.key == "wallet_register")
    by_address = {r[3]: r for r in register.rows}
    assert set(by_address) == {HOT, "vault-7"}  # the ledger account holds no tokens
    hot = dict(zip([c.name for c in register.columns], by_address[HOT], strict=True))
    assert (hot["label"], hot["purpose"], hot["custody_provider"], hot["ownership"]) == (
        "Hot wallet 1",
        "hot",
        "self",
        "operating",
    )
    assert hot["balance"] == Decimal("105.749999")
    vault = dict(zip([c.name for c in register.columns], by_address["vault-7"], strict=True))
    assert (vault["location_type"], vault["label"], vault["custody_provider"]) == (
        "custodian",
        "vault-7 (provider id FB-7)",
        "fireblocks",
    )
    comparison = next(t for t in pack.sections if t.key == "comparison")
    assert "from the warehouse's data at this close (2026-09 was not closed)" in comparison.note
    row = next(r for r in comparison.rows if r[1] == "operating" and r[2].startswith("all"))
    assert row[3:6] == [
        Decimal("1000000"),
        Decimal("1000360.873455789012345678"),
        Decimal("360.873455789012345678"),
    ]
    assert row[6:] == [Decimal("1000300"), Decimal("1000148.796478"), Decimal("-151.203522")]
    assert escape(comparison.note) in html


def test_prior_period_comes_from_its_close_when_it_was_closed(tmp_path):
    con = _warehouse(tmp_path / "warehouse.duckdb")
    con.execute(  # September in the marts, closed first
        "insert into marts.inventory_rollforward select * replace ('2026-09' as period, "
        "date '2026-09-01' as period_start_date, date '2026-09-30' as period_end_date, "
        "100.5::decimal(38,18) as closing_balance) from marts.inventory_rollforward "
        f"where period = '2026-10' and location_id = '{HOT}'"
    )
    close_period(con, parse_period("2026-09"), now=T0, actor="alice", run_id="r0")
    con.execute(  # late data moves September's marts after its close
        "update marts.fair_value set fair_value_usd = 1 where period = '2026-09'"
    )
    closed, tables = close_period(con, OCTOBER, now=T0, actor="alice", run_id="r1")
    con.close()
    comparison = next(t for t in build_pack(closed, tables).sections if t.key == "comparison")
    assert comparison.note == "prior period 2026-09 as closed (2026-09-v1, its stored snapshot)"
    row = next(r for r in comparison.rows if r[1] == "operating" and r[2].startswith("all"))
    assert row[6] == Decimal("1000300")  # September as closed, not as the marts say now
    wallet = next(r for r in comparison.rows if r[2] == "wallet")
    assert wallet[3] == Decimal("100.5")


def test_layout_css_repeats_headers_keeps_rows_whole_and_totals_attached(october):
    _, html = october
    for rule in (
        "thead { display: table-header-group; }",
        "tr { break-inside: avoid; page-break-inside: avoid; }",
        "tr.total { break-before: avoid; page-break-before: avoid; }",
    ):
        assert rule in CSS
    tables = re.findall(r'<table class="data[^"]*">(.{0,20})', html)
    assert tables and all(t.startswith("<thead>") for t in tables)


def _long_table(rows: int) -> PackTable:
    return PackTable(
        "positions",
        "Positions",
        [Column("location_id", "text"), Column("ownership", "text"), Column("balance", "token")],
        [[f"row-{i:03d}", "operating", Decimal(i)] for i in range(1, rows + 1)],
        totals=["balance"],
    )


def _pages(tmp_path: Path, table: PackTable, name: str) -> list[str]:
    from weasyprint import HTML

    doc = (
        f"<html><head><style>{font_faces()}{CSS}</style></head><body><h2>Positions</h2>"
        f"{html_table(table, None, columns=['location_id', 'ownership', 'balance'])}</body></html>"
    )
    pdf = tmp_path / f"{name}.pdf"
    HTML(string=doc).write_pdf(str(pdf), full_fonts=True)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [p for p in text.split("\f") if p.strip()]


def test_weasyprint_repeats_the_header_and_keeps_the_total_with_the_last_row(tmp_path):
    pages = _pages(tmp_path, _long_table(120), "long")
    assert len(pages) >= 2
    assert all("location id" in page for page in pages)  # the header on every page
    fit = max(int(n) for n in re.findall(r"row-(\d+)", pages[0]))
    # exactly one page of rows: the total would be alone on page 2 were it not kept
    pages = _pages(tmp_path, _long_table(fit), "exact")
    last = next(p for p in pages if "Total own (operating)" in p)
    assert f"row-{fit:03d}" in last and "location id" in last


def test_a_capped_table_says_how_many_rows_the_workbook_has_beyond_it():
    html = html_table(_long_table(45), 40, columns=["location_id", "ownership", "balance"])
    assert "row-040" in html and "row-041" not in html
    assert "5 more rows in the workbook and CSV files (40 of 45 shown here)" in html
    assert "more rows" not in html_table(_long_table(40), 40)


SVG = "{http://www.w3.org/2000/svg}"


def test_charts_have_axis_titles_with_units(october):
    pack, _ = october
    for svg, x_title, y_title in (
        (
            balance_by_location_type(pack.tables["inventory_daily"]),
            "Local day (end of day, reporting time zone)",
            "Balance (token units, USD1)",
        ),
        (
            breaks_by_age([{"break_age_days": 3}]),
            "Age of the open break (days since it opened)",
            "Open breaks (count)",
        ),
    ):
        root = ET.fromstring(svg)  # noqa: S314 - our own drawing
        titles = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "axis-title"]
        assert titles == [x_title, y_title]
        rotated = [t for t in root.iter(f"{SVG}text") if "rotate(-90" in (t.get("transform") or "")]
        assert [t.text for t in rotated] == [y_title]


def test_totals_are_blank_where_a_group_has_no_values_and_labels_span_the_text_columns():
    table = PackTable(
        "fair_value",
        "Fair value",
        [Column("entity", "text"), Column("ownership", "text"), Column("cost_basis_usd", "usd")],
        [["acme", "operating", Decimal("10.004")], ["acme", "client", None]],
        totals=["cost_basis_usd"],
    )
    html = html_table(table, None, columns=["entity", "ownership", "cost_basis_usd"])
    own = _row(html, "Total own (operating)")
    client = _row(html, "Total client (safeguarded, off balance sheet)")
    assert '<td colspan="2">Total own (operating)</td>' in own and ">10.00<" in own
    assert client.endswith('<td class="n"></td>')  # not 0.00: client holdings have no cost
