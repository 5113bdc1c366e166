"""The Studies page in a real Chromium: the set-up form follows the study picked (A, then B, then A), a
rename and a close keep the study shown, and the archive and delete controls pass axe and work by keyboard.

Uses the session's app server and browser of conftest.py; studies get fresh ids per test.
"""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from cardsort import accounts, store
from cardsort.model import Group, Sort, study_from_spec
from tests.app.conftest import RESEARCHER_EMAIL
from tests.app.test_researcher_browser import TIMEOUT, go, settle, sign_in_by_keyboard, violations, wait_for_text

pytestmark = pytest.mark.browser


def field(driver: WebDriver, label: str):
    """The input or textarea whose accessible label starts with ``label``."""
    return driver.find_element(By.XPATH, f"//*[self::input or self::textarea][starts-with(@aria-label, '{label}')]")


def picker(driver: WebDriver, label: str = "Study to work on"):
    return driver.find_element(By.CSS_SELECTOR, f'input[role="combobox"][aria-label="{label}"]')


def picked(driver: WebDriver, label: str = "Study to work on") -> str:
    """The text a picker shows."""
    return picker(driver, label).get_attribute("value")


def pick(driver: WebDriver, option: str, label: str = "Study to work on") -> None:
    """Choose in a picker by keyboard: type part of the option, wait for it to be offered, then Enter."""
    box = picker(driver, label)
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(option)
    WebDriverWait(driver, TIMEOUT).until(lambda d: [o for o in d.find_elements(By.CSS_SELECTOR, '[role="option"]')
                                                    if option in o.text])
    box.send_keys(Keys.ENTER)
    WebDriverWait(driver, TIMEOUT).until(lambda d: option in picked(d, label))
    settle(driver)


def settled_violations(driver: WebDriver) -> list:
    """axe's violations once the page is still: a finding is checked again after a second's wait, since a
    colour caught mid-fade (an element Streamlit is fading in after a rerun) can fail contrast for a moment.
    A real violation is there both times."""
    found = violations(driver)
    if found:
        settle(driver)
        time.sleep(1)
        found = violations(driver)
    return found


def press(driver: WebDriver, text: str) -> None:
    """Focus a button by its text and press Enter on it, as a keyboard user would."""
    button = WebDriverWait(driver, TIMEOUT).until(  # a rerun may not have shown it yet
        lambda d: d.find_elements(By.XPATH, f'//button[normalize-space(.)="{text}"][not(@disabled)]'))[0]
    button.send_keys(Keys.ENTER)
    settle(driver)


STATUS_JS = """
const group = [...document.querySelectorAll('[role="radiogroup"]')].find(g => g.textContent.includes('Draft:'));
const checked = group && group.querySelector('input[type="radio"]:checked');
return checked ? checked.closest('label').textContent : '';
"""


def form(driver: WebDriver) -> tuple[str, str, str]:
    """The set-up form's study name, cards and status (as its radio button says)."""
    return (field(driver, "Study name").get_attribute("value"),
            field(driver, "Cards, one per line").get_attribute("value"),
            driver.execute_script(STATUS_JS).split(":")[0].strip())


@pytest.fixture
def two_studies(app_server):
    a = app_server.add_study({"name": "Alpha library", "kind": "open", "status": "open",
                              "cards": ["Opening hours", "Renew a loan"]})
    store.import_sorts(app_server.engine, a.id, [Sort("p1", (Group("Visit", ("c1", "c2")),)),
                                                 Sort("p2", (Group("Go", ("c1",)), Group("Do", ("c2",))))])
    b = app_server.add_study({"name": "Beta shop", "kind": "open", "status": "draft", "cards": ["Shoes"]})
    return a, b


def test_a_then_b_then_a_rename_and_close_keep_the_form_filled(app_server, browser, two_studies):
    a, b = two_studies
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/studies?study={a.id}", "Participant link")
    assert form(browser) == ("Alpha library", "Opening hours\nRenew a loan", "Open")
    pick(browser, "Beta shop")
    wait_for_text(browser, "Set-up")
    assert form(browser) == ("Beta shop", "Shoes", "Draft")
    pick(browser, "Alpha library")
    assert form(browser) == ("Alpha library", "Opening hours\nRenew a loan", "Open")

    name = field(browser, "Study name")
    name.send_keys(Keys.CONTROL, "a")
    name.send_keys("Alpha library, round 2", Keys.TAB)
    settle(browser)
    press(browser, "Save changes")
    wait_for_text(browser, "Saved “Alpha library, round 2”.")
    assert picked(browser) == "Alpha library, round 2 (open, 2 sorts)"
    assert form(browser) == ("Alpha library, round 2", "Opening hours\nRenew a loan", "Open")

    press(browser, "Close the study")
    wait_for_text(browser, "The study is closed")
    assert store.get_study(app_server.engine, a.id).status == "closed"
    assert picked(browser) == "Alpha library, round 2 (closed, 2 sorts)"
    assert form(browser) == ("Alpha library, round 2", "Opening hours\nRenew a loan", "Closed")


def test_archive_and_delete_controls_pass_axe_and_work_by_keyboard(app_server, browser, two_studies):
    a, b = two_studies
    found: dict[str, list] = {}
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/studies?study={a.id}", "Archive or delete")
    found["studies, with the participant texts and the archive and delete controls"] = settled_violations(browser)

    press(browser, "Delete the study…")
    wait_for_text(browser, "Delete “Alpha library” and its 2 sorts? This also deletes its 2 cards.")
    found["studies, asking before deleting a study"] = settled_violations(browser)
    press(browser, "Cancel")
    wait_for_text(browser, "Cancelled: nothing was deleted.")
    assert store.participant_ids(app_server.engine, a.id) == ["p1", "p2"]

    pick(browser, "p2", label="Participant whose sort to delete")
    press(browser, "Delete this participant's sort…")
    wait_for_text(browser, "Delete the sort of participant “p2”? Their groups and answers go; the 1 other sort stays.")
    found["studies, asking before deleting a sort"] = settled_violations(browser)
    press(browser, "Yes, delete this sort")
    wait_for_text(browser, "Deleted the sort of participant “p2”.")
    assert store.participant_ids(app_server.engine, a.id) == ["p1"]

    press(browser, "Archive")
    wait_for_text(browser, "Archived “Alpha library”")
    assert store.get_study(app_server.engine, a.id).archived
    browser.find_element(By.XPATH, "//input[@type='checkbox'][@aria-label='Show archived studies'] | "
                                   "//label[.//p[text()='Show archived studies']]//input").send_keys(Keys.SPACE)
    settle(browser)
    pick(browser, "Alpha library")
    wait_for_text(browser, "This study is archived")
    found["studies, an archived study"] = settled_violations(browser)
    press(browser, "Delete the study…")
    wait_for_text(browser, "Delete “Alpha library” and its 1 sort? This also deletes its 2 cards.")
    press(browser, "Yes, delete “Alpha library”")
    wait_for_text(browser, "Deleted “Alpha library” with its 1 sort and 2 cards.")
    assert a.id not in {r["id"] for r in store.list_studies(app_server.engine, include_archived=True)}
    assert store.get_study(app_server.engine, b.id).name == "Beta shop"
    assert {page: v for page, v in found.items() if v} == {}


def test_the_sharing_switch_passes_axe_and_works_by_keyboard(app_server, browser):
    admin = accounts.find_by_email(app_server.engine, RESEARCHER_EMAIL)
    assert admin is not None
    study = store.create_study(app_server.engine, study_from_spec(
        {"name": "Gamma intranet", "kind": "open", "status": "draft", "cards": ["Payslips"]}, store.new_study_id()),
        owner=admin.id)
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/studies?study={study.id}", "Who sees it")
    wait_for_text(browser, "Who sees it: the whole team.")
    found = {"studies, with the sharing switch": settled_violations(browser)}
    switch = browser.find_element(By.XPATH, "//label[.//p[text()='Shared with the team']]//input")
    switch.send_keys(Keys.SPACE)
    wait_for_text(browser, "The study is private: only its owner and the admins see it.")
    assert store.sharing(app_server.engine, study.id) == store.Sharing(admin.id, False)
    found["studies, a private study"] = settled_violations(browser)
    assert {page: v for page, v in found.items() if v} == {}
