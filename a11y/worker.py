"""Workers that run the queued audits of :mod:`a11y.jobs`: ``python -m a11y worker``, and one inside each app server.

A :class:`Worker` polls the ``audit_jobs`` table, claims jobs with :func:`a11y.jobs.claim_job` (atomic, under
the global ``A11Y_MAX_RUNNING_AUDITS``) up to its own ``concurrency``, runs each in a thread of its own
(:func:`a11y.jobs.run_claimed`, browsers from :func:`a11y.browser.make_driver`, so ``A11Y_CHROMIUM`` and the
other browser settings apply), renews their leases, and keeps the waiting jobs fresh. :meth:`Worker.stop`
(SIGTERM, SIGINT for the command) stops claiming and hands the running jobs back to the queue after the pages
under way; another worker continues them.

Any number of workers may share one database, on any machine (PostgreSQL); on SQLite they must share
the machine (the file). The app's own worker (:func:`app_worker`) takes every job unless
``A11Y_APP_WORKER=0``; it always takes the jobs pinned to its process (cookies, headers, typed values).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from sqlalchemy.engine import Engine

from a11y import browser, jobs

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
"""How often an idle worker looks for queued jobs (starting an audit in this process wakes it at once)."""


SIGNALS = (signal.SIGTERM, signal.SIGINT)


def on_start(stop: Callable[[int], None] | None = None) -> Callable[[], None]:
    """What a worker does once before it claims anything: the one place for start-up clean-up.

    Browsers and temporary profiles left behind by a worker that was killed belong to no job any more:
    :func:`a11y.browser.reap_orphans` kills and removes them. In the main thread, the signals are then
    handled in two layers: :func:`a11y.browser.handle_signals` (close this process's browsers, then do
    what the signal did before), and on top of it ``stop``: the first SIGTERM or SIGINT only calls
    ``stop(signum)`` (the worker hands its jobs back after the pages under way, whose browsers must stay
    open for that); a second one goes on to the layer below at once. Returns what puts the handlers back
    as they were (nothing to do outside the main thread, where signals cannot be handled).
    """
    try:
        browser.reap_orphans()
    except Exception:  # noqa: BLE001 - clean-up must never keep a worker from starting
        log.warning("the browser reaper failed", exc_info=True)
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    before = {sig: signal.getsignal(sig) for sig in SIGNALS}
    browser.handle_signals()
    if stop is not None:
        below = {sig: signal.getsignal(sig) for sig in SIGNALS}
        stopping = threading.Event()

        def handler(signum: int, frame: FrameType | None) -> None:
            if not stopping.is_set():
                stopping.set()
                stop(signum)
                return
            previous = below[signal.Signals(signum)]
            if callable(previous):
                previous(signum, frame)
            elif previous != signal.SIG_IGN:  # SIG_DFL, or set outside Python: end as the signal would
                signal.signal(signum, signal.SIG_DFL)
                os.kill(os.getpid(), signum)

        handler._a11y_closes_browsers = True  # type: ignore[attr-defined]  # (on the second): never wrapped again
        for sig in SIGNALS:
            signal.signal(sig, handler)

    def restore() -> None:
        for sig, previous in before.items():
            signal.signal(sig, previous if previous is not None else signal.SIG_DFL)
    return restore


class Worker:
    """Claims and runs queued audit jobs until :meth:`stop`.

    Parameters
    ----------
    engine : Engine
        The shared database (``DATABASE_URL``).
    concurrency : int, default=1
        Jobs this worker runs at once (the global limit ``A11Y_MAX_RUNNING_AUDITS`` still applies).
    poll_seconds : float, default=POLL_SECONDS
    shared : bool, default=True
        Claim every queued job; ``False``: only those pinned to this process.
    name : str or None
        Written to the claimed jobs' ``claimed_by`` (default: ``host:pid``).
    say : callable or None
        Gets one line per event (claimed, finished, handed back); the command prints them.
    """

    def __init__(self, engine: Engine, *, concurrency: int = 1, poll_seconds: float = POLL_SECONDS,
                 shared: bool = True, name: str | None = None, say: Callable[[str], None] | None = None) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.engine, self.concurrency, self.poll_seconds, self.shared = engine, concurrency, poll_seconds, shared
        self.name = name or jobs.worker_name()
        self.say = say or (lambda line: log.info("%s", line))
        self.halt = threading.Event()
        self._wake = threading.Event()
        self._running: dict[str, threading.Thread] = {}
        self.finished: dict[str, str] = {}

    def wake(self) -> None:
        """Look for queued jobs now instead of at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Stop claiming; running jobs are handed back after the pages under way (safe from a signal handler)."""
        self.halt.set()
        self._wake.set()

    def _run_one(self, job_id: str) -> None:
        try:
            status = jobs.run_claimed(self.engine, job_id, self.name, halt=self.halt)
        except Exception:  # noqa: BLE001 - the worker goes on with the next job
            log.exception("audit job %s broke its worker thread", job_id)
            status = "failed"
        self.finished[job_id] = status
        self.say(f"job {job_id}: {status}" + (" (handed back to the queue)" if status == "released" else ""))
        self._wake.set()

    def _claim(self) -> bool:
        """Claim jobs while this worker has room; whether it claimed any."""
        claimed = False
        while len(self._running) < self.concurrency and not self.halt.is_set():
            job_id = jobs.claim_job(self.engine, self.name, shared=self.shared)
            if job_id is None:
                break
            claimed = True
            self.say(f"job {job_id}: claimed")
            thread = threading.Thread(target=self._run_one, args=(job_id,), name=f"audit-job-{job_id[:8]}",
                                      daemon=True)
            self._running[job_id] = thread
            thread.start()
        return claimed

    def run(self, *, once: bool = False, on_signal: Callable[[int], None] | None = None) -> None:
        """Claim and run jobs until :meth:`stop`; with ``once``, until no job is waiting or running here.

        On stop, waits for the running jobs to finish or be handed back, then returns. With ``on_signal``
        (the command; in the main thread), the first SIGTERM or SIGINT calls it then :meth:`stop`, a second
        closes the browsers and ends as the signal would (:func:`on_start`); the handlers are put back on return.
        """
        def stop_on_signal(signum: int) -> None:
            if on_signal is not None:
                on_signal(signum)
            self.stop()

        restore = on_start(stop_on_signal if on_signal is not None else None)
        try:
            self._run(once)
        finally:
            restore()

    def _run(self, once: bool) -> None:
        self.say(f"worker {self.name}: started (concurrency {self.concurrency}, "
                 f"global limit {jobs.max_running()}, lease {jobs.lease_seconds()} s)")
        touched = 0.0
        while not self.halt.is_set():
            self._wake.clear()
            for job_id, thread in list(self._running.items()):
                if not thread.is_alive():
                    del self._running[job_id]
            try:
                if time.monotonic() - touched >= jobs.heartbeat_seconds():
                    jobs.touch_waiting(self.engine)
                    touched = time.monotonic()
                claimed = self._claim()
            except Exception:  # noqa: BLE001 - the database away for a moment: try again at the next poll
                log.warning("worker %s could not look for jobs", self.name, exc_info=True)
                claimed = False
            if once and not claimed and not self._running:
                break
            self._wake.wait(self.poll_seconds)
        for thread in list(self._running.values()):
            thread.join()
        self._running.clear()
        self.say(f"worker {self.name}: stopped")


_APP_WORKERS: dict[int, Worker] = {}
_APP_LOCK = threading.Lock()


def stop_app_worker(engine: Engine) -> None:
    """Stop this server's worker for ``engine`` (its running jobs are handed back); a later audit starts a new one."""
    with _APP_LOCK:
        found = _APP_WORKERS.pop(id(engine), None)
    if found is not None:
        found.stop()


def app_worker(engine: Engine) -> Worker:
    """This server's own worker for ``engine``, started in a daemon thread on first use.

    It runs as many jobs as the global limit allows; with ``A11Y_APP_WORKER=0`` only the jobs
    pinned to this process (their cookies, headers or typed values are only here).
    """
    from cardsort import settings

    with _APP_LOCK:
        found = _APP_WORKERS.get(id(engine))
        if found is not None and found.engine is engine and not found.halt.is_set():
            return found
        worker = Worker(engine, concurrency=jobs.max_running(), name=f"{jobs.worker_name()}:app",
                        shared=bool(settings.value("A11Y_APP_WORKER")))
        threading.Thread(target=worker.run, name="audit-app-worker", daemon=True).start()
        _APP_WORKERS[id(engine)] = worker
        return worker
