"""The custom checks against W3C ACT rules' own examples, in real Chromium.

Each case is a rule's Passed / Failed / Inapplicable example (quoted from the ACT rule, or
marked "ours" when it applies the rule's definitions to a case the rule does not show), and
the expected outcome is exactly ACT's: Failed examples are reported, the others are not.

* 2ee8b8 Visible label is part of accessible name -> ``sr-label-in-name``
  (https://www.w3.org/WAI/standards-guidelines/act/rules/2ee8b8/proposed/)
* b20e66 Links with identical accessible names have equivalent purpose -> ``sr-link-text-ambiguous``
  (https://www.w3.org/WAI/standards-guidelines/act/rules/b20e66/proposed/)
"""

from __future__ import annotations

import pytest

from a11y import checks
from a11y.checks import label_in_name, label_tokens, matching_name, same_resource

PASS, FAIL = False, True

LABEL_IN_NAME = [
    # ACT 2ee8b8 Passed examples 1-5
    ('<a href="https://act-rules.github.io/" aria-label="ACT rules">ACT rules</a>', PASS),
    ('<a href="https://act-rules.github.io/" aria-label="  ACT rules  ">ACT rules</a>', PASS),
    ('<a href="https://act-rules.github.io/" aria-label="act rules">ACT rules</a>', PASS),
    ('<button aria-label="Next Page in the list">Next Page</button>', PASS),
    ('<button aria-label="anything">X</button>', PASS),
    # ACT 2ee8b8 Failed examples 1-5
    ('<a href="https://act-rules.github.io/" aria-label="WCAG">ACT rules</a>', FAIL),
    ('<button aria-label="the full">The full label</button>', FAIL),
    ('<a href="/" aria-label="Proof of two multiplied by two is four">Proof of 2&times;2=4</a>', FAIL),
    ('<a href="#" aria-label="non-standard">nonstandard</a>', FAIL),
    ('<a aria-label="1 2 3. 4 5 6. 7 8 9 0" href="tel:1234567890">123.456.7890</a>', FAIL),
    # ACT 2ee8b8 Inapplicable examples 1-4
    ('<nav aria-label="main nav">W3C navigation</nav>', PASS),
    ('<div>E-mail</div><input type="email" aria-label="E-mail" value="Contact" />', PASS),
    ('<div role="tooltip" aria-label="OK">Next</div>', PASS),
    ('<a href="https://w3.org" aria-label="W3C homepage"><img src="/img/none.png" alt="w3c logo" /></a>', PASS),
    # ours: punctuation and symbols are no words; text split in inline pieces or spaced by CSS is one word
    ('<a href="/news" aria-label="Read more about the new library">Read more…</a>', PASS),
    ('<a href="/p/2" aria-label="Next page">Next ›</a>', PASS),
    ('<a href="/shop" aria-label="Shop">S<span>hop</span></a>', PASS),
    ('<a href="/shop" aria-label="Shop" style="letter-spacing: 0.5em">SHOP</a>', PASS),
    ('<a href="/r.pdf" aria-label="Annual report 2024">Annual report 2024 (PDF, 2 MB)</a>', PASS),
    # ours: only visible text is a label: CSS-hidden and visually-hidden text is not
    ('<style>.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}</style>'
     '<a href="/events" aria-label="Read more about events">Read more<span class="vh"> on Tuesday</span></a>',
     PASS),
    ('<button aria-label="Send">Send<span style="opacity:0"> now</span></button>', PASS),
    # ours, on the same definitions: spaces in the text, an abbreviation, a block break are other words
    ('<a href="/shop" aria-label="Shop">S H O P</a>', FAIL),
    ('<a href="/jan" aria-label="January archive">Jan</a>', FAIL),
    ('<a href="/shop" aria-label="Shop"><div>S</div><div>hop</div></a>', FAIL),
    ('<div role="gridcell" tabindex="0" aria-label="Total">Sum</div>', FAIL),
]

AMBIGUOUS = [
    # ACT b20e66 Passed example 1 (same resource), 5 (trailing slash), Failed 1 and 4
    ('<a href="/contact/index.html">Contact us</a><a href="/contact/index.html">Contact us</a>', PASS),
    ('<a href="/contact/">Contact us</a><a href="/contact">Contact us</a>', PASS),
    ('<a href="https://act-rules.github.io/">ACT rules</a>'
     '<a href="https://www.w3.org/community/act-r/">ACT rules</a>', FAIL),
    ('<a href="https://act-rules.github.io/"><img src="/img/none.png" alt="ACT rules"></a>'
     '<a href="https://www.w3.org/community/act-r/"><img src="/img/none.png" alt="ACT rules"></a>', FAIL),
    # ACT fd3a94 Failed example 1 (same context, other resources: fails b20e66 too)
    ('<p>To get in touch with us, you can either <a href="/contact-us.html?page=1">contact us</a> via chat or '
     '<a href="/contact-us.html?page=2">contact us</a> by phone.</p>', FAIL),
    # ACT b20e66 Inapplicable example 2: different names, same destination
    ('<a href="/about/contact.html">Reach out</a><a href="/about/contact.html">Contact us</a>', PASS),
    # ours: names match only ignoring case and spaces, not punctuation ("matching characters")
    ('<a href="/a">Contact   US</a><a href="/b">contact us</a>', FAIL),
    ('<a href="/a">Contact us</a><a href="/b">Contact us!</a>', PASS),
    # ours: one resource written differently (fragment, index.html, tracking parameters)
    ('<a href="/help#fines">Help desk</a><a href="/help#renewals">Help desk</a>', PASS),
    ('<a href="/help/index.html?utm_source=nav">Help desk</a><a href="/help/">Help desk</a>', PASS),
]


def _show(driver, site_url: str, body: str) -> None:
    driver.get(f"{site_url}/custom/clean-article.html")  # any page of the site: relative links resolve there
    driver.execute_script("document.open(); document.write(arguments[0]); document.close();",
                          f"<!doctype html><html lang='en'><title>ACT example</title><body>{body}</body></html>")


def _reported(driver, rule: str) -> int:
    return sum(len(f.nodes) for f in checks.custom_findings(driver) if f.rule == rule)


@pytest.mark.browser
@pytest.mark.parametrize(("body", "fails"), LABEL_IN_NAME)
def test_label_in_name_matches_act_2ee8b8(driver, site_url, body, fails):
    _show(driver, site_url, body)
    assert _reported(driver, "sr-label-in-name") == (1 if fails else 0)


@pytest.mark.browser
@pytest.mark.parametrize(("body", "fails"), AMBIGUOUS)
def test_ambiguous_links_match_act_b20e66(driver, site_url, body, fails):
    _show(driver, site_url, body)
    assert _reported(driver, "sr-link-text-ambiguous") == (2 if fails else 0)


@pytest.mark.parametrize(("text", "tokens"), [
    ("Read more…", ["read", "more"]),
    ("Next ›", ["next"]),
    ("Annual report (PDF, 2 MB)", ["annual", "report"]),
    ("Report (draft (v2)) final", ["report", "final"]),
    ("non-standard", ["non", "standard"]),
    ("Proof of 2×2=4", ["proof", "of", "2", "2", "4"]),
    ("Más información", ["más", "información"]),
    ("🔍 Search", ["search"]),
])
def test_label_tokens(text, tokens):
    assert label_tokens(text) == tokens


@pytest.mark.parametrize(("label", "name", "expected"), [
    ("Next Page", "Next Page in the list", True),
    ("page in", "Next Page in the list", True),
    ("Page list", "Next Page in the list", False),  # words must be consecutive
    ("the full label", "the full", False),
    ("Search", "Searching", False),  # whole words only
    ("×", "Close", True),
    ("", "Anything", True),
])
def test_label_in_name(label, name, expected):
    assert label_in_name(label, name) is expected


def test_matching_name_and_same_resource():
    assert matching_name("  Contact\n US ") == "contact us"
    assert matching_name("Contact us!") == "contact us!"
    assert same_resource("https://example.com/help/index.html?utm_medium=x#fines") == "https://example.com/help"
    assert same_resource("https://example.com/help?page=2") == "https://example.com/help?page=2"
