"""Which pages to audit: URL safety, URL files, sitemaps and a same-site crawl.

Every URL goes through :func:`check_url` before anything loads it: only http and
https are audited; ``file:``, ``data:``, ``javascript:``, ``chrome:``, ``about:``
and every other scheme are refused with :class:`RefusedURLError` (a ``ValueError``).
The host is then judged by the addresses it stands for (:mod:`a11y.addresses`):
link-local, cloud metadata, unspecified, multicast and reserved addresses are
always refused; loopback and private ones only when local use is off (the app,
unless ``A11Y_ALLOW_PRIVATE=1``; the command line always allows local use). An
optional allow-list of hosts (``A11Y_ALLOWED_HOSTS``, comma-separated; an entry
``.example.org`` also allows its subdomains) refuses every other host; a host it
names may be private.

Sitemaps are fetched with :mod:`urllib` (same cookies and headers as the audit), read
at most :data:`MAX_DOCUMENT_BYTES` per document and parsed with :mod:`xml.etree`. The
crawl reads each page's links through ``read_page``: the command line and the app pass
:func:`a11y.engine.link_reader`, which loads the page in the browser and lets it settle,
so links a script renders are followed; without it the served HTML is fetched with
:mod:`urllib` and parsed with :mod:`html.parser`.
"""

from __future__ import annotations

import gzip
import io
import re
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit
from xml.etree import ElementTree

from a11y import addresses
from cardsort import settings

ALLOWED_SCHEMES = ("http", "https")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
"""Largest sitemap or HTML document read while discovering pages (the sitemap protocol's limit)."""
MAX_SITEMAP_URLS = 50_000
"""Most page URLs taken from one ``--sitemap`` (indexes included)."""
MAX_SITEMAP_FILES = 100
"""Most sitemap documents fetched for one ``--sitemap`` (an index and its children)."""
USER_AGENT = "a11y-audit (+https://github.com/; accessibility audit crawler)"
_DEFAULT_PORTS = {"http": 80, "https": 443}
_NOT_HTML_SUFFIXES = (
    ".pdf", ".zip", ".gz", ".tgz", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico",
    ".mp3", ".mp4", ".webm", ".mov", ".avi", ".css", ".js", ".json", ".xml", ".txt", ".csv",
    ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".woff", ".woff2", ".ttf", ".exe", ".dmg",
)


class RefusedURLError(ValueError):
    """A URL the tool will not load (wrong scheme, no host, a host outside the allow-list, or an
    address that may not be audited)."""


# --- URL safety --------------------------------------------------------------------------------

def allowed_hosts_from_env(environ: Mapping[str, str] | None = None) -> frozenset[str] | None:
    """The host allow-list from ``A11Y_ALLOWED_HOSTS`` (comma-separated), or ``None`` when unset."""
    return settings.value("A11Y_ALLOWED_HOSTS", environ=environ)  # type: ignore[return-value]


def allow_private_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """``A11Y_ALLOW_PRIVATE``: ``1``/``true``/``yes``/``on`` allows loopback and private addresses in the app.

    Unset, empty, ``0``/``false``/``no``/``off`` is off; anything else raises ``ValueError``.
    """
    return bool(settings.value("A11Y_ALLOW_PRIVATE", environ=environ))


@dataclass(frozen=True)
class URLPolicy:
    """Which URLs may be loaded: the allow-list and whether local (loopback, private) addresses are allowed.

    Use :meth:`for_app` or :meth:`for_cli`; pass ``allowed_hosts`` and ``allow_private``
    on to :func:`check_url`, the fetchers, :func:`a11y.browser.make_driver` and the jobs.
    """

    allowed_hosts: frozenset[str] | None = None
    allow_private: bool = True

    @classmethod
    def for_app(cls, environ: Mapping[str, str] | None = None) -> URLPolicy:
        """The app's policy: ``A11Y_ALLOWED_HOSTS``; local addresses only with ``A11Y_ALLOW_PRIVATE=1``."""
        return cls(allowed_hosts_from_env(environ), allow_private_from_env(environ))

    @classmethod
    def for_cli(cls, environ: Mapping[str, str] | None = None) -> URLPolicy:
        """The command line's policy: ``A11Y_ALLOWED_HOSTS``; local addresses allowed (your own machine)."""
        return cls(allowed_hosts_from_env(environ), True)

    def check(self, url: str) -> str:
        """:func:`check_url` under this policy."""
        return check_url(url, self.allowed_hosts, allow_private=self.allow_private)

    def describe(self) -> str:
        """One sentence for the app: which hosts may be audited."""
        never = "Link-local and cloud metadata addresses are never audited."
        if self.allowed_hosts is not None:
            return f"This server audits only these hosts: {', '.join(sorted(self.allowed_hosts))}. {never}"
        if self.allow_private:
            return ("This app audits public web addresses and, for local use (A11Y_ALLOW_PRIVATE is on), "
                    f"this machine and private networks. {never}")
        return ("This app audits public web addresses. Local and private addresses are refused (set "
                f"A11Y_ALLOWED_HOSTS or A11Y_ALLOW_PRIVATE=1 to allow them). {never}")


def _host_allowed(host: str, allowed: Iterable[str]) -> bool:
    for entry in allowed:
        entry = entry.lower()
        if entry.startswith("."):
            if host == entry[1:] or host.endswith(entry):
                return True
        elif host == entry:
            return True
    return False


def check_url(url: str, allowed_hosts: Iterable[str] | None = None, *, allow_private: bool = True,
              resolver: addresses.Resolver | None = None) -> str:
    """Return ``url`` (surrounding spaces removed) if it may be audited, else raise.

    The one decision on URLs: the app calls it with :meth:`URLPolicy.for_app`
    (``allow_private=False`` unless ``A11Y_ALLOW_PRIVATE=1``), the command line with
    :meth:`URLPolicy.for_cli`; the browser's guard applies the same rules to redirects.

    Parameters
    ----------
    url : str
        Absolute URL given by a user, a URL file, a sitemap, a link or a redirect.
    allowed_hosts : iterable of str or None, default=None
        When given, the URL's host must be one of these (``.example.org`` also allows
        subdomains), and a host named here may be loopback or private. ``None``
        allows every host.
    allow_private : bool, default=True
        Allow loopback and private addresses (local use, as on the command line).
        Link-local, cloud metadata, unspecified, multicast and reserved addresses
        are refused whatever this says.
    resolver : callable(name) -> list of addresses, or None
        Looks host names up (default :func:`a11y.addresses.resolve`: every A/AAAA
        record, at the time of the check). A name that does not resolve passes.

    Raises
    ------
    RefusedURLError
        For any scheme other than http and https, a missing host, control
        characters, a host outside ``allowed_hosts``, or an address that may not
        be audited (the message names it, e.g. ``169.254.169.254 is a link-local
        address (cloud metadata); it is never audited``).
    """
    if not isinstance(url, str):
        raise RefusedURLError(f"URL must be a string, got {type(url).__name__}")
    url = url.strip()
    if not url:
        raise RefusedURLError("empty URL: give an http:// or https:// URL")
    if re.search(r"[\x00-\x20\x7f]", url):
        raise RefusedURLError(f"refused URL {url!r}: it contains spaces or control characters")
    parts = urlsplit(url)
    if "\\" in parts.netloc:
        # Browsers read a backslash as "/": http://127.0.0.1\.example.org/ loads 127.0.0.1, whatever
        # urlsplit says the host is.
        raise RefusedURLError(f"refused URL {url!r}: a backslash in the host part")
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"{scheme}:" if scheme else "no scheme"
        raise RefusedURLError(f"refused URL {url!r} ({shown}): only http and https URLs are audited")
    try:
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise RefusedURLError(f"refused URL {url!r}: {exc}") from None
    if not host:
        raise RefusedURLError(f"refused URL {url!r}: it has no host")
    # What is never audited is said first, whatever the allow-list (no lookup needed for literals and
    # metadata names); names outside the allow-list are refused before any lookup.
    why = addresses.refusal(host, allow_private=True, resolver=lambda name: [])
    if why:
        raise RefusedURLError(f"refused URL {url!r}: {why}")
    if allowed_hosts is not None and not _host_allowed(host, allowed_hosts):
        raise RefusedURLError(f"refused URL {url!r}: host {host!r} is not in the allowed hosts "
                              f"({', '.join(sorted(allowed_hosts))})")
    why = addresses.refusal(host, allow_private=allow_private or allowed_hosts is not None, resolver=resolver)
    if why:
        raise RefusedURLError(f"refused URL {url!r}: {why}")
    return url


def check_urls(urls: Iterable[str], allowed_hosts: Iterable[str] | None = None, *,
               allow_private: bool = True) -> list[str]:
    """:func:`check_url` on every URL, de-duplicated in first-seen order."""
    seen: dict[str, None] = {}
    for url in urls:
        seen.setdefault(check_url(url, allowed_hosts, allow_private=allow_private), None)
    return list(seen)


def read_urls_file(path: str | Path) -> list[str]:
    """URLs from a text file: one a line; blank lines and lines starting with ``#`` are skipped.

    URLs are returned as written (not yet checked); an unreadable file raises ``ValueError``.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read URL file {str(path)!r}: {exc}") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


# --- fetching ----------------------------------------------------------------------------------

def _request(url: str, cookies: Sequence[tuple[str, str]], headers: Sequence[tuple[str, str]],
             accept: str) -> urllib.request.Request:
    req = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": accept})
    for name, value in headers:
        req.add_header(name, value)
    if cookies:
        req.add_header("Cookie", "; ".join(f"{n}={v}" for n, v in cookies))
    return req


def _read_limited(resp, limit: int, what: str) -> bytes:
    data = resp.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"{what} is larger than {limit} bytes")
    return data


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL :func:`check_url` accepts (http(s), allowed host and address)."""

    def __init__(self, allowed_hosts: Iterable[str] | None, allow_private: bool = True) -> None:
        self.allowed_hosts, self.allow_private = allowed_hosts, allow_private

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        try:
            check_url(urljoin(req.full_url, newurl), self.allowed_hosts, allow_private=self.allow_private)
        except RefusedURLError as exc:
            raise urllib.error.URLError(f"refused redirect: {exc}") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, *, cookies: Sequence[tuple[str, str]] = (), headers: Sequence[tuple[str, str]] = (),
          accept: str = "*/*", timeout: float = 30, max_bytes: int = MAX_DOCUMENT_BYTES,
          allowed_hosts: Iterable[str] | None = None, allow_private: bool = True) -> tuple[str, str, bytes]:
    """GET a URL: ``(final_url, content_type, body)``; HTTP and network errors raise ``OSError``.

    Redirects are followed only to URLs that :func:`check_url` accepts with ``allowed_hosts``
    and ``allow_private``; another redirect is an ``OSError`` like any failed request.
    """
    opener = urllib.request.build_opener(_CheckedRedirects(allowed_hosts, allow_private))
    with opener.open(_request(url, cookies, headers, accept), timeout=timeout) as resp:
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        return resp.geturl(), ctype, _read_limited(resp, max_bytes, url)


# --- sitemaps ----------------------------------------------------------------------------------

def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_sitemap(data: bytes) -> tuple[str, list[str]]:
    """``("urlset" | "sitemapindex", [loc, ...])`` from a sitemap document (gzip allowed).

    Raises ``ValueError`` for documents that are not sitemaps, declare entities, or
    decompress beyond :data:`MAX_DOCUMENT_BYTES`.
    """
    if data[:2] == b"\x1f\x8b":
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as gz:
            data = gz.read(MAX_DOCUMENT_BYTES + 1)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"sitemap is larger than {MAX_DOCUMENT_BYTES} bytes once decompressed")
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise ValueError("not a sitemap: got an HTML page")
    if b"<!ENTITY" in data.upper():
        raise ValueError("sitemap declares entities, which sitemaps never need")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ValueError(f"sitemap is not well-formed XML: {exc}") from None
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise ValueError(f"not a sitemap: root element is <{kind}>, expected <urlset> or <sitemapindex>")
    child = "url" if kind == "urlset" else "sitemap"
    locs = []
    for entry in root:
        if _local(entry.tag) != child:
            continue
        for item in entry:
            if _local(item.tag) == "loc" and item.text and item.text.strip():
                locs.append(item.text.strip())
    return kind, locs


def fetch_sitemap(url: str, *, cookies: Sequence[tuple[str, str]] = (),
                  headers: Sequence[tuple[str, str]] = (), allowed_hosts: Iterable[str] | None = None,
                  timeout: float = 30, max_urls: int = MAX_SITEMAP_URLS, allow_private: bool = True) -> list[str]:
    """Page URLs listed by a sitemap, following sitemap indexes (breadth first).

    Parameters
    ----------
    url : str
        The sitemap or sitemap index (http/https; ``.xml`` or ``.xml.gz``).
    cookies, headers : sequence of (str, str), default=()
        Sent with every sitemap request.
    allowed_hosts : iterable of str or None, default=None
        Passed to :func:`check_url` for the sitemap URLs and the pages they list.
    allow_private : bool, default=True
        Passed to :func:`check_url` too (the app passes its setting).
    timeout : float, default=30
        Seconds per request.
    max_urls : int, default=MAX_SITEMAP_URLS
        Stop after this many page URLs.

    Returns
    -------
    list of str
        Page URLs in document order, de-duplicated; entries that are not http(s)
        are skipped.

    Raises
    ------
    RefusedURLError
        When ``url`` itself is refused.
    ValueError
        When a sitemap cannot be fetched or parsed.
    """
    hosts = None if allowed_hosts is None else list(allowed_hosts)
    queue = deque([check_url(url, hosts, allow_private=allow_private)])
    seen_maps: set[str] = set()
    pages: dict[str, None] = {}
    while queue and len(pages) < max_urls:
        current = queue.popleft()
        if current in seen_maps:
            continue
        if len(seen_maps) >= MAX_SITEMAP_FILES:
            raise ValueError(f"sitemap index lists more than {MAX_SITEMAP_FILES} sitemaps")
        seen_maps.add(current)
        try:
            _, _, body = fetch(current, cookies=cookies, headers=headers, timeout=timeout,
                               accept="application/xml, text/xml;q=0.9, */*;q=0.1", allowed_hosts=hosts,
                               allow_private=allow_private)
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot fetch sitemap {current}: {exc}") from None
        kind, locs = parse_sitemap(body)
        for loc in locs:
            loc = urljoin(current, loc)
            try:
                loc = check_url(loc, hosts, allow_private=allow_private)
            except RefusedURLError:
                continue
            if kind == "sitemapindex":
                queue.append(loc)
            elif len(pages) < max_urls:
                pages.setdefault(loc, None)
    return list(pages)


# --- same-site crawl ---------------------------------------------------------------------------

class _LinkParser(HTMLParser):
    """Collects ``<a href>`` / ``<area href>`` and the ``<base href>`` of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        href = (values.get("href") or "").strip()
        if tag == "base" and href and self.base is None:
            self.base = href
        elif tag in ("a", "area") and href:
            self.links.append(href)


def extract_links(html: str, page_url: str) -> list[str]:
    """Absolute link targets of an HTML page, fragments removed, in document order (with duplicates)."""
    parser = _LinkParser()
    parser.feed(html)
    parser.close()
    base = urljoin(page_url, parser.base) if parser.base else page_url
    return [urldefrag(urljoin(base, href))[0] for href in parser.links]


def _site(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(parts.scheme.lower(), 0)


def crawl(seeds: Sequence[str], limit: int, *, cookies: Sequence[tuple[str, str]] = (),
          headers: Sequence[tuple[str, str]] = (), allowed_hosts: Iterable[str] | None = None,
          timeout: float = 30, allow_private: bool = True,
          read_page: Callable[[str], tuple[str, list[str]]] | None = None) -> list[str]:
    """Follow same-site links breadth first from ``seeds``, up to ``limit`` pages in all.

    Parameters
    ----------
    seeds : sequence of str
        Start pages; always part of the result (a failing seed becomes an error
        entry in the audit). A link is same-site when it has a seed's host and port.
    limit : int
        Most pages returned, seeds included.
    cookies, headers : sequence of (str, str), default=()
        Sent with every request.
    allowed_hosts : iterable of str or None, default=None
        Passed to :func:`check_url`.
    allow_private : bool, default=True
        Passed to :func:`check_url` (the app passes its setting).
    timeout : float, default=30
        Seconds per request.
    read_page : callable(url) -> (final_url, links), or None, default=None
        Reads a page's links from its rendered DOM (the command line and the app pass
        :func:`a11y.engine.link_reader`: loaded in the browser and settled, so links a
        script renders are followed); it raises ``ValueError`` or ``OSError`` for a page
        that cannot be loaded. ``None`` fetches the served HTML with :mod:`urllib`
        instead (no browser). Either way every link and final address goes through
        :func:`check_url`.

    Returns
    -------
    list of str
        Seeds, then discovered pages in breadth-first link order. Fragments,
        ``mailto:`` and other non-http links, other sites, non-HTML responses and
        pages answering with an HTTP or network error are skipped.
    """
    if limit < 1:
        raise ValueError(f"crawl limit must be at least 1 page, got {limit}")
    hosts = None if allowed_hosts is None else list(allowed_hosts)
    seeds = check_urls([urldefrag(s.strip())[0] for s in seeds], hosts, allow_private=allow_private)
    sites = {_site(s) for s in seeds}
    found: dict[str, None] = dict.fromkeys(seeds[:limit])
    queue, queued = deque(seeds), set(seeds)
    attempts = 0
    while queue and len(found) < limit and attempts < limit * 5:
        url = queue.popleft()
        attempts += 1
        try:
            if read_page is not None:
                final, links = read_page(url)
                ctype = "text/html"  # the browser reader refuses pages that are not HTML
                final = check_url(urldefrag(final)[0], hosts, allow_private=allow_private)
            else:
                final, ctype, body = fetch(url, cookies=cookies, headers=headers, timeout=timeout,
                                           accept="text/html, application/xhtml+xml;q=0.9, */*;q=0.1",
                                           allowed_hosts=hosts, allow_private=allow_private)
                final = urldefrag(final)[0]
                links = None
        except (OSError, ValueError):
            continue
        if ctype not in ("text/html", "application/xhtml+xml") or _site(final) not in sites:
            continue
        if url not in found:
            if final in found:
                continue  # a redirect to a page we already have
            found[final] = None
            if len(found) >= limit:
                break
        if links is None:
            links = extract_links(body.decode("utf-8", errors="replace"), final)
        for link in links:
            try:
                link = check_url(link, hosts, allow_private=allow_private)
            except RefusedURLError:
                continue
            if link in queued or _site(link) not in sites \
                    or urlsplit(link).path.lower().endswith(_NOT_HTML_SUFFIXES):
                continue
            queued.add(link)
            queue.append(link)
    return list(found)
