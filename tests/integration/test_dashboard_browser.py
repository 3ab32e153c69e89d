"""The dashboard in a real headless Chromium: start the server, wait for the overview, check the
numbers, and save a screenshot of every page to test-output/dashboard/."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request

import pytest

from dashboard.formatting import token_units
from dashboard.server import streamlit_command
from demo.anvil import free_port
from tests.dashboard_fixtures import build_published

pytestmark = pytest.mark.integration

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# each page and a text that only it shows once it has rendered
EXPECTED = {
    "Overview": "Total units",
    "Locations": "locations at the end of",
    "Reconciliation": "Comparisons at the end of",
    "Valuation": "Fair value at",
    "Risk and health": "Source freshness",
    "Close": "Late-data adjustments",
}
PAGES = list(EXPECTED)


def _require_browser() -> None:
    if os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER):
        return
    if os.environ.get("CI"):
        pytest.fail("chromium/chromedriver missing: `make browser` installs them")
    pytest.skip("chromium not installed (run `make browser`)")


@pytest.fixture
def server(tmp_path):
    _require_browser()
    data_dir = build_published(tmp_path)
    port = free_port()
    env = {**os.environ, "USD1INV_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen(
        streamlit_command(port), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:  # noqa: S310
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"dashboard did not start: {proc.stderr.read().decode()[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1400,2000",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _wait_text(driver, text: str, timeout: float = 45) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: text in d.find_element(By.TAG_NAME, "body").text)
    return driver.find_element(By.TAG_NAME, "body").text


def test_overview_and_every_page_in_chromium(server, browser, test_output):
    from selenium.webdriver.common.by import By

    shots = test_output / "dashboard"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir(parents=True)
    browser.get(server)
    text = _wait_text(browser, "Total units")
    assert "Holdings at the end of 2026-10-31" in text
    assert token_units(__import__("decimal").Decimal("1234579.750001")) in text
    assert "e+" not in text  # never scientific notation
    for page in PAGES:
        label = browser.find_element(
            By.XPATH, f"//section[@data-testid='stSidebar']//label[.//p[text()='{page}']]"
        )
        label.click()
        _wait_text(browser, EXPECTED[page])
        time.sleep(1.0)  # let tables draw before the picture
        browser.save_screenshot(
            str(shots / f"{PAGES.index(page):02d}_{page.replace(' ', '_')}.png")
        )
    assert len(list(shots.glob("*.png"))) == len(PAGES)
