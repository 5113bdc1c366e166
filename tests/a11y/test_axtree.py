"""Checks beyond axe (a11y.checks on a11y.axtree's tree): pure helpers, then real Chromium on planted pages.

Planted pages live in tests/a11y/site/custom/ and mark every flagged element with an HTML
comment ``DEFECT <rule id>``; clean control pages must give zero custom findings.
"""

from __future__ import annotations

import re
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from a11y import axtree, checks
from a11y.browser import make_driver
from a11y.checks import RULES, find_issues, looks_like_file_name, normalise_text, normalise_url
from a11y.findings import IMPACTS, fingerprint
from a11y.langscript import count_scripts, foreign_share, script_of, scripts_for_lang

SITE = Path(__file__).resolve().parent / "site"
CUSTOM = SITE / "custom"

# --- pure helpers --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Read more »", "read more"),
    ("  CLICK   here! ", "click here"),
    ("Más información…", "mas informacion"),
    ("Подробнее", "подробнее"),
    ("Ещё", "еще"),
    ("بيشتر", "بیشتر"),  # Arabic yeh folded to Persian yeh
    ("ادامه\u200cمطلب", "ادامه مطلب"),  # ZWNJ becomes a space
    ("Devamını oku", "devamını oku"),  # dotless ı is a letter of its own
])
def test_normalise_text(text, expected):
    assert normalise_text(text) == expected


@pytest.mark.parametrize(("url", "expected"), [
    ("HTTP://Example.COM:80/Pricing/", "http://example.com/Pricing"),
    ("https://example.com:443/a/index.html?utm_source=x&b=2&a=1", "https://example.com/a?a=1&b=2"),
    ("https://example.com/a#", "https://example.com/a"),
    ("https://example.com/a#top", "https://example.com/a#top"),
    ("https://example.com:8443/", "https://example.com:8443/"),
    ("https://example.com/?fbclid=abc", "https://example.com/"),
    ("mailto:desk@example.com", "mailto:desk@example.com"),
    (" http://example.com:port/x ", "http://example.com:port/x"),  # not a port: left as written
])
def test_normalise_url(url, expected):
    assert normalise_url(url) == expected


@pytest.mark.parametrize(("name", "expected"), [
    ("IMG_1234.jpg", True), ("photo.png", True), ("DSC0001", True), ("PXL_20240101_123456", True),
    ("Screenshot 2024-01-05 at 10.00.00", True), ("/assets/hero.webp", True),
    ("https://cdn.example.com/a/b.JPEG?w=200", True), ("image", True), ("Graphic", True),
    ("تصویر", True), ("Bild", True), ("20240105_101500", True),
    ("Reading room with long oak tables", False), ("Map of the 2024 route", False),
    ("Logo of the City Library", False), ("", False), ("2024", False), ("Room 101", False),
])
def test_looks_like_file_name(name, expected):
    assert looks_like_file_name(name) is expected


@pytest.mark.parametrize(("char", "script"), [
    ("a", "Latin"), ("é", "Latin"), ("ж", "Cyrillic"), ("ک", "Arabic"), ("א", "Hebrew"),
    ("α", "Greek"), ("中", "Han"), ("か", "Hiragana"), ("한", "Hangul"), ("क", "Devanagari"), ("ᚠ", "Other"),
])
def test_script_of(char, script):
    assert script_of(char) == script


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", {"Latin"}), ("EN-gb", {"Latin"}), ("fa-IR", {"Arabic"}), ("ru", {"Cyrillic"}),
    ("sr", {"Cyrillic", "Latin"}), ("sr-Latn", {"Latin"}), ("zh-Hant", {"Han"}),
    ("ja", {"Han", "Hiragana", "Katakana"}), ("az_Cyrl", {"Cyrillic"}),
    ("xx", None), ("", None), (None, None),
])
def test_scripts_for_lang(lang, expected):
    got = scripts_for_lang(lang)
    assert (set(got) if got is not None else None) == expected


def test_count_scripts_and_foreign_share():
    counts = count_scripts("Libby: برنامه ۱۲۳!")  # 5 Latin, 6 Arabic letters; digits and marks not counted
    assert counts == Counter({"Latin": 5, "Arabic": 6})
    assert foreign_share(counts, frozenset({"Latin"})) == ("Arabic", 6 / 11)
    assert foreign_share(counts, frozenset({"Latin", "Arabic"})) == (None, 0.0)
    assert foreign_share(Counter(), frozenset({"Latin"})) == (None, 0.0)


@pytest.mark.parametrize(("sources", "expected"), [
    ([{"type": "attribute", "attribute": "aria-label", "superseded": True, "value": {"value": "x"}},
      {"type": "relatedElement", "nativeSource": "labelfor", "value": {"value": "Name"}}], "label"),
    ([{"type": "relatedElement", "attribute": "aria-labelledby", "value": {"value": "Name"}}],
     "aria-labelledby"),
    ([{"type": "relatedElement", "nativeSource": "label"},
      {"type": "placeholder", "attribute": "placeholder", "value": {"value": "Name"}}], "placeholder"),
    ([{"type": "contents", "value": {"value": "Name"}}], "contents"),
    ([{"type": "attribute", "attribute": "alt", "value": {"value": "  "}},
      {"type": "attribute", "attribute": "title", "value": {"value": "Name"}}], "title"),
])
def test_name_source(sources, expected):
    assert axtree.name_source({"value": "Name", "sources": sources}) == expected


def test_name_source_of_empty_name_is_none():
    blank = {"value": " ", "sources": [{"type": "contents", "value": {"value": " "}}]}
    assert axtree.name_source(blank) == "none"
    assert axtree.name_source(None) == "none"


# --- real Chromium ---------------------------------------------------------------------------

PLANTED = {
    "link-vague.html": {"sr-link-text-vague": 5},
    "link-vague-fa.html": {"sr-link-text-vague": 2},
    "link-ambiguous.html": {"sr-link-text-vague": 2, "sr-link-text-ambiguous": 2},
    "alt-filename.html": {"sr-alt-filename": 7},
    "placeholder-only.html": {"sr-placeholder-only": 4},
    "fieldset-no-legend.html": {"sr-fieldset-no-legend": 3},
    "layout-table.html": {"sr-layout-table": 2},
    "lang-mismatch.html": {"sr-lang-mismatch": 2},
    "lang-parts.html": {"sr-lang-of-parts": 2},
    "label-in-name.html": {"sr-label-in-name": 3},
    "link-adjacent.html": {"sr-link-adjacent-duplicate": 2},
    "deep.html": {"sr-link-text-vague": 1},
    "framed.html": {"sr-link-text-vague": 2, "sr-placeholder-only": 1},
}
# Files whose DEFECT markers belong to a page (a page's frames count with it).
MARKED_FILES = {"framed.html": ["framed.html", "framed-inner.html"]}

CLEAN = sorted(
    [f"custom/{p.name}" for p in CUSTOM.glob("clean-*.html")]
    + ["custom/preview.html", "custom/preview-frame.html", "custom/cross-site.html"]
    + [f"{d}/{p.name}" for d in ("clean", "frames") for p in sorted((SITE / d).glob("*.html"))]
)


def _counts(findings):
    return {f.rule: len(f.nodes) for f in findings}


def _markers(page: str) -> dict[str, int]:
    text = "".join((CUSTOM / name).read_text(encoding="utf-8") for name in MARKED_FILES.get(page, [page]))
    return dict(Counter(re.findall(r"DEFECT (sr-[a-z-]+)", text)))


@pytest.mark.parametrize("page", sorted(PLANTED))
def test_planted_table_agrees_with_the_defect_markers(page):
    assert _markers(page) == PLANTED[page]


def test_rules_are_described_for_reporters():
    for rule in RULES.values():
        assert re.fullmatch(r"sr-[a-z]+(-[a-z]+)*", rule.id), rule.id
        assert rule.impact in IMPACTS, rule.id
        assert rule.tags[0] == "custom" and rule.help.strip(), rule.id
        assert rule.help_url.startswith("https://www.w3.org/WAI/WCAG22/"), rule.id


def test_every_rule_has_a_planted_page():
    assert {rule for counts in PLANTED.values() for rule in counts} == set(RULES)


@pytest.mark.browser
@pytest.mark.parametrize("page", sorted(PLANTED))
def test_each_check_fires_on_its_planted_page(driver, site_url, page):
    driver.get(f"{site_url}/custom/{page}")
    assert _counts(checks.custom_findings(driver)) == PLANTED[page]


@pytest.mark.browser
@pytest.mark.parametrize("page", CLEAN)
def test_no_custom_finding_on_clean_pages(driver, site_url, page):
    driver.get(f"{site_url}/{page}")
    assert checks.custom_findings(driver) == []


@pytest.mark.browser
def test_targets_through_frames_and_shadow_roots(driver, site_url):
    driver.get(f"{site_url}/custom/selectors.html")
    tree = axtree.read_page_tree(driver)
    marked = {el.attrs["data-t"]: el for el in tree.document.iter_flat() if "data-t" in el.attrs}
    assert {name: el.target() for name, el in marked.items()} == {
        "space-id": ['[id="a b"]'],  # not a CSS identifier: an attribute selector
        "dup-2": ["body > div:nth-of-type(3)"],  # a duplicate id is no anchor
        "in-li": ["ul > li:nth-of-type(2) > input"],  # "ul" occurs once, "input" twice
        "other-input": ["body > input"],
        "frame-a2": ["iframe", "body > a:nth-of-type(2)"],  # one selector per frame level
        "shadow-a": ["#host >>> a"],
        "closed-a": ["#closed-host >>> a"],  # named, though no selector engine can enter it
    }
    assert marked["in-li"].opening_tag() == '<input data-t="in-li" aria-label="Two">'
    assert tree.unreadable_frames == []


@pytest.mark.browser
def test_finding_shape_targets_snippets_and_fingerprints(driver, site_url):
    driver.get(f"{site_url}/custom/placeholder-only.html")
    [finding] = checks.custom_findings(driver)
    assert (finding.rule, finding.source, finding.impact, finding.screen_reader) == \
        ("sr-placeholder-only", "custom", "serious", True)
    assert finding.tags == ["custom", "wcag2a", "wcag131", "wcag332"]
    assert finding.help_url == "https://www.w3.org/WAI/WCAG22/Understanding/labels-or-instructions.html"
    assert [n.target for n in finding.nodes] == [
        ["form > p:nth-of-type(1) > input"], ["form > p:nth-of-type(2) > input"],
        ["form > p:nth-of-type(3) > input"], ["textarea"]]
    first = finding.nodes[0]
    assert first.html == '<input type="text" name="name" placeholder="Full name">'
    assert first.summary.startswith('This field is named only by its placeholder "Full name"')
    assert all(n.fingerprint == fingerprint("sr-placeholder-only", n.target, n.html) for n in finding.nodes)
    assert finding.to_dict()["nodes"][3]["html"] == \
        '<textarea name="note" placeholder="Anything we should know?"></textarea>'


@pytest.mark.browser
def test_snippets_are_outer_html_cut_to_the_opening_tag_when_long(driver, site_url):
    driver.get(f"{site_url}/custom/layout-table.html")
    [finding] = checks.custom_findings(driver)
    assert [n.html for n in finding.nodes] == [
        '<table border="1">',  # over 250 characters: cut
        '<table class="grid">\n    <tbody><tr><td>Left column</td><td><table><tbody><tr><td>Inner</td>'
        '<td>cells</td></tr></tbody></table></td></tr>\n    <tr><td>More</td><td>text</td></tr>\n'
        '  </tbody></table>']  # short enough to show whole, as Chromium serialises it
    assert [n.target for n in finding.nodes] == [["main > table:nth-of-type(1)"],
                                                 ["main > table:nth-of-type(2)"]]


@pytest.mark.browser
def test_findings_inside_frames_and_shadow_roots_have_framed_targets(driver, site_url):
    driver.get(f"{site_url}/custom/framed.html")
    by_rule = {f.rule: [n.target for n in f.nodes] for f in checks.custom_findings(driver)}
    assert by_rule == {"sr-link-text-vague": [["iframe", "a"], ["#card >>> a"]],
                       "sr-placeholder-only": [["iframe", "input"]]}


@pytest.mark.browser
def test_vague_links_in_other_languages_and_ambiguous_links(driver, site_url):
    driver.get(f"{site_url}/custom/link-vague.html")
    [vague] = checks.custom_findings(driver)
    assert [n.html for n in vague.nodes] == [
        '<a href="/news/opening-hours">Read more</a>', '<a href="/rooms/book">Click here!</a>',
        '<a href="/summer"><img src="/arrow.png" alt="More"></a>', '<a href="/de/news">hier</a>',
        '<a href="/ru/news">Подробнее</a>']
    driver.get(f"{site_url}/custom/link-ambiguous.html")
    ambiguous = {f.rule: f for f in checks.custom_findings(driver)}["sr-link-text-ambiguous"]
    assert [n.html for n in ambiguous.nodes] == ['<a href="/contact">Contact</a>',
                                                 '<a href="/cards/contact">contact</a>']
    assert ambiguous.nodes[0].summary == (
        f'2 links are named "Contact" but go to 2 different places ({site_url}/contact, '
        f'{site_url}/cards/contact): make each name say where it goes.')


@pytest.mark.browser
def test_lang_checks_name_the_script_and_the_element(driver, site_url):
    driver.get(f"{site_url}/custom/lang-mismatch.html")
    [finding] = checks.custom_findings(driver)
    assert [n.target for n in finding.nodes] == [["html"], ["blockquote"]]
    assert finding.nodes[0].summary.startswith('lang="en" but 100% of the ')
    assert "in Arabic script" in finding.nodes[0].summary
    assert "in Cyrillic script" in finding.nodes[1].summary
    driver.get(f"{site_url}/custom/lang-parts.html")
    [parts] = checks.custom_findings(driver)
    assert [n.target for n in parts.nodes] == [["main > p:nth-of-type(2)"], ["ul > li:nth-of-type(1)"]]


@pytest.mark.browser
def test_find_issues_without_a_driver_uses_opening_tags(driver, site_url):
    driver.get(f"{site_url}/custom/fieldset-no-legend.html")
    tree = axtree.read_page_tree(driver)
    [finding] = find_issues(tree)
    assert [n.html for n in finding.nodes] == [
        '<input type="radio" id="f1" name="freq" value="weekly">',
        '<input type="checkbox" name="use" value="books">',
        '<input type="radio" name="age" value="young">']
    assert [n.summary.split(" have ")[0] for n in finding.nodes] == [
        '3 radio buttons named "freq"', '2 checkboxes named "use"', '2 radio buttons named "age"']


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def remote_driver():
    """A session through a bare chromedriver used as a remote WebDriver endpoint."""
    port = _free_port()
    proc = subprocess.Popen(["/usr/bin/chromedriver", f"--port={port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        drv = make_driver(remote=f"http://127.0.0.1:{port}")
        yield drv
        drv.quit()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.browser
def test_remote_webdriver_gives_the_same_findings(remote_driver, driver, site_url):
    url = f"{site_url}/custom/framed.html"
    remote_driver.get(url)
    driver.get(url)
    remote = [f.to_dict() for f in checks.custom_findings(remote_driver)]
    assert remote == [f.to_dict() for f in checks.custom_findings(driver)]
    assert _counts(checks.custom_findings(remote_driver)) == PLANTED["framed.html"]
