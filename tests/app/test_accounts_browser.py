"""Accounts in a real Chromium against the real app: an admin invites a viewer on the Accounts page by keyboard,
the viewer opens the link, chooses a password and sees only the pages a viewer may open; axe on each of them."""

from __future__ import annotations

import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from cardsort import accounts
from tests.app.test_researcher_browser import body_text, go, settle, sign_in_by_keyboard, violations, wait_for_text

pytestmark = pytest.mark.browser
VIEWER_PAGES = ["Results", "Trust the results", "Audit results", "Audit history", "Screen-reader preview",
                "Site report"]


def field(driver: WebDriver, label: str):
    """The input its ``<label>`` names, once it is there."""
    def found(d):
        for tag in d.find_elements(By.CSS_SELECTOR, "label[for]"):
            if tag.text.strip() == label:
                return d.find_element(By.ID, tag.get_attribute("for"))
        return None
    return WebDriverWait(driver, 60).until(found)


def heading(driver: WebDriver, title: str) -> None:
    WebDriverWait(driver, 60).until(lambda d: d.execute_script(
        "return [...document.querySelectorAll('h1')].map((h) => h.textContent.trim());") == [title])
    settle(driver)


def menu(driver: WebDriver) -> list[str]:
    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"] a')]


def test_an_admin_invites_a_viewer_who_sets_a_password_and_sees_only_what_viewers_read(app_server, browser):
    email = f"viewer-{uuid.uuid4().hex[:8]}@example.org"
    sign_in_by_keyboard(browser, app_server.url)
    assert "Accounts" in menu(browser)
    go(browser, "/accounts", "Invite someone")
    assert violations(browser) == []

    field(browser, "Email").send_keys(email)
    box = next(b for b in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stSelectbox"]')
               if b.find_element(By.TAG_NAME, "label").text == "Role")
    box.find_element(By.TAG_NAME, "input").send_keys("viewer", Keys.ENTER)  # typed: the list narrows to it
    settle(browser)
    browser.find_element(By.XPATH, "//button[normalize-space()='Add the account']").send_keys(Keys.ENTER)
    wait_for_text(browser, f"Invited {email} as viewer.")
    settle(browser)
    assert violations(browser) == []
    link = next(c.text for c in browser.find_elements(By.CSS_SELECTOR, "code") if "/?invite=" in c.text)
    assert link.startswith(f"{app_server.url}/?invite=")
    assert accounts.find_by_email(app_server.engine, email).role == "viewer"

    browser.delete_all_cookies()
    browser.get(link)
    wait_for_text(browser, f"You are invited as {email}, viewer.")
    settle(browser)
    assert "Page not found" not in body_text(browser)
    assert violations(browser) == []
    field(browser, "New password").send_keys("viewer's own password")
    field(browser, "The same password again").send_keys("viewer's own password", Keys.ENTER)
    wait_for_text(browser, "You are signed in.")
    assert menu(browser) == VIEWER_PAGES
    browser.get(app_server.url)  # the signed cookie: a new page load stays signed in
    heading(browser, "Results")
    assert menu(browser) == VIEWER_PAGES
    assert f"Signed in as {email}, viewer" in body_text(browser)
    assert violations(browser) == []

    go(browser, "/studies", "Not for your role")
    assert "Your account (" + email + ") is a viewer, so it cannot." in body_text(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, "main input, main textarea")
    assert violations(browser) == []
