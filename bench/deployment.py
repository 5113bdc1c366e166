"""A deployment on this machine, as docs/deploy.md describes it: PostgreSQL, replicas, nginx in front.

Used by ``tests/reliability/test_balancer.py`` and ``python -m bench load --deployment``. Each replica is
started with the command of docs/deploy.md ("Replicas") and the secrets every replica shares
(``DATABASE_URL``, ``COOKIE_SECRET``, ``RESEARCHER_PASSWORD_HASH``); nginx runs
``deploy/nginx.conf`` unprivileged (:class:`deploy.nginx.LocalNginx`). Audit workers
(``python -m a11y worker``, docs/deploy.md "Audit workers") run on the same ``DATABASE_URL``; with
at least one, the replicas get ``A11Y_APP_WORKER=0`` and leave the audits to them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from deploy.nginx import LocalNginx, free_port

ROOT = Path(__file__).resolve().parent.parent
REPLICA_ENV = ("DATABASE_URL", "COOKIE_SECRET", "RESEARCHER_PASSWORD_HASH", "RESEARCHER_PASSWORD",
               "SESSION_HOURS", "A11Y_ALLOW_PRIVATE", "A11Y_ALLOWED_HOSTS", "A11Y_APP_WORKER")
"""Settings a replica gets only from :func:`start_replica`'s ``env``, never from the caller's environment."""


def create_database(server_url: str) -> str:
    """A new, empty database on the server of ``server_url`` (a PostgreSQL URL); returns its URL.

    The name is unique (``cardsort_<hex>``), so runs sharing a server do not meet; drop it with
    :func:`drop_database`.
    """
    url = sa.engine.make_url(server_url)
    name = f"cardsort_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database of ``url`` (made by :func:`create_database`), closing whatever still uses it."""
    target = sa.engine.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@dataclass
class Replica:
    """One ``streamlit run`` process: its process, base URL and log file."""

    proc: subprocess.Popen
    url: str
    log: Path

    @property
    def address(self) -> str:
        return self.url.removeprefix("http://")

    def kill(self) -> None:
        """SIGKILL, as a crashed machine or the kernel's OOM killer would: no clean-up of any kind."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def replica_command(port: int) -> list[str]:
    """docs/deploy.md's replica command (the venv's Python running Streamlit), on 127.0.0.1:``port``."""
    return [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.address", "127.0.0.1",
            "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none"]


@dataclass
class AuditWorker:
    """One ``python -m a11y worker`` process: its process and log file."""

    proc: subprocess.Popen
    log: Path

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM (it hands its running audits back, then exits), as systemd stops it; its exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def worker_command(poll: float = 0.5) -> list[str]:
    """docs/deploy.md's worker command, with this venv's Python."""
    return [sys.executable, "-m", "a11y", "worker", "--poll", str(poll)]


def start_worker(env: dict[str, str], log: Path, timeout: float = 60) -> AuditWorker:
    """An audit worker with the settings ``env`` (the replicas' own), once it says it started."""
    full = {k: v for k, v in os.environ.items() if k not in REPLICA_ENV} | env
    with log.open("ab") as out:
        proc = subprocess.Popen(worker_command(), cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT)
    worker = AuditWorker(proc, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"audit worker exited with {proc.returncode}: {log.read_text()[-2000:]}")
        if ": started (" in log.read_text(errors="replace"):
            return worker
        time.sleep(0.2)
    worker.stop()
    raise RuntimeError(f"audit worker did not start within {timeout} s: {log.read_text()[-2000:]}")


def start_replica(env: dict[str, str], log: Path, timeout: float = 90) -> Replica:
    """A replica with the settings ``env`` (and none of :data:`REPLICA_ENV` from this process), once healthy."""
    port = free_port()
    full = {k: v for k, v in os.environ.items() if k not in REPLICA_ENV} | env
    with log.open("ab") as out:
        proc = subprocess.Popen(replica_command(port), cwd=ROOT, env=full, stdout=out, stderr=subprocess.STDOUT)
    replica = Replica(proc, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"replica exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{replica.url}/_stcore/health", timeout=2):
                return replica
        except OSError:
            time.sleep(0.25)
    replica.stop()
    raise RuntimeError(f"replica on port {port} did not become healthy within {timeout} s")


@dataclass
class Deployment:
    """``n`` replicas sharing ``env``, nginx in front of them and audit workers; :meth:`stop` ends all of them."""

    workdir: Path
    env: dict[str, str]
    replicas: list[Replica] = field(default_factory=list)
    nginx: LocalNginx | None = None
    workers: list[AuditWorker] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self.nginx is not None
        return self.nginx.url

    def start(self, n: int, *, workers: int = 1, max_fails: int = 3, fail_timeout: int = 10) -> Deployment:
        """``n`` replicas, nginx, then ``workers`` audit workers (with any, the replicas get ``A11Y_APP_WORKER=0``)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = self.env | ({"A11Y_APP_WORKER": "0"} if workers else {})
        try:
            # The first replica creates the tables; the others start once it is up (docs/deploy.md).
            self.replicas.append(start_replica(env, self.workdir / "replica-1.log"))
            for i in range(2, n + 1):
                self.replicas.append(start_replica(env, self.workdir / f"replica-{i}.log"))
            self.nginx = LocalNginx(self.workdir / "nginx", [r.address for r in self.replicas],
                                    max_fails=max_fails, fail_timeout=fail_timeout).start()
            for i in range(1, workers + 1):  # the same env: the same DATABASE_URL
                self.workers.append(start_worker(env, self.workdir / f"worker-{i}.log"))
        except BaseException:
            self.stop()
            raise
        return self

    def replica_for(self, key: str) -> Replica:
        """The replica nginx sends a browser with ``cardsort_lb=key`` to (asked through nginx itself)."""
        assert self.nginx is not None
        request = urllib.request.Request(f"{self.url}/_stcore/health?probe={uuid.uuid4().hex}",
                                         headers={"Cookie": f"cardsort_lb={key}"})
        with urllib.request.urlopen(request, timeout=10):
            pass
        for _ in range(50):  # the access log line is written as the response completes
            for request_line, upstream, _key in reversed(self.nginx.upstreams()):
                if request_line.split(" ")[1:2] == [request.selector]:
                    return next(r for r in self.replicas if r.address == upstream.split(", ")[-1])
            time.sleep(0.05)
        raise RuntimeError("nginx's access log has no line for the probe")

    def stop(self) -> list[int]:
        """Stop the workers (SIGTERM), nginx and the replicas; the workers' exit codes (0: a clean stop)."""
        codes = [worker.stop() for worker in self.workers]
        if self.nginx is not None:
            self.nginx.stop()
        for replica in self.replicas:
            replica.stop()
        return codes

    def __enter__(self) -> Deployment:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
