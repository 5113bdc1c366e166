"""Security: researcher pages need the login, participants see only their own study, text is escaped,
audits load only http(s) URLs on allowed hosts and addresses (never link-local or cloud metadata; local
and private ones only when allowed), and no secret (a password, a password hash, an invite token, the
database password) reaches a page or a log.

The researcher pages are enumerated from ``app_pages/`` (every page but the participant page,
the sign-in page and the home text), so a page added later is checked without editing this file.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from a11y.crawl import RefusedURLError, check_url
from a11y.reporters.html import render_html as a11y_html
from app_pages._signin import EMAIL_KEY, PASSWORD_KEY, SESSION_ACCOUNT
from cardsort import accounts, store
from cardsort.model import Group, Sort, study_from_spec
from cardsort.report import build_report
from cardsort.report import render_html as report_html
from tests.httpd import Handler, serve

from .conftest import ROOT

PAGES = ROOT / "app_pages"
PUBLIC_PAGES = {"sort.py", "login.py"}
RESEARCHER_PAGES = sorted(p.name for p in PAGES.glob("*.py")
                          if not p.name.startswith("_") and p.name not in PUBLIC_PAGES)
EMAIL = "sec@example.org"
PASSWORD = "Tr0ub4dor&3-reliability"
WRONG = "That email and password do not match an account. Try again."
SECRET_STUDY = "Secret merger study ZQX"
SECRET_GROUP = "Confidential pile QJV"
XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def all_text(at: AppTest) -> str:
    """Every string in the rendered page (all elements' protobufs), for 'does X appear anywhere'."""
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """The app's SQLite database with two studies: A (with a sort) and B (with a secret sort)."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    for name in ("RESEARCHER_PASSWORD", "RESEARCHER_PASSWORD_HASH", "A11Y_ALLOWED_HOSTS", "A11Y_ALLOW_PRIVATE"):
        monkeypatch.delenv(name, raising=False)
    engine = store.make_engine(url)
    a = store.create_study(engine, study_from_spec({"name": "Internal name A", "kind": "open",
                                                    "cards": ["One", "Two"],
                                                    "texts": {"title": "Public study A"}}, "studyA"))
    b = store.create_study(engine, study_from_spec({"name": SECRET_STUDY, "kind": "open",
                                                    "cards": ["Three", "Four"]}, "studyB"))
    store.submit_sort(engine, a.id, Sort("alice", (Group(SECRET_GROUP, ("c1", "c2")),)))
    store.submit_sort(engine, b.id, Sort("bob", (Group(SECRET_GROUP, ("c1", "c2")),)))
    accounts.create(engine, EMAIL, "admin", name="Security test", password=PASSWORD)
    yield engine
    engine.dispose()


def _app(path: Path) -> AppTest:
    return AppTest.from_file(str(path), default_timeout=60)


def _password_hash(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.select(accounts.accounts.c.password_hash).where(
            accounts.accounts.c.email == EMAIL)).scalar_one()


def _sign_in(at: AppTest, email: str, password: str) -> AppTest:
    at.text_input(key=EMAIL_KEY).input(email)
    at.text_input(key=PASSWORD_KEY).input(password)
    return at.button[0].click().run()


def test_researcher_pages_are_enumerated():
    assert {"studies.py", "results.py", "import_data.py", "trust.py", "standardise.py"} <= set(RESEARCHER_PAGES)


@pytest.mark.parametrize("page", RESEARCHER_PAGES)
def test_researcher_page_shows_only_the_sign_in_and_refuses_a_wrong_password(app_db, page):
    at = _app(PAGES / page)
    at.query_params["study"] = "studyB"
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    _sign_in(at, EMAIL, "not the password")
    assert [t.value for t in at.title] == ["Sign in"]
    assert WRONG in [e.value for e in at.error]
    text = all_text(at)
    for secret in (SECRET_STUDY, SECRET_GROUP, "bob", "not the password", _password_hash(app_db)):
        assert secret not in text, f"{page} shows {secret!r} to a visitor"


def test_signed_out_app_offers_no_researcher_page(app_db):
    at = _app(ROOT / "streamlit_app.py").run()
    for page in RESEARCHER_PAGES:
        try:
            at.switch_page(f"app_pages/{page}").run()
        except Exception:  # noqa: BLE001 - Streamlit refuses a page that is not in the navigation
            continue
        text = all_text(at)
        assert SECRET_STUDY not in text and SECRET_GROUP not in text, f"{page} reached without sign-in"


def test_participant_link_shows_its_own_study_and_no_results(app_db):
    at = _app(ROOT / "streamlit_app.py")
    at.query_params.update({"study": "studyA", "pid": "carol"})
    at.switch_page("app_pages/sort.py")
    at.run()
    assert not at.exception, at.exception
    text = all_text(at)
    assert "Public study A" in text
    for secret in (SECRET_STUDY, SECRET_GROUP, "alice", "bob", "Internal name A"):
        assert secret not in text
    assert SESSION_ACCOUNT not in at.session_state


def test_participant_cannot_set_the_researcher_account_through_the_address(app_db):
    at = _app(ROOT / "streamlit_app.py")
    at.query_params.update({"study": "studyB", SESSION_ACCOUNT: "1", "researcher_signed_in": "1"})
    at.run()
    assert SECRET_STUDY not in all_text(at) and SECRET_GROUP not in all_text(at)


# --- escaping in every HTML report ------------------------------------------------------------

def test_card_sort_report_escapes_participant_and_study_text():
    study = study_from_spec({"name": XSS, "kind": "open", "cards": [XSS, "B \u202e", "C"]}, "x")
    sorts = [Sort(f"p{i}", (Group(XSS, ("c1", "c2")), Group("</td><td>", ("c3",))), answers={"comments": XSS})
             for i in range(3)]
    page = report_html(build_report(study, sorts, notes=XSS, n_resamples=200))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "</td><td>" not in page.replace("</td><td", "")  # the label never closes a cell
    assert html.escape(XSS, quote=True) in page


def test_audit_html_report_escapes_page_text():
    page = a11y_html(_hostile_audit_report())
    assert "<script>alert" not in page and "<img src=x" not in page
    assert 'href="javascript:' not in page.lower()


def _hostile_audit_report() -> dict:
    node = {"target": [XSS], "html": XSS, "summary": XSS, "fingerprint": "f1"}
    finding = {"rule": "image-alt", "impact": "critical", "tags": [], "help": XSS, "help_url": "javascript:alert(1)",
               "screen_reader": True, "source": "axe", "nodes": [node]}
    report = {"axe_version": "4.10.2", "standard": "wcag22aa",
              "pages": [{"url": "http://127.0.0.1/" + XSS, "status": "ok", "error": None,
                         "violations": [finding], "incomplete": [finding]},
                        {"url": "javascript:alert(2)", "status": "error", "error": XSS,
                         "violations": [], "incomplete": []}]}
    from a11y.report import summarize
    report["summary"] = summarize(report["pages"])
    return report


def test_site_report_escapes_study_and_page_text():
    from datetime import datetime

    from a11y.site_report import build_site_report, render_site_report
    from cardsort.analysis import analyze
    from cardsort.formats import frame_from_sorts  # noqa: F401 - the study's sorts go through the table
    from cardsort.report import analysis_table

    study = study_from_spec({"name": XSS, "kind": "open", "cards": [XSS, "B", "C"]}, "x")
    sorts = [Sort(f"p{i}", (Group(XSS, ("c1", "c2")), Group("</td>", ("c3",)))) for i in range(3)]
    analysis = analyze(analysis_table(study, sorts))
    when = datetime(2025, 1, 1, tzinfo=UTC)
    page = render_site_report(build_site_report(study, analysis, _hostile_audit_report(), site="127.0.0.1",
                                                audit_finished_at=when, generated_at=when))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert 'href="javascript:' not in page.lower()


# Text that looks like Jinja2 template syntax must stay text in every report (the reports are templates).
TEMPLATE_SYNTAX = '{{ 7*7 }}{% include "base.css" %}{# gone? #}<b>'
TEMPLATE_TEXT = html.escape(TEMPLATE_SYNTAX, quote=True)


def test_card_sort_report_shows_template_syntax_from_participants_as_text():
    study = study_from_spec({"name": TEMPLATE_SYNTAX, "kind": "open", "cards": [TEMPLATE_SYNTAX, "B", "C"]}, "t")
    sorts = [Sort(f"p{i}", (Group(TEMPLATE_SYNTAX, ("c1", "c2")), Group("Other", ("c3",))),
                  answers={"comments": TEMPLATE_SYNTAX}) for i in range(3)]
    page = report_html(build_report(study, sorts, notes=TEMPLATE_SYNTAX, n_resamples=200))
    assert f"<title>Card sort report: {TEMPLATE_TEXT}</title>" in page
    assert f'<div class="notes">{TEMPLATE_TEXT}</div>' in page
    assert f"<td>{TEMPLATE_TEXT}</td>" in page  # the comment
    assert page.count(":root {") == 1 and "<b>" not in page


def test_audit_report_shows_template_syntax_from_the_site_as_text():
    report = _hostile_audit_report()
    node = report["pages"][0]["violations"][0]["nodes"][0]
    node["html"] = node["summary"] = TEMPLATE_SYNTAX
    report["pages"][0]["violations"][0]["help"] = TEMPLATE_SYNTAX
    page = a11y_html(report)
    assert f"<code>{TEMPLATE_TEXT}</code>" in page and f'<p class="fix">{TEMPLATE_TEXT}</p>' in page
    assert f"image-alt: {TEMPLATE_TEXT}</h3>" in page
    assert page.count(":root {") == 1 and "<b>" not in page


def test_site_report_shows_template_syntax_from_study_and_site_as_text():
    from datetime import datetime

    from a11y.site_report import build_site_report, render_site_report
    from cardsort.analysis import analyze
    from cardsort.report import analysis_table

    study = study_from_spec({"name": TEMPLATE_SYNTAX, "kind": "open", "cards": [TEMPLATE_SYNTAX, "B", "C"]}, "t")
    sorts = [Sort(f"p{i}", (Group(TEMPLATE_SYNTAX, ("c1", "c2")), Group("Other", ("c3",)))) for i in range(3)]
    audit = _hostile_audit_report()
    audit["pages"][0]["violations"][0]["nodes"][0]["html"] = TEMPLATE_SYNTAX
    when = datetime(2025, 1, 1, tzinfo=UTC)
    page = render_site_report(build_site_report(study, analyze(analysis_table(study, sorts)), audit,
                                                site=TEMPLATE_SYNTAX, audit_finished_at=when, generated_at=when))
    assert f'<span lang="en">{TEMPLATE_TEXT}</span> and {TEMPLATE_TEXT}</h1>' in page
    assert f"<li>{TEMPLATE_TEXT}</li>" in page and f"<code>{TEMPLATE_TEXT}</code>" in page
    assert page.count(":root {") == 1 and "<b>" not in page


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "file:///etc/passwd", "http://127.0.0.1\\.example.org/"])
def test_in_app_audit_request_honours_allowed_hosts(url):
    from a11y import jobs

    with pytest.raises(ValueError):
        request = jobs.make_request([url], allowed_hosts=["example.org", ".example.org"])
        jobs.discover_pages(request, ["example.org", ".example.org"])


# --- audits: schemes and allowed hosts ----------------------------------------------------------

@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "javascript:alert(1)", "data:text/html,<h1>x</h1>", "chrome://settings",
    "about:blank", "view-source:http://127.0.0.1/", "ftp://127.0.0.1/", "ws://127.0.0.1/", "//127.0.0.1/",
    "http:///nohost", " file:///etc/passwd", "FILE:///etc/passwd",
])
def test_audit_refuses_non_http_urls(url):
    with pytest.raises(RefusedURLError):
        check_url(url)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/", "http://example.org@127.0.0.1/", "http://example.org.evil.test/",
    "http://evil.test/?example.org", "http://evil.test#example.org", "http://example.org:80@evil.test/",
    # WHATWG URLs (Chromium) read "\" as "/": the host is 127.0.0.1, whatever Python's urlsplit says.
    "http://127.0.0.1:9\\@example.org/", "http://127.0.0.1\\.example.org/",
])
def test_allowed_hosts_cannot_be_bypassed(url):
    with pytest.raises(RefusedURLError):
        check_url(url, frozenset({"example.org", ".example.org"}))


def test_cli_honours_a11y_allowed_hosts_before_any_request(tmp_path):
    hits = []

    class Recorder(Handler):
        """Records whether anything reached the server."""

        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_html()

    server = serve(Recorder)
    port = server.server_port
    try:
        env = dict(os.environ, A11Y_ALLOWED_HOSTS="example.org")
        for url in (f"http://127.0.0.1:{port}/", f"http://example.org@127.0.0.1:{port}/",
                    "file:///etc/passwd"):
            done = subprocess.run([sys.executable, "-m", "a11y", "audit", url, "--format", "json",
                                   "--output", str(tmp_path / "r.json")], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 2, (url, done.stderr)
            assert "refused URL" in done.stderr
        assert hits == []
    finally:
        server.shutdown()


# --- audits: addresses ----------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "shown"), [
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is"),
    ("http://2852039166/latest/meta-data/", "2852039166 is 169.254.169.254,"),
    ("http://0xa9fea9fe/", "0xa9fea9fe is 169.254.169.254,"),
    ("http://[::ffff:169.254.169.254]/", "::ffff:169.254.169.254 is 169.254.169.254,"),
])
def test_cli_refuses_the_metadata_address_with_exit_2_and_one_line(tmp_path, url, shown):
    env = {k: v for k, v in os.environ.items() if k not in ("A11Y_ALLOWED_HOSTS", "A11Y_ALLOW_PRIVATE")}
    done = subprocess.run([sys.executable, "-m", "a11y", "audit", url, "--output", str(tmp_path / "r.json")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == (f"a11y: error: refused URL {url!r}: {shown} a link-local address (cloud metadata); "
                           "it is never audited\n")
    assert done.stdout == "" and not (tmp_path / "r.json").exists()


@pytest.mark.parametrize("url", ["http://169.254.169.254/", "http://127.0.0.1:8501/", "http://10.0.0.1/",
                                 "http://[::1]/", "http://0x7f000001/", "http://localhost/"])
def test_in_app_audit_request_refuses_local_addresses_by_default(url):
    from a11y import jobs
    from a11y.crawl import URLPolicy

    policy = URLPolicy.for_app({})
    with pytest.raises(RefusedURLError, match="is never audited|only public addresses are audited here"):
        jobs.make_request([url], allowed_hosts=policy.allowed_hosts, allow_private=policy.allow_private)


# --- secrets never shown ------------------------------------------------------------------------

def test_sign_in_page_never_shows_the_password_or_its_hash(app_db):
    at = _sign_in(_app(ROOT / "streamlit_app.py").run(), EMAIL, "wrong " + PASSWORD)
    _sign_in(at, EMAIL, PASSWORD)
    assert at.session_state[SESSION_ACCOUNT] == accounts.find_by_email(app_db, EMAIL).id
    at.run()
    text = all_text(at)
    salt_b64, digest_b64 = _password_hash(app_db).split("$")[1:]
    for secret in (PASSWORD, digest_b64, salt_b64):
        assert secret not in text


def test_the_accounts_page_shows_no_hash_and_an_invite_link_only_once(app_db):
    at = _sign_in(_app(ROOT / "streamlit_app.py").run(), EMAIL, PASSWORD)
    at.switch_page("app_pages/accounts.py").run()
    at.text_input(key="acc_new_email").input("new@example.org")
    at.selectbox(key="acc_new_role").select("viewer")
    at.button[0].click().run()
    [link] = [c.value for c in at.code]
    assert link.startswith("http://localhost:8501/?invite=")
    text = all_text(at)
    assert "scrypt$" not in text and _password_hash(app_db).split("$")[2] not in text
    at.run()
    assert link.split("invite=")[1] not in all_text(at)  # shown once: not on the next run
    assert accounts.find_by_email(app_db, "new@example.org").role == "viewer"


def test_the_command_line_lists_accounts_without_hashes(app_db, tmp_path):
    done = subprocess.run([sys.executable, "-m", "cardsort", "account", "list", "--json"], cwd=ROOT,
                          env=dict(os.environ, DATABASE_URL=str(app_db.url)), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and EMAIL in done.stdout
    assert "scrypt" not in done.stdout and _password_hash(app_db).split("$")[2] not in done.stdout


@pytest.mark.browser
def test_real_server_never_logs_or_shows_the_password_hash_or_database_password(tmp_path):
    """A real ``streamlit run`` with its output captured; a wrong then a right sign-in in Chromium."""
    from selenium.webdriver import Keys
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from a11y.browser import make_driver
    from bench.load_bench import start_app

    from .conftest import PG_URL

    db_secret = "dbpw-Q7ZK-never-logged"
    if PG_URL:
        url = sa.engine.make_url(PG_URL).set(password=db_secret)
        db_url = url.render_as_string(hide_password=False)  # trust auth: the password is sent, never checked
    else:
        db_url = f"sqlite:///{tmp_path / 'app.db'}"
    log = tmp_path / "server.log"
    email = f"sec-{os.getpid()}-{id(tmp_path)}@example.org"  # the PostgreSQL database is shared
    engine = store.make_engine(db_url)
    accounts.create(engine, email, "admin", password=PASSWORD)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(accounts.accounts.c.password_hash).where(
            accounts.accounts.c.email == email)).scalar_one()
    engine.dispose()
    proc, base = start_app(db_url, log, {"RESEARCHER_PASSWORD": "bootstrap-" + PASSWORD})
    driver = make_driver(window=(1200, 900))
    try:
        wait = WebDriverWait(driver, 120, poll_frequency=0.2)
        driver.get(base)

        def sign_in(password: str) -> None:
            field = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "input[autocomplete=username]"))[0]
            field.send_keys(Keys.CONTROL, "a")
            field.send_keys(email, Keys.TAB)
            driver.switch_to.active_element.send_keys(password, Keys.ENTER)

        sign_in("wrong-" + PASSWORD)
        wait.until(lambda d: "do not match an account" in d.find_element(By.TAG_NAME, "body").text)
        sign_in(PASSWORD)
        wait.until(lambda d: d.find_elements(By.XPATH, "//h1[normalize-space()='Studies']"))
        token = wait.until(lambda d: d.get_cookie("cardsort_session"))["value"]
        pages = driver.page_source
        driver.get(base + "/sort?study=nope")
        wait.until(lambda d: "sort" in d.find_element(By.TAG_NAME, "body").text.lower())
        pages += driver.page_source
    finally:
        driver.quit()
        proc.terminate()
        proc.wait(timeout=20)
        engine = store.make_engine(db_url)
        with engine.begin() as conn:  # the PostgreSQL database is shared: leave no account behind
            conn.execute(accounts.accounts.delete().where(accounts.accounts.c.email == email))
        engine.dispose()
    logged = log.read_text(encoding="utf-8", errors="replace")
    assert token.split(".")[3] not in logged, "the session token in the server log"
    for secret in (PASSWORD, db_secret, "bootstrap-" + PASSWORD, stored.split("$")[2]):
        assert secret not in logged, f"{secret!r} in the server log"
        assert secret not in pages, f"{secret!r} in a page"
