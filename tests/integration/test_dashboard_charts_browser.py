"""The dashboard's charts and drill-down in a real headless Chromium: one server and one browser
for the module, over the drill-down fixture (tests/dashboard_drilldown_fixtures.py).

Each chart must render on its page as an SVG with data marks (Vega draws every bar, line, point
and rule as an element), ISO dates on its day axis, and its colours (the limit in red, client
and operating apart); the drill-down opened by a URL must show the movements of the location
and day it names. Screenshots go to test-output/dashboard/charts_*.png.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode

import pytest

from dashboard import charts
from dashboard.views.drilldown import link
from tests.dashboard_browser import chromium, dashboard_server, require_browser
from tests.dashboard_drilldown_fixtures import TX_IN, TX_OUT, A, build_published_with_movements

pytestmark = pytest.mark.integration

ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MONTH_OR_WEEKDAY = re.compile(
    r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun|January|February|March|April|May|June|July|August|"
    r"September|October|November|December|AM|PM)\b"
)
# page -> {chart title: does it have a day axis}
CHARTS = {
    "Overview": {
        "Balance by location type (token units)": True,
        "Balance by network (token units)": True,
        "Balance by ownership (token units)": True,
        "Available, pending and frozen (token units)": True,
    },
    "Reconciliation": {
        "Locations in break per day": True,
        "Open breaks by age (days)": False,
    },
    "Valuation": {"Depeg over time (bps), band +/-50 bps": True},
    "Risk and health": {
        "Exposure per location against its limit (token units)": False,
        "Exposure per custody provider against its limit (token units)": False,
        "Exposure per network against its limit (token units)": False,
        "Client-asset coverage over time (client holdings / liabilities, 100 % line)": True,
    },
}

# what one chart's SVG holds: its title, its data marks, its x-axis labels, the colours drawn
CHART_FACTS = """
return Array.from(document.querySelectorAll("[data-testid='stVegaLiteChart'] svg")).map(svg => {
  const title = Array.from(svg.querySelectorAll("g.role-title text")).map(t => t.textContent);
  const marks = svg.querySelectorAll("g.role-mark > path, g.role-mark > rect, g.role-mark > line");
  const xlabels = Array.from(
    svg.querySelectorAll("g.role-axis")
  ).filter(a => a.querySelector("g.role-axis-label") && a.getAttribute("aria-label") &&
       a.getAttribute("aria-label").startsWith("X-axis"))
   .flatMap(a => Array.from(a.querySelectorAll("g.role-axis-label text")).map(t => t.textContent));
  const colours = new Set();
  svg.querySelectorAll("g.role-mark *").forEach(e => {
    for (const attr of ["fill", "stroke"]) {
      const v = e.getAttribute(attr);
      if (v && v !== "none" && v !== "transparent") colours.add(v.toLowerCase());
    }
  });
  return {title: title.join(" "), marks: marks.length, xlabels, colours: Array.from(colours)};
});
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    with dashboard_server(build_published_with_movements(tmp_path_factory.mktemp("charts"))) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium("1400,2400") as driver:
        yield driver


@pytest.fixture(scope="module")
def shots(test_output):
    folder = test_output / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(browser, server: str, **params: str) -> None:
    browser.get(f"{server}/?{urlencode(params)}")


def _charts_drawn(browser, titles: set[str], timeout: float = 60) -> dict[str, dict]:
    """Wait until every chart titled in `titles` is drawn with data marks; return its facts."""
    from selenium.webdriver.support.ui import WebDriverWait

    found: dict[str, dict] = {}

    def ready(driver) -> bool:
        facts = driver.execute_script(CHART_FACTS)
        found.clear()
        found.update({f["title"]: f for f in facts if f["title"] in titles and f["marks"]})
        return set(found) == titles

    try:
        WebDriverWait(browser, timeout, poll_frequency=0.5).until(ready)
    except Exception:
        seen = [f["title"] for f in browser.execute_script(CHART_FACTS)]
        pytest.fail(f"charts {sorted(titles - set(found))} not drawn; drawn: {seen}")
    time.sleep(0.5)  # let the last transition settle before reading colours and labels
    facts = browser.execute_script(CHART_FACTS)
    return {f["title"]: f for f in facts if f["title"] in titles}


@pytest.mark.parametrize("page", list(CHARTS))
def test_each_chart_renders_with_data_and_iso_days(server, browser, shots, page):
    _open(browser, server, page=page)
    expected = CHARTS[page]
    drawn = _charts_drawn(browser, set(expected))
    for title, has_day_axis in expected.items():
        facts = drawn[title]
        assert facts["marks"] > 0, title
        if has_day_axis:
            labels = [t for t in facts["xlabels"] if t]
            assert labels, f"{title}: no x-axis labels"
            assert all(ISO_DAY.match(t) for t in labels), f"{title}: {labels}"
            assert not any(MONTH_OR_WEEKDAY.search(t) for t in labels), f"{title}: {labels}"
    if page == "Overview":
        ownership = drawn["Balance by ownership (token units)"]["colours"]
        assert {charts.OWNERSHIP_COLOURS["client"], charts.OWNERSHIP_COLOURS["operating"]} <= set(
            ownership
        )
    if page == "Risk and health":
        # the fixture's location limit (500) is drawn on the location chart, in red
        assert (
            charts.LIMIT_COLOUR
            in drawn["Exposure per location against its limit (token units)"]["colours"]
        )
        assert (
            charts.LIMIT_COLOUR
            in drawn["Client-asset coverage over time (client holdings / liabilities, 100 % line)"][
                "colours"
            ]
        )
    if page == "Valuation":
        assert charts.BAND_COLOUR in drawn["Depeg over time (bps), band +/-50 bps"]["colours"]
    browser.save_screenshot(str(shots / f"charts_{page.replace(' ', '_')}.png"))


def _wait_text(browser, text: str, timeout: float = 45) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, timeout).until(
        lambda d: text in d.find_element(By.TAG_NAME, "body").text
    )
    return browser.find_element(By.TAG_NAME, "body").text


def _tables_text(browser) -> str:
    """The text of every table's cells (a data grid keeps an accessible table of the cells it
    draws; each is scrolled into view first, so it draws them)."""
    return " ".join(
        browser.execute_script(
            "const grids = Array.from(document.querySelectorAll(\"[data-testid='stDataFrame']\"));"
            "grids.forEach(g => g.scrollIntoView());"
            "return grids.map(g => Array.from(g.querySelectorAll('table'))"
            ".map(t => t.textContent).join(' '));"
        )
    )


def test_the_drilldown_opened_by_url_shows_the_movements_of_that_location_and_day(
    server, browser, shots
):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/" + link(location=A, network="ethereum", day="2026-10-31"))
    _wait_text(browser, "Movements of ethereum-aaaa (ethereum) on 2026-10-31")
    _wait_text(browser, "1,234,567.25")  # the balance at the end of that day
    WebDriverWait(browser, 30).until(lambda d: TX_OUT in _tables_text(d))
    tables = _tables_text(browser)
    assert TX_IN in tables and TX_OUT in tables
    assert "Coinbase deposit" in tables  # the counterparty, named from the allow-list
    assert "0x" + "9" * 64 not in tables  # 2026-10-30's transfer is another day
    browser.save_screenshot(str(shots / "charts_Drill-down_location_day.png"))

    browser.get(server + "/" + link(break_id="brk-vault-1"))
    _wait_text(browser, "In-transit candidates")
    WebDriverWait(browser, 30).until(lambda d: "L-201" in _tables_text(d))
    tables = _tables_text(browser)
    assert "w-17" in tables and "unmatched_ledger" in tables
    browser.save_screenshot(str(shots / "charts_Drill-down_break.png"))
