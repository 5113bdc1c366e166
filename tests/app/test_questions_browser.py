"""A study's questions in a real Chromium (see conftest.py): answered by keyboard alone, a screening answer
that ends the study, answers before and after sorting stored with the sort, a right-to-left study, and
axe-core finding nothing on the question and screen-out pages."""

from __future__ import annotations

import pytest
from selenium.webdriver import Keys
from selenium.webdriver.common.by import By

from cardsort import store
from tests.cardsort.test_questions import EASE, ROLE, TOOLS

from .test_board_browser import axe_violations, focus_is, press, tab_to, wait_for_board, wait_for_text, wait_until

pytestmark = pytest.mark.browser

NICK = {"id": "nick", "type": "short", "text": "A nickname?"}
SPEC = {"name": "Library website", "kind": "open", "language": "en", "cards": ["Opening hours", "Borrowing", "Wi-Fi"],
        "settings": {"randomize": False},
        "questions": [ROLE, TOOLS, EASE, NICK]}
DONE = {"groups": [{"id": "g-a", "label": "Visit", "category_id": None, "cards": ["c1", "c3"]},
                   {"id": "g-b", "label": "Borrow", "category_id": None, "cards": ["c2"]}], "unsorted": []}


def start(browser, url: str) -> None:
    browser.get(url)
    wait_until(browser, lambda d: d.find_elements(By.XPATH, "//button[.//p[text()='Start sorting']]"))
    tab_to(browser, "button", text="Start sorting")
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Before you start")


def choose(browser, first: str, steps: int) -> None:
    """Tab to a radio group (its first option), then arrow down ``steps`` times, as a keyboard user does."""
    tab_to(browser, "input", label=first)
    press(browser, Keys.SPACE, *([Keys.ARROW_DOWN] * steps))


def test_a_screening_answer_by_keyboard_ends_the_study(app_server, browser):
    study = app_server.add_study(SPEC)
    start(browser, app_server.participant_url(study, "so1"))
    seen = {"questions before sorting": axe_violations(browser)}
    tab_to(browser, "button", text="Continue")
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Please answer: What is your role?")
    seen["a required question left unanswered"] = axe_violations(browser)

    choose(browser, "Student", 2)  # Visitor
    tab_to(browser, "button", text="Continue")
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Thank you for your interest")
    seen["screened out"] = axe_violations(browser)
    assert not browser.find_elements(By.CSS_SELECTOR, ".cardsort-redirect")  # no panel redirect: nowhere to go
    assert store.load_screenouts(app_server.engine, study.id)[0]["answers"] == {"role": "Visitor"}
    assert store.load_sorts(app_server.engine, study.id) == []
    assert seen == {k: [] for k in seen}


def test_answers_before_and_after_sorting_by_keyboard_are_stored_with_the_sort(app_server, browser):
    study = app_server.add_study(SPEC)
    url = app_server.participant_url(study, "qa1")
    start(browser, url)
    choose(browser, "Student", 1)  # Staff
    tab_to(browser, "button", text="Continue")
    press(browser, Keys.ENTER)
    wait_for_board(browser)
    draft = store.get_draft(app_server.engine, study.id, "qa1")["state"]
    assert draft["stage"] == "sorting" and draft["answers"] == {"role": "Staff"}

    # The board itself is covered by test_board_browser.py: here the sort is done, the questions come next.
    store.save_draft(app_server.engine, study.id, "qa1", dict(DONE, stage="questions", answers=draft["answers"]))
    browser.get(url)
    wait_for_text(browser, "A few last questions")
    seen = {"questions after sorting": axe_violations(browser)}
    assert "1 – Very difficult" in browser.page_source and "7 – Very easy" in browser.page_source
    choose(browser, "1 – Very difficult", 5)  # 6
    tab_to(browser, "input", label="A nickname?")
    press(browser, "Robin")
    tab_to(browser, "button", text="Submit my sort")
    assert focus_is(browser, "button", text="Submit my sort")
    press(browser, Keys.ENTER)
    wait_for_text(browser, "Thank you!")
    (sort,) = store.load_sorts(app_server.engine, study.id)
    assert sort.answers == {"role": "Staff", "ease": "6", "nick": "Robin"}
    assert seen == {"questions after sorting": []}


def test_questions_of_a_persian_study_are_right_to_left(app_server, browser):
    role = {**ROLE, "text": "نقش شما چیست؟", "options": ["دانشجو", "کارمند", "بازدیدکننده"],
            "screen_out": ["بازدیدکننده"]}
    study = app_server.add_study({**SPEC, "language": "fa", "questions": [role], "settings": {"randomize": False}})
    browser.get(app_server.participant_url(study, "fa1"))
    button = wait_until(browser, lambda d: d.find_elements(By.XPATH, "//button[.//p[text()='شروع مرتب‌سازی']]"))
    button[0].click()
    wait_for_text(browser, "پیش از شروع")
    assert browser.execute_script("return document.documentElement.dir") == "rtl"
    seen = {"Persian questions": axe_violations(browser)}
    choose(browser, "دانشجو", 2)
    tab_to(browser, "button", text="ادامه")
    press(browser, Keys.ENTER)
    wait_for_text(browser, "از علاقهٔ شما سپاسگزاریم")
    seen["Persian screened out"] = axe_violations(browser)
    assert seen == {k: [] for k in seen}
