"""The keyboard walk (a11y/keyboard.py) in real headless Chromium, on tests/a11y/site/keyboard/.

Each check has a planted page (defects marked ``DEFECT <rule id>``) and a clean control page that
uses the same technique correctly; the control must give nothing at all.
"""

from __future__ import annotations

import io
import json

import pytest

from a11y import jobs, keyboard
from a11y.__main__ import build_parser, main
from a11y.engine import audit_page
from a11y.findings import PageResult
from a11y.report import make_report

# page -> {rule: [targets]}
PLANTED = {
    "keyboard/trap.html": {"kbd-trap": ["#email"]},
    "keyboard/trap-stall.html": {"kbd-trap": ["#code"]},
    "keyboard/dialog-trap.html": {"kbd-trap": ["#find"]},
    "keyboard/focus.html": {"kbd-focus-not-visible": ["#plain"]},
    "keyboard/unreachable.html": {"kbd-unreachable": ["#save", "#remove", "#coupon"]},
    "keyboard/hover.html": {"kbd-hover-only": ["#products"]},
    "keyboard/order.html": {"kbd-focus-order": ["#contact-link"]},
}
CLEAN = ["keyboard/trap-clean.html", "keyboard/dialog-clean.html", "keyboard/escape-clean.html",
         "keyboard/focus-clean.html", "keyboard/unreachable-clean.html",
         "keyboard/hover-clean.html", "keyboard/order-clean.html"]
SUMMARIES = {
    "keyboard/trap.html": "Focus stays inside #newsletter: after 2 Tab presses it returns to #email \u201cEmail\u201d "
                          "and never reaches the rest of the page.",
    "keyboard/trap-stall.html": "Focus stays on #code \u201cCode\u201d: Tab no longer moves focus after reaching it "
                                "(2 elements reached), so the rest of the page cannot be reached by keyboard.",
    "keyboard/dialog-trap.html": "Focus stays inside #finder dialog: after 2 Tab presses it returns to #find",
    "keyboard/order.html": "Focus goes from #contact-link \u201cContact\u201d back up",
}


def found(walk_or_findings) -> dict[str, list[str]]:
    findings = getattr(walk_or_findings, "findings", walk_or_findings)
    return {f.rule: [n.target[-1] for n in f.nodes] for f in findings if f.source == "keyboard"}


# --- pure parts ---------------------------------------------------------------------------------

def test_every_rule_names_its_wcag_criterion_and_keyboard_category():
    assert sorted(keyboard.RULES) == ["kbd-focus-not-visible", "kbd-focus-order", "kbd-hover-only", "kbd-trap",
                                      "kbd-unreachable"]
    criteria = {rule.id: [t for t in rule.tags if t.startswith("wcag") and t[4:].isdigit()]
                for rule in keyboard.RULES.values()}
    assert criteria == {"kbd-trap": ["wcag212"], "kbd-unreachable": ["wcag211"],
                        "kbd-hover-only": ["wcag211", "wcag1413"], "kbd-focus-order": ["wcag243"],
                        "kbd-focus-not-visible": ["wcag247"]}
    assert all("keyboard" in rule.tags and rule.help_url.startswith("https://www.w3.org/") for rule in
               keyboard.RULES.values())
    # focus that cannot be seen hinders sighted keyboard users, not screen-reader users
    assert [r.id for r in keyboard.RULES.values() if not r.screen_reader] == ["kbd-focus-not-visible"]


def _info(index: int, top: float, tabindex: str | None = None) -> dict:
    return {"index": index, "target": f"#e{index}", "name": "", "html": f"<a id='e{index}'>", "top": top,
            "height": 20, "tabindex": tabindex}


def test_focus_order_flags_a_positive_tabindex_that_jumps_back_up_the_page():
    infos = {0: _info(0, 1600, "1"), 1: _info(1, 8), 2: _info(2, 100)}
    [(info, summary)] = keyboard._order_jumps([0, 1, 2], infos)
    assert info["target"] == "#e0"
    assert summary.startswith("Focus goes from #e0 back up 1592 px to #e1: tabindex=\"1\" on #e0")


@pytest.mark.parametrize("tops, tabindexes", [
    ([8, 8, 100, 1600], ["1", "2", None, None]),    # positive tabindex in layout order
    ([1600, 8, 100], [None, None, None]),          # a backward jump without positive tabindex: layout, not ours
    ([300, 8, 100], ["1", None, None]),            # a small step back: not a large jump
])
def test_focus_order_leaves_orders_the_layout_explains(tops, tabindexes):
    infos = {i: _info(i, top, t) for i, (top, t) in enumerate(zip(tops, tabindexes))}
    assert keyboard._order_jumps(list(infos), infos) == []


def test_walk_cost_goes_into_the_page_and_the_report():
    walk = keyboard.KeyboardWalk(focusable=12, stops=11, presses=48, seconds=0.4567, ended="complete")
    page = PageResult(url="http://example.org/", keyboard=walk.cost())
    data = page.to_dict()
    assert data["keyboard"] == {"focusable": 12, "stops": 11, "presses": 48, "seconds": 0.46, "ended": "complete"}
    assert PageResult.from_dict(data).keyboard == data["keyboard"]
    assert "keyboard" not in PageResult(url="http://example.org/").to_dict()  # not walked: no key
    report = make_report([page], axe_version="4.10.2", standard="wcag22aa")
    assert report["summary"]["by_source"]["keyboard"] == {"violations": 0, "nodes": 0}


def test_the_walk_is_on_by_default_and_can_be_turned_off():
    parser = build_parser()
    assert parser.parse_args(["audit", "http://example.org/"]).keyboard is True
    assert parser.parse_args(["audit", "--no-keyboard", "http://example.org/"]).keyboard is False
    assert jobs.make_request("https://a.example/").keyboard is True
    request = jobs.make_request("https://a.example/", keyboard=False)
    assert request.keyboard is False and request.public()["keyboard"] is False


# --- in the browser -----------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("page", list(PLANTED))
def test_planted_keyboard_defects_are_found_exactly(driver, site_url, page):
    driver.get(f"{site_url}/{page}")
    walk = keyboard.keyboard_walk(driver)
    assert found(walk) == PLANTED[page]
    for finding in walk.findings:
        rule = keyboard.RULES[finding.rule]
        assert (finding.source, finding.impact, finding.help, finding.screen_reader) == (
            "keyboard", rule.impact, rule.help, rule.screen_reader)
        assert all(node.summary and node.fingerprint and node.html.startswith("<") for node in finding.nodes)
    if page in SUMMARIES:
        assert walk.findings[0].nodes[0].summary.startswith(SUMMARIES[page])
    assert walk.ended == ("trap" if "trap" in page else "complete")
    assert walk.presses <= 2 * (2 * walk.focusable + 20) + 10
    # the page is left as the walk found it: at the top, nothing focused
    assert driver.execute_script("return [scrollY, document.activeElement === document.body, "
                                 "!!window.__a11yKbd, document.querySelectorAll('[data-a11y-kbd]').length]") == [
        0, True, False, 0]


@pytest.mark.browser
@pytest.mark.parametrize("page", CLEAN + ["clean/index.html", "clean/contact.html", "custom/clean-form.html"])
def test_clean_pages_give_no_keyboard_findings(driver, site_url, page):
    driver.get(f"{site_url}/{page}")
    walk = keyboard.keyboard_walk(driver)
    assert found(walk) == {}
    assert walk.ended == "complete"
    assert walk.stops >= 1


@pytest.mark.browser
def test_the_walk_presses_through_every_element_in_tab_order(driver, site_url):
    driver.get(f"{site_url}/keyboard/order-clean.html")
    walk = keyboard.keyboard_walk(driver)
    assert (walk.focusable, walk.stops, walk.ended) == (4, 4, "complete")
    # each way one batch of 8 presses: leave the page from the start point, 4 stops, leave, come back = 7
    assert walk.presses == 16


@pytest.mark.browser
def test_a_walk_out_of_time_keeps_what_it_found_and_says_so(driver, site_url):
    driver.get(f"{site_url}/keyboard/unreachable.html")
    walk = keyboard.keyboard_walk(driver, max_seconds=0)
    assert (walk.ended, walk.findings) == ("time", [])
    assert walk.cost()["ended"] == "time"


@pytest.mark.browser
def test_audit_page_appends_keyboard_findings_after_axe_and_reports_the_cost(driver, site_url):
    result = audit_page(driver, f"{site_url}/keyboard/unreachable.html")
    assert result.status == "ok"
    assert found(result.violations) == {"kbd-unreachable": ["#save", "#remove", "#coupon"]}
    assert set(result.keyboard) == {"focusable", "stops", "presses", "seconds", "ended"}
    assert (result.keyboard["stops"], result.keyboard["ended"]) == (2, "complete")
    # anchored fingerprints, like every other finding
    assert len({n.fingerprint for f in result.violations for n in f.nodes if f.source == "keyboard"}) == 3
    without = audit_page(driver, f"{site_url}/keyboard/unreachable.html", keyboard_walk=False)
    assert (found(without.violations), without.keyboard) == ({}, None)


@pytest.mark.browser
def test_the_command_line_walks_by_default_and_not_with_no_keyboard(driver, site_url):
    url = f"{site_url}/keyboard/order.html"
    reports = []
    for extra in ([], ["--no-keyboard"]):
        out, err = io.StringIO(), io.StringIO()
        code = main(["audit", url, "--fail-on", "none", *extra], stdout=out, stderr=err, driver=driver)
        assert code == 0, err.getvalue()
        reports.append(json.loads(out.getvalue()))
    walked, plain = (r["pages"][0] for r in reports)
    assert [(v["rule"], v["source"], v["nodes"][0]["target"]) for v in walked["violations"]
            if v["source"] == "keyboard"] == [("kbd-focus-order", "keyboard", ["#contact-link"])]
    assert walked["keyboard"]["ended"] == "complete" and walked["keyboard"]["stops"] == 4
    assert reports[0]["summary"]["by_source"]["keyboard"] == {"violations": 1, "nodes": 1}
    assert "keyboard" not in plain and all(v["source"] != "keyboard" for v in plain["violations"])


@pytest.mark.browser
def test_a_page_that_navigates_during_the_walk_ends_it_without_failing(driver, site_url):
    driver.get(f"{site_url}/keyboard/navigates.html")
    walk = keyboard.keyboard_walk(driver)
    assert (walk.ended, walk.findings) == ("error", [])
    assert driver.execute_script("return 1") == 1


@pytest.mark.browser
def test_a_trap_only_shift_tab_meets_is_found_going_back(driver, site_url):
    driver.get(f"{site_url}/keyboard/trap-back.html")
    walk = keyboard.keyboard_walk(driver)
    assert found(walk) == {"kbd-trap": ["#query"]}
    assert walk.findings[0].nodes[0].summary.startswith(
        "Focus stays on #query \u201cTitle or author\u201d: Shift+Tab no longer moves focus after reaching it")
    assert (walk.stops, walk.ended) == (6, "trap")


@pytest.mark.browser
def test_a_page_without_scripts_gets_one_tab_call_and_a_short_shift_tab_check(driver, site_url):
    driver.get(f"{site_url}/clean/index.html")
    walk = keyboard.keyboard_walk(driver)
    assert walk.ended == "complete" and walk.stops == walk.focusable > keyboard.SPOT_CHECK
    # forward: leave the start point, enter, every stop, the start point, leave, come back; back: the spot check
    assert walk.presses == walk.stops + 4 + keyboard.SPOT_CHECK
