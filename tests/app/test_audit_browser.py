"""The audit pages in a real Chromium against the real app: run an audit of the local test site from the UI,
watch it finish, explore the results, see the history entry, download the JSON report, preview a page and
open the site report; every audit page has zero axe violations.

The app server (conftest.py) audits in its own background thread with its own Chromium; the
test site is tests/a11y/conftest.py's, served here on another free port of 127.0.0.1.
"""

from __future__ import annotations

import json
import threading

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


def click_button(driver, text: str) -> None:
    button = next(b for b in driver.find_elements(By.TAG_NAME, "button") if b.text == text)
    button.send_keys(Keys.ENTER)


def test_audit_from_the_ui_results_history_download_and_no_axe_violations(app_server, browser, site, tmp_path):
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
    field(browser, "Pages to audit").send_keys(f"{site}/defects/images.html\n{site}/clean/index.html")
    click_button(browser, "Start the audit")
    wait_for_text(browser, "See the results")
    settle(browser)
    assert "2 of 2 pages audited" in browser.find_element(By.TAG_NAME, "body").text
    found["audit finished"] = violations(browser)
    (audit_id,) = {a["id"] for a in history.list_audits(app_server.engine)} - before

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
    found["results"] = violations(browser)
    button = next(b for b in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stDownloadButton"] button')
                  if b.text == "JSON")
    button.send_keys(Keys.ENTER)
    path = downloads / f"audit-{audit_id}.json"
    WebDriverWait(browser, TIMEOUT).until(lambda _: path.is_file() and path.stat().st_size > 0)
    report = json.loads(path.read_text(encoding="utf-8"))
    assert [p["url"] for p in report["pages"]] == [f"{site}/defects/images.html", f"{site}/clean/index.html"]
    assert sorted(f["rule"] for f in report["pages"][0]["violations"]) == ["image-alt", "input-image-alt",
                                                                           "role-img-alt"]

    go(browser, "/audit-history", "Compare two audits")  # the last section: the whole page is there
    # the site (a fresh port) has this one audit
    assert "Run a second audit of this site to see what changed." in browser.find_element(By.TAG_NAME, "body").text
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
