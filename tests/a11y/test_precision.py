"""Precision: WCAG exceptions axe cannot see (target size), AAA standards and the experimental axe rules we run."""

from __future__ import annotations

import pytest

from a11y import engine
from a11y.engine import EXTRA_RULES, audit_page, run_options
from a11y.findings import Finding, Node
from a11y.precision import drop_user_agent_sized_targets


def _counts(findings):
    return {f.rule: len(f.nodes) for f in findings}


def test_extra_rules_run_only_with_their_tag():
    assert EXTRA_RULES == {"td-has-header": "wcag2a", "table-fake-caption": "wcag2a"}
    assert run_options("wcag2a", best_practice=False)["rules"] == {
        "td-has-header": {"enabled": True}, "table-fake-caption": {"enabled": True}}


def test_extra_rules_exist_in_the_shipped_axe_and_are_experimental(driver):
    driver.get("about:blank")
    driver.execute_script(engine.load_axe().source)
    tags = driver.execute_script("return Object.fromEntries(axe._audit.rules.map(r => [r.id, r.tags]))")
    for rule, tag in EXTRA_RULES.items():
        assert "experimental" in tags[rule] and tag in tags[rule], rule


@pytest.mark.browser
def test_aaa_contrast_reported_under_aaa_only(driver, site_url):
    url = f"{site_url}/precision/contrast-aaa.html"
    assert _counts(audit_page(driver, url, standard="wcag2aa").violations) == {}
    for standard in ("wcag2aaa", "wcag21aaa", "wcag22aaa"):
        assert _counts(audit_page(driver, url, standard=standard).violations) == {"color-contrast-enhanced": 1}


@pytest.mark.browser
def test_tables_without_headers_and_fake_captions(driver, site_url):
    result = audit_page(driver, f"{site_url}/precision/tables.html", standard="wcag2a", custom_checks=False)
    assert _counts(result.violations) == {"td-has-header": 2, "table-fake-caption": 1}
    assert _counts(result.incomplete) == {}
    [finding] = [f for f in result.violations if f.rule == "td-has-header"]
    # the second table too: its fake caption is a data cell with no header
    assert [n.target for n in finding.nodes] == [["table:nth-child(2)"], ["table:nth-child(3)"]]


@pytest.mark.browser
def test_tables_with_headers_and_captions_are_clean(driver, site_url):
    result = audit_page(driver, f"{site_url}/precision/tables-clean.html", standard="wcag22aaa")
    assert (_counts(result.violations), _counts(result.incomplete)) == ({}, {})


@pytest.mark.browser
def test_target_size_spares_browser_sized_radios_and_keeps_author_sized_controls(driver, site_url):
    result = audit_page(driver, f"{site_url}/precision/target-size.html", custom_checks=False)
    [finding] = result.violations
    assert finding.rule == "target-size"
    assert [n.target for n in finding.nodes] == [['span[aria-label="Gift wrap"]'], ['span[aria-label="Card"]'],
                                                 ["#ins"], ["#sig"]]
    assert result.incomplete == []


@pytest.mark.browser
def test_target_size_filter_keeps_other_rules_and_unreachable_nodes(driver, site_url):
    driver.get(f"{site_url}/precision/target-size.html")
    node = lambda target: Node(target=target, html="<input>", summary="", fingerprint="f")  # noqa: E731
    small = Finding(rule="target-size", impact="serious", tags=["wcag22aa"], help="", help_url="",
                    screen_reader=False, nodes=[node(["#std"]), node(["#ins"]), node(["iframe", "#std"]),
                                                node(["#missing"])])
    other = Finding(rule="label", impact="critical", tags=["wcag2a"], help="", help_url="", screen_reader=True,
                    nodes=[node(["#std"])])
    only_radio = Finding(rule="target-size", impact="serious", tags=[], help="", help_url="", screen_reader=False,
                         nodes=[node(["#exp"])])
    kept = drop_user_agent_sized_targets(driver, [small, other, only_radio])
    assert [(f.rule, [n.target for n in f.nodes]) for f in kept] == [
        ("target-size", [["#ins"], ["iframe", "#std"], ["#missing"]]),  # a frame's node is not asked
        ("label", [["#std"]]),  # other rules untouched
    ]  # a finding left with no node is dropped
