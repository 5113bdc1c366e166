"""Sign-in through the team's identity provider, end to end: a local OpenID Connect provider
(``oidc-provider-mock``) on a free 127.0.0.1 port, the real app (``streamlit run``) on another, configured by
the OIDC_* settings through ``python -m cardsort auth-secrets``, and a real Chromium going through the
provider's own pages: an invited researcher lands on the Studies page signed in as their account, stays
signed in across a reload, and signs out (of the provider too); an uninvited address is refused and told
why; the sign-in page with the provider's button has no axe violations."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
import werkzeug.serving
from oidc_provider_mock import User
from oidc_provider_mock import app as provider_app
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from cardsort import accounts, store
from tests.app.conftest import ROOT, free_port, stop, wait_for_health
from tests.app.test_researcher_browser import body_text, settle, violations, wait_for_text

pytestmark = pytest.mark.browser
TIMEOUT = 60
PROVIDER = "Example SSO"
COOKIE_SECRET = "oidc-browser-test-cookie-secret-0123456789"
ADA = "ada@example.org"
EVE = "eve@example.org"
IDENTITY_COOKIE = "_streamlit_user"


@pytest.fixture(scope="module")
def identity_provider():
    """``oidc-provider-mock`` on a free 127.0.0.1 port with two users whose email addresses it vouches for."""
    users = [User(sub=email, claims={"email": email, "email_verified": True, "name": name})
             for email, name in ((ADA, "Ada at the provider"), (EVE, "Eve at the provider"))]
    server = werkzeug.serving.make_server("127.0.0.1", 0, provider_app(user_claims=users), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def oidc_app(identity_provider, tmp_path_factory):
    """The app on a free port, its identity provider set by the OIDC_* settings (written into its own secrets
    file by ``python -m cardsort auth-secrets``), with Ada invited as a researcher (no password)."""
    tmp = tmp_path_factory.mktemp("oidc-app")
    url_db = f"sqlite:///{tmp / 'app.db'}"
    engine = store.make_engine(url_db)
    accounts.create(engine, "boss@example.org", "admin", password="a long admin password")
    ada = accounts.create(engine, ADA, "researcher", name="Ada Lovelace")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    secrets_file = tmp / "secrets.toml"
    env = dict(os.environ, DATABASE_URL=url_db, COOKIE_SECRET=COOKIE_SECRET, OIDC_PROVIDER_NAME=PROVIDER,
               OIDC_SERVER_METADATA_URL=f"{identity_provider}/.well-known/openid-configuration",
               OIDC_CLIENT_ID="cardsort-test", OIDC_CLIENT_SECRET="cardsort-test-secret",
               OIDC_REDIRECT_URI=f"{url}/oauth2callback", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    for name in ("SESSION_HOURS", "RESEARCHER_PASSWORD", "RESEARCHER_PASSWORD_HASH"):
        env.pop(name, None)
    written = subprocess.run([sys.executable, "-m", "cardsort", "auth-secrets", "--secrets-file", str(secrets_file)],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert written.stdout == (f"Wrote the [auth] table of {secrets_file} for {PROVIDER} "
                              f"({identity_provider}/.well-known/openid-configuration).\n")
    log = tmp / "streamlit.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
             "--secrets.files", str(secrets_file)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        wait_for_health(url, process, log)
        yield url, ada, log
    finally:
        stop(process)
        engine.dispose()


def until(driver: WebDriver, condition) -> None:
    """Wait for ``condition``, through the page changes of a redirect (a page being left answers with errors:
    stale elements, nodes no longer in the document)."""
    WebDriverWait(driver, TIMEOUT, ignored_exceptions=(WebDriverException,)).until(condition)


def click_button(driver: WebDriver, label: str) -> None:
    until(driver, lambda d: d.find_elements(By.XPATH, f"//button[normalize-space()='{label}']"))
    driver.find_element(By.XPATH, f"//button[normalize-space()='{label}']").click()


def sign_in_at_provider(driver: WebDriver, app_url: str, email: str) -> None:
    """From the app's sign-in page (its button reached with Tab, pressed with Enter), through the provider's
    form as ``email``, back to the app."""
    driver.get(app_url)
    wait_for_text(driver, f"Sign in with {PROVIDER}")
    settle(driver)
    for _ in range(20):
        active = driver.switch_to.active_element
        if active.tag_name == "button" and active.text == f"Sign in with {PROVIDER}":
            break
        active.send_keys(Keys.TAB)
    else:
        pytest.fail("Tab never reached the provider's sign-in button")
    active.send_keys(Keys.ENTER)
    until(driver, lambda d: "Authorize Client" in body_text(d))
    driver.find_element(By.CSS_SELECTOR, f'button[aria-label="Authorize as {email}"]').click()
    until(driver, lambda d: d.current_url.startswith(app_url))


def end_provider_session(driver: WebDriver, app_url: str) -> None:
    """The provider's sign-out page (st.logout sends the browser there), confirmed; back to the app."""
    until(driver, lambda d: "End Session" in body_text(d))
    assert driver.current_url.split("?")[0].startswith("http://127.0.0.1:")
    driver.find_element(By.XPATH, "//button[normalize-space()='End session']").click()
    until(driver, lambda d: d.current_url.startswith(app_url))


def headings(driver: WebDriver) -> list[str]:
    return driver.execute_script("return [...document.querySelectorAll('h1')].map((h) => h.textContent.trim());")


def test_an_invited_researcher_signs_in_through_the_provider_stays_and_signs_out(oidc_app, browser):
    app_url, ada, _ = oidc_app
    sign_in_at_provider(browser, app_url, ADA)
    wait_for_text(browser, "Study to work on")  # the Studies page
    settle(browser)
    assert headings(browser)[0] == "Studies"
    # the invited account, with its name and role (not the name the provider gave)
    assert "Signed in as Ada Lovelace (ada@example.org), researcher" in body_text(browser)
    assert "Ada at the provider" not in body_text(browser)
    assert browser.get_cookie(IDENTITY_COOKIE)["httpOnly"] is True  # Streamlit's signed identity cookie

    browser.refresh()  # Streamlit's identity cookie keeps the session
    wait_for_text(browser, "Study to work on")
    settle(browser)
    assert "Signed in as Ada Lovelace (ada@example.org), researcher" in body_text(browser)
    assert f"Sign in with {PROVIDER}" not in body_text(browser)

    click_button(browser, "Sign out")
    end_provider_session(browser, app_url)
    wait_for_text(browser, f"Sign in with {PROVIDER}")
    settle(browser)
    assert "Ada Lovelace" not in body_text(browser) and "Study to work on" not in body_text(browser)
    assert browser.get_cookie(IDENTITY_COOKIE) is None
    browser.refresh()  # the identity cookie is gone: still signed out
    wait_for_text(browser, f"Sign in with {PROVIDER}")
    assert "Study to work on" not in body_text(browser)


def test_an_uninvited_address_is_refused_told_why_and_signed_out_of_the_provider(oidc_app, browser):
    app_url, _, _ = oidc_app
    sign_in_at_provider(browser, app_url, EVE)
    end_provider_session(browser, app_url)  # the app signed Eve out of the provider
    wait_for_text(browser, "There is no account for eve@example.org here: ask an admin to invite you.")
    settle(browser)
    assert "Study to work on" not in body_text(browser)
    assert browser.get_cookie(IDENTITY_COOKIE) is None  # Streamlit's identity cookie was cleared
    browser.refresh()  # said once; the sign-in button is there to try another account
    wait_for_text(browser, f"Sign in with {PROVIDER}")
    settle(browser)
    assert "There is no account for eve@example.org" not in body_text(browser)


def test_the_sign_in_page_with_the_provider_button_has_no_axe_violations(oidc_app, browser):
    app_url, _, _ = oidc_app
    browser.get(app_url)
    wait_for_text(browser, f"Sign in with {PROVIDER}")
    settle(browser)
    button = browser.find_element(By.XPATH, f"//button[normalize-space()='Sign in with {PROVIDER}']")
    assert button.is_displayed()
    assert violations(browser) == []
