"""Audits that run in the background: a thread per job, its state in the database.

The app starts an audit with :func:`start_audit` and gets a job id back at once.
The job's thread finds the pages (sitemap, crawl: links read from the rendered,
settled page in a browser), audits them (each page settled first, as the request's
``wait_ms``, ``wait_for``, ``settle_*`` and ``max_scrolls`` say) with
:func:`a11y.engine.audit_urls`, takes a screenshot of each violation's first
element, and stores the audit with :func:`a11y.history.save_audit`. Everything a
page needs to show progress lives in the ``audit_jobs`` table, not in a browser
session: a reload, another tab or another researcher sees the same job.

Lifecycle (``status``)::

    queued -> discovering -> running -> done | cancelled | failed

``queued`` waits for one of :data:`MAX_RUNNING_JOBS` slots (bounded concurrency,
each job with at most :data:`MAX_WORKERS` browsers). :func:`cancel_job` sets a flag
that the job checks between pages (and between the pages its crawl renders); the pages
under way finish, nothing is stored.
A job left ``queued``/``discovering``/``running`` by a server that stopped is
reported as ``interrupted``.

``done`` counts the pages checked so far, audited or not (the progress bar); what
each page gave is in the stored audit, and :func:`get_job` reports ``audited`` and
``not_audited`` from it (:func:`outcome_text` says it in one line), so a page that
answered an HTTP error is never counted as audited.

Cookies and headers (often secrets) are kept in memory for the job's thread
only; the job row stores the rest of the request.

Who started a job, who asked it to stop, and how it ended are recorded in
:mod:`cardsort.changes` (``audit.started``, ``audit.cancelled``, ``audit.finished``), each in the
transaction that changes the job's row; the end is recorded as the starter's (``actor``).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
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
from a11y.steps import AuditConfig, parse_config_text
from cardsort import changes
from cardsort.i18n import counted

log = logging.getLogger(__name__)

MAX_RUNNING_JOBS = 2
"""Jobs auditing at the same time in one server; later ones wait as ``queued``."""
MAX_WORKERS = 2
"""Most browsers one job may run in parallel."""
MAX_PAGES = 500
"""Most pages one job audits (a sitemap or crawl beyond this is cut)."""
MAX_SCREENSHOTS = 200
"""Most screenshots stored with one audit."""
HEARTBEAT_SECONDS = 10
"""How often a job's thread touches its row while it waits or runs."""
STALE_SECONDS = 120
"""An active job whose row was not touched for this long lost its server: ``interrupted``."""
ACTIVE = ("queued", "discovering", "running")
FINAL = ("done", "cancelled", "failed", "interrupted")
_PROCESS = uuid.uuid4().hex
"""This server process, recorded as the job's owner (for people reading the table)."""
_SLOTS = threading.BoundedSemaphore(MAX_RUNNING_JOBS)

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


def _update(engine: Engine, job_id: str, **values: Any) -> None:
    with engine.begin() as conn:
        conn.execute(audit_jobs.update().where(audit_jobs.c.id == job_id).values(updated_at=_now(), **values))


def describe_request(site: str, request: AuditRequest) -> str:
    """What :func:`create_job` records: "Started an audit of https://example.org: 2 pages, a sitemap, following
    links up to 20 pages (wcag22aa)"."""
    parts = [counted(len(request.urls), PAGES)] if request.urls else []
    parts += ["a sitemap"] if request.sitemap else []
    parts += [f"following links up to {counted(request.crawl, PAGES)}"] if request.crawl else []
    return f"Started an audit of {site}: {', '.join(parts)} ({request.standard})"


MAX_URLS_RECORDED = 20  # the request's first pages kept in the change's detail


def create_job(engine: Engine, request: AuditRequest, *, actor: str | None = None) -> str:
    """Record a new ``queued`` job for ``request`` and return its id (nothing runs yet).

    Recorded (``audit.started``) as started by ``actor``, in the same transaction.
    """
    history.ensure_tables(engine)
    job_id = uuid.uuid4().hex
    first = request.urls[0] if request.urls else request.sitemap
    assert first is not None, "make_request refuses a request without pages or a sitemap"
    now = _now()
    site = history.site_of(first)
    with engine.begin() as conn:
        conn.execute(audit_jobs.insert().values(
            id=job_id, site=site, status="queued", request=json.dumps(request.public()),
            done=0, total=len(request.urls), current_url=None, cancel_requested=False, error=None,
            audit_id=None, owner=_PROCESS, created_at=now, updated_at=now))
        changes.record(conn, actor=actor, action="audit.started", job_id=job_id, at=now,
                       summary=describe_request(site, request),
                       detail={"site": site, "urls": list(request.urls[:MAX_URLS_RECORDED]),
                               "pages": len(request.urls), "sitemap": request.sitemap, "crawl": request.crawl,
                               "standard": request.standard})
    return job_id


def _job(row: sa.Row) -> dict[str, Any]:
    job = dict(row._mapping)
    pages, errors = job.pop("audit_pages"), job.pop("audit_error_pages")
    job["audited"] = None if pages is None else pages - errors
    job["not_audited"] = errors
    job["request"] = json.loads(job["request"])
    for key in ("created_at", "updated_at"):
        job[key] = history._utc(job[key])
    quiet = (_now() - job["updated_at"]).total_seconds()
    if job["status"] in ACTIVE and quiet > STALE_SECONDS:
        job["status"] = "interrupted"
        job["error"] = "the server running this audit stopped before it finished; run it again"
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
        audit_id (when done), owner (server process), created_at, updated_at``, and
        ``audited``, ``not_audited``: pages of the stored audit that were audited and
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
    """Ask a job to stop; it does so before its next page. Finished jobs, and jobs already asked, are left
    alone; the request is recorded (``audit.cancelled``) as made by ``actor``."""
    history.ensure_tables(engine)
    with engine.begin() as conn:
        asked = conn.execute(audit_jobs.update()
                             .where(audit_jobs.c.id == job_id, audit_jobs.c.status.in_(ACTIVE),
                                    audit_jobs.c.cancel_requested.is_(False))
                             .values(cancel_requested=True, updated_at=_now())).rowcount
        if asked:
            site = conn.execute(sa.select(audit_jobs.c.site).where(audit_jobs.c.id == job_id)).scalar_one()
            changes.record(conn, actor=actor, action="audit.cancelled", job_id=job_id, detail={"site": site},
                           summary=f"Asked the audit of {site} to stop")


def _finish(engine: Engine, job_id: str, status: str, actor: str | None, *, report: dict[str, Any] | None = None,
            started: datetime | None = None, shots: dict[history.ScreenshotKey, bytes] | None = None,
            error: str | None = None) -> None:
    """End a job as ``status`` and record how it ended, in one transaction; a ``done`` job's audit (``report``)
    is stored in the same transaction."""
    with engine.begin() as conn:
        site = conn.execute(sa.select(audit_jobs.c.site).where(audit_jobs.c.id == job_id)).scalar_one()
        values: dict[str, Any] = {"status": status, "updated_at": _now()}
        audit_id = None
        if report is not None:
            audit_id = history.insert_audit(conn, report, started_at=started, screenshots=shots)
            values |= {"audit_id": audit_id, "current_url": None}
            summary = f"Audit of {site} finished: {outcome_text(report['pages'])}; stored as audit {audit_id}"
        elif status == "cancelled":
            summary = f"Audit of {site} stopped as asked: nothing stored"
        else:
            values["error"] = error
            summary = f"Audit of {site} failed: {error}"
        conn.execute(audit_jobs.update().where(audit_jobs.c.id == job_id).values(**values))
        changes.record(conn, actor=actor, action="audit.finished", job_id=job_id, audit_id=audit_id,
                       summary=summary, detail={"site": site, "status": status})


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


# --- running -----------------------------------------------------------------------------------

def run_job(engine: Engine, job_id: str, request: AuditRequest, *,
            allowed_hosts: Iterable[str] | None = None, screenshots: bool = True,
            driver_factory: Callable[[], WebDriver] | None = None, driver: WebDriver | None = None,
            allow_private: bool = True, actor: str | None = None) -> str:
    """Run a created job to its end in the calling thread; return its final status.

    Waits for a free slot (:data:`MAX_RUNNING_JOBS`), discovers the pages, audits
    them, and stores the audit; every step is written to the job row. Never raises
    for a failing audit: the job ends ``failed`` with the reason.

    Parameters
    ----------
    engine : Engine
    job_id : str
        From :func:`create_job`.
    request : AuditRequest
        The validated request (with cookies and headers).
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
    actor : str or None, default=None
        Who started the job: its end is recorded as theirs (``audit.finished``).

    Returns
    -------
    str
        ``'done'``, ``'cancelled'`` or ``'failed'``.
    """
    beating = threading.Event()
    threading.Thread(target=_heartbeat, args=(engine, job_id, beating), name=f"audit-heartbeat-{job_id[:8]}",
                     daemon=True).start()
    try:
        if driver_factory is None:
            hosts = None if allowed_hosts is None else list(allowed_hosts)

            def driver_factory() -> WebDriver:
                return make_driver(allowed_hosts=hosts, allow_private=allow_private)
        return _run_in_slot(engine, job_id, request, allowed_hosts, allow_private, screenshots, driver_factory,
                            driver, actor)
    finally:
        beating.set()


def _heartbeat(engine: Engine, job_id: str, stop: threading.Event) -> None:
    """Touch the job's row every :data:`HEARTBEAT_SECONDS` until ``stop`` is set."""
    while not stop.wait(HEARTBEAT_SECONDS):
        try:
            _update(engine, job_id, owner=_PROCESS)
        except Exception:  # noqa: BLE001 - a database hiccup must not end the job; the next beat retries
            log.warning("heartbeat of audit job %s failed", job_id, exc_info=True)


def _run_in_slot(engine: Engine, job_id: str, request: AuditRequest, allowed_hosts: Iterable[str] | None,
                 allow_private: bool, screenshots: bool, driver_factory: Callable[[], WebDriver] | None,
                 driver: WebDriver | None, actor: str | None) -> str:
    with _SLOTS:
        started = _now()
        try:
            if _cancel_requested(engine, job_id):
                _finish(engine, job_id, "cancelled", actor)
                return "cancelled"
            _update(engine, job_id, status="discovering")
            try:
                urls = _discover(request, allowed_hosts, allow_private, driver_factory, driver,
                                 lambda: _cancel_requested(engine, job_id))
            except DiscoveryCancelled:
                _finish(engine, job_id, "cancelled", actor)
                return "cancelled"
            _update(engine, job_id, status="running", total=len(urls), done=0)
            pages = _audit(engine, job_id, request, urls, screenshots, driver_factory, driver)
            if pages is None:
                _finish(engine, job_id, "cancelled", actor)
                return "cancelled"
            results, shots = pages
            report = make_report(results, axe_version=load_axe().version, standard=request.standard)
            _finish(engine, job_id, "done", actor, report=report, started=started, shots=shots)
            return "done"
        except Exception as exc:  # noqa: BLE001 - the job row is where the reason goes
            log.exception("audit job %s failed", job_id)
            _finish(engine, job_id, "failed", actor, error=str(exc) or type(exc).__name__)
            return "failed"


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
           driver_factory: Callable[[], WebDriver] | None, driver: WebDriver | None
           ) -> tuple[list[PageResult], dict[history.ScreenshotKey, bytes]] | None:
    """The audit itself, with progress, cancel checks and screenshots; ``None`` when cancelled."""
    stop = threading.Event()
    shots: dict[history.ScreenshotKey, bytes] = {}
    lock = threading.Lock()

    def progress(done: int, total: int, url: str) -> None:
        _update(engine, job_id, done=done, total=total, current_url=url)
        if _cancel_requested(engine, job_id):
            stop.set()

    def after_page(browser: WebDriver, page: PageResult) -> None:
        with lock:
            room = MAX_SCREENSHOTS - len(shots)
        if screenshots and room > 0:
            taken = screenshot_findings(browser, page, limit=room)
            with lock:
                shots.update(taken)

    if _cancel_requested(engine, job_id):
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
    """Create a job and run it in a background thread; return the job id at once.

    See :func:`run_job` for the parameters (``actor``: who starts it, recorded with its start and end).
    The thread is a daemon: it never keeps the server from stopping (the job then shows as ``interrupted``).
    """
    job_id = create_job(engine, request, actor=actor)
    threading.Thread(target=run_job, args=(engine, job_id, request), name=f"audit-job-{job_id[:8]}",
                     kwargs={"allowed_hosts": allowed_hosts, "allow_private": allow_private, "screenshots": screenshots,
                             "driver_factory": driver_factory, "driver": driver, "actor": actor},
                     daemon=True).start()
    return job_id
