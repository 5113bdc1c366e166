"""A study's History in a real Chromium: a table with column and row headers, zero axe violations, and
"Show … earlier changes" by keyboard. Uses the session's app server and browser of conftest.py."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from cardsort import store
from tests.app.test_researcher_browser import go, sign_in_by_keyboard, wait_for_text
from tests.app.test_studies_browser import press, settled_violations

pytestmark = pytest.mark.browser


def history_table(driver):
    """The History table's column headers and its rows as (row header, cells)."""
    table = driver.find_element(By.XPATH, "//table[.//th[starts-with(normalize-space(.), 'When (')]]")
    heads = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    rows = [(r.find_element(By.CSS_SELECTOR, "th").text, [td.text for td in r.find_elements(By.CSS_SELECTOR, "td")])
            for r in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    return heads, rows


def test_history_is_a_table_with_headers_passes_axe_and_pages_by_keyboard(app_server, browser):
    study = app_server.add_study({"name": "Gamma archive", "kind": "open", "status": "draft", "cards": ["A", "B"]})
    for i in range(21):
        store.set_status(app_server.engine, study.id, "open" if i % 2 == 0 else "closed", actor=f"r{i}@example.org")
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/studies?study={study.id}", "Newest first: 20 of 22 changes")
    heads, rows = history_table(browser)
    assert heads[-2:] == ["Who", "What"] and heads[0].startswith("When (")
    assert len(rows) == 20 and rows[0][1] == ["r20@example.org", "Opened the study"]
    assert settled_violations(browser) == []
    press(browser, "Show 2 earlier changes")
    wait_for_text(browser, "Newest first: 22 of 22 changes")
    heads, rows = history_table(browser)
    assert [cells for _, cells in rows[-2:]] == [["r0@example.org", "Opened the study"],
                                                 ["unknown", "Created the study “Gamma archive” (open sort, 2 cards)"]]
    assert settled_violations(browser) == []
