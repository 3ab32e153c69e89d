"""The drill-down: its queries on a published snapshot (tests/dashboard_drilldown_fixtures.py,
numbers checked by hand there) and the page opened by a link, in Streamlit's AppTest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import drilldown_queries as q
from dashboard.snapshot import Snapshot
from dashboard.views.common import Filters
from dashboard.views.drilldown import link
from tests.dashboard_drilldown_fixtures import (
    TX_IN,
    TX_OUT,
    TX_W17,
    A,
    build_published_with_movements,
)

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")
D = Decimal
OCT31 = date(2026, 10, 31)
ALL = Filters(("acme", "beta"), ("bsc", "ethereum"), OCT31, ("acme", "beta"), ("bsc", "ethereum"))


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return build_published_with_movements(tmp_path_factory.mktemp("drilldown"))


@pytest.fixture
def snapshot(data_dir):
    return Snapshot(data_dir)


@pytest.fixture
def vault_break(snapshot):
    return q.break_row(snapshot, "brk-vault-1")


def test_a_location_and_day_lists_every_movement_in_time_order(snapshot):
    moves = q.movements(snapshot, q.Place("ethereum", A), OCT31)
    assert [
        (r["source"], r["entry_id"], r["amount"], r["tx_hash"], r["counterparty_name"])
        for r in moves.iter_rows(named=True)
    ] == [
        ("onchain", f"{TX_IN}:3", D("1000.5"), TX_IN, "Coinbase deposit"),
        ("ledger", "L-100", D("1000.5"), TX_IN, None),
        ("onchain", f"{TX_OUT}:1", D(-4), TX_OUT, None),
        ("ledger", "L-101", D(-4), TX_OUT, None),
    ]
    # another day of the same location, another location on the same day: not shown
    other_day = q.movements(snapshot, q.Place("ethereum", A), date(2026, 10, 30))
    assert other_day["amount"].to_list() == [D("100.5")]
    assert q.movements(snapshot, q.Place("bsc", A), OCT31).is_empty()


def test_totals_per_source_are_exact(snapshot):
    totals = q.movement_totals(snapshot, q.Place("ethereum", A), OCT31)
    assert totals.rows() == [
        ("ledger", 2, D("1000.5"), D(4), D("996.5"), 0),
        ("onchain", 2, D("1000.5"), D(4), D("996.5"), 1),
    ]


def test_locations_follow_the_filters(snapshot):
    acme_bsc = Filters(("acme",), ("bsc",), OCT31, ("acme", "beta"), ("bsc", "ethereum"))
    assert q.locations(snapshot, acme_bsc)["location_id"].to_list() == ["0x" + "c" * 40]
    assert q.days_of(snapshot, q.Place("ethereum", A)) == [OCT31, date(2026, 10, 30)]


@pytest.mark.parametrize(
    ("side", "source"),
    [
        ("onchain_transfers", "onchain"),
        ("onchain_balance_of", "onchain"),
        ("custodian_statement", "custodian"),
        ("custodian", "custodian"),
        ("exchange_export", "exchange"),
        ("ledger", "ledger"),
        ("zero (a holding is never below it)", None),
        (None, None),
    ],
)
def test_a_reconciliation_side_maps_to_its_movements(side, source):
    assert q.movement_source(side) == source


def test_the_register_lists_open_breaks_first(snapshot):
    columns = ["break_id", "entity", "network", "location_label", "is_open", "opened_date"]
    register = q.breaks(snapshot, ALL, columns)
    assert register["break_id"].to_list() == ["brk-vault-1", "brk-bsc-c", "brk-old"]


def test_a_break_shows_its_two_sides_day_by_day(snapshot, vault_break):
    assert q.break_window(snapshot, vault_break) == (date(2026, 10, 30), OCT31)
    assert q.side_sources(snapshot, vault_break) == ("custodian", "ledger")
    sides = q.break_sides(snapshot, vault_break)
    assert sides.select("as_of_date", "left_balance", "right_balance").rows() == [
        (date(2026, 10, 30), D(50), D(40)),
        (OCT31, D(50), D("40.25")),
    ]
    left = q.side_movements(snapshot, vault_break, "custodian")
    assert left["entry_id"].to_list() == ["d-16", "w-17"]
    right = q.side_movements(snapshot, vault_break, "ledger")
    assert right["entry_id"].to_list() == ["L-200"]  # L-201 was booked after the window


def test_in_transit_candidates_are_the_records_not_settled_on_their_day(snapshot, vault_break):
    candidates = q.in_transit_candidates(snapshot, vault_break)
    assert candidates.select("entry_id", "status", "matched_tx_hash").rows() == [
        ("w-17", "matched", TX_W17),  # its transfer is not final
        ("L-201", "unmatched_ledger", None),
    ]


def test_a_link_opens_the_location_and_day_it_names(data_dir, monkeypatch):
    monkeypatch.setenv("USD1INV_DATA_DIR", str(data_dir))
    url = link(location=A, network="ethereum", day=OCT31)
    assert url == f"?page=Drill-down&drill=location&place=ethereum%2F{A}&day=2026-10-31"
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(dict(parse_qsl(url[1:])))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.header[0].value == "Drill-down"
    assert at.selectbox(key="day").value == OCT31
    assert at.subheader[0].value.startswith("Movements of ethereum-aaaa (ethereum) on 2026-10-31")
    shown = at.dataframe[-1].value
    assert list(shown["tx_hash"]) == [TX_IN, TX_IN, TX_OUT, TX_OUT]
    assert "Coinbase deposit" in list(shown["counterparty_name"])
    # another day picked: the URL follows (bookmarkable)
    at.selectbox(key="day").set_value(date(2026, 10, 30)).run()
    assert at.query_params["day"] == "2026-10-30"
    assert at.query_params["place"] == f"ethereum/{A}"
    assert list(at.dataframe[-1].value["entry_id"]) == ["0x" + "9" * 64 + ":0"]


def test_a_break_link_opens_the_break_with_its_candidates(data_dir, monkeypatch):
    monkeypatch.setenv("USD1INV_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(dict(parse_qsl(link(break_id="brk-vault-1")[1:])))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="drill").value == "break"
    assert "brk-vault-1" in at.subheader[0].value
    assert [m.label for m in at.metric][:2] == ["Left: custodian", "Right: ledger"]
    candidates = at.dataframe[-1].value
    assert list(candidates["entry_id"]) == ["w-17", "L-201"]


def test_other_pages_link_to_the_drilldown(data_dir, monkeypatch):
    monkeypatch.setenv("USD1INV_DATA_DIR", str(data_dir))
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(page="Locations")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    picked = at.selectbox(key="location").value
    assert picked == "ethereum-aaaa (ethereum)"  # the largest balance first
    texts = [m.value for m in at.markdown]
    assert f"({link(location=A, network='ethereum', day=OCT31)})" in " ".join(texts)
    at.sidebar.radio(key="page").set_value("Reconciliation").run()
    texts = " ".join(m.value for m in at.markdown)
    assert f"({link(break_id='brk-vault-1')})" in texts
    assert f"({link(break_id='brk-bsc-c')})" in texts
