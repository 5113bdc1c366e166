"""The "Standardise names" page in a real Chromium, used as a UX lead would: several suggestions, accept one,
then the next, reject one, edit one, reload. Each step checks what the page shows and what is stored.

Uses the session's app server and browser of conftest.py and the researcher helpers' keyboard sign-in.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from cardsort import store
from tests.app.test_researcher_browser import go, settle, sign_in_by_keyboard, sort, violations, wait_for_text

pytestmark = pytest.mark.browser


@pytest.fixture
def study(app_server):
    """Three suggestions (Loans, Support, Fees) and an "Alumni" label that is mostly the card's own name."""
    s = app_server.add_study({"name": "Bank (standardise test)", "kind": "open", "cards": [
        "Alumni", "Donate", "Volunteer", "Annual fee", "Car loan", "Mortgage"]})
    store.import_sorts(app_server.engine, s.id, [
        sort("p1", 6, ("Support", ["c2", "c3"], None), ("Loans", ["c5", "c6"], None), ("Alumni", ["c1"], None),
             ("Fees", ["c4"], None)),
        sort("p2", 7, ("Support us", ["c2", "c3"], None), ("loans", ["c5", "c6"], None), ("Alumni", ["c1"], None),
             ("Fee", ["c4"], None)),
        sort("p3", 8, ("Support", ["c2", "c3"], None), ("Loan", ["c5", "c6"], None),
             ("Alumni & friends", ["c1"], None), ("Costs", ["c4"], None)),
    ])
    return s


def boxes(driver: WebDriver) -> list[tuple[str, list[str]]]:
    """Each suggestion's "Standard name" and the labels chosen in "Merge these labels", down the page."""
    names = [e.get_attribute("value")
             for e in driver.find_elements(By.CSS_SELECTOR, 'input[aria-label="Standard name"]')]
    merges = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMultiSelect"]')
    chosen = [[c.get_attribute("aria-label")
               for c in m.find_elements(By.CSS_SELECTOR, ".react-aria-ComboBox [data-tag]")]
              for m in merges if "Merge these labels" in m.text]
    return list(zip(names, chosen))


def press(driver: WebDriver, label: str, message: str) -> None:
    """Press the first button with this label by keyboard (focus, Enter) and wait for the page's answer."""
    button = next(b for b in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stButton"] button')
                  if b.text == label)
    driver.execute_script("arguments[0].focus()", button)
    button.send_keys(Keys.ENTER)
    wait_for_text(driver, message)
    settle(driver)


def test_accept_then_the_next_reject_edit_and_reload(app_server, browser, study):
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/standardise?study={study.id}", "Standardised categories")
    assert "Suggestions (3)" in browser.find_element(By.TAG_NAME, "body").text
    assert boxes(browser) == [("Loans", ["Loans", "Loan"]), ("Support", ["Support", "Support us"]),
                              ("Fee", ["Fee", "Fees"])]
    assert violations(browser) == []

    press(browser, "Accept merge", "Merged 2 labels as “Loans”.")
    assert boxes(browser) == [("Support", ["Support", "Support us"]), ("Fee", ["Fee", "Fees"])]

    press(browser, "Reject", "Suggestion rejected; the labels stay as written.")
    assert boxes(browser) == [("Fee", ["Fee", "Fees"])]

    name = browser.find_element(By.CSS_SELECTOR, 'input[aria-label="Standard name"]')
    name.send_keys(Keys.CONTROL, "a")
    name.send_keys("Fees & charges", Keys.ENTER)
    settle(browser)
    press(browser, "Accept merge", "Merged 2 labels as “Fees & charges”.")
    assert "Suggestions (0)" in browser.find_element(By.TAG_NAME, "body").text

    decided = {(r["label_key"], r["standard_label"], r["status"])
               for r in store.load_label_decisions(app_server.engine, study.id)}
    assert decided == {("loans", "Loans", "accepted"), ("loan", "Loans", "accepted"),
                       ("support", "Support", "rejected"), ("support us", "Support", "rejected"),
                       ("fee", "Fees & charges", "edited"), ("fees", "Fees & charges", "edited")}

    browser.refresh()  # a reload keeps the researcher signed in (the session cookie); the decisions stay
    go(browser, f"/standardise?study={study.id}", "Standardised categories")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Suggestions (0)" in body and "No open suggestions." in body
    assert violations(browser) == []
