"""One report for the team that owns a site: the navigation people expect, and what blocks screen-reader users.

A card-sort study's proposed navigation (:func:`cardsort.analysis.analyze` on its
included sorts, label decisions applied) sits beside an audit's screen-reader
issues, grouped by component, with the way-finding issues (links, headings,
landmarks, skip links, titles: what a screen-reader user navigates by) called
out first. One self-contained HTML file: inline CSS, no scripts, no external
assets; every text from the study, the audited site or axe is escaped; the page
itself passes axe (a browser test checks it).

:func:`build_site_report` gathers plain data; :func:`render_site_report` is a
pure function of it; :func:`load_site_report` reads both from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from sqlalchemy.engine import Engine

from a11y import history
from a11y.report import group_by_component, summarize
from a11y.reporters._common import format_target, is_web_url, plural
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
RTL_LANGUAGES = ("ar", "fa", "he", "ur", "ps", "ckb", "yi")


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


CSS = """
:root { color: #1f2330; background: #ffffff; font: 16px/1.5 system-ui, sans-serif; }
body { max-width: 80rem; margin: 0 auto; padding: 1rem 1.5rem 2rem; }
h1 { margin-bottom: 0.25rem; }
h2 { border-bottom: 2px solid #d0d4dc; margin-top: 0; }
a { color: #0b57d0; }
.muted { color: #4a4f5c; }
.columns { display: grid; grid-template-columns: minmax(16rem, 1fr) minmax(24rem, 2fr); gap: 2rem;
           align-items: start; margin-top: 1.5rem; }
@media (max-width: 60rem) { .columns { grid-template-columns: 1fr; } }
ol.nav { padding-inline-start: 1.5rem; }
ol.nav > li { margin-bottom: 0.75rem; }
ol.nav ul { margin: 0.25rem 0 0; padding-inline-start: 1.1rem; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }
caption { text-align: start; font-weight: 600; padding-bottom: 0.35rem; }
th, td { border: 1px solid #c4c8d0; padding: 0.35rem 0.5rem; text-align: start; vertical-align: top; }
thead th { background: #eef0f4; }
.num { text-align: end; font-variant-numeric: tabular-nums; }
code { font: 0.85rem/1.4 ui-monospace, monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 0 0.4rem; border-radius: 0.25rem; color: #ffffff; font-weight: 600;
         font-size: 0.85rem; }
.impact-critical { background: #a50e0e; } .impact-serious { background: #b3401b; }
.impact-moderate { background: #6b5300; } .impact-minor { background: #3c4a5c; }
.impact-none { background: #4a4a4a; }
"""


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _link(url: str, text: str) -> str:
    return f'<a href="{_e(url)}">{_e(text)}</a>' if is_web_url(url) else _e(text)


def _lang_attrs(lang: str) -> str:
    direction = ' dir="rtl"' if lang.split("-")[0].lower() in RTL_LANGUAGES else ""
    return f' lang="{_e(lang)}"{direction}'


def _navigation(report: SiteReport) -> str:
    if not report.categories:
        return ("<p>No sorts are analysed yet, so there is no proposed navigation. "
                "Share the study's participant link first.</p>")
    items = []
    for c in report.categories:
        cards = "".join(f"<li>{_e(card)}</li>" for card in c["cards"])
        items.append(f'<li><strong{_lang_attrs(report.study_language)}>{_e(c["name"])}</strong> '
                     f'<span class="muted">({c["agreement"]:.0%} agreement)</span>'
                     f'<ul{_lang_attrs(report.study_language)}>{cards}</ul></li>')
    return (f"<p>From the sorts of {plural(report.n_participants, 'participant')}: "
            f"{plural(len(report.categories), 'category', 'categories')}, in order of the tree.</p>"
            f'<ol class="nav">{"".join(items)}</ol>')


def _issue_rows(groups: list[dict[str, Any]]) -> str:
    rows = []
    for g in groups:
        impact = g["impact"] or "none"
        pages = "".join(f"<li>{_link(url, url)}</li>" for url in g["pages"][:5])
        more = f'<li class="muted">and {len(g["pages"]) - 5} more</li>' if len(g["pages"]) > 5 else ""
        rows.append(
            f'<tr><td>{_link(g["help_url"], g["rule"])}<br><span class="muted">{_e(g["help"])}</span></td>'
            f'<td><span class="badge impact-{_e(impact)}">{_e(impact)}</span></td>'
            f'<td><code>{_e(g["html"])}</code><br><span class="muted">{_e(format_target(g["target"]))}</span></td>'
            f'<td class="num">{len(g["pages"])}<ul>{pages}{more}</ul></td></tr>')
    return "".join(rows)


def _issues_table(caption: str, groups: list[dict[str, Any]]) -> str:
    return (f'<table><caption>{_e(caption)}</caption><thead><tr><th scope="col">Rule and what to fix</th>'
            f'<th scope="col">Impact</th><th scope="col">Element</th><th scope="col" class="num">Pages</th>'
            f"</tr></thead><tbody>{_issue_rows(groups)}</tbody></table>")


def _issues(report: SiteReport) -> str:
    if not report.issues:
        return "<p>The audit found no screen-reader issues.</p>"
    shown = report.issues[:MAX_ISSUES]
    wayfinding = [g for g in shown if g["wayfinding"]]
    other = [g for g in shown if not g["wayfinding"]]
    out = [f"<p>{plural(len(report.issues), 'component')} fail for screen-reader users "
           f"({sum(g['wayfinding'] for g in report.issues)} of them way-finding). "
           "The same element failing on many pages is listed once.</p>"]
    if wayfinding:
        out.append(_issues_table("Way-finding: links, headings, landmarks and titles people navigate by",
                                 wayfinding))
    if other:
        out.append(_issues_table("Other screen-reader issues", other))
    if len(report.issues) > MAX_ISSUES:
        out.append(f'<p class="muted">{len(report.issues) - MAX_ISSUES} more components are in the '
                   "full audit report.</p>")
    return "".join(out)


def render_site_report(report: SiteReport) -> str:
    """The site report as one self-contained HTML document (see the module docstring)."""
    pages = report.pages
    title = f"Site report: {report.study_name} and {report.site}"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>Site report: <span{_lang_attrs(report.study_language)}>{_e(report.study_name)}</span> and {_e(report.site)}</h1>
<p class="muted">Navigation from the card sort · screen-reader issues from the audit of \
{report.audit_finished_at:%Y-%m-%d %H:%M} UTC ({plural(pages.get('total', 0), 'page')}, \
{pages.get('error', 0)} could not be audited; axe-core {_e(report.axe_version)}, {_e(report.standard)}) · \
generated {report.generated_at:%Y-%m-%d %H:%M} UTC</p>
</header>
<main class="columns">
<section aria-labelledby="nav-title">
<h2 id="nav-title">Proposed navigation</h2>
{_navigation(report)}
</section>
<section aria-labelledby="issues-title">
<h2 id="issues-title">Screen-reader issues</h2>
{_issues(report)}
</section>
</main>
<footer><p class="muted">Automated checks find part of the barriers: test the new navigation with \
screen-reader users too.</p></footer>
</body>
</html>
"""


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
