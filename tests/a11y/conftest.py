"""Fixtures for the audit tests: the local test site on 127.0.0.1 and one shared headless Chromium."""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.app._researcher import app_db  # noqa: F401 - the app database fixture, for test_jobs

SITE = Path(__file__).resolve().parent / "site"
COOKIE = ("a11y_session", "letmein")
HEADER = ("X-Audit-Token", "s3cret")
SLOW_SECONDS = 3


class SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Static files from ``site/`` plus the routes a test site needs and files cannot give."""

    server: SiteServer

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - keep pytest output quiet
        pass

    def end_headers(self) -> None:
        # Nothing cached: a page that answered 200 with a cookie must answer 401 without it.
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _authorised(self) -> bool:
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        has_cookie = COOKIE[0] in cookie and cookie[COOKIE[0]].value == COOKIE[1]
        return has_cookie or self.headers.get(HEADER[0]) == HEADER[1]

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?", 1)[0]
        self.server.log(path)
        if path == "/status/500":
            self._send(500, b"<!doctype html><html lang='en'><title>Server error</title><h1>Oops</h1></html>")
        elif path == "/slow":
            time.sleep(SLOW_SECONDS)
            self._send(200, b"<!doctype html><html lang='en'><title>Slow</title><main><h1>Slow</h1></main>")
        elif path == "/files/report.pdf":
            self._send(200, b"%PDF-1.4\n%%EOF\n", "application/pdf")
        elif path.startswith("/private/") and not self._authorised():
            self._send(401, b"<!doctype html><html lang='en'><title>Sign in</title><h1>Sign in</h1></html>")
        elif path.startswith("/delay/"):  # /delay/<ms>/<file>: the file, answered after <ms> ms
            _, _, ms, rest = path.split("/", 3)
            time.sleep(int(ms) / 1000)
            self.path = "/" + rest
            try:
                super().do_GET()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the page was left before the answer came
        elif path.endswith(".xml") and (SITE / path.lstrip("/")).is_file():
            text = (SITE / path.lstrip("/")).read_text(encoding="utf-8")
            self._send(200, text.replace("//BASE", "//" + self.server.netloc).encode(), "application/xml")
        else:
            super().do_GET()


class SiteServer(http.server.ThreadingHTTPServer):
    """Threaded server that remembers which paths were requested."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), functools.partial(SiteHandler, directory=str(SITE)))
        self.netloc = f"127.0.0.1:{self.server_address[1]}"
        self.url = f"http://{self.netloc}"
        self.requests: list[str] = []
        self._lock = threading.Lock()

    def log(self, path: str) -> None:
        with self._lock:
            self.requests.append(path)


@pytest.fixture(scope="session")
def site_server():
    """The local test site, served on a free port of 127.0.0.1 for the whole session."""
    server = SiteServer()
    thread = threading.Thread(target=server.serve_forever, name="test-site", daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def site_url(site_server) -> str:
    """Base URL of the local test site, e.g. ``http://127.0.0.1:43210`` (no trailing slash)."""
    return site_server.url


@pytest.fixture(scope="session")
def driver():
    """One headless Debian Chromium shared by the session's browser tests."""
    from a11y.browser import make_driver

    drv = make_driver()
    yield drv
    drv.quit()


@pytest.fixture
def remote_chromedriver() -> Iterator[str]:
    """A bare chromedriver on a free port, as a remote WebDriver endpoint: its root URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([shutil.which("chromedriver") or "/usr/bin/chromedriver", f"--port={port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
