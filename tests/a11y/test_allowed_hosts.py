"""A11Y_ALLOWED_HOSTS holds through redirects: in the browser and in sitemap/crawl fetching."""

import http.server
import threading

import pytest

from a11y import crawl
from a11y.browser import allow_list_flags, make_driver


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/redirect":
            # 127.0.0.1 is allowed; "localhost" is the same machine under a name that is not
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{self.server.server_port}/secret")
            self.end_headers()
            return
        body = b"<!doctype html><html lang='en'><title>Internal</title><p>internal secret</p></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def port():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
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
