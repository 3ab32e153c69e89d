"""The finance dashboard: how much we hold, where, what we can spend today, what is wrong.

Reads only the published read-only snapshot (never the warehouse), one connection per query.
Started by `usd1inv dashboard --config PATH` / `make dashboard`, bound to 127.0.0.1. The
configuration is passed in USD1INV_CONFIG (or the data folder directly in USD1INV_DATA_DIR).
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from dashboard.snapshot import Snapshot
from dashboard.status import render_status_bar
from dashboard.views import (
    close,
    drilldown,
    locations,
    overview,
    reconciliation,
    risk,
    valuation,
)
from dashboard.views.common import (
    Filters,
    begin_url_state,
    end_url_state,
    sidebar_filters,
    url_state,
)

# page name (as shown and in the URL's `page=`) -> render(snapshot, filters); add a page here
PAGES = {
    "Overview": overview.render,
    "Locations": locations.render,
    "Reconciliation": reconciliation.render,
    "Valuation": valuation.render,
    "Risk and health": risk.render,
    "Close": close.render,
    drilldown.PAGE: drilldown.render,
}


def data_dir() -> Path:
    if os.environ.get("USD1INV_DATA_DIR"):
        return Path(os.environ["USD1INV_DATA_DIR"])
    from ingestion.config import load_config

    config_path = os.environ.get("USD1INV_CONFIG")
    if not config_path:
        default = Path(__file__).resolve().parents[1] / "demo" / "usd1inv.yml"
        config_path = str(default)
    return load_config(config_path).data_dir


def main() -> None:
    st.set_page_config(page_title="USD1 inventory", layout="wide")
    begin_url_state()
    try:
        _run()
    finally:
        end_url_state()


def _run() -> None:
    snapshot = Snapshot(data_dir())
    st.sidebar.title("USD1 inventory")
    pages = list(PAGES)
    url_state("page", pages, pages[0])
    page = st.sidebar.radio("Page", pages, key="page")
    if not snapshot.status().exists:
        st.error(
            f"No published snapshot yet at {snapshot.path}. The pipeline publishes one after "
            "every green build: run `usd1inv run --config …` (or `make demo`)."
        )
        return
    filters: Filters = sidebar_filters(snapshot)
    status = snapshot.status()
    published = status.published_at.strftime("%Y-%m-%d %H:%M UTC")
    st.sidebar.caption(f"Snapshot published {published} (run {str(status.run_id)[:8]})")
    render_status_bar(snapshot)
    if status.is_stale:
        hours = int(status.age.total_seconds() // 3600)
        st.warning(
            f"Stale data: the snapshot was published at {published}, {hours} hours ago. "
            "The figures below are as of that run."
        )
    st.header(page)
    PAGES[page](snapshot, filters)


main()
