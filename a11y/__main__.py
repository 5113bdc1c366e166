"""Command line: ``python -m a11y audit URL... | preview URL | worker``.

Exit codes (docs/architecture.md, Contracts): 0 nothing at or above ``--fail-on``; 1 violations at or
above it; 2 bad input, a refused URL, or a page that could not be audited.
Progress goes to standard error; the report to ``--output`` or standard output.

Which URLs: the command line runs on your own machine, so it audits local and
private addresses (localhost in CI); link-local and cloud metadata addresses are
refused on every path (given URLs, sitemaps, crawled links, redirects in the
browser), and ``A11Y_ALLOWED_HOSTS`` limits the hosts as in the app.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver

from a11y import crawl, preview, settle, steps
from a11y.browser import handle_signals, make_driver, reap_orphans
from a11y.engine import (
    DEFAULT_STANDARD,
    STANDARDS,
    BrowserCrashedError,
    PageLoadError,
    audit_urls,
    link_reader,
    load_axe,
    open_page,
    parse_cookie,
    parse_header,
    preload_axe,
    prepare_session,
)
from a11y.report import FAIL_ON, apply_baseline, exit_code, load_report, make_report
from a11y.reporters import FORMATS, render

EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT = 0, 1, 2
URL_RULES = ("Which URLs: http and https only. Local and private addresses (localhost, 127.0.0.0/8, "
             "10/8, 172.16/12, 192.168/16, ::1, fc00::/7) are audited: this command runs on your own "
             "machine. Link-local and cloud metadata addresses (169.254.0.0/16, fe80::/10, "
             "169.254.169.254, fd00:ec2::254, 100.100.100.200, metadata.google.internal), unspecified, "
             "multicast and reserved addresses are never audited, however they are written or "
             "whatever name resolves to them; sitemap entries, crawled links and redirects in the "
             "browser are held to the same rules. A11Y_ALLOWED_HOSTS=example.org,.example.net "
             "refuses every other host. A refused URL exits 2.")

REMOTE_HELP = ("remote WebDriver or Selenium Grid URL, its root or /wd/hub (default: the A11Y_REMOTE_URL "
               "setting; unset: the local Chromium)")


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def _at_least(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number no smaller than ``low``, with the message naming both."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {low}, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {low}, got {value}")
        return value
    return parse


_positive_int = _at_least(1)
_whole_number = _at_least(0)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m a11y`` argument parser (subcommands ``audit`` and ``preview``)."""
    parser = _Parser(prog="python -m a11y",
                     description="Accessibility audits with axe-core in headless Chromium, "
                                 "screen-reader issues first.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("audit", help="audit pages and write a report",
                       description="Audit pages with axe-core (every frame, open shadow DOM) and the "
                                   "accessibility-tree checks; write a report.", epilog=URL_RULES)
    p.add_argument("urls", nargs="*", metavar="URL",
                   help="pages to audit (http or https; see 'Which URLs' below)")
    p.add_argument("--standard", default=DEFAULT_STANDARD, choices=list(STANDARDS),
                   help=f"WCAG level, including the lower ones (default: {DEFAULT_STANDARD})")
    p.add_argument("--no-best-practice", dest="best_practice", action="store_false",
                   help="run only WCAG rules, not axe's best practices")
    p.add_argument("--no-viewport", dest="viewport", action="store_false",
                   help="skip the reflow (320 px wide) and text-spacing checks")
    p.add_argument("--no-keyboard", dest="keyboard", action="store_false",
                   help="skip the keyboard walk (Tab and Shift+Tab through each page; about 1 s a page)")
    p.add_argument("--workers", type=_positive_int, default=1, metavar="N",
                   help="browsers running in parallel (default: 1)")
    p.add_argument("--remote", metavar="URL", help=REMOTE_HELP)
    p.add_argument("--urls-file", metavar="F", type=Path,
                   help="file with one URL a line (blank lines and # comments skipped)")
    p.add_argument("--sitemap", metavar="U", help="sitemap or sitemap index whose pages to audit")
    p.add_argument("--crawl", type=_positive_int, metavar="N",
                   help="follow same-site links from the given pages, up to N pages in all")
    p.add_argument("--cookie", action="append", default=[], metavar="C",
                   help="NAME=VALUE cookie for the audited hosts (repeatable)")
    p.add_argument("--header", action="append", default=[], metavar="H",
                   help='"Name: value" header sent with every request (repeatable)')
    p.add_argument("--baseline", metavar="F", type=Path,
                   help="earlier JSON report: mark findings new, fixed or unchanged")
    p.add_argument("--axe-script", metavar="F", type=Path, help="another axe-core build (axe.min.js)")
    p.add_argument("--format", default="json", choices=list(FORMATS), help="report format (default: json)")
    p.add_argument("--output", metavar="F", type=Path, help="write the report here (default: stdout)")
    p.add_argument("--fail-on", default="serious", choices=list(FAIL_ON),
                   help="lowest impact that makes the exit code 1 (default: serious)")
    g = p.add_argument_group(
        "pages that settle",
        "Before each audit the page is waited for until it is quiet (no pending fetch/XHR, no short "
        "timer, no DOM change for the quiet window) and scrolled through when it loads content on "
        "scroll, all within the cap; a page still busy at the cap is audited then, and its result says so.")
    g.add_argument("--wait", type=_whole_number, default=0, metavar="MS",
                   help=f"pause this long after load, before settling (default: 0; at most {settle.MAX_WAIT_MS})")
    g.add_argument("--wait-for", metavar="SELECTOR",
                   help="wait (within the cap) until an element matches this CSS selector")
    g.add_argument("--settle-quiet", type=_whole_number, default=settle.QUIET_MS, metavar="MS",
                   help=f"quiet window (default: {settle.QUIET_MS})")
    g.add_argument("--settle-cap", type=_whole_number, default=settle.CAP_MS, metavar="MS",
                   help=f"most time spent waiting for a page (default: {settle.CAP_MS}; "
                        f"at most {settle.MAX_CAP_MS}; 0: audit right after load)")
    g.add_argument("--max-scrolls", type=_whole_number, default=settle.MAX_SCROLLS, metavar="N",
                   help=f"most viewport steps scrolled down a page (default: {settle.MAX_SCROLLS}; 0: never scroll)")
    g.add_argument("--no-settle", action="store_true",
                   help="audit right after load: no waiting, no scrolling (as --settle-cap 0 --max-scrolls 0)")
    p.add_argument("--config", metavar="F", type=Path,
                   help="JSON file of scripted steps per URL (logins, cookie banners, states to audit) "
                        "and automatic-state limits; see README, Steps and states")
    p.add_argument("--no-states", dest="states", action="store_false",
                   help="do not open menus, disclosures and <details> to audit what they show")

    p = sub.add_parser("preview", help="what a screen reader gets from a page",
                       description="Headings, landmarks, links, form fields with where their names "
                                   "come from, images, reading order and tab order.", epilog=URL_RULES)
    p.add_argument("url", metavar="URL")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
    p.add_argument("--remote", metavar="URL", help=REMOTE_HELP)
    p.add_argument("--cookie", action="append", default=[], metavar="C", help="NAME=VALUE (repeatable)")
    p.add_argument("--header", action="append", default=[], metavar="H", help='"Name: value" (repeatable)')
    p = sub.add_parser("worker", help="run the app's queued audits (any number of workers, any machine)",
                       description="Claim queued audits from the database (DATABASE_URL) and run them, at "
                                   "most A11Y_MAX_RUNNING_AUDITS at once across every worker. SIGTERM or "
                                   "SIGINT: stop claiming, hand the running audits back after the pages under "
                                   "way, exit 0.")
    p.add_argument("--concurrency", type=_positive_int, default=1, metavar="N",
                   help="audits this worker runs at once (default: 1)")
    p.add_argument("--once", action="store_true", help="exit when no audit is waiting and none runs here")
    p.add_argument("--poll", type=float, default=1.0, metavar="SECONDS",
                   help="how often an idle worker looks for queued audits (default: 1)")
    return parser


def run_worker(args: argparse.Namespace, stderr: TextIO) -> int:
    """``worker``: claim and run queued audit jobs until SIGTERM/SIGINT (or, with ``--once``, none is left)."""
    import signal

    from a11y.worker import Worker
    from cardsort import store

    if not 0.05 <= args.poll <= 3600:
        raise ValueError(f"--poll must be from 0.05 to 3600 seconds, got {args.poll}")
    engine = store.make_engine()

    def say(line: str) -> None:
        print(f"a11y worker: {line}", file=stderr, flush=True)

    worker = Worker(engine, concurrency=args.concurrency, poll_seconds=args.poll, say=say)

    def stopping(signum: int) -> None:
        say(f"{signal.Signals(signum).name}: stopping (running audits are handed back)")

    try:
        worker.run(once=args.once, on_signal=stopping)  # its on_start sets up the signals and puts them back
    finally:
        engine.dispose()
    return EXIT_OK


class _Progress:
    """``a11y: [done/total] url`` lines on stderr."""

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.lock = stream, threading.Lock()

    def __call__(self, done: int, total: int, url: str) -> None:
        with self.lock:
            print(f"a11y: [{done}/{total}] {url}", file=self.stream, flush=True)


def settle_options(args: argparse.Namespace) -> settle.SettleOptions:
    """The :class:`a11y.settle.SettleOptions` of the ``audit`` arguments (``ValueError`` naming a bad one)."""
    if args.no_settle:
        return settle.make_options(cap_ms=0, max_scrolls=0, wait_ms=args.wait, wait_for=args.wait_for)
    return settle.make_options(quiet_ms=args.settle_quiet, cap_ms=args.settle_cap, max_scrolls=args.max_scrolls,
                               wait_ms=args.wait, wait_for=args.wait_for)


def collect_urls(args: argparse.Namespace, cookies, headers,
                 read_page: Callable[[str], tuple[str, list[str]]] | None = None) -> list[str]:
    """Every page to audit: arguments, ``--urls-file``, ``--sitemap``, then ``--crawl``.

    All given URLs are checked before anything is fetched. Raises ``ValueError``
    (``RefusedURLError`` for refused URLs) and leaves the network alone until then.
    ``read_page`` reads a crawled page's links (``audit`` passes
    :func:`a11y.engine.link_reader`: the rendered, settled page); ``None`` reads the
    served HTML.
    """
    policy = crawl.URLPolicy.for_cli()
    allowed = policy.allowed_hosts
    given = list(args.urls) + (crawl.read_urls_file(args.urls_file) if args.urls_file else [])
    urls = crawl.check_urls(given, allowed)
    if args.sitemap:
        sitemap = policy.check(args.sitemap)
        urls = crawl.check_urls(urls + crawl.fetch_sitemap(sitemap, cookies=cookies, headers=headers,
                                                            allowed_hosts=allowed), allowed)
    if args.crawl:
        if not urls:
            raise ValueError("--crawl needs start pages: give URLs, --urls-file or --sitemap")
        urls = crawl.crawl(urls, args.crawl, cookies=cookies, headers=headers, allowed_hosts=allowed,
                           read_page=read_page)
    if not urls:
        raise ValueError("no pages to audit: give URLs, --urls-file or --sitemap")
    return urls


def run_audit(args: argparse.Namespace, stdout: TextIO, stderr: TextIO,
              driver: WebDriver | None = None) -> int:
    """``audit``: collect pages, audit them, write the report; return the exit code."""
    cookies = [parse_cookie(c) for c in args.cookie]
    headers = [parse_header(h) for h in args.header]
    axe = load_axe(args.axe_script)
    baseline = load_report(args.baseline) if args.baseline else None
    waiting = settle_options(args)
    policy = crawl.URLPolicy.for_cli()
    config = (steps.load_config(args.config, allowed_hosts=policy.allowed_hosts, allow_private=policy.allow_private)
              if args.config else None)
    if args.remote:
        crawl.check_url(args.remote)
    own: list[WebDriver] = []

    def read_page(url: str) -> tuple[str, list[str]]:
        """Links of the rendered page, in the caller's browser or one started on the first crawled page."""
        if driver is None and not own:
            own.append(make_driver(args.remote))
            preload_axe(own[0], axe)
        return link_reader(driver or own[0], settle_options=waiting, cookies=cookies, headers=headers)(url)

    try:
        urls = collect_urls(args, cookies, headers, read_page=read_page)
        workers = min(args.workers, len(urls))
        print(f"a11y: auditing {len(urls)} page{'s' * (len(urls) != 1)} with {workers} "
              f"browser{'s' * (workers != 1)} (axe {axe.version}, {args.standard})", file=stderr, flush=True)
        pages = audit_urls(urls, workers=workers, remote=args.remote, standard=args.standard,
                           best_practice=args.best_practice, cookies=cookies, headers=headers,
                           axe_script=args.axe_script, progress=_Progress(stderr),
                           driver=driver or next(iter(own), None), settle_options=waiting,
                           viewport_checks=args.viewport, keyboard_walk=args.keyboard,
                           config=config, auto_states=args.states)
    finally:
        for browser in own:  # the crawl's browser, reused by the first worker
            browser.quit()
    report = make_report(pages, axe_version=axe.version, standard=args.standard)
    if baseline is not None:
        report = apply_baseline(report, baseline)
    text = render(report, args.format)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    else:
        stdout.write(text if text.endswith("\n") else text + "\n")
    code = exit_code(report, args.fail_on)
    errors = sum(p.status == "error" for p in pages)
    violations = sum(len(f.nodes) for p in pages for f in p.violations)
    screen_reader = sum(len(f.nodes) for p in pages for f in p.violations if f.screen_reader)
    print(f"a11y: {len(pages)} pages, {errors} could not be audited, {violations} failing elements "
          f"({screen_reader} screen-reader){f' -> {args.output}' if args.output else ''}; exit {code}",
          file=stderr, flush=True)
    for page in pages:
        if page.status == "error":
            print(f"a11y: not audited: {page.url}: {page.error}", file=stderr, flush=True)
        elif page.settle and page.settle.get("note"):
            print(f"a11y: note: {page.url}: {page.settle['note']}", file=stderr, flush=True)
    return code


def run_preview(args: argparse.Namespace, stdout: TextIO, driver: WebDriver | None = None) -> int:
    """``preview``: print the screen-reader preview of one page."""
    url = crawl.URLPolicy.for_cli().check(args.url)
    if args.remote:
        crawl.check_url(args.remote)
    cookies = [parse_cookie(c) for c in args.cookie]
    headers = [parse_header(h) for h in args.header]
    own = driver is None
    browser = make_driver(args.remote) if driver is None else driver
    try:
        prepare_session(browser, url, cookies, headers)
        open_page(browser, url)  # load, settle, scroll: what a script renders late is previewed too
        data = preview.preview(browser)
    finally:
        if own:
            browser.quit()
    data.setdefault("url", url)
    stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n" if args.json
                 else preview.format_preview(data).rstrip("\n") + "\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None,
         stderr: TextIO | None = None, driver: WebDriver | None = None) -> int:
    """Run the CLI; returns the exit code instead of exiting (``__main__`` exits with it).

    ``driver`` is a browser the caller owns (e.g. a test's shared one): the preview
    and the first audit worker use it instead of starting one, and it is left open.
    """
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    try:
        if args.command == "audit":
            return run_audit(args, stdout, stderr, driver)
        if args.command == "worker":
            return run_worker(args, stderr)
        return run_preview(args, stdout, driver)
    except (ValueError, OSError, PageLoadError) as exc:
        print(f"a11y: error: {exc}", file=stderr)
        return EXIT_BAD_INPUT
    except BrowserCrashedError as exc:
        print(f"a11y: error: the browser failed: {exc}", file=stderr)
        return EXIT_BAD_INPUT
    except WebDriverException as exc:
        first = (exc.msg or str(exc)).strip().splitlines()[0] if (exc.msg or str(exc)).strip() else "unknown"
        print(f"a11y: error: the browser failed: {first}", file=stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    reap_orphans()  # browsers a killed earlier run left behind
    handle_signals()  # SIGTERM/SIGINT: this run's browsers are closed first
    sys.exit(main())
