"""HTML reporter: one self-contained, accessible page for people.

No external assets and no JavaScript: inline CSS only, so the file can be mailed,
attached to a CI run or opened offline. The page itself passes axe (``lang``,
``title``, landmarks, headings in order, contrast of at least 4.5:1, tables with
captions and header cells), which a browser test checks. Every piece of text that
comes from the audited site or from axe (snippets, selectors, URLs, help texts,
error messages) is escaped by the template (``a11y/templates/audit_report.html.j2``, autoescape on);
only http(s) URLs become links.
"""

from __future__ import annotations

from typing import Any

from a11y.report import group_by_component, impact_rank, summarize
from a11y.reporters._common import plural, render_template


def _rules(groups: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Component groups gathered per rule; rules most severe first, then by id."""
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for group in groups:
        by_rule.setdefault(group["rule"], []).append(group)
    return sorted(by_rule.values(),
                  key=lambda gs: (-max(impact_rank(g["impact"]) for g in gs), gs[0]["rule"]))


def _rule(groups: list[dict[str, Any]], anchor: str) -> dict[str, Any]:
    """What the template shows of one rule: its groups and their totals."""
    first = groups[0]
    return {"anchor": anchor, "rule": first["rule"], "help": first["help"], "help_url": first["help_url"],
            "source": first["source"], "groups": groups,
            "impact": max((g["impact"] for g in groups), key=impact_rank),
            "pages": len({url for g in groups for url in g["pages"]}), "nodes": sum(g["nodes"] for g in groups),
            "has_baseline": any("baseline" in g for g in groups)}


def _section(section_id: str, title: str, intro: str, empty: str, groups: list[dict[str, Any]],
             review: bool = False) -> dict[str, Any]:
    return {"id": section_id, "title": title, "intro": intro, "empty": empty, "review": review,
            "nodes": sum(g["nodes"] for g in groups),
            "rules": [_rule(gs, f"{section_id}-{i + 1}") for i, gs in enumerate(_rules(groups))]}


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML document (template ``a11y/templates/audit_report.html.j2``).

    Sections, in order: summary; comparison with the baseline (when
    :func:`a11y.report.apply_baseline` ran); screen-reader issues; other issues;
    needs review; pages (with the errors of pages that could not be audited).
    Findings are grouped by rule (most severe first), and within a rule by
    component (:func:`a11y.report.group_by_component`), so an element shared by
    many pages is one row listing those pages. Each rule links to its help page.
    """
    if "by_impact" not in report.get("summary", {}):  # a report from elsewhere, without our summary
        report = {**report, "summary": summarize(report["pages"])}
    s = report["summary"]
    groups = group_by_component(report)
    facts = [
        ("Pages audited", f"{s['pages']['ok']} of {s['pages']['total']}"),
        ("Pages that could not be audited", str(s["pages"]["error"])),
        ("Screen-reader issues", f"{plural(s['screen_reader']['violations'], 'violation')}, "
                                 f"{plural(s['screen_reader']['nodes'], 'element')}"),
        ("Other issues", f"{plural(s['other']['violations'], 'violation')}, "
                         f"{plural(s['other']['nodes'], 'element')}"),
        ("Distinct failing components", str(s["components"])),
        ("Needs review", plural(s["needs_review"]["nodes"], "element")),
    ]
    sections = [
        _section("screen-reader", "Screen-reader issues",
                 "What changes what a screen-reader user hears or can reach. Fix these first.",
                 "No screen-reader issues found.", [g for g in groups if g["screen_reader"]]),
        _section("other", "Other issues", "Contrast, sizing and other issues for sighted users.",
                 "No other issues found.", [g for g in groups if not g["screen_reader"]]),
        _section("review", "Needs review",
                 "axe could not decide these; a person should check them. They never fail a run.",
                 "Nothing needs review.", group_by_component(report, kind="incomplete"), review=True),
    ]
    pages = [{"url": page["url"], "error": (page.get("error") or "") if page["status"] == "error" else None,
              "violations": len(page["violations"]), "nodes": sum(len(f["nodes"]) for f in page["violations"]),
              "review": sum(len(f["nodes"]) for f in page["incomplete"]),
              # waiting for the page was cut short (a11y.settle)
              "note": (page.get("settle") or {}).get("note")} for page in report["pages"]]
    nav = [("summary", "Summary")] + ([("baseline", "Baseline")] if "baseline" in report else []) + [
        ("screen-reader", "Screen-reader issues"), ("other", "Other issues"),
        ("review", "Needs review"), ("pages", "Pages")]
    return render_template("audit_report.html.j2", {
        "lang": "en", "title": f"Accessibility report: {plural(s['violations'], 'violation')} on "
                               f"{plural(s['pages']['total'], 'page')}",
        "report": report, "s": s, "facts": facts, "baseline": report.get("baseline"), "sections": sections,
        "pages": pages, "nav": nav})
