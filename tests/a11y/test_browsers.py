"""Browsers on a grid and browser ownership (a11y.browser).

Every audit browser runs on ``A11Y_REMOTE_URL`` when it is set (the command line's ``--remote``
wins), whether the URL is the endpoint's root or its ``/wd/hub``; the tests prove the remote is used
by pointing ``A11Y_CHROMIUM`` at nothing, so a local browser cannot start. A process owns the
browsers it starts: SIGTERM closes them, and ``reap_orphans()`` closes those of a process killed
with ``kill -9`` while leaving a live process's browser alone.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
import urllib3
from selenium.common.exceptions import WebDriverException

from a11y import browser, jobs
from a11y.__main__ import main as a11y_main
from tests.app._researcher import app

ROOT = Path(__file__).resolve().parents[2]
NO_CHROMIUM = "/nonexistent/chromium"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Chromedriver:
    """A bare chromedriver started as a remote end (its own process group), logging every command."""

    def __init__(self, log: Path, url_base: str = "") -> None:
        self.port, self.log = free_port(), log
        args = ["/usr/bin/chromedriver", f"--port={self.port}", f"--log-path={log}"]
        if url_base:
            args.append(f"--url-base={url_base}")
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        self.root = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{self.root}{url_base}/status", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)

    def sessions(self) -> dict[str, tuple[float, float | None]]:
        """``{session id: (started, quit or None)}`` read from the chromedriver's log."""
        found: dict[str, list[float | None]] = {}
        for stamp, session, command in re.findall(r"^\[([\d.]+)\]\[INFO\]: \[(\w+)\] COMMAND (InitSession|Quit)",
                                                  self.log.read_text(errors="replace"), re.M):
            if command == "InitSession":
                found[session] = [float(stamp), None]
            elif session in found:
                found[session][1] = float(stamp)
        return {s: (float(t[0] or 0), t[1]) for s, t in found.items()}

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)  # the group this test started: chromedriver and its Chromiums
        self.proc.wait(10)


@pytest.fixture
def grid(tmp_path) -> Iterator[Chromedriver]:
    endpoint = Chromedriver(tmp_path / "chromedriver.log")
    yield endpoint
    endpoint.stop()


# --- which endpoint answers (no audit) ---------------------------------------------------------------

@pytest.mark.browser
def test_the_root_url_and_wd_hub_both_find_the_endpoint(tmp_path, grid):
    assert browser.remote_endpoint(grid.root) == grid.root
    assert browser.remote_endpoint(grid.root + "/wd/hub/") == grid.root  # a bare chromedriver has no /wd/hub
    hub = Chromedriver(tmp_path / "hub.log", url_base="/wd/hub")  # as Selenium 3 and `--url-base` serve it
    try:
        assert browser.remote_endpoint(hub.root) == hub.root + "/wd/hub"
    finally:
        hub.stop()


def test_no_webdriver_at_the_url_is_an_error_naming_it(site_url):
    port = free_port()
    with pytest.raises(ConnectionError) as refused:
        browser.remote_endpoint(f"http://127.0.0.1:{port}/wd/hub")
    assert str(refused.value).startswith(
        f"no WebDriver answers at http://127.0.0.1:{port}/wd/hub (tried http://127.0.0.1:{port}/wd/hub/status: ")
    assert f"; http://127.0.0.1:{port}/status: " in str(refused.value)
    with pytest.raises(ConnectionError, match=re.escape(f"{site_url}/status: HTTP 404")):
        browser.remote_endpoint(site_url)  # a web server, not a WebDriver


def test_the_command_line_names_the_setting_s_url_when_nothing_answers(monkeypatch):
    port = free_port()
    monkeypatch.setenv("A11Y_REMOTE_URL", f"http://127.0.0.1:{port}")
    err = io.StringIO()
    assert a11y_main(["audit", "http://127.0.0.1:9/"], stdout=io.StringIO(), stderr=err) == 2
    url = f"http://127.0.0.1:{port}"
    assert err.getvalue().splitlines()[-1] == (
        f"a11y: error: no WebDriver answers at {url} (tried {url}/status: [Errno 111] Connection refused; "
        f"{url}/wd/hub/status: [Errno 111] Connection refused)")


@pytest.mark.parametrize("value", ["grid.internal:4444", "ftp://grid/", "http://"])
def test_a_bad_remote_url_setting_is_refused_by_name(monkeypatch, value):
    monkeypatch.setenv("A11Y_REMOTE_URL", value)
    with pytest.raises(ValueError, match=r"^A11Y_REMOTE_URL must be the http:// or https:// URL of a WebDriver"):
        browser.make_driver()


# --- audits on the remote ----------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize(("setting", "flag"), [("dead", "/wd/hub"), ("/", None)],
                         ids=["--remote with /wd/hub over a dead setting", "the setting, root URL"])
def test_the_command_line_audits_on_the_remote(monkeypatch, site_url, grid, setting, flag):
    monkeypatch.setenv("A11Y_CHROMIUM", NO_CHROMIUM)
    monkeypatch.setenv("A11Y_REMOTE_URL", f"http://127.0.0.1:{free_port()}" if setting == "dead" else grid.root)
    argv = ["audit", f"{site_url}/clean/about.html", "--no-keyboard", "--no-viewport", "--no-states"]
    if flag:
        argv += ["--remote", grid.root + flag]
    out, err = io.StringIO(), io.StringIO()
    assert a11y_main(argv, stdout=out, stderr=err) == 0, err.getvalue()
    assert [(p["url"], p["status"]) for p in json.loads(out.getvalue())["pages"]] == [
        (f"{site_url}/clean/about.html", "ok")]
    assert len(grid.sessions()) == 1 and all(quit for _, quit in grid.sessions().values())


@pytest.mark.browser
def test_concurrent_app_jobs_share_the_remote_of_the_setting(monkeypatch, engine, site_url, grid):
    monkeypatch.setenv("A11Y_CHROMIUM", NO_CHROMIUM)  # only the remote can run these audits
    monkeypatch.setenv("A11Y_REMOTE_URL", grid.root + "/wd/hub")
    urls = [[f"{site_url}/clean/about.html", f"{site_url}/slow"], [f"{site_url}/slow", f"{site_url}/clean/index.html"]]
    ids = [jobs.start_audit(engine, jobs.make_request("\n".join(u)), screenshots=False) for u in urls]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and any(jobs.get_job(engine, i)["status"] not in jobs.FINAL for i in ids):
        time.sleep(0.2)
    finished = [jobs.get_job(engine, i) for i in ids]
    assert [(j["status"], j["audited"], j["not_audited"], j["error"]) for j in finished] == [("done", 2, 0, None)] * 2
    sessions = sorted(grid.sessions().values())
    assert len(sessions) == 2 and all(quit for _, quit in sessions)
    (_, first_quit), (second_start, _) = sessions
    assert second_start < first_quit  # both browsers were open at once, on the one chromedriver


# --- ownership -----------------------------------------------------------------------------------------

def fake_browser(folder: Path) -> subprocess.Popen:
    """A process that names ``folder`` as its profile, as Chromium does (a sleeping Python)."""
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", f"--user-data-dir={folder}"])


def dead_owner() -> dict:
    """The owner marker of a process that has ended (this machine, this pid namespace)."""
    ended = subprocess.Popen(["sleep", "30"])
    start = browser._start_time(ended.pid)
    ended.kill()
    ended.wait()
    return {**browser._owner_marker(), "pid": ended.pid, "start": start}


def wait_for_command_lines(*folders: Path) -> None:
    deadline = time.monotonic() + 10
    while not all(browser.processes_using(str(f)) for f in folders) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_only_folders_whose_owner_is_surely_dead_are_reaped(tmp_path):
    me, dead = browser._owner_marker(), dead_owner()
    owners = {
        "dead": dead,
        "reused-pid": {**me, "start": me["start"] - 1},  # this pid, but not the process that wrote it
        "live": me,
        "other-container": {**dead, "pidns": "pid:[1]"},
        "unmarked": None,  # an owner may be writing its file right now
    }
    folders, processes = {}, {}
    for name, owner in owners.items():
        folder = folders[name] = tmp_path / f"{browser.PROFILE_PREFIX}{name}"
        folder.mkdir()
        if owner is not None:
            (folder / browser.OWNER_FILE).write_text(json.dumps(owner))
        processes[name] = fake_browser(folder)
    try:
        wait_for_command_lines(*folders.values())
        assert browser.reap_orphans(str(tmp_path)) == [str(folders["dead"]), str(folders["reused-pid"])]
        assert [n for n, f in folders.items() if f.exists()] == ["live", "other-container", "unmarked"]
        killed = {n: processes[n].wait(10) for n in ("dead", "reused-pid")}  # a SIGKILL lands in its own time
        assert killed == {"dead": -signal.SIGKILL, "reused-pid": -signal.SIGKILL}
        assert {n: processes[n].poll() for n in ("live", "other-container", "unmarked")} == {
            "live": None, "other-container": None, "unmarked": None}
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
            process.wait(10)


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")  # the child only exits
def test_a_forked_child_never_closes_its_parent_s_browsers():
    before = browser.owned()["profiles"]  # the suite's own session browsers, if any
    folder = browser._new_profile()  # a profile folder this process owns, as a local browser's
    try:
        child = os.fork()
        if child == 0:  # the child exits at once, closing what it owns: nothing of its parent's
            browser.close_all()
            os._exit(0)
        assert os.waitpid(child, 0)[1] == 0
        assert os.path.isdir(folder) and browser.owned()["profiles"] == sorted([*before, folder])
        assert all(os.path.isdir(p) for p in before)
    finally:
        browser._release_profile(folder)
    assert not os.path.exists(folder) and browser.owned()["profiles"] == before


def test_the_command_line_reaps_orphaned_browsers_when_it_starts(tmp_path):
    folder = tmp_path / f"{browser.PROFILE_PREFIX}left-by-a-killed-run"
    folder.mkdir()
    (folder / browser.OWNER_FILE).write_text(json.dumps(dead_owner()))
    orphan = fake_browser(folder)
    try:
        wait_for_command_lines(folder)
        done = subprocess.run([sys.executable, "-m", "a11y", "audit"], cwd=ROOT, capture_output=True, text=True,
                              env={**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(ROOT)}, timeout=60)
        assert (done.returncode, done.stderr) == (2, "a11y: error: no pages to audit: give URLs, --urls-file or "
                                                     "--sitemap\n")
        assert orphan.wait(10) == -signal.SIGKILL and not folder.exists()
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait(10)


def test_the_app_reaps_orphaned_browsers_when_its_server_starts(app_db, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the temporary folder the app looks in
    folder = tmp_path / f"{browser.PROFILE_PREFIX}left-by-a-killed-server"
    folder.mkdir()
    (folder / browser.OWNER_FILE).write_text(json.dumps(dead_owner()))
    orphan = fake_browser(folder)
    try:
        wait_for_command_lines(folder)
        st.cache_resource.clear()  # a new server process: nothing reaped yet
        at = app().run()
        assert not at.exception
        assert orphan.wait(10) == -signal.SIGKILL and not folder.exists()
    finally:
        if orphan.poll() is None:
            orphan.kill()
            orphan.wait(10)


OPENS_A_BROWSER = ("import time\nfrom a11y.browser import make_driver\nd = make_driver()\n"
                   "print(d.profile_dir, flush=True)\ntime.sleep(300)\n")


def open_in_child() -> tuple[subprocess.Popen, str, list[int]]:
    """A Python process holding one local browser: the process, its profile folder, the browser's pids."""
    child = subprocess.Popen([sys.executable, "-c", OPENS_A_BROWSER], cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    folder = child.stdout.readline().strip() if child.stdout else ""
    assert folder.startswith(os.path.join(tempfile.gettempdir(), browser.PROFILE_PREFIX)), folder
    return child, folder, browser.processes_using(folder)


def cmdline(pid: int) -> bytes:
    """The process's command line; empty when it is gone or a zombie."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if cmdline(pid)]


def core(pids: list[int]) -> list[int]:
    """chromedriver and Chromium's browser process: the ones that are not Chromium's ``--type=`` helpers."""
    return [pid for pid in pids if cmdline(pid) and b"--type=" not in cmdline(pid)]


def gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 10
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pids)


@pytest.mark.browser
def test_reaping_closes_a_killed_process_s_browser_and_sigterm_closes_a_live_one_s():
    killed, killed_folder, killed_pids = open_in_child()
    live, live_folder, live_pids = open_in_child()
    try:
        assert len(killed_pids) >= 3 and len(live_pids) >= 3  # chromedriver, Chromium, its helpers
        live_core = core(live_pids)
        assert len(live_core) == 2
        reaped = browser.reap_orphans()  # (other runs' orphans may go; these two browsers are owned)
        assert killed_folder not in reaped and live_folder not in reaped
        killed.send_signal(signal.SIGKILL)
        killed.wait(10)
        assert alive(killed_pids) and os.path.isdir(killed_folder)  # kill -9: no handler ran

        assert killed_folder in browser.reap_orphans()
        assert gone(killed_pids) and not os.path.exists(killed_folder)
        # the live process's browser is untouched (helpers such as a spare renderer may come and go on their own)
        assert alive(live_core) == live_core and os.path.isdir(live_folder)

        live.send_signal(signal.SIGTERM)
        assert live.wait(20) == -signal.SIGTERM
        assert gone(live_pids) and not os.path.exists(live_folder)
        assert browser.processes_using(live_folder) == []
    finally:
        for child in (killed, live):
            if child.poll() is None:
                child.kill()
                child.wait(10)
        browser.reap_orphans()


@pytest.mark.browser
def test_a_browser_whose_chromedriver_died_is_closed_with_its_folder():
    driver = browser.make_driver()
    folder, pids = driver.profile_dir, browser.processes_using(driver.profile_dir)
    assert folder in browser.owned()["profiles"]
    os.kill(driver.service.process.pid, signal.SIGKILL)  # the session is dead: every command fails
    with pytest.raises((WebDriverException, urllib3.exceptions.HTTPError, ConnectionError)):
        driver.get("about:blank")
    try:
        driver.quit()
    except Exception:  # noqa: BLE001 - quitting a dead session may fail; the browser must go anyway
        pass
    assert gone(pids) and not os.path.exists(folder) and folder not in browser.owned()["profiles"]
