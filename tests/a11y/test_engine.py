"""The audit engine against the local test site in real headless Chromium.

Expected rule ids and node counts are the defects planted (and commented) in
tests/a11y/site/; the clean pages must give nothing at all.
"""

from __future__ import annotations

import socket
from collections import Counter

import pytest

from a11y import checks, engine, findings
from a11y.browser import cdp, make_driver
from a11y.engine import audit_page, audit_urls

from .conftest import COOKIE, HEADER

# page -> ({axe violation rule: nodes}, {needs-review rule: nodes})
PLANTED = {
    "defects/images.html": ({"image-alt": 2, "input-image-alt": 1, "role-img-alt": 1}, {}),
    "defects/forms.html": ({"label": 2, "select-name": 1, "button-name": 1, "autocomplete-valid": 1},
                           {"color-contrast": 1}),
    "defects/links.html": ({"link-name": 2}, {"color-contrast": 1}),
    "defects/headings.html": ({"heading-order": 1, "empty-heading": 1}, {}),
    "defects/lists.html": ({"list": 1, "listitem": 1}, {}),
    "defects/tables.html": ({"td-headers-attr": 1}, {"th-has-data-cells": 1}),
    "defects/aria.html": ({"aria-roles": 1, "aria-valid-attr": 1, "aria-valid-attr-value": 1,
                           "aria-required-attr": 1, "aria-hidden-focus": 1, "aria-allowed-attr": 1}, {}),
    "defects/contrast.html": ({"color-contrast": 2}, {}),
    "defects/duplicate-id.html": ({}, {"duplicate-id-aria": 1}),
    "defects/target-size.html": ({"target-size": 2}, {}),
    "defects/review.html": ({}, {"color-contrast": 1}),
    "defects/head.html": ({"html-has-lang": 1, "document-title": 1}, {}),
    "defects/badlang.html": ({"html-lang-valid": 1, "valid-lang": 1}, {}),
    "frames/index.html": ({"image-alt": 1}, {}),
    "frames/shadow.html": ({"button-name": 1}, {}),
    "frames/cross-origin.html": ({"image-alt": 1}, {}),
}
CLEAN = ["clean/index.html", "clean/about.html", "clean/history.html", "clean/contact.html", "clean/data.html"]


def untimed(page):
    """A page's dict without the keyboard walk's seconds (the one figure two runs never share)."""
    data = page.to_dict()
    data.get("keyboard", {}).pop("seconds", None)
    return data


def counts(findings, source="axe"):
    return dict(Counter({f.rule: len(f.nodes) for f in findings if f.source == source}))


# --- pure parts ---------------------------------------------------------------------------------

@pytest.mark.parametrize("standard, tags", [
    ("wcag2a", ["wcag2a"]),
    ("wcag2aa", ["wcag2a", "wcag2aa"]),
    ("wcag21aa", ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]),
    ("wcag22aa", ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]),
    ("wcag2aaa", ["wcag2a", "wcag2aa", "wcag2aaa"]),
    ("wcag21aaa", ["wcag2a", "wcag2aa", "wcag2aaa", "wcag21a", "wcag21aa", "wcag21aaa"]),
    ("wcag22aaa", ["wcag2a", "wcag2aa", "wcag2aaa", "wcag21a", "wcag21aa", "wcag21aaa", "wcag22aa", "wcag22aaa"]),
])
def test_each_standard_includes_the_lower_levels(standard, tags):
    assert engine.run_options(standard)["runOnly"] == {"type": "tag", "values": tags + ["best-practice"]}
    assert engine.run_options(standard, best_practice=False)["runOnly"]["values"] == tags


def test_unknown_standard_names_the_allowed_ones():
    allowed = "wcag2a, wcag2aa, wcag21aa, wcag22aa, wcag2aaa, wcag21aaa, wcag22aaa"
    with pytest.raises(ValueError, match=f"unknown standard 'wcag3'; allowed: {allowed}$"):
        engine.run_options("wcag3")


def test_only_violations_and_needs_review_are_asked_for():
    assert engine.run_options()["resultTypes"] == ["violations", "incomplete"]


@pytest.mark.parametrize("text, pair", [
    ("session=abc", ("session", "abc")), (" sid = a=b ", ("sid", "a=b")), ("empty=", ("empty", "")),
])
def test_parse_cookie(text, pair):
    assert engine.parse_cookie(text) == pair


@pytest.mark.parametrize("text", ["novalue", "=x", "a b=c", "a=b;c=d", "a=b\nc"])
def test_bad_cookies(text):
    with pytest.raises(ValueError, match="expected NAME=VALUE"):
        engine.parse_cookie(text)


@pytest.mark.parametrize("text, pair", [
    ("Authorization: Bearer x:y", ("Authorization", "Bearer x:y")), ("X-A:1", ("X-A", "1")),
])
def test_parse_header(text, pair):
    assert engine.parse_header(text) == pair


@pytest.mark.parametrize("text", ["Authorization Bearer", ": x", "Bad Name: x", "X: a\r\nInjected: b"])
def test_bad_headers(text):
    with pytest.raises(ValueError, match='expected "Name: value"'):
        engine.parse_header(text)


def test_default_axe_is_the_packaged_build():
    axe = engine.load_axe()
    assert axe.path.endswith("axe_selenium_python/node_modules/axe-core/axe.min.js")
    assert axe.version == "4.10.2"


def test_axe_script_that_is_not_axe_is_refused(tmp_path):
    other = tmp_path / "not-axe.js"
    other.write_text("console.log('hello');")
    with pytest.raises(ValueError, match="is not an axe-core build with runPartial"):
        engine.load_axe(other)
    with pytest.raises(ValueError, match="cannot read axe script"):
        engine.load_axe(tmp_path / "missing.js")


def test_audit_urls_refuses_bad_input_before_starting_a_browser():
    def no_browser():
        raise AssertionError("a browser was started")
    with pytest.raises(ValueError, match="only http and https"):
        audit_urls(["http://127.0.0.1:9/", "file:///etc/passwd"], driver_factory=no_browser)
    with pytest.raises(ValueError, match="workers must be a whole number >= 1"):
        audit_urls(["http://127.0.0.1:9/"], workers=0, driver_factory=no_browser)
    with pytest.raises(ValueError, match="expected NAME=VALUE"):
        audit_urls(["http://127.0.0.1:9/"], cookies=["oops"], driver_factory=no_browser)
    assert audit_urls([], driver_factory=no_browser) == []


class NoCdpSession:
    """A WebDriver session whose endpoint has no Chrome DevTools (e.g. geckodriver): the answer
    such endpoints give to chromedriver's ``goog/cdp/execute`` command."""

    class command_executor:  # noqa: N801 - mirrors WebDriver's attribute
        @staticmethod
        def get_command(name):
            return ("POST", "/session/$sessionId/goog/cdp/execute")

    class switch_to:  # noqa: N801
        @staticmethod
        def default_content():
            pass

    def execute(self, command, params):
        from selenium.common.exceptions import WebDriverException
        raise WebDriverException("unknown command: POST /session/1/goog/cdp/execute did not match a known command")


def test_endpoints_without_cdp_fail_clearly_or_skip_what_needs_it(caplog):
    session = NoCdpSession()
    with pytest.raises(engine.CdpUnavailableError, match="does not support CDP"):
        cdp(session, "Browser.getVersion")
    with pytest.raises(ValueError, match="--cookie and --header need a Chrome/Chromium WebDriver"):
        engine.prepare_session(session, "http://127.0.0.1/", [("a", "b")], [])
    engine.prepare_session(session, "http://127.0.0.1/", [], [])  # nothing to set: no CDP needed
    assert engine.preload_axe(session, engine.load_axe()) is False
    assert engine._custom_findings(session) == []
    assert "accessibility-tree checks skipped" in caplog.text


# --- one page, shared browser -------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("page", list(PLANTED))
def test_planted_defects_found_with_exact_rules_and_counts(driver, site_url, page):
    result = audit_page(driver, f"{site_url}/{page}", custom_checks=False)
    violations, review = PLANTED[page]
    assert (result.status, result.error) == ("ok", None)
    assert counts(result.violations) == violations
    assert counts(result.incomplete) == review


@pytest.mark.browser
@pytest.mark.parametrize("page", CLEAN)
def test_clean_pages_have_no_findings_from_axe_or_custom_checks(driver, site_url, page):
    result = audit_page(driver, f"{site_url}/{page}")
    assert result.status == "ok"
    assert [f.rule for f in result.violations] == []
    assert [f.rule for f in result.incomplete] == (["color-contrast"] if page == "clean/contact.html" else [])


@pytest.mark.browser
def test_defect_in_nested_iframe_has_frame_path_target(driver, site_url):
    [finding] = audit_page(driver, f"{site_url}/frames/index.html").violations
    assert finding.rule == "image-alt"
    [node] = finding.nodes
    assert node.target == ["#outer", "#inner", "#deep"]
    assert node.html == '<img id="deep" src="../img/dot.svg">'


@pytest.mark.browser
def test_defect_behind_a_cross_origin_frame_is_found(driver, site_url):
    [finding] = audit_page(driver, f"{site_url}/frames/cross-origin.html").violations
    assert [n.target for n in finding.nodes] == [["#xo", "#inner", "#deep"]]


@pytest.mark.browser
def test_defect_in_open_shadow_dom_has_shadow_target(driver, site_url):
    [finding] = audit_page(driver, f"{site_url}/frames/shadow.html").violations
    assert (finding.rule, finding.impact, finding.screen_reader) == ("button-name", "critical", True)
    assert [n.target for n in finding.nodes] == [["#share >>> .icon"]]


@pytest.mark.browser
@pytest.mark.parametrize("page", ["frames/index.html", "frames/cross-origin.html", "frames/shadow.html",
                                  "defects/forms.html"])
def test_every_failing_element_is_anchored_in_frames_and_shadow_dom_too(driver, site_url, page):
    """Each element is found again by its target to read its name, landmark and heading."""
    result = audit_page(driver, f"{site_url}/{page}")
    nodes = [n for f in result.violations + result.incomplete for n in f.nodes]
    assert nodes
    assert engine.anchor_findings(driver, result.violations + result.incomplete) == len(nodes)
    for f in result.violations:  # the anchored fingerprint, not the one of the snippet alone
        assert all(n.fingerprint != findings.loose_fingerprint(f.rule, n.html) for n in f.nodes)


@pytest.mark.browser
def test_needs_review_is_kept_apart_from_violations(driver, site_url):
    result = audit_page(driver, f"{site_url}/defects/review.html")
    assert result.violations == []
    [review] = result.incomplete
    assert (review.rule, review.screen_reader) == ("color-contrast", False)


@pytest.mark.browser
def test_wcag22_only_rule_absent_under_wcag21(driver, site_url):
    url = f"{site_url}/defects/target-size.html"
    assert counts(audit_page(driver, url, standard="wcag22aa").violations) == {"target-size": 2}
    assert counts(audit_page(driver, url, standard="wcag21aa").violations) == {}


@pytest.mark.browser
def test_best_practice_rules_can_be_turned_off(driver, site_url):
    url = f"{site_url}/defects/headings.html"
    assert counts(audit_page(driver, url, best_practice=False).violations) == {}


@pytest.mark.browser
def test_findings_carry_screen_reader_flag_and_fingerprints(driver, site_url):
    result = audit_page(driver, f"{site_url}/defects/contrast.html")
    [finding] = result.violations
    assert (finding.rule, finding.impact, finding.screen_reader, finding.source) == \
        ("color-contrast", "serious", False, "axe")
    assert finding.help_url.startswith("https://dequeuniversity.com/rules/axe/4.10/color-contrast")
    assert [len(n.fingerprint) for n in finding.nodes] == [16, 16]
    assert finding.nodes[0].fingerprint != finding.nodes[1].fingerprint
    assert "Element has insufficient color contrast" in finding.nodes[0].summary


@pytest.mark.browser
def test_custom_checks_are_appended_after_axe(driver, site_url):
    result = audit_page(driver, f"{site_url}/custom/placeholder-only.html")
    custom = [f for f in result.violations if f.source == "custom"]
    assert [f.rule for f in custom] == ["sr-placeholder-only"]
    assert result.violations[-len(custom):] == custom
    without = audit_page(driver, f"{site_url}/custom/placeholder-only.html", custom_checks=False)
    assert [f.source for f in without.violations] == ["axe"] * len(without.violations)


@pytest.mark.browser
@pytest.mark.parametrize("path, error", [
    ("/status/500", "HTTP 500"),
    ("/clean/missing.html", "HTTP 404"),
    ("/private/account.html", "HTTP 401"),
    ("/files/report.pdf", "not an HTML page (application/pdf)"),
])
def test_http_errors_and_non_html_become_error_entries(driver, site_url, path, error):
    result = audit_page(driver, site_url + path)
    assert (result.status, result.error, result.violations) == ("error", error, [])


@pytest.mark.browser
def test_network_errors_become_error_entries(driver):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = audit_page(driver, f"http://127.0.0.1:{port}/")
    assert (result.status, result.error) == ("error", "could not load page: ERR_CONNECTION_REFUSED")
    result = audit_page(driver, "http://no-such-host.invalid/")
    assert (result.status, result.error) == ("error", "could not load page: ERR_NAME_NOT_RESOLVED")


@pytest.mark.browser
def test_timeout_becomes_an_error_entry_and_the_browser_goes_on(driver, site_url):
    driver.set_page_load_timeout(1)
    try:
        result = audit_page(driver, f"{site_url}/slow")
    finally:
        driver.set_page_load_timeout(30)
    assert (result.status, result.error) == ("error", "page load timed out")
    assert audit_page(driver, f"{site_url}/clean/about.html").status == "ok"


@pytest.mark.browser
def test_cookie_or_header_reaches_the_protected_page(driver, site_url):
    url = f"{site_url}/private/account.html"
    try:
        with_cookie = audit_page(driver, url, cookies=[COOKIE])
    finally:
        cdp(driver, "Network.clearBrowserCookies")
    with_header = audit_page(driver, url, headers=[HEADER])
    without = audit_page(driver, url)  # headers of an earlier page are not sent any more
    assert counts(with_cookie.violations) == counts(with_header.violations) == {"image-alt": 1}
    assert without.error == "HTTP 401"


@pytest.mark.browser
def test_cookie_is_scoped_to_the_audited_host(driver, site_url):
    other_host = site_url.replace("127.0.0.1", "localhost")
    try:
        audit_page(driver, f"{site_url}/clean/about.html", cookies=[COOKIE])
        assert audit_page(driver, f"{other_host}/private/account.html").error == "HTTP 401"
    finally:
        cdp(driver, "Network.clearBrowserCookies")


@pytest.mark.browser
def test_alert_on_load_does_not_stall_the_audit(driver, site_url):
    result = audit_page(driver, f"{site_url}/misc/alert.html")
    assert (result.status, counts(result.violations)) == ("ok", {"image-alt": 1})


@pytest.mark.browser
def test_callers_driver_is_not_closed(driver, site_url):
    audit_page(driver, f"{site_url}/clean/about.html")
    assert driver.execute_script("return 1") == 1


# --- the pool -----------------------------------------------------------------------------------

MIXED = ["defects/images.html", "status/500", "frames/cross-origin.html", "clean/about.html",
         "defects/aria.html", "frames/shadow.html"]


@pytest.mark.browser
def test_two_workers_give_the_same_results_in_input_order_and_the_run_goes_on(site_url, driver):
    urls = [f"{site_url}/{p}" for p in MIXED]
    seen = []
    two = audit_urls(urls, workers=2, progress=lambda done, total, url: seen.append((done, total)))
    one = [audit_page(driver, u) for u in urls]
    assert [p.url for p in two] == urls
    assert [p.status for p in two] == ["ok", "error", "ok", "ok", "ok", "ok"]
    assert [untimed(p) for p in two] == [untimed(p) for p in one]
    assert counts(two[0].violations) == PLANTED["defects/images.html"][0]
    assert seen == [(i, 6) for i in range(1, 7)]


@pytest.mark.browser
def test_a_crashed_browser_is_replaced_and_a_failing_page_does_not_end_the_run(site_url, monkeypatch):
    made = []

    def factory():
        made.append(make_driver())
        return made[-1]

    def crash_after_first(done, total, url):
        if done == 1:
            try:
                cdp(made[0], "Page.crash")
            except Exception:  # noqa: BLE001 - the tab dies while answering
                pass

    real_checks = checks.custom_findings

    def broken_on_lists(driver):
        if driver.current_url.endswith("/lists.html"):
            raise RuntimeError("bug in a check")
        return real_checks(driver)

    monkeypatch.setattr(checks, "custom_findings", broken_on_lists)
    urls = [f"{site_url}/{p}" for p in ("clean/about.html", "defects/images.html", "defects/lists.html",
                                         "defects/headings.html")]
    pages = audit_urls(urls, progress=crash_after_first, driver_factory=factory)
    assert [p.status for p in pages] == ["ok", "error", "error", "ok"]
    assert pages[1].error.startswith("browser crashed on this page (tab crashed")
    assert pages[2].error == "internal error: RuntimeError: bug in a check"
    assert counts(pages[3].violations) == PLANTED["defects/headings.html"][0]
    assert len(made) == 2
    for drv in made:  # both quit by the pool
        assert drv.service.process.poll() is not None


@pytest.mark.browser
def test_remote_webdriver_with_chromedriver_as_the_endpoint(site_url, driver, remote_chromedriver):
    urls = [f"{site_url}/frames/index.html", f"{site_url}/defects/forms.html",
            f"{site_url}/private/account.html"]
    try:
        remote = audit_urls(urls, remote=remote_chromedriver, cookies=["=".join(COOKIE)])
    finally:
        cdp(driver, "Network.clearBrowserCookies")
    local = [audit_page(driver, u, cookies=[COOKIE]) for u in urls]
    cdp(driver, "Network.clearBrowserCookies")
    assert [p.status for p in remote] == ["ok", "ok", "ok"]
    assert [untimed(p) for p in remote] == [untimed(p) for p in local]
