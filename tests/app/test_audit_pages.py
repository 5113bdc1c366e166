"""The audit pages in AppTest, signed in: the audit form refuses unsafe URLs, a job's progress and cancel,
the results explorer and its filters, the history and its diff, the preview's URL checks, the site report.

Stored audits are the recorded v1/v2 site of tests/a11y/test_report.py (see tests/a11y/test_history.py
for its hand-counted totals: v1 has 14 failing elements, 13 of them screen-reader, 6 critical, 7
serious, 1 moderate, 1 needs review; v2 against v1 is 1 new, 3 fixed, 11 unchanged).
"""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from a11y import history, jobs
from a11y.findings import PageResult
from a11y.report import make_report
from cardsort import store
from cardsort.model import Group, Sort, study_from_spec
from tests.a11y.test_report import SHOP, recorded_page, v1_report, v2_report
from tests.app._researcher import app, open_page, texts

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def submit_audit(at, urls: str):
    at.text_area(key="audit_urls").set_value(urls)
    at.button[0].click()  # the form's submit button
    return at.run()


# --- audit ---------------------------------------------------------------------------------------

def test_audit_form_has_every_choice(app_db):
    at = open_page("audit.py")
    assert not at.exception
    assert [t.label for t in at.text_area] == ["Pages to audit", "Cookies", "Headers", "Steps (JSON)"]
    assert at.checkbox(key="audit_states").value is True
    assert at.selectbox(key="audit_standard").value == "wcag22aa"
    assert at.selectbox(key="audit_standard").options == ["WCAG 2.0 A", "WCAG 2.0 AA", "WCAG 2.1 AA", "WCAG 2.2 AA",
                                                          "WCAG 2.0 AAA", "WCAG 2.1 AAA", "WCAG 2.2 AAA"]
    assert at.checkbox(key="audit_best_practice").value is True
    assert at.checkbox(key="audit_viewport").value is True
    assert at.checkbox(key="audit_keyboard").value is True
    assert at.number_input(key="audit_workers").max == 2
    assert "Recent audits" not in texts(at)


@pytest.mark.parametrize("walk", [True, False])
def test_audit_form_passes_the_keyboard_walk_choice_to_the_job(app_db, monkeypatch, walk):
    started = []
    monkeypatch.setattr(jobs, "start_audit", lambda engine, request, **kwargs: started.append(request) or "0" * 32)
    at = open_page("audit.py")
    if not walk:
        at.checkbox(key="audit_keyboard").uncheck()
    submit_audit(at, "https://example.org/")
    assert [(r.urls, r.keyboard) for r in started] == [(("https://example.org/",), walk)]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "chrome://settings",
                                 "data:text/html,<h1>x</h1>"])
def test_audit_refuses_urls_that_are_not_http(app_db, url):
    at = submit_audit(open_page("audit.py"), url)
    assert [e.value for e in at.error] == [
        f"refused URL {url!r} ({url.split(':')[0]}:): only http and https URLs are audited"]
    assert jobs.list_jobs(app_db) == []


def test_audit_refuses_hosts_outside_the_allow_list(app_db, monkeypatch):
    monkeypatch.setenv("A11Y_ALLOWED_HOSTS", "example.org, .example.net")
    at = open_page("audit.py")
    assert "This server audits only these hosts: .example.net, example.org." in texts(at)
    at = submit_audit(at, "https://www.example.org/\nhttp://169.254.169.254/latest/meta-data/")
    assert [e.value for e in at.error] == [
        "refused URL 'https://www.example.org/': host 'www.example.org' is not in the allowed hosts "
        "(.example.net, example.org)"]
    at.text_input(key="audit_sitemap").set_value("http://10.0.0.1/sitemap.xml")
    at = submit_audit(at, "https://shop.example.net/")
    assert "host '10.0.0.1' is not in the allowed hosts" in at.error[0].value
    assert jobs.list_jobs(app_db) == []


def test_audit_form_passes_the_small_screens_choice_to_the_job(app_db, monkeypatch):
    monkeypatch.setenv("A11Y_ALLOW_PRIVATE", "1")
    started = []
    monkeypatch.setattr(jobs, "start_audit", lambda engine, request, **kwargs: started.append(request) or "job-1")
    at = submit_audit(open_page("audit.py"), "http://127.0.0.1:9/a")
    at.checkbox(key="audit_viewport").uncheck()
    at = submit_audit(at, "http://127.0.0.1:9/b")
    at.checkbox(key="audit_viewport").check()
    submit_audit(at, "http://127.0.0.1:9/c")
    assert [(r.urls, r.viewport) for r in started] == [
        (("http://127.0.0.1:9/a",), True), (("http://127.0.0.1:9/b",), False), (("http://127.0.0.1:9/c",), True)]


def test_audit_refuses_a_bad_steps_config_naming_the_problem(app_db):
    at = open_page("audit.py")
    at.text_area(key="audit_config").set_value('{"pages": [{"url": "*", "steps": [{"action": "click"}]}]}')
    at = submit_audit(at, "https://example.org/")
    assert [e.value for e in at.error] == ['config: pages[0].steps[0]: click needs "selector"']
    at.text_area(key="audit_config").set_value('{"pages": [{"url": "example.org/*", "steps": [{"action": "audit"}]}]}')
    at = submit_audit(at, "https://example.org/")
    assert [e.value for e in at.error] == [
        "config: pages[0]: bad URL pattern 'example.org/*': expected an http(s) URL, a glob such as "
        "'https://example.org/shop/*', or '*' for every page"]
    assert jobs.list_jobs(app_db) == []


APP_NOTICE = ("This app audits public web addresses. Local and private addresses are refused (set "
              "A11Y_ALLOWED_HOSTS or A11Y_ALLOW_PRIVATE=1 to allow them). Link-local and cloud metadata addresses "
              "are never audited.")


def test_audit_refuses_the_metadata_address_and_local_ones_by_default(app_db, monkeypatch):
    monkeypatch.delenv("A11Y_ALLOWED_HOSTS", raising=False)
    monkeypatch.delenv("A11Y_ALLOW_PRIVATE", raising=False)
    at = open_page("audit.py")
    assert APP_NOTICE in texts(at)
    at = submit_audit(at, "http://169.254.169.254/latest/meta-data/")
    assert [e.value for e in at.error] == [
        "refused URL 'http://169.254.169.254/latest/meta-data/': 169.254.169.254 is a link-local address "
        "(cloud metadata); it is never audited"]
    at = submit_audit(at, "http://127.0.0.1:8501/")
    assert [e.value for e in at.error] == [
        "refused URL 'http://127.0.0.1:8501/': 127.0.0.1 is a loopback address; only public addresses are "
        "audited here (list the host in A11Y_ALLOWED_HOSTS, or set A11Y_ALLOW_PRIVATE=1 for local use)"]
    at.text_input(key="audit_sitemap").set_value("http://0xa9fea9fe/sitemap.xml")
    at = submit_audit(at, "")
    assert [e.value for e in at.error] == [
        "refused URL 'http://0xa9fea9fe/sitemap.xml': 0xa9fea9fe is 169.254.169.254, a link-local address "
        "(cloud metadata); it is never audited"]
    assert jobs.list_jobs(app_db) == []
    assert "job" not in at.query_params


def test_local_use_changes_the_notice_but_never_allows_the_metadata_address(app_db, monkeypatch):
    monkeypatch.delenv("A11Y_ALLOWED_HOSTS", raising=False)
    monkeypatch.setenv("A11Y_ALLOW_PRIVATE", "1")
    at = open_page("audit.py")
    assert ("This app audits public web addresses and, for local use (A11Y_ALLOW_PRIVATE is on), this machine "
            "and private networks. Link-local and cloud metadata addresses are never audited.") in texts(at)
    at = submit_audit(at, "http://[fe80::1]/")
    assert [e.value for e in at.error] == ["refused URL 'http://[fe80::1]/': fe80::1 is a link-local address; "
                                           "it is never audited"]
    assert jobs.list_jobs(app_db) == []
    monkeypatch.setenv("A11Y_ALLOW_PRIVATE", "perhaps")
    at = open_page("audit.py")
    assert "A11Y_ALLOW_PRIVATE must be 1 (allow local and private addresses) or 0, got 'perhaps'" in texts(at)
    assert APP_NOTICE in texts(at)


def test_a_running_job_shows_its_progress_and_can_be_cancelled(app_db):
    request = jobs.make_request("http://127.0.0.1:9/a\nhttp://127.0.0.1:9/b\nhttp://127.0.0.1:9/c")
    job_id = jobs.create_job(app_db, request)
    with app_db.begin() as conn:
        conn.execute(jobs.audit_jobs.update().values(status="running", done=1, current_url="http://127.0.0.1:9/a"))
    at = open_page("audit.py")  # no ?job=: the newest running job is followed
    assert not at.exception
    assert "Auditing: http://127.0.0.1:9" in texts(at)
    assert "Last page checked: http://127.0.0.1:9/a" in texts(at)
    progress = at.get("progress")[0].proto
    assert (progress.value, progress.text) == (33, "1 of 3 pages checked")  # 1 of 3, in percent
    at.button(key=f"cancel:{job_id}").click().run()
    assert jobs.get_job(app_db, job_id)["cancel_requested"] is True
    assert "Stopping after the page under way…" in texts(at)


def finished_job(app_db, report) -> str:
    job_id = jobs.create_job(app_db, jobs.make_request("\n".join(p["url"] for p in report["pages"])))
    audit_id = history.save_audit(app_db, report)
    n = len(report["pages"])
    with app_db.begin() as conn:
        conn.execute(jobs.audit_jobs.update().values(status="done", done=n, total=n, audit_id=audit_id))
    return job_id


def test_a_finished_job_links_to_its_results(app_db):
    job_id = finished_job(app_db, v1_report(with_error=False))
    at = open_page("audit.py", job=job_id)
    assert "Finished: http://127.0.0.1:8000" in texts(at)
    assert at.get("progress")[0].proto.text == "4 of 4 pages audited"
    assert [s.value for s in at.success] == [
        "Finished: 4 of 4 pages audited. The audit is stored with the site's history."]
    assert at.get("page_link")[0].proto.label == "See the results"
    assert "Recent audits" in texts(at)
    assert at.dataframe[0].value["Pages"].tolist() == ["4 of 4 pages audited"]


def forbidden_report(url: str = "http://127.0.0.1:8000/members.html") -> dict:
    """What an audit whose only page answered HTTP 403 stores (tests/a11y/test_jobs.py runs one for real)."""
    return make_report([PageResult(url=url, status="error", error="HTTP 403")], axe_version="4.10.2",
                       standard="wcag22aa")


def test_a_job_whose_only_page_answered_403_audited_nothing(app_db):
    job_id = finished_job(app_db, forbidden_report())
    at = open_page("audit.py", job=job_id)
    assert not at.exception
    assert at.get("progress")[0].proto.text == "0 of 1 page audited; 1 page could not be audited (HTTP 403)"
    assert [e.value for e in at.error] == [
        "Finished: 0 of 1 page audited; 1 page could not be audited (HTTP 403). "
        "Not audited: http://127.0.0.1:8000/members.html (HTTP 403). The audit is stored with the site's history."]
    assert not at.success
    assert at.dataframe[0].value["Pages"].tolist() == ["0 of 1 page audited"]


def test_a_job_with_some_pages_not_audited_warns_and_names_them(app_db):
    job_id = finished_job(app_db, v1_report())  # the fifth page answered 404
    at = open_page("audit.py", job=job_id)
    assert [w.value for w in at.warning] == [
        "Finished: 4 of 5 pages audited; 1 page could not be audited (HTTP 404 Not Found). "
        "Not audited: http://127.0.0.1:8000/gone.html (HTTP 404 Not Found). "
        "The audit is stored with the site's history."]
    assert not at.success and not at.error


def test_a_long_list_of_pages_not_audited_is_cut_in_the_finish_message(app_db):
    pages = [PageResult(url=f"http://127.0.0.1:8000/m{i}.html", status="error", error="HTTP 403") for i in range(7)]
    job_id = finished_job(app_db, make_report(pages, axe_version="4.10.2", standard="wcag22aa"))
    at = open_page("audit.py", job=job_id)
    (message,) = [e.value for e in at.error]
    assert message.startswith("Finished: 0 of 7 pages audited; 7 pages could not be audited (HTTP 403 ×7). "
                              "Not audited: http://127.0.0.1:8000/m0.html (HTTP 403); ")
    assert message.endswith("http://127.0.0.1:8000/m4.html (HTTP 403); and 2 others. "
                            "The audit is stored with the site's history.")


# --- results -------------------------------------------------------------------------------------

def test_results_totals_filters_details_and_downloads(app_db):
    audit_id = history.save_audit(app_db, v1_report(), finished_at=T0)
    fp = v1_report()["pages"][0]["violations"][0]["nodes"][0]["fingerprint"]
    with app_db.begin() as conn:
        conn.execute(history.audit_screenshots.insert().values(
            audit_id=audit_id, url=SHOP, rule="image-alt", fingerprint=fp, png=_tiny_png()))
    at = open_page("audit_results.py", audit=str(audit_id))
    assert not at.exception
    assert [(m.label, m.value) for m in at.metric] == [
        ("Pages audited", "4 of 5"), ("Failing elements", "14"), ("Screen-reader elements", "13"),
        ("Needs review", "1"), ("Critical", "6"), ("Serious", "7"), ("Moderate", "1"), ("Minor", "0")]
    assert [w.value for w in at.warning] == ["4 of 5 pages audited; 1 page could not be audited (HTTP 404 Not Found)."]
    statuses = at.dataframe[0].value
    assert statuses["Status"].tolist() == ["Audited"] * 4 + ["Not audited (HTTP 404 Not Found)"]
    assert statuses["Failing elements"].tolist()[:4] == [4, 4, 6, 0]
    assert "14 of 14 failing elements match." in texts(at)
    assert len(at.expander) == 14
    assert [b.label for b in at.get("download_button")] == ["JSON", "HTML", "CSV", "JUnit XML", "SARIF"]
    # the one stored screenshot, inside the details of the shop logo's image-alt
    assert [len(e.get("image")) for e in at.expander] == [1] + [0] * 13

    at.radio(key="f_sr").set_value("other").run()
    assert "1 of 14 failing elements match." in texts(at)
    assert at.expander[0].label == "color-contrast · serious · not screen reader · /shop.html"
    at.radio(key="f_sr").set_value("all")
    at.multiselect(key="f_rules").set_value(["label"])
    at.multiselect(key="f_impacts").set_value(["critical"]).run()
    assert "3 of 14 failing elements match." in texts(at)
    at.multiselect(key="f_sources").set_value(["custom"]).run()
    assert "0 of 14 failing elements match." in texts(at)


def _tiny_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(out, format="PNG")
    return out.getvalue()


def test_results_without_audits_points_to_the_audit_page(app_db):
    at = open_page("audit_results.py")
    assert "No audit is stored yet. Run one on the Audit page." in texts(at)


def test_results_of_an_audit_that_audited_nothing_never_say_no_violations(app_db):
    audit_id = history.save_audit(app_db, forbidden_report(), finished_at=T0)
    at = open_page("audit_results.py", audit=str(audit_id))
    assert not at.exception
    assert (at.metric[0].label, at.metric[0].value) == ("Pages audited", "0 of 1")
    assert not at.success
    assert [e.value for e in at.error] == ["0 of 1 page audited; 1 page could not be audited (HTTP 403)."]
    assert [w.value for w in at.warning] == [
        "No page could be audited, so nothing was checked: see Pages above for the reasons."]
    statuses = at.dataframe[0].value
    assert statuses.to_dict("records") == [{"Page": "http://127.0.0.1:8000/members.html",
                                            "Status": "Not audited (HTTP 403)", "Failing elements": None}]
    assert "Components across pages" not in texts(at) and "Nothing needs review." not in texts(at)
    assert at.selectbox(key="results_audit").options == [
        "http://127.0.0.1:8000 · 2026-11-01 09:00 · 0 of 1 page audited (audit 1)"]


def test_results_of_a_clean_audit_say_no_violations_on_the_audited_pages(app_db):
    clean = make_report([recorded_page("v1", "clean")], axe_version="4.10.2", standard="wcag22aa")
    audit_id = history.save_audit(app_db, clean, finished_at=T0)
    at = open_page("audit_results.py", audit=str(audit_id))
    assert [s.value for s in at.success] == ["No violations found on the 1 audited page."]
    assert "1 of 1 page audited." in texts(at)


def test_results_page_starts_with_its_title(app_db):
    history.save_audit(app_db, v1_report(), finished_at=T0)
    at = open_page("audit_results.py")
    first = at.main.children[0]
    assert (first.type, first.value) == ("title", "Audit results")
    assert "Findings shown with their details at once" not in texts(at)


def open_in_zone(page: str, zone: str | None, offset: int | None, **query):
    """``open_page`` for a browser in ``zone`` (offset in minutes behind UTC, as browsers give it)."""
    at = app(signed_in=True)
    at.context = {"timezone": zone, "timezone_offset": offset}
    at.run()
    at.query_params.update(query)
    at.switch_page(f"app_pages/{page}")
    return at.run()


WINTER_EVENING = datetime(2026, 1, 15, 19, 30, tzinfo=UTC)


@pytest.mark.parametrize(("zone", "offset", "label", "shown"), [
    ("UTC", 0, "UTC", "2026-01-15 19:30"),
    ("Europe/Berlin", -60, "Europe/Berlin", "2026-01-15 20:30"),
    (None, -60, "UTC+01:00", "2026-01-15 20:30"),  # a browser that gave only its offset
    (None, None, "UTC", "2026-01-15 19:30"),
])
def test_times_are_in_the_researchers_zone_on_a_24_hour_clock(app_db, zone, offset, label, shown):
    first = history.save_audit(app_db, v1_report(), finished_at=WINTER_EVENING - timedelta(days=7))
    second = history.save_audit(app_db, v2_report(), finished_at=WINTER_EVENING)
    at = open_in_zone("audit_history.py", zone, offset)
    assert not at.exception
    table = at.dataframe[0].value
    assert table[f"Finished ({label})"].tolist()[0] == shown
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert spec["encoding"]["x"]["title"] == f"Audit finished ({label})"
    assert spec["encoding"]["color"]["legend"]["title"] == "Line"
    assert at.selectbox(key="diff_after").format_func(second).startswith(f"{shown} · 12 failing elements")
    assert at.selectbox(key="diff_before").value == first

    at = open_in_zone("audit_results.py", zone, offset, audit=str(second))
    assert f"finished {shown} ({label})" in texts(at)
    assert at.selectbox(key="results_audit").value == second


# --- history -------------------------------------------------------------------------------------

def test_history_lists_charts_and_compares(app_db):
    first = history.save_audit(app_db, v1_report(), finished_at=T0)
    second = history.save_audit(app_db, v2_report(), finished_at=T0 + timedelta(days=7))
    at = open_page("audit_history.py")
    assert not at.exception
    assert at.selectbox(key="history_site").value == "http://127.0.0.1:8000"
    assert len(at.get("vega_lite_chart")) == 1
    table = at.dataframe[0].value
    assert table["Audit"].tolist() == [second, first] and table["Failing elements"].tolist() == [12, 14]
    assert [(m.label, m.value) for m in at.metric] == [
        ("New since the earlier audit", "1"), ("Fixed since the earlier audit", "3"), ("Unchanged", "11")]
    assert at.dataframe[1].value["Rule"].tolist() == ["button-name"]
    assert at.dataframe[2].value["Rule"].tolist() == ["image-alt", "link-name", "color-contrast"]
    at.selectbox(key="diff_before").set_value(second).run()
    assert "Choose two different audits." in texts(at)


def test_history_with_one_audit_asks_for_a_second(app_db):
    history.save_audit(app_db, v1_report(), finished_at=T0)
    at = open_page("audit_history.py")
    assert "Run a second audit of this site to see what changed." in texts(at)


# --- preview -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "message"), [
    ("http://169.254.169.254/latest/meta-data/",
     "169.254.169.254 is a link-local address (cloud metadata); it is never audited"),
    ("file:///etc/hosts", "only http and https URLs are audited"),
    ("javascript:alert(1)", "only http and https URLs are audited"),
    ("http://192.168.1.1/", "host '192.168.1.1' is not in the allowed hosts (example.org)"),
])
def test_preview_refuses_unsafe_urls(app_db, monkeypatch, url, message):
    monkeypatch.setenv("A11Y_ALLOWED_HOSTS", "example.org")
    at = open_page("preview.py")
    at.text_input(key="preview_url").set_value(url)
    at.button[0].click()
    at.run()
    assert len(at.error) == 1 and message in at.error[0].value
    assert "Headings outline" not in texts(at)


def test_preview_says_which_hosts_and_refuses_local_addresses_by_default(app_db, monkeypatch):
    monkeypatch.delenv("A11Y_ALLOWED_HOSTS", raising=False)
    monkeypatch.delenv("A11Y_ALLOW_PRIVATE", raising=False)
    at = open_page("preview.py")
    assert APP_NOTICE in texts(at)
    at.text_input(key="preview_url").set_value("http://localhost:8501/")
    at.button[0].click()
    at.run()
    assert [e.value for e in at.error] == [
        "refused URL 'http://localhost:8501/': localhost resolves to 127.0.0.1, a loopback address; only public "
        "addresses are audited here (list the host in A11Y_ALLOWED_HOSTS, or set A11Y_ALLOW_PRIVATE=1 for local use)"]


# --- site report ---------------------------------------------------------------------------------

def test_site_report_page_offers_the_report(app_db):
    store.create_study(app_db, study_from_spec(
        {"name": "Library", "kind": "open", "cards": ["Opening hours", "Contact", "Renew a loan", "Fines"]}, "lib"))
    store.import_sorts(app_db, "lib", [Sort(p, (Group("Visit", ("c1", "c2")), Group("Borrow", ("c3", "c4"))))
                                       for p in ("p1", "p2")])
    history.save_audit(app_db, v1_report(), finished_at=T0)
    at = open_page("site_report.py", study="lib")
    assert not at.exception
    assert [(m.label, m.value) for m in at.metric] == [
        ("Proposed categories", "2"), ("Screen-reader components", "9"), ("Of them way-finding", "4")]
    assert [b.label for b in at.get("download_button")] == ["Download the site report (HTML)"]


def test_site_report_page_without_audits(app_db):
    store.create_study(app_db, study_from_spec({"name": "Empty", "kind": "open", "cards": ["A", "B"]}, "e1"))
    at = open_page("site_report.py", study="e1")
    assert "No audit is stored yet. Run one on the Audit page." in texts(at)


def test_clock_zone_from_browser_values():
    from app_pages._clock import show, zone_from, zone_name

    evening = datetime(2026, 1, 15, 19, 30)  # naive, as SQLite gives it back: UTC
    assert [(zone_name(z), show(evening, z)) for z in (
        zone_from("Europe/Berlin", -60), zone_from("Not/AZone", -330), zone_from(None, 300), zone_from(None, None),
        zone_from("../etc/passwd", None))] == [
        ("Europe/Berlin", "2026-01-15 20:30"), ("UTC+05:30", "2026-01-16 01:00"), ("UTC-05:00", "2026-01-15 14:30"),
        ("UTC", "2026-01-15 19:30"), ("UTC", "2026-01-15 19:30")]
    assert show(datetime(2026, 7, 15, 19, 30, tzinfo=UTC), zone_from("Europe/Berlin", None)) == \
        "2026-07-15 21:30"  # summer time
