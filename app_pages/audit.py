"""Run an accessibility audit: pages, a sitemap or a crawl; it runs in the background with a progress bar.

The job lives in the database (a11y.jobs), so a reload, another tab or a colleague sees the
same progress; ``?job=<id>`` in the address follows one job.
"""

from __future__ import annotations

import streamlit as st

from a11y import crawl, history, jobs, settle, worker
from a11y.engine import DEFAULT_STANDARD, STANDARDS
from app_pages._clock import browser_zone, show, zone_name
from app_pages._common import audit_policy, current_actor, engine, file_uploader, require_login, requires
from cardsort.i18n import counted

require_login("edit")

STANDARD_NAMES: dict[str, str] = {"wcag2a": "WCAG 2.0 A", "wcag2aa": "WCAG 2.0 AA", "wcag21aa": "WCAG 2.1 AA",
                  "wcag22aa": "WCAG 2.2 AA", "wcag2aaa": "WCAG 2.0 AAA", "wcag21aaa": "WCAG 2.1 AAA",
                  "wcag22aaa": "WCAG 2.2 AAA"}
STATUS_TEXT = {"queued": "Waiting for a free browser", "discovering": "Finding the pages",
               "running": "Auditing", "done": "Finished", "cancelled": "Cancelled", "failed": "Failed",
               "interrupted": "Interrupted"}
POLL_SECONDS = 1.0
MAX_LISTED = 5  # pages not audited named in the finish message; the results page lists them all


def config_text() -> str:
    """The steps config: the uploaded file when there is one, else the pasted text."""
    upload = st.session_state.get("audit_config_file")
    if upload is not None:
        try:
            return upload.getvalue().decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{upload.name}: not UTF-8 text") from None
    return st.session_state.get("audit_config", "")


@requires("edit")
def start(policy: crawl.URLPolicy) -> None:
    """Check the form and start the job; errors are shown above the form."""
    form = st.session_state
    try:
        request = jobs.make_request(
            form["audit_urls"], sitemap=form["audit_sitemap"],
            crawl_limit=int(form["audit_crawl_limit"]) if form["audit_crawl"] else None,
            standard=form["audit_standard"], best_practice=form["audit_best_practice"],
            workers=int(form["audit_workers"]), cookies=form["audit_cookies"], headers=form["audit_headers"],
            allowed_hosts=policy.allowed_hosts, allow_private=policy.allow_private,
            viewport=form["audit_viewport"], keyboard=form["audit_keyboard"],
            wait_for=form["audit_wait_for"] or None, wait_ms=int(form["audit_wait_ms"]),
            settle_quiet_ms=int(form["audit_settle_quiet_ms"]), settle_cap_ms=int(form["audit_settle_cap_s"]) * 1000,
            max_scrolls=int(form["audit_max_scrolls"]), config=config_text(), states=form["audit_states"])
    except ValueError as exc:
        st.session_state["audit_error"] = str(exc)
        return
    st.session_state.pop("audit_error", None)
    st.query_params["job"] = jobs.start_audit(engine(), request, allowed_hosts=policy.allowed_hosts,
                                              allow_private=policy.allow_private, actor=current_actor())


def show_job(job_id: str) -> None:
    """Progress of one job, polled while it runs; a link to its results when it is done."""
    job = jobs.get_job(engine(), job_id)
    active = job["status"] in jobs.ACTIVE

    @st.fragment(run_every=POLL_SECONDS if active else None)
    def progress() -> None:
        current = jobs.get_job(engine(), job_id)
        if active and current["status"] not in jobs.ACTIVE:
            st.rerun()  # finished: show the final state without polling any more
        st.header(f"{STATUS_TEXT[current['status']]}: {current['site']}")
        total = max(current["total"], 1)
        not_audited = []
        if current["audit_id"] is not None:  # stored: what each page gave, from the audit itself
            pages = history.get_audit(engine(), current["audit_id"])["report"]["pages"]
            not_audited = [p for p in pages if p["status"] == "error"]
            text = jobs.outcome_text(pages)
        else:  # a page that was checked is not necessarily audited: it may have answered an error
            text = f"{current['done']:,} of {counted(current['total'], jobs.PAGES)} checked"
        st.progress(min(current["done"] / total, 1.0), text=text)
        if current["current_url"]:
            st.caption(f"Last page checked: {current['current_url']}")
        if current["status"] == "queued" and current["error"]:  # a worker stopped: another one takes it over
            st.caption(f"Started {current['attempts']} time(s) so far: {current['error']}.")
        if current["status"] in jobs.ACTIVE:
            if current["cancel_requested"]:
                st.info("Stopping after the page under way…")
            else:
                st.button("Cancel the audit", key=f"cancel:{job_id}", on_click=requires("edit")(jobs.cancel_job),
                          args=(engine(), job_id), kwargs={"actor": current_actor()})
        elif current["status"] == "done":
            if not not_audited:
                st.success(f"{STATUS_TEXT['done']}: {text}. The audit is stored with the site's history.")
            else:
                listed = "; ".join(f"{p['url']} ({p['error']})" for p in not_audited[:MAX_LISTED])
                more = len(not_audited) - MAX_LISTED
                listed += f"; and {counted(more, {'one': 'other', 'other': 'others'})}" if more > 0 else ""
                message = (f"{STATUS_TEXT['done']}: {text}. Not audited: {listed}. "
                           "The audit is stored with the site's history.")
                (st.error if current["audited"] == 0 else st.warning)(message)
            st.page_link("app_pages/audit_results.py", label="See the results",
                         query_params={"audit": str(current["audit_id"])})
        elif current["status"] == "cancelled":
            st.info("Nothing was stored. Start the audit again when you are ready.")
        else:
            st.error(current["error"] or "The audit stopped.")

    progress()


st.title("Audit a site")
st.write("Checks pages with axe-core in a real browser, plus checks of what a screen reader announces and of "
         "whether pages fit small screens and wider text spacing. "
         "The audit runs in the background: you can leave this page and come back.")
policy = audit_policy()

if st.session_state.get("audit_error"):
    st.error(st.session_state["audit_error"])
with st.form("audit_form"):
    st.text_area("Pages to audit", key="audit_urls", height=120,
                 help="One http:// or https:// address a line. Lines starting with # are skipped.")
    st.text_input("Sitemap (optional)", key="audit_sitemap",
                  help="The address of a sitemap.xml or sitemap index; its pages are added.")
    left, right = st.columns(2)
    left.checkbox("Follow links from these pages (same site only)", key="audit_crawl")
    right.number_input("Pages in all when following links", min_value=1, max_value=jobs.MAX_PAGES, value=20,
                       key="audit_crawl_limit")
    left.selectbox("Standard", list(STANDARDS), index=list(STANDARDS).index(DEFAULT_STANDARD),
                   format_func=STANDARD_NAMES.__getitem__, key="audit_standard",
                   help="Each level includes the lower ones.")
    right.number_input("Browsers in parallel", min_value=1, max_value=jobs.MAX_WORKERS, value=1,
                       key="audit_workers")
    st.checkbox("Also check axe's best practices", value=True, key="audit_best_practice")
    st.checkbox("Also check small screens and text spacing", value=True, key="audit_viewport",
                help="Whether the page fits 320 px wide without scrolling sideways (WCAG 1.4.10) and keeps all "
                     "its text when line, letter and word spacing are increased (WCAG 1.4.12).")
    st.checkbox("Walk each page with the keyboard", value=True, key="audit_keyboard",
                help="Presses Tab and Shift+Tab through each page: keyboard traps, focus that cannot be seen, "
                     "controls or menus only a mouse can reach, focus order. About a second a page.")
    with st.expander("Pages that load their content late"):
        st.caption("Before each audit the page is given time: until no request is pending and nothing has "
                   "changed for the quiet window, then it is scrolled down so content that loads on scroll "
                   "appears. A page still busy at the limit is audited then, and its result says so.")
        st.text_input("Wait for an element (CSS selector, optional)", key="audit_wait_for",
                      help="For example #results. Each page waits until an element matches, within the limit.")
        left, right = st.columns(2)
        left.number_input("Extra wait after load (ms)", min_value=0, max_value=settle.MAX_WAIT_MS, value=0,
                          step=500, key="audit_wait_ms")
        right.number_input("Quiet window (ms)", min_value=0, max_value=10_000, value=settle.QUIET_MS, step=100,
                           key="audit_settle_quiet_ms")
        left.number_input("Wait at most (seconds; 0: audit right after load)", min_value=0,
                          max_value=settle.MAX_CAP_MS // 1000, value=settle.CAP_MS // 1000,
                          key="audit_settle_cap_s")
        right.number_input("Scroll at most (screens; 0: never scroll)", min_value=0, max_value=200,
                           value=settle.MAX_SCROLLS, key="audit_max_scrolls")
    with st.expander("Pages behind a login"):
        st.text_area("Cookies", key="audit_cookies",
                     help="NAME=VALUE, one a line, sent to the audited hosts. Kept in memory for this audit "
                          "only and never stored.")
        st.text_area("Headers", key="audit_headers",
                     help="Name: value, one a line (for example Authorization), sent with every request. "
                          "Kept in memory for this audit only and never stored.")
    with st.expander("Steps and states"):
        st.checkbox("Open menus, disclosures and details to audit what they show", value=True, key="audit_states",
                    help="Each closed control is opened, what appears is audited, and it is closed again. "
                         "Findings say which control opened them.")
        st.text_area("Steps (JSON)", key="audit_config", height=160,
                     help='Scripted steps per page, for example {"pages": [{"url": "*", "steps": '
                          '[{"action": "click", "selector": "#accept-cookies", "optional": true}]}]}. '
                          "Values typed by set steps are kept in memory for this audit only and never stored.")
        file_uploader("Or upload a steps file", type=["json"], key="audit_config_file")
    st.form_submit_button("Start the audit", type="primary", on_click=start, args=(policy,))

recent = jobs.list_jobs(engine(), limit=10)
if jobs.has_queued(engine()):  # e.g. left waiting by a restart: this server's worker looks for them too
    worker.app_worker(engine()).wake()
job_id = st.query_params.get("job")
if job_id is None:  # after a reload without ?job=: follow the newest audit still running
    job_id = next((j["id"] for j in recent if j["status"] in jobs.ACTIVE), None)
if job_id is not None:
    try:
        show_job(job_id)
    except LookupError:
        st.warning("That audit job does not exist (any more). Start a new one above.")

if recent:
    st.header("Recent audits")
    zone = browser_zone()
    st.dataframe(
        [{f"Started ({zone_name(zone)})": show(j["created_at"], zone), "Site": j["site"],
          "Status": STATUS_TEXT[j["status"]],
          "Pages": (f"{j['audited']:,} of {counted(j['audited'] + j['not_audited'], jobs.PAGES)} audited"
                    if j["audited"] is not None else
                    f"{j['done']:,} of {counted(j['total'], jobs.PAGES)} checked"),
          "Audit": j["audit_id"]} for j in recent],
        hide_index=True)
