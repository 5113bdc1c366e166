"""Fixtures for the real app: `streamlit run` on a free port with a temporary SQLite database, and one Chromium.

The server is started once per test session (about 3 s) and stopped at the end;
tests put their own studies into its database through ``app_server.engine``, with
ids unique per test, so they never see each other's data.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from cardsort import accounts, store
from cardsort.model import Study, study_from_spec
from tests.app._researcher import app_db  # noqa: F401 - the AppTests' database fixture, for every test here

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 60
RESEARCHER_EMAIL = "browser@example.org"  # the admin account the browser tests sign in with
RESEARCHER_PASSWORD = "browser-test-password"
COOKIE_SECRET = "browser-test-cookie-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_health(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit did not become healthy in {STARTUP_SECONDS} s:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """Stop a server the tests started: SIGTERM, then SIGKILL if it has not gone within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class AppServer:
    """The running app: its base URL and an engine on the same database."""

    url: str
    engine: Engine

    def add_study(self, spec: dict, study_id: str | None = None) -> Study:
        """Store a study from a study spec (docs/architecture.md) under a fresh id; returns it."""
        study = study_from_spec(spec, study_id or f"t{uuid.uuid4().hex[:10]}")
        return store.create_study(self.engine, study)

    def participant_url(self, study: Study, pid: str) -> str:
        return f"{self.url}{study.participant_path}&pid={pid}"


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """`streamlit run streamlit_app.py` on a free 127.0.0.1 port with DATABASE_URL on a temp SQLite file, whose
    admin account is ``RESEARCHER_EMAIL`` with ``RESEARCHER_PASSWORD``."""
    tmp = tmp_path_factory.mktemp("app")
    url_db = f"sqlite:///{tmp / 'app.db'}"
    engine = store.make_engine(url_db)
    accounts.create(engine, RESEARCHER_EMAIL, "admin", name="Browser test", password=RESEARCHER_PASSWORD)
    port = free_port()
    log = tmp / "streamlit.log"
    # A11Y_ALLOW_PRIVATE: the audit tests audit the local test site on 127.0.0.1, as `make run` allows.
    env = dict(os.environ, DATABASE_URL=url_db, COOKIE_SECRET=COOKIE_SECRET,
               STREAMLIT_BROWSER_GATHER_USAGE_STATS="false", A11Y_ALLOW_PRIVATE="1")
    for unset in ("SESSION_HOURS", "RESEARCHER_PASSWORD", "RESEARCHER_PASSWORD_HASH"):
        env.pop(unset, None)
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(url, process, log)
        yield AppServer(url=url, engine=engine)
    finally:
        stop(process)
        engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    """One headless Debian Chromium for the session (a11y.browser.make_driver, with a11y.browser.CHROMIUM_FLAGS)."""
    from a11y.browser import make_driver

    driver = make_driver(window=(1280, 1000))
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium):
    """The shared Chromium, on a blank page, with no cookie (so signed out) and a clean session storage."""
    chromium.get("about:blank")
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    yield chromium
