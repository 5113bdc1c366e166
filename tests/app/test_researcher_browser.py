"""The researcher side in a real Chromium against the real app: keyboard sign-in, axe on every page, a download,
staying signed in across reloads and links (the signed cookie), and the study and method across pages.

Uses the session's app server and browser of conftest.py (the server runs with
``RESEARCHER_EMAIL`` and ``RESEARCHER_PASSWORD``). Studies are kept small so that axe runs fast; chart sizes
at 200 cards are covered by tests/cardsort/test_charts.py.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from a11y.engine import load_axe, run_axe, run_options
from app_pages._signin import COOKIE_NAME, make_session_token
from cardsort import accounts, formats, store
from cardsort.model import Group, Sort
from tests.app.conftest import COOKIE_SECRET, RESEARCHER_EMAIL, RESEARCHER_PASSWORD

pytestmark = pytest.mark.browser
TIMEOUT = 60
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def wait_for_text(driver: WebDriver, text: str, timeout: float = TIMEOUT) -> None:
    WebDriverWait(driver, timeout).until(lambda d: text in d.find_element(By.TAG_NAME, "body").text)


def settle(driver: WebDriver) -> None:
    """Wait until Streamlit is not running the script any more (no "Running..." status, no stale elements)."""
    WebDriverWait(driver, TIMEOUT).until(lambda d: not d.find_elements(
        By.CSS_SELECTOR, '[data-testid="stStatusWidget"], [data-stale="true"]'))
    time.sleep(0.3)


def go(driver: WebDriver, path: str, text: str) -> None:
    """Move to another page of the app inside the same session, as a link inside the app does."""
    driver.execute_script(
        "window.history.pushState({}, '', arguments[0]); window.dispatchEvent(new PopStateEvent('popstate'));",
        path)
    wait_for_text(driver, text)
    settle(driver)


def sign_in_by_keyboard(driver: WebDriver, url: str) -> None:
    driver.get(url)
    wait_for_text(driver, "researcher sign-in")
    settle(driver)
    type_password_by_keyboard(driver)
    wait_for_text(driver, "Study to work on")
    settle(driver)


def type_password_by_keyboard(driver: WebDriver) -> None:
    """Tab from the top of the page to the email field, type the email, Tab to the password, type it, press Enter."""
    WebDriverWait(driver, TIMEOUT).until(lambda d: d.find_elements(By.CSS_SELECTOR, "input[autocomplete=username]"))
    for _ in range(20):
        active = driver.switch_to.active_element
        if active.get_attribute("autocomplete") == "username":
            break
        active.send_keys(Keys.TAB)
    else:
        pytest.fail("Tab never reached the email field")
    assert active.accessible_name == "Email"
    active.send_keys(RESEARCHER_EMAIL, Keys.TAB)
    active = driver.switch_to.active_element
    assert active.get_attribute("type") == "password" and active.accessible_name == "Password"
    active.send_keys(RESEARCHER_PASSWORD, Keys.ENTER)


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
    assert "Page not found" not in body_text(browser)  # the Studies page's own address, not only "/"
    assert browser.current_url == f"{app_server.url}/studies?study={open_study.id}"
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

    # The tabs come after the progress figures (and the first dendrogram's imports): wait for the first tab's button.
    go(browser, f"/results?study={open_study.id}", "Proposed navigation CSV")
    for name in open_tabs(browser):
        found[f"results, {name}"] = violations(browser)
    go(browser, f"/results?study={hybrid.id}", "Proposed navigation CSV")
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
    for path in ("/studies", f"/results?study={open_study.id}", "/import", f"/trust?study={open_study.id}",
                 "/standardise", "/paper", "/audit", "/audit-results", "/audit-history", "/preview", "/site-report",
                 "/accounts"):
        browser.get(f"{app_server.url}{path}")
        wait_for_text(browser, "Sign in with your account")  # the sign-in form, on the page asked for
        settle(browser)
        body = body_text(browser)
        assert "Page not found" not in body, path
        assert "Participants completed" not in body and open_study.name not in body
        assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"]')


# --- staying signed in: the signed cookie, reloads and links -------------------------------------

def address(driver: WebDriver) -> tuple[str, dict[str, list[str]]]:
    """The page's path and query parameters."""
    url = urlsplit(driver.current_url)
    return url.path, parse_qs(url.query)


def session_cookie(driver: WebDriver, present: bool = True) -> dict | None:
    """The sign-in cookie once the app has written it (or, with ``present=False``, once it is gone)."""
    WebDriverWait(driver, TIMEOUT).until(lambda d: (d.get_cookie(COOKIE_NAME) is not None) == present)
    return driver.get_cookie(COOKIE_NAME)


def body_text(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def picked(driver: WebDriver, label: str) -> str:
    """The value a Streamlit select box labelled ``label`` shows."""
    box = next(b for b in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSelectbox"]')
               if b.find_element(By.TAG_NAME, "label").text == label)
    return box.find_element(By.TAG_NAME, "input").get_attribute("value")


def pick(driver: WebDriver, label: str, option: str) -> None:
    """Choose the option starting with ``option`` in the select box labelled ``label``."""
    box = next(b for b in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSelectbox"]')
               if b.find_element(By.TAG_NAME, "label").text == label)
    box.find_element(By.TAG_NAME, "input").click()
    WebDriverWait(driver, TIMEOUT).until(lambda d: d.find_elements(By.CSS_SELECTOR, '[role="option"]'))
    next(o for o in driver.find_elements(By.CSS_SELECTOR, '[role="option"]') if o.text.startswith(option)).click()
    WebDriverWait(driver, TIMEOUT).until(lambda d: picked(d, label).startswith(option))
    settle(driver)


def open_from_menu(driver: WebDriver, title: str, heading: str | None = None) -> None:
    """Click a page in the sidebar menu (Streamlit's menu links carry no query parameters)."""
    link = next(a for a in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a')
                if a.text == title)
    assert "?" not in link.get_attribute("href")
    link.click()
    WebDriverWait(driver, TIMEOUT).until(lambda d: (heading or title) in d.execute_script(
        "return [...document.querySelectorAll('h1')].map((h) => h.textContent.trim());"))
    settle(driver)


def test_a_reload_keeps_the_researcher_signed_in_on_the_same_page(app_server, browser, studies):
    open_study, hybrid = studies
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/results?study={hybrid.id}", "Participants completed")
    cookie = session_cookie(browser)
    assert (cookie["path"], cookie["sameSite"], cookie["secure"], cookie["httpOnly"]) == ("/", "Strict", False, False)
    assert 11.9 * 3600 < cookie["expiry"] - time.time() <= 12 * 3600  # the default lifetime, 12 hours

    browser.refresh()
    wait_for_text(browser, "Participants completed")
    settle(browser)
    assert address(browser) == ("/results", {"study": [hybrid.id]})
    assert hybrid.name in picked(browser, "Study")
    assert "Page not found" not in body_text(browser) and "Sign in with your account" not in body_text(browser)
    assert browser.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"]')  # the menu is there

    browser.get(f"{app_server.url}/trust?study={open_study.id}")  # a new page load, like a bookmark or a new tab
    wait_for_text(browser, "Exclusions")
    settle(browser)
    assert address(browser) == ("/trust", {"study": [open_study.id]})
    assert open_study.name in picked(browser, "Study")


def test_a_link_to_results_signed_out_asks_for_the_password_there_and_keeps_the_study(app_server, browser, studies):
    _, hybrid = studies
    browser.get(f"{app_server.url}/results?study={hybrid.id}")
    wait_for_text(browser, "Sign in with your account")
    settle(browser)
    text = body_text(browser)
    assert "Page not found" not in text and "Sign in" in text
    assert hybrid.name not in text and "Participants completed" not in text
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"]')  # no menu signed out
    assert violations(browser) == []

    type_password_by_keyboard(browser)
    wait_for_text(browser, "Participants completed")
    settle(browser)
    assert address(browser) == ("/results", {"study": [hybrid.id]})
    assert hybrid.name in picked(browser, "Study")
    assert "Page not found" not in body_text(browser)


def test_sign_out_then_reload_stays_signed_out(app_server, browser, studies):
    open_study, _ = studies
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/results?study={open_study.id}", "Participants completed")
    session_cookie(browser)
    browser.find_element(By.XPATH, "//button[normalize-space()='Sign out']").click()
    wait_for_text(browser, "researcher sign-in")
    settle(browser)
    assert session_cookie(browser, present=False) is None
    assert violations(browser) == []  # the sign-in page, with the part that cleared the cookie
    browser.refresh()
    wait_for_text(browser, "researcher sign-in")
    settle(browser)
    assert "Sign out" not in body_text(browser)
    browser.get(f"{app_server.url}/results?study={open_study.id}")
    wait_for_text(browser, "Sign in with your account")
    settle(browser)
    assert "Participants completed" not in body_text(browser) and open_study.name not in body_text(browser)


def test_a_tampered_or_expired_cookie_signs_nobody_in(app_server, browser, studies):
    open_study, _ = studies
    me = accounts.find_by_email(app_server.engine, RESEARCHER_EMAIL)
    with app_server.engine.connect() as conn:  # what the server binds the account's sessions to
        password_hash = conn.execute(sa.select(accounts.accounts.c.password_hash).where(
            accounts.accounts.c.id == me.id)).scalar_one()
    now = time.time()
    fresh = make_session_token(COOKIE_SECRET, me.id, password_hash, 3600, now=now)
    expires, account_id, session, signature = fresh.split(".")
    refused = {
        "expired": make_session_token(COOKIE_SECRET, me.id, password_hash, 3600, now=now - 2 * 3600),
        "signature changed": f"{expires}.{account_id}.{session}.{signature[::-1]}",
        "expiry moved on": f"{int(expires) + 3600}.{account_id}.{session}.{signature}",
        "another account": f"{expires}.{me.id + 1}.{session}.{signature}",
        "signed with another secret": make_session_token("x" * 40, me.id, password_hash, 3600, now=now),
        "not a token": "yes",
    }
    browser.get(app_server.url)
    wait_for_text(browser, "researcher sign-in")
    for name, value in [("valid", fresh), *refused.items()]:
        browser.delete_all_cookies()
        browser.add_cookie({"name": COOKIE_NAME, "value": value, "path": "/", "sameSite": "Strict"})
        browser.get(f"{app_server.url}/results?study={open_study.id}")
        wait_for_text(browser, "Participants completed" if name == "valid" else "Sign in with your account")
        settle(browser)
        text = body_text(browser)
        if name == "valid":  # the same secret and password hash as the server's: signed in
            assert open_study.name in picked(browser, "Study")
            continue
        assert "Participants completed" not in text and open_study.name not in text, name
        assert session_cookie(browser, present=False) is None, name  # and the bad cookie is removed


def test_the_study_and_method_follow_the_researcher_through_the_menu(app_server, browser, studies):
    open_study, _ = studies
    hybrid = app_server.add_study({"name": f"Menu test {uuid.uuid4().hex[:8]}", "kind": "hybrid",
                                   "cards": ["Shoes", "Bags", "Hats"], "categories": ["Wear", "Carry"]})
    store.import_sorts(app_server.engine, hybrid.id, [
        sort("h1", 3, ("Wear", ["c1", "c3"], "k1"), ("Carry", ["c2"], "k2")),
        sort("h2", 4, ("Wear", ["c1"], "k1"), ("Mine", ["c2", "c3"], None)),
    ])
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/results?study={open_study.id}", "Participants completed")
    pick(browser, "Study", hybrid.name)
    WebDriverWait(browser, TIMEOUT).until(lambda d: address(d) == ("/results", {"study": [hybrid.id]}))
    pick(browser, "Clustering method", "Complete linkage")
    WebDriverWait(browser, TIMEOUT).until(
        lambda d: address(d) == ("/results", {"study": [hybrid.id], "method": ["complete"]}))
    assert "(complete linkage)" in body_text(browser)

    open_from_menu(browser, "Trust the results")
    assert address(browser) == ("/trust", {"study": [hybrid.id], "method": ["complete"]})
    assert picked(browser, "Study").startswith(hybrid.name)
    assert picked(browser, "Clustering method") == "Complete linkage (tight, small categories)"
    wait_for_text(browser, "AAM tree")
    settle(browser)
    next(t for t in browser.find_elements(By.CSS_SELECTOR, '[role="tab"]') if t.text == "AAM tree").click()
    wait_for_text(browser, "Dendrogram (complete linkage)")

    for title, heading, path in (("Standardise names", "Standardise category names", "/standardise"),
                                 ("Import results", "Import results", "/import"),
                                 ("Studies", "Studies", "/studies")):  # its own address, bookmarkable
        open_from_menu(browser, title, heading)
        assert address(browser) == (path, {"study": [hybrid.id]}), title
        assert picked(browser, "Study to work on" if title == "Studies" else "Study").startswith(hybrid.name), title
    open_from_menu(browser, "Results")
    assert address(browser) == ("/results", {"study": [hybrid.id], "method": ["complete"]})
    assert picked(browser, "Clustering method") == "Complete linkage (tight, small categories)"
