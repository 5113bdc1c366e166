"""The audit pages in a real Chromium against the real app: run an audit of the local test site from the UI,
watch it finish, explore the results, see the history entry, download the JSON report, preview a page and
open the site report; every audit page has zero axe violations.

The app server (conftest.py) audits in its own background thread with its own Chromium; the
test site is tests/a11y/conftest.py's, served here on another free port of 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import UTC, datetime

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from a11y import history
from cardsort import store
from cardsort.model import Group, Sort
from tests.a11y.conftest import SiteServer
from tests.app.test_researcher_browser import TIMEOUT, go, settle, sign_in_by_keyboard, violations, wait_for_text

pytestmark = pytest.mark.browser
WINTER_EVENING = datetime(2026, 1, 15, 19, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def site():
    """The local test site of tests/a11y on its own free port."""
    server = SiteServer()
    threading.Thread(target=server.serve_forever, name="test-site", daemon=True).start()
    yield server.url
    server.shutdown()
    server.server_close()


def field(driver, label: str):
    return driver.find_element(By.CSS_SELECTOR, f'[aria-label="{label}"]')


def shoot(driver, name: str) -> None:
    """A screenshot to look at, when ``A11Y_SCREENSHOTS`` names a folder."""
    if os.environ.get("A11Y_SCREENSHOTS"):
        driver.save_screenshot(os.path.join(os.environ["A11Y_SCREENSHOTS"], f"{name}.png"))


def click_button(driver, text: str) -> None:
    button = next(b for b in driver.find_elements(By.TAG_NAME, "button") if b.text == text)
    button.send_keys(Keys.ENTER)


def test_audit_from_the_ui_results_history_download_and_no_axe_violations(app_server, browser, site, tmp_path,
                                                                          request):
    # a researcher in Berlin: the browser tells Streamlit its zone when the session starts
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": "Europe/Berlin"})
    request.addfinalizer(lambda: browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""}))
    found: dict[str, list] = {}
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    study = app_server.add_study({"name": "Library (site report test)", "kind": "open",
                                  "cards": ["Opening hours", "Contact", "Renew a loan", "Fines"]})
    store.import_sorts(app_server.engine, study.id, [
        Sort(p, (Group("Visit", ("c1", "c2")), Group("Borrow", ("c3", "c4")))) for p in ("p1", "p2")])
    before = {a["id"] for a in history.list_audits(app_server.engine)}

    sign_in_by_keyboard(browser, app_server.url)
    go(browser, "/audit", "Pages to audit")
    found["audit form"] = violations(browser)
    field(browser, "Pages to audit").send_keys(
        f"{site}/defects/images.html\n{site}/clean/index.html\n{site}/status/500")
    click_button(browser, "Start the audit")
    wait_for_text(browser, "See the results")
    settle(browser)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "2 of 3 pages audited; 1 page could not be audited (HTTP 500)" in body
    assert f"Not audited: {site}/status/500 (HTTP 500)" in body
    shoot(browser, "audit-finished")
    found["audit finished"] = violations(browser)
    (audit_id,) = {a["id"] for a in history.list_audits(app_server.engine)} - before
    # an earlier audit of the same site, so the history has a chart with two points and a comparison
    stored = history.get_audit(app_server.engine, audit_id)
    earlier = history.save_audit(app_server.engine, stored["report"], finished_at=WINTER_EVENING)

    browser.find_element(By.LINK_TEXT, "See the results").send_keys(Keys.ENTER)
    wait_for_text(browser, "failing elements match")
    settle(browser)
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "4 of 4 failing elements match." in body and "image-alt" in body and "role-img-alt" in body
    first = browser.find_element(By.CSS_SELECTOR, '[data-testid="stExpander"] summary')
    first.send_keys(Keys.ENTER)  # open the first finding: help, snippet, selector, screenshot
    WebDriverWait(browser, TIMEOUT).until(lambda d: d.find_elements(
        By.CSS_SELECTOR, '[data-testid="stExpander"] img[alt^="Screenshot of"]'))
    settle(browser)
    shoot(browser, "audit-results")
    found["results"] = violations(browser)
    button = next(b for b in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stDownloadButton"] button')
                  if b.text == "JSON")
    button.send_keys(Keys.ENTER)
    path = downloads / f"audit-{audit_id}.json"
    WebDriverWait(browser, TIMEOUT).until(lambda _: path.is_file() and path.stat().st_size > 0)
    report = json.loads(path.read_text(encoding="utf-8"))
    assert [p["url"] for p in report["pages"]] == [f"{site}/defects/images.html", f"{site}/clean/index.html",
                                                   f"{site}/status/500"]
    assert sorted(f["rule"] for f in report["pages"][0]["violations"]) == ["image-alt", "input-image-alt",
                                                                           "role-img-alt"]

    # the researcher is in Berlin (set before sign-in): every time on the page is Berlin's, 24-hour clock
    go(browser, "/audit-history", "Unchanged")  # the comparison, the last section: the whole page is there
    WebDriverWait(browser, TIMEOUT).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".vega-embed svg"))
    settle(browser)
    # the earlier audit (19:30 UTC), in the comparison's picker (the table is drawn on a canvas)
    pickers = browser.execute_script(
        "return Array.from(document.querySelectorAll('[data-testid=\"stSelectbox\"] input'), "
        "(i) => [i.value, i.getAttribute('aria-label')]);")
    assert [f"2026-01-15 20:30 · 4 failing elements (audit {earlier})", "Earlier audit"] in pickers, pickers
    legend, axis, titles = browser.execute_script(
        "const texts = (sel) => Array.from(document.querySelectorAll(sel), (t) => t.textContent);"
        "return [texts('.vega-embed .role-legend text'), texts('.vega-embed .role-axis-label text'),"
        "        texts('.vega-embed .role-axis-title text')];")
    assert "Audit finished (Europe/Berlin)" in titles
    assert sorted(legend) == ["All failing elements", "Critical", "Line", "Screen-reader elements", "Serious"]
    # month ticks at midnight of the shown zone: the browser did not shift the times once more
    times = [label for label in axis if ":" in label]
    assert times and all(label.endswith(" 00:00") for label in times), axis
    shoot(browser, "audit-history")
    found["history"] = violations(browser)

    go(browser, "/preview", "Page address")
    field(browser, "Page address").send_keys(f"{site}/clean/index.html")
    click_button(browser, "Show the preview")
    wait_for_text(browser, "Headings outline", timeout=TIMEOUT)
    settle(browser)
    found["preview"] = violations(browser)

    go(browser, f"/site-report?study={study.id}", "Download the site report (HTML)")
    found["site report"] = violations(browser)
    assert {page: v for page, v in found.items() if v} == {}
