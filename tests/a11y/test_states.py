"""Automatic states in real Chromium: menus built on first open, hover menus, <details>, clean controls.

Pages are tests/a11y/site/states/ (planted defects marked DEFECT <rule id>; clean.html has none).
"""

from __future__ import annotations

import copy

import pytest

from a11y.engine import audit_page, audit_urls
from a11y.findings import Finding, Node
from a11y.states import PageFindings, StateStats
from a11y.steps import StateSettings, parse_config


def found(page):
    return sorted((f.rule, len(f.nodes), f.state) for f in page.violations)


# --- pure: no element twice ----------------------------------------------------------------------

def finding(rule: str, *fingerprints: str) -> Finding:
    return Finding(rule=rule, impact="serious", tags=[], help="", help_url="", screen_reader=True,
                   nodes=[Node(target=[f"#{fp}"], html="<a></a>", fingerprint=fp) for fp in fingerprints])


def test_page_findings_never_add_an_element_twice():
    page = PageFindings()
    assert page.add([finding("link-name", "a1", "a2")], [finding("color-contrast", "c1")], None) == 2
    again = page.add([finding("link-name", "a2", "a3"), finding("image-alt", "a1")],
                     [finding("color-contrast", "c1")], "after opening button 'More' (#more)")
    assert again == 2  # a3, and image-alt on a1 (another rule on the same element is another finding)
    assert [(f.rule, [n.fingerprint for n in f.nodes], f.state) for f in page.violations] == [
        ("link-name", ["a1", "a2"], None),
        ("link-name", ["a3"], "after opening button 'More' (#more)"),
        ("image-alt", ["a1"], "after opening button 'More' (#more)")]
    assert [(f.rule, len(f.nodes)) for f in page.incomplete] == [("color-contrast", 1)]


def test_alike_elements_found_in_one_state_are_all_kept():
    page = PageFindings()
    assert page.add([finding("image-alt", "same", "same")], [], None) == 2
    assert page.add([finding("image-alt", "same")], [], "after opening details 'More' (#more)") == 0


def test_state_is_in_the_json_only_for_findings_from_a_state():
    base = finding("link-name", "a1")
    state = copy.copy(base)
    state.state = "after opening details 'Shipping' (#faq)"
    assert "state" not in base.to_dict()
    assert state.to_dict()["state"] == "after opening details 'Shipping' (#faq)"
    assert Finding.from_dict(state.to_dict()) == state
    assert Finding.from_dict(base.to_dict()).state is None


def test_state_stats_add_up():
    total = StateStats()
    total.add(StateStats(controls=2, opened=1, new_nodes=3, seconds=0.5))
    total.add(StateStats(controls=1, opened=1, seconds=0.25, cut=True, problems=["x"]))
    assert total.to_dict() == {"controls": 3, "opened": 2, "new_nodes": 3, "cut": True, "problems": ["x"]}
    assert total.seconds == 0.75


# --- in the browser ------------------------------------------------------------------------------

@pytest.mark.browser
def test_a_menu_built_on_first_open_has_its_empty_link_found_with_the_state_named(driver, site_url):
    page = audit_page(driver, f"{site_url}/states/menu-js.html")
    assert page.status == "ok"
    assert found(page) == [("link-name", 1, "after opening button 'Products' (#nav-products)")]
    assert page.violations[0].nodes[0].target == ['a[href$="new.html"]']
    assert (page.states["controls"], page.states["opened"], page.states["new_nodes"]) == (1, 1, 1)
    assert driver.find_element("id", "nav-products").get_attribute("aria-expanded") == "false"  # closed again


@pytest.mark.browser
def test_a_hover_menu_is_opened_and_its_image_found(driver, site_url):
    page = audit_page(driver, f"{site_url}/states/menu-hover.html")
    assert found(page) == [("image-alt", 1, "after hovering list item 'Services' (#nav-services)")]
    assert page.states["opened"] == 1


@pytest.mark.browser
def test_a_menu_that_opens_only_on_focus_is_opened_by_focus(driver, site_url):
    page = audit_page(driver, f"{site_url}/states/menu-focus.html")
    assert found(page) == [("link-name", 1, "after focusing into list item 'Visit' (#nav-visit)")]
    assert driver.execute_script("return document.activeElement === document.body;") is True  # closed again


@pytest.mark.browser
def test_a_closed_details_is_opened_and_its_field_found(driver, site_url):
    page = audit_page(driver, f"{site_url}/states/details.html")
    assert found(page) == [("label", 1, "after opening details 'Shipping' (#faq-shipping)")]
    assert driver.execute_script("return document.getElementById('faq-shipping').open;") is False


@pytest.mark.browser
def test_clean_states_give_nothing_and_cost_is_measured(driver, site_url):
    page = audit_page(driver, f"{site_url}/states/clean.html")
    assert (page.status, page.violations) == ("ok", [])
    assert (page.states["controls"], page.states["opened"], page.states["new_nodes"]) == (3, 3, 0)
    assert page.states["problems"] == [] and page.states["cut"] is False


@pytest.mark.browser
def test_an_element_rebuilt_by_a_state_is_reported_once(driver, site_url):
    page = audit_page(driver, f"{site_url}/states/rerender.html")
    assert found(page) == [("link-name", 1, None)]
    assert page.states["opened"] == 1


@pytest.mark.browser
def test_states_can_be_turned_off_and_bounded(driver, site_url):
    url = f"{site_url}/states/menu-js.html"
    off = audit_urls([url], driver=driver, auto_states=False)[0]
    assert (found(off), off.states) == ([], None)
    assert "states" not in off.to_dict()
    config = parse_config({"states": {"enabled": False}})
    assert found(audit_urls([url], driver=driver, config=config)[0]) == []
    none = audit_page(driver, f"{site_url}/states/clean.html", state_settings=StateSettings(max_controls=1))
    assert (none.states["controls"], none.states["opened"], none.states["cut"]) == (1, 1, True)


@pytest.mark.browser
def test_states_are_explored_after_a_scripted_audit_step_too(driver, site_url):
    url = f"{site_url}/states/details.html"
    config = parse_config({"pages": [{"url": url, "steps": [{"action": "audit", "name": "first visit"}]}]})
    page = audit_urls([url], driver=driver, config=config)[0]
    assert found(page) == [("label", 1, "audit step 1 'first visit', after opening details 'Shipping' "
                                        "(#faq-shipping)")]


def test_a_report_read_back_must_have_string_states():
    from a11y.findings import PageResult
    from a11y.report import make_report, validate_report

    state = finding("link-name", "a1")
    state.state = "after opening button 'More' (#more)"
    report = make_report([PageResult(url="https://example.org/", violations=[state], states=StateStats().to_dict())],
                         axe_version="4.10.2", standard="wcag22aa")
    validate_report(report)
    assert report["pages"][0]["states"] == {"controls": 0, "opened": 0, "new_nodes": 0, "cut": False, "problems": []}
    report["pages"][0]["violations"][0]["state"] = 3
    with pytest.raises(ValueError) as caught:
        validate_report(report)
    assert str(caught.value) == "report is not an a11y audit report: pages[0].violations[0].state must be a string"
    report["pages"][0]["states"] = []
    with pytest.raises(ValueError, match=r"pages\[0\].states must be an object"):
        validate_report(report)


def test_the_html_report_says_which_state_showed_an_element():
    from a11y.findings import PageResult
    from a11y.report import group_by_component, make_report
    from a11y.reporters import render

    state = finding("link-name", "a2")
    state.state = "after opening button 'More' (#more)"
    report = make_report([PageResult(url="https://example.org/", violations=[finding("image-alt", "a1"), state])],
                         axe_version="4.10.2", standard="wcag22aa")
    groups = group_by_component(report)
    assert [(g["rule"], g.get("state")) for g in groups] == [
        ("image-alt", None), ("link-name", "after opening button 'More' (#more)")]
    html = render(report, "html")
    assert html.count("<p>Seen after opening button &#x27;More&#x27; (#more)</p>") == 1
