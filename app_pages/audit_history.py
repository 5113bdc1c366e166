"""Past audits per site: the list, violations over time, and what changed between two audits."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from a11y import explore, history, jobs
from app_pages._clock import browser_zone, show, zone_name
from app_pages._common import engine, require_login
from app_pages._history import history_table
from cardsort.i18n import counted

require_login()

AUDITS = {"one": "audit", "other": "audits"}
DIFF_TITLES = {"new": "New since the earlier audit", "fixed": "Fixed since the earlier audit",
               "unchanged": "Unchanged"}


FAILING = {"one": "failing element", "other": "failing elements"}


def _label(audit: dict) -> str:
    return f"{show(audit['finished_at'], ZONE)} · {counted(audit['nodes'], FAILING)} (audit {audit['id']})"


def _diff_table(items: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"Page": i["url"], "Rule": i["rule"], "Impact": i["impact"],
                          "Screen reader": i["screen_reader"], "Element": i["html"]} for i in items])


def compare(audits: list[dict]) -> None:
    st.header("Compare two audits")
    if len(audits) < 2:
        st.write("Run a second audit of this site to see what changed.")
        return
    by_id = {a["id"]: a for a in audits}
    ids = list(by_id)
    left, right = st.columns(2)
    before = left.selectbox("Earlier audit", ids, index=1, format_func=lambda i: _label(by_id[i]), key="diff_before")
    after = right.selectbox("Later audit", ids, index=0, format_func=lambda i: _label(by_id[i]), key="diff_after")
    if before == after:
        st.info("Choose two different audits.")
        return
    diff = history.diff_audits(history.get_audit(engine(), before)["report"],
                               history.get_audit(engine(), after)["report"])
    cols = st.columns(3)
    for col, kind in zip(cols, history.DIFF_KINDS):
        col.metric(DIFF_TITLES[kind], len(diff[kind]))
    st.caption("Elements are matched by page, rule and fingerprint: the element itself (tag, name, type, role, "
               "address, its label) and the landmark and heading it is under, never its position among its "
               "neighbours, so adding a menu item or renaming generated class names changes nothing. "
               "Only pages audited in both count as fixed.")
    for kind in ("new", "fixed"):
        if diff[kind]:
            st.subheader(DIFF_TITLES[kind])
            st.dataframe(_diff_table(diff[kind]), hide_index=True)


st.title("Audit history")
ZONE = browser_zone()
sites = history.list_sites(engine())
if not sites:
    st.info("No audit is stored yet. Run one on the Audit page.")
    st.page_link("app_pages/audit.py", label="Audit a site")
    st.stop()
site = st.selectbox("Site", sites, key="history_site")
audits = history.list_audits(engine(), site)

st.header("Violations over time")
over_time = history.violations_over_time(engine(), site)
st.altair_chart(explore.history_chart(over_time, ZONE, zone_name(ZONE)), theme=None, width="content",
                alt=f"Line chart of failing elements in {counted(len(over_time), AUDITS)} of {site}, one line each "
                    f"for {', '.join(explore.SERIES.values())}; the table below has the same numbers.")
st.dataframe(pd.DataFrame([{
    f"Finished ({zone_name(ZONE)})": show(a["finished_at"], ZONE), "Audit": a["id"],
    "Pages audited": a["pages"] - a["error_pages"], "Not audited": a["error_pages"], "Failing elements": a["nodes"],
    "Screen-reader elements": a["screen_reader_nodes"], "Needs review": a["needs_review_nodes"],
    "Standard": a["standard"]} for a in audits]), hide_index=True)
st.page_link("app_pages/audit_results.py", label="Open the latest audit", query_params={"audit": str(audits[0]["id"])})
compare(audits)
st.header("Audit runs")
st.write("Who started, stopped and deleted audits of this site, and how each run ended.")
history_table(f"site:{site}", lambda limit: jobs.audit_changes(engine(), site, limit),
              empty="No audit run of this site is recorded yet.")
