"""Panels in a real Chromium against the real app: a participant arrives from a panel link (PROLIFIC_PID,
STUDY_ID, SESSION_ID), sorts by keyboard, submits and is taken back to the panel with their id; once the
quota is reached the next one is taken to the study-full address; the thank-you step with its completion
code and its fallback link passes axe and works by keyboard; the Studies page's panel settings pass axe.

The panel is a tiny HTTP server on 127.0.0.1 that records the addresses it was asked for.
"""

from __future__ import annotations

import json

import pytest
from selenium.webdriver import Keys
from selenium.webdriver.common.by import By

from cardsort import store
from tests.app.test_board_browser import axe_violations, press, tab_to, wait_for_board, wait_for_text, wait_until
from tests.app.test_researcher_browser import go, settle, sign_in_by_keyboard
from tests.app.test_studies_browser import settled_violations
from tests.httpd import Handler, serve

pytestmark = pytest.mark.browser


class PanelHandler(Handler):
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        PanelHandler.seen.append(self.path)
        self.send_html(b"<!doctype html><html lang='en'><title>Panel</title><main><h1>Back on the panel</h1>"
                       b"</main></html>")


@pytest.fixture(scope="module")
def panel_server():
    server = serve(PanelHandler)
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def spec(panel_url: str, **panel) -> dict:
    return {"name": "Library website", "kind": "closed", "language": "en", "cards": ["Opening hours", "Borrowing"],
            "categories": ["Visit"], "settings": {"randomize": False},
            "panel": {"id_param": "PROLIFIC_PID", "tag_params": ["STUDY_ID", "SESSION_ID"],
                      "complete_url": f"{panel_url}/done?cc=C1A2B3&pid={{pid}}",
                      "quota_full_url": f"{panel_url}/full?pid={{pid}}", "completion_code": "C1A2B3", **panel}}


def sort_by_keyboard(driver) -> None:
    """Both cards into "Visit" (the only category: the "Move to" list starts on it), then on to the questions."""
    tab_to(driver, "button", text="Start sorting")
    press(driver, Keys.ENTER)
    wait_for_board(driver)
    tab_to(driver, "button", text="Opening hours", limit=30)
    press(driver, Keys.ENTER, Keys.TAB, Keys.ENTER)
    wait_until(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".csb-progress").text == "1 of 2 cards sorted")
    tab_to(driver, "button", text="Borrowing", limit=30)
    press(driver, Keys.ENTER, Keys.TAB, Keys.ENTER)
    wait_until(driver, lambda d: d.find_element(By.CSS_SELECTOR, ".csb-progress").text == "2 of 2 cards sorted")
    tab_to(driver, "button", text="I am done sorting")
    press(driver, Keys.ENTER)
    wait_for_text(driver, "A few last questions")


def test_from_a_panel_link_to_the_panels_completion_address_then_the_quota_turns_the_next_away(
        app_server, browser, panel_server):
    study = app_server.add_study(spec(panel_server, quota=1))
    PanelHandler.seen.clear()
    browser.get(f"{app_server.url}/sort?study={study.id}&PROLIFIC_PID=abc@x.org&STUDY_ID=st1&SESSION_ID=se1")
    wait_until(browser, lambda d: d.find_elements(By.XPATH, "//button[.//p[text()='Start sorting']]"))
    assert axe_violations(browser) == []
    sort_by_keyboard(browser)
    tab_to(browser, "button", text="Submit my sort")
    press(browser, Keys.ENTER)

    done = f"{panel_server}/done?cc=C1A2B3&pid=abc%40x.org"  # the id substituted, URL-encoded
    wait_until(browser, lambda d: d.current_url == done)
    assert "Back on the panel" in browser.find_element(By.TAG_NAME, "h1").text
    assert "/done?cc=C1A2B3&pid=abc%40x.org" in PanelHandler.seen
    (sort,) = store.load_sorts(app_server.engine, study.id)
    assert (sort.participant_id, sort.tags) == ("abc@x.org", {"STUDY_ID": "st1", "SESSION_ID": "se1"})
    assert [(g.label, g.cards) for g in sort.groups] == [("Visit", ("c1", "c2"))]

    browser.get(f"{app_server.url}/sort?study={study.id}&PROLIFIC_PID=late1&STUDY_ID=st1&SESSION_ID=se2")
    wait_until(browser, lambda d: d.current_url == f"{panel_server}/full?pid=late1")
    assert store.get_draft(app_server.engine, study.id, "late1") is None
    assert store.completed_count(app_server.engine, study.id) == 1


def test_the_thank_you_step_shows_the_code_and_a_link_that_works_by_keyboard_and_passes_axe(
        app_server, browser, panel_server):
    study = app_server.add_study(spec(panel_server))
    done = f"{panel_server}/done?cc=C1A2B3&pid=kb2"
    # Hold the automatic navigation (the page skips a redirect it already started), to read the page it leaves.
    held = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                                   {"source": f"window.__cardsortRedirecting = {json.dumps(done)};"})
    try:
        browser.get(f"{app_server.url}/sort?study={study.id}&PROLIFIC_PID=kb2&STUDY_ID=st1")
        sort_by_keyboard(browser)
        tab_to(browser, "button", text="Submit my sort")
        press(browser, Keys.ENTER)
        wait_for_text(browser, "Your completion code: C1A2B3")
        wait_for_text(browser, "Taking you back now. If nothing happens, continue here")
        settle(browser)
        assert browser.current_url.startswith(app_server.url)
        assert axe_violations(browser) == []
        link = tab_to(browser, "a", text="continue here")
        assert link.get_attribute("href") == done
        press(browser, Keys.ENTER)
        wait_until(browser, lambda d: d.current_url == done)
    finally:  # the held navigation stays with this test only
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": held["identifier"]})
    (sort,) = store.load_sorts(app_server.engine, study.id)
    assert sort.tags == {"STUDY_ID": "st1"}


def test_the_panel_settings_on_the_studies_page_pass_axe(app_server, browser, panel_server):
    study = app_server.add_study(spec(panel_server, quota=5))
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/studies?study={study.id}", "Recruiting through a panel")
    browser.find_element(By.XPATH, "//summary[.//*[text()='Participant id, redirects, quota and closing time']]"
                         ).click()
    wait_for_text(browser, "Completion redirect")
    settle(browser)
    assert "quota 0 of 5 completed sorts" in browser.find_element(By.TAG_NAME, "body").text
    assert settled_violations(browser) == []
