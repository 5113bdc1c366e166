"""The trust and standardisation pages and the stakeholder report in a real Chromium: zero axe violations.

Uses the session's app server and browser of conftest.py and the researcher helpers' keyboard sign-in.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from cardsort import store
from cardsort.report import load_report, render
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.app.test_researcher_browser import go, open_tabs, settle, sign_in_by_keyboard, sort, violations, wait_for_text

pytestmark = pytest.mark.browser


@pytest.fixture
def study(app_server):
    """An open study with five sorts: two spellings to merge, one flagged one-pile sort, a hostile label."""
    s = app_server.add_study({"name": "Library (trust test)", "kind": "open",
                              "cards": ["Opening hours", "Contact us", "Renew a loan", "Fines"]})
    store.import_sorts(app_server.engine, s.id, [
        sort("p1", 6, ("Visit", ["c1", "c2"], None), ("Borrow", ["c3", "c4"], None)),
        sort("p2", 9, ("visit!", ["c1", "c2"], None), ("Borrowing", ["c3", "c4"], None)),
        sort("p3", 12, ("About", ["c1", "c2", "c4"], None), ("<script>x</script>", ["c3"], None)),
        sort("p4", 7, ("Visit", ["c1", "c2"], None), ("Borrow", ["c3", "c4"], None)),
        sort("pile", 1, ("All", ["c1", "c2", "c3", "c4"], None)),
    ])
    with app_server.engine.begin() as conn:  # p1 left a comment after sorting
        conn.execute(store.sorts.update().where(store.sorts.c.participant_id == "p1", store.sorts.c.study_id == s.id)
                     .values(answers='{"comments": "Fines <i>could</i> go under Borrow"}'))
    store.save_study_notes(app_server.engine, s.id, "Check <b>Fines</b> again.")
    return s


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_trust_and_standardise_pages_and_report_have_no_axe_violations(app_server, browser, study, tmp_path):
    found: dict[str, list] = {}
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/trust?study={study.id}", "Flagged:")
    for name in open_tabs(browser):
        found[f"trust, {name}"] = violations(browser)
    build = next(b for b in browser.find_elements(By.TAG_NAME, "button") if b.text == "Build the report")
    build.send_keys(Keys.ENTER)
    wait_for_text(browser, "Report ready")
    settle(browser)
    assert "Download comments CSV" in browser.find_element(By.TAG_NAME, "body").text
    found["trust, Report built"] = violations(browser)
    go(browser, f"/standardise?study={study.id}", "Standardised categories")
    found["standardise"] = violations(browser)

    (tmp_path / "report.html").write_text(render(load_report(app_server.engine, study.id), "html"), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/report.html")
        wait_for_text(browser, "Actual Agreement Method")
        assert "Fines <i>could</i> go under Borrow" in browser.find_element(By.TAG_NAME, "body").get_attribute(
            "textContent")
        assert browser.execute_script("return document.querySelectorAll('script').length") == 0
        found["report"] = violations(browser)
    finally:
        server.shutdown()
        server.server_close()
    assert "trust, Report" in found and "trust, Cluster map" in found
    assert {page: v for page, v in found.items() if v} == {}
