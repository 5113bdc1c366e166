"""Two replicas on one PostgreSQL behind nginx (deploy/nginx.conf), as docs/deploy.md sets them up.

Participants sort in real Chromium through the balancer; one replica is killed with SIGKILL while
they are mid-sort. Those on it reconnect to the other replica, finish, and their sorts are in the
database, whole; a researcher signed in on the killed replica is still signed in on the other (the
replicas share COOKIE_SECRET). An audit queued on the shared database is run by the one
``python -m a11y worker`` (the replicas have ``A11Y_APP_WORKER=0``) and read on both replicas.
The configuration itself: sticky by browser, every request of a browser to one replica, WebSocket
upgrade, and refusals of bad values.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from bench.deployment import Deployment, create_database, drop_database
from bench.load_bench import BROWSER_SPEC, finish_sort, move_cards, start_sort
from cardsort import auth, store
from cardsort.model import study_from_spec
from deploy.nginx import NGINX, LocalNginx, render

from .conftest import PG_URL

HAS_NGINX = Path(NGINX).is_file()
needs_nginx = pytest.mark.skipif(not HAS_NGINX, reason=f"{NGINX} missing: run scripts/ensure-nginx (make setup)")
PASSWORD = "balancer test password, long enough"
TIMEOUT = 240


# --- the configuration ---------------------------------------------------------------------------

def test_render_fills_one_server_line_per_replica():
    text = render(["10.0.0.11:8501", "10.0.0.12:8501"], listen="8080", server_name="cardsort.example.org",
                  max_fails=2, fail_timeout=7)
    assert re.findall(r"@[A-Z_]+@", text) == []  # every field filled
    assert "    server 10.0.0.11:8501 max_fails=2 fail_timeout=7s;\n" \
           "    server 10.0.0.12:8501 max_fails=2 fail_timeout=7s;\n" in text
    assert "listen 8080;" in text and "server_name cardsort.example.org;" in text
    assert "hash $cardsort_lb_key consistent;" in text
    assert "proxy_set_header Upgrade $http_upgrade;" in text


@pytest.mark.parametrize(("replicas", "options", "message"), [
    ([], {}, "at least one --replica HOST:PORT"),
    (["10.0.0.11"], {}, "--replica must be HOST:PORT, got '10.0.0.11'"),
    (["10.0.0.11:8501; evil"], {}, "--replica must be HOST:PORT, got '10.0.0.11:8501; evil'"),
    (["10.0.0.11:8501"], {"listen": "80; include /etc/passwd"}, "--listen must be a port or ADDRESS:PORT"),
    (["10.0.0.11:8501"], {"server_name": "a.org;"}, "--server-name must be host names"),
    (["10.0.0.11:8501"], {"max_fails": 0}, "--max-fails and --fail-timeout must be at least 1"),
    (["10.0.0.11:8501"], {"tls_cert": "/etc/ssl/c.pem"}, "--tls-cert and --tls-key go together"),
    (["10.0.0.11:8501"], {"tls_cert": "/c.pem; x", "tls_key": "/k.pem"}, "--tls-cert must be a plain path"),
])
def test_render_refuses_bad_values_by_name(replicas, options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace("[", r"\[")):
        render(replicas, **options)


def test_the_command_line_prints_the_configuration_or_names_the_error():
    ok = subprocess.run([sys.executable, "-m", "deploy.nginx", "--replica", "10.0.0.11:8501",
                         "--replica", "10.0.0.12:8501", "--listen", "8080"],
                        capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count("max_fails=3 fail_timeout=10s;") == 2
    bad = subprocess.run([sys.executable, "-m", "deploy.nginx", "--replica", "nope"],
                         capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert bad.returncode == 2 and "--replica must be HOST:PORT, got 'nope'" in bad.stderr


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made with openssl."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@needs_nginx
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_nginx_keeps_each_browser_on_one_replica_and_sets_its_cookie_once(tmp_path, scheme):
    """Two plain HTTP servers stand in for replicas: a browser's requests all reach one, new browsers spread.
    With --tls-cert/--tls-key nginx serves the same over HTTPS (a certificate made here, trusted by the client)."""
    import http.server
    import ssl
    import threading
    import urllib.request

    tls = self_signed(tmp_path) if scheme == "https" else None
    context = ssl.create_default_context(cafile=str(tls[0])) if tls else None

    class Named(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the handler's name in http.server
            body = self.server.name.encode()  # type: ignore[attr-defined]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    servers = []
    for name in ("one", "two", "three"):
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Named)
        srv.name = name  # type: ignore[attr-defined]
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
    try:
        first_two = [f"127.0.0.1:{s.server_address[1]}" for s in servers[:2]]
        with LocalNginx(tmp_path / "nginx", first_two, tls=tls) as nginx:
            assert nginx.url.startswith(f"{scheme}://")
            first_answers = set()
            for _ in range(20):  # twenty new browsers
                with urllib.request.urlopen(f"{nginx.url}/", context=context) as response:
                    cookie = response.headers["Set-Cookie"]
                    first = response.read().decode()
                first_answers.add(first)
                assert cookie.startswith("cardsort_lb=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
                assert ("; Secure" in cookie) == (scheme == "https")
                key = cookie.split(";")[0]
                for _ in range(3):  # the same browser, with its cookie: same replica, no new cookie
                    again = urllib.request.Request(f"{nginx.url}/_stcore/health", headers={"Cookie": key})
                    with urllib.request.urlopen(again, context=context) as response:
                        assert response.read().decode() == first
                        assert response.headers["Set-Cookie"] is None
            assert first_answers == {"one", "two"}  # 1 in 2^19 that twenty browsers all land on one

            # Scaling out: a third replica, rendered and reloaded; new browsers reach it too.
            nginx.reload([f"127.0.0.1:{s.server_address[1]}" for s in servers])
            answers = set()
            for _ in range(40):  # (2/3)^40: never all on the old two
                with urllib.request.urlopen(f"{nginx.url}/", context=context) as response:
                    answers.add(response.read().decode())
            assert answers == {"one", "two", "three"}
    finally:
        for srv in servers:
            srv.shutdown()


# --- two Streamlit replicas, participants in Chromium --------------------------------------------

@pytest.fixture
def deployment(tmp_path):
    """A fresh database of its own on TEST_DATABASE_URL's server, a closed 3-card study, two replicas, nginx,
    and one audit worker (``python -m a11y worker``; the replicas leave audits to it: ``A11Y_APP_WORKER=0``).
    At teardown the worker is stopped with SIGTERM and must exit 0."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL not set: the replicas share one PostgreSQL database (.ci/run sets it)")
    if not HAS_NGINX:
        pytest.skip(f"{NGINX} missing: run scripts/ensure-nginx (make setup)")
    db_url = create_database(PG_URL)
    engine = store.make_engine(db_url)
    env = {"DATABASE_URL": db_url, "COOKIE_SECRET": "shared-cookie-secret-" + uuid.uuid4().hex,
           "RESEARCHER_PASSWORD_HASH": auth.hash_password(PASSWORD), "A11Y_ALLOW_PRIVATE": "1"}
    deployment = Deployment(tmp_path / "deployment", env)
    codes = None
    try:
        deployment.start(2, workers=1)
        study = store.create_study(engine, study_from_spec(BROWSER_SPEC, f"lb{uuid.uuid4().hex[:8]}"))
        yield deployment, engine, study
    finally:
        codes = deployment.stop()
        engine.dispose()
        drop_database(db_url)
    assert codes == [0], f"the audit worker did not stop cleanly on SIGTERM: {deployment.workers[0].log.read_text()}"


def keys_for(deployment: Deployment, per_replica: int) -> dict[str, list[str]]:
    """Sticky keys (cookie values) nginx sends to each replica, ``per_replica`` of each, by replica URL."""
    found: dict[str, list[str]] = {r.url: [] for r in deployment.replicas}
    for i in range(200):
        key = f"browser{i:03d}"
        target = found[deployment.replica_for(key).url]
        if len(target) < per_replica:
            target.append(key)
        if all(len(v) == per_replica for v in found.values()):
            return found
    raise AssertionError(f"nginx sent 200 keys unevenly: {found}")


def browser_with_key(base_url: str, key: str):
    from a11y.browser import make_driver

    driver = make_driver(window=(1200, 900), page_load_timeout=110)  # under WebDriver's own 120 s
    driver.get(f"{base_url}/_stcore/health")
    driver.add_cookie({"name": "cardsort_lb", "value": key, "path": "/"})
    return driver


def wait_until(condition, timeout: float = TIMEOUT, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def sign_in(driver, base_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    driver.get(f"{base_url}/")
    password = wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "input[type=password]"),
                          what="the sign-in form")[0]
    # no admin account yet: the bootstrap sign-in, email "admin" and the researcher password
    driver.find_element(By.CSS_SELECTOR, "input[autocomplete=username]").send_keys("admin")
    password.send_keys(PASSWORD, Keys.ENTER)
    wait_until(lambda: "Study to work on" in driver.find_element(By.TAG_NAME, "body").text,
               what="the signed-in researcher page")


def sorted_in_draft(engine, study_id: str, pid: str) -> int:
    draft = store.get_draft(engine, study_id, pid)
    return 0 if draft is None else sum(len(g["cards"]) for g in draft["state"]["groups"])


@pytest.mark.browser
@pytest.mark.postgres
def test_participants_finish_on_the_other_replica_when_theirs_is_killed_mid_sort(deployment):
    from selenium.webdriver.common.by import By

    dep, engine, study = deployment
    doomed, survivor = dep.replicas
    keys = keys_for(dep, per_replica=2)
    participants = {key: f"p-{key}" for keys_of in keys.values() for key in keys_of}  # key -> participant id
    drivers = {}
    try:
        # A researcher signs in through the balancer, on the replica that will die.
        researcher_key = f"researcher-{keys[doomed.url][0]}"
        while dep.replica_for(researcher_key) is not doomed:
            researcher_key += "x"
        researcher = drivers["researcher"] = browser_with_key(dep.url, researcher_key)
        sign_in(researcher, dep.url)

        # Four participants (two on each replica) start, and each moves one card of three.
        for key, pid in participants.items():
            driver = drivers[key] = browser_with_key(dep.url, key)
            cards = start_sort(driver, f"{dep.url}{study.participant_path}&pid={pid}", TIMEOUT)
            assert cards == 3
            move_cards(driver, 1, TIMEOUT)
            wait_until(lambda pid=pid: sorted_in_draft(engine, study.id, pid) == 1, what=f"{pid}'s autosave")
        served_before = {key: {u for _r, u, k in dep.nginx.upstreams() if k == key} for key in participants}
        for key in participants:
            expected = doomed if key in keys[doomed.url] else survivor
            assert served_before[key] == {expected.address}, "one browser, one replica"

        doomed.kill()  # mid-sort, for all four: no clean shutdown, no last save
        assert doomed.proc.returncode == -9

        for key, pid in participants.items():  # everyone finishes; those of the dead replica on the other one
            move_cards(drivers[key], 2, TIMEOUT)
            wait_until(lambda pid=pid: sorted_in_draft(engine, study.id, pid) == 3, what=f"{pid}'s autosave")
            finish_sort(drivers[key], 3, TIMEOUT)
        researcher.refresh()
        wait_until(lambda: "Study to work on" in researcher.find_element(By.TAG_NAME, "body").text,
                   what="the researcher still signed in after the failover")
        assert researcher.find_elements(By.CSS_SELECTOR, "input[type=password]") == []
    finally:
        for driver in drivers.values():
            driver.quit()

    sorts = {s.participant_id: s for s in store.load_sorts(engine, study.id)}
    assert sorted(sorts) == sorted(participants.values())
    for sort in sorts.values():  # whole: every card, in the category the participant chose
        assert [(g.label, g.cards) for g in sort.groups] == [("Visit", ("c1", "c2", "c3"))]
    assert store.participant_counts(engine, study.id) == {"completed": 4, "in_progress": 0}
    log = dep.nginx.upstreams()
    moved = [key for key in keys[doomed.url]]
    for key in moved:  # their later requests (reconnect, WebSocket) were answered by the survivor
        assert log and [u.split(", ")[-1] for _r, u, k in log if k == key][-1] == survivor.address
    assert any(r.startswith("GET /_stcore/stream") and u.split(", ")[-1] == survivor.address
               for r, u, k in log if k in moved), "the moved browsers' WebSocket went to the survivor"


@pytest.mark.browser
@pytest.mark.postgres
def test_an_audit_queued_on_the_shared_database_is_run_by_the_worker_and_read_on_both_replicas(deployment):
    """The replicas run no audit themselves (``A11Y_APP_WORKER=0``): the one ``python -m a11y worker`` claims the
    job, audits the local page and stores the audit; a researcher reads it through nginx on each replica."""
    from selenium.webdriver.common.by import By

    from a11y import jobs
    from tests.httpd import Handler, serve

    dep, engine, _study = deployment
    [worker] = dep.workers

    class Page(Handler):
        def do_GET(self):  # noqa: N802 - the handler's name in http.server
            self.send_html()

    site = serve(Page)
    try:
        url = f"http://127.0.0.1:{site.server_address[1]}/"
        request = jobs.make_request([url], viewport=False, keyboard=False, states=False)
        job_id = jobs.create_job(engine, request, allow_private=True)
        job = wait_until(lambda: (j := jobs.get_job(engine, job_id))["status"] in jobs.FINAL and j,
                         timeout=150, what="the worker to finish the audit")
    finally:
        site.shutdown()
    assert job["status"] == "done", job["error"]
    assert job["claimed_by"] == f"{socket.gethostname()}:{worker.proc.pid}"  # the worker, not a replica
    assert (job["attempts"], job["audited"], job["not_audited"]) == (1, 1, 0)
    assert f"job {job_id}: done" in worker.log.read_text()

    keys = keys_for(dep, per_replica=1)
    driver = browser_with_key(dep.url, keys[dep.replicas[0].url][0])
    try:
        sign_in(driver, dep.url)
        for replica in dep.replicas:  # the same browser, sent to each replica in turn by its sticky key
            [key] = keys[replica.url]
            driver.add_cookie({"name": "cardsort_lb", "value": key, "path": "/"})
            driver.get(f"{dep.url}/audit-results?audit={job['audit_id']}")
            body = wait_until(lambda: (t := driver.find_element(By.TAG_NAME, "body").text)
                              and "Pages audited" in t and t, what=f"the audit on {replica.url}")
            assert "Pages audited\n1 of 1\n" in body  # the only audit of this database: the worker's
            assert "1 of 1 page audited.\n" in body and "No violations found on the 1 audited page." in body
            assert {u.split(", ")[-1] for _r, u, k in dep.nginx.upstreams() if k == key} == {replica.address}
    finally:
        driver.quit()

    def streams() -> dict[str, set[str]]:  # a WebSocket's line is logged once it closes
        return {key: {u.split(", ")[-1] for r, u, k in dep.nginx.upstreams()
                      if k == key and r.startswith("GET /_stcore/stream")} for [key] in keys.values()}
    wait_until(lambda: all(streams().values()), timeout=30, what="the WebSockets' lines in nginx's log")
    assert streams() == {key: {replica.address} for replica in dep.replicas for key in keys[replica.url]}
