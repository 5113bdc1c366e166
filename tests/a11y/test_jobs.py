"""Background audit jobs against the local test site: request checks, run, progress, screenshots, cancel.

The browser tests share the session's Chromium (``driver`` of conftest.py) as the
job's caller-owned browser, so no job starts a browser of its own.
"""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from a11y import history, jobs
from a11y.__main__ import main as a11y_main
from a11y.crawl import RefusedURLError
from a11y.screenshots import shrink_png
from tests.app._researcher import open_page
from tests.httpd import Handler, serve

WAIT_SECONDS = 60


def wait_until(check, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"gave up waiting for {what}")


# --- requests ----------------------------------------------------------------------------------

def test_request_from_form_text():
    request = jobs.make_request(" https://a.example/\n# a comment\n\nhttps://a.example/about\nhttps://a.example/ ",
                                crawl_limit=10, standard="wcag21aa", best_practice=False, workers=2,
                                cookies="session=abc\n", headers="X-Token: s3cret")
    assert request.urls == ("https://a.example/", "https://a.example/about")
    assert (request.crawl, request.standard, request.best_practice, request.workers) == (10, "wcag21aa", False, 2)
    assert request.cookies == (("session", "abc"),) and request.headers == (("X-Token", "s3cret"),)
    public = request.public()
    assert public["cookies"] == ["session"] and public["headers"] == ["X-Token"]
    assert "abc" not in repr(request) and "s3cret" not in str(public)


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"urls": "file:///etc/passwd"}, RefusedURLError, "only http and https"),
    ({"urls": "javascript:alert(1)"}, RefusedURLError, "only http and https"),
    ({"urls": "http://10.0.0.7/admin", "allowed_hosts": ["example.org"]}, RefusedURLError,
     "host '10.0.0.7' is not in the allowed hosts"),
    ({"urls": "http://127.0.0.1\\.example.org/", "allowed_hosts": [".example.org"]}, RefusedURLError,
     "a backslash in the host part"),
    ({"urls": "", "sitemap": "http://intranet.local/sitemap.xml", "allowed_hosts": [".example.org"]},
     RefusedURLError, "not in the allowed hosts"),
    ({"urls": "\n# only a comment\n"}, ValueError, "no pages to audit"),
    ({"urls": "https://a.example/", "crawl_limit": 0}, ValueError, "crawl limit must be a whole number from 1 to 500"),
    ({"urls": "https://a.example/", "standard": "wcag3"}, ValueError, "allowed: wcag2a, wcag2aa"),
    ({"urls": "https://a.example/", "workers": 3}, ValueError, "workers must be a whole number from 1 to 2"),
    ({"urls": "https://a.example/", "cookies": "no equals sign"}, ValueError, "expected NAME=VALUE"),
    ({"urls": "https://a.example/", "headers": "Bad header"}, ValueError, "Name: value"),
])
def test_bad_requests_are_refused_before_anything_runs(kwargs, error, message):
    with pytest.raises(error, match=message):
        jobs.make_request(**kwargs)


def test_allowed_subdomains_pass():
    request = jobs.make_request("https://www.example.org/", allowed_hosts=[".example.org"])
    assert request.urls == ("https://www.example.org/",)


def test_sitemap_pages_are_discovered(site_url):
    request = jobs.make_request(f"{site_url}/defects/images.html", sitemap=f"{site_url}/sitemap.xml")
    assert jobs.discover_pages(request) == [f"{site_url}/defects/images.html", f"{site_url}/clean/index.html",
                                            f"{site_url}/clean/about.html"]


# --- job records -------------------------------------------------------------------------------

def test_a_new_job_is_queued_and_a_stale_one_is_interrupted(engine):
    job_id = jobs.create_job(engine, jobs.make_request("http://127.0.0.1:9/a\nhttp://127.0.0.1:9/b"))
    job = jobs.get_job(engine, job_id)
    assert (job["status"], job["done"], job["total"], job["site"], job["audit_id"]) == \
        ("queued", 0, 2, "http://127.0.0.1:9", None)
    assert job["request"]["urls"] == ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"]
    with engine.begin() as conn:  # another replica runs it and touched it a moment ago: still running
        conn.execute(jobs.audit_jobs.update().values(owner="another replica", status="running"))
    assert jobs.get_job(engine, job_id)["status"] == "running"
    quiet = datetime.now(UTC) - timedelta(seconds=jobs.STALE_SECONDS + 5)
    with engine.begin() as conn:  # ... and then went quiet (killed, restarted)
        conn.execute(jobs.audit_jobs.update().values(updated_at=quiet))
    job = jobs.get_job(engine, job_id)
    assert job["status"] == "interrupted" and "server running this audit stopped" in job["error"]
    assert [j["id"] for j in jobs.list_jobs(engine)] == [job_id]
    with pytest.raises(LookupError, match="no audit job"):
        jobs.get_job(engine, "nope")


def test_a_waiting_job_keeps_its_row_fresh(engine, monkeypatch):
    """While a job waits for the global limit, it is touched, so it never looks interrupted.

    (Before the jobs were claimed by workers, the limit was a semaphore of each process.)"""
    monkeypatch.setattr(jobs, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setenv("A11Y_MAX_RUNNING_AUDITS", "1")
    request = jobs.make_request("http://127.0.0.1:9/never")
    busy = jobs.create_job(engine, request)
    assert jobs.claim_job(engine, "another-host:1") == busy  # the one allowed audit runs elsewhere
    job_id = jobs.create_job(engine, request)
    old = datetime.now(UTC) - timedelta(hours=1)
    with engine.begin() as conn:
        conn.execute(jobs.audit_jobs.update().where(jobs.audit_jobs.c.id == job_id).values(updated_at=old))
    assert jobs.get_job(engine, job_id)["status"] == "interrupted"
    thread = threading.Thread(target=jobs.run_job, args=(engine, job_id, request), daemon=True)
    thread.start()
    job = wait_until(lambda: (j := jobs.get_job(engine, job_id))["status"] == "queued" and j, "a heartbeat")
    assert job["updated_at"] > old and job["attempts"] == 0
    jobs.cancel_job(engine, job_id)
    thread.join(WAIT_SECONDS)
    assert jobs.get_job(engine, job_id)["status"] == "cancelled"
    assert jobs.get_job(engine, busy)["status"] == "discovering"


def test_a_job_cancelled_before_it_starts_runs_nothing(engine):
    job_id = jobs.create_job(engine, jobs.make_request("http://127.0.0.1:9/never"))
    jobs.cancel_job(engine, job_id)
    assert jobs.run_job(engine, job_id, jobs.make_request("http://127.0.0.1:9/never")) == "cancelled"
    assert jobs.get_job(engine, job_id)["status"] == "cancelled"
    assert history.list_audits(engine) == []


def test_shrink_png_halves_until_it_fits():
    image = Image.effect_noise((400, 300), 100).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    big = buffer.getvalue()
    assert len(big) > 100_000
    small = shrink_png(big, 100_000)
    assert len(small) <= 100_000
    assert Image.open(io.BytesIO(small)).width in (200, 100, 50)
    assert shrink_png(small, 100_000) == small
    with pytest.raises(ValueError, match="at least 1000"):
        shrink_png(big, 10)


@pytest.mark.parametrize(("statuses", "text"), [
    ([("error", "HTTP 403")], "0 of 1 page audited; 1 page could not be audited (HTTP 403)"),
    ([("ok", None)], "1 of 1 page audited"),
    ([("ok", None), ("ok", None), ("error", "HTTP 403"), ("error", "HTTP 403"), ("error", "page load timed out")],
     "2 of 5 pages audited; 3 pages could not be audited (HTTP 403 ×2, page load timed out)"),
])
def test_outcome_never_counts_a_page_that_was_not_audited(statuses, text):
    pages = [{"url": f"https://a.example/{i}", "status": status, "error": error}
             for i, (status, error) in enumerate(statuses)]
    assert jobs.outcome_text(pages) == text


# --- real runs ---------------------------------------------------------------------------------

@pytest.mark.browser
def test_a_job_audits_the_site_stores_the_audit_and_screenshots(engine, site_url, driver):
    request = jobs.make_request(f"{site_url}/defects/images.html\n{site_url}/clean/index.html\n{site_url}/status/500")
    job_id = jobs.create_job(engine, request)
    assert jobs.run_job(engine, job_id, request, driver=driver) == "done"
    job = jobs.get_job(engine, job_id)
    assert (job["status"], job["done"], job["total"], job["error"]) == ("done", 3, 3, None)
    audit = history.get_audit(engine, job["audit_id"])
    pages = audit["report"]["pages"]
    assert [(p["url"].removeprefix(site_url), p["status"]) for p in pages] == [
        ("/defects/images.html", "ok"), ("/clean/index.html", "ok"), ("/status/500", "error")]
    assert sorted((f["rule"], len(f["nodes"])) for f in pages[0]["violations"]) == [
        ("image-alt", 2), ("input-image-alt", 1), ("role-img-alt", 1)]
    assert pages[1]["violations"] == []
    assert (audit["pages"], audit["error_pages"], audit["nodes"]) == (3, 1, 4)
    keys = history.screenshot_keys(engine, job["audit_id"])
    assert sorted(rule for _, rule, _ in keys) == ["image-alt", "input-image-alt", "role-img-alt"]
    url, rule, fp = next(k for k in keys if k[1] == "image-alt")
    assert fp == pages[0]["violations"][[f["rule"] for f in pages[0]["violations"]].index("image-alt")
                                        ]["nodes"][0]["fingerprint"]
    png = history.get_screenshot(engine, job["audit_id"], url, rule, fp)
    picture = Image.open(io.BytesIO(png))
    assert picture.format == "PNG" and picture.width > 100
    # the highlight box is gone again: the page has no overlay left
    assert driver.execute_script("return document.getElementById('a11y-audit-highlight')") is None


@pytest.mark.browser
def test_a_running_job_reports_progress_and_stops_when_cancelled(engine, site_url, driver):
    urls = [f"{site_url}/clean/about.html", f"{site_url}/slow", f"{site_url}/clean/index.html"]
    job_id = jobs.start_audit(engine, jobs.make_request("\n".join(urls)), driver=driver, screenshots=False)
    job = wait_until(lambda: (j := jobs.get_job(engine, job_id))["done"] >= 1 and j, "the first page")
    assert (job["status"], job["total"], job["current_url"]) == ("running", 3, urls[0])
    jobs.cancel_job(engine, job_id)
    job = wait_until(lambda: (j := jobs.get_job(engine, job_id))["status"] in jobs.FINAL and j, "the cancel")
    assert job["status"] == "cancelled" and job["done"] < 3 and job["cancel_requested"] is True
    assert history.list_audits(engine) == []
    jobs.cancel_job(engine, job_id)  # cancelling a finished job changes nothing
    assert jobs.get_job(engine, job_id)["status"] == "cancelled"


class Forbidden(Handler):
    """Every page answers HTTP 403, as a members-only area does to a browser without a session."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_html(b"<!doctype html><html lang='en'><title>Forbidden</title><main><h1>Members only</h1>"
                       b"</main></html>", status=403)


@pytest.mark.browser
def test_a_page_answering_403_is_not_counted_as_audited_anywhere(app_db, driver):
    server = serve(Forbidden)
    url = f"http://127.0.0.1:{server.server_address[1]}/members/"
    try:
        request = jobs.make_request(url)
        job_id = jobs.create_job(app_db, request)
        assert jobs.run_job(app_db, job_id, request, driver=driver, screenshots=False) == "done"
        job = jobs.get_job(app_db, job_id)
        # the page was checked (the progress bar is full), and not audited
        assert (job["done"], job["total"], job["audited"], job["not_audited"]) == (1, 1, 0, 1)
        report = history.get_audit(app_db, job["audit_id"])["report"]
        assert report["summary"]["pages"] == {"total": 1, "ok": 0, "error": 1}
        assert report["pages"][0]["error"] == "HTTP 403"

        at = open_page("audit.py", job=job_id)
        assert at.get("progress")[0].proto.text == "0 of 1 page audited; 1 page could not be audited (HTTP 403)"
        assert [e.value for e in at.error] == [
            f"Finished: 0 of 1 page audited; 1 page could not be audited (HTTP 403). Not audited: {url} "
            "(HTTP 403). The audit is stored with the site's history."]
        assert not at.success

        at = open_page("audit_results.py", audit=str(job["audit_id"]))
        assert (at.metric[0].label, at.metric[0].value) == ("Pages audited", "0 of 1")
        assert not at.success  # never "No violations found" when nothing was audited
        assert at.dataframe[0].value["Status"].tolist() == ["Not audited (HTTP 403)"]

        # the command line: a page that could not be audited is exit 2
        out, err = io.StringIO(), io.StringIO()
        assert a11y_main(["audit", url], stdout=out, stderr=err, driver=driver) == 2
        assert json.loads(out.getvalue())["pages"][0]["status"] == "error"
        assert f"a11y: not audited: {url}: HTTP 403" in err.getvalue()
    finally:
        server.shutdown()


# --- steps and states ------------------------------------------------------------------------------

def test_a_request_carries_its_steps_config_and_the_row_never_holds_typed_values():
    config = json.dumps({"pages": [{"url": "https://a.example/login", "steps": [
        {"action": "set", "selector": "#password", "value": "hunter2"}, {"action": "audit"}]}]})
    request = jobs.make_request("https://a.example/login", config=config, states=False)
    assert request.states is False
    assert [s.action for s in request.config.steps_for("https://a.example/login")] == ["set", "audit"]
    public = request.public()
    assert public["config"]["pages"][0]["steps"][0] == {"action": "set", "selector": "#password", "value": "***"}
    assert public["states"] is False
    assert "hunter2" not in json.dumps(public) and "hunter2" not in repr(request)
    assert jobs.make_request("https://a.example/", config="  \n").config is None


def test_a_bad_config_is_refused_with_the_request():
    with pytest.raises(ValueError) as caught:
        jobs.make_request("https://a.example/", config='{"pages": [{"url": "*", "steps": [{"action": "hover"}]}]}')
    assert str(caught.value) == ("config: pages[0].steps[0]: unknown action 'hover'; "
                                 "allowed: navigate, click, set, press, wait, audit")


@pytest.mark.browser
def test_a_job_runs_steps_and_states_and_takes_no_screenshot_of_a_closed_state(engine, site_url, driver):
    config = json.dumps({"pages": [{"url": f"{site_url}/states/cookies.html", "steps": [
        {"action": "click", "selector": "#accept-cookies"}]}]})
    request = jobs.make_request(f"{site_url}/states/cookies.html\n{site_url}/states/menu-js.html", config=config)
    job_id = jobs.create_job(engine, request)
    assert jobs.run_job(engine, job_id, request, driver=driver) == "done"
    job = jobs.get_job(engine, job_id)
    assert job["request"]["config"]["pages"][0]["steps"] == [{"action": "click", "selector": "#accept-cookies"}]
    pages = history.get_audit(engine, job["audit_id"])["report"]["pages"]
    assert pages[0]["violations"] == []  # the banner was dismissed
    assert [(f["rule"], f["state"]) for f in pages[1]["violations"]] == [
        ("link-name", "after opening button 'Products' (#nav-products)")]
    assert history.screenshot_keys(engine, job["audit_id"]) == set()  # the menu is closed again: no box on nothing


# --- claimed by workers ----------------------------------------------------------------------------

def test_a_job_with_a_cookie_is_pinned_to_its_server_and_fails_when_that_server_is_gone(engine, monkeypatch):
    """Cookies never reach the database, so only the server that holds them may run the job."""
    monkeypatch.setenv("A11Y_JOB_LEASE_SECONDS", "3")
    request = jobs.make_request("http://127.0.0.1:9/private/", cookies="a11y_session=letmein")
    job_id = jobs.create_job(engine, request)
    with engine.connect() as conn:
        row = conn.execute(jobs.audit_jobs.select().where(jobs.audit_jobs.c.id == job_id)).one()
    assert row.pinned_to == jobs._PROCESS and "letmein" not in row.request
    plain = jobs.create_job(engine, jobs.make_request("http://127.0.0.1:9/public/"))
    with engine.begin() as conn:  # as another server sees it: pinned to someone else
        conn.execute(jobs.audit_jobs.update().where(jobs.audit_jobs.c.id == job_id).values(pinned_to="other"))
    assert jobs.claim_job(engine, "worker-elsewhere:1") == plain  # the first job is skipped
    assert jobs.get_job(engine, job_id)["status"] == "queued"
    with engine.begin() as conn:  # its server stopped renewing it
        conn.execute(jobs.audit_jobs.update().where(jobs.audit_jobs.c.id == job_id)
                     .values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert jobs.claim_job(engine, "worker-elsewhere:1") is None
    job = jobs.get_job(engine, job_id)
    assert (job["status"], job["error"]) == (
        "failed", "the server holding this audit's cookies, headers or typed values stopped before it ran; "
                  "run it again")


def test_a_job_row_gives_back_the_request_it_was_made_from():
    config = json.dumps({"pages": [{"url": "*", "steps": [{"action": "click", "selector": "#ok"}]}]})
    request = jobs.make_request("https://a.example/\nhttps://a.example/b", sitemap="https://a.example/sitemap.xml",
                                crawl_limit=7, standard="wcag21aa", best_practice=False, workers=2, viewport=False,
                                keyboard=False, wait_ms=500, wait_for="#app", settle_quiet_ms=300,
                                settle_cap_ms=4000, max_scrolls=3, config=config, states=False)
    assert not jobs.holds_secrets(request)
    assert jobs.request_from_row(json.loads(json.dumps(request.public()))) == request


@pytest.mark.browser
def test_the_app_runs_an_audit_with_its_own_worker_and_keeps_the_cookie_in_memory(engine, site_url):
    """No external worker: the app server's own worker claims the job and runs it, cookie and all."""
    from a11y import worker

    request = jobs.make_request(f"{site_url}/private/account.html", cookies="a11y_session=letmein",
                                viewport=False, keyboard=False, states=False)
    try:
        job_id = jobs.start_audit(engine, request)
        job = wait_until(lambda: (j := jobs.get_job(engine, job_id))["status"] in jobs.FINAL and j, "the audit")
    finally:
        worker.stop_app_worker(engine)
    assert (job["status"], job["attempts"], job["claimed_by"], job["audited"], job["not_audited"]) == (
        "done", 1, f"{jobs.worker_name()}:app", 1, 0)  # 401 without the cookie: it would not be audited
    assert job_id not in jobs._SECRETS


def test_claims_racing_from_many_threads_respect_the_global_limit(engine, monkeypatch):
    """Eight threads claim at once, again and again: three jobs are claimed (the limit), each by one of them."""
    monkeypatch.setenv("A11Y_MAX_RUNNING_AUDITS", "3")
    ids = [jobs.create_job(engine, jobs.make_request(f"http://127.0.0.1:9/{i}")) for i in range(10)]
    claimed: list[tuple[str, str]] = []
    start = threading.Barrier(8)

    def claimer(n: int) -> None:
        start.wait()
        for _ in range(5):
            if (job_id := jobs.claim_job(engine, f"thread-{n}")) is not None:
                claimed.append((job_id, f"thread-{n}"))

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_SECONDS)
    assert sorted(j for j, _ in claimed) == sorted(ids[:3])  # the oldest three, once each
    for job_id, who in claimed:
        job = jobs.get_job(engine, job_id)
        assert (job["status"], job["claimed_by"], job["attempts"]) == ("discovering", who, 1)
    assert [jobs.get_job(engine, i)["status"] for i in ids[3:]] == ["queued"] * 7


def test_a_worker_whose_lease_ran_out_can_no_longer_write_to_the_job(engine, monkeypatch):
    monkeypatch.setenv("A11Y_JOB_MAX_ATTEMPTS", "3")
    job_id = jobs.create_job(engine, jobs.make_request("http://127.0.0.1:9/a"))
    assert jobs.claim_job(engine, "slow:1") == job_id
    assert jobs._update(engine, job_id, "slow:1", done=1) is True
    with engine.begin() as conn:  # slow:1 missed its heartbeats
        conn.execute(jobs.audit_jobs.update().values(lease_until=datetime.now(UTC) - timedelta(seconds=1)))
    assert jobs.claim_job(engine, "fast:2") == job_id  # handed back and claimed again in one transaction
    job = jobs.get_job(engine, job_id)
    assert (job["status"], job["claimed_by"], job["attempts"], job["done"]) == ("discovering", "fast:2", 2, 0)
    assert job["error"] == "worker slow:1 stopped heart-beating; attempt 1 of 3 lost, waiting for another worker"
    assert jobs._update(engine, job_id, "slow:1", status="done") is False
    assert not jobs.release_job(engine, job_id, "slow:1")
    assert jobs.get_job(engine, job_id)["status"] == "discovering"
