"""One report for the team that owns a site: the navigation people expect, and what blocks screen-reader users.

A card-sort study's proposed navigation (:func:`cardsort.analysis.analyze` on its
included sorts, label decisions applied) sits beside an audit's screen-reader
issues, grouped by component, with the way-finding issues (links, headings,
landmarks, skip links, titles: what a screen-reader user navigates by) called
out first. One self-contained HTML file: inline CSS, no scripts, no external
assets; every text from the study, the audited site or axe is escaped (Jinja2 template,
autoescape on); the page itself passes axe (a browser test checks it).

:func:`build_site_report` gathers plain data; :func:`render_site_report` is a
pure function of it; :func:`load_site_report` reads both from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine

from a11y import history
from a11y.report import group_by_component, summarize
from a11y.reporters._common import render_template
from cardsort.analysis import Analysis, analyze
from cardsort.model import Study

WAYFINDING_RULES = frozenset({
    "bypass", "document-title", "empty-heading", "frame-title", "heading-order", "link-name",
    "page-has-heading-one", "region", "skip-link", "identical-links-same-purpose", "link-in-text-block",
    "list", "listitem", "aria-command-name", "nested-interactive",
})
"""axe rules about how screen-reader users find their way (links, headings, landmarks, titles)."""
WAYFINDING_PREFIXES = ("landmark-", "sr-link-", "sr-heading")
"""Rule-id prefixes that are way-finding too (axe's landmark rules, our link and heading checks)."""
MAX_ISSUES = 200
"""Most components listed; the rest are counted."""


def is_wayfinding(rule: str) -> bool:
    """Whether a rule is about finding one's way: navigating by links, headings and landmarks."""
    return rule in WAYFINDING_RULES or rule.startswith(WAYFINDING_PREFIXES)


@dataclass(frozen=True)
class SiteReport:
    """What the site report shows.

    ``categories`` are ``{"name", "cards", "agreement"}`` dicts (empty without sorts);
    ``issues`` are :func:`a11y.report.group_by_component` groups of screen-reader
    violations, way-finding ones first, plus ``"wayfinding": bool``.
    """

    study_name: str
    study_language: str
    n_participants: int
    categories: list[dict[str, Any]]
    site: str
    audit_finished_at: datetime
    standard: str
    axe_version: str
    pages: dict[str, int]
    issues: list[dict[str, Any]]
    generated_at: datetime


def build_site_report(study: Study, analysis: Analysis | None, audit_report: dict[str, Any], *,
                      site: str, audit_finished_at: datetime, generated_at: datetime | None = None) -> SiteReport:
    """Gather the report's data from a study's analysis and an audit report.

    Parameters
    ----------
    study : Study
    analysis : Analysis or None
        :func:`cardsort.analysis.analyze` of the study's included sorts; ``None``
        when there is nothing to analyse yet.
    audit_report : dict
        A report from :func:`a11y.report.make_report`.
    site : str
        The audited site, e.g. ``"https://www.example.org"``.
    audit_finished_at : datetime
        When the audit finished (UTC).
    generated_at : datetime or None, default=None
        Time stamp of the report; ``None`` means now.
    """
    categories = [] if analysis is None else [
        {"name": c.name, "cards": list(c.cards), "agreement": float(c.agreement)} for c in analysis.categories]
    groups = [dict(g, wayfinding=is_wayfinding(g["rule"]))
              for g in group_by_component(audit_report) if g["screen_reader"]]
    groups.sort(key=lambda g: not g["wayfinding"])  # stable: keeps the severity order within each part
    summary = audit_report.get("summary") or summarize(audit_report["pages"])
    return SiteReport(
        study_name=study.name, study_language=study.language or "en",
        n_participants=analysis.n_participants if analysis else 0, categories=categories,
        site=site, audit_finished_at=audit_finished_at, standard=audit_report["standard"],
        axe_version=audit_report["axe_version"], pages=dict(summary["pages"]), issues=groups,
        generated_at=(generated_at or datetime.now(UTC)).replace(microsecond=0),
    )


def render_site_report(report: SiteReport) -> str:
    """The site report as one self-contained HTML document (see the module docstring).

    Template ``a11y/templates/site_report.html.j2``, on the shared base layout of ``cardsort/templates``.
    """
    shown = report.issues[:MAX_ISSUES]
    return render_template("site_report.html.j2", {
        "lang": "en", "title": f"Site report: {report.study_name} and {report.site}", "r": report,
        "wayfinding": [g for g in shown if g["wayfinding"]], "other": [g for g in shown if not g["wayfinding"]],
        "MAX_ISSUES": MAX_ISSUES})


def load_site_report(engine: Engine, study_id: str, audit_id: int, *, method: str = "average",
                     k: int | None = None) -> SiteReport:
    """:func:`build_site_report` for a stored study (included sorts, label decisions) and a stored audit.

    Raises
    ------
    LookupError
        When the study or the audit does not exist.
    """
    from cardsort import store
    from cardsort.loading import load_table

    study = store.get_study(engine, study_id)
    table = load_table(engine, study_id, study)
    analysis = analyze(table, method=method, k=k) if table is not None else None
    audit = history.get_audit(engine, audit_id)
    return build_site_report(study, analysis, audit["report"], site=audit["site"],
                             audit_finished_at=audit["finished_at"])
