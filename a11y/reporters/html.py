"""HTML reporter: one self-contained, accessible page for people.

No external assets and no JavaScript: inline CSS only, so the file can be mailed,
attached to a CI run or opened offline. The page itself passes axe (``lang``,
``title``, landmarks, headings in order, contrast of at least 4.5:1, tables with
captions and header cells), which a browser test checks. Every piece of text that
comes from the audited site or from axe (snippets, selectors, URLs, help texts,
error messages) goes through :func:`html.escape`; only http(s) URLs become links.
"""

from __future__ import annotations

from html import escape
from typing import Any

from a11y.findings import IMPACTS
from a11y.report import group_by_component, impact_rank, summarize
from a11y.reporters._common import format_target, is_web_url, plural

CSS = """
:root { color: #1b1b1b; background: #ffffff; font: 16px/1.5 system-ui, sans-serif; }
body { margin: 0 auto; max-width: 72rem; padding: 0 1rem 2rem; }
a { color: #0b57d0; }
a:focus, a:hover { color: #062e6f; }
.skip { position: absolute; left: -999px; }
.skip:focus { position: static; }
.meta { color: #4a4a4a; margin-top: 0; }
nav ul { display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; list-style: none; padding: 0; }
nav a { display: inline-block; padding: 0.25rem 0; }
section { border-top: 2px solid #d0d0d0; margin-top: 2rem; }
article { margin: 1.5rem 0 2rem; }
h3 { margin-bottom: 0.25rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
table.wide { width: 100%; }
caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
th, td { border: 1px solid #c4c4c4; padding: 0.4rem 0.5rem; text-align: left; vertical-align: top; }
thead th { background: #f1f3f4; }
td.num, th.num { text-align: right; }
code { font: 0.875rem/1.4 ui-monospace, monospace; white-space: pre-wrap; overflow-wrap: anywhere; }
td ul { margin: 0; padding-left: 1.1rem; }
.fix { margin: 0.4rem 0 0; white-space: pre-line; font-size: 0.875rem; }
.badge { display: inline-block; padding: 0 0.45rem; border-radius: 0.25rem; color: #ffffff;
         font-size: 0.875rem; font-weight: 600; }
.impact-critical { background: #a50e0e; }
.impact-serious { background: #b3401b; }
.impact-moderate { background: #6b5300; }
.impact-minor { background: #3c4a5c; }
.impact-none, .review { background: #4a4a4a; }
.new { background: #6a1b9a; }
.ok { color: #1e6b2e; font-weight: 600; }
.error { color: #a50e0e; font-weight: 600; }
"""


def _link(url: str, text: str | None = None) -> str:
    """A link for http(s) URLs; anything else (javascript:, data:, ...) stays inert text."""
    label = escape(text if text is not None else url)
    return f'<a href="{escape(url)}">{label}</a>' if is_web_url(url) else label


def _badge(impact: str | None) -> str:
    name = impact if impact in IMPACTS else "none"
    return f'<span class="badge impact-{name}">{escape(impact or "no impact")}</span>'


def _rules(groups: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Component groups gathered per rule; rules most severe first, then by id."""
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for group in groups:
        by_rule.setdefault(group["rule"], []).append(group)
    return sorted(by_rule.values(),
                  key=lambda gs: (-max(impact_rank(g["impact"]) for g in gs), gs[0]["rule"]))


def _rule_article(groups: list[dict[str, Any]], anchor: str, review: bool) -> str:
    first = groups[0]
    rule = first["rule"]
    impact = max((g["impact"] for g in groups), key=impact_rank)
    pages = {url for g in groups for url in g["pages"]}
    nodes = sum(g["nodes"] for g in groups)
    has_baseline = any("baseline" in g for g in groups)
    how = (f' · <a href="{escape(first["help_url"])}">How to fix {escape(rule)}</a>'
           if is_web_url(first["help_url"]) else "")
    source = "" if first["source"] == "axe" else f" · {escape(first['source'])} check"
    rows = []
    for g in groups:
        page_list = "".join(f"<li>{_link(url)}</li>" for url in g["pages"])
        fix = f'<p class="fix">{escape(g["summary"].strip())}</p>' if g["summary"].strip() else ""
        cells = [f"<td><code>{escape(g['html'])}</code>{fix}</td>",
                 f"<td><code>{escape(format_target(g['target']))}</code></td>",
                 f"<td>{plural(len(g['pages']), 'page')}<ul>{page_list}</ul></td>"]
        if has_baseline:
            marks = g.get("baseline", {})
            new = marks.get("new", 0)
            cells.append(f'<td><span class="badge new">new</span> {plural(new, "element")}</td>'
                         if new else "<td>unchanged</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    baseline_head = '<th scope="col">Baseline</th>' if has_baseline else ""
    label = "needs review" if review else "fails"
    return f"""<article>
<h3 id="{anchor}">{escape(rule)}: {escape(first['help'])}</h3>
<p>{_badge(impact)} · {plural(nodes, 'element')} on {plural(len(pages), 'page')} · \
{plural(len(groups), 'component')}{source}{how}</p>
<table class="wide">
<caption>Elements where {escape(rule)} {label}, one row per component</caption>
<thead><tr><th scope="col">Element</th><th scope="col">Selector</th><th scope="col">Pages</th>\
{baseline_head}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</article>"""


def _findings_section(section_id: str, title: str, intro: str, empty: str,
                      groups: list[dict[str, Any]], review: bool = False) -> str:
    rules = _rules(groups)
    nodes = sum(g["nodes"] for g in groups)
    body = "\n".join(_rule_article(gs, f"{section_id}-{i + 1}", review) for i, gs in enumerate(rules))
    return f"""<section aria-labelledby="{section_id}">
<h2 id="{section_id}">{escape(title)} ({plural(len(rules), 'rule')}, {plural(nodes, 'element')})</h2>
<p>{escape(intro)}</p>
{body or f'<p class="ok">{escape(empty)}</p>'}
</section>"""


def _summary_section(report: dict[str, Any]) -> str:
    s = report["summary"]
    rows = "\n".join(
        f'<tr><th scope="row">{_badge(imp)}</th><td class="num">{s["by_impact"][imp]["violations"]}</td>'
        f'<td class="num">{s["by_impact"][imp]["nodes"]}</td></tr>'
        for imp in reversed(IMPACTS))
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
    fact_rows = "\n".join(f'<tr><th scope="row">{escape(k)}</th><td>{escape(v)}</td></tr>'
                          for k, v in facts)
    return f"""<section aria-labelledby="summary">
<h2 id="summary">Summary</h2>
<table>
<caption>Audit at a glance</caption>
<tbody>
{fact_rows}
</tbody>
</table>
<table>
<caption>Violations by impact</caption>
<thead><tr><th scope="col">Impact</th><th scope="col" class="num">Violations (rule on a page)</th>\
<th scope="col" class="num">Elements</th></tr></thead>
<tbody>
{rows}
<tr><th scope="row">Total</th><td class="num">{s['violations']}</td><td class="num">{s['nodes']}</td></tr>
</tbody>
</table>
</section>"""


def _baseline_section(report: dict[str, Any]) -> str:
    b = report["baseline"]
    fixed_rows = "\n".join(
        f"<tr><td>{escape(item['rule'])}</td><td>{_link(item['url'])}</td>"
        f"<td><code>{escape(item['html'])}</code></td></tr>" for item in b["fixed_items"])
    fixed = (f"""<table class="wide">
<caption>Fixed since the baseline</caption>
<thead><tr><th scope="col">Rule</th><th scope="col">Page</th><th scope="col">Element</th></tr></thead>
<tbody>
{fixed_rows}
</tbody>
</table>""" if b["fixed_items"] else "<p>Nothing from the baseline was fixed.</p>")
    return f"""<section aria-labelledby="baseline">
<h2 id="baseline">Compared with the baseline</h2>
<p>{plural(b['new'], 'new element')}, {plural(b['unchanged'], 'unchanged element')}, \
{plural(b['fixed'], 'fixed element')}.</p>
{fixed}
</section>"""


def _pages_section(report: dict[str, Any]) -> str:
    rows = []
    for page in report["pages"]:
        if page["status"] == "error":
            status = f'<span class="error">Not audited</span>: {escape(page.get("error") or "")}'
        else:
            status = '<span class="ok">Audited</span>'
            note = (page.get("settle") or {}).get("note")
            if note:  # waiting for the page was cut short (a11y.settle)
                status += f": {escape(note)}"
        violations = page["violations"]
        rows.append(
            f"<tr><td>{_link(page['url'])}</td><td>{status}</td>"
            f'<td class="num">{len(violations)}</td>'
            f'<td class="num">{sum(len(f["nodes"]) for f in violations)}</td>'
            f'<td class="num">{sum(len(f["nodes"]) for f in page["incomplete"])}</td></tr>')
    return f"""<section aria-labelledby="pages">
<h2 id="pages">Pages</h2>
<table class="wide">
<caption>Every page of the audit</caption>
<thead><tr><th scope="col">Page</th><th scope="col">Status</th><th scope="col" class="num">Violations</th>\
<th scope="col" class="num">Elements</th><th scope="col" class="num">Needs review</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody>
</table>
</section>"""


def render_html(report: dict[str, Any]) -> str:
    """The report as one self-contained HTML document.

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
    review = group_by_component(report, kind="incomplete")
    sections = [
        _summary_section(report),
        _baseline_section(report) if "baseline" in report else "",
        _findings_section(
            "screen-reader", "Screen-reader issues",
            "What changes what a screen-reader user hears or can reach. Fix these first.",
            "No screen-reader issues found.", [g for g in groups if g["screen_reader"]]),
        _findings_section(
            "other", "Other issues", "Contrast, sizing and other issues for sighted users.",
            "No other issues found.", [g for g in groups if not g["screen_reader"]]),
        _findings_section(
            "review", "Needs review",
            "axe could not decide these; a person should check them. They never fail a run.",
            "Nothing needs review.", review, review=True),
        _pages_section(report),
    ]
    nav = [("summary", "Summary")] + ([("baseline", "Baseline")] if "baseline" in report else []) + [
        ("screen-reader", "Screen-reader issues"), ("other", "Other issues"),
        ("review", "Needs review"), ("pages", "Pages")]
    nav_items = "".join(f'<li><a href="#{anchor}">{escape(text)}</a></li>' for anchor, text in nav)
    title = (f"Accessibility report: {plural(s['violations'], 'violation')} on "
             f"{plural(s['pages']['total'], 'page')}")
    body = "\n".join(part for part in sections if part)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{CSS}</style>
</head>
<body>
<a class="skip" href="#content">Skip to the findings</a>
<header>
<h1>Accessibility report</h1>
<p class="meta">axe-core {escape(report['axe_version'])} · standard {escape(report['standard'])} · \
{plural(s['pages']['total'], 'page')} · screen-reader issues listed first</p>
</header>
<nav aria-label="Sections"><ul>{nav_items}</ul></nav>
<main id="content">
{body}
</main>
<footer><p class="meta">Made by a11y from axe-core {escape(report['axe_version'])} results and \
accessibility-tree checks. Automated checks find part of the barriers; test with a screen reader too.</p>
</footer>
</body>
</html>
"""
