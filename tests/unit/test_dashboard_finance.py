"""The finance pages (reconciliation, risk and health, valuation, close) in Streamlit's AppTest,
over a published snapshot whose numbers are known (tests/dashboard_finance_fixtures.py): what
each page shows equals what the marts hold, and the filters change it as they should."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.formatting import percent, token_units, usd, usd_price
from dashboard.paged_table import csv_of
from dashboard.snapshot import Snapshot
from reporting.publish import snapshot_path
from tests.dashboard_fixtures import build_published

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = build_published(tmp_path)
    monkeypatch.setenv("USD1INV_DATA_DIR", str(folder))
    return folder


def _page(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.radio(key="page").set_value(name).run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def _sql(data_dir: Path, sql: str, params=None):
    con = duckdb.connect(str(snapshot_path(data_dir)), read_only=True)
    try:
        return con.execute(sql, params or []).fetchone()[0]
    finally:
        con.close()


def _table(at: AppTest, column: str, without: str | None = None):
    """The first table on the page with `column` (and without `without`)."""
    return next(
        d for d in at.dataframe if column in d.value.columns and without not in d.value.columns
    )


def _highlighted_rows(element) -> set[int]:
    """Row numbers the table paints (from the Styler CSS Streamlit sends to the browser)."""
    rows = set()
    for selectors, body in re.findall(
        r"([^{}]+)\{([^}]*)\}", element.proto.arrow_data.styler.styles
    ):
        if "background-color" in body:
            rows |= {int(n) for n in re.findall(r"_row(\d+)_", selectors)}
    return rows


def test_exact_percent_and_price_formats():
    assert percent(Decimal("0.999973473189")) == "99.99%"  # cut, never rounded up to 100 %
    assert percent(Decimal("4.938303000004")) == "493.83%"
    assert percent(Decimal("0.125")) == "12.50%"
    assert percent(Decimal("1E-12")) == "0.00%"
    assert usd_price(Decimal("0.999800")) == "$0.9998"  # never rounded to $1.00
    assert usd_price(Decimal("-0.5")) == "-$0.5"


# --- reconciliation ---------------------------------------------------------------------------


def test_reconciliation_statuses_and_breaks_equal_the_mart(data_dir):
    at = _page("Reconciliation")
    day = "(select max(as_of_date) from marts.reconciliation)"
    assert "break: 2, explained: 1, matched: 2" in [m.value for m in at.markdown]
    assert _metric(at, "Breaks on this day") == str(
        _sql(
            data_dir,
            f"select count(*) from marts.reconciliation where status = 'break' "
            f"and as_of_date = {day}",
        )
    )
    unexplained = _sql(
        data_dir,
        "select sum(abs(unexplained_difference)) from marts.reconciliation "
        f"where status = 'break' and as_of_date = {day}",
    )
    assert unexplained == Decimal("11.5")
    assert _metric(at, "Unexplained in this day's breaks") == token_units(unexplained, 2)
    detail = _table(at, "left_source").value  # every location compared that day, breaks first
    assert len(detail) == 5
    assert list(detail["status"][:2]) == ["break", "break"]
    assert _highlighted_rows(_table(at, "left_source")) == {0, 1}
    assert "9.75" in list(detail["difference"]) and "0.75" in list(detail["explained_in_transit"])


def test_status_history_of_one_location_day_by_day(data_dir):
    at = _page("Reconciliation")
    at.selectbox(key="recon-location").set_value("fb-vault-1 (ethereum)").run()
    _ok(at)
    history = next(
        d.value
        for d in at.dataframe
        if "break_age_days" in d.value.columns and "left_source" not in d.value.columns
    )
    assert list(
        zip(history["as_of_date"], history["status"], history["break_age_days"], strict=True)
    ) == [("2026-10-31", "break", "1"), ("2026-10-30", "break", "0")]
    assert list(history["unexplained_difference"]) == ["9.00", "10.00"]


def test_open_breaks_show_age_amount_in_transit_and_what_to_do(data_dir):
    at = _page("Reconciliation")
    assert _metric(at, "Open breaks") == "2"
    assert _metric(at, "Oldest break (days)") == "1"
    assert _metric(at, "Unexplained in open breaks") == "11.50"
    breaks = _table(at, "description").value
    assert list(breaks["location_id"]) == ["fb-vault-1", "0x" + "c" * 40]  # oldest first
    first = breaks.iloc[0]
    assert (first["break_age_days"], first["unexplained_difference"]) == ("1", "9.00")
    assert (first["in_transit_item_count"], first["in_transit_total"]) == ("1", "0.75")
    assert "withdrawal w-17" in first["in_transit_items"]
    advice = [m.value for m in at.markdown if m.value.startswith("- **Fireblocks vault 1**")]
    assert advice and "post the missing ledger entry" in advice[0]


def test_reconciliation_filters_change_the_counts(data_dir):
    at = _page("Reconciliation")
    at.sidebar.multiselect(key="network").set_value(["ethereum"]).run()
    _ok(at)
    assert "break: 1, explained: 1, matched: 1" in [m.value for m in at.markdown]
    assert _metric(at, "Unexplained in this day's breaks") == "9.00"
    assert _metric(at, "Open breaks") == "1"
    at.sidebar.multiselect(key="network").set_value(["ethereum", "bsc"]).run()
    at.multiselect(key="recon-comparison").set_value(["transfers_vs_balanceof"]).run()
    _ok(at)
    assert "break: 1, matched: 1" in [m.value for m in at.markdown]
    assert _metric(at, "Open breaks") == "1"
    at.sidebar.selectbox(key="as_of").set_value(date(2026, 10, 30)).run()
    assert "matched: 1" in [m.value for m in at.markdown]
    at.multiselect(key="recon-comparison").set_value(
        ["custodian_vs_ledger", "transfers_vs_balanceof"]
    ).run()
    assert "break: 1, matched: 1" in [m.value for m in at.markdown]
    assert _metric(at, "Unexplained in this day's breaks") == "10.00"


def test_a_long_day_is_paged_and_downloaded_whole(data_dir):
    con = duckdb.connect(str(snapshot_path(data_dir)))
    con.execute(
        "insert into marts.reconciliation by name select date '2026-10-31' as as_of_date, "
        "'acme' as entity, 'ethereum' as network, 'wallet' as location_type, "
        "'0xf' || lpad(cast(i as varchar), 39, '0') as location_id, "
        "'transfers_vs_balanceof' as comparison, 'matched' as status, "
        "1::decimal(38, 18) as left_balance, 1::decimal(38, 18) as right_balance, "
        "0::decimal(38, 18) as difference from range(250) as r(i)"
    )
    con.close()
    at = _page("Reconciliation")
    assert len(_table(at, "left_source").value) == 100
    assert "Rows 1 to 100 of 255" in [c.value for c in at.caption]
    at.number_input(key="page-recon").set_value(3).run()
    _ok(at)
    assert len(_table(at, "left_source").value) == 55
    assert "Rows 201 to 255 of 255" in [c.value for c in at.caption]
    csv = csv_of(
        Snapshot(data_dir),
        "select * from marts.reconciliation where as_of_date = ?",
        [date(2026, 10, 31)],
        "location_id",
    ).decode()
    assert len(csv.splitlines()) == 1 + 255
    assert "1234567.250000000000000000" in csv  # exact values, not the page's display strings


# --- risk and health --------------------------------------------------------------------------


def test_concentration_against_limits_and_filters(data_dir):
    at = _page("Risk and health")
    breaches = _sql(
        data_dir,
        "select count(*) from marts.concentration where status = 'breach' "
        "and as_of_date = date '2026-10-31'",
    )
    assert _metric(at, "Concentration breaches") == str(breaches) == "3"
    table = _table(at, "dimension").value
    assert list(table["status"][:3]) == ["breach"] * 3
    assert _highlighted_rows(_table(at, "dimension")) == {0, 1, 2}
    assert "90.00%" in list(table["share"]) and "50.00%" in list(table["limit_share"])
    at.sidebar.multiselect(key="entity").set_value(["acme"]).run()
    assert _metric(at, "Concentration breaches") == "2"
    at.selectbox(key="conc-dim").set_value("network").run()
    assert _metric(at, "Concentration breaches") == "1"
    assert list(_table(at, "dimension").value["headroom"]) == ["-200.00"]
    at.selectbox(key="conc-dim").set_value("all dimensions").run()
    at.sidebar.selectbox(key="as_of").set_value(date(2026, 10, 30)).run()
    _ok(at)
    assert _metric(at, "Concentration breaches") == "0"
    assert _metric(at, "Largest share") == "40.00%"


def test_client_asset_coverage_equals_the_mart(data_dir):
    at = _page("Risk and health")
    shortfall = _sql(
        data_dir,
        "select sum(shortfall) from marts.client_asset_coverage where as_of_date = '2026-10-31'",
    )
    assert _metric(at, "Client shortfall") == token_units(shortfall, 2) == "32.75"
    assert _metric(at, "Client liabilities") == "1,234,600.00"
    assert _metric(at, "Coverage") == percent(
        (Decimal("1234567.25") / Decimal("1234600")).quantize(Decimal("1e-8"))
    )
    at.sidebar.multiselect(key="network").set_value(["bsc"]).run()
    assert _metric(at, "Client shortfall") == "0.00"
    assert _metric(at, "Coverage") == "no liabilities"


def test_stress_capacity_and_health_signals(data_dir):
    at = _page("Risk and health")
    available = _sql(
        data_dir,
        "select available_total from marts.inventory_health where as_of_date = '2026-10-31'",
    )
    assert _metric(at, "Available") == token_units(available, 2) == "1,234,575.75"
    assert _metric(at, "Withdrawal shock") == "250,000.00"
    assert _metric(at, "Stress capacity") == "493.83%"
    assert _metric(at, "Stress test") == "ok"
    assert at.error[0].value.startswith("Health: warn (open breaks: 2; concentration breaches: 3")
    signals = _table(at, "health_reasons").value  # every day, newest first, exact text
    assert list(signals["median_transfer_latency_seconds"]) == ["840.00", "610.50"]
    assert list(signals["max_concentration_share"]) == ["100.00%", "40.00%"]
    assert _highlighted_rows(_table(at, "health_reasons")) == {0, 1}  # warn, alert
    at.sidebar.selectbox(key="as_of").set_value(date(2026, 10, 30)).run()
    assert _metric(at, "Stress test") == "short"
    assert at.error[0].value.startswith("Health: alert (stress_capacity_ratio 0.00051 < alert 1")


def test_source_freshness_counts_only_loads_that_loaded(data_dir):
    at = _page("Risk and health")
    freshness = next(d.value for d in at.dataframe if "hours_since_last_load" in d.value.columns)
    custodian = freshness[freshness["source"] == "file:custodian"].iloc[0]
    assert str(custodian["last_loaded_at"]).startswith("2026-10-31 06:00")  # not the quarantine
    assert (custodian["loads"], custodian["failed_or_quarantined"]) == ("1", "1")
    networks = next(d.value for d in at.dataframe if "last_day" in d.value.columns)
    assert dict(zip(networks["network"], networks["last_day"], strict=True)) == {
        "bsc": "2026-10-31",
        "ethereum": "2026-10-31",
    }


# --- valuation --------------------------------------------------------------------------------


def test_valuation_equals_the_mart_with_an_exact_price(data_dir):
    at = _page("Valuation")
    value = _sql(
        data_dir,
        "select sum(fair_value_usd) from marts.fair_value "
        "where period_type = 'month' and period_end_date = '2026-10-31'",
    )
    assert at.subheader[0].value == "Fair value at 2026-10-31"
    assert _metric(at, "Fair value (USD)") == usd(value) == "$1,203.12"
    assert _metric(at, "Price (coingecko)") == "$1.0001"
    assert _metric(at, "Depeg (bps)") == "1.00"
    assert len(_table(at, "measurement_basis").value) == 4  # month ends up to the day
    at.sidebar.multiselect(key="entity").set_value(["beta"]).run()
    assert _metric(at, "Fair value (USD)") == "$3.00"
    at.sidebar.multiselect(key="entity").set_value(["acme", "beta"]).run()
    at.sidebar.selectbox(key="as_of").set_value(date(2026, 10, 30)).run()
    assert at.subheader[0].value == "Fair value at 2026-09-30"
    assert _metric(at, "Price (coingecko)") == "$0.9998"
    assert _metric(at, "Fair value (USD)") == "$1,500.20"  # 999.8 + 500.3999
    at.selectbox(key="valuation-type").set_value("quarter").run()
    assert _metric(at, "Fair value (USD)") == "$999.80"


def test_valuation_without_a_price_says_so(data_dir):
    con = duckdb.connect(str(snapshot_path(data_dir)))
    con.execute(
        "update marts.fair_value set price_usd = null, price_source = null, "
        "fair_value_usd = null, depeg_bps = null"
    )
    con.close()
    at = _page("Valuation")
    assert _metric(at, "Fair value (USD)") == "no price"
    assert _metric(at, "Price") == "no price"
    assert _metric(at, "Units") == "1,203.00"


# --- close ------------------------------------------------------------------------------------


def test_closed_periods_with_who_when_and_hash(data_dir):
    at = _page("Close")
    assert _metric(at, "Closed periods") == "3"
    assert _metric(at, "Latest closed period") == "2026-09"
    closed = next(d for d in at.dataframe if "content_hash" in d.value.columns)
    table = closed.value
    october = table[table["period"] == "2026-10"].iloc[0]
    assert (october["status"], october["reopen_reason"]) == ("reopened", "late custodian statement")
    assert table[table["period"] == "2026-09"].iloc[0]["closed_by"] == "bob"
    assert table[table["period"] == "2026-09"].iloc[0]["content_hash"] == "b" * 64
    assert _highlighted_rows(closed) == {list(table["period"]).index("2026-10")}
    at.selectbox(key="close-type").set_value("quarter").run()
    _ok(at)
    assert _metric(at, "Closed periods") == "1"
    assert _metric(at, "Latest closed period") == "2026-Q3"


def test_late_data_adjustments_equal_audit_and_filter(data_dir):
    at = _page("Close")
    net = _sql(data_dir, "select sum(adjustment) from audit.period_adjustments")
    assert _metric(at, "Adjustments") == "3"
    assert _metric(at, "Net adjustment (token units)") == token_units(net, 2) == "24.75"
    at.sidebar.multiselect(key="network").set_value(["ethereum"]).run()
    assert _metric(at, "Net adjustment (token units)") == "25.00"
    at.sidebar.multiselect(key="network").set_value(["ethereum", "bsc"]).run()
    at.sidebar.multiselect(key="entity").set_value(["beta"]).run()
    assert _metric(at, "Net adjustment (token units)") == "-0.25"
    at.sidebar.multiselect(key="entity").set_value(["acme", "beta"]).run()
    at.selectbox(key="adjusted-period").set_value("2026-Q3").run()
    assert _metric(at, "Adjustments") == "1"
    assert _metric(at, "Net adjustment (token units)") == "12.50"


# --- before the finance marts exist -----------------------------------------------------------


def test_pages_say_which_mart_they_wait_for(tmp_path, monkeypatch):
    monkeypatch.setenv("USD1INV_DATA_DIR", str(build_published(tmp_path, finance=False)))
    waiting = {
        "Risk and health": "needs `marts.concentration`",
        "Valuation": "needs `marts.fair_value`",
        "Close": "needs `audit.closed_periods`",
    }
    for page, text in waiting.items():
        at = _page(page)
        assert any(text in i.value for i in at.info), (page, [i.value for i in at.info])
    at = _page("Reconciliation")  # open breaks fall back to the latest day's breaks
    assert _metric(at, "Open breaks") == "2"
    assert any("reconciliation_breaks" in c.value for c in at.caption)


def test_break_register_filters_by_status_owner_and_age(data_dir):
    at = _page("Reconciliation")
    # open ones by default: the resolved break of September is not shown
    assert _metric(at, "Open breaks") == "2"
    at.multiselect(key="breaks-status").set_value(["open", "resolved"]).run()
    _ok(at)
    shown = _table(at, "description").value
    assert sorted(shown["status"]) == ["open", "resolved"]
    assert _metric(at, "Open breaks") == "1"  # of the rows shown, one is open
    at.multiselect(key="breaks-status").set_value(["open", "investigating"]).run()
    at.multiselect(key="breaks-owner").set_value(["ana"]).run()
    _ok(at)
    assert list(_table(at, "description").value["location_id"]) == ["fb-vault-1"]
    at.multiselect(key="breaks-owner").set_value(["ana", "(no owner)"]).run()
    at.multiselect(key="breaks-age").set_value(["0-1"]).run()
    assert _metric(at, "Open breaks") == "2"
    at.multiselect(key="breaks-age").set_value([">30"]).run()
    _ok(at)
    assert _metric(at, "Open breaks") == "0"


def test_liquidity_horizons_sum_the_mart_per_horizon(data_dir):
    at = _page("Risk and health")
    assert _metric(at, "Spendable within 1 hour") == "100.00 USD1"
    assert _metric(at, "Spendable within 24 hours") == "450.25 USD1"  # own + client
    assert _metric(at, "Spendable within 3 business days") == "1,000.00 USD1"
    horizons = _table(at, "spendable_units").value
    assert len(horizons) == 3


def test_the_close_page_shows_the_audit_log_with_refusals(data_dir):
    at = _page("Close")
    actions = next(d for d in at.dataframe if "arguments_json" in d.value.columns)
    assert list(actions.value["command"]) == ["close --approve", "close"]  # newest first
    assert _highlighted_rows(actions) == {0}  # the refusal
