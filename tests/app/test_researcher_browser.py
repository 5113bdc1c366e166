"""The researcher side in a real Chromium against the real app: keyboard sign-in, axe on every page, a download.

Uses the session's app server and browser of conftest.py (the server runs with
``RESEARCHER_PASSWORD``). Studies are kept small so that axe runs fast; chart sizes
at 200 cards are covered by tests/cardsort/test_charts.py.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from a11y.engine import load_axe, run_axe, run_options
from cardsort import formats, store
from cardsort.model import Group, Sort
from tests.app.conftest import RESEARCHER_PASSWORD

pytestmark = pytest.mark.browser
TIMEOUT = 60
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)


def wait_for_text(driver: WebDriver, text: str, timeout: float = TIMEOUT) -> None:
    WebDriverWait(driver, timeout).until(lambda d: text in d.find_element(By.TAG_NAME, "body").text)


def settle(driver: WebDriver) -> None:
    """Wait until Streamlit is not running the script any more (no "Running..." status, no stale elements)."""
    WebDriverWait(driver, TIMEOUT).until(lambda d: not d.find_elements(
        By.CSS_SELECTOR, '[data-testid="stStatusWidget"], [data-stale="true"]'))
    time.sleep(0.3)


def go(driver: WebDriver, path: str, text: str) -> None:
    """Move to another page of the app inside the same session (a full reload would sign out)."""
    driver.execute_script(
        "window.history.pushState({}, '', arguments[0]); window.dispatchEvent(new PopStateEvent('popstate'));",
        path)
    wait_for_text(driver, text)
    settle(driver)


def sign_in_by_keyboard(driver: WebDriver, url: str) -> None:
    driver.get(url)
    wait_for_text(driver, "researcher sign-in")
    settle(driver)
    for _ in range(20):  # Tab from the top of the page to the password field
        active = driver.switch_to.active_element
        if active.get_attribute("type") == "password":
            break
        active.send_keys(Keys.TAB)
    else:
        pytest.fail("Tab never reached the password field")
    assert active.get_attribute("aria-label") == "Researcher password" or active.accessible_name == \
        "Researcher password"
    active.send_keys(RESEARCHER_PASSWORD, Keys.ENTER)
    wait_for_text(driver, "Study to work on")
    settle(driver)


def violations(driver: WebDriver) -> list[tuple[str, list[str]]]:
    """axe-core (WCAG 2.2 AA and best practices, every frame): rule ids with their first targets."""
    driver.set_script_timeout(TIMEOUT)
    result = run_axe(driver, load_axe(), run_options("wcag22aa", best_practice=True))
    return [(v["id"], [str(n["target"]) for n in v["nodes"][:3]]) for v in result["violations"]]


def sort(pid: str, minutes: int, *groups: tuple[str, list[str], str | None]) -> Sort:
    return Sort(pid, tuple(Group(label, tuple(cards), cat) for label, cards, cat in groups),
                started_at=T0, finished_at=T0 + timedelta(minutes=minutes))


@pytest.fixture
def studies(app_server):
    """An open study with three sorts and a hybrid study with two, under fresh ids."""
    open_study = app_server.add_study({"name": "Library (browser test)", "kind": "open",
                                       "cards": ["Opening hours", "Contact us", "Renew a loan", "Fines"]})
    store.import_sorts(app_server.engine, open_study.id, [
        sort("p1", 6, ("Visit", ["c1", "c2"], None), ("Borrow", ["c3", "c4"], None)),
        sort("p2", 9, ("Visit us", ["c1", "c2"], None), ("Loans", ["c3", "c4"], None)),
        sort("p3", 12, ("About", ["c1", "c2", "c4"], None), ("Loans", ["c3"], None)),
    ])
    hybrid = app_server.add_study({"name": "Shop (browser test)", "kind": "hybrid", "language": "fa",
                                   "cards": ["Shoes", "Bags", "Hats"], "categories": ["Wear", "Carry"]})
    store.import_sorts(app_server.engine, hybrid.id, [
        sort("h1", 3, ("Wear", ["c1", "c3"], "k1"), ("Carry", ["c2"], "k2")),
        sort("h2", 4, ("Wear", ["c1"], "k1"), ("Mine", ["c2", "c3"], None)),
    ])
    return store.get_study(app_server.engine, open_study.id), store.get_study(app_server.engine, hybrid.id)


def open_tabs(driver: WebDriver):
    """Click each results tab in turn, yielding its name once its panel shows."""
    names = [t.text for t in driver.find_elements(By.CSS_SELECTOR, '[role="tab"]')]
    for name in names:
        tab = next(t for t in driver.find_elements(By.CSS_SELECTOR, '[role="tab"]') if t.text == name)
        tab.click()
        WebDriverWait(driver, TIMEOUT).until(lambda d, tab=tab: tab.get_attribute("aria-selected") == "true")
        settle(driver)
        yield name


def test_keyboard_sign_in_and_no_axe_violations_on_any_researcher_page(app_server, browser, studies, tmp_path):
    open_study, hybrid = studies
    found: dict[str, list] = {}
    browser.get(app_server.url)
    wait_for_text(browser, "researcher sign-in")
    settle(browser)
    found["sign-in"] = violations(browser)

    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/studies?study={open_study.id}", "Participant link")
    found["studies"] = violations(browser)
    browser.find_element(By.XPATH, "//summary[contains(., 'Preview')]").click()
    wait_for_text(browser, "Try the board")
    settle(browser)
    found["studies, board preview open"] = violations(browser)

    go(browser, f"/studies?study={hybrid.id}", "Categories, one per line")
    found["studies, hybrid Persian study"] = violations(browser)

    go(browser, f"/import?study={open_study.id}", "Results file")
    found["import"] = violations(browser)
    upload = tmp_path / "more.csv"
    upload.write_text("participant;card;category\np9;Opening hours;Visit\np9;Fines;Money\np1;Fines;Money\n",
                      encoding="utf-8")  # semicolons, and p1 already has a sort: the warning and the skip box
    browser.find_element(By.CSS_SELECTOR, 'input[type="file"]').send_keys(str(upload))
    wait_for_text(browser, "1 of 2 participants in this file already has a sort: p1.")
    settle(browser)
    found["import, preview"] = violations(browser)

    go(browser, f"/results?study={open_study.id}", "Participants completed")
    for name in open_tabs(browser):
        found[f"results, {name}"] = violations(browser)
    go(browser, f"/results?study={hybrid.id}", "Participants completed")
    for name in open_tabs(browser):
        if name == "Placement matrix":
            found[f"results of a hybrid study, {name}"] = violations(browser)

    assert "results of a hybrid study, Placement matrix" in found and "results, Export" in found
    assert {page: v for page, v in found.items() if v} == {}


def test_results_export_downloads_the_long_csv(app_server, browser, studies, tmp_path):
    open_study, _ = studies
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/results?study={open_study.id}", "Participants completed")
    assert "Visit" in browser.find_element(By.TAG_NAME, "table").text  # the proposed navigation is there
    for name in open_tabs(browser):
        if name == "Export":
            break
    button = next(b for b in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stDownloadButton"] button')
                  if b.text == "Long CSV")
    button.send_keys(Keys.ENTER)  # by keyboard, like the sign-in
    path = downloads / "library-browser-test-long.csv"
    WebDriverWait(browser, TIMEOUT).until(lambda _: path.is_file() and path.stat().st_size > 0)
    expected = formats.export(open_study, store.load_sorts(app_server.engine, open_study.id), "long")
    assert path.read_text(encoding="utf-8") == expected
    assert expected.splitlines()[:2] == ["participant,card,category,category_id,started_at,finished_at",
                                         "p1,Opening hours,Visit,g1,2026-11-02T09:00:00+00:00,"
                                         "2026-11-02T09:06:00+00:00"]


def test_signed_out_browser_reaches_no_researcher_page(app_server, browser, studies):
    open_study, _ = studies
    for path in ("/studies", f"/results?study={open_study.id}", "/import"):
        browser.get(f"{app_server.url}{path}")
        wait_for_text(browser, "researcher sign-in")
        settle(browser)
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "Participants completed" not in body and open_study.name not in body
        assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"]')

