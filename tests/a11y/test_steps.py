"""Scripted steps: config validation (pure, exact messages) and steps run in real Chromium.

Pages are tests/a11y/site/states/ (planted defects marked DEFECT <rule id>).
"""

from __future__ import annotations

import io
import json

import pytest

from a11y import steps
from a11y.__main__ import main
from a11y.engine import audit_urls
from a11y.steps import AuditConfig, StateSettings, load_config, parse_config, parse_config_text


def one(step: dict) -> dict:
    return {"pages": [{"url": "*", "steps": [step]}]}


# --- validation ---------------------------------------------------------------------------------

@pytest.mark.parametrize("data, message", [
    ([], "config: expected an object with \"pages\" and/or \"states\""),
    ({"page": []}, "config: unknown key \"page\"; allowed: \"pages\", \"states\""),
    ({"pages": {}}, "config: \"pages\" must be a list"),
    ({"pages": [{"steps": [{"action": "audit"}]}]},
     "config: pages[0]: missing \"url\" (an exact URL, a glob, or \"*\" for every page)"),
    ({"pages": [{"url": "example.org/login", "steps": [{"action": "audit"}]}]},
     "config: pages[0]: bad URL pattern 'example.org/login': expected an http(s) URL, a glob such as "
     "'https://example.org/shop/*', or '*' for every page"),
    ({"pages": [{"url": "ftp://example.org/*", "steps": [{"action": "audit"}]}]},
     "config: pages[0]: bad URL pattern 'ftp://example.org/*': expected an http(s) URL, a glob such as "
     "'https://example.org/shop/*', or '*' for every page"),
    ({"pages": [{"url": "*", "steps": []}]}, "config: pages[0]: \"steps\" must be a non-empty list"),
    ({"pages": [{"url": "*", "steps": [{"action": "audit"}], "wait": 1}]},
     "config: pages[0]: unknown key \"wait\"; allowed: \"url\", \"steps\""),
    (one({"action": "tap", "selector": "#a"}),
     "config: pages[0].steps[0]: unknown action 'tap'; allowed: navigate, click, set, press, wait, audit"),
    (one({"selector": "#a"}),
     "config: pages[0].steps[0]: missing \"action\"; allowed: navigate, click, set, press, wait, audit"),
    (one({"action": "click"}), "config: pages[0].steps[0]: click needs \"selector\""),
    (one({"action": "set", "selector": "#user"}), "config: pages[0].steps[0]: set needs \"value\""),
    (one({"action": "click", "selector": "  "}), "config: pages[0].steps[0]: \"selector\" is empty"),
    (one({"action": "click", "selector": "#a", "value": "x"}),
     "config: pages[0].steps[0]: click does not take \"value\"; it takes \"optional\", \"selector\", \"timeout\""),
    (one({"action": "wait"}), "config: pages[0].steps[0]: wait needs either \"selector\" or \"url\" (one of them)"),
    (one({"action": "wait", "selector": "#a", "url": "*"}),
     "config: pages[0].steps[0]: wait needs either \"selector\" or \"url\" (one of them)"),
    (one({"action": "press", "key": "Return"}),
     "config: pages[0].steps[0]: unknown key 'Return'; use one character or one of Enter, Escape, Tab, Space, "
     "Backspace, Delete, ArrowUp, ArrowDown, ArrowLeft, ArrowRight, Home, End, PageUp, PageDown"),
    (one({"action": "click", "selector": "#a", "timeout": 500}),
     "config: pages[0].steps[0]: \"timeout\" must be a number from 0 to 120, got 500"),
    (one({"action": "click", "selector": "#a", "optional": "yes"}),
     "config: pages[0].steps[0]: \"optional\" must be true or false, got 'yes'"),
    (one({"action": "navigate", "url": "file:///etc/passwd"}),
     "config: pages[0].steps[0]: refused URL 'file:///etc/passwd' (file:): only http and https URLs are audited"),
    ({"states": {"enabled": "no"}}, "config: states: \"enabled\" must be true or false, got 'no'"),
    ({"states": {"max_controls": -1}},
     "config: states: \"max_controls\" must be a whole number from 0 to 200, got -1"),
    ({"states": {"limit": 3}},
     "config: states: unknown key \"limit\"; allowed: \"enabled\", \"max_controls\", \"max_seconds\""),
])
def test_a_bad_config_is_refused_naming_the_problem(data, message):
    with pytest.raises(ValueError) as caught:
        parse_config(data)
    assert str(caught.value) == message


def test_bad_json_names_line_and_column_and_yaml_is_refused(tmp_path):
    with pytest.raises(ValueError) as caught:
        parse_config_text('{"pages": [\n  {"url": "*",}\n]}', source="steps.json")
    assert str(caught.value) == ("steps.json: not valid JSON: line 2 column 15: "
                                 "Expecting property name enclosed in double quotes")
    (tmp_path / "steps.yaml").write_text("pages: []\n")
    with pytest.raises(ValueError) as caught:
        load_config(tmp_path / "steps.yaml")
    assert str(caught.value) == (f"{tmp_path / 'steps.yaml'}: YAML configs are not supported "
                                 "(no YAML parser installed); write it as JSON")


def test_a_navigate_step_must_pass_the_url_policy():
    with pytest.raises(ValueError, match="metadata"):
        parse_config(one({"action": "navigate", "url": "http://169.254.169.254/latest/"}))
    with pytest.raises(ValueError, match="not in the allowed hosts|not allowed"):
        parse_config(one({"action": "navigate", "url": "https://evil.example.com/"}), allowed_hosts=["example.org"])


def test_steps_apply_to_matching_urls_in_config_order():
    config = parse_config({"pages": [
        {"url": "*", "steps": [{"action": "click", "selector": "#accept-cookies", "optional": True}]},
        {"url": "https://example.org/shop/*", "steps": [{"action": "audit", "name": "shop"}]},
        {"url": "https://example.org/login", "steps": [{"action": "press", "key": "Enter"}]},
    ]})
    assert [s.action for s in config.steps_for("https://example.org/shop/books")] == ["click", "audit"]
    assert [s.action for s in config.steps_for("https://example.org/login")] == ["click", "press"]
    assert [s.action for s in config.steps_for("https://example.org/login?next=1")] == ["click"]
    assert config.states == StateSettings(enabled=True, max_controls=20, max_seconds=20.0)
    assert config.pages[0].steps[0].written == '{"action": "click", "selector": "#accept-cookies", "optional": true}'
    assert config.pages[0].steps[0].timeout == steps.STEP_TIMEOUT


def test_public_config_masks_typed_values():
    config = parse_config({"pages": [{"url": "https://example.org/login", "steps": [
        {"action": "set", "selector": "#password", "value": "hunter2"}, {"action": "audit"}]}],
        "states": {"enabled": False}})
    assert config.public() == {"pages": [{"url": "https://example.org/login", "steps": [
        {"action": "set", "selector": "#password", "value": "***"}, {"action": "audit"}]}],
        "states": {"enabled": False, "max_controls": 20, "max_seconds": 20.0}}
    assert "hunter2" not in json.dumps(config.public())


def test_the_cli_refuses_a_bad_config_before_any_browser_starts(tmp_path, capsys):
    path = tmp_path / "steps.json"
    path.write_text(json.dumps(one({"action": "hover", "selector": "#menu"})))
    err = io.StringIO()
    code = main(["audit", "http://127.0.0.1:9/", "--config", str(path)], stdout=io.StringIO(), stderr=err)
    assert code == 2
    assert err.getvalue() == (f"a11y: error: {path}: pages[0].steps[0]: unknown action 'hover'; "
                              "allowed: navigate, click, set, press, wait, audit\n")


# --- in the browser ------------------------------------------------------------------------------

def rules(page, state="any"):
    return sorted((f.rule, len(f.nodes)) for f in page.violations if state == "any" or f.state == state)


@pytest.mark.browser
def test_a_login_by_steps_reaches_the_members_page_and_its_defect(driver, site_url):
    members = f"{site_url}/states/members.html"
    driver.get(f"{site_url}/states/login.html")
    driver.execute_script("sessionStorage.clear();")
    signed_out = audit_urls([members], driver=driver)[0]  # without steps it lands on the sign-in page
    assert (signed_out.status, rules(signed_out)) == ("ok", [])

    login = f"{site_url}/states/login.html"
    config = parse_config({"pages": [{"url": login, "steps": [
        {"action": "set", "selector": "#user", "value": "ada"},
        {"action": "set", "selector": "#password", "value": "lovelace"},
        {"action": "click", "selector": "button[type=submit]"},
        {"action": "wait", "url": "*/states/members.html"},
        {"action": "audit", "name": "members area"},
    ]}]})
    page = audit_urls([login], driver=driver, config=config)[0]
    assert page.status == "ok"
    assert [(f.rule, len(f.nodes), f.state) for f in page.violations] == [
        ("image-alt", 1, f"audit step 5 'members area' at {members}")]
    assert page.to_dict()["violations"][0]["state"] == f"audit step 5 'members area' at {members}"


@pytest.mark.browser
def test_a_wrong_password_fails_the_wait_step_as_the_pages_error(driver, site_url):
    login = f"{site_url}/states/login.html"
    config = parse_config({"pages": [{"url": login, "steps": [
        {"action": "set", "selector": "#user", "value": "ada"},
        {"action": "set", "selector": "#password", "value": "babbage"},
        {"action": "press", "selector": "#password", "key": "Enter"},
        {"action": "wait", "url": "*/members.html", "timeout": 1},
    ]}]})
    page = audit_urls([login], driver=driver, config=config)[0]
    assert (page.status, page.violations) == ("error", [])
    assert page.error == (f'step 4 {{"action": "wait", "url": "*/members.html", "timeout": 1}} failed: '
                          f"the URL is {login}, not */members.html, after 1 s")


@pytest.mark.browser
def test_a_cookie_banner_is_dismissed_by_a_click_step(driver, site_url):
    url = f"{site_url}/states/cookies.html"
    before = audit_urls([url], driver=driver)[0]
    assert rules(before) == [("button-name", 1)]  # the banner's icon-only close button
    config = parse_config({"pages": [{"url": f"{site_url}/states/*", "steps": [
        {"action": "click", "selector": "#accept-cookies"}]}]})
    after = audit_urls([url], driver=driver, config=config)[0]
    assert (after.status, rules(after)) == ("ok", [])


@pytest.mark.browser
def test_what_a_click_step_sets_off_is_waited_for_before_the_audit(driver, site_url):
    url = f"{site_url}/states/reviews.html"
    config = parse_config({"pages": [{"url": "*", "steps": [{"action": "click", "selector": "#show-reviews"}]}]})
    page = audit_urls([url], driver=driver, config=config, auto_states=False)[0]
    assert (page.status, rules(page), page.settle) == ("ok", [("image-alt", 1)],
                                                       {"settled": True, "scrolls": 0, "note": None})


@pytest.mark.browser
def test_a_step_that_finds_nothing_makes_the_page_an_error_naming_step_and_reason(driver, site_url):
    url = f"{site_url}/states/cookies.html"
    config = parse_config({"pages": [{"url": "*", "steps": [
        {"action": "wait", "selector": "main h1"},
        {"action": "click", "selector": "#accept-all", "timeout": 0.5}]}]})
    page = audit_urls([url], driver=driver, config=config)[0]
    assert page.to_dict() == {"url": url, "status": "error", "violations": [], "incomplete": [],
                              "error": 'step 2 {"action": "click", "selector": "#accept-all", "timeout": 0.5} '
                                       "failed: no element matches #accept-all after 0.5 s"}
    optional = parse_config({"pages": [{"url": "*", "steps": [
        {"action": "click", "selector": "#accept-all", "timeout": 0.5, "optional": True}]}]})
    skipped = audit_urls([url], driver=driver, config=optional)[0]
    assert (skipped.status, rules(skipped)) == ("ok", [("button-name", 1)])
    bad = parse_config({"pages": [{"url": "*", "steps": [{"action": "click", "selector": "#accept["}]}]})
    assert audit_urls([url], driver=driver, config=bad)[0].error == (
        'step 1 {"action": "click", "selector": "#accept["} failed: \'#accept[\' is not a valid CSS selector')


@pytest.mark.browser
def test_the_cli_runs_a_config_file(driver, site_url, tmp_path):
    config = tmp_path / "steps.json"
    config.write_text(json.dumps({"pages": [{"url": "*", "steps": [
        {"action": "click", "selector": "#accept-cookies"}]}], "states": {"enabled": False}}))
    out = tmp_path / "report.json"
    code = main(["audit", f"{site_url}/states/cookies.html", "--config", str(config), "--output", str(out)],
                stdout=io.StringIO(), stderr=io.StringIO(), driver=driver)
    report = json.loads(out.read_text())
    assert code == 0
    assert report["pages"][0]["violations"] == [] and "states" not in report["pages"][0]


def test_an_empty_config_changes_nothing():
    assert AuditConfig().steps_for("https://example.org/") == ()
