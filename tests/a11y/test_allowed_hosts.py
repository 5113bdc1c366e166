"""The browser's address guard and A11Y_ALLOWED_HOSTS hold through redirects: in the browser and in
sitemap/crawl fetching.

The guard (a11y.browser.guard_flags) is a proxy auto-config script plus host-resolver rules given to
Chromium, so these tests use real Chromium on local servers. A refused redirect target serves a marker
page and records every request: "blocked" means the marker server saw no request at all, not that the
page failed for some other reason. 169.254.169.254 cannot be served here; for it the proof is the error:
an IP literal can only fail with ERR_NAME_NOT_RESOLVED through the guard's resolver rule.
"""

import re

import pytest

from a11y import addresses, crawl
from a11y.browser import guard_of, host_resolver_rules, make_driver, pac_script
from a11y.engine import audit_urls
from tests.httpd import Handler, serve

META = "http://169.254.169.254/latest/meta-data/"
LINK_LOCAL = "169.254.169.254 is a link-local address (cloud metadata); it is never audited"


class _Handler(Handler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/redirect":
            # 127.0.0.1 is allowed; "localhost" is the same machine under a name that is not
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_port}/secret")
            self.end_headers()
            return
        if self.path.startswith("/to?"):
            self.send_response(302)
            self.send_header("Location", self.path.split("?", 1)[1])
            self.end_headers()
            return
        self.send_html(b"<!doctype html><html lang='en'><title>Internal</title><p>internal secret</p></html>")


class _Marker(Handler):
    """A page that must never be loaded: records every request."""

    def do_GET(self):  # noqa: N802
        self.server.hits.append(self.path)
        self.send_html(b"<!doctype html><html lang='en'><title>MARKER</title><main><h1>MARKER</h1></main></html>")


@pytest.fixture(scope="module")
def port():
    server = serve(_Handler)
    yield server.server_port
    server.shutdown()


@pytest.fixture()
def marker():
    """A marker server on 127.0.0.1 (reached as 127.0.0.2, localhost, [::ffff:127.0.0.2], 0.0.0.0 ...)."""
    server = serve(_Marker)
    server.hits = []
    yield server
    server.shutdown()


def test_resolver_rules_cover_what_chromium_never_asks_the_proxy_script():
    always = ("MAP 169.254.* ~NOTFOUND, MAP ::ffff:a9fe:* ~NOTFOUND, MAP fe8*:* ~NOTFOUND, MAP fe9*:* ~NOTFOUND, "
              "MAP fea*:* ~NOTFOUND, MAP feb*:* ~NOTFOUND, MAP metadata.google.internal ~NOTFOUND, "
              "MAP metadata.goog ~NOTFOUND, MAP metadata ~NOTFOUND")
    loopback = ("MAP localhost ~NOTFOUND, MAP *.localhost ~NOTFOUND, MAP localhost.localdomain ~NOTFOUND, "
                "MAP localhost6 ~NOTFOUND, MAP localhost6.localdomain6 ~NOTFOUND, MAP 127.* ~NOTFOUND, "
                "MAP ::1 ~NOTFOUND, MAP ::ffff:7f* ~NOTFOUND")
    assert host_resolver_rules(None, True) == always  # the command line: local use
    assert host_resolver_rules(None, False) == f"{always}, {loopback}"  # the app, safe by default
    # an allow-list is the whole list: loopback hosts it names are exempt, the rest stay refused
    assert host_resolver_rules(["example.org", ".example.net", "127.0.0.1", "[::1]", "169.254.169.254"], True) \
        == f"{always}, {loopback}, EXCLUDE 127.0.0.1, EXCLUDE ::1"


def test_fetch_refuses_a_redirect_to_a_host_outside_the_list(port):
    final, _, body = crawl.fetch(f"http://127.0.0.1:{port}/page", allowed_hosts=["127.0.0.1"])
    assert b"internal secret" in body
    with pytest.raises(OSError, match="refused redirect: .*localhost"):
        crawl.fetch(f"http://127.0.0.1:{port}/redirect", allowed_hosts=["127.0.0.1"])
    final, _, _ = crawl.fetch(f"http://127.0.0.1:{port}/redirect", allowed_hosts=None)
    assert final == f"http://localhost:{port}/secret"


def test_fetch_never_follows_a_redirect_to_link_local_and_follows_private_only_for_local_use(port, marker):
    with pytest.raises(OSError, match=re.escape(f"refused redirect: refused URL '{META}': {LINK_LOCAL}")):
        crawl.fetch(f"http://127.0.0.1:{port}/to?{META}")
    target = f"http://localhost:{marker.server_port}/m"
    with pytest.raises(OSError, match="refused redirect: .* localhost resolves to 127.0.0.1, a loopback address"):
        crawl.fetch(f"http://127.0.0.1:{port}/to?{target}", allow_private=False)
    assert marker.hits == []
    assert crawl.fetch(f"http://127.0.0.1:{port}/to?{target}")[0] == target  # local use, no list
    assert marker.hits == ["/m"]


@pytest.mark.browser
def test_browser_cannot_follow_a_redirect_off_the_list(port):
    driver = make_driver(allowed_hosts=["127.0.0.1"])
    try:
        driver.get(f"http://127.0.0.1:{port}/page")
        assert "internal secret" in driver.page_source
        try:
            driver.get(f"http://127.0.0.1:{port}/redirect")
        except Exception:  # an error page may also surface as a WebDriver error
            pass
        assert "internal secret" not in driver.page_source
    finally:
        driver.quit()


def _audit_one(url, driver):
    [page] = audit_urls([url], driver=driver, custom_checks=False)
    return page


@pytest.mark.browser
def test_redirect_to_the_metadata_address_is_blocked_in_the_browser_with_local_use_on(port, marker):
    """The command line's browser (local use, no allow-list): the local page loads, its redirects do not."""
    driver = make_driver(allowed_hosts=None, allow_private=True)
    try:
        assert guard_of(driver) == (None, True)
        assert _audit_one(f"http://127.0.0.1:{port}/page", driver).status == "ok"
        page = _audit_one(f"http://127.0.0.1:{port}/to?{META}", driver)
        assert page.status == "error"
        assert page.error == f"could not load page: ERR_NAME_NOT_RESOLVED (it redirected to {META}): {LINK_LOCAL}"
        # 0.0.0.0 reaches this machine, so the marker would answer if the guard let it through
        zero = f"http://0.0.0.0:{marker.server_port}/zero"
        page = _audit_one(f"http://127.0.0.1:{port}/to?{zero}", driver)
        assert page.error == (f"could not load page: ERR_PROXY_CONNECTION_FAILED (it redirected to {zero}): "
                              "0.0.0.0 is an unspecified address; it is never audited")
        for url in ("http://metadata.google.internal/computeMetadata/v1/", "http://[fe80::1]/",
                    "http://[::ffff:169.254.169.254]/"):
            assert _audit_one(f"http://127.0.0.1:{port}/to?{url}", driver).status == "error", url
        assert marker.hits == []
        # local use: another loopback address is fine
        assert _audit_one(f"http://127.0.0.1:{port}/to?http://localhost:{marker.server_port}/ok", driver).status == "ok"
        assert [h for h in marker.hits if h != "/favicon.ico"] == ["/ok"]
    finally:
        driver.quit()


@pytest.mark.browser
def test_app_browser_with_an_allow_list_loads_the_listed_host_and_no_other_loopback_address(port, marker):
    driver = make_driver(allowed_hosts=["127.0.0.1"], allow_private=False)
    try:
        assert _audit_one(f"http://127.0.0.1:{port}/page", driver).status == "ok"
        m = marker.server_port
        for target in (f"http://localhost:{m}/a", f"http://127.0.0.2:{m}/b", f"http://[::ffff:127.0.0.2]:{m}/c",
                       f"http://0.0.0.0:{m}/d", f"http://2130706434:{m}/e", f"http://sub.localhost:{m}/f"):
            page = _audit_one(f"http://127.0.0.1:{port}/to?{target}", driver)
            assert page.status == "error" and "could not load page: ERR_" in page.error, (target, page.error)
        assert marker.hits == []
        page = _audit_one(f"http://127.0.0.1:{port}/to?http://127.0.0.2:{m}/b", driver)
        assert page.error == (f"could not load page: ERR_NAME_NOT_RESOLVED (it redirected to http://127.0.0.2:{m}/b): "
                              "host '127.0.0.2' is not in the allowed hosts (127.0.0.1)")
    finally:
        driver.quit()


@pytest.mark.browser
def test_app_browser_without_an_allow_list_is_guarded_too(marker):
    """Safe by default: no A11Y_ALLOWED_HOSTS, local use off: every local address is refused in the browser."""
    driver = make_driver(allowed_hosts=None, allow_private=False)
    try:
        m = marker.server_port
        for url in (f"http://127.0.0.1:{m}/a", f"http://localhost:{m}/b", f"http://[::ffff:127.0.0.1]:{m}/c",
                    f"http://0.0.0.0:{m}/d", f"http://0x7f000001:{m}/e", f"http://[::1]:{m}/f"):
            try:  # straight to the browser, past the URL check: only the guard stands in the way
                driver.get(url)
            except Exception:  # noqa: BLE001 - chromedriver reports the refused load as an error
                pass
            assert "MARKER" not in driver.page_source, url
        assert marker.hits == []
        page = _audit_one(f"http://127.0.0.1:{m}/a", driver)
        assert page.error == ("could not load page: ERR_NAME_NOT_RESOLVED: 127.0.0.1 is a loopback address; only "
                              "public addresses are audited here (list the host in A11Y_ALLOWED_HOSTS, or set "
                              "A11Y_ALLOW_PRIVATE=1 for local use)")
    finally:
        driver.quit()


@pytest.mark.browser
def test_remote_browser_gets_the_same_guard(port, marker, remote_chromedriver):
    driver = make_driver(remote_chromedriver, allowed_hosts=["127.0.0.1"], allow_private=False)
    try:
        assert _audit_one(f"http://127.0.0.1:{port}/page", driver).status == "ok"
        page = _audit_one(f"http://127.0.0.1:{port}/to?{META}", driver)
        assert page.error == f"could not load page: ERR_NAME_NOT_RESOLVED (it redirected to {META}): {LINK_LOCAL}"
        page = _audit_one(f"http://127.0.0.1:{port}/to?http://localhost:{marker.server_port}/r", driver)
        assert page.status == "error"
        assert marker.hits == []
    finally:
        driver.quit()


# --- the proxy script decides as the URL check does ----------------------------------------------

DNS = {  # names for both sides (no DNS here): what getaddrinfo / dnsResolveEx would answer
    "meta.nip.test": ["169.254.169.254"], "dual.test": ["93.184.215.14", "10.0.0.5"],
    "public.test": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"], "v6meta.test": ["fd00:ec2::254"],
    "nat64.test": ["64:ff9b::a9fe:a9fe"], "cgnat.test": ["100.64.1.1"], "ali.test": ["100.100.100.200"],
    "localhost": ["127.0.0.1", "::1"], "nowhere.test": [],
}
HOSTS = ["169.254.169.254", "169.254.1.1", "fe80::1", "fd00:ec2::254", "100.100.100.200", "0.0.0.0", "::",
         "224.0.0.1", "ff02::1", "240.0.0.1", "255.255.255.255", "127.0.0.1", "127.9.9.9", "::1", "10.1.2.3",
         "172.16.0.1", "172.32.0.1", "192.168.1.1", "fc00::1", "fd12::1", "100.64.0.1", "100.128.0.1",
         "192.0.2.1", "8.8.8.8", "2606:4700::1", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe", "::ffff:8.8.8.8",
         "64:ff9b::a9fe:a9fe", "64:ff9b::808:808", "2002:a9fe:a9fe::1", "2002:808:808::1", "3fff::1", "a::1",
         "metadata.google.internal", *DNS]


@pytest.mark.browser
def test_proxy_script_and_url_check_agree_on_every_address(driver):
    def python(host, private, listed):
        if listed is not None and not crawl._host_allowed(host, listed):
            return False
        found = [addresses.ipaddress.ip_address(a) for a in DNS.get(host, [])]
        return addresses.refusal(host, allow_private=private or listed is not None,
                                 resolver=lambda name: found) is None

    for private, listed in ((False, None), (True, None), (False, ["127.0.0.1", "localhost", "dual.test"])):
        # the stub resolver answers from DNS, joined with ";" as dnsResolveEx does
        script = pac_script(listed, private) + (
            "; var dns = arguments[1];"
            " return arguments[0].map(function (h) { return a11yMayLoad(h, function (n) {"
            " return (dns[n] || []).join(';'); }); });")
        js = driver.execute_script(script, HOSTS, DNS)
        py = [python(h, private, listed) for h in HOSTS]
        assert dict(zip(HOSTS, js)) == dict(zip(HOSTS, py)), (private, listed)
    # and the decisions themselves, for the app without settings
    allowed = [h for h, ok in zip(HOSTS, driver.execute_script(
        pac_script(None, False) + "; var dns = arguments[1]; return arguments[0].map(function (h) {"
        " return a11yMayLoad(h, function (n) { return (dns[n] || []).join(';'); }); });", HOSTS, DNS)) if ok]
    assert allowed == ["172.32.0.1", "100.128.0.1", "8.8.8.8", "2606:4700::1", "::ffff:8.8.8.8",
                       "64:ff9b::808:808", "2002:808:808::1",
                       "3fff::1", "public.test", "nowhere.test"]
