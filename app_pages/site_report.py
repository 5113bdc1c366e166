"""One report for the team that owns a site: a study's proposed navigation beside an audit's screen-reader issues."""

from __future__ import annotations

import re

import streamlit as st

from a11y import history
from a11y.site_report import load_site_report, render_site_report
from app_pages._common import choose_study, engine, require_login

require_login()

st.title("Site report")
st.write("Puts a card-sort study's proposed navigation beside an audit's screen-reader issues, in one HTML "
         "file for the team that owns the site. Way-finding issues (links, headings, landmarks, titles) come "
         "first: they are what people navigate by.")
study = choose_study(key="site_report_study")
audits = history.list_audits(engine())
if study is not None and not audits:
    st.info("No audit is stored yet. Run one on the Audit page.")
    st.page_link("app_pages/audit.py", label="Audit a site")
elif study is not None:
    by_id = {a["id"]: a for a in audits}
    audit_id = st.selectbox(
        "Audit", list(by_id), key="site_report_audit",
        format_func=lambda i: f"{by_id[i]['site']} · {by_id[i]['finished_at']:%Y-%m-%d %H:%M} UTC (audit {i})")
    report = load_site_report(engine(), study.id, audit_id)
    cols = st.columns(3)
    cols[0].metric("Proposed categories", len(report.categories))
    cols[1].metric("Screen-reader components", len(report.issues))
    cols[2].metric("Of them way-finding", sum(g["wayfinding"] for g in report.issues))
    if not report.categories:
        st.warning("This study has no analysed sorts yet, so the report has no proposed navigation.")
    stem = re.sub(r"[^A-Za-z0-9]+", "-", study.name).strip("-").lower()[:50] or "study"
    st.download_button("Download the site report (HTML)", data=render_site_report(report),
                       file_name=f"site-report-{stem}-audit-{audit_id}.html", mime="text/html",
                       on_click="ignore", type="primary")
