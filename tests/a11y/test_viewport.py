"""Reflow at 320 CSS px and WCAG text spacing (a11y.viewport) in real headless Chromium.

Planted pages are in tests/a11y/site/viewport/ (each defect marked ``DEFECT <rule id>``); the clean
control pages use the same techniques correctly and must give nothing.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from a11y import jobs, viewport
from a11y.__main__ import build_parser, main
from a11y.engine import audit_page
from tests.httpd import Handler, serve

# page -> [(rule, target, summary pattern)], in the order viewport_findings returns them
PLANTED = {
    "viewport/reflow-fixed.html": [
        ("vp-reflow", "html > body > main > div",
         r"At 320 px wide, div\.promo-strip is 960 px wide: the page scrolls sideways \(968 px of content\)\. "
         r"Let it wrap or shrink"),
    ],
    "viewport/reflow-row.html": [
        ("vp-reflow", "html > body > nav > ul",
         r"At 320 px wide, \d+ elements inside ul\.menu reach up to \d+ px from the left edge: the page scrolls "
         r"sideways \(\d+ px of content\)\. Let them wrap \(flex-wrap: wrap"),
    ],
    "viewport/reflow-text.html": [  # farthest first
        ("vp-reflow", "html > body > main > p:nth-of-type(2)",
         r'At 320 px wide, the text of p\.nowrap \("Renew up to five times online, by phone…"\) reaches \d+ px '
         r"from the left edge: the page scrolls sideways \(\d+ px of content\)\. Let long words"),
        ("vp-reflow", "html > body > main > p:nth-of-type(1)",
         r'At 320 px wide, the text of p \("Search from https://library\.example\.org…"\) reaches \d+ px '
         r"from the left edge"),
    ],
    "viewport/reflow-minwidth.html": [
        ("vp-reflow", "html > body",
         r"At 320 px wide, body is 1000 px wide: the page scrolls sideways \(1000 px of content\)\. Drop its "
         r"min-width or fixed width"),
    ],
    "viewport/reflow-rtl.html": [
        ("vp-reflow", "html > body > main > div",
         r"At 320 px wide, div\.hours is 700 px wide: the page scrolls sideways \(700 px of content\)\."),
    ],
    "viewport/spacing-clipped.html": [  # span.tag has a transition: the spacing must still apply at once
        ("vp-text-spacing-clipped", "html > body > main > p:nth-of-type(1)",
         r'With WCAG text spacing, text in p\.teaser \("The library opens a new reading room on…"\) no longer '
         r"fits its \d+ × 50 px box: \d+ px is cut off at the bottom \(overflow hidden\)\."),
        ("vp-text-spacing-clipped", "html > body > main > p:nth-of-type(2) > span",
         r'With WCAG text spacing, text in span\.tag \("Read the full story"\) no longer fits its \d+ × \d+ px '
         r"box: \d+ px is cut off at the right \(overflow hidden\)\."),
    ],
    "viewport/spacing-overlap.html": [
        ("vp-text-spacing-overlap", "html > body > main > div",
         r'With WCAG text spacing, text in div\.card \("Story time for children under five, eve…"\) runs out '
         r'of its \d+ × 72 px box and overlaps "Free entry, no booking needed\."\.'),
    ],
}
CLEAN = ["viewport/reflow-clean.html", "viewport/reflow-offcanvas.html", "viewport/spacing-clean.html",
         "clean/index.html", "clean/about.html", "clean/history.html", "clean/contact.html", "clean/data.html",
         "custom/clean-article.html", "custom/clean-fa.html", "custom/clean-form.html", "custom/clean-tables.html"]


# --- pure parts ---------------------------------------------------------------------------------

def test_rules_are_wcag21_and_not_screen_reader_issues():
    assert sorted(viewport.RULES) == ["vp-reflow", "vp-text-spacing-clipped", "vp-text-spacing-overlap"]
    assert viewport.RULES["vp-reflow"].tags == ("viewport", "wcag21aa", "wcag1410")
    assert viewport.RULES["vp-text-spacing-clipped"].tags == ("viewport", "wcag21aa", "wcag1412")
    finding = viewport._finding("vp-reflow", [])
    assert (finding.source, finding.screen_reader, finding.impact) == ("viewport", False, "serious")
    assert finding.help_url == "https://www.w3.org/WAI/WCAG22/Understanding/reflow.html"


def test_summaries_name_the_element_and_what_happened():
    wide = {"name": "div.promo-strip", "width": 960, "reach": 968}
    assert viewport.reflow_summary(wide, 968).startswith(
        "At 320 px wide, div.promo-strip is 960 px wide: the page scrolls sideways (968 px of content).")
    row = {"name": "ul.menu", "width": 304, "reach": 456, "count": 2}
    assert viewport.reflow_summary(row, 456).startswith(
        "At 320 px wide, 2 elements inside ul.menu reach up to 456 px from the left edge: the page scrolls "
        "sideways (456 px of content). Let them wrap")
    shifted = {"name": "ul#menu", "width": 200, "reach": 410}
    assert viewport.reflow_summary(shifted, 410).startswith(
        "At 320 px wide, ul#menu reaches 410 px from the left edge: the page scrolls sideways (410 px of content).")
    assert "410 px from the right edge" in viewport.reflow_summary(shifted, 410, rtl=True)
    clipped = {"name": "button.buy", "text": "Add to basket", "width": 120, "height": 40, "by": 12, "side": "right"}
    assert viewport.clipped_summary(clipped).startswith(
        'With WCAG text spacing, text in button.buy ("Add to basket") no longer fits its 120 × 40 px box: '
        "12 px is cut off at the right (overflow hidden).")
    loose = {"name": "span.label", "text": "New", "other": "Garden room", "width": None, "height": None}
    assert viewport.overlap_summary(loose).startswith(
        'With WCAG text spacing, the text of span.label ("New") overlaps "Garden room".')


def test_wcag20_standards_run_nothing():
    # 1.4.10 and 1.4.12 are WCAG 2.1 criteria; no browser is touched for 2.0 levels.
    assert viewport.viewport_findings(None, "wcag2aa") == []
    assert viewport.viewport_findings(None, "wcag2a") == []


def test_cli_flag_and_job_option_turn_it_off():
    parser = build_parser()
    assert parser.parse_args(["audit", "http://127.0.0.1/"]).viewport is True
    assert parser.parse_args(["audit", "http://127.0.0.1/", "--no-viewport"]).viewport is False
    assert jobs.make_request("http://127.0.0.1/").public()["viewport"] is True
    assert jobs.make_request("http://127.0.0.1/", viewport=False).public()["viewport"] is False


# --- in the browser -----------------------------------------------------------------------------

def _page_state(driver) -> dict:
    return driver.execute_script(
        "return {width: innerWidth, height: innerHeight, sheets: document.adoptedStyleSheets.length,"
        " spacing: getComputedStyle(document.querySelector('h1')).letterSpacing,"
        " scroll: [scrollX, scrollY]};")


@pytest.mark.browser
@pytest.mark.parametrize("page", list(PLANTED))
def test_planted_pages_give_exactly_their_findings(page, site_url, driver):
    driver.get(f"{site_url}/{page}")
    before = _page_state(driver)
    found = viewport.viewport_findings(driver)
    got = [(f.rule, n.target, n.summary) for f in found for n in f.nodes]
    assert [(r, t) for r, t, _ in got] == [(r, [t]) for r, t, _ in PLANTED[page]]
    for (_, _, summary), (_, _, pattern) in zip(got, PLANTED[page]):
        assert re.match(pattern, summary), summary
    assert all(f.source == "viewport" and f.screen_reader is False for f in found)
    # Viewport, styles and scroll position are as they were.
    assert _page_state(driver) == before
    assert (before["width"], before["sheets"]) == (1280, 0)


@pytest.mark.browser
@pytest.mark.parametrize("page", CLEAN)
def test_clean_pages_give_nothing(page, site_url, driver):
    driver.get(f"{site_url}/{page}")
    assert viewport.viewport_findings(driver) == []


@pytest.mark.browser
def test_scroll_position_is_put_back(site_url, driver):
    driver.get(f"{site_url}/viewport/reflow-fixed.html")
    driver.set_window_size(600, 200)
    try:
        driver.execute_script("window.scrollTo(120, 40);")
        before = driver.execute_script("return [scrollX, scrollY, innerWidth];")
        assert [f.rule for f in viewport.viewport_findings(driver)] == ["vp-reflow"]
        assert driver.execute_script("return [scrollX, scrollY, innerWidth];") == before
    finally:
        driver.set_window_size(1280, 900)


@pytest.mark.browser
def test_audit_page_appends_them_unless_turned_off(site_url, driver):
    url = f"{site_url}/viewport/spacing-overlap.html"
    result = audit_page(driver, url)
    assert [(f.rule, f.source, len(f.nodes)) for f in result.violations if f.source == "viewport"] == [
        ("vp-text-spacing-overlap", "viewport", 1)]
    assert all(n.fingerprint for f in result.violations for n in f.nodes)
    assert [f for f in audit_page(driver, url, viewport_checks=False).violations if f.source == "viewport"] == []
    assert [f for f in audit_page(driver, url, standard="wcag2aa").violations if f.source == "viewport"] == []


@pytest.mark.browser
def test_cli_reports_them_by_source_and_no_viewport_skips_them(site_url, driver):
    url = f"{site_url}/viewport/reflow-fixed.html"
    out = io.StringIO()
    assert main(["audit", url, "--fail-on", "none"], stdout=out, stderr=io.StringIO(), driver=driver) == 0
    report = json.loads(out.getvalue())
    assert [v["rule"] for v in report["pages"][0]["violations"] if v["source"] == "viewport"] == ["vp-reflow"]
    assert report["summary"]["by_source"]["viewport"] == {"violations": 1, "nodes": 1}
    out = io.StringIO()
    main(["audit", url, "--fail-on", "none", "--no-viewport"], stdout=out, stderr=io.StringIO(), driver=driver)
    assert json.loads(out.getvalue())["summary"]["by_source"]["viewport"] == {"violations": 0, "nodes": 0}


class _StrictCsp(Handler):
    """A page whose Content-Security-Policy refuses inline styles and scripts; its own CSS is a file."""

    PAGE = (b"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Shop</title>"
            b"<link rel='stylesheet' href='/shop.css'></head><body><main><h1>Shop</h1>"
            b"<p><span class='tag'>Read the full story</span></p></main></body></html>")
    CSS = (b"body { font-family: monospace; font-size: 20px; }"
           b".tag { display: inline-block; width: 20ch; white-space: nowrap; overflow: hidden; }")

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body, ctype = (self.CSS, "text/css") if self.path == "/shop.css" else (self.PAGE, "text/html")
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Security-Policy", "default-src 'self'")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.mark.browser
def test_a_strict_content_security_policy_does_not_stop_the_spacing(driver):
    server = serve(_StrictCsp)
    try:
        driver.get(f"http://127.0.0.1:{server.server_address[1]}/")
        found = viewport.text_spacing_findings(driver)
    finally:
        server.shutdown()
    assert [(f.rule, [n.target for n in f.nodes]) for f in found] == [
        ("vp-text-spacing-clipped", [["html > body > main > p > span"]])]
