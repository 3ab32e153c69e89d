"""The dashboard in a real headless Chromium over a published warehouse with problems (a stale
source, an open overdue break, a quarantined file, a failed check: tests/dashboard_fixtures.py
PROBLEMS): one server and one browser for the module. Checks the status bar on every page,
health, the headline USD value against the network filter, the table cells' formats, and that
a bookmarked URL (and the back button) reopens a view; saves a screenshot of every page to
test-output/dashboard/."""

from __future__ import annotations

import re
import shutil
import time
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest

from dashboard.formatting import token_units
from tests.dashboard_browser import chromium, dashboard_server, require_browser
from tests.dashboard_fixtures import build_published

pytestmark = pytest.mark.integration

# each page and a text that only it shows once it has rendered
EXPECTED = {
    "Overview": "Holdings at the end of",
    "Locations": "locations at the end of",
    "Reconciliation": "Comparisons at the end of",
    "Valuation": "Fair value at",
    "Risk and health": "Source freshness",
    "Close": "Late-data adjustments",
}
PAGES = list(EXPECTED)
# a number as a cell shows it: -$1,234.56, 12.50%, 1,234
NUMBER = re.compile(r"^-?\$?[\d,]+(\.(\d+))?%?$")
PRICE_LABELS = {"Price (USD)", "Average cost per unit"}  # exact prices: up to 6 decimals


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_browser()
    data_dir = build_published(tmp_path_factory.mktemp("dashboard"), problems=True)
    with dashboard_server(data_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser(server):
    with chromium("1400,2000") as driver:
        yield driver


def _body(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def _wait(driver, condition, timeout: float = 45):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition)


def _wait_text(driver, text: str, timeout: float = 45) -> str:
    _wait(driver, lambda d: text in _body(d), timeout)
    return _body(driver)


def _settled(driver) -> None:
    """Wait until the script run is over (Streamlit's status widget gone) and tables drew."""
    from selenium.webdriver.common.by import By

    _wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"))

    def drawn(d) -> bool:
        frames = d.find_elements(By.CSS_SELECTOR, "[data-testid='stDataFrame']")
        return all(f.find_elements(By.CSS_SELECTOR, "tbody tr, th") for f in frames)

    _wait(driver, drawn, timeout=20)
    time.sleep(0.5)


def _status_bar(driver) -> dict[str, tuple[str, str, str]]:
    """data-item -> (level, text, link) of the status bar's chips."""
    from selenium.webdriver.common.by import By

    return {
        a.get_attribute("data-item"): (
            a.get_attribute("data-level"),
            a.text,
            a.get_attribute("href"),
        )
        for a in driver.find_elements(By.CSS_SELECTOR, "a.usd1-status-item")
    }


def _card(driver, key: str) -> str:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, f"div.usd1-card[data-card='{key}']")
    return found[0].text if found else ""


def _tables(driver) -> list[tuple[list[str], list[list[str]]]]:
    """(column labels, rows of cell texts) of every table on the page, as the grid exposes
    them (its accessible table, one cell per rendered column)."""
    from selenium.webdriver.common.by import By

    tables = []
    for frame in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stDataFrame']"):
        heads = [h.get_attribute("textContent") for h in frame.find_elements(By.CSS_SELECTOR, "th")]
        rows = [
            [td.get_attribute("textContent") for td in tr.find_elements(By.CSS_SELECTOR, "td")]
            for tr in frame.find_elements(By.CSS_SELECTOR, "tbody tr")
        ]
        tables.append((heads, rows))
    return tables


def _bad_cells(driver) -> list[str]:
    """Cells that show None, or a number with more decimals than its column allows."""
    bad = []
    for heads, rows in _tables(driver):
        for row in rows:
            for i, cell in enumerate(row):
                head = heads[i] if i < len(heads) else ""
                if cell.strip() in ("None", "nan", "NaN", "<NA>"):
                    bad.append(f"{head}: {cell!r}")
                    continue
                number = NUMBER.match(cell.strip())
                allowed = 6 if head in PRICE_LABELS else 2
                if number and number.group(2) and len(number.group(2)) > allowed:
                    bad.append(f"{head}: {cell!r}")
    return bad


def _open(driver, url: str, text: str) -> str:
    driver.get(url)
    body = _wait_text(driver, text)
    _settled(driver)
    return body


def test_every_page_shows_the_problems_and_health_is_not_ok(server, browser, test_output):
    from selenium.webdriver.common.by import By

    shots = test_output / "dashboard"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    _open(browser, server, EXPECTED["Overview"])
    checked_cells = 0
    for page in PAGES:
        label = browser.find_element(
            By.XPATH, f"//section[@data-testid='stSidebar']//label[.//p[text()='{page}']]"
        )
        label.click()
        text = _wait_text(browser, EXPECTED[page])
        _settled(browser)
        bar = _status_bar(browser)
        assert bar["data_as_of"][0] == "red" and "stale" in bar["data_as_of"][1], page
        assert bar["overdue_breaks"][0] == "red", page
        assert bar["overdue_breaks"][1].endswith("Overdue breaks: 1"), page
        assert bar["quarantine"][0] == "red" and "1 file since" in bar["quarantine"][1], page
        assert bar["health"][0] == "red" and "not ok" in bar["health"][1], page
        assert "page=Reconciliation" in bar["overdue_breaks"][2]  # links to what explains it
        assert "None" not in text.split(), page
        assert not _bad_cells(browser), (page, _bad_cells(browser))
        checked_cells += sum(len(rows) for _, rows in _tables(browser))
        if page == "Risk and health":
            assert "Health: ok" not in text
            assert re.search(r"Health: (warn|not ok) \(.*overdue breaks: 1", text)
        browser.save_screenshot(
            str(shots / f"{PAGES.index(page):02d}_{page.replace(' ', '_')}.png")
        )
    assert checked_cells > 20  # the tables were read, not skipped
    assert len(list(shots.glob("*.png"))) == len(PAGES)


def test_headline_usd_follows_the_network_filter_and_names_its_date(server, browser):
    from selenium.webdriver.common.by import By

    _open(browser, f"{server}/?page=Overview", EXPECTED["Overview"])
    total = token_units(Decimal("1234579.750001"), 2)
    assert _card(browser, "total").splitlines()[1] == f"{total} USD1"
    usd_all = _card(browser, "usd")
    assert "$1,234,703.21" in usd_all and "price of 2026-10-31" in usd_all
    assert "coingecko" in usd_all and "end of 2026-10-31" in usd_all
    remove = browser.find_elements(
        By.CSS_SELECTOR, "section[data-testid='stSidebar'] button[aria-label='Remove ethereum']"
    )
    next(b for b in remove if b.is_displayed()).click()
    _wait(browser, lambda d: "$12.50" in _card(d, "usd"))
    assert "price of 2026-10-31" in _card(browser, "usd")
    # the URL is written when the run ends, a moment after the cards drew
    _wait(browser, lambda d: parse_qs(urlparse(d.current_url).query).get("network") == ["bsc"])
    _open(browser, f"{server}/?page=Overview&network=", EXPECTED["Overview"])
    assert "no entity or network selected" in _card(browser, "usd")
    assert "$" not in _card(browser, "usd")


def test_a_bookmarked_url_reopens_the_view_and_back_goes_back(server, browser):
    from selenium.webdriver.common.by import By

    bookmark = (
        f"{server}/?page=Reconciliation&network=bsc&as_of=2026-10-30"
        "&recon-comparison=custodian_vs_ledger&recon-comparison=transfers_vs_balanceof"
    )
    text = _open(browser, bookmark, "Comparisons at the end of 2026-10-30")
    assert "matched: 1" in text  # bsc on 2026-10-30: the one balanceOf comparison
    sidebar = browser.find_element(By.CSS_SELECTOR, "section[data-testid='stSidebar']").text
    assert "bsc" in sidebar and "ethereum" not in sidebar
    # another page in the app: a new history entry; back returns to the bookmarked view
    browser.find_element(
        By.XPATH, "//section[@data-testid='stSidebar']//label[.//p[text()='Close']]"
    ).click()
    _wait_text(browser, EXPECTED["Close"])
    _settled(browser)
    query = parse_qs(urlparse(browser.current_url).query)
    assert query["page"] == ["Close"] and query["network"] == ["bsc"]
    browser.back()
    _wait_text(browser, "Comparisons at the end of 2026-10-30")
    _settled(browser)
    assert parse_qs(urlparse(browser.current_url).query)["page"] == ["Reconciliation"]
    # a status bar link opens the page that explains it, with the same filters
    browser.find_element(By.CSS_SELECTOR, "a.usd1-status-item[data-item='quarantine']").click()
    _wait_text(browser, EXPECTED["Risk and health"])
    query = parse_qs(urlparse(browser.current_url).query)
    assert query["page"] == ["Risk and health"] and query["network"] == ["bsc"]
