"""URL safety, URL files, sitemaps and the same-site crawl (pure functions and the local site; no browser).

Host names in the address table are answered by a fake resolver: there is no DNS on the test machine.
"""

from __future__ import annotations

import gzip
import ipaddress

import pytest

from a11y import crawl
from a11y.crawl import RefusedURLError, check_url
from tests.httpd import Handler, serve

from .conftest import COOKIE, HEADER

SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


# --- URL safety ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://example.org/", "https://example.org/a?b=c#d", "HTTPS://Example.org", "http://127.0.0.1:8080/x",
    "http://[::1]:8000/",
])
def test_http_and_https_urls_pass(url):
    assert check_url(f"  {url} ") == url


@pytest.mark.parametrize("url, scheme", [
    ("file:///etc/passwd", "file:"), ("data:text/html,<h1>x</h1>", "data:"),
    ("javascript:alert(1)", "javascript:"), ("chrome://settings", "chrome:"), ("about:blank", "about:"),
    ("ftp://example.org/", "ftp:"), ("view-source:http://example.org/", "view-source:"),
    ("chrome-extension://abc/page.html", "chrome-extension:"), ("example.org/page", "no scheme"),
])
def test_other_schemes_are_refused_naming_the_scheme(url, scheme):
    with pytest.raises(RefusedURLError, match=f"\\({scheme}\\): only http and https URLs are audited"):
        check_url(url)


@pytest.mark.parametrize("url, problem", [
    ("", "empty URL"), ("http:///path", "has no host"), ("http://exa mple.org/", "spaces or control"),
    ("http://example.org:99999/", "Port out of range"),
])
def test_malformed_urls_are_refused(url, problem):
    with pytest.raises(RefusedURLError, match=problem):
        check_url(url)


def test_refused_url_error_is_a_value_error():
    assert issubclass(RefusedURLError, ValueError)


@pytest.mark.parametrize("url, allowed", [
    ("https://example.org/", True), ("https://www.example.org/", False), ("https://docs.test.net/", True),
    ("https://test.net/", True), ("https://evil-test.net/", False), ("https://other.org/", False),
])
def test_allowed_hosts_exact_and_subdomains(url, allowed):
    hosts = ["example.org", ".test.net"]
    if allowed:
        assert check_url(url, hosts) == url
    else:
        with pytest.raises(RefusedURLError, match="not in the allowed hosts"):
            check_url(url, hosts)


def test_allowed_hosts_from_env():
    assert crawl.allowed_hosts_from_env({}) is None
    assert crawl.allowed_hosts_from_env({"A11Y_ALLOWED_HOSTS": " "}) is None
    assert crawl.allowed_hosts_from_env({"A11Y_ALLOWED_HOSTS": "Example.org, .test.net,"}) == \
        frozenset({"example.org", ".test.net"})


# --- addresses: one decision for the app and the command line ------------------------------------

FAKE_DNS = {  # getaddrinfo's answers for the names below (there is no DNS on the test machine)
    "169.254.169.254.nip.io": ["169.254.169.254"], "intranet.example": ["10.20.30.40"],
    "www.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "mixed.example": ["93.184.215.14", "192.168.1.10"], "v6meta.example": ["fd00:ec2::254"],
    "nowhere.example": [], "localhost": ["127.0.0.1", "::1"],
}
NEVER = "it is never audited"
LOCAL = ("only public addresses are audited here (list the host in A11Y_ALLOWED_HOSTS, "
         "or set A11Y_ALLOW_PRIVATE=1 for local use)")


def fake_resolver(name):
    return [ipaddress.ip_address(a) for a in FAKE_DNS[name]]


@pytest.mark.parametrize(("url", "app", "cli"), [
    # always refused, however written
    ("http://169.254.169.254/latest/meta-data/",
     f"169.254.169.254 is a link-local address (cloud metadata); {NEVER}", "same"),
    ("http://2852039166/", f"2852039166 is 169.254.169.254, a link-local address (cloud metadata); {NEVER}", "same"),
    ("http://0xa9fea9fe/", f"0xa9fea9fe is 169.254.169.254, a link-local address (cloud metadata); {NEVER}", "same"),
    ("http://0251.0376.0251.0376/",
     f"0251.0376.0251.0376 is 169.254.169.254, a link-local address (cloud metadata); {NEVER}", "same"),
    ("http://169.254.43518/", f"169.254.43518 is 169.254.169.254, a link-local address (cloud metadata); {NEVER}",
     "same"),
    ("http://169.254.169.254./", f"169.254.169.254 is a link-local address (cloud metadata); {NEVER}", "same"),
    ("http://%31%36%39.254.169.254/", f"169.254.169.254 is a link-local address (cloud metadata); {NEVER}", "same"),
    ("http://[::ffff:169.254.169.254]/",
     f"::ffff:169.254.169.254 is 169.254.169.254, a link-local address (cloud metadata); {NEVER}", "same"),
    ("http://[64:ff9b::a9fe:a9fe]/",
     f"64:ff9b::a9fe:a9fe is 169.254.169.254, a link-local address (cloud metadata); {NEVER}", "same"),
    ("http://169.254.169.254.nip.io/",
     f"169.254.169.254.nip.io resolves to 169.254.169.254, a link-local address (cloud metadata); {NEVER}", "same"),
    ("http://169.254.10.1/", f"169.254.10.1 is a link-local address; {NEVER}", "same"),
    ("http://[fe80::1]/", f"fe80::1 is a link-local address; {NEVER}", "same"),
    ("http://[fd00:ec2::254]/", f"fd00:ec2::254 is a cloud metadata address (AWS); {NEVER}", "same"),
    ("http://v6meta.example/",
     f"v6meta.example resolves to fd00:ec2::254, a cloud metadata address (AWS); {NEVER}", "same"),
    ("http://100.100.100.200/", f"100.100.100.200 is a cloud metadata address (Alibaba Cloud); {NEVER}", "same"),
    ("http://metadata.google.internal/computeMetadata/v1/",
     f"metadata.google.internal is a cloud metadata host; {NEVER}", "same"),
    ("http://METADATA.google.internal./", f"metadata.google.internal is a cloud metadata host; {NEVER}", "same"),
    ("http://0.0.0.0:8080/", f"0.0.0.0 is an unspecified address; {NEVER}", "same"),
    ("http://0/", f"0 is 0.0.0.0, an unspecified address; {NEVER}", "same"),
    ("http://[::]/", f":: is an unspecified address; {NEVER}", "same"),
    ("http://224.0.0.251/", f"224.0.0.251 is a multicast address; {NEVER}", "same"),
    ("http://[ff02::1]/", f"ff02::1 is a multicast address; {NEVER}", "same"),
    ("http://255.255.255.255/", f"255.255.255.255 is a reserved address; {NEVER}", "same"),
    ("http://1.2.3.4.5/", "'1.2.3.4.5' is not a valid IPv4 address; a browser would not load it", "same"),
    # local and private: refused by the app, audited from the command line
    ("http://127.0.0.1:8501/", f"127.0.0.1 is a loopback address; {LOCAL}", None),
    ("http://0x7f000001/", f"0x7f000001 is 127.0.0.1, a loopback address; {LOCAL}", None),
    ("http://[::1]:8000/", f"::1 is a loopback address; {LOCAL}", None),
    ("http://localhost:8000/", f"localhost resolves to 127.0.0.1, a loopback address; {LOCAL}", None),
    ("http://10.0.0.1/", f"10.0.0.1 is a private address; {LOCAL}", None),
    ("http://172.16.5.4/", f"172.16.5.4 is a private address; {LOCAL}", None),
    ("http://192.168.1.1/", f"192.168.1.1 is a private address; {LOCAL}", None),
    ("http://[fd12:3456::1]/", f"fd12:3456::1 is a private address; {LOCAL}", None),
    ("http://100.64.0.1/", f"100.64.0.1 is a shared address (carrier-grade NAT); {LOCAL}", None),
    ("http://intranet.example/", f"intranet.example resolves to 10.20.30.40, a private address; {LOCAL}", None),
    ("http://mixed.example/", f"mixed.example resolves to 192.168.1.10, a private address; {LOCAL}", None),
    # public, or nothing to reach
    ("https://www.example.com/", None, None), ("http://172.32.0.1/", None, None),
    ("http://[2606:4700::1]/", None, None),
    ("http://nowhere.example/", None, None),
])
def test_address_decisions_for_the_app_and_the_command_line(url, app, cli):
    cli = app if cli == "same" else cli
    for private, expected in ((False, app), (True, cli)):
        if expected is None:
            assert check_url(url, allow_private=private, resolver=fake_resolver) == url
        else:
            with pytest.raises(RefusedURLError) as caught:
                check_url(url, allow_private=private, resolver=fake_resolver)
            assert str(caught.value) == f"refused URL {url!r}: {expected}"


def test_an_allow_list_entry_may_be_private_but_never_link_local():
    hosts = ["intranet.example", "127.0.0.1", "169.254.169.254", ".nip.io"]
    for url in ("http://intranet.example/", "http://127.0.0.1:8000/"):
        assert check_url(url, hosts, allow_private=False, resolver=fake_resolver) == url
    for url in ("http://169.254.169.254/", "http://169.254.169.254.nip.io/"):
        with pytest.raises(RefusedURLError, match=NEVER):
            check_url(url, hosts, allow_private=False, resolver=fake_resolver)


def test_policy_from_the_environment_and_what_the_app_says():
    app = crawl.URLPolicy.for_app({})
    assert (app.allowed_hosts, app.allow_private) == (None, False)
    assert app.describe() == (
        "This app audits public web addresses. Local and private addresses are refused (set A11Y_ALLOWED_HOSTS or "
        "A11Y_ALLOW_PRIVATE=1 to allow them). Link-local and cloud metadata addresses are never audited.")
    local = crawl.URLPolicy.for_app({"A11Y_ALLOW_PRIVATE": " On "})
    assert local.allow_private is True
    assert local.describe().startswith("This app audits public web addresses and, for local use")
    listed = crawl.URLPolicy.for_app({"A11Y_ALLOWED_HOSTS": "example.org,.example.net", "A11Y_ALLOW_PRIVATE": "0"})
    assert listed.describe() == ("This server audits only these hosts: .example.net, example.org. "
                                 "Link-local and cloud metadata addresses are never audited.")
    assert crawl.URLPolicy.for_cli({}).allow_private is True
    with pytest.raises(ValueError, match="A11Y_ALLOW_PRIVATE must be 1 .* or 0, got 'maybe'"):
        crawl.URLPolicy.for_app({"A11Y_ALLOW_PRIVATE": "maybe"})


def test_app_policy_refuses_the_local_sitemap_and_crawl(site_url):
    with pytest.raises(RefusedURLError, match="127.0.0.1 is a loopback address"):
        crawl.fetch_sitemap(f"{site_url}/sitemap.xml", allow_private=False)
    with pytest.raises(RefusedURLError, match="127.0.0.1 is a loopback address"):
        crawl.crawl([f"{site_url}/clean/index.html"], 5, allow_private=False)


def test_sitemap_and_crawl_skip_link_local_entries():
    class Site(Handler):
        def do_GET(self):  # noqa: N802
            here = f"http://127.0.0.1:{self.server.server_port}"
            if self.path == "/sitemap.xml":
                body = (f'<urlset {SITEMAP_NS}><url><loc>{here}/a</loc></url>'
                        '<url><loc>http://169.254.169.254/latest/meta-data/</loc></url>'
                        '<url><loc>http://0xa9fea9fe/</loc></url></urlset>').encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_html(f"<!doctype html><html lang='en'><title>a</title><a href='{here}/b'>b</a>"
                           "<a href='http://169.254.169.254/'>m</a><a href='http://[fe80::1]/'>l</a></html>".encode())

    server = serve(Site)
    try:
        here = f"http://127.0.0.1:{server.server_port}"
        assert crawl.fetch_sitemap(f"{here}/sitemap.xml") == [f"{here}/a"]
        assert crawl.crawl([f"{here}/a"], 10) == [f"{here}/a", f"{here}/b"]
    finally:
        server.shutdown()


def test_check_urls_deduplicates_in_first_seen_order():
    assert crawl.check_urls(["http://b/", "http://a/", " http://b/"]) == ["http://b/", "http://a/"]


def test_read_urls_file_skips_blank_lines_and_comments(tmp_path):
    path = tmp_path / "urls.txt"
    path.write_text("\ufeff# pages to audit\nhttp://a.example/\n\n   \n  # indented comment\n"
                    "  https://b.example/x  \njavascript:alert(1)\n", encoding="utf-8")
    # Returned as written; refusing is check_url's job (the CLI refuses before loading anything).
    assert crawl.read_urls_file(path) == ["http://a.example/", "https://b.example/x", "javascript:alert(1)"]


def test_read_urls_file_missing_is_a_value_error(tmp_path):
    with pytest.raises(ValueError, match="cannot read URL file"):
        crawl.read_urls_file(tmp_path / "nope.txt")


# --- sitemaps (parsing) -------------------------------------------------------------------------

def test_parse_urlset_and_index():
    urlset = (f'<urlset {SITEMAP_NS}><url><loc> http://a/1 </loc><lastmod>2026-01-01</lastmod></url>'
              f'<url><loc>http://a/2</loc></url><url><loc></loc></url></urlset>').encode()
    assert crawl.parse_sitemap(urlset) == ("urlset", ["http://a/1", "http://a/2"])
    index = f'<sitemapindex {SITEMAP_NS}><sitemap><loc>http://a/s1.xml</loc></sitemap></sitemapindex>'
    assert crawl.parse_sitemap(index.encode()) == ("sitemapindex", ["http://a/s1.xml"])
    # No namespace (seen in the wild) works too.
    assert crawl.parse_sitemap(b"<urlset><url><loc>http://a/</loc></url></urlset>") == ("urlset", ["http://a/"])


def test_parse_gzipped_sitemap():
    data = gzip.compress(f'<urlset {SITEMAP_NS}><url><loc>http://a/z</loc></url></urlset>'.encode())
    assert crawl.parse_sitemap(data) == ("urlset", ["http://a/z"])


@pytest.mark.parametrize("data, message", [
    (b"<feed><entry/></feed>", "root element is <feed>, expected <urlset> or <sitemapindex>"),
    (b"\n<!DOCTYPE html><html><body>not a sitemap</body></html>", "got an HTML page"),
    (b"<urlset><url><loc>http://a/</loc>", "not well-formed XML"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><urlset>&a;</urlset>', "declares entities"),
])
def test_bad_sitemaps_are_value_errors(data, message):
    with pytest.raises(ValueError, match=message):
        crawl.parse_sitemap(data)


def test_gzip_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(crawl, "MAX_DOCUMENT_BYTES", 1000)
    bomb = gzip.compress(b"<urlset>" + b" " * 5000 + b"</urlset>")
    with pytest.raises(ValueError, match="larger than 1000 bytes once decompressed"):
        crawl.parse_sitemap(bomb)


# --- sitemaps and crawl against the local site (urllib only) ------------------------------------

def test_fetch_sitemap_skips_other_schemes_and_duplicates(site_url):
    assert crawl.fetch_sitemap(f"{site_url}/sitemap.xml") == [
        f"{site_url}/clean/index.html", f"{site_url}/clean/about.html"]


def test_fetch_sitemap_index_follows_its_sitemaps_in_order(site_url):
    assert crawl.fetch_sitemap(f"{site_url}/sitemap-index.xml") == [
        f"{site_url}/clean/contact.html", f"{site_url}/clean/data.html", f"{site_url}/defects/images.html"]


def test_fetch_sitemap_max_urls(site_url):
    assert crawl.fetch_sitemap(f"{site_url}/sitemap-index.xml", max_urls=1) == [f"{site_url}/clean/contact.html"]


def test_fetch_sitemap_errors(site_url):
    with pytest.raises(ValueError, match="cannot fetch sitemap .*/missing.xml: HTTP Error 404"):
        crawl.fetch_sitemap(f"{site_url}/missing.xml")
    with pytest.raises(ValueError, match="not a sitemap: got an HTML page"):
        crawl.fetch_sitemap(f"{site_url}/clean/index.html")
    with pytest.raises(RefusedURLError):
        crawl.fetch_sitemap("file:///etc/passwd")


def test_extract_links_resolves_against_base_and_drops_fragments():
    # "#top" resolves against <base>, as in browsers.
    html = ('<base href="/docs/"><a href="a.html#x">A</a><a href="#top">Top</a>'
            '<area href="../b.html"><a href="mailto:x@y">M</a><a>no href</a><link href="style.css">')
    assert crawl.extract_links(html, "http://h/index.html") == [
        "http://h/docs/a.html", "http://h/docs/", "http://h/b.html", "mailto:x@y"]


def test_crawl_is_breadth_first_same_site_html_only(site_url, site_server):
    before = len(site_server.requests)
    pages = crawl.crawl([f"{site_url}/clean/index.html"], 10)
    # index links (in order): about, contact, data, about#team (same page), mailto (skipped),
    # report.pdf (not HTML: skipped unfetched), example.invalid (other host), missing.html (404);
    # about links to history.
    assert pages == [f"{site_url}/clean/{p}.html" for p in ("index", "about", "contact", "data", "history")]
    fetched = site_server.requests[before:]
    assert "/files/report.pdf" not in fetched
    assert "/clean/missing.html" in fetched


def test_crawl_stops_at_the_limit_seeds_included(site_url):
    assert crawl.crawl([f"{site_url}/clean/index.html"], 3) == [
        f"{site_url}/clean/index.html", f"{site_url}/clean/about.html", f"{site_url}/clean/contact.html"]
    assert crawl.crawl([f"{site_url}/clean/data.html", f"{site_url}/clean/about.html"], 1) == [
        f"{site_url}/clean/data.html"]


def test_crawl_keeps_failing_seeds_for_the_audit_to_report(site_url):
    assert crawl.crawl([f"{site_url}/status/500", f"{site_url}/clean/history.html"], 5) == [
        f"{site_url}/status/500", f"{site_url}/clean/history.html", f"{site_url}/clean/index.html",
        f"{site_url}/clean/about.html", f"{site_url}/clean/contact.html"]


def test_crawl_sends_cookies_and_headers(site_url):
    private = f"{site_url}/private/account.html"
    # The page links nowhere; what matters is that urllib was let in (else the 401 seed is not parsed).
    assert crawl.fetch(private, cookies=[COOKIE])[2].startswith(b"<!doctype html>")
    assert crawl.fetch(private, headers=[HEADER])[2].startswith(b"<!doctype html>")
    with pytest.raises(OSError, match="401"):
        crawl.fetch(private)


def test_crawl_limit_must_be_positive(site_url):
    with pytest.raises(ValueError, match="at least 1 page"):
        crawl.crawl([f"{site_url}/clean/index.html"], 0)
