"""Audits as jobs in the database, claimed by workers: the app's own, or ``python -m a11y worker`` anywhere.

The app starts an audit with :func:`start_audit` and gets a job id back at once: the job
is a ``queued`` row of the ``audit_jobs`` table. A worker (:class:`a11y.worker.Worker`:
one inside each app server, and any number of ``python -m a11y worker`` processes on
any machine sharing the database) claims it with :func:`claim_job`, atomically, then
finds the pages (sitemap, crawl: links read from the rendered, settled page in a
browser), audits them (each page settled first, as the request's ``wait_ms``,
``wait_for``, ``settle_*`` and ``max_scrolls`` say) with :func:`a11y.engine.audit_urls`,
takes a screenshot of each violation's first element, and stores the audit (in the transaction that ends the job)
with :func:`a11y.history.insert_audit`. Everything a page needs to show progress lives in the
table, not in a browser session or a process: a reload, another tab, another replica
or another researcher sees the same job.

Lifecycle (``status``)::

    queued -> discovering -> running -> done | cancelled | failed
       ^_________________________|  the worker stopped heart-beating: claimed again

The claim is one locked transaction (PostgreSQL: an advisory transaction lock, then
``SELECT ... FOR UPDATE SKIP LOCKED``; SQLite: ``BEGIN IMMEDIATE``, one writer): it
counts the jobs running across every worker and claims nothing when there are
``A11Y_MAX_RUNNING_AUDITS`` already. A claimed job holds a lease
(``A11Y_JOB_LEASE_SECONDS``) that its worker renews every sixth of it; a job whose
lease ran out lost its worker (killed, machine gone) and goes back to ``queued`` for
another worker, at most ``A11Y_JOB_MAX_ATTEMPTS`` starts, then ``failed`` with the reason.
:func:`cancel_job` cancels a queued job at once and sets a flag that a running job checks
between pages (and between the pages its crawl renders); the pages under way finish,
nothing is stored. A job left active with nobody touching its row (no worker alive) is
reported as ``interrupted``.

``done`` counts the pages checked so far, audited or not (the progress bar); what
each page gave is in the stored audit, and :func:`get_job` reports ``audited`` and
``not_audited`` from it (:func:`outcome_text` says it in one line), so a page that
answered an HTTP error is never counted as audited.

Cookies, headers and the values ``set`` steps type (often secrets) are never stored:
a job that has any is *pinned* to the server process that created it (``pinned_to``),
which keeps them in memory and is the only one to claim it; if that process stops, the
job fails with the reason (run it again). The job row stores the rest of the request.

Who started a job, who asked it to stop, and how it ended are recorded in
:mod:`cardsort.changes` (``audit.started``, ``audit.cancelled``, ``audit.finished``), each in the
transaction that changes the job's row, whichever worker makes the change (a lease that ran out
included). The end is recorded as the starter's: the actor of the job's ``audit.started`` change,
read from the database (:func:`starter`), since the worker ending a job is rarely the process that started it.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.engine import Engine

from a11y import crawl, history, settle
from a11y.browser import make_driver
from a11y.engine import (
    DEFAULT_STANDARD,
    audit_urls,
    link_reader,
    load_axe,
    parse_cookie,
    parse_header,
    run_options,
)
from a11y.findings import PageResult
from a11y.report import make_report
from a11y.screenshots import screenshot_findings
from a11y.steps import AuditConfig, parse_config, parse_config_text
from cardsort import changes, settings
from cardsort.i18n import counted

log = logging.getLogger(__name__)

MAX_WORKERS = 2
"""Most browsers one job may run in parallel."""
MAX_PAGES = 500
"""Most pages one job audits (a sitemap or crawl beyond this is cut)."""
MAX_SCREENSHOTS = 200
"""Most screenshots stored with one audit."""
HEARTBEAT_SECONDS = 10
"""Longest pause between two heartbeats of a job (shorter when the lease is short: a sixth of it)."""
STALE_SECONDS = 120
"""An active job whose row nobody touched for this long (and twice the lease) has no live worker: ``interrupted``."""
ACTIVE = ("queued", "discovering", "running")
RUNNING = ("discovering", "running")
FINAL = ("done", "cancelled", "failed", "interrupted")
_PROCESS = uuid.uuid4().hex
"""This server process: the owner of the jobs it creates, and of the secrets of the jobs pinned to it."""
_SECRETS: dict[str, AuditRequest] = {}
"""Whole requests (cookies, headers, typed values) of the jobs pinned to this process, by job id."""
_SECRETS_LOCK = threading.Lock()
_PG_CLAIM_LOCK = 0x61313179  # 'a11y': the advisory lock every claim on PostgreSQL takes


def max_running() -> int:
    """``A11Y_MAX_RUNNING_AUDITS``: most jobs discovering or running at once, across every worker."""
    return int(settings.value("A11Y_MAX_RUNNING_AUDITS"))  # type: ignore[call-overload]


def lease_seconds() -> int:
    """``A11Y_JOB_LEASE_SECONDS``: how long a claimed job stays its worker's without a heartbeat."""
    return int(settings.value("A11Y_JOB_LEASE_SECONDS"))  # type: ignore[call-overload]


def max_attempts() -> int:
    """``A11Y_JOB_MAX_ATTEMPTS``: starts of a job before one whose workers keep stopping is failed."""
    return int(settings.value("A11Y_JOB_MAX_ATTEMPTS"))  # type: ignore[call-overload]


def heartbeat_seconds() -> float:
    """How often a worker renews its jobs' leases: a sixth of the lease, at most :data:`HEARTBEAT_SECONDS`."""
    return min(HEARTBEAT_SECONDS, lease_seconds() / 6)


def worker_name() -> str:
    """This process as a worker, for people reading the table: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


audit_jobs = sa.Table(
    "audit_jobs", history.metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("site", sa.Text, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("request", sa.Text, nullable=False),
    sa.Column("done", sa.Integer, nullable=False, default=0),
    sa.Column("total", sa.Integer, nullable=False, default=0),
    sa.Column("current_url", sa.Text),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, default=False),
    sa.Column("error", sa.Text),
    sa.Column("audit_id", sa.Integer),
    sa.Column("owner", sa.String(32), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # claimed by workers (see the module docstring)
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("claimed_by", sa.String(200)),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("pinned_to", sa.String(32)),
    sa.Column("policy", sa.Text),
    sa.Index("audit_jobs_status", "status", "created_at"),
)


@dataclass(frozen=True)
class AuditRequest:
    """What to audit and how; build it with :func:`make_request`, which validates everything."""

    urls: tuple[str, ...]
    sitemap: str | None = None
    crawl: int | None = None
    standard: str = DEFAULT_STANDARD
    best_practice: bool = True
    workers: int = 1
    viewport: bool = True
    cookies: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    keyboard: bool = True
    wait_ms: int = 0
    wait_for: str | None = None
    settle_quiet_ms: int = settle.QUIET_MS
    settle_cap_ms: int = settle.CAP_MS
    max_scrolls: int = settle.MAX_SCROLLS
    config: AuditConfig | None = field(default=None, repr=False)
    states: bool = True

    def settle_options(self) -> settle.SettleOptions:
        """How each page is waited for before it is audited (:mod:`a11y.settle`)."""
        return settle.make_options(quiet_ms=self.settle_quiet_ms, cap_ms=self.settle_cap_ms,
                                   max_scrolls=self.max_scrolls, wait_ms=self.wait_ms, wait_for=self.wait_for)

    def public(self) -> dict[str, Any]:
        """The request without cookies, headers and the values steps type (what the job row stores)."""
        data = asdict(self)
        data["cookies"] = [name for name, _ in self.cookies]
        data["headers"] = [name for name, _ in self.headers]
        data["config"] = self.config.public() if self.config is not None else None
        return data


def _lines(text: str | Iterable[str]) -> list[str]:
    items = text.splitlines() if isinstance(text, str) else list(text)
    return [i.strip() for i in items if i.strip() and not i.strip().startswith("#")]


def make_request(urls: str | Iterable[str] = (), *, sitemap: str | None = None, crawl_limit: int | None = None,
                 standard: str = DEFAULT_STANDARD, best_practice: bool = True, workers: int = 1,
                 cookies: str | Iterable[str] = (), headers: str | Iterable[str] = (),
                 allowed_hosts: Iterable[str] | None = None, allow_private: bool = True,
                 viewport: bool = True, keyboard: bool = True, wait_ms: int = 0, wait_for: str | None = None,
                 settle_quiet_ms: int = settle.QUIET_MS, settle_cap_ms: int = settle.CAP_MS,
                 max_scrolls: int = settle.MAX_SCROLLS, config: str = "", states: bool = True) -> AuditRequest:
    """Check an audit request from a form before anything is fetched.

    Parameters
    ----------
    urls : str or iterable of str
        Pages (one a line when a string; blank lines and ``#`` comments skipped).
    sitemap : str or None
        Sitemap or sitemap index whose pages are added.
    crawl_limit : int or None
        Follow same-site links from the pages up to this many pages in all.
    standard : str, default='wcag22aa'
        A key of :data:`a11y.engine.STANDARDS`.
    best_practice : bool, default=True
    workers : int, default=1
        Browsers in parallel, 1 to :data:`MAX_WORKERS`.
    cookies, headers : str or iterable of str
        ``NAME=VALUE`` / ``Name: value``, one a line when a string.
    allowed_hosts : iterable of str or None, default=None
        Host allow-list (``A11Y_ALLOWED_HOSTS``, see :func:`a11y.crawl.allowed_hosts_from_env`).
    allow_private : bool, default=True
        Allow loopback and private addresses; the app passes
        :meth:`a11y.crawl.URLPolicy.for_app` (off unless ``A11Y_ALLOW_PRIVATE=1``).
    viewport : bool, default=True
        Also run the reflow and text-spacing checks (:mod:`a11y.viewport`).
    keyboard : bool, default=True
        Walk each page with Tab and Shift+Tab (:mod:`a11y.keyboard`).
    wait_ms, wait_for, settle_quiet_ms, settle_cap_ms, max_scrolls
        How each page is waited for before its audit, as ``--wait``, ``--wait-for``,
        ``--settle-quiet``, ``--settle-cap`` and ``--max-scrolls`` (:func:`a11y.settle.make_options`).
    config : str, default=''
        A steps-and-states config as JSON text (:mod:`a11y.steps`); blank: none.
    states : bool, default=True
        Explore automatic states (:mod:`a11y.states`).

    Raises
    ------
    ValueError
        Naming the problem: a refused URL (:class:`a11y.crawl.RefusedURLError`:
        not http(s), or a host outside ``allowed_hosts``), no pages, a crawl
        without start pages, an unknown standard, a bad cookie or header, or a
        worker count outside 1..MAX_WORKERS, a settle option out of range, or a config that does not validate.
    """
    hosts = None if allowed_hosts is None else list(allowed_hosts)
    pages = crawl.check_urls(_lines(urls), hosts, allow_private=allow_private)
    sitemap = sitemap.strip() if sitemap and sitemap.strip() else None
    if sitemap:
        sitemap = crawl.check_url(sitemap, hosts, allow_private=allow_private)
    if not pages and not sitemap:
        raise ValueError("no pages to audit: give page URLs or a sitemap")
    if crawl_limit is not None:
        if not isinstance(crawl_limit, int) or not 1 <= crawl_limit <= MAX_PAGES:
            raise ValueError(f"crawl limit must be a whole number from 1 to {MAX_PAGES}, got {crawl_limit!r}")
    run_options(standard, best_practice)
    if not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be a whole number from 1 to {MAX_WORKERS}, got {workers!r}")
    waiting = settle.make_options(quiet_ms=settle_quiet_ms, cap_ms=settle_cap_ms, max_scrolls=max_scrolls,
                                  wait_ms=wait_ms, wait_for=wait_for)
    return AuditRequest(
        urls=tuple(pages), sitemap=sitemap, crawl=crawl_limit, standard=standard,
        best_practice=bool(best_practice), workers=workers, viewport=bool(viewport),
        cookies=tuple(parse_cookie(c) for c in _lines(cookies)),
        headers=tuple(parse_header(h) for h in _lines(headers)), keyboard=bool(keyboard),
        wait_ms=waiting.wait_ms, wait_for=waiting.wait_for, settle_quiet_ms=waiting.quiet_ms,
        settle_cap_ms=waiting.cap_ms, max_scrolls=waiting.max_scrolls,
        config=(parse_config_text(config, allowed_hosts=hosts, allow_private=allow_private)
                if config and config.strip() else None),
        states=bool(states),
    )


class DiscoveryCancelled(RuntimeError):
    """The job was cancelled while its crawl was under way."""


def discover_pages(request: AuditRequest, allowed_hosts: Iterable[str] | None = None,
                   allow_private: bool = True, browser: WebDriver | None = None,
                   cancelled: Callable[[], bool] | None = None) -> list[str]:
    """Every page of a request: its URLs, the sitemap's pages, then the crawl; at most :data:`MAX_PAGES`.

    With ``browser``, the crawl reads each page's links from the rendered page, settled as
    the audit will be (:func:`a11y.engine.link_reader`), so links a script renders are
    followed; without it, from the served HTML. ``cancelled`` is asked before each
    rendered page; when it says yes, :class:`DiscoveryCancelled` is raised.
    """
    hosts = None if allowed_hosts is None else list(allowed_hosts)
    urls = list(request.urls)
    if request.sitemap:
        urls = crawl.check_urls(urls + crawl.fetch_sitemap(
            request.sitemap, cookies=request.cookies, headers=request.headers, allowed_hosts=hosts,
            max_urls=MAX_PAGES, allow_private=allow_private), hosts, allow_private=allow_private)
    if request.crawl:
        reader = None
        if browser is not None:
            rendered = link_reader(browser, settle_options=request.settle_options(), cookies=request.cookies,
                                   headers=request.headers)

            def reader(url: str) -> tuple[str, list[str]]:
                if cancelled is not None and cancelled():
                    raise DiscoveryCancelled(url)
                return rendered(url)
        urls = crawl.crawl(urls, request.crawl, cookies=request.cookies, headers=request.headers,
                           allowed_hosts=hosts, allow_private=allow_private, read_page=reader)
    if not urls:
        raise ValueError("the sitemap lists no pages that may be audited")
    return urls[:MAX_PAGES]


PAGES = {"one": "page", "other": "pages"}


def outcome_text(pages: Sequence[dict[str, Any]]) -> str:
    """What a finished audit did with its pages, in one line, from its report's ``pages``.

    A page that could not be audited is never counted as audited::

        "0 of 1 page audited; 1 page could not be audited (HTTP 403)"
        "2 of 4 pages audited; 2 pages could not be audited (HTTP 403 ×2)"
        "3 of 3 pages audited"
    """
    errors = [p.get("error") or "unknown error" for p in pages if p["status"] == "error"]
    text = f"{len(pages) - len(errors):,} of {counted(len(pages), PAGES)} audited"
    if errors:
        reasons = Counter(errors)
        text += (f"; {counted(len(errors), PAGES)} could not be audited ("
                 + ", ".join(r if n == 1 else f"{r} ×{n}" for r, n in reasons.items()) + ")")
    return text


# --- the job table -----------------------------------------------------------------------------

def _now() -> datetime:
    return datetime.now(UTC)


def _update(engine: Engine, job_id: str, worker: str | None = None, **values: Any) -> bool:
    """Write ``values`` to the job's row; with ``worker``, only while that worker holds the job.

    Returns whether the row was written (``False``: another worker took the job over).
    """
    query = audit_jobs.update().where(audit_jobs.c.id == job_id)
    if worker is not None:
        query = query.where(audit_jobs.c.claimed_by == worker, audit_jobs.c.status.in_(RUNNING))
    with engine.begin() as conn:
        return conn.execute(query.values(updated_at=_now(), **values)).rowcount > 0


def holds_secrets(request: AuditRequest) -> bool:
    """Whether ``request`` has cookies, headers or ``set`` steps: values never written to the database."""
    typed = request.config is not None and any(s.action == "set" for e in request.config.pages for s in e.steps)
    return bool(request.cookies or request.headers or typed)


def request_from_row(data: dict[str, Any]) -> AuditRequest:
    """The :class:`AuditRequest` of a job row's ``request`` (a job without secrets: see :func:`holds_secrets`).

    Options a row written by an older version lacks take their defaults.
    """
    plain = {f.name for f in fields(AuditRequest)} - {"urls", "cookies", "headers", "config"}
    config = data.get("config")
    return AuditRequest(urls=tuple(data["urls"]), config=None if config is None else parse_config(config),
                        **{k: data[k] for k in plain if k in data})


def describe_request(site: str, request: AuditRequest) -> str:
    """What :func:`create_job` records: "Started an audit of https://example.org: 2 pages, a sitemap, following
    links up to 20 pages (wcag22aa)"."""
    parts = [counted(len(request.urls), PAGES)] if request.urls else []
    parts += ["a sitemap"] if request.sitemap else []
    parts += [f"following links up to {counted(request.crawl, PAGES)}"] if request.crawl else []
    return f"Started an audit of {site}: {', '.join(parts)} ({request.standard})"


MAX_URLS_RECORDED = 20  # the request's first pages kept in the change's detail


def create_job(engine: Engine, request: AuditRequest, *, allowed_hosts: Iterable[str] | None = None,
               allow_private: bool = True, actor: str | None = None) -> str:
    """Record a new ``queued`` job for ``request`` and return its id (a worker runs it).

    ``allowed_hosts`` and ``allow_private`` are the URL policy the request was checked with; the
    worker's browsers and discovery apply it. A request with secrets (:func:`holds_secrets`) is
    pinned to this process, which keeps it in memory. Recorded (``audit.started``) as started by
    ``actor``, in the same transaction; the job's end is recorded as theirs too (:func:`starter`).
    """
    history.ensure_tables(engine)
    job_id = uuid.uuid4().hex
    first = request.urls[0] if request.urls else request.sitemap
    assert first is not None, "make_request refuses a request without pages or a sitemap"
    pinned = holds_secrets(request)
    if pinned:
        with _SECRETS_LOCK:
            _SECRETS[job_id] = request
    now = _now()
    policy = {"allowed_hosts": None if allowed_hosts is None else sorted(allowed_hosts),
              "allow_private": bool(allow_private)}
    site = history.site_of(first)
    with engine.begin() as conn:
        conn.execute(audit_jobs.insert().values(
            id=job_id, site=site, status="queued", request=json.dumps(request.public()),
            done=0, total=len(request.urls), current_url=None, cancel_requested=False, error=None,
            audit_id=None, owner=_PROCESS, created_at=now, updated_at=now, attempts=0, claimed_by=None,
            lease_until=now + timedelta(seconds=lease_seconds()) if pinned else None,
            pinned_to=_PROCESS if pinned else None, policy=json.dumps(policy)))
        changes.record(conn, actor=actor, action="audit.started", job_id=job_id, at=now,
                       summary=describe_request(site, request),
                       detail={"site": site, "urls": list(request.urls[:MAX_URLS_RECORDED]),
                               "pages": len(request.urls), "sitemap": request.sitemap, "crawl": request.crawl,
                               "standard": request.standard})
    return job_id


_INTERNAL = ("lease_until", "pinned_to", "policy")


def _job(row: sa.Row) -> dict[str, Any]:
    job = dict(row._mapping)
    pages, errors = job.pop("audit_pages"), job.pop("audit_error_pages")
    for key in _INTERNAL:
        job.pop(key, None)
    job["audited"] = None if pages is None else pages - errors
    job["not_audited"] = errors
    job["request"] = json.loads(job["request"])
    for key in ("created_at", "updated_at"):
        job[key] = history._utc(job[key])
    quiet = (_now() - job["updated_at"]).total_seconds()
    if job["status"] in ACTIVE and quiet > max(STALE_SECONDS, 2 * lease_seconds()):
        job["status"] = "interrupted"
        job["error"] = ("the server running this audit stopped before it finished and no worker took it over; "
                        "run it again")
    return job


def _select_jobs() -> sa.Select:
    """Job rows with the page counts of their stored audit (``None`` until it is stored)."""
    return (sa.select(audit_jobs, history.audits.c.pages.label("audit_pages"),
                      history.audits.c.error_pages.label("audit_error_pages"))
            .select_from(audit_jobs.outerjoin(history.audits, history.audits.c.id == audit_jobs.c.audit_id)))


def get_job(engine: Engine, job_id: str) -> dict[str, Any]:
    """A job's state.

    Returns
    -------
    dict
        ``id, site, status, request (dict, without cookie and header values), done,
        total, current_url (the page finished last), cancel_requested, error,
        audit_id (when done), owner (the server process that created it), created_at, updated_at,
        attempts (starts so far), claimed_by (the worker, ``host:pid``, running it or that ran it last)``,
        and ``audited``, ``not_audited``: pages of the stored audit that were audited and
        that could not be (HTTP errors, timeouts...); both ``None`` until the audit
        is stored. ``done`` counts the pages finished either way, for the progress
        bar: it is never the number of pages audited.

    Raises
    ------
    LookupError
        When there is no such job.
    """
    history.ensure_tables(engine)
    with engine.connect() as conn:
        row = conn.execute(_select_jobs().where(audit_jobs.c.id == job_id)).first()
    if row is None:
        raise LookupError(f"no audit job with id {job_id!r}")
    return _job(row)


def list_jobs(engine: Engine, *, limit: int = 20) -> list[dict[str, Any]]:
    """The latest jobs (see :func:`get_job` for the keys), newest first."""
    history.ensure_tables(engine)
    query = _select_jobs().order_by(audit_jobs.c.created_at.desc()).limit(limit)
    with engine.connect() as conn:
        return [_job(r) for r in conn.execute(query)]


def cancel_job(engine: Engine, job_id: str, *, actor: str | None = None) -> None:
    """Cancel a queued job at once; ask a running one to stop before its next page.

    Finished jobs, and jobs already asked, are left alone. The request is recorded (``audit.cancelled``)
    as made by ``actor``; a queued job's end (``audit.finished``) in the same transaction, as the starter's.
    """
    history.ensure_tables(engine)
    c = audit_jobs.c
    with engine.begin() as conn:
        now = _now()
        ended = conn.execute(audit_jobs.update().where(c.id == job_id, c.status == "queued").values(
            cancel_requested=True, status="cancelled", lease_until=None, updated_at=now)).rowcount
        asked = ended or conn.execute(audit_jobs.update().where(
            c.id == job_id, c.status.in_(RUNNING), c.cancel_requested.is_(False)).values(
            cancel_requested=True, updated_at=now)).rowcount
        if asked:
            site = conn.execute(sa.select(c.site).where(c.id == job_id)).scalar_one()
            changes.record(conn, actor=actor, action="audit.cancelled", job_id=job_id, detail={"site": site},
                           summary=f"Asked the audit of {site} to stop", at=now)
        if ended:
            _record_end(conn, job_id, "cancelled")
    _forget(job_id)


def starter(conn: sa.Connection, job_id: str) -> str | None:
    """Who started the job: the actor of its ``audit.started`` change (``None`` for a job without one)."""
    t = changes.changes
    return conn.execute(sa.select(t.c.actor).where(t.c.job_id == job_id, t.c.action == "audit.started")
                        .order_by(t.c.id).limit(1)).scalar()


def _record_end(conn: sa.Connection, job_id: str, status: str, *, audit_id: int | None = None,
                report: dict[str, Any] | None = None, error: str | None = None) -> None:
    """Record (``audit.finished``) how the job ended, as its starter's, on the connection that ended it."""
    site = conn.execute(sa.select(audit_jobs.c.site).where(audit_jobs.c.id == job_id)).scalar_one()
    if report is not None:
        summary = f"Audit of {site} finished: {outcome_text(report['pages'])}; stored as audit {audit_id}"
    elif status == "cancelled":
        summary = f"Audit of {site} stopped as asked: nothing stored"
    else:
        summary = f"Audit of {site} failed: {error}"
    changes.record(conn, actor=starter(conn, job_id), action="audit.finished", job_id=job_id, audit_id=audit_id,
                   summary=summary, detail={"site": site, "status": status})


def _finish(engine: Engine, job_id: str, status: str, *, worker: str | None = None,
            report: dict[str, Any] | None = None, started: datetime | None = None,
            shots: dict[history.ScreenshotKey, bytes] | None = None, error: str | None = None) -> bool:
    """End a job as ``status`` and record how it ended (:func:`_record_end`), in one transaction; a ``done``
    job's audit (``report``) is stored in the same transaction.

    With ``worker``, only while that worker holds the job: returns ``False``, and writes nothing (no audit
    stored, no change recorded), when another worker took it over.
    """
    c = audit_jobs.c
    with engine.begin() as conn:
        query = audit_jobs.update().where(c.id == job_id)
        if worker is not None:
            query = query.where(c.claimed_by == worker, c.status.in_(RUNNING))
        values: dict[str, Any] = {"status": status, "lease_until": None, "updated_at": _now()}
        if status == "failed":
            values["error"] = error
        if not conn.execute(query.values(**values)).rowcount:
            return False
        audit_id = None
        if report is not None:
            audit_id = history.insert_audit(conn, report, started_at=started, screenshots=shots)
            conn.execute(audit_jobs.update().where(c.id == job_id).values(
                audit_id=audit_id, current_url=None, error=None))
        _record_end(conn, job_id, status, audit_id=audit_id, report=report, error=error)
        _forget(job_id)  # before the commit: once anyone can read the job as ended, its secrets are gone
    return True


def audit_changes(engine: Engine, site: str | None = None, limit: int = 20,
                  offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Who started, cancelled, finished or deleted the audits of ``site`` (``None``: every site), newest
    first: ``(rows, how many in all)``, rows as :func:`cardsort.changes.for_audits` gives them."""
    history.ensure_tables(engine)
    if site is None:
        return changes.for_audits(engine, limit=limit, offset=offset), changes.count_for_audits(engine)
    site_jobs = sa.select(audit_jobs.c.id).where(audit_jobs.c.site == site)
    site_audits = sa.select(history.audits.c.id).where(history.audits.c.site == site)
    return (changes.for_audits(engine, site_jobs, limit=limit, offset=offset, audits=site_audits),
            changes.count_for_audits(engine, site_jobs, audits=site_audits))


def _cancel_requested(engine: Engine, job_id: str) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(sa.select(audit_jobs.c.cancel_requested)
                                 .where(audit_jobs.c.id == job_id)).scalar())


def has_queued(engine: Engine) -> bool:
    """Whether any job waits for a worker (however long it has waited)."""
    history.ensure_tables(engine)
    with engine.connect() as conn:
        return conn.execute(sa.select(audit_jobs.c.id).where(audit_jobs.c.status == "queued").limit(1)).first() \
            is not None


def _status(engine: Engine, job_id: str) -> str:
    """The job's stored status (never ``interrupted``: that is how :func:`get_job` reads a quiet one)."""
    with engine.connect() as conn:
        status = conn.execute(sa.select(audit_jobs.c.status).where(audit_jobs.c.id == job_id)).scalar()
    if status is None:
        raise LookupError(f"no audit job with id {job_id!r}")
    return str(status)


def _forget(job_id: str) -> None:
    with _SECRETS_LOCK:
        _SECRETS.pop(job_id, None)


# --- claiming ----------------------------------------------------------------------------------

@contextmanager
def _claim_transaction(engine: Engine) -> Iterator[sa.Connection]:
    """One transaction that no other claim runs beside, on any machine.

    PostgreSQL: an advisory transaction lock (claims queue on it; nothing else waits);
    SQLite: ``BEGIN IMMEDIATE``, the database's one writer until the commit.
    """
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        elif engine.dialect.name == "postgresql":
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_CLAIM_LOCK)))
        yield conn
        conn.commit()


def _lock_rows(engine: Engine, query: sa.Select) -> sa.Select:
    return query.with_for_update(skip_locked=True) if engine.dialect.name == "postgresql" else query


def _expire(conn: sa.Connection, engine: Engine, now: datetime, attempts_max: int) -> None:
    """Jobs whose lease ran out: back to ``queued`` for another worker, or ended (``failed`` with the reason,
    or ``cancelled`` as asked) and recorded (``audit.finished``) in the claim's transaction."""
    c = audit_jobs.c
    lapsed = _lock_rows(engine, sa.select(c.id, c.status, c.claimed_by, c.attempts, c.pinned_to,
                                          c.cancel_requested).where(
        c.lease_until < now,
        sa.or_(c.status.in_(RUNNING), sa.and_(c.status == "queued", c.pinned_to.is_not(None)))))
    for job in conn.execute(lapsed).all():
        values: dict[str, Any]
        if job.status == "queued":
            values = {"status": "failed", "error": "the server holding this audit's cookies, headers or typed "
                                                   "values stopped before it ran; run it again"}
        elif job.cancel_requested:
            values = {"status": "cancelled"}
        elif job.pinned_to is not None:
            values = {"status": "failed", "error": f"worker {job.claimed_by} stopped heart-beating, and this "
                      "audit's cookies, headers or typed values were only in its memory; run it again"}
        elif job.attempts >= attempts_max:
            values = {"status": "failed", "error": f"its worker stopped heart-beating {job.attempts} "
                      f"{'time' if job.attempts == 1 else 'times'} (last: worker {job.claimed_by}); "
                      f"gave up after {job.attempts} of {attempts_max} attempts"}
        else:
            values = {"status": "queued", "done": 0, "current_url": None, "lease_until": None,
                      "error": f"worker {job.claimed_by} stopped heart-beating; attempt {job.attempts} of "
                               f"{attempts_max} lost, waiting for another worker"}
        log.warning("audit job %s: lease of %s ran out: %s", job.id, job.claimed_by, values["status"])
        conn.execute(audit_jobs.update().where(c.id == job.id).values(updated_at=now, **values))
        if values["status"] != "queued":  # the job ended here, in the claiming worker: recorded as its starter's
            _record_end(conn, job.id, values["status"], error=values.get("error"))


def claim_job(engine: Engine, worker: str, *, job_id: str | None = None, shared: bool = True) -> str | None:
    """Atomically take the oldest queued job for ``worker``, if fewer than :func:`max_running` are running.

    In the same locked transaction, jobs whose lease ran out are handed back or failed first.

    Parameters
    ----------
    engine : Engine
    worker : str
        Who claims (``host:pid`` and a suffix unique in the process); written to ``claimed_by``.
    job_id : str or None, default=None
        Claim only this job.
    shared : bool, default=True
        Also claim jobs that are not pinned; ``False``: only those pinned to this process.
        Jobs pinned to another process are never claimed.

    Returns
    -------
    str or None
        The claimed job's id (now ``discovering``, holding a lease), or ``None``.
    """
    history.ensure_tables(engine)
    c = audit_jobs.c
    now = _now()
    limit, lease, attempts_max = max_running(), lease_seconds(), max_attempts()
    with _claim_transaction(engine) as conn:
        _expire(conn, engine, now, attempts_max)
        running = conn.execute(sa.select(sa.func.count()).select_from(audit_jobs)
                               .where(c.status.in_(RUNNING))).scalar_one()
        if running >= limit:
            return None
        mine = c.pinned_to == _PROCESS
        query = sa.select(c.id).where(c.status == "queued", sa.or_(c.pinned_to.is_(None), mine) if shared else mine)
        if job_id is not None:
            query = query.where(c.id == job_id)
        chosen = conn.execute(_lock_rows(engine, query.order_by(c.created_at, c.id).limit(1))).scalar()
        if chosen is None:
            return None
        conn.execute(audit_jobs.update().where(c.id == chosen).values(
            status="discovering", claimed_by=worker, attempts=c.attempts + 1, updated_at=now,
            lease_until=now + timedelta(seconds=lease)))
    return str(chosen)


def touch_waiting(engine: Engine) -> None:
    """Keep the queued jobs fresh while a worker is alive: none of them reads as ``interrupted``.

    Jobs pinned to this process also get their lease renewed (their secrets are still here), and
    the secrets of pinned jobs that ended (cancelled on another replica, say) are dropped.
    """
    c = audit_jobs.c
    now = _now()
    with engine.begin() as conn:
        conn.execute(audit_jobs.update().where(c.status == "queued", c.pinned_to.is_(None)).values(updated_at=now))
        conn.execute(audit_jobs.update().where(c.status == "queued", c.pinned_to == _PROCESS).values(
            updated_at=now, lease_until=now + timedelta(seconds=lease_seconds())))
        with _SECRETS_LOCK:
            held = list(_SECRETS)
        if held:
            ended = conn.execute(sa.select(c.id).where(c.id.in_(held), c.status.not_in(ACTIVE))).scalars().all()
            for job_id in ended:
                _forget(job_id)


def release_job(engine: Engine, job_id: str, worker: str) -> bool:
    """Give a job ``worker`` holds back to the queue (the worker is stopping); the start does not count."""
    c = audit_jobs.c
    with engine.begin() as conn:
        return conn.execute(audit_jobs.update().where(c.id == job_id, c.claimed_by == worker,
                                                      c.status.in_(RUNNING)).values(
            status="queued", done=0, current_url=None, lease_until=None, attempts=c.attempts - 1,
            updated_at=_now(), error=f"worker {worker} stopped and handed it back")).rowcount > 0


def _claimed_request(engine: Engine, job_id: str) -> tuple[AuditRequest, frozenset[str] | None, bool]:
    """The request and URL policy of a claimed job: from this process's memory when pinned, else the row."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(audit_jobs.c.request, audit_jobs.c.policy, audit_jobs.c.pinned_to)
                           .where(audit_jobs.c.id == job_id)).one()
    policy: dict[str, Any] = json.loads(row.policy) if row.policy else {"allowed_hosts": None,
                                                                        "allow_private": True}
    hosts = None if policy["allowed_hosts"] is None else frozenset(policy["allowed_hosts"])
    if row.pinned_to is not None:
        with _SECRETS_LOCK:
            request = _SECRETS.get(job_id)
        if request is None:
            raise RuntimeError("this audit's cookies, headers or typed values are no longer in memory; run it again")
        return request, hosts, bool(policy["allow_private"])
    return request_from_row(json.loads(row.request)), hosts, bool(policy["allow_private"])


# --- running -----------------------------------------------------------------------------------

def run_job(engine: Engine, job_id: str, request: AuditRequest | None = None, *,
            allowed_hosts: Iterable[str] | None = None, screenshots: bool = True,
            driver_factory: Callable[[], WebDriver] | None = None, driver: WebDriver | None = None,
            allow_private: bool = True, worker: str | None = None, halt: threading.Event | None = None) -> str:
    """Claim one created job and run it to its end in the calling thread; return its final status.

    Waits (touching the row) until the job can be claimed under the global limit
    (:func:`max_running`), discovers the pages, audits them, and stores the audit; every
    step is written to the job row. Never raises for a failing audit: the job ends
    ``failed`` with the reason.

    Parameters
    ----------
    engine : Engine
    job_id : str
        From :func:`create_job`.
    request : AuditRequest or None, default=None
        The validated request (with cookies and headers); ``None``: the one the job was created with.
    allowed_hosts : iterable of str or None, default=None
        Host allow-list applied to discovered pages too, and by the job's browsers.
    allow_private : bool, default=True
        Allow loopback and private addresses (discovery and the job's browsers).
    screenshots : bool, default=True
        Take a screenshot of the first element of each violation.
    driver_factory : callable returning WebDriver, or None
        Browser factory for :func:`a11y.engine.audit_urls` (default: :func:`a11y.browser.make_driver`,
        on ``A11Y_REMOTE_URL`` when set, else local Chromium, guarded with ``allowed_hosts`` and
        ``allow_private``).
    driver : WebDriver or None, default=None
        A browser the caller owns for the first worker (left open; the caller must
        not use it while the job runs).
    worker : str or None
        Who claims it (default: this process and thread).
    halt : threading.Event or None
        Set it to stop: the job goes back to the queue for another worker (``'released'``).

    Its end is recorded (``audit.finished``) as its starter's, whoever runs it (:func:`starter`).

    Returns
    -------
    str
        ``'done'``, ``'cancelled'``, ``'failed'``, or ``'released'`` (``halt``), or ``'lost'``
        (another worker took it over after this one missed its heartbeats).
    """
    worker = worker or f"{worker_name()}:{threading.get_ident()}"
    halt = halt or threading.Event()
    while claim_job(engine, worker, job_id=job_id) is None:
        status = _status(engine, job_id)
        if status not in ACTIVE:
            _forget(job_id)
            return status
        if status == "queued":
            touch_waiting(engine)
        if halt.wait(min(1.0, heartbeat_seconds())):
            return "released"
    return run_claimed(engine, job_id, worker, request=request, allowed_hosts=allowed_hosts,
                       allow_private=allow_private, screenshots=screenshots, driver_factory=driver_factory,
                       driver=driver, halt=halt)


def run_claimed(engine: Engine, job_id: str, worker: str, *, request: AuditRequest | None = None,
                allowed_hosts: Iterable[str] | None = None, allow_private: bool | None = None,
                screenshots: bool = True, driver_factory: Callable[[], WebDriver] | None = None,
                driver: WebDriver | None = None, halt: threading.Event | None = None) -> str:
    """Run a job ``worker`` claimed (:func:`claim_job`), renewing its lease; see :func:`run_job`.

    Without ``request``, ``allowed_hosts`` or ``allow_private``, they come from the job (its row, or this
    process's memory for a pinned job).
    """
    halt = halt or threading.Event()
    lost = threading.Event()
    beating = threading.Event()
    threading.Thread(target=_heartbeat, args=(engine, job_id, worker, beating, lost),
                     name=f"audit-heartbeat-{job_id[:8]}", daemon=True).start()
    try:
        try:
            stored, hosts, private = _claimed_request(engine, job_id)
        except Exception as exc:  # noqa: BLE001 - the job row is where the reason goes
            return "failed" if _finish(engine, job_id, "failed", worker=worker,
                                       error=str(exc) or type(exc).__name__) else "lost"
        request = request or stored
        hosts = hosts if allowed_hosts is None else frozenset(allowed_hosts)
        private = private if allow_private is None else allow_private
        if driver_factory is None:
            def driver_factory() -> WebDriver:
                return make_driver(allowed_hosts=hosts, allow_private=private)
        status = _run(engine, job_id, worker, request, hosts, private, screenshots, driver_factory, driver,
                      halt, lost)
        if status == "released" and not release_job(engine, job_id, worker):
            status = "lost"
        return status
    finally:
        beating.set()
        try:
            if _status(engine, job_id) not in ACTIVE:
                _forget(job_id)
        except Exception:  # noqa: BLE001 - the database went away; the secrets stay until the next look
            log.warning("could not read audit job %s after its run", job_id, exc_info=True)


def _heartbeat(engine: Engine, job_id: str, worker: str, stop: threading.Event, lost: threading.Event) -> None:
    """Renew the job's lease every :func:`heartbeat_seconds` until ``stop``; set ``lost`` when it is not ours."""
    while not stop.wait(heartbeat_seconds()):
        try:
            if not _update(engine, job_id, worker, lease_until=_now() + timedelta(seconds=lease_seconds())):
                if _status(engine, job_id) in ACTIVE:  # taken over, not merely finished
                    lost.set()
                return
        except Exception:  # noqa: BLE001 - a database hiccup must not end the job; the next beat retries
            log.warning("heartbeat of audit job %s failed", job_id, exc_info=True)


def _run(engine: Engine, job_id: str, worker: str, request: AuditRequest, allowed_hosts: Iterable[str] | None,
         allow_private: bool, screenshots: bool, driver_factory: Callable[[], WebDriver],
         driver: WebDriver | None, halt: threading.Event, lost: threading.Event) -> str:
    started = _now()

    def update(**values: Any) -> None:
        if not _update(engine, job_id, worker, **values):
            lost.set()

    def stopping() -> str | None:
        if lost.is_set():
            return "lost"
        if halt.is_set():
            return "released"
        return "cancelled" if _cancel_requested(engine, job_id) else None

    def end(status: str, **values: Any) -> str:
        """End the job as ``status`` (``done``, ``cancelled``, ``failed``), recorded; ``'lost'`` when not ours."""
        return status if _finish(engine, job_id, status, worker=worker, **values) else "lost"

    try:
        if (why := stopping()) is not None:
            return end(why) if why == "cancelled" else why
        try:
            urls = _discover(request, allowed_hosts, allow_private, driver_factory, driver,
                             lambda: stopping() is not None)
        except DiscoveryCancelled:
            why = stopping() or "cancelled"
            return end(why) if why == "cancelled" else why
        update(status="running", total=len(urls), done=0)
        pages = _audit(engine, job_id, request, urls, screenshots, driver_factory, driver, update,
                       lambda: stopping() is not None)
        if pages is None:
            why = stopping() or "cancelled"
            return end(why) if why == "cancelled" else why
        if lost.is_set():
            return "lost"
        results, shots = pages
        report = make_report(results, axe_version=load_axe().version, standard=request.standard)
        # the audit, the job's end and its record land together, or not at all when another worker holds the job
        return end("done", report=report, started=started, shots=shots)
    except Exception as exc:  # noqa: BLE001 - the job row is where the reason goes
        if lost.is_set():
            return "lost"
        if halt.is_set():
            return "released"
        log.exception("audit job %s failed", job_id)
        return end("failed", error=str(exc) or type(exc).__name__)


def _discover(request: AuditRequest, allowed_hosts: Iterable[str] | None, allow_private: bool,
              driver_factory: Callable[[], WebDriver] | None, driver: WebDriver | None,
              cancelled: Callable[[], bool]) -> list[str]:
    """:func:`discover_pages`; a crawl reads rendered pages in ``driver`` or a browser of its own."""
    if not request.crawl:
        return discover_pages(request, allowed_hosts, allow_private)
    browser = driver if driver is not None else (driver_factory or make_driver)()
    try:
        return discover_pages(request, allowed_hosts, allow_private, browser=browser, cancelled=cancelled)
    finally:
        if browser is not driver:
            browser.quit()


def _audit(engine: Engine, job_id: str, request: AuditRequest, urls: Sequence[str], screenshots: bool,
           driver_factory: Callable[[], WebDriver] | None, driver: WebDriver | None,
           update: Callable[..., None], stopping: Callable[[], bool]
           ) -> tuple[list[PageResult], dict[history.ScreenshotKey, bytes]] | None:
    """The audit itself, with progress, stop checks and screenshots; ``None`` when stopped."""
    stop = threading.Event()
    shots: dict[history.ScreenshotKey, bytes] = {}
    lock = threading.Lock()

    def progress(done: int, total: int, url: str) -> None:
        update(done=done, total=total, current_url=url)
        if stopping():
            stop.set()

    def after_page(browser: WebDriver, page: PageResult) -> None:
        with lock:
            room = MAX_SCREENSHOTS - len(shots)
        if screenshots and room > 0:
            taken = screenshot_findings(browser, page, limit=room)
            with lock:
                shots.update(taken)

    if stopping():
        return None
    results = audit_urls(urls, workers=min(request.workers, len(urls)), standard=request.standard,
                         best_practice=request.best_practice, cookies=request.cookies,
                         headers=request.headers, progress=progress, after_page=after_page, stop=stop,
                         driver_factory=driver_factory, driver=driver, viewport_checks=request.viewport,
                         keyboard_walk=request.keyboard, settle_options=request.settle_options(),
                         config=request.config, auto_states=request.states)
    if stop.is_set() and len(results) < len(urls):
        return None
    return results, shots


def start_audit(engine: Engine, request: AuditRequest, *, allowed_hosts: Iterable[str] | None = None,
                screenshots: bool = True, driver_factory: Callable[[], WebDriver] | None = None,
                driver: WebDriver | None = None, allow_private: bool = True, actor: str | None = None) -> str:
    """Create a job and make sure a worker of this process will look for it; return the job id at once.

    The job is claimed by whichever worker comes first: this server's own
    (:func:`a11y.worker.app_worker`: every queued job, or with ``A11Y_APP_WORKER=0`` only the
    ones pinned to it) or a ``python -m a11y worker``. With ``driver`` or ``driver_factory``
    (tests), a thread of its own runs this one job with them (see :func:`run_job`). The threads
    are daemons: they never keep the server from stopping (another worker then takes the job over).
    ``actor``: who starts it, recorded with its start and, whoever runs it, its end.
    """
    job_id = create_job(engine, request, allowed_hosts=allowed_hosts, allow_private=allow_private, actor=actor)
    if driver is None and driver_factory is None:
        from a11y import worker  # the worker module builds on this one

        worker.app_worker(engine).wake()
        return job_id
    threading.Thread(target=run_job, args=(engine, job_id, request), name=f"audit-job-{job_id[:8]}",
                     kwargs={"allowed_hosts": allowed_hosts, "allow_private": allow_private, "screenshots": screenshots,
                             "driver_factory": driver_factory, "driver": driver}, daemon=True).start()
    return job_id
