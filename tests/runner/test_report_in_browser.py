"""report.html as a person sees it: Debian's chromium, headless, driven by chromedriver, opening
the file from disk with networking off. It must show the verdict and every failing contract,
draw its charts, fetch nothing, and log no console error.

Where chromium or chromedriver is missing these tests are skipped with the reason, except under
CI=true (CI installs both, see .ci/run), where a missing browser is a failure."""

from __future__ import annotations

import os
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMEDRIVER_NAMES = ("chromedriver",)
MISSING = "chromium and chromedriver must be installed (apt-get install chromium chromium-driver)"
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


def _first_on_path(names: tuple[str, ...]) -> str | None:
    return next((path for path in map(shutil.which, names) if path), None)


def installed_browser(environ=os.environ) -> tuple[str, str]:
    """The paths of chromium and chromedriver; without them, skip (or fail when CI=true)."""
    chromium, chromedriver = _first_on_path(CHROMIUM_NAMES), _first_on_path(CHROMEDRIVER_NAMES)
    if chromium and chromedriver:
        return chromium, chromedriver
    if environ.get("CI", "").lower() == "true":
        pytest.fail(f"{MISSING}; CI=true, where the browser tests must run", pytrace=False)
    pytest.skip(f"{MISSING} to run the browser tests")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """A headless chromium with a fresh profile and a network proxy that goes nowhere."""
    chromium, chromedriver = installed_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    # No network: every request that is not file:// would go to a closed proxy port.
    options.add_argument("--proxy-server=http://127.0.0.1:9")
    options.add_argument("--proxy-bypass-list=<-loopback>")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(chromedriver))
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


def test_a_missing_browser_is_skipped_with_its_reason_outside_ci(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.skip.Exception, match="chromium and chromedriver must be installed"):
        installed_browser({})


def test_a_missing_browser_fails_under_ci(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        installed_browser({"CI": "true"})


def test_an_installed_browser_is_found_on_the_path(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: f"/opt/bin/{name}")
    assert installed_browser({"CI": "true"}) == ("/opt/bin/chromium", "/opt/bin/chromedriver")
