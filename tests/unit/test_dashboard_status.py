"""The status bar, the headline cards, per-column formats and the URL state (issue #18), over
the published fixture snapshot (tests/dashboard_fixtures.py) with a fixed `now`."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.cards import cards, headline
from dashboard.formatting import format_table, label, percent, short_address, tokens
from dashboard.snapshot import Snapshot
from dashboard.status import (
    OK,
    RED,
    WARN,
    StatusSettings,
    compute_status,
    health_message,
    status_html,
)
from dashboard.views.common import Filters
from tests.dashboard_fixtures import build_published

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
FRESH = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)  # 10 h after the end of 2026-10-31 (UTC)


@pytest.fixture(scope="module")
def problems(tmp_path_factory) -> Path:
    return build_published(tmp_path_factory.mktemp("problems"), problems=True)


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Path:
    return build_published(tmp_path_factory.mktemp("plain"))


def _items(data_dir: Path, now: datetime, settings: StatusSettings | None = None) -> dict:
    status = compute_status(Snapshot(data_dir), now, settings)
    return {i.key: i for i in status.items}


# --- the status computation -------------------------------------------------------------------


def test_data_as_of_is_red_beyond_the_configured_freshness(plain):
    assert _items(plain, FRESH)["data_as_of"].level == OK
    assert "2026-10-31" in _items(plain, FRESH)["data_as_of"].text
    late = _items(plain, datetime(2026, 11, 2, 1, 0, tzinfo=UTC))["data_as_of"]
    assert late.level == RED  # 25 h after the end of the last day: on-chain allows 24
    assert "2 stale" in late.text and "ethereum on-chain 2026-10-31" in late.text
    patient = StatusSettings(max_age_hours={"onchain": 48})
    assert _items(plain, datetime(2026, 11, 2, 1, 0, tzinfo=UTC), patient)["data_as_of"].level == (
        OK
    )


def test_the_day_is_cut_in_the_reporting_time_zone(plain):
    # UTC+14: the local 2026-10-31 ended at 2026-10-31 10:00 UTC
    kiritimati = StatusSettings(timezone="Pacific/Kiritimati")
    at_9 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    at_11 = datetime(2026, 11, 1, 11, 0, tzinfo=UTC)
    assert _items(plain, at_9, kiritimati)["data_as_of"].level == OK  # 23 h
    assert _items(plain, at_11, kiritimati)["data_as_of"].level == RED  # 25 h
    assert _items(plain, at_11)["data_as_of"].level == OK  # 11 h in UTC


def test_open_and_overdue_breaks_come_from_the_register(plain, problems):
    assert (
        _items(plain, FRESH)["open_breaks"].text,
        _items(plain, FRESH)["open_breaks"].level,
    ) == (
        "2, oldest 1 d",
        WARN,
    )
    assert _items(plain, FRESH)["overdue_breaks"].level == OK
    items = _items(problems, FRESH)
    assert items["open_breaks"].text == "3, oldest 11 d"
    assert (items["overdue_breaks"].text, items["overdue_breaks"].level) == ("1", RED)
    assert items["overdue_breaks"].page == "Reconciliation"


def test_quarantined_files_since_the_last_close(plain, problems):
    quarantine = _items(problems, FRESH)["quarantine"]
    # the file of 2026-09-16 was before the close of 2026-10-05: not counted
    assert quarantine.text == "1 file since the close of 2026-10-05"
    assert quarantine.level == RED
    # without audit.files, the load log's quarantined loads
    assert _items(plain, FRESH)["quarantine"].text.startswith("1 load since")


def test_checks_of_the_last_build_only(plain, problems):
    checks = _items(problems, FRESH)["checks"]
    assert (checks.text, checks.level) == ("1 failed, 1 warnings", RED)  # run-2, distinct
    assert "run-2" in checks.detail
    assert _items(plain, FRESH)["checks"].level == WARN  # no results at all: says so


def test_health_is_never_ok_while_an_item_is_red(problems):
    status = compute_status(Snapshot(problems), FRESH)
    assert not status.is_ok
    ok, text = health_message("ok", "", status, {"warn", "alert"})
    assert not ok and text.startswith("Health: not ok (")
    assert "overdue breaks: 1" in text and "quarantined" in text and "checks: 1 failed" in text
    ok, text = health_message("warn", "open breaks: 3", status, {"warn", "alert"})
    assert not ok and text.startswith("Health: warn (open breaks: 3; overdue breaks: 1")
    calm = compute_status(Snapshot(problems), FRESH)
    calm = type(calm)(tuple(i for i in calm.items if i.level != RED))
    assert health_message("ok", "", calm, {"warn"}) == (True, "Health: ok")


def test_status_html_links_each_item_to_its_page_with_the_filters(problems):
    status = compute_status(Snapshot(problems), FRESH)
    bar = status_html(status, {"network": ["bsc"], "page": ["Overview"]})
    items = dict(re.findall(r'data-item="(\w+)" data-level="(\w+)"', bar))
    assert items["health"] == RED and items["overdue_breaks"] == RED
    link = re.search(r'data-item="overdue_breaks"[^>]*href="([^"]+)"', bar).group(1)
    assert html.unescape(link) == "?page=Reconciliation&network=bsc"
    assert 'target="_self"' in bar


# --- the headline cards -----------------------------------------------------------------------


def _filters(networks=("bsc", "ethereum"), entities=("acme", "beta"), day=date(2026, 10, 31)):
    return Filters(
        tuple(entities), tuple(networks), day, ("acme", "beta"), ("bsc", "ethereum"), False
    )


def test_usd_value_follows_the_network_filter_at_the_price_of_the_day(plain):
    snapshot = Snapshot(plain)
    both = headline(snapshot, _filters())
    bsc = headline(snapshot, _filters(networks=("bsc",)))
    assert both.price.price_usd == Decimal("1.0001") and both.price.day == date(2026, 10, 31)
    assert bsc.usd_value == Decimal("12.50125")  # (9.5 + 3) units x 1.0001
    assert both.usd_value == Decimal("1234703.207976")  # 1,234,579.750001 x 1.0001
    usd_card = dict((k, (v, lines)) for k, _, v, lines in cards(bsc))["usd"]
    assert usd_card[0] == "$12.50"
    assert "price of 2026-10-31" in usd_card[1][0] and "coingecko" in usd_card[1][1]
    nothing = headline(snapshot, _filters(networks=()))
    assert nothing.usd_value is None
    assert dict((k, v) for k, _, v, _ in cards(nothing))["usd"] == "no entity or network selected"


def test_cards_have_unit_date_and_changes(plain):
    h = headline(Snapshot(plain), _filters())
    shown = {k: (title, value, lines) for k, title, value, lines in cards(h)}
    title, value, lines = shown["total"]
    assert title == "Total, end of 2026-10-31" and value == "1,234,579.75 USD1"
    assert lines[0] == "+1,234,452.25 since 2026-10-30"  # 1,234,579.750001 - 127.5
    assert "close 2026-09" in lines[1]
    assert shown["ownership"][1] == "own 12.50 USD1"  # 0.000001 + 9.5 + 3, two decimals
    assert shown["ownership"][2] == ["client 1,234,567.25 USD1"]
    every = {k: v for k, _, v, _ in cards(h, all_decimals=True)}
    assert every["ownership"] == "own 12.500001 USD1"


# --- formats ----------------------------------------------------------------------------------


def test_each_column_is_formatted_by_its_kind():
    df = pl.DataFrame(
        {
            "balance": [Decimal("1234.5678"), None],
            "fair_value_usd": [Decimal("10.005"), Decimal("-3")],
            "share": [Decimal("0.9876543"), None],
            "transfer_count": [1234567, None],
            "block_number": [21000000, 5],
            "is_period_complete": [True, None],
            "as_of_date": [date(2026, 10, 31), None],
            "location_id": ["0x" + "a" * 40, None],
        },
        schema_overrides={
            "balance": pl.Decimal(38, 18),
            "fair_value_usd": pl.Decimal(38, 6),
            "share": pl.Decimal(38, 12),
        },
    )
    out = format_table(df, {"balance"}, {"fair_value_usd"}, {"share"})
    assert out.row(0) == (
        "1,234.57",
        "$10.00",
        "98.76%",
        "1,234,567",
        "21000000",
        "yes",
        "2026-10-31",
        "0x" + "a" * 40,  # shortened only on screen (a display value), whole in the data
    )
    assert out.row(1) == ("", "-$3.00", "", "", "5", "", "", "")  # blanks, never "None"
    every = format_table(df, {"balance"}, all_decimals=True)
    assert every["balance"][0] == "1,234.5678"


def test_labels_and_short_addresses():
    assert label("is_period_complete") == "Period complete"
    assert label("transfers_vs_balanceof") == "Transfers vs balanceOf"
    assert label("fair_value_usd") == "Fair value (USD)"
    assert label("break_opened_at") == "Break opened (UTC)"
    assert label("oldest_break_age_days") == "Oldest break age (days)"
    assert short_address("0x" + "ab" * 20) == "0xabab…abab"
    assert short_address("fb-vault-1") == "fb-vault-1"
    assert tokens(Decimal("0.005")) == "0.00" and tokens(Decimal("0.015")) == "0.02"
    assert percent(Decimal("-0.00005")) == "-0.00%"


# --- the URL ----------------------------------------------------------------------------------


def _app(data_dir: Path, monkeypatch, **params) -> AppTest:
    monkeypatch.setenv("USD1INV_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_url_with_filters_opens_that_view(plain, monkeypatch):
    at = _app(
        plain,
        monkeypatch,
        page="Reconciliation",
        network="bsc",
        as_of="2026-10-30",
        **{"recon-comparison": ["custodian_vs_ledger", "transfers_vs_balanceof"]},
    )
    assert at.header[0].value == "Reconciliation"
    assert at.sidebar.multiselect(key="network").value == ["bsc"]
    assert at.sidebar.selectbox(key="as_of").value == date(2026, 10, 30)
    assert at.multiselect(key="recon-comparison").value == [
        "custodian_vs_ledger",
        "transfers_vs_balanceof",
    ]
    assert at.query_params["network"] == "bsc"


def test_the_url_follows_every_change(plain, monkeypatch):
    at = _app(plain, monkeypatch)
    assert at.query_params["page"] == "Overview"
    at.sidebar.radio(key="page").set_value("Risk and health").run()
    at.sidebar.multiselect(key="network").set_value([]).run()
    at.selectbox(key="conc-dim").set_value("network").run()
    assert at.query_params["page"] == "Risk and health"
    assert at.query_params["network"] == ""  # nothing picked, kept as nothing
    assert at.query_params["conc-dim"] == "network"
    assert at.query_params["entity"] == ["acme", "beta"]
    again = _app(plain, monkeypatch, **at.query_params)  # the bookmark, in a new session
    assert again.header[0].value == "Risk and health"
    assert again.sidebar.multiselect(key="network").value == []
    assert again.selectbox(key="conc-dim").value == "network"


def test_a_url_with_unknown_values_falls_back_to_the_defaults(plain, monkeypatch):
    at = _app(plain, monkeypatch, page="Nope", network=["bsc", "solana"], as_of="1999-01-01")
    assert at.header[0].value == "Overview"
    assert at.sidebar.multiselect(key="network").value == ["bsc"]
    assert at.sidebar.selectbox(key="as_of").value == date(2026, 10, 31)


def test_risk_page_explains_the_red_items(problems, monkeypatch):
    at = _app(problems, monkeypatch, page="Risk and health")
    assert at.error[0].value.startswith("Health: warn (open breaks: 2; concentration breaches: 3")
    assert "overdue breaks: 1" in at.error[0].value
    checks = next(d.value for d in at.dataframe if "expectation" in d.value.columns)
    assert list(zip(checks["severity"], checks["expectation"], strict=True)) == [
        ("error", "unique_key"),
        ("warn", "custodian_fresh"),
    ]  # the last build (run-2) only, failures first
    days = next(d.value for d in at.dataframe if "last_complete_day" in d.value.columns)
    assert set(days["status"]) == {"stale"}  # 2026-10-31 against today


def test_a_register_of_open_breaks_only_counts_every_row(tmp_path):
    import duckdb

    from reporting.publish import snapshot_path

    data_dir = build_published(tmp_path)
    con = duckdb.connect(str(snapshot_path(data_dir)))
    for column in ("is_open", "status"):
        con.execute(f"alter table marts.reconciliation_breaks drop column {column}")
    con.close()
    assert _items(data_dir, FRESH)["open_breaks"].text == "3, oldest 12 d"
