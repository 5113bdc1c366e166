"""Results in a real Chromium as a UX lead uses it: a 135-card study with exclusions, comments and missing times.

Checks what a person sees (the figures saying what they count, the comments, every heatmap column
named), downloads the proposed navigation CSV by keyboard, keeps axe at zero violations on every tab,
and saves screenshots of the similarity matrix for a person to look at (``RESULTS_SCREENSHOTS`` folder).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from cardsort import store
from cardsort.model import Group, Sort
from cardsort.naming import export_navigation
from tests.app.test_researcher_browser import T0, TIMEOUT, go, open_tabs, settle, sign_in_by_keyboard, violations

pytestmark = pytest.mark.browser
N_CARDS = 135


@pytest.fixture
def big_study(app_server):
    """135 cards in 9 topics of 15; 12 participants (one lumps everything and is excluded); 2 comment."""
    cards = [f"Topic {t + 1} page {i + 1}" for t in range(9) for i in range(15)]
    study = app_server.add_study({"name": "Council site (browser test)", "kind": "open", "cards": cards})
    sorts = []
    for p in range(11):
        piles = [Group(f"Topic {t + 1}" if p % 2 else f"topic {t + 1} things",
                       tuple(f"c{t * 15 + i + 1}" for i in range(15))) for t in range(9)]
        timed = p < 3  # imported sorts may have no times
        sorts.append(Sort(f"p{p + 1}", tuple(piles), started_at=T0 if timed else None,
                          finished_at=T0 + timedelta(minutes=5 + p) if timed else None,
                          answers={"comments": "Some pages fit two topics."} if p == 4 else {}))
    sorts.append(Sort("lumper", (Group("Stuff", tuple(f"c{i + 1}" for i in range(N_CARDS))),),
                      started_at=T0, finished_at=T0 + timedelta(seconds=20), answers={"comments": "=Too many"}))
    store.import_sorts(app_server.engine, study.id, sorts)
    store.set_excluded(app_server.engine, study.id, "lumper", True)
    return store.get_study(app_server.engine, study.id)


def test_a_ux_lead_reads_results_of_a_135_card_study(app_server, browser, big_study, tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    shots = Path(os.environ.get("RESULTS_SCREENSHOTS", tmp_path))
    browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    sign_in_by_keyboard(browser, app_server.url)
    go(browser, f"/results?study={big_study.id}", "Participants completed")
    body = browser.find_element(By.TAG_NAME, "body").text
    for text in ("1 excluded from the analysis, 11 analysed", "started and not yet submitted",
                 "from the 3 of 11 analysed participants with timing", "Comments (2)"):
        assert text in body
    found = {}
    for name in open_tabs(browser):
        found[name] = violations(browser)
        if name == "Proposed navigation":
            browser.save_screenshot(str(shots / "results-navigation.png"))
            button = next(b for b in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stDownloadButton"] button')
                          if b.text == "Proposed navigation CSV" and b.is_displayed())
            button.send_keys(Keys.ENTER)
            path = downloads / "council-site-browser-test-navigation.csv"
            WebDriverWait(browser, TIMEOUT).until(lambda _, p=path: p.is_file() and p.stat().st_size > 0)
        if name == "Similarity matrix":
            chart = next(c for c in browser.find_elements(By.CSS_SELECTOR, '[data-testid="stVegaLiteChart"]')
                         if c.is_displayed())
            browser.execute_script("arguments[0].scrollIntoView()", chart)
            settle(browser)
            browser.save_screenshot(str(shots / "results-heatmap-135.png"))
            size = chart.size
            assert size["width"] >= N_CARDS * 14  # square 14 px cells: the chart is as wide as the cards need
        if name.startswith("Comments"):
            text = browser.find_element(By.CSS_SELECTOR, '[role="tabpanel"]:not([hidden])').text
            assert "2 participants answered the optional questions" in text
            browser.save_screenshot(str(shots / "results-comments.png"))
    results = store.load_sorts(app_server.engine, big_study.id, include_excluded=False)
    from cardsort.analysis import analyze
    from cardsort.report import analysis_table
    expected = export_navigation(analyze(analysis_table(big_study, results)).categories)
    assert (downloads / "council-site-browser-test-navigation.csv").read_text(encoding="utf-8") == expected
    assert {tab: v for tab, v in found.items() if v} == {}
