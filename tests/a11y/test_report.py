"""Report building, summary, exit codes, component grouping, baseline and loading.

Built from axe results recorded on the planted-defect pages of tests/data/axe/site
(see tests/data/axe/record.py). What the recordings hold, by page (screen-reader
issues marked SR; every violation has one failing element unless noted):

- v1/shop:    image-alt critical SR, label critical SR, link-name serious SR,
              color-contrast serious (not SR); needs review: color-contrast.
- v1/about:   image-alt critical SR, aria-command-name serious SR, link-name serious SR,
              heading-order moderate SR.
- v1/contact: image-alt critical SR, label critical SR (2 elements), document-title
              serious SR, html-has-lang serious SR, link-name serious SR.
- v1/clean:   nothing.
- v2/shop:    button-name critical SR (new), label critical SR (unchanged);
              needs review: color-contrast. image-alt, link-name, color-contrast fixed.

The header logo (image-alt, and link-name on its link) is one component shared by
shop, about and contact; its link has a different generated class on every page.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from a11y.findings import Finding, Node, PageResult, findings_from_axe, fingerprint
from a11y.report import (
    FAIL_ON,
    apply_baseline,
    exit_code,
    group_by_component,
    load_report,
    make_report,
)

AXE_DATA = Path(__file__).resolve().parent.parent / "data" / "axe"
SITE = "http://127.0.0.1:8000/"
SHOP, ABOUT, CONTACT, CLEAN, GONE = (SITE + p for p in
                                     ("shop.html", "about.html", "contact.html", "clean.html", "gone.html"))


def recorded_page(version: str, name: str) -> PageResult:
    """A page result from a recorded raw axe result (tests/data/axe/<version>/<name>.json)."""
    raw = json.loads((AXE_DATA / version / f"{name}.json").read_text(encoding="utf-8"))
    violations, incomplete = findings_from_axe(raw)
    return PageResult(url=raw["url"], violations=violations, incomplete=incomplete)


def error_page(url: str = GONE, error: str = "HTTP 404 Not Found") -> PageResult:
    return PageResult(url=url, status="error", error=error)


def v1_pages(with_error: bool = True) -> list[PageResult]:
    pages = [recorded_page("v1", n) for n in ("shop", "about", "contact", "clean")]
    return pages + ([error_page()] if with_error else [])


def v1_report(with_error: bool = True) -> dict:
    """shop, about, contact, clean (v1) and, unless told otherwise, one page that failed to load."""
    return make_report(v1_pages(with_error), axe_version="4.10.2", standard="wcag22aa")


def v2_report() -> dict:
    """The release after v1: shop changed, about/contact/clean the same, no error page."""
    pages = [recorded_page("v2", "shop")] + v1_pages(with_error=False)[1:]
    return make_report(pages, axe_version="4.10.2", standard="wcag22aa")


def make_finding(rule: str, impact: str | None, *nodes: tuple[str, str], screen_reader: bool = True,
                 source: str = "axe", help: str = "Help text") -> Finding:
    """A finding built in code; nodes are (selector, html) pairs."""
    return Finding(rule=rule, impact=impact, tags=[], help=help, help_url=f"https://help.example/{rule}",
                   screen_reader=screen_reader, source=source,
                   nodes=[Node(target=[sel], html=html, fingerprint=fingerprint(rule, [sel], html))
                          for sel, html in nodes])


def rules(page: dict, kind: str = "violations") -> list[str]:
    return [f["rule"] for f in page[kind]]


# --- make_report ---------------------------------------------------------------------------------

def test_report_has_the_design_contract_keys_and_keeps_page_order():
    report = v1_report()
    assert list(report) == ["axe_version", "standard", "pages", "summary"]
    assert (report["axe_version"], report["standard"]) == ("4.10.2", "wcag22aa")
    assert [p["url"] for p in report["pages"]] == [SHOP, ABOUT, CONTACT, CLEAN, GONE]
    assert list(report["pages"][0]) == ["url", "status", "error", "violations", "incomplete"]
    assert list(report["pages"][0]["violations"][0]) == [
        "rule", "impact", "tags", "help", "help_url", "screen_reader", "source", "nodes"]
    assert list(report["pages"][0]["violations"][0]["nodes"][0]) == ["target", "html", "summary", "fingerprint"]
    assert report["pages"][4] == {"url": GONE, "status": "error", "error": "HTTP 404 Not Found",
                                  "violations": [], "incomplete": []}


def test_violations_are_ordered_screen_reader_first_then_impact_then_rule():
    pages = v1_report()["pages"]
    # axe lists them alphabetically; colour contrast is not a screen-reader issue, so it goes last.
    assert rules(pages[0]) == ["image-alt", "label", "link-name", "color-contrast"]
    assert rules(pages[1]) == ["image-alt", "aria-command-name", "link-name", "heading-order"]
    assert rules(pages[2]) == ["image-alt", "label", "document-title", "html-has-lang", "link-name"]
    assert rules(pages[3]) == []
    assert rules(pages[0], "incomplete") == ["color-contrast"]


def test_report_is_plain_json():
    report = v1_report()
    assert json.loads(json.dumps(report)) == report


# --- summary -------------------------------------------------------------------------------------

def test_summary_of_the_recorded_site():
    assert v1_report()["summary"] == {
        "pages": {"total": 5, "ok": 4, "error": 1},
        "violations": 13, "nodes": 14,
        "by_impact": {"critical": {"violations": 5, "nodes": 6},
                      "serious": {"violations": 7, "nodes": 7},
                      "moderate": {"violations": 1, "nodes": 1},
                      "minor": {"violations": 0, "nodes": 0}},
        "screen_reader": {"violations": 12, "nodes": 13},
        "other": {"violations": 1, "nodes": 1},
        "by_source": {"axe": {"violations": 13, "nodes": 14}, "custom": {"violations": 0, "nodes": 0},
                      "viewport": {"violations": 0, "nodes": 0}, "keyboard": {"violations": 0, "nodes": 0}},
        "needs_review": {"violations": 1, "nodes": 1},
        "components": 10,
        "top_rules": [
            {"rule": "image-alt", "impact": "critical", "screen_reader": True, "pages": 3, "nodes": 3},
            {"rule": "link-name", "impact": "serious", "screen_reader": True, "pages": 3, "nodes": 3},
            {"rule": "label", "impact": "critical", "screen_reader": True, "pages": 2, "nodes": 3},
            {"rule": "aria-command-name", "impact": "serious", "screen_reader": True, "pages": 1, "nodes": 1},
            {"rule": "color-contrast", "impact": "serious", "screen_reader": False, "pages": 1, "nodes": 1},
            {"rule": "document-title", "impact": "serious", "screen_reader": True, "pages": 1, "nodes": 1},
            {"rule": "heading-order", "impact": "moderate", "screen_reader": True, "pages": 1, "nodes": 1},
            {"rule": "html-has-lang", "impact": "serious", "screen_reader": True, "pages": 1, "nodes": 1},
        ],
    }


def test_summary_counts_custom_checks_and_findings_without_impact():
    page = PageResult(url=SHOP, violations=[
        make_finding("link-text-vague", "serious", ("a.more", "<a class=more>Read more</a>"),
                     ("a.go", "<a class=go>Click here</a>"), source="custom"),
        make_finding("alt-is-filename", None, ("img", "<img alt=IMG_0042.jpg>"), source="custom"),
        make_finding("region", "moderate", ("p", "<p>x</p>"), screen_reader=False),
        make_finding("vp-reflow", "serious", ("div.strip", "<div class=strip>"), screen_reader=False,
                     source="viewport"),
    ])
    summary = make_report([page], axe_version="4.10.2", standard="wcag2aa")["summary"]
    assert summary["by_source"] == {"axe": {"violations": 1, "nodes": 1},
                                    "custom": {"violations": 2, "nodes": 3},
                                    "viewport": {"violations": 1, "nodes": 1},
                                    "keyboard": {"violations": 0, "nodes": 0}}
    assert (summary["violations"], summary["nodes"]) == (4, 5)
    # no impact: in the totals, in no impact bucket
    assert sum(b["nodes"] for b in summary["by_impact"].values()) == 4
    assert summary["screen_reader"] == {"violations": 2, "nodes": 3}
    assert summary["other"] == {"violations": 2, "nodes": 2}
    assert summary["top_rules"][0]["rule"] == "link-text-vague"
    assert summary["top_rules"][1] == {"rule": "alt-is-filename", "impact": None, "screen_reader": True,
                                       "pages": 1, "nodes": 1}


def test_top_rules_keep_ten_most_failing():
    findings = [make_finding(f"rule-{i:02d}", "minor", *[(f"#e{k}", f"<b id=e{k}>")
                                                         for k in range(i + 1)]) for i in range(12)]
    summary = make_report([PageResult(url=SHOP, violations=findings)],
                          axe_version="4.10.2", standard="wcag22aa")["summary"]
    assert [r["rule"] for r in summary["top_rules"]] == [f"rule-{i:02d}" for i in range(11, 1, -1)]


# --- exit codes ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fail_on, expected", [
    ("none", 0), ("minor", 1), ("moderate", 1), ("serious", 1), ("critical", 1),
])
def test_exit_code_of_the_recorded_site(fail_on, expected):
    assert exit_code(v1_report(with_error=False), fail_on) == expected


@pytest.mark.parametrize("fail_on, expected", [
    ("none", 0), ("minor", 1), ("moderate", 1), ("serious", 0), ("critical", 0),
])
def test_exit_code_threshold_on_a_moderate_only_page(fail_on, expected):
    about = recorded_page("v1", "about")
    about.violations = [f for f in about.violations if f.rule == "heading-order"]
    report = make_report([about, recorded_page("v1", "clean")], axe_version="4.10.2", standard="wcag22aa")
    assert exit_code(report, fail_on) == expected


@pytest.mark.parametrize("fail_on", FAIL_ON)
def test_exit_code_is_2_when_a_page_could_not_be_audited(fail_on):
    assert exit_code(v1_report(with_error=True), fail_on) == 2
    clean_and_gone = make_report([recorded_page("v1", "clean"), error_page()],
                                 axe_version="4.10.2", standard="wcag22aa")
    assert exit_code(clean_and_gone, fail_on) == 2


def test_needs_review_never_fails_a_run():
    shop = recorded_page("v2", "shop")
    shop.violations = []
    report = make_report([shop], axe_version="4.10.2", standard="wcag22aa")
    assert report["summary"]["needs_review"]["nodes"] == 1
    assert exit_code(report, "minor") == 0


@pytest.mark.parametrize("bad", ["high", "", "Serious", "warning"])
def test_exit_code_rejects_unknown_thresholds(bad):
    with pytest.raises(ValueError, match="none, minor, moderate, serious, critical"):
        exit_code(v1_report(with_error=False), bad)


def test_exit_code_new_only_fails_on_regressions_only():
    compared = apply_baseline(v2_report(), v1_report())
    assert exit_code(compared, "critical", new_only=True) == 1      # the new button-name
    assert exit_code(compared, "moderate", new_only=False) == 1
    same = apply_baseline(v2_report(), v2_report())
    assert exit_code(same, "minor", new_only=True) == 0
    assert exit_code(same, "minor") == 1
    with pytest.raises(ValueError, match="baseline"):
        exit_code(v2_report(), "serious", new_only=True)


# --- components ----------------------------------------------------------------------------------

def test_components_group_the_shared_header_across_pages():
    groups = group_by_component(v1_report())
    assert [(g["rule"], len(g["pages"])) for g in groups] == [
        ("image-alt", 3), ("label", 1), ("label", 1), ("label", 1),
        ("link-name", 3), ("aria-command-name", 1), ("document-title", 1), ("html-has-lang", 1),
        ("heading-order", 1), ("color-contrast", 1)]
    logo, link = groups[0], groups[4]
    assert logo["pages"] == [SHOP, ABOUT, CONTACT]
    assert logo["nodes"] == 3 and logo["html"] == '<img src="logo.png" width="120" height="40">'
    # each page generated another class for the link; it is still one component
    assert link["pages"] == [SHOP, ABOUT, CONTACT]
    assert link["target"] == [".sc-bdVaJa"]  # as first seen, on the shop page
    assert [g["pages"] for g in groups[1:4]] == [[SHOP], [CONTACT], [CONTACT]]
    assert groups[-1]["screen_reader"] is False
    assert list(logo) == ["rule", "impact", "screen_reader", "source", "help", "help_url",
                          "fingerprint", "html", "target", "summary", "pages", "nodes"]
    assert logo["summary"].startswith("Fix any of the following:\n  Element does not have an alt attribute")


def test_components_count_repeats_on_one_page_and_keep_the_most_severe_impact():
    same = ("button.icon", "<button class=icon></button>")
    a = PageResult(url=SHOP, violations=[make_finding("button-name", "serious", same, same)])
    b = PageResult(url=ABOUT, violations=[make_finding("button-name", "critical", same)])
    (group,) = group_by_component(make_report([a, b], axe_version="4.10.2", standard="wcag22aa"))
    assert (group["pages"], group["nodes"], group["impact"]) == ([SHOP, ABOUT], 3, "critical")


def test_components_of_needs_review_and_bad_kind():
    groups = group_by_component(v1_report(), kind="incomplete")
    assert [(g["rule"], g["pages"]) for g in groups] == [("color-contrast", [SHOP])]
    with pytest.raises(ValueError, match="'violations' or 'incomplete'"):
        group_by_component(v1_report(), kind="passes")


# --- baseline ------------------------------------------------------------------------------------

def test_baseline_marks_new_unchanged_and_lists_fixed():
    before, after = v1_report(), v2_report()
    pristine = copy.deepcopy(after)
    compared = apply_baseline(after, before)
    assert after == pristine  # input untouched
    assert {k: compared["baseline"][k] for k in ("new", "unchanged", "fixed")} == \
        {"new": 1, "unchanged": 11, "fixed": 3}
    shop = compared["pages"][0]
    assert [(f["rule"], [n["baseline"] for n in f["nodes"]]) for f in shop["violations"]] == [
        ("button-name", ["new"]), ("label", ["unchanged"])]
    assert all(n["baseline"] == "unchanged" for p in compared["pages"][1:]
               for f in p["violations"] for n in f["nodes"])
    assert all("baseline" not in n for p in compared["pages"] for f in p["incomplete"] for n in f["nodes"])
    fixed = compared["baseline"]["fixed_items"]
    assert [(i["url"], i["rule"]) for i in fixed] == [
        (SHOP, "image-alt"), (SHOP, "link-name"), (SHOP, "color-contrast")]
    assert fixed[0] == {
        "url": SHOP, "rule": "image-alt", "impact": "critical", "screen_reader": True, "source": "axe",
        "help": "Images must have alternative text",
        "help_url": "https://dequeuniversity.com/rules/axe/4.10/image-alt?application=axeAPI",
        "fingerprint": before["pages"][0]["violations"][0]["nodes"][0]["fingerprint"],
        "target": ["img"], "html": '<img src="logo.png" width="120" height="40">'}
    # keys are only added
    assert list(compared)[:4] == ["axe_version", "standard", "pages", "summary"]


def test_baseline_pages_not_audited_now_fix_nothing():
    before = v1_report()
    only_shop = make_report([recorded_page("v2", "shop")], axe_version="4.10.2", standard="wcag22aa")
    counts = apply_baseline(only_shop, before)["baseline"]
    assert (counts["new"], counts["unchanged"], counts["fixed"]) == (1, 1, 3)
    about_down = make_report([recorded_page("v1", "shop"), error_page(ABOUT, "timeout")],
                             axe_version="4.10.2", standard="wcag22aa")
    counts = apply_baseline(about_down, before)["baseline"]
    assert (counts["new"], counts["unchanged"], counts["fixed"]) == (0, 4, 0)


def test_baseline_matches_per_page_url_and_counts_repeats():
    same = ("button.icon", "<button class=icon></button>")
    before = make_report([PageResult(url=SHOP, violations=[make_finding("button-name", "critical", same, same)])],
                         axe_version="4.10.2", standard="wcag22aa")
    # one of the two identical buttons is gone; the same button appears on another page
    after = make_report([PageResult(url=SHOP, violations=[make_finding("button-name", "critical", same)]),
                         PageResult(url=ABOUT, violations=[make_finding("button-name", "critical", same)])],
                        axe_version="4.10.2", standard="wcag22aa")
    compared = apply_baseline(after, before)
    assert [n["baseline"] for p in compared["pages"] for f in p["violations"] for n in f["nodes"]] == \
        ["unchanged", "new"]
    assert (compared["baseline"]["fixed"], [i["url"] for i in compared["baseline"]["fixed_items"]]) == (1, [SHOP])


def test_baseline_survives_a_json_round_trip(tmp_path):
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(v1_report()), encoding="utf-8")
    counts = apply_baseline(v2_report(), load_report(path))["baseline"]
    assert (counts["new"], counts["unchanged"], counts["fixed"]) == (1, 11, 3)


# --- load_report ---------------------------------------------------------------------------------

def test_load_report_reads_what_make_report_wrote(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps(v1_report()), encoding="utf-8")
    assert load_report(path) == v1_report()


def _broken(path: str, value):
    report = v1_report()
    *parents, last = path.split(".")
    target = report
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return report


@pytest.mark.parametrize("change, message", [
    (lambda: [], "the top level must be a JSON object"),
    (lambda: _broken("axe_version", KeyError), "axe_version must be a string"),
    (lambda: _broken("pages", {}), "pages must be a list"),
    (lambda: _broken("pages.1.status", "fine"), r"pages\[1\].status must be one of ok, error"),
    (lambda: _broken("pages.0.violations.2.impact", "high"),
     r"pages\[0\].violations\[2\].impact must be null or one of minor, moderate, serious, critical"),
    (lambda: _broken("pages.2.incomplete", None), r"pages\[2\].incomplete must be a list"),
    (lambda: _broken("pages.2.violations.1.nodes.1.fingerprint", KeyError),
     r"pages\[2\].violations\[1\].nodes\[1\].fingerprint must be a string"),
])
def test_load_report_names_what_is_wrong(tmp_path, change, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(change()), encoding="utf-8")
    with pytest.raises(ValueError, match=f"{path.name} is not an a11y audit report: {message}"):
        load_report(path)


def test_load_report_rejects_missing_and_non_json_files(tmp_path):
    with pytest.raises(ValueError, match="cannot read report"):
        load_report(tmp_path / "nope.json")
    path = tmp_path / "junk.json"
    path.write_text("<html>not json</html>", encoding="utf-8")
    with pytest.raises(ValueError, match="junk.json is not JSON"):
        load_report(path)
