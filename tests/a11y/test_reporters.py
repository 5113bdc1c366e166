"""Reporters: json, csv, junit, sarif and html from reports built on recorded axe results.

The recordings and what they contain are described in test_report.py. One browser
test renders the HTML report, opens it in headless Chromium and runs axe on it.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import threading
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from a11y.findings import PageResult
from a11y.report import apply_baseline, make_report
from a11y.reporters import FORMATS, render
from a11y.reporters.csv import COLUMNS
from tests.a11y.test_report import (
    ABOUT,
    CLEAN,
    CONTACT,
    GONE,
    SHOP,
    make_finding,
    recorded_page,
    v1_report,
    v2_report,
)

SCRIPT = '<img src=x onerror="alert(1)"><script>alert(1)</script>'


def hostile_report() -> dict:
    """Text from the audited site that must never run: script snippets, formula cells, odd URLs."""
    page = PageResult(url="javascript:alert(1)//", violations=[
        make_finding("image-alt", "critical", ("=cmd|' /C calc'!A0", SCRIPT),
                     help='=HYPERLINK("http://evil.example","click")'),
        make_finding("region", "minor", ("+1", "@SUM(A1)\x00\x07"), screen_reader=False,
                     help="-2+3 \t tab"),
    ])
    gone = PageResult(url=GONE, status="error", error="<b>refused</b> & \x1b[31mred\x1b[0m")
    return make_report([page, gone], axe_version="4.10.2", standard="wcag22aa")


# --- render ----------------------------------------------------------------------------------------

def test_render_names_the_allowed_formats():
    with pytest.raises(ValueError, match="unknown report format 'pdf'; allowed: json, html, csv, junit, sarif"):
        render(v1_report(), "pdf")
    assert FORMATS == ("json", "html", "csv", "junit", "sarif")


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_refuses_what_is_not_a_report(fmt):
    with pytest.raises(ValueError, match="pages must be a list"):
        render({"axe_version": "4.10.2", "standard": "wcag22aa", "pages": None}, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_render_ends_with_a_newline_and_is_deterministic(fmt):
    out = render(v1_report(), fmt)
    assert out.endswith("\n") and out == render(v1_report(), fmt)


def test_json_is_the_report():
    report = apply_baseline(v2_report(), v1_report())
    assert json.loads(render(report, "json")) == report


# --- csv -------------------------------------------------------------------------------------------

def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_one_row_per_element_plus_error_rows():
    text = render(v1_report(), "csv")
    assert text.splitlines()[0] == ",".join(COLUMNS)
    rows = read_csv(text)
    assert len(rows) == 16  # 14 failing elements, 1 needs review, 1 page not audited
    assert Counter(r["kind"] for r in rows) == {"violation": 14, "needs-review": 1, "error": 1}
    assert [(r["page"], r["rule"]) for r in rows[:5]] == [
        (SHOP, "image-alt"), (SHOP, "label"), (SHOP, "link-name"), (SHOP, "color-contrast"),
        (SHOP, "color-contrast")]
    assert rows[0] == {
        "page": SHOP, "kind": "violation", "rule": "image-alt", "impact": "critical",
        "screen_reader": "true", "source": "axe", "help": "Images must have alternative text",
        "help_url": "https://dequeuniversity.com/rules/axe/4.10/image-alt?application=axeAPI",
        "target": "img", "html": '<img src="logo.png" width="120" height="40">',
        "fingerprint": v1_report()["pages"][0]["violations"][0]["nodes"][0]["fingerprint"], "baseline": "",
        "state": ""}
    assert (rows[3]["screen_reader"], rows[4]["kind"]) == ("false", "needs-review")
    assert [r["target"] for r in rows if r["page"] == CONTACT and r["rule"] == "label"] == [
        'input[type="text"]', 'input[type="email"]']
    assert rows[-1] == dict.fromkeys(COLUMNS, "") | {"page": GONE, "kind": "error",
                                                      "help": "HTTP 404 Not Found"}


def test_csv_has_the_baseline_column_filled_after_a_comparison():
    rows = read_csv(render(apply_baseline(v2_report(), v1_report()), "csv"))
    assert Counter(r["baseline"] for r in rows if r["kind"] == "violation") == {"new": 1, "unchanged": 11}
    assert (rows[0]["rule"], rows[0]["baseline"]) == ("button-name", "new")


def state_report() -> dict:
    """One element seen on the page as loaded, one only after a menu was opened (a11y.states)."""
    opened = make_finding("link-name", "serious", ("#menu a", '<a href="/offers/">'))
    opened.state = "after opening button 'Products' (#nav-products)"
    page = PageResult(url=SHOP, violations=[make_finding("image-alt", "critical", ("img", "<img>")), opened])
    return make_report([page], axe_version="4.10.2", standard="wcag22aa")


def test_every_report_says_which_state_an_element_was_seen_in():
    state = "after opening button 'Products' (#nav-products)"
    rows = read_csv(render(state_report(), "csv"))
    assert [(r["rule"], r["state"]) for r in rows] == [("image-alt", ""), ("link-name", state)]
    failures = ET.fromstring(render(state_report(), "junit")).iter("failure")
    assert [f.text.splitlines()[0] for f in failures] == ["- img", f"Seen {state}"]
    results = json.loads(render(state_report(), "sarif"))["runs"][0]["results"]
    assert [(r["ruleId"], r["properties"].get("state")) for r in results] == [("image-alt", None), ("link-name", state)]
    assert f"Seen {state}".replace("'", "&#x27;") in render(state_report(), "html")


def test_csv_neutralises_formula_injection():
    rows = read_csv(render(hostile_report(), "csv"))
    first, second, error = rows
    assert first["help"] == '\'=HYPERLINK("http://evil.example","click")'
    assert first["target"] == "'=cmd|' /C calc'!A0"
    assert first["html"] == SCRIPT
    assert (second["target"], second["html"], second["help"]) == ("'+1", "'@SUM(A1)\x00\x07", "'-2+3 \t tab")
    assert error["page"] == GONE and error["help"].startswith("<b>refused</b>")
    starts = ("=", "+", "-", "@", "\t", "\r")
    assert not [cell for r in rows for cell in r.values() if cell.startswith(starts)]


# --- junit -----------------------------------------------------------------------------------------

def test_junit_a_suite_per_page_a_case_per_page_and_rule():
    root = ET.fromstring(render(v1_report(), "junit"))
    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == \
        {"tests": "16", "failures": "13", "errors": "1", "skipped": "1"}
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [SHOP, ABOUT, CONTACT, CLEAN, GONE]
    assert [(s.get("tests"), len(s.findall("testcase"))) for s in suites] == [
        ("5", 5), ("4", 4), ("5", 5), ("1", 1), ("1", 1)]
    shop = suites[0].findall("testcase")
    assert [c.get("name") for c in shop] == [
        "image-alt", "label", "link-name", "color-contrast", "needs review: color-contrast"]
    failure = shop[0].find("failure")
    assert failure.get("type") == "critical"
    assert failure.get("message") == "Images must have alternative text (1 element, critical, screen reader)"
    assert '<img src="logo.png" width="120" height="40">' in failure.text
    assert shop[4].find("skipped") is not None and shop[4].find("failure") is None
    label = suites[2].findall("testcase")[1]
    assert label.find("failure").get("message") == \
        "Form elements must have labels (2 elements, critical, screen reader)"
    (clean,) = suites[3].findall("testcase")
    assert clean.get("name") == "no violations" and len(clean) == 0
    (gone,) = suites[4].findall("testcase")
    assert (gone.get("name"), gone.find("error").get("message")) == ("audit", "HTTP 404 Not Found")


def test_junit_escapes_markup_and_drops_characters_xml_cannot_hold():
    text = render(hostile_report(), "junit")
    root = ET.fromstring(text)  # would raise on raw NUL, ESC or an unescaped <
    case = root.find("testsuite/testcase")
    assert SCRIPT in case.find("failure").text
    assert "<script>" not in text
    error = root.findall("testsuite")[1].find("testcase/error")
    assert error.get("message") == "<b>refused</b> & [31mred[0m"
    region = root.find("testsuite").findall("testcase")[1].find("failure").text
    assert "@SUM(A1)\n" in region + "\n"


# --- sarif -----------------------------------------------------------------------------------------

def assert_valid_sarif(log: dict) -> None:
    """The required parts of a SARIF 2.1.0 log (OASIS spec, sections 3.13 to 3.49)."""
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(log["runs"], list) and log["runs"]
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str) and driver["name"]
        ids = [r["id"] for r in driver.get("rules", [])]
        assert len(ids) == len(set(ids)), "rule ids must be unique"
        for rule in driver.get("rules", []):
            assert set(rule["shortDescription"]) == {"text"}
            assert rule["defaultConfiguration"]["level"] in ("none", "note", "warning", "error")
        for result in run["results"]:
            assert isinstance(result["message"]["text"], str) and result["message"]["text"]
            assert result["level"] in ("none", "note", "warning", "error")
            assert result["kind"] in ("notApplicable", "pass", "fail", "review", "open", "informational")
            if result["kind"] != "fail":
                assert result["level"] == "none"
            assert ids[result["ruleIndex"]] == result["ruleId"]
            for location in result["locations"]:
                physical = location["physicalLocation"]
                assert isinstance(physical["artifactLocation"]["uri"], str)
                if "region" in physical:  # a region must say where: a line, or an offset
                    assert {"startLine", "charOffset", "byteOffset"} & set(physical["region"])
                for logical in location.get("logicalLocations", []):
                    assert logical["fullyQualifiedName"]
            assert all(isinstance(v, str) for v in result["partialFingerprints"].values())
            assert result.get("baselineState", "new") in ("new", "unchanged", "updated", "absent")
        for invocation in run.get("invocations", []):
            assert isinstance(invocation["executionSuccessful"], bool)


def test_sarif_results_levels_rules_and_locations():
    report = v1_report()
    log = json.loads(render(report, "sarif"))
    assert_valid_sarif(log)
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("a11y", "4.10.2")
    assert [r["id"] for r in driver["rules"]] == [
        "image-alt", "label", "link-name", "color-contrast", "aria-command-name", "heading-order",
        "document-title", "html-has-lang"]
    results = run["results"]
    assert len(results) == 15  # 14 failing elements + 1 needs review
    assert Counter((r["kind"], r["level"]) for r in results) == {
        ("fail", "error"): 13, ("fail", "warning"): 1, ("review", "none"): 1}
    first = results[0]
    node = report["pages"][0]["violations"][0]["nodes"][0]
    assert first["ruleId"] == "image-alt" and first["level"] == "error"
    assert first["locations"] == [{
        "physicalLocation": {"artifactLocation": {"uri": SHOP}},
        "logicalLocations": [{"fullyQualifiedName": "img", "kind": "element"}],
        "message": {"text": node["html"]}}]
    assert first["partialFingerprints"] == {"a11yFingerprint/v1": node["fingerprint"]}
    image_alt = driver["rules"][0]
    assert image_alt["helpUri"] == "https://dequeuniversity.com/rules/axe/4.10/image-alt?application=axeAPI"
    assert image_alt["shortDescription"] == {"text": "Images must have alternative text"}
    assert "screen-reader" in image_alt["properties"]["tags"] and image_alt["properties"]["screen-reader"]
    contrast = driver["rules"][3]
    assert "screen-reader" not in contrast["properties"]["tags"]
    assert "wcag2aa" in contrast["properties"]["tags"]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for n in invocation["toolExecutionNotifications"]] == [GONE]


def test_sarif_minor_is_a_note_and_baseline_states_are_carried():
    log = json.loads(render(hostile_report(), "sarif"))
    assert_valid_sarif(log)
    assert [(r["ruleId"], r["level"]) for r in log["runs"][0]["results"]] == [
        ("image-alt", "error"), ("region", "note")]
    compared = json.loads(render(apply_baseline(v2_report(), v1_report()), "sarif"))
    assert_valid_sarif(compared)
    states = Counter(r.get("baselineState") for r in compared["runs"][0]["results"])
    assert states == {"new": 1, "unchanged": 11, None: 1}  # the needs-review result has none
    assert compared["runs"][0]["invocations"][0]["executionSuccessful"] is True


# --- html ------------------------------------------------------------------------------------------

class Outline(HTMLParser):
    """Headings (level, text), links, tags and attributes of an HTML document."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self.links: list[str] = []
        self.tags: Counter[str] = Counter()
        self.attrs: list[tuple[str, str | None]] = []
        self._heading: list | None = None

    def handle_starttag(self, tag, attrs):
        self.tags[tag] += 1
        self.attrs += attrs
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self._heading = [int(tag[1]), ""]
        if tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_data(self, data):
        if self._heading is not None:
            self._heading[1] += data

    def handle_endtag(self, tag):
        if self._heading is not None and tag == f"h{self._heading[0]}":
            self.headings.append((self._heading[0], self._heading[1].strip()))
            self._heading = None


def outline(report: dict) -> Outline:
    parser = Outline()
    parser.feed(render(report, "html"))
    return parser


def test_html_screen_reader_issues_first_grouped_by_rule_and_component():
    doc = outline(v1_report())
    assert doc.headings == [
        (1, "Accessibility report"),
        (2, "Summary"),
        (2, "Screen-reader issues (7 rules, 13 elements)"),
        (3, "image-alt: Images must have alternative text"),
        (3, "label: Form elements must have labels"),
        (3, "aria-command-name: ARIA commands must have an accessible name"),
        (3, "document-title: Documents must have <title> element to aid in navigation"),
        (3, "html-has-lang: <html> element must have a lang attribute"),
        (3, "link-name: Links must have discernible text"),
        (3, "heading-order: Heading levels should only increase by one"),
        (2, "Other issues (1 rule, 1 element)"),
        (3, "color-contrast: Elements must meet minimum color contrast ratio thresholds"),
        (2, "Needs review (1 rule, 1 element)"),
        (3, "color-contrast: Elements must meet minimum color contrast ratio thresholds"),
        (2, "Pages"),
    ]
    # one row per component: the shared logo is one row listing its three pages
    assert doc.tags["tr"] == (
        6 + 6  # summary tables: 6 facts; header + 4 impacts + total
        + 2 + 4 + 2 + 2 + 2 + 2 + 2  # screen-reader rules: header + components each
        + 2 + 2  # other issues, needs review
        + 6)  # pages: header + 5 pages
    assert doc.links.count(SHOP) == 6 and doc.links.count(GONE) == 1
    assert doc.links.count("https://dequeuniversity.com/rules/axe/4.10/image-alt?application=axeAPI") == 1


def test_html_is_self_contained():
    doc = outline(apply_baseline(v2_report(), v1_report()))
    assert doc.tags["script"] == 0 and doc.tags["link"] == 0 and doc.tags["img"] == 0
    assert doc.tags["style"] == 1 and doc.tags["main"] == 1
    assert not [name for name, _ in doc.attrs if name == "src" or name.startswith("on")]
    assert all(h.startswith(("#", "http://127.0.0.1:8000/", "https://dequeuniversity.com/"))
               for h in doc.links)


def test_html_shows_the_baseline():
    text = render(apply_baseline(v2_report(), v1_report()), "html")
    doc = outline(apply_baseline(v2_report(), v1_report()))
    assert (2, "Compared with the baseline") in doc.headings
    assert "1 new element, 11 unchanged elements, 3 fixed elements." in text
    assert text.count('<span class="badge new">new</span> 1 element') == 1


def test_html_escapes_everything_from_the_site():
    text = render(hostile_report(), "html")
    assert "<script>" not in text and "onerror=\"" not in text and "<b>refused" not in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;refused&lt;/b&gt; &amp;" in text
    doc = outline(hostile_report())
    assert not [h for h in doc.links if h.startswith("javascript:")]  # the odd URL is shown, not linked
    assert "javascript:alert(1)//" in text
    # help texts of axe contain markup too
    assert "Documents must have &lt;title&gt; element" in render(v1_report(), "html")


def test_html_says_so_when_nothing_failed():
    report = make_report([recorded_page("v1", "clean")], axe_version="4.10.2", standard="wcag22aa")
    text = render(report, "html")
    assert "No screen-reader issues found." in text and "Nothing needs review." in text
    assert "<title>Accessibility report: 0 violations on 1 page</title>" in text


# --- the html report in a browser ------------------------------------------------------------------

class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN_AXE = """
const [options, done] = arguments;
axe.run(document, options).then(done, e => done({error: String(e)}));
"""


@pytest.mark.browser
def test_html_report_has_no_axe_violations(tmp_path):
    import axe_selenium_python

    from a11y.browser import make_driver

    axe_js = (Path(axe_selenium_python.__file__).parent / "node_modules" / "axe-core" / "axe.min.js")
    reports = {"plain.html": v1_report(), "baseline.html": apply_baseline(v2_report(), v1_report()),
               "hostile.html": hostile_report()}
    for name, report in reports.items():
        (tmp_path / name).write_text(render(report, "html"), encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    driver = make_driver()
    try:
        driver.set_script_timeout(60)
        found = {}
        for name in reports:
            driver.get(f"http://127.0.0.1:{server.server_address[1]}/{name}")
            driver.execute_script(axe_js.read_text(encoding="utf-8"))
            result = driver.execute_async_script(RUN_AXE, {"runOnly": {"type": "tag", "values": AXE_TAGS},
                                                           "resultTypes": ["violations"]})
            assert "error" not in result, result
            assert result["testEngine"]["version"] == "4.10.2"
            found[name] = [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()
    assert found == {name: [] for name in reports}
