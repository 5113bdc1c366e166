"""Who started, cancelled and deleted audits, and how each run ended (cardsort.changes, from a11y.jobs and
a11y.history): exactly one change each, in the transaction that changes the job or the audit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from a11y import history, jobs
from cardsort import changes
from tests.a11y.test_report import v1_report

ANA = "ana@example.org"
BO = "bo@example.org"
SITE = "http://127.0.0.1:9"


def request(*paths: str, **options) -> jobs.AuditRequest:
    return jobs.make_request("\n".join(f"{SITE}{p}" for p in paths), **options)


def job_changes(engine, job_id: str) -> list[tuple[str, str, str]]:
    """The job's changes, newest first, as (actor, action, summary)."""
    return [(c["actor"], c["action"], c["summary"]) for c in changes.for_audits(engine, [job_id])]


def test_starting_a_job_records_who_and_what(engine):
    job_id = jobs.create_job(engine, request("/a", "/b", crawl_limit=20), actor=ANA)
    assert job_changes(engine, job_id) == [
        (ANA, "audit.started", "Started an audit of http://127.0.0.1:9: 2 pages, following links up to 20 pages "
                               "(wcag22aa)")]
    [change] = changes.for_audits(engine, [job_id])
    assert change["detail"] == {"site": SITE, "urls": [f"{SITE}/a", f"{SITE}/b"], "pages": 2, "sitemap": None,
                                "crawl": 20, "standard": "wcag22aa"}
    assert change["at"] == jobs.get_job(engine, job_id)["created_at"]


def test_cancelling_records_who_asked_once_and_the_end_is_the_starters(engine):
    """A queued job is cancelled at once: who asked, then its end, as its starter's, in one transaction."""
    job_id = jobs.create_job(engine, request("/never"), actor=ANA)
    jobs.cancel_job(engine, job_id, actor=BO)
    jobs.cancel_job(engine, job_id, actor=ANA)  # asked already: nothing changes, nothing is recorded
    assert jobs.run_job(engine, job_id, request("/never")) == "cancelled"
    assert job_changes(engine, job_id) == [
        (ANA, "audit.finished", "Audit of http://127.0.0.1:9 stopped as asked: nothing stored"),
        (BO, "audit.cancelled", "Asked the audit of http://127.0.0.1:9 to stop"),
        (ANA, "audit.started", "Started an audit of http://127.0.0.1:9: 1 page (wcag22aa)")]
    jobs.cancel_job(engine, job_id, actor=BO)  # a finished job: nothing
    assert len(job_changes(engine, job_id)) == 3


def test_a_finished_job_stores_its_audit_and_records_the_outcome_together(engine):
    report = v1_report()
    job_id = jobs.create_job(engine, jobs.make_request("\n".join(p["url"] for p in report["pages"])), actor=ANA)
    jobs._finish(engine, job_id, "done", report=report)
    job = jobs.get_job(engine, job_id)
    assert (job["status"], job["audited"], job["not_audited"]) == ("done", 4, 1)
    [finished, _] = changes.for_audits(engine, [job_id])
    assert (finished["actor"], finished["action"], finished["audit_id"], finished["summary"]) == (
        ANA, "audit.finished", job["audit_id"],
        f"Audit of http://127.0.0.1:8000 finished: 4 of 5 pages audited; 1 page could not be audited "
        f"(HTTP 404 Not Found); stored as audit {job['audit_id']}")


def test_a_failing_job_records_why(engine):
    job_id = jobs.create_job(engine, request("/a"), actor=ANA)
    jobs._finish(engine, job_id, "failed", error="the sitemap lists no pages that may be audited")
    assert job_changes(engine, job_id)[0] == (
        ANA, "audit.finished", "Audit of http://127.0.0.1:9 failed: the sitemap lists no pages that may be audited")
    assert jobs.get_job(engine, job_id)["error"] == "the sitemap lists no pages that may be audited"


def test_an_audit_that_cannot_be_stored_leaves_the_job_and_its_history_as_they_were(engine):
    job_id = jobs.create_job(engine, request("/a"), actor=ANA)
    empty = {**v1_report(), "pages": []}
    with pytest.raises(ValueError, match="cannot store an audit without pages"):
        jobs._finish(engine, job_id, "done", report=empty)
    assert jobs.get_job(engine, job_id)["status"] == "queued"
    assert history.list_audits(engine) == []
    assert [a for _, a, _ in job_changes(engine, job_id)] == ["audit.started"]


def expire(engine, job_id: str) -> None:
    """The job's worker went silent: its lease is over."""
    with engine.begin() as conn:
        conn.execute(jobs.audit_jobs.update().where(jobs.audit_jobs.c.id == job_id).values(
            lease_until=jobs._now() - timedelta(seconds=1)))


def test_a_job_another_worker_ends_is_recorded_as_its_starter_s(engine):
    """No actor is passed to a worker: the end's actor is read from the job's ``audit.started`` change."""
    report = v1_report()
    job_id = jobs.create_job(engine, jobs.make_request("\n".join(p["url"] for p in report["pages"])), actor=ANA)
    jobs.cancel_job(engine, jobs.create_job(engine, request("/other"), actor=BO), actor=BO)  # another starter
    assert jobs.claim_job(engine, "slow:1") == job_id
    expire(engine, job_id)
    assert jobs.claim_job(engine, "fast:2") == job_id  # handed back and claimed again by another worker
    assert jobs._finish(engine, job_id, "done", worker="slow:1", report=report) is False  # not slow's any more
    assert history.list_audits(engine) == [] and [a for _, a, _ in job_changes(engine, job_id)] == ["audit.started"]
    assert jobs._finish(engine, job_id, "done", worker="fast:2", report=report) is True
    audit_id = jobs.get_job(engine, job_id)["audit_id"]
    assert [h["id"] for h in history.list_audits(engine)] == [audit_id]
    assert job_changes(engine, job_id)[0] == (
        ANA, "audit.finished", f"Audit of http://127.0.0.1:8000 finished: 4 of 5 pages audited; 1 page could not "
                               f"be audited (HTTP 404 Not Found); stored as audit {audit_id}")


def test_a_job_failed_by_another_worker_when_its_lease_ran_out_is_recorded_with_the_reason(engine, monkeypatch):
    monkeypatch.setenv("A11Y_JOB_MAX_ATTEMPTS", "1")
    job_id = jobs.create_job(engine, request("/a"), actor=ANA)
    asked = jobs.create_job(engine, request("/b"), actor=ANA)
    assert jobs.claim_job(engine, "dead:1") == job_id and jobs.claim_job(engine, "dead:1") == asked
    jobs.cancel_job(engine, asked, actor=BO)  # running: only asked; its worker dies before it sees it
    expire(engine, job_id)
    expire(engine, asked)
    assert jobs.claim_job(engine, "alive:2") is None  # nothing left to claim: both ended by this claim
    assert job_changes(engine, job_id) == [
        (ANA, "audit.finished", "Audit of http://127.0.0.1:9 failed: its worker stopped heart-beating 1 time "
                                "(last: worker dead:1); gave up after 1 of 1 attempts"),
        (ANA, "audit.started", "Started an audit of http://127.0.0.1:9: 1 page (wcag22aa)")]
    assert [(a, action) for a, action, _ in job_changes(engine, asked)] == [
        (ANA, "audit.finished"), (BO, "audit.cancelled"), (ANA, "audit.started")]
    assert [jobs.get_job(engine, j)["status"] for j in (job_id, asked)] == ["failed", "cancelled"]


def test_deleting_an_audit_is_recorded(engine):
    audit_id = history.save_audit(engine, v1_report())
    history.delete_audit(engine, audit_id, actor=BO)
    history.delete_audit(engine, audit_id, actor=BO)  # gone already: nothing
    [change] = changes.for_audits(engine, audits=[audit_id])
    assert (change["actor"], change["action"], change["summary"]) == (
        BO, "audit.deleted", f"Deleted audit {audit_id} of http://127.0.0.1:8000")


def test_a_sites_audit_changes_leave_other_sites_out(engine):
    ours = jobs.create_job(engine, request("/a"), actor=ANA)
    jobs.create_job(engine, jobs.make_request("http://127.0.0.2:9/a"), actor=BO)
    jobs.cancel_job(engine, ours, actor=BO)  # queued: cancelled at once, so it also ends (as ANA's)
    rows, total = jobs.audit_changes(engine, SITE, limit=2)
    assert total == 3 and [(r["actor"], r["action"]) for r in rows] == [(ANA, "audit.finished"),
                                                                        (BO, "audit.cancelled")]
    rows, total = jobs.audit_changes(engine)
    assert total == 4 and [r["action"] for r in rows] == ["audit.finished", "audit.cancelled", "audit.started",
                                                          "audit.started"]


@pytest.mark.browser
def test_a_real_run_records_its_start_and_end(engine, site_url, driver):
    req = jobs.make_request(f"{site_url}/clean/index.html")
    job_id = jobs.create_job(engine, req, actor=ANA)
    assert jobs.run_job(engine, job_id, req, driver=driver, screenshots=False) == "done"
    audit_id = jobs.get_job(engine, job_id)["audit_id"]
    assert job_changes(engine, job_id) == [
        (ANA, "audit.finished", f"Audit of {site_url} finished: 1 of 1 page audited; stored as audit {audit_id}"),
        (ANA, "audit.started", f"Started an audit of {site_url}: 1 page (wcag22aa)")]
