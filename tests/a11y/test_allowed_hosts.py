"""A11Y_ALLOWED_HOSTS holds through redirects: in the browser and in sitemap/crawl fetching."""

import pytest

from a11y import crawl
from a11y.browser import allow_list_flags, make_driver
from tests.httpd import Handler, serve


class _Handler(Handler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/redirect":
            # 127.0.0.1 is allowed; "localhost" is the same machine under a name that is not
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_port}/secret")
            self.end_headers()
            return
        self.send_html(b"<!doctype html><html lang='en'><title>Internal</title><p>internal secret</p></html>")


@pytest.fixture(scope="module")
def port():
    server = serve(_Handler)
    yield server.server_port
    server.shutdown()


def test_flags_bypass_only_the_allowed_hosts():
    assert allow_list_flags(None) == []
    assert allow_list_flags(["example.org", ".example.net"]) == [
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>;example.net;*.example.net;example.org",
    ]


def test_fetch_refuses_a_redirect_to_a_host_outside_the_list(port):
    final, _, body = crawl.fetch(f"http://127.0.0.1:{port}/page", allowed_hosts=["127.0.0.1"])
    assert b"internal secret" in body
    with pytest.raises(OSError, match="refused redirect: .*localhost"):
        crawl.fetch(f"http://127.0.0.1:{port}/redirect", allowed_hosts=["127.0.0.1"])
    final, _, _ = crawl.fetch(f"http://127.0.0.1:{port}/redirect", allowed_hosts=None)
    assert final == f"http://localhost:{port}/secret"


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
