"""The site report: a study's proposed navigation beside an audit's screen-reader issues, in one HTML file.

Study: 4 cards; three participants all make the piles {Opening hours, Contact & map}
and {Renew a loan, Fines}, named "Visit" and "Borrow", so the analysis proposes exactly
those two categories with 100 % agreement. Audit: the recorded v1 site of
tests/a11y/test_report.py, whose screen-reader components are image-alt (shared
header logo on shop/about/contact, 1 component on 3 pages), link-name (the logo's
link, also one component on 3 pages), label on shop and 2 on contact, aria-command-name
and heading-order on about, document-title and html-has-lang on contact.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from a11y import history
from a11y.engine import load_axe, run_axe, run_options
from a11y.site_report import build_site_report, is_wayfinding, load_site_report, render_site_report
from cardsort import store
from cardsort.model import Group, Sort, study_from_spec
from tests.a11y.test_report import v1_report

FINISHED = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
GENERATED = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
SPEC = {"name": "Library <script>alert(1)</script>", "kind": "open",
        "cards": ["Opening hours", "Contact & map", "Renew a loan", "Fines"]}


def sort(pid: str) -> Sort:
    return Sort(pid, (Group("Visit", ("c1", "c2")), Group("Borrow", ("c3", "c4"))))


@pytest.fixture
def stored(engine):
    study = store.create_study(engine, study_from_spec(SPEC, "lib1"))
    store.import_sorts(engine, study.id, [sort("p1"), sort("p2"), sort("p3")])
    audit_id = history.save_audit(engine, v1_report(), finished_at=FINISHED)
    return engine, study, audit_id


def test_report_data_from_the_database(stored):
    engine, study, audit_id = stored
    report = load_site_report(engine, study.id, audit_id)
    assert report.n_participants == 3
    assert sorted((c["name"], sorted(c["cards"]), c["agreement"]) for c in report.categories) == [
        ("Borrow", ["Fines", "Renew a loan"], 1.0), ("Visit", ["Contact & map", "Opening hours"], 1.0)]
    assert (report.site, report.audit_finished_at, report.pages) == (
        "http://127.0.0.1:8000", FINISHED, {"total": 5, "ok": 4, "error": 1})
    # 9 screen-reader components; way-finding ones first (link-name, aria-command-name, heading-order,
    # document-title), then the rest in severity order
    assert [(g["rule"], len(g["pages"])) for g in report.issues] == [
        ("link-name", 3), ("aria-command-name", 1), ("document-title", 1), ("heading-order", 1),
        ("image-alt", 3), ("label", 1), ("label", 1), ("label", 1), ("html-has-lang", 1)]


def test_unknown_study_or_audit(stored):
    engine, study, audit_id = stored
    with pytest.raises(LookupError):
        load_site_report(engine, "nope", audit_id)
    with pytest.raises(LookupError, match="no audit"):
        load_site_report(engine, study.id, audit_id + 1)


@pytest.mark.parametrize(("rule", "expected"), [
    ("link-name", True), ("landmark-one-main", True), ("sr-link-vague", True), ("bypass", True),
    ("image-alt", False), ("label", False), ("color-contrast", False)])
def test_wayfinding_rules(rule, expected):
    assert is_wayfinding(rule) is expected


def test_html_is_self_contained_and_escaped(stored):
    engine, study, audit_id = stored
    report = load_site_report(engine, study.id, audit_id)
    html = render_site_report(build_site_report(
        study, None, history.get_audit(engine, audit_id)["report"], site=report.site,
        audit_finished_at=FINISHED, generated_at=GENERATED))
    assert "no proposed navigation" in html  # no analysis given
    html = render_site_report(report)
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Contact &amp; map" in html and "<li>Opening hours</li>" in html
    assert '<code>&lt;img src=&quot;logo.png&quot; width=&quot;120&quot; height=&quot;40&quot;&gt;</code>' in html
    assert "From the sorts of 3 participants: 2 categories" in html
    assert "9 components fail for screen-reader users (4 of them way-finding)" in html
    assert "5 pages, 1 could not be audited" in html
    assert "src=" not in html.replace("src=&quot;", "") and "http-equiv" not in html


def test_right_to_left_study_text_is_marked():
    study = study_from_spec({**SPEC, "name": "کتابخانه", "language": "fa"}, "fa1")
    html = render_site_report(build_site_report(study, None, v1_report(), site="http://127.0.0.1:8000",
                                                audit_finished_at=FINISHED, generated_at=GENERATED))
    assert '<span lang="fa" dir="rtl">کتابخانه</span>' in html and '<html lang="en">' in html


@pytest.mark.browser
def test_the_report_itself_has_no_axe_violations(stored, driver):
    engine, study, audit_id = stored
    html = render_site_report(load_site_report(engine, study.id, audit_id))
    driver.get("data:text/html;charset=utf-8;base64," + base64.b64encode(html.encode()).decode())
    driver.set_script_timeout(60)
    result = run_axe(driver, load_axe(), run_options("wcag22aa", best_practice=True))
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]] == []
