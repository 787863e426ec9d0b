"""report.html as a person sees it: Debian's chromium, headless, driven by chromedriver, opening
the file from disk with networking off. It must show the verdict and every failing contract,
draw its charts, fetch nothing, and log no console error."""

from __future__ import annotations

import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

SVG_BOXES = """
return [...document.querySelectorAll('svg.chart')].map(svg => {
  const box = svg.getBoundingClientRect();
  const bars = [...svg.querySelectorAll('rect.bar')].filter(r => {
    const b = r.getBoundingClientRect(); return b.width > 0 && b.height > 0; });
  return {id: svg.id, width: box.width, height: box.height, bars: bars.length};
});
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless chromium with a fresh profile and a network proxy that goes nowhere."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    # No network: every request that is not file:// would go to a closed proxy port.
    options.add_argument("--proxy-server=http://127.0.0.1:9")
    options.add_argument("--proxy-bypass-list=<-loopback>")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    assert shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER), (
        "chromium and chromium-driver must be installed (apt-get install chromium chromium-driver)"
    )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _open(browser, report_dir):
    path = report_dir / "report.html"
    browser.get(path.resolve().as_uri())
    return browser


def _check_report(browser, run):
    summary = run.summary
    _open(browser, run.report_dir)
    verdict = browser.find_element(By.ID, "verdict")
    assert verdict.is_displayed()
    assert verdict.text == summary["verdict"].replace("_", " ").upper()
    failing = [c["id"] for c in summary["contracts"] if c["verdict"] in ("failed", "warned")]
    assert failing
    for contract_id in failing:
        article = browser.find_element(By.ID, f"contract-{contract_id}")
        assert article.is_displayed()
        assert contract_id in article.text
        assert "expected" in article.text and "got" in article.text
    charts = browser.execute_script(SVG_BOXES)
    ids = {c["id"] for c in charts}
    assert "chart-areas" in ids and "chart-expiration-0" in ids, charts
    for chart in charts:
        assert chart["width"] > 0 and chart["height"] > 0, chart
        assert chart["bars"] > 0, chart
    fetched = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert fetched == []
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_the_stand_in_suite_report_shows_verdict_failures_and_charts(browser, broken_run):
    _check_report(browser, broken_run)
    curl = browser.find_element(By.CSS_SELECTOR, "#contract-FAKE-MUST-BREAKS pre.curl")
    assert curl.text.startswith("curl ")


def test_the_broken_server_report_shows_why_it_failed(browser, broken_server_run):
    _check_report(browser, broken_server_run)
    article = browser.find_element(By.ID, "contract-LOT-REMAINING-LE-AMOUNT")
    assert "lot remaining is outside 0..amount" in article.text
    assert "more finding(s)" in article.text


def test_a_report_with_a_console_error_would_be_caught(browser, tmp_path):
    # The same check must fail on a page that logs an error (the test is not blind).
    (tmp_path / "report.html").write_text("<script>console.error('broken chart')</script>")
    _open(browser, tmp_path)
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
