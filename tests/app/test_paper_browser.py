"""Paper sorts in a real Chromium: the printable cards (downloaded from the page) pass axe and print 8 cards a page
on A4 and US Letter (Chromium's print-to-PDF); a paper sort typed in by keyboard is saved, passes axe with its
errors and its success, and counts on Results.

Uses the session's app server and browser of conftest.py; studies get fresh ids per test.
"""

from __future__ import annotations

import base64
import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from cardsort import store
from cardsort.model import Group, Sort
from cardsort.paper import is_paper, render_cards
from tests.app.test_researcher_browser import TIMEOUT, go, settle, sign_in_by_keyboard, wait_for_text
from tests.app.test_studies_browser import field, pick, press, settled_violations

pytestmark = pytest.mark.browser
PAPER_SIZES = {"A4": (8.27, 11.69), "US Letter": (8.5, 11.0)}  # inches, as Page.printToPDF takes them


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder: Path) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF Chromium printed: its page objects, checked against the page tree's /Count."""
    pages = len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf, re.S)] + \
        [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf, re.S)]
    assert pages and max(counts) == pages, (pages, counts)
    return pages


def printed_pages(driver: WebDriver) -> dict[str, int]:
    """How many pages the open page prints on each paper size (Chromium's print-to-PDF, margins from its CSS)."""
    out = {}
    for name, (width, height) in PAPER_SIZES.items():
        data = driver.execute_cdp_cmd("Page.printToPDF", {"paperWidth": width, "paperHeight": height,
                                                          "printBackground": True})["data"]
        out[name] = pdf_pages(base64.b64decode(data))
    return out


def card_boxes_js() -> str:
    """Every card's box in print layout, in mm, and whether any card's content overflows its box."""
    return """
    const mm = 96 / 25.4;
    return [...document.querySelectorAll('.card')].map(c => {
      const r = c.getBoundingClientRect();
      return [Math.round(r.width / mm), Math.round(r.height / mm)];
    });
    """


@pytest.mark.parametrize("n_cards, pages", [(8, 1), (17, 3)])
def test_printable_cards_pass_axe_and_print_eight_a_page_on_a4_and_letter(app_server, browser, tmp_path,
                                                                          n_cards, pages):
    study = app_server.add_study({"name": "Library (paper test)", "kind": "open", "cards": [
        {"label": f"Card {i} <b>" + ("with a long label " * 8 if i == 2 else ""),
         "description": "Opening times and holidays" if i % 3 == 0 else None} for i in range(1, n_cards + 1)]})
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/paper?study={study.id}", "Enter a paper sort")
    button = next(b for b in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stDownloadButton"] button')
                  if b.text == "Download the printable cards (HTML)")
    button.send_keys(Keys.ENTER)  # by keyboard
    path = downloads / f"cards-{study.id}.html"
    WebDriverWait(browser, TIMEOUT).until(lambda _: path.is_file() and path.stat().st_size > 0)
    assert path.read_text(encoding="utf-8") == render_cards(study)

    server = serve(downloads)
    try:
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/{path.name}")
        wait_for_text(browser, "Card 1")
        loaded = browser.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
        assert [url for url in loaded if not url.endswith("/favicon.ico")] == []  # the browser's own request only
        assert settled_violations(browser) == []
        assert printed_pages(browser) == {"A4": pages, "US Letter": pages}
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        try:
            assert browser.execute_script(card_boxes_js()) == [[94, 63]] * n_cards  # long labels do not grow a card
            assert browser.execute_script("return getComputedStyle(document.querySelector('header')).display") == \
                "none"
        finally:
            browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    finally:
        server.shutdown()
        server.server_close()


def test_right_to_left_cards_pass_axe_and_print(app_server, browser, tmp_path):
    study = app_server.add_study({"name": "Library (fa paper test)", "kind": "open", "language": "fa",
                                  "cards": [f"کارت {i}" for i in range(1, 10)]})
    (tmp_path / "cards.html").write_text(render_cards(study), encoding="utf-8")
    server = serve(tmp_path)
    try:
        browser.get(f"http://127.0.0.1:{server.server_address[1]}/cards.html")
        wait_for_text(browser, "کارت 9")
        assert browser.execute_script("return [document.documentElement.lang, document.documentElement.dir]") == \
            ["fa", "rtl"]
        first, second = browser.execute_script(
            "return [...document.querySelectorAll('.card')].slice(0, 2).map(c => c.getBoundingClientRect().left)")
        assert first > second  # card 1 on the right
        assert settled_violations(browser) == []
        assert printed_pages(browser) == {"A4": 2, "US Letter": 2}
    finally:
        server.shutdown()
        server.server_close()


def completed(driver: WebDriver) -> str:
    metric = next(m for m in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]')
                  if m.text.startswith("Participants completed"))
    return metric.find_element(By.CSS_SELECTOR, '[data-testid="stMetricValue"]').text


def type_into(driver: WebDriver, label: str, text: str) -> None:
    box = field(driver, label)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(text, Keys.TAB)  # Tab leaves the field, which sends its value
    settle(driver)


def test_a_paper_sort_typed_in_by_keyboard_is_checked_saved_and_analysed(app_server, browser):
    study = app_server.add_study({"name": "Library (paper entry test)", "kind": "open",
                                  "cards": ["Opening hours", "Contact us", "Renew a loan", "Fines"]})
    store.import_sorts(app_server.engine, study.id, [
        Sort("p1", (Group("Visit", ("c1", "c2")), Group("Borrow", ("c3", "c4")))),
        Sort("p2", (Group("About", ("c1", "c2", "c4")), Group("Loans", ("c3",))))])
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/results?study={study.id}", "Participants completed")
    assert completed(browser) == "2"

    go(browser, f"/paper?study={study.id}", "Enter a paper sort")
    assert settled_violations(browser) == []
    type_into(browser, "Participant id", "p1")
    type_into(browser, "Group 1 name", "Visit us")
    type_into(browser, "Group 1 card numbers", "1, 2, 5")
    type_into(browser, "Group 2 name", "Borrowing")
    type_into(browser, "Group 2 card numbers", "3-4")
    press(browser, "Save the paper sort")
    wait_for_text(browser, "This paper sort was not saved")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "participant 'p1' already has a sort in this study" in body
    assert "group 1 ('Visit us'): there is no card 5 (the cards are numbered 1-4)" in body
    assert settled_violations(browser) == []
    assert len(store.load_sorts(app_server.engine, study.id)) == 2

    type_into(browser, "Participant id", "paper-01")
    type_into(browser, "Group 1 card numbers", "1, 2")
    press(browser, "Save the paper sort")
    wait_for_text(browser, "Saved the paper sort of participant “paper-01”: 2 groups, 4 cards.")
    assert settled_violations(browser) == []
    assert field(browser, "Participant id").get_attribute("value") == ""  # ready for the next one
    (paper,) = [s for s in store.load_sorts(app_server.engine, study.id) if is_paper(s)]
    assert (paper.participant_id, [(g.label, list(g.cards)) for g in paper.groups]) == (
        "paper-01", [("Visit us", ["c1", "c2"]), ("Borrowing", ["c3", "c4"])])

    go(browser, f"/results?study={study.id}", "Participants completed")
    WebDriverWait(browser, TIMEOUT).until(lambda d: completed(d) == "3")
    assert "from the sorts of 3 participants" in browser.find_element(By.TAG_NAME, "body").text


def test_the_form_of_a_hybrid_right_to_left_study_passes_axe_and_saves_by_keyboard(app_server, browser):
    study = app_server.add_study({"name": "Library (paper hybrid test)", "kind": "hybrid", "language": "fa",
                                  "cards": ["ساعت کاری", "تماس", "تمدید", "جریمه"],
                                  "categories": ["بازدید", "امانت"]})
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/paper?study={study.id}", "Enter a paper sort")
    found = {"hybrid form": settled_violations(browser)}
    pick(browser, "بازدید", "Group 1 category")
    type_into(browser, "Group 1 card numbers", "۱، ۲")
    type_into(browser, "Group 2 name", "پول")
    type_into(browser, "Group 2 card numbers", "3-4")
    type_into(browser, "Participant id", "paper-fa")
    press(browser, "Save the paper sort")
    wait_for_text(browser, "Saved the paper sort of participant “paper-fa”: 2 groups, 4 cards.")
    found["hybrid form, saved"] = settled_violations(browser)
    assert found == {"hybrid form": [], "hybrid form, saved": []}
    (sort,) = store.load_sorts(app_server.engine, study.id)
    assert [(g.label, g.category_id, list(g.cards)) for g in sort.groups] == [
        ("بازدید", "k1", ["c1", "c2"]), ("پول", None, ["c3", "c4"])]
