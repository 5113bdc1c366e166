"""Explore one stored audit: totals, filters, each finding with its screenshot, components, needs review, downloads."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

import streamlit as st

from a11y import explore, history, jobs
from a11y.findings import IMPACTS
from a11y.report import SOURCE_NAMES, group_by_component
from a11y.reporters import EXTENSIONS, FORMATS, render
from app_pages._clock import browser_zone, show, zone_name
from app_pages._common import engine, require_login
from cardsort.i18n import counted

require_login()

MAX_DETAILS = 40  # findings shown with their details at once; narrow the filters to see others
FORMAT_NAMES = {"html": "HTML", "json": "JSON", "csv": "CSV", "junit": "JUnit XML", "sarif": "SARIF"}
ELEMENTS = {"one": "element", "other": "elements"}
FAILING = {"one": "failing element", "other": "failing elements"}
AUDITED_PAGES = {"one": "audited page", "other": "audited pages"}
MIME = {"html": "text/html", "json": "application/json", "csv": "text/csv", "junit": "application/xml",
        "sarif": "application/sarif+json"}


def choose_audit() -> dict | None:
    """An audit picker remembered in the address (``?audit=<id>``); newest first."""
    rows = history.list_audits(engine())
    if not rows:
        st.info("No audit is stored yet. Run one on the Audit page.")
        st.page_link("app_pages/audit.py", label="Audit a site")
        return None
    ids = [r["id"] for r in rows]
    zone = browser_zone()
    names = {r["id"]: f"{r['site']} · {show(r['finished_at'], zone)} · {r['pages'] - r['error_pages']:,} of "
                      f"{counted(r['pages'], jobs.PAGES)} audited (audit {r['id']})" for r in rows}
    wanted = st.query_params.get("audit")
    if wanted is not None and wanted.isdigit() and int(wanted) in ids and \
            st.session_state.get("results_audit_synced") != wanted:
        st.session_state["results_audit"] = int(wanted)
    if st.session_state.get("results_audit") not in ids:
        st.session_state["results_audit"] = ids[0]
    audit_id = st.selectbox("Audit", ids, format_func=names.__getitem__, key="results_audit")
    st.query_params["audit"] = str(audit_id)
    st.session_state["results_audit_synced"] = str(audit_id)
    return history.get_audit(engine(), audit_id)


def totals(report: dict) -> None:
    s = report["summary"]
    cols = st.columns(4)
    cols[0].metric("Pages audited", f"{s['pages']['ok']:,} of {s['pages']['total']:,}")
    cols[1].metric("Failing elements", s["nodes"])
    cols[2].metric("Screen-reader elements", s["screen_reader"]["nodes"])
    cols[3].metric("Needs review", s["needs_review"]["nodes"])
    cols = st.columns(4)
    for col, impact in zip(cols, reversed(IMPACTS)):
        col.metric(impact.capitalize(), s["by_impact"][impact]["nodes"])


def page_statuses(report: dict) -> None:
    """Every page with what happened to it: audited (and its failing elements) or why not."""
    pages = report["pages"]
    st.header("Pages")
    text = jobs.outcome_text(pages)
    if any(p["status"] == "error" for p in pages):
        (st.error if all(p["status"] == "error" for p in pages) else st.warning)(text + ".")
    else:
        st.write(text + ".")
    st.dataframe([{
        "Page": p["url"], "Status": (f"Not audited ({p['error']})" if p["status"] != "ok" else
                                     f"Audited ({p['settle']['note']})" if (p.get("settle") or {}).get("note")
                                     else "Audited"),
        "Failing elements": sum(len(f["nodes"]) for f in p["violations"]) if p["status"] == "ok" else None,
    } for p in pages], hide_index=True, column_config={
        "Failing elements": st.column_config.NumberColumn("Failing elements", help="Empty: not audited")})


def details(audit: dict, rows) -> None:
    """Each failing element with its help, snippet, selector and screenshot."""
    shots = history.screenshot_keys(engine(), audit["id"])
    for row in rows.head(MAX_DETAILS).itertuples():
        sr = "screen reader" if row.screen_reader else "not screen reader"
        # The page's path, not its URL: Streamlit would turn a URL in the label into a link, and a link
        # inside the expander's <summary> is a nested interactive element.
        path = urlsplit(row.page).path or "/"
        with st.expander(f"{row.rule} · {row.impact or 'no impact'} · {sr} · {path}"):
            st.markdown(f"**{row.help}** ([how to fix]({row.help_url}))" if row.help_url.startswith("http")
                        else f"**{row.help}**")
            if row.summary:
                st.text(row.summary)
            st.code(row.html, language=None)  # plain: the syntax colours fail contrast on the code background
            st.text(f"Page: {row.page}\nSelector: {row.target}\nSource: {row.source} · fingerprint {row.fingerprint}")
            png = (history.get_screenshot(engine(), audit["id"], row.page, row.rule, row.fingerprint)
                   if (row.page, row.rule, row.fingerprint) in shots else None)
            if png is not None:
                st.image(png, caption="The element, outlined in magenta",
                         alt=f"Screenshot of {row.page} with the failing element outlined")
    if len(rows) > MAX_DETAILS:
        st.caption(f"Showing {MAX_DETAILS} of {counted(len(rows), ELEMENTS)}; narrow the filters to see the others.")


def explorer(audit: dict) -> None:
    report = audit["report"]
    frame = explore.findings_frame(report)
    audited = report["summary"]["pages"]["ok"]
    st.header("Findings")
    if not audited:
        st.warning("No page could be audited, so nothing was checked: see Pages above for the reasons.")
        return
    if frame.empty:
        st.success(f"No violations found on the {counted(audited, AUDITED_PAGES)}.")
    else:
        left, mid, right = st.columns(3)
        pages = left.multiselect("Pages", sorted(frame["page"].unique()), key="f_pages")
        rules = mid.multiselect("Rules", sorted(frame["rule"].unique()), key="f_rules")
        impacts = right.multiselect("Impact", [*reversed(IMPACTS), "none"], key="f_impacts")
        left, right = st.columns(2)
        sr = left.radio("Screen-reader relevance", explore.SCREEN_READER_CHOICES, horizontal=True,
                        format_func={"all": "All", "screen-reader": "Screen-reader issues",
                                     "other": "Other issues"}.get, key="f_sr")
        sources = right.multiselect("Source", list(SOURCE_NAMES), key="f_sources", format_func=SOURCE_NAMES.__getitem__)
        shown = explore.filter_findings(frame, pages=pages, rules=rules, impacts=impacts, screen_reader=sr,
                                        sources=sources)
        st.write(f"{len(shown):,} of {counted(len(frame), FAILING)} match.")
        st.dataframe(explore.rules_table(shown), hide_index=True, column_config={
            "rule": "Rule", "impact": "Impact", "screen_reader": st.column_config.CheckboxColumn("Screen reader"),
            "source": "Source", "pages": "Pages", "elements": "Elements", "help": "What is wrong"})
        st.subheader("Failing elements")
        details(audit, shown)

    st.header("Components across pages")
    groups = group_by_component(report)
    if groups:
        st.write("The same element failing on several pages (a shared header, a footer link) is one row: "
                 "fix it once.")
        st.dataframe([{"Rule": g["rule"], "Impact": g["impact"], "Screen reader": g["screen_reader"],
                       "Pages": len(g["pages"]), "Elements": g["nodes"], "Element": g["html"],
                       "First seen on": g["pages"][0]} for g in groups], hide_index=True)
    else:
        st.write("No failing components.")

    st.header("Needs review")
    review = explore.findings_frame(report, "incomplete")
    if review.empty:
        st.write("Nothing needs review.")
    else:
        st.write("axe could not decide these; a person should check them. They are not counted as failures.")
        st.dataframe(review[["page", "rule", "help", "target", "html"]], hide_index=True, column_config={
            "page": "Page", "rule": "Rule", "help": "What to check", "target": "Selector", "html": "Element"})


def downloads(audit: dict) -> None:
    st.header("Download the report")
    stem = f"audit-{audit['id']}"
    cols = st.columns(len(FORMATS))
    for col, fmt in zip(cols, FORMATS):
        col.download_button(FORMAT_NAMES[fmt], data=functools.partial(render, audit["report"], fmt),
                            file_name=stem + EXTENSIONS[fmt], mime=MIME[fmt], on_click="ignore",
                            key=f"download:{fmt}")


st.title("Audit results")
audit = choose_audit()
if audit is not None:
    report = audit["report"]
    zone = browser_zone()
    st.caption(f"axe-core {report['axe_version']} · {report['standard']} · finished "
               f"{show(audit['finished_at'], zone)} ({zone_name(zone)})")
    totals(report)
    page_statuses(report)
    explorer(audit)
    downloads(audit)
