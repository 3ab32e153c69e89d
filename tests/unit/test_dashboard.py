"""The finance dashboard, run in-process with Streamlit's AppTest over a published snapshot."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.formatting import token_units, usd
from reporting.publish import snapshot_path
from tests.dashboard_fixtures import build_published

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = build_published(tmp_path)
    monkeypatch.setenv("USD1INV_DATA_DIR", str(folder))
    return folder


def _run(**state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _card(at: AppTest, key: str) -> str:
    """The figure of headline card `key` (dashboard/cards.py), as shown."""
    for m in at.markdown:
        found = re.search(rf'data-card="{key}".*?usd1-card-value[^>]*>([^<]*)<', m.value, re.S)
        if found:
            return html.unescape(found.group(1))
    raise AssertionError(f"no card {key}")


def _expected_total(data_dir: Path, where: str = "true") -> Decimal:
    con = duckdb.connect(str(snapshot_path(data_dir)), read_only=True)
    value = con.execute(
        "select sum(balance) from marts.inventory_daily where as_of_date = "
        f"(select max(as_of_date) from marts.inventory_daily) and {where}"
    ).fetchone()[0]
    con.close()
    return value


def test_formatting_is_exact_and_readable():
    assert token_units(Decimal("1234567.250000000000000000")) == "1,234,567.25"
    assert token_units(Decimal("0.000001000000000000")) == "0.000001"
    assert token_units(Decimal("1E+7")) == "10,000,000"
    assert token_units(Decimal("1234567.255"), 2) == "1,234,567.26"
    assert token_units(Decimal("0.000001"), 2) == "0.00"
    assert usd(Decimal("1234.565")) == "$1,234.56"
    assert usd(Decimal("-0.5")) == "-$0.50"


def test_overview_total_equals_the_mart(data_dir):
    at = _run()
    assert at.header[0].value == "Overview"
    expected = _expected_total(data_dir)
    assert expected == Decimal("1234579.750001")
    assert _card(at, "total") == token_units(expected, 2) + " USD1" == "1,234,579.75 USD1"
    assert _card(at, "available") == token_units(expected - 4, 2) + " USD1"
    at.sidebar.toggle(key="decimals").set_value(True).run()
    assert _card(at, "total") == "1,234,579.750001 USD1"  # every decimal on request


def test_filters_change_the_numbers(data_dir):
    at = _run()
    at.sidebar.multiselect(key="network").set_value(["bsc"]).run()
    bsc = token_units(_expected_total(data_dir, "network = 'bsc'"), 2)
    assert _card(at, "total") == f"{bsc} USD1"
    at.sidebar.multiselect(key="entity").set_value(["beta"]).run()
    assert _card(at, "total") == "3.00 USD1"
    at.sidebar.multiselect(key="entity").set_value(["acme"]).run()
    at.sidebar.selectbox(key="as_of").set_value(date(2026, 10, 30)).run()
    assert _card(at, "total") == "7.00 USD1"


def test_every_page_renders(data_dir):
    at = _run()
    for page in ["Locations", "Reconciliation", "Valuation", "Risk and health", "Close"]:
        at.sidebar.radio(key="page").set_value(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
        assert at.header[0].value == page
    at.sidebar.radio(key="page").set_value("Locations").run()
    assert at.subheader[0].value == "4 locations at the end of 2026-10-31"


def test_reconciliation_page_counts_statuses_for_the_day_and_filters(data_dir):
    at = _run()
    at.sidebar.radio(key="page").set_value("Reconciliation").run()
    # what is open now (the break register) comes first, then the chosen day's comparisons
    assert [h.value for h in at.subheader][:2] == [
        "Open breaks now (the register)",
        "Comparisons at the end of 2026-10-31",
    ]
    assert "break: 2, explained: 1, matched: 2" in [m.value for m in at.markdown]
    at.sidebar.multiselect(key="network").set_value(["ethereum"]).run()
    assert "break: 1, explained: 1, matched: 1" in [m.value for m in at.markdown]


def test_missing_snapshot_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("USD1INV_DATA_DIR", str(tmp_path / "nothing-here"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "No published snapshot yet" in at.error[0].value


def test_stale_snapshot_is_flagged_with_its_time(data_dir):
    con = duckdb.connect(str(snapshot_path(data_dir)))
    con.execute("update meta.snapshot set published_at = timestamptz '2026-01-02 03:04:00+00'")
    con.close()
    at = _run()
    assert "Stale data" in at.warning[0].value
    assert "2026-01-02 03:04 UTC" in at.warning[0].value
    assert _card(at, "total")  # the figures are still shown
