"""URL safety, URL files, sitemaps and the same-site crawl (pure functions and the local site; no browser)."""

from __future__ import annotations

import gzip

import pytest

from a11y import crawl
from a11y.crawl import RefusedURLError, check_url

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
