"""Audit workers as separate processes sharing one database: ``python -m a11y worker``.

Real worker processes, real Chromium, the local test site (its ``/delay/<ms>/`` pages make a
job last long enough to be seen, killed or stopped). SQLite always (a file the processes share),
PostgreSQL in a throw-away schema when TEST_DATABASE_URL is set. The tests that kill workers use
leases of 5 s so a killed worker's job is taken over quickly; the others 30 s, so that a worker
starved of CPU on a busy machine never looks dead.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from a11y import history, jobs
from cardsort import settings, store

ROOT = Path(__file__).resolve().parents[2]
LEASE = 5
"""Seconds of a lease in the tests that kill workers."""
LONG_LEASE = 30
WAIT_SECONDS = 120


@pytest.fixture(params=[pytest.param("sqlite", id="sqlite"), pytest.param("postgres", id="postgres", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.text("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL not set")])])
def db(request, tmp_path):
    """(engine, url) of an empty database the test and its worker processes share."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jobs.db'}"
        engine = store.make_engine(url)
        yield engine, url
        engine.dispose()
        return
    base = str(settings.text("TEST_DATABASE_URL"))
    schema = f"w_{uuid.uuid4().hex[:12]}"
    engine = store.make_engine(base, schema=schema)
    yield engine, f"{base}?options=-csearch_path%3D{schema}"
    engine.dispose()
    cleanup = sa.create_engine(base)
    with cleanup.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    cleanup.dispose()


class Workers:
    """Worker processes started by one test, each in a process group of its own (so its browsers can be
    cleaned up after a ``kill -9``); every group is killed at the end."""

    def __init__(self, url: str, tmp_path: Path) -> None:
        self.url, self.tmp_path, self.procs = url, tmp_path, []

    def start(self, *args: str, limit: int = 2, attempts: int = 3, lease: int = LONG_LEASE) -> subprocess.Popen:
        env = dict(os.environ, DATABASE_URL=self.url, A11Y_MAX_RUNNING_AUDITS=str(limit),
                   A11Y_JOB_LEASE_SECONDS=str(lease), A11Y_JOB_MAX_ATTEMPTS=str(attempts), PYTHONUNBUFFERED="1")
        log = open(self.tmp_path / f"worker{len(self.procs)}.log", "w+")  # noqa: SIM115 - closed in stop_all
        proc = subprocess.Popen([sys.executable, "-m", "a11y", "worker", "--poll", "0.2", *args], cwd=ROOT,
                                env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
        proc.log = log  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    @staticmethod
    def name(proc: subprocess.Popen) -> str:
        return f"{os.uname().nodename}:{proc.pid}"

    @staticmethod
    def output(proc: subprocess.Popen) -> str:
        proc.log.flush()  # type: ignore[attr-defined]
        return Path(proc.log.name).read_text()  # type: ignore[attr-defined]

    def stop_all(self) -> None:
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the worker, its chromedrivers and Chromiums
            except ProcessLookupError:
                pass
            proc.wait(30)
            proc.log.close()  # type: ignore[attr-defined]


@pytest.fixture
def workers(db, tmp_path):
    pool = Workers(db[1], tmp_path)
    yield pool
    pool.stop_all()


def quick_request(*urls: str) -> jobs.AuditRequest:
    """A request audited fast: axe only, right after load."""
    return jobs.make_request("\n".join(urls), viewport=False, keyboard=False, states=False, settle_cap_ms=0,
                             max_scrolls=0)


def rows(engine) -> dict[str, sa.Row]:
    with engine.connect() as conn:
        return {r.id: r for r in conn.execute(sa.select(jobs.audit_jobs))}


def wait_for(check, what: str, seconds: float = WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"gave up waiting for {what}")


@pytest.mark.browser
def test_two_workers_never_run_more_than_the_global_limit_and_run_each_job_once(db, workers, site_url):
    engine, _ = db
    ids = [jobs.create_job(engine, quick_request(f"{site_url}/delay/1500/clean/index.html?job={i}"))
           for i in range(5)]
    first, second = workers.start("--concurrency", "2"), workers.start("--concurrency", "2")  # room for 4
    most, deadline = 0, time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        states = [r.status for r in rows(engine).values()]
        most = max(most, sum(s in jobs.RUNNING for s in states))
        if all(s == "done" for s in states):
            break
        time.sleep(0.05)
    final = rows(engine)
    assert [final[i].status for i in ids] == ["done"] * 5
    assert most == 2  # sampled every 50 ms: two at a time, never three or four
    assert [final[i].attempts for i in ids] == [1] * 5  # each job started exactly once
    assert {final[i].claimed_by for i in ids} <= {workers.name(first), workers.name(second)}
    claims = [line for proc in (first, second) for line in workers.output(proc).splitlines()
              if line.endswith(": claimed")]
    assert sorted(claims) == sorted(f"a11y worker: job {i}: claimed" for i in ids)
    audits = history.list_audits(engine)
    assert len(audits) == 5 and sorted(final[i].audit_id for i in ids) == sorted(a["id"] for a in audits)
    pages = sorted(history.get_audit(engine, a["id"])["report"]["pages"][0]["url"] for a in audits)
    assert pages == sorted(f"{site_url}/delay/1500/clean/index.html?job={i}" for i in range(5))


@pytest.mark.browser
def test_a_killed_workers_job_is_taken_over_after_the_lease_and_finished(db, workers, site_url, monkeypatch):
    engine, _ = db
    monkeypatch.setenv("A11Y_JOB_LEASE_SECONDS", str(LEASE))
    job_id = jobs.create_job(engine, quick_request(f"{site_url}/delay/8000/clean/index.html",
                                                   f"{site_url}/clean/about.html"))
    doomed = workers.start(lease=LEASE)
    wait_for(lambda: rows(engine)[job_id].status == "running", "the first worker to run the job")
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(30)
    killed_at = time.monotonic()
    rescuer = workers.start(lease=LEASE)
    time.sleep(max(0.0, killed_at + LEASE - 1.5 - time.monotonic()))  # renewed < LEASE/6 s before the kill
    row = rows(engine)[job_id]
    assert (row.status, row.claimed_by, row.attempts) == ("running", workers.name(doomed), 1)  # still its lease
    wait_for(lambda: rows(engine)[job_id].status == "done", "the second worker to finish the job")
    job = jobs.get_job(engine, job_id)
    assert (job["status"], job["attempts"], job["claimed_by"], job["done"], job["total"], job["error"]) == \
        ("done", 2, workers.name(rescuer), 2, 2, None)
    assert [a["id"] for a in history.list_audits(engine)] == [job["audit_id"]]


@pytest.mark.browser
def test_a_job_whose_workers_keep_dying_fails_after_the_last_attempt(db, workers, site_url, monkeypatch):
    engine, _ = db
    monkeypatch.setenv("A11Y_JOB_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("A11Y_JOB_LEASE_SECONDS", str(LEASE))
    job_id = jobs.create_job(engine, quick_request(f"{site_url}/delay/30000/clean/index.html"))
    names = []
    for attempt in (1, 2):
        proc = workers.start(attempts=2, lease=LEASE)
        wait_for(lambda n=attempt: (r := rows(engine)[job_id]).status == "running" and r.attempts == n,
                 f"attempt {attempt}")
        names.append(workers.name(proc))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    assert rows(engine)[job_id].status == "running"  # nobody knows yet
    time.sleep(LEASE + 0.5)
    assert jobs.claim_job(engine, "test:0") is None  # the next claim sees the lease ran out, and gives up
    job = jobs.get_job(engine, job_id)
    assert (job["status"], job["attempts"], job["error"]) == (
        "failed", 2, f"its worker stopped heart-beating 2 times (last: worker {names[1]}); "
                     "gave up after 2 of 2 attempts")
    assert history.list_audits(engine) == []


@pytest.mark.browser
def test_sigterm_hands_the_running_job_back_and_the_worker_exits_cleanly(db, workers, site_url):
    engine, _ = db
    job_id = jobs.create_job(engine, quick_request(f"{site_url}/delay/3000/clean/index.html",
                                                   f"{site_url}/clean/about.html"))
    worker = workers.start()
    wait_for(lambda: rows(engine)[job_id].status == "running", "the worker to run the job")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(60) == 0
    name = workers.name(worker)
    lines = workers.output(worker).splitlines()
    assert lines[-3:] == ["a11y worker: SIGTERM: stopping (running audits are handed back)",
                          f"a11y worker: job {job_id}: released (handed back to the queue)",
                          f"a11y worker: worker {name}: stopped"]
    job = jobs.get_job(engine, job_id)
    assert (job["status"], job["attempts"], job["done"], job["error"]) == (
        "queued", 0, 0, f"worker {name} stopped and handed it back")
    assert history.list_audits(engine) == []
    # another worker takes it at once (no lease to wait for) and exits when nothing is left
    again = workers.start("--once")
    assert again.wait(WAIT_SECONDS) == 0
    job = jobs.get_job(engine, job_id)
    assert (job["status"], job["attempts"], job["claimed_by"], job["total"]) == ("done", 1, workers.name(again), 2)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_the_worker_command_runs_what_waits_and_refuses_bad_settings(db, monkeypatch, tmp_path):
    """In-process (``main``): ``--once`` on an empty queue exits 0 at once; a bad setting or option exits 2."""
    from io import StringIO

    from a11y.__main__ import main

    monkeypatch.setenv("DATABASE_URL", db[1])
    before = signal.getsignal(signal.SIGINT)
    err = StringIO()
    assert main(["worker", "--once", "--poll", "0.1"], stderr=err) == 0
    lines = err.getvalue().splitlines()
    assert lines[0].startswith(f"a11y worker: worker {os.uname().nodename}:{os.getpid()}: started (concurrency 1, "
                               "global limit 2, lease 60 s)")
    assert lines[1:] == [f"a11y worker: worker {os.uname().nodename}:{os.getpid()}: stopped"]
    assert signal.getsignal(signal.SIGINT) is before  # the command's handlers are gone again
    monkeypatch.setenv("A11Y_MAX_RUNNING_AUDITS", "0")
    err = StringIO()
    assert main(["worker", "--once"], stderr=err) == 2
    assert err.getvalue() == "a11y: error: A11Y_MAX_RUNNING_AUDITS must be a whole number from 1 to 1000, not '0'\n"
    monkeypatch.delenv("A11Y_MAX_RUNNING_AUDITS")
    err = StringIO()
    assert main(["worker", "--poll", "0"], stderr=err) == 2
    assert err.getvalue() == "a11y: error: --poll must be from 0.05 to 3600 seconds, got 0.0\n"


SIGNALLED_WORKER = """
import os, signal
from a11y import browser, worker
restore = worker.on_start(lambda signum: print("stop", signal.Signals(signum).name, flush=True))
held = browser.make_driver()  # opened after the start, as a job's browser is
signal.raise_signal(signal.SIGTERM)  # the first: the worker stops claiming, its browsers stay open
print("browser open:", os.path.isdir(held.profile_dir), held.execute_script("return 1 + 1") == 2, flush=True)
print(held.profile_dir, flush=True)
signal.raise_signal(signal.SIGTERM)  # the second: the browsers are closed, then the process ends by the signal
print("still running", flush=True)
"""


@pytest.mark.browser
def test_a_worker_s_first_sigterm_only_stops_it_and_a_second_closes_its_browsers_and_ends_it():
    """``on_start`` puts the worker's handler on top of ``a11y.browser.handle_signals``: both run, in that order."""
    from a11y import browser

    done = subprocess.run([sys.executable, "-c", SIGNALLED_WORKER], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120, start_new_session=True)
    stop, is_open, folder = done.stdout.splitlines()
    assert (done.returncode, stop, is_open) == (-signal.SIGTERM, "stop SIGTERM", "browser open: True True")
    assert folder.startswith(browser.PROFILE_PREFIX, len(os.path.dirname(folder)) + 1)
    assert not os.path.exists(folder) and browser.processes_using(folder) == []


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_worker_reaps_orphaned_browsers_and_puts_the_signal_handlers_back(db, tmp_path, monkeypatch):
    import tempfile
    from io import StringIO

    from a11y import browser
    from a11y.__main__ import main
    from tests.a11y.test_browsers import dead_owner

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the temporary folder the reaper looks in
    folder = tmp_path / f"{browser.PROFILE_PREFIX}left-by-a-killed-worker"
    folder.mkdir()
    (folder / browser.OWNER_FILE).write_text(json.dumps(dead_owner()))
    monkeypatch.setenv("DATABASE_URL", db[1])
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    assert main(["worker", "--once", "--poll", "0.1"], stderr=StringIO()) == 0
    assert not folder.exists()
    assert {sig: signal.getsignal(sig) for sig in before} == before
