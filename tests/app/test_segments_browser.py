"""Segments in a real Chromium: a UX lead filters Results by an answer using only the keyboard, the address keeps
the filter through a reload and into Trust, the comparison shows, and axe finds nothing with the filter open."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from cardsort import store
from cardsort.model import Group, Sort
from tests.app.test_researcher_browser import (
    T0,
    TIMEOUT,
    address,
    body_text,
    go,
    open_from_menu,
    settle,
    sign_in_by_keyboard,
    violations,
    wait_for_text,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def segmented(app_server):
    """Six participants: three students put A+B and C+D together, three staff put A+C and B+D."""
    study = app_server.add_study({"name": f"Segments {uuid.uuid4().hex[:8]}", "kind": "open", "cards": list("ABCD")})
    sorts = []
    for i in range(6):
        student = i % 2 == 0
        piles = ((["c1", "c2"], ["c3", "c4"]) if student else (["c1", "c3"], ["c2", "c4"]))
        sorts.append(Sort(f"p{i + 1}", tuple(Group(f"Pile {j + 1}", tuple(p)) for j, p in enumerate(piles)),
                          started_at=T0, finished_at=T0 + timedelta(minutes=4 + i),
                          answers={"role": "student" if student else "staff"}))
    store.import_sorts(app_server.engine, study.id, sorts)
    return study


def segment_in_address(driver) -> dict:
    return json.loads(address(driver)[1].get("segment", ["{}"])[0])


def test_a_ux_lead_filters_by_an_answer_by_keyboard_and_the_address_keeps_it(app_server, browser, segmented):
    found = {}
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/results?study={segmented.id}", "Participants completed")
    summary = next(s for s in browser.find_elements(By.TAG_NAME, "summary")
                   if "Segment: which participants to analyse" in s.text)
    summary.send_keys(Keys.ENTER)  # a <summary> opens with the keyboard
    wait_for_text(browser, "Answer to “role”")
    settle(browser)
    found["filter open"] = violations(browser)

    box = next(b for b in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stMultiSelect"]')
               if b.find_element(By.TAG_NAME, "label").text == "Answer to “role”")
    field = box.find_element(By.TAG_NAME, "input")
    field.send_keys("student")
    WebDriverWait(browser, TIMEOUT).until(lambda d: any(
        o.text.startswith("student") for o in d.find_elements(By.CSS_SELECTOR, '[role="option"]')))
    field.send_keys(Keys.ENTER)
    field.send_keys(Keys.ESCAPE)
    WebDriverWait(browser, TIMEOUT).until(lambda d: segment_in_address(d) == {"answers": {"role": ["student"]}})
    wait_for_text(browser, "Segment: role is student.")
    settle(browser)
    assert "from the sorts of 3 participants" in body_text(browser)
    found["filtered"] = violations(browser)

    browser.refresh()  # a reload (or the link) opens the same segment
    wait_for_text(browser, "Segment: role is student.")
    settle(browser)
    assert segment_in_address(browser) == {"answers": {"role": ["student"]}}

    tab = next(t for t in browser.find_elements(By.CSS_SELECTOR, '[role="tab"]') if t.text == "Compare segments")
    tab.click()
    WebDriverWait(browser, TIMEOUT).until(lambda d: tab.get_attribute("aria-selected") == "true")
    wait_for_text(browser, "Pairs of cards that differ most")
    settle(browser)
    panel = browser.find_element(By.CSS_SELECTOR, '[role="tabpanel"]:not([hidden])').text
    assert "Everyone except: role is student: 3 analysed participants." in panel
    assert "A + B" in panel and "3 of 3 (100%)" in panel and "0 of 3 (0%)" in panel
    found["compare"] = violations(browser)

    open_from_menu(browser, "Trust the results")  # the menu's links drop the address; the segment follows
    wait_for_text(browser, "Segment: role is student. Every tab here, and the report, reads only its sorts")
    WebDriverWait(browser, TIMEOUT).until(lambda d: segment_in_address(d) == {"answers": {"role": ["student"]}})
    settle(browser)
    found["trust"] = violations(browser)
    assert {name: v for name, v in found.items() if v} == {}
