"""Audit pages with axe-core in a real Chromium: every frame, open shadow DOM, checks beyond axe.

One page (:func:`audit_page`, with a driver the caller owns):

1. cookies (CDP ``Network.setCookie``, scoped to the page's host) and extra headers
   (``Network.setExtraHTTPHeaders``) are set, then the page loads;
2. a page that did not load becomes an error entry: timeouts, refused connections
   and DNS failures (Chromium's ``net::ERR_*``), HTTP errors (status >= 400, read
   from the Navigation Timing entry's ``responseStatus``: no extra request, and it
   works on remote sessions too) and responses that are not HTML;
   then the page is settled (:func:`open_page`, :mod:`a11y.settle`): it is waited for
   until it is quiet (no pending request, no DOM change for a moment, within a cap)
   and scrolled through when it loads content on scroll, so what a script renders
   after ``load`` is audited too;
3. axe is injected into the top document and, recursively, into every iframe
   (``axe.utils.getFrameContexts`` names the frames, Selenium switches into each),
   ``axe.runPartial`` runs in each frame and ``axe.finishRun`` merges the partial
   results in the top frame. axe covers open shadow DOM itself. Options always
   travel as script arguments, never formatted into JavaScript. Sessions the pool
   owns get axe preloaded into every new document (:func:`preload_axe`), which
   saves sending it on each page;
4. the checks beyond axe of :mod:`a11y.checks` (run on the accessibility tree that
   :mod:`a11y.axtree` reads over CDP) are appended to the violations, then the keyboard
   walk's findings (:mod:`a11y.keyboard`; last, as it changes focus and scroll);
5. every failing element gets its fingerprint from what the page says of it (its name,
   landmark and heading: :func:`anchor_findings`), never from its position among siblings.

Many pages (:func:`audit_urls`): a pool of ``workers`` threads, each with one
reused browser; results come back in input order. A browser that dies mid-run is
replaced, the page it was on becomes an error entry and the run goes on. The pool
closes only the browsers it opened.
"""

from __future__ import annotations

import importlib.resources
import json
import logging
import queue
import re
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

from selenium.common.exceptions import (
    InvalidSessionIdException,
    JavascriptException,
    NoAlertPresentException,
    NoSuchFrameException,
    StaleElementReferenceException,
    TimeoutException,
    UnexpectedAlertPresentException,
    WebDriverException,
)
from selenium.webdriver.remote.webdriver import WebDriver

from a11y import checks, keyboard, precision, settle, states, viewport
from a11y.browser import CdpUnavailableError, cdp, guard_of, make_driver
from a11y.crawl import RefusedURLError, check_url
from a11y.findings import (
    BLOCKS,
    FIND_TARGET_JS,
    NAME_FROM_CONTENT,
    Finding,
    Node,
    PageResult,
    findings_from_axe,
    fingerprint,
)
from a11y.settle import BadSelectorError, Settled, SettleOptions
from a11y.steps import DEFAULT_STATES, AuditConfig, StateSettings, Step, StepError, run_steps

log = logging.getLogger(__name__)

STANDARDS = {
    "wcag2a": ("wcag2a",),
    "wcag2aa": ("wcag2a", "wcag2aa"),
    "wcag21aa": ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa"),
    "wcag22aa": ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"),
    "wcag2aaa": ("wcag2a", "wcag2aa", "wcag2aaa"),
    "wcag21aaa": ("wcag2a", "wcag2aa", "wcag2aaa", "wcag21a", "wcag21aa", "wcag21aaa"),
    "wcag22aaa": ("wcag2a", "wcag2aa", "wcag2aaa", "wcag21a", "wcag21aa", "wcag21aaa", "wcag22aa", "wcag22aaa"),
}
"""axe tags each ``--standard`` runs; a level includes every lower one (AAA: the A and AA of its version)."""
EXTRA_RULES = {
    "td-has-header": "wcag2a",
    "table-fake-caption": "wcag2a",
}
"""axe rules tagged "experimental" (off in a tag run) that we switch on, each with the tag its run needs.
Chosen for precision: see docs/architecture.md, "axe rules beyond the defaults"."""
DEFAULT_STANDARD = "wcag22aa"
SCRIPT_TIMEOUT = 120
"""Seconds axe may take on one frame before the page becomes an error entry."""

# Messages of WebDriver errors after which the session is gone for good.
_DEAD_BROWSER = ("tab crashed", "chrome not reachable", "session deleted", "invalid session id",
                 "disconnected", "target window already closed", "no such window",
                 "cannot determine loading status", "session not created")


_TIMEOUT_SET: weakref.WeakSet[WebDriver] = weakref.WeakSet()
"""Sessions whose script timeout is already :data:`SCRIPT_TIMEOUT`."""
_HEADERS_SET: weakref.WeakKeyDictionary[WebDriver, dict[str, str]] = weakref.WeakKeyDictionary()
"""Extra headers each session currently sends (absent: none)."""


class BrowserCrashedError(RuntimeError):
    """The browser session died; the driver must be replaced."""


class PageLoadError(RuntimeError):
    """A page that could not be loaded (network error, timeout, HTTP error)."""


# --- axe build ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AxeScript:
    """An axe-core build: its source and version."""

    source: str
    version: str
    path: str

    @property
    def bound_source(self) -> str:
        """The build, then a mark of the document it was evaluated in (see :data:`_RUN_PARTIAL`)."""
        return f"{self.source}\n;window[Symbol.for('a11y-audit.axe-document')] = document;"


def default_axe_path() -> Path:
    """``axe.min.js`` inside the installed ``axe_selenium_python`` package."""
    root = importlib.resources.files("axe_selenium_python")
    path = Path(str(root.joinpath("node_modules", "axe-core", "axe.min.js")))
    if not path.is_file():
        raise FileNotFoundError(f"axe.min.js not found at {path}: reinstall axe-selenium-python "
                                "or pass --axe-script FILE")
    return path


@lru_cache(maxsize=4)
def load_axe(path: str | Path | None = None) -> AxeScript:
    """Read an axe-core build (default: :func:`default_axe_path`) and its version banner.

    Raises ``ValueError`` when the file is unreadable or is not axe-core
    (no ``axe v<version>`` banner and no ``axe.version`` assignment).
    """
    file = Path(path) if path is not None else default_axe_path()
    try:
        source = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read axe script {str(file)!r}: {exc}") from None
    match = (re.search(r"/\*!?\s*axe v(\d+\.\d+\.\d+[\w.-]*)", source[:2000])
             or re.search(r"""\.version\s*=\s*["'](\d+\.\d+\.\d+[\w.-]*)["']""", source))
    if not match or "runPartial" not in source:
        raise ValueError(f"{str(file)!r} is not an axe-core build with runPartial (axe-core >= 4.3 needed)")
    return AxeScript(source=source, version=match.group(1), path=str(file))


def run_options(standard: str = DEFAULT_STANDARD, best_practice: bool = True) -> dict[str, Any]:
    """axe run options for a standard: ``runOnly`` tags, and only violations and needs-review.

    Raises ``ValueError`` naming the allowed standards.
    """
    if standard not in STANDARDS:
        raise ValueError(f"unknown standard {standard!r}; allowed: {', '.join(STANDARDS)}")
    tags = list(STANDARDS[standard]) + (["best-practice"] if best_practice else [])
    return {"runOnly": {"type": "tag", "values": tags},
            "rules": {rule: {"enabled": True} for rule, tag in EXTRA_RULES.items() if tag in tags},
            "resultTypes": ["violations", "incomplete"],
            "elementRef": False, "ancestry": False, "xpath": False, "performanceTimer": False}


# --- cookies and headers -----------------------------------------------------------------------

_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def parse_cookie(text: str) -> tuple[str, str]:
    """``"NAME=VALUE"`` -> ``(name, value)``; ``ValueError`` for anything else."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not _TOKEN.match(name) or re.search(r"[;\r\n]", value):
        raise ValueError(f"bad cookie {text!r}: expected NAME=VALUE (no ';' or line breaks)")
    return name, value.strip()


def parse_header(text: str) -> tuple[str, str]:
    """``"Name: value"`` -> ``(name, value)``; ``ValueError`` for anything else."""
    name, sep, value = text.partition(":")
    name = name.strip()
    if not sep or not _TOKEN.match(name) or re.search(r"[\r\n]", value):
        raise ValueError(f"bad header {text!r}: expected \"Name: value\" on one line")
    return name, value.strip()


def _pairs(items: Iterable[str | tuple[str, str]], parse: Callable[[str], tuple[str, str]]
           ) -> tuple[tuple[str, str], ...]:
    return tuple(parse(i) if isinstance(i, str) else (str(i[0]), str(i[1])) for i in items)


def prepare_session(driver: WebDriver, url: str, cookies: Sequence[tuple[str, str]],
                    headers: Sequence[tuple[str, str]]) -> None:
    """Give the session the cookies for ``url``'s host and the extra headers, before loading it.

    Cookies go only to the page's own host and stay in the session's cookie jar.
    Extra headers go with every request the page makes (Chromium has no per-host
    variant), so prefer cookies for secrets; headers set for an earlier page and not
    given now are cleared.
    """
    wanted = dict(headers)
    if not cookies and wanted == _HEADERS_SET.get(driver, {}):
        return
    try:
        for name, value in cookies:
            cdp(driver, "Network.setCookie", {"name": name, "value": value, "url": url})
        if wanted != _HEADERS_SET.get(driver, {}):  # set, changed, or to be cleared
            cdp(driver, "Network.enable", {})
            cdp(driver, "Network.setExtraHTTPHeaders", {"headers": wanted})
            _HEADERS_SET[driver] = wanted
    except CdpUnavailableError:
        raise ValueError("--cookie and --header need a Chrome/Chromium WebDriver (CDP); "
                         "this endpoint has none") from None


# --- loading a page ----------------------------------------------------------------------------

_PAGE_STATE = """
const nav = performance.getEntriesByType('navigation')[0];
const code = document.querySelector('.error-code');
return {href: location.href, status: nav && nav.responseStatus ? nav.responseStatus : 0,
        contentType: document.contentType,
        netError: location.protocol === 'chrome-error:' ? (code ? code.textContent.trim() : 'network error') : null};
"""


def _crashed(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, InvalidSessionIdException) or any(m in text for m in _DEAD_BROWSER)


def load_page(driver: WebDriver, url: str) -> int:
    """Navigate to ``url`` and return its HTTP status (0 when the browser does not say).

    Raises
    ------
    PageLoadError
        Timeout, network error (``net::ERR_*``), or HTTP status >= 400.
    BrowserCrashedError
        The tab or browser died.
    """
    try:
        driver.get(url)
    except TimeoutException:
        _stop_loading(driver)
        raise PageLoadError("page load timed out") from None
    except WebDriverException as exc:
        if _crashed(exc):
            raise BrowserCrashedError(_first_line(exc)) from exc
        match = re.search(r"net::(ERR_[A-Z_]+)", str(exc))
        if match:
            raise PageLoadError(_net_error(driver, url, match.group(1))) from None
        raise
    except OSError as exc:  # chromedriver itself is gone (connection refused)
        raise BrowserCrashedError(f"WebDriver unreachable: {exc}") from exc
    state = _execute(driver, _PAGE_STATE)
    if state["netError"]:
        raise PageLoadError(_net_error(driver, url, state["netError"]))
    if state["status"] >= 400:
        raise PageLoadError(f"HTTP {state['status']}")
    if state["contentType"] not in ("text/html", "application/xhtml+xml"):
        raise PageLoadError(f"not an HTML page ({state['contentType']})")
    return state["status"]


def _net_error(driver: WebDriver, url: str, code: str) -> str:
    """``could not load page: ERR_...``, naming a redirect's target and, when the guard refused it, why."""
    try:
        failed = driver.current_url  # the URL that failed: a redirect's target when there was one
    except WebDriverException:
        failed = url
    text = f"could not load page: {code}"
    if failed and failed != url and failed.startswith(("http://", "https://")):
        text += f" (it redirected to {failed})"
    guard = guard_of(driver)
    if code in ("ERR_PROXY_CONNECTION_FAILED", "ERR_NAME_NOT_RESOLVED") and failed:
        hosts, private = guard if guard is not None else (None, True)
        try:
            check_url(failed, hosts, allow_private=private)
        except RefusedURLError as exc:
            return f"{text}: {str(exc).split(': ', 1)[-1]}"
    return text


def _stop_loading(driver: WebDriver) -> None:
    try:
        driver.execute_script("window.stop();")
    except WebDriverException:
        pass


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "msg", None) or str(exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def _execute(driver: WebDriver, script: str, *args: Any, asynchronous: bool = False) -> Any:
    """Run a script; dismiss a page's alert once; map a dead browser to :class:`BrowserCrashedError`."""
    run = driver.execute_async_script if asynchronous else driver.execute_script
    try:
        try:
            return run(script, *args)
        except UnexpectedAlertPresentException:
            # A caller's session that does not dismiss prompts itself (ours do, see a11y.browser).
            try:
                driver.switch_to.alert.dismiss()
            except NoAlertPresentException:
                pass
            return run(script, *args)
    except WebDriverException as exc:
        if _crashed(exc):
            raise BrowserCrashedError(_first_line(exc)) from exc
        raise
    except OSError as exc:
        raise BrowserCrashedError(f"WebDriver unreachable: {exc}") from exc


# --- running axe in every frame ----------------------------------------------------------------

# Runs in one frame: lists the frames axe wants tested (with their elements, so
# Selenium can switch into them) and runs axe.runPartial. A child frame sends its
# partial result back (serialised once). The top frame keeps its own, the largest,
# in the page for axe.finishRun; with no frames to visit it finishes at once, so a
# frameless page costs one round trip. Answers {missing: true} when the frame has
# no axe of the wanted version yet.
#
# axe keeps the document it was evaluated in. A frame inserted by a script first holds an empty
# about:blank document; when the page (or the settle wait) touches that window, Chromium runs the
# preloaded axe in it, and when the frame's real page is same-origin the navigation keeps the same
# window: that axe would audit the empty document and find nothing. So axe counts as present only
# with the mark of the current document (``AxeScript.bound_source``); otherwise it is injected again.
_RUN_PARTIAL = """
const [version, context, options, isTop, done] = arguments;
const KEPT = Symbol.for('a11y-audit.top-partial');
const usable = window.axe && typeof window.axe.runPartial === 'function' &&
  window[Symbol.for('a11y-audit.axe-document')] === document;
if (!(usable && (version === null || window.axe.version === version))) {
  done({missing: true});
  return;
}
const fail = (e) => done({error: String(e && e.stack || e)});
let frames;
try {
  frames = axe.utils.getFrameContexts(context, options).map(
    (f) => ({element: axe.utils.shadowSelect(f.frameSelector), context: f.frameContext}));
} catch (e) { fail(e); return; }
axe.runPartial(context, options).then((partial) => {
  if (!isTop) {
    done({partial: JSON.stringify(partial), frames: frames});
  } else if (frames.length) {
    window[KEPT] = partial;
    done({frames: frames});
  } else {
    return axe.finishRun([partial], options).then((r) => done({result: JSON.stringify(
      {violations: r.violations, incomplete: r.incomplete, version: r.testEngine && r.testEngine.version})}));
  }
}).catch(fail);
"""

# Runs in the top frame: merges its kept partial result with the frames' ones.
_FINISH_RUN = """
const [framePartials, options, done] = arguments;
const KEPT = Symbol.for('a11y-audit.top-partial');
const top = window[KEPT];
delete window[KEPT];
if (!top) { done({error: 'the page navigated while axe ran'}); return; }
axe.finishRun([top].concat(JSON.parse(framePartials)), options).then(
  (r) => done({result: JSON.stringify({violations: r.violations, incomplete: r.incomplete,
                                       version: r.testEngine && r.testEngine.version})}),
  (e) => done({error: String(e && e.stack || e)}));
"""


def preload_axe(driver: WebDriver, axe: AxeScript) -> bool:
    """Have Chromium evaluate axe in every new document of this session, before its own scripts.

    Saves sending and injecting axe on each page (a large part of the per-page time).
    Only for sessions the tool owns: it changes every later page load. Frames that
    still lack axe (e.g. out-of-process cross-site iframes) get it injected as usual.
    Returns ``False`` when the session has no CDP.
    """
    try:
        cdp(driver, "Page.addScriptToEvaluateOnNewDocument", {"source": axe.bound_source})
    except CdpUnavailableError:
        return False
    return True


def _run_partial(driver: WebDriver, axe: AxeScript, context: Any, options: dict[str, Any],
                 is_top: bool) -> dict[str, Any]:
    out = _execute(driver, _RUN_PARTIAL, axe.version, context, options, is_top, asynchronous=True)
    if out.get("missing"):
        _execute(driver, axe.bound_source)
        # Now whatever axe the frame has is ours (a custom build may report another version).
        out = _execute(driver, _RUN_PARTIAL, None, context, options, is_top, asynchronous=True)
    if out.get("missing") or out.get("error"):
        raise JavascriptException(f"axe.runPartial failed: {out.get('error') or 'axe did not load'}")
    return out


def _frame_partials(driver: WebDriver, axe: AxeScript, frames: list[dict[str, Any]],
                    options: dict[str, Any]) -> list[str | None]:
    """Partial results of these frames and, depth first, of theirs (``None`` for a frame that failed)."""
    results: list[str | None] = []
    for frame in frames:
        try:
            driver.switch_to.frame(frame["element"])
        except (NoSuchFrameException, StaleElementReferenceException, JavascriptException):
            results.append(None)  # a frame that vanished: axe reports it as not tested
            continue
        except WebDriverException as exc:
            if _crashed(exc):
                raise BrowserCrashedError(_first_line(exc)) from exc
            results.append(None)
            continue
        try:
            out = _run_partial(driver, axe, frame["context"], options, is_top=False)
            results.append(out["partial"])
            results.extend(_frame_partials(driver, axe, out["frames"], options))
        except (JavascriptException, TimeoutException):
            results.append(None)  # this frame could not be tested; the rest still is
        finally:
            driver.switch_to.parent_frame()
    return results


def run_axe(driver: WebDriver, axe: AxeScript, options: dict[str, Any],
            context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run axe on the loaded page, all frames included: ``{"violations", "incomplete", "version"}``.

    ``context`` is axe's context (default: the whole page), e.g. ``{"include": [elements]}``.
    """
    driver.switch_to.default_content()
    out = _run_partial(driver, axe, context or {"exclude": []}, options, is_top=True)
    if "result" not in out:
        partials = _frame_partials(driver, axe, out["frames"], options)
        payload = "[" + ",".join("null" if p is None else p for p in partials) + "]"
        out = _execute(driver, _FINISH_RUN, payload, options, asynchronous=True)
        if out.get("error"):
            raise JavascriptException(f"axe.finishRun failed: {out['error']}")
    return json.loads(out["result"])


# --- anchors for fingerprints ------------------------------------------------------------------

# Runs in one frame: finds each element by its selector (shadow levels joined by " >>> ") and
# reads what identifies it apart from its position: its name (labels included), the landmark
# it is in (role and name) and the text of the nearest heading before it inside that landmark.
# Mirrors a11y.findings.element_identity's rules for text (NAME_FROM_CONTENT, BLOCKS).
_ANCHOR_COMMON = FIND_TARGET_JS + """
const clean = (s) => (s || '').replace(/\\s+/g, ' ').trim().slice(0, 120);
"""
_FIND_FRAME = _ANCHOR_COMMON + "return find(arguments[0]);"
_ANCHORS = _ANCHOR_COMMON + """
const [chains, fromContent, blocks] = [arguments[0], new Set(arguments[1]), new Set(arguments[2])];
const LANDMARK_TAGS = {header: 'banner', footer: 'contentinfo', nav: 'navigation', main: 'main',
                       aside: 'complementary', search: 'search'};
const LANDMARKS = new Set(['banner', 'contentinfo', 'navigation', 'main', 'complementary', 'search', 'region', 'form']);
const up = (n) => n.parentElement || (n.parentNode && n.parentNode.host) || null;
const refs = (el, attr) => {
  const root = el.getRootNode();
  return clean((el.getAttribute(attr) || '').split(/\\s+/).filter(Boolean).map((id) => {
    const t = root.getElementById ? root.getElementById(id) : null;
    return t ? t.textContent : '';
  }).join(' '));
};
const ownText = (el) => {
  let out = '';
  const walk = (n) => {
    for (const c of n.childNodes) {
      if (c.nodeType === 3) out += c.data;
      else if (c.nodeType === 1 && !blocks.has(c.localName)) walk(c);
    }
  };
  walk(el);
  return out;
};
const nameOf = (el) => {
  const tag = el.localName;
  let n = refs(el, 'aria-labelledby') || clean(el.getAttribute('aria-label'));
  if (!n && el.labels && el.labels.length) n = clean(Array.from(el.labels, (l) => l.textContent).join(' '));
  if (!n) n = clean(el.getAttribute('alt')) || clean(el.getAttribute('title'));
  if (!n && tag === 'input' && ['submit', 'reset', 'button'].includes(el.type)) n = clean(el.value);
  return n || clean(fromContent.has(tag) ? el.textContent : ownText(el));
};
const landmarkOf = (el) => {
  for (let n = up(el); n; n = up(n)) {
    if (n.nodeType !== 1) continue;
    const tag = n.localName;
    const named = n.hasAttribute('aria-label') || n.hasAttribute('aria-labelledby');
    let role = (n.getAttribute('role') || '').trim().split(/\\s+/)[0];
    if (!role) {
      role = LANDMARK_TAGS[tag] || (named && tag === 'section' ? 'region' : named && tag === 'form' ? 'form' : '');
    }
    if (LANDMARKS.has(role)) {
      return [n, (role + ' ' + (refs(n, 'aria-labelledby') || clean(n.getAttribute('aria-label')))).trim()];
    }
  }
  return [null, ''];
};
const headingBefore = (el, scope) => {
  let found = '';
  for (const h of scope.querySelectorAll('h1, h2, h3, h4, h5, h6, [role="heading"]')) {
    if (h === el || !(h.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING)) break;
    found = clean(h.textContent);
  }
  return found;
};
return chains.map((chain) => {
  const el = find(chain);
  if (!el) return null;
  const [landmark, landmarkName] = landmarkOf(el);
  const root = el.getRootNode();
  const scope = landmark && landmark.getRootNode() === root ? landmark : root;
  return {name: nameOf(el), landmark: landmarkName, heading: headingBefore(el, scope)};
});
"""


def anchor_findings(driver: WebDriver, findings: Sequence[Finding]) -> int:
    """Give every node of ``findings`` its anchored fingerprint, read in the loaded page.

    For each element (found by its target, in its frame), the page tells its name
    (labels included), its landmark and the heading above it; with its snippet
    they make :func:`a11y.findings.fingerprint`, which never depends on where the
    element sits among its siblings. One script per frame. A node whose element
    cannot be found keeps the fingerprint of its snippet alone.

    Returns
    -------
    int
        How many nodes got an anchored fingerprint.

    Raises
    ------
    BrowserCrashedError
        The browser died.
    """
    groups: dict[tuple[str, ...], list[tuple[str, Node]]] = {}
    for finding in findings:
        for node in finding.nodes:
            if node.target:
                groups.setdefault(tuple(node.target[:-1]), []).append((finding.rule, node))
    anchored = 0
    try:
        for frames, items in groups.items():
            try:
                driver.switch_to.default_content()
                for selector in frames:
                    frame = _execute(driver, _FIND_FRAME, selector)
                    if frame is None:
                        raise NoSuchFrameException(f"no frame {selector!r}")
                    driver.switch_to.frame(frame)
                anchors = _execute(driver, _ANCHORS, [node.target[-1] for _, node in items],
                                   sorted(NAME_FROM_CONTENT), sorted(BLOCKS))
            except BrowserCrashedError:
                raise
            except WebDriverException as exc:
                if _crashed(exc):
                    raise BrowserCrashedError(_first_line(exc)) from exc
                log.debug("no anchors in frame %s: %s", frames, _first_line(exc))
                continue
            for (rule, node), anchor in zip(items, anchors or []):
                if isinstance(anchor, dict):
                    node.fingerprint = fingerprint(rule, node.target, node.html, anchor)
                    anchored += 1
    finally:
        try:
            driver.switch_to.default_content()
        except WebDriverException:
            pass
    return anchored


def _custom_findings(driver: WebDriver) -> list[Finding]:
    """Checks beyond axe, from the accessibility tree (:func:`a11y.checks.custom_findings`)."""
    driver.switch_to.default_content()
    try:
        return checks.custom_findings(driver)
    except CdpUnavailableError:
        log.warning("this WebDriver endpoint has no CDP: accessibility-tree checks skipped")
        return []


def open_page(driver: WebDriver, url: str, options: SettleOptions | None = None) -> Settled:
    """The page flow before an audit: load -> settle -> scroll (and back to the top).

    Loads ``url`` (:func:`load_page`), then waits for it (:func:`a11y.settle.settle_page`:
    ``--wait``, ``--wait-for``, quiet, scrolling, all within the cap). A page that
    navigates while it is waited for (a script redirect) is waited for once more; a wait
    that still fails is noted and the page is audited as it is. The session keeps
    :data:`a11y.settle.INSTRUMENT` for its later documents (counters only, once per session).

    Raises
    ------
    PageLoadError
        As :func:`load_page`, and when ``options.wait_for`` is not CSS the browser accepts.
    BrowserCrashedError
        The browser died.
    """
    options = settle.SettleOptions() if options is None else options
    if driver not in _TIMEOUT_SET:  # one round trip per session, not per page
        driver.set_script_timeout(SCRIPT_TIMEOUT)
        _TIMEOUT_SET.add(driver)
    if options.enabled:
        settle.instrument(driver)
    load_page(driver, url)
    return wait_for_page(driver, options)


def wait_for_page(driver: WebDriver, options: SettleOptions) -> Settled:
    """Settle the page as it is now (after loading it, or after scripted steps changed it).

    A page that navigates while it is waited for (a script redirect) is waited for once more;
    a wait that still fails is noted and the page is audited as it is.
    """
    def execute(script: str, *args: Any) -> Any:
        return _execute(driver, script, *args, asynchronous=True)

    for attempt in (1, 2):
        try:
            return settle.settle_page(driver, options, execute)
        except BadSelectorError as exc:
            raise PageLoadError(str(exc)) from None
        except (JavascriptException, TimeoutException, StaleElementReferenceException) as exc:
            if attempt == 2:
                return Settled(settled=False, note=f"waiting for the page failed: {_first_line(exc)}")
            log.debug("settling %s failed once (%s); again", driver.current_url, _first_line(exc))
    raise AssertionError("unreachable")


def audit_page(driver: WebDriver, url: str, *, standard: str = DEFAULT_STANDARD,
               best_practice: bool = True, cookies: Sequence[tuple[str, str]] = (),
               headers: Sequence[tuple[str, str]] = (), axe: AxeScript | None = None,
               custom_checks: bool = True, viewport_checks: bool = True, keyboard_walk: bool = True,
               settle_options: SettleOptions | None = None, steps: Sequence[Step] = (),
               state_settings: StateSettings | None = DEFAULT_STATES) -> PageResult:
    """Audit one page in a browser the caller owns (it is never closed here).

    Parameters
    ----------
    driver : WebDriver
        A Chrome/Chromium session (local or remote); it is reused as is.
    url : str
        Page to audit; must pass :func:`a11y.crawl.check_url`.
    standard : str, default='wcag22aa'
        A key of :data:`STANDARDS` (``wcag2a`` ... ``wcag22aaa``); each level includes the lower ones.
    best_practice : bool, default=True
        Also run axe's best-practice rules.
    cookies, headers : sequence of (str, str), default=()
        Set before loading (see :func:`prepare_session`).
    axe : AxeScript or None, default=None
        axe build; ``None`` uses :func:`load_axe`'s default.
    custom_checks : bool, default=True
        Append the accessibility-tree checks of :mod:`a11y.checks`.
    viewport_checks : bool, default=True
        Append reflow and text-spacing findings (:mod:`a11y.viewport`; WCAG 2.1+ standards only).
    keyboard_walk : bool, default=True
        Then walk the page with Tab and Shift+Tab (:func:`a11y.keyboard.keyboard_walk`), append its
        findings and put its cost in ``PageResult.keyboard``.
    settle_options : SettleOptions or None, default=None
        How to wait for the page before auditing it (:func:`open_page`); ``None``
        is :class:`a11y.settle.SettleOptions`' defaults, :data:`a11y.settle.NO_SETTLE`
        audits right after ``load``.
    steps : sequence of Step, default=()
        Scripted steps run after loading (:func:`a11y.steps.run_steps`); a failed step
        makes the page an error entry naming the step and the reason.
    state_settings : StateSettings or None, default=StateSettings()
        Automatic states after each audit (:func:`a11y.states.explore`); ``None`` or
        ``enabled=False``: none.

    Returns
    -------
    PageResult
        ``status="ok"`` with violations (axe's, then custom) and needs-review
        findings, or ``status="error"`` with the reason; ``settle`` says how waiting
        for the page went (``None`` when nothing was waited for). Findings from a state
        carry ``state``; ``states`` holds the exploration's cost.

    Raises
    ------
    BrowserCrashedError
        The browser died; the caller should replace the driver.
    """
    url = check_url(url)
    options = run_options(standard, best_practice)
    axe = axe or load_axe()
    options["rules"] = {rule: on for rule, on in options["rules"].items() if f'"{rule}"' in axe.source}  # older axe
    prepare_session(driver, url, cookies, headers)
    if driver not in _TIMEOUT_SET:  # one round trip per session, not per page
        driver.set_script_timeout(SCRIPT_TIMEOUT)
        _TIMEOUT_SET.add(driver)
    page = states.PageFindings()
    explore = state_settings is not None and state_settings.enabled
    cost = states.StateStats()
    walks: list[keyboard.KeyboardWalk] = []

    def audit_now(context: dict[str, Any] | None = None) -> tuple[list[Finding], list[Finding]]:
        violations, incomplete = findings_from_axe(run_axe(driver, axe, options, context))
        violations, incomplete = precision.drop_exempt(driver, violations), precision.drop_exempt(driver, incomplete)
        if custom_checks:
            violations += _custom_findings(driver)
        anchor_findings(driver, violations + incomplete)
        return violations, incomplete

    def audit_state(label: str | None) -> None:
        """The page as it is now, then its automatic states, then the checks that change it (viewport, keys)."""
        page.add(*audit_now(), label)
        if explore:
            assert state_settings is not None
            cost.add(states.explore(driver, audit_now, page, state_settings, within=label))
        changing = viewport.viewport_findings(driver, standard) if viewport_checks else []
        if keyboard_walk:  # last: it moves focus, scroll and the mouse
            walks.append(keyboard.keyboard_walk(driver))
            changing += walks[-1].findings
        anchor_findings(driver, changing)
        page.add(changing, [], label)

    settled: list[Settled] = []

    def settle_again(label: str) -> None:
        """After steps changed the page (a click, a navigation), let it settle before the next audit."""
        again = wait_for_page(driver, settle_options or settle.SettleOptions())
        if again.note:
            settled.append(Settled(settled=again.settled, scrolls=again.scrolls, note=f"{label}: {again.note}"))

    try:
        settled.append(open_page(driver, url, settle_options))  # load -> settle -> scroll
        run_steps(driver, steps, audit_state, url, settle_again if settle_options is None or
                  settle_options.enabled else None)
    except (PageLoadError, StepError) as exc:
        return PageResult(url=url, status="error", error=str(exc))
    except TimeoutException:
        _stop_loading(driver)
        return PageResult(url=url, status="error", error="axe did not finish within the script timeout")
    except JavascriptException as exc:
        return PageResult(url=url, status="error", error=_first_line(exc))
    if explore:
        log.info("%s: %d of %d controls opened in %.2f s", url, cost.opened, cost.controls, cost.seconds)
    waited = settle_options is None or settle_options.enabled
    notes = "; ".join(s.note for s in settled if s.note) or None
    summary = Settled(settled=all(s.settled for s in settled), scrolls=settled[0].scrolls, note=notes)
    return PageResult(url=url, violations=page.violations, incomplete=page.incomplete,
                      keyboard=walks[0].cost() if walks else None, settle=summary.to_dict() if waited else None,
                      states=cost.to_dict() if explore else None)


# --- links of a rendered page (the crawl) ------------------------------------------------------

# Every link of the rendered page, open shadow roots included, as the browser resolves it (<base> too).
_LINKS = """
const out = [];
const walk = (root) => {
  for (const a of root.querySelectorAll('a[href], area[href]')) if (typeof a.href === 'string') out.push(a.href);
  for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
};
walk(document);
return {href: location.href, links: out};
"""


def rendered_links(driver: WebDriver, url: str, *, settle_options: SettleOptions | None = None,
                   cookies: Sequence[tuple[str, str]] = (), headers: Sequence[tuple[str, str]] = ()
                   ) -> tuple[str, list[str]]:
    """Load and settle ``url`` (:func:`open_page`) and read the links of its rendered DOM.

    Returns
    -------
    tuple of (str, list of str)
        The page's final address (after redirects) and its ``<a href>`` / ``<area href>``
        targets, absolute, fragments removed, in document order (open shadow roots after
        the document), duplicates kept. Links a script rendered after ``load`` are there.

    Raises
    ------
    PageLoadError
        The page could not be loaded (network or HTTP error, not HTML).
    BrowserCrashedError
        The browser died.
    """
    prepare_session(driver, url, cookies, headers)
    open_page(driver, url, settle_options)
    state = _execute(driver, _LINKS)
    return urldefrag(state["href"])[0], [urldefrag(link)[0] for link in state["links"]]


def link_reader(driver: WebDriver, *, settle_options: SettleOptions | None = None,
                cookies: Sequence[tuple[str, str]] = (), headers: Sequence[tuple[str, str]] = ()
                ) -> Callable[[str], tuple[str, list[str]]]:
    """:func:`rendered_links` in ``driver`` as the ``read_page`` of :func:`a11y.crawl.crawl`.

    A page that could not be loaded raises ``ValueError`` (the crawl skips it); a dead
    browser raises :class:`BrowserCrashedError` (the crawl stops).
    """
    def read(url: str) -> tuple[str, list[str]]:
        try:
            return rendered_links(driver, url, settle_options=settle_options, cookies=cookies, headers=headers)
        except PageLoadError as exc:
            raise ValueError(f"{url}: {exc}") from None
    return read


# --- the pool ----------------------------------------------------------------------------------

Progress = Callable[[int, int, str], None]


def audit_urls(urls: Sequence[str], *, workers: int = 1, remote: str | None = None,
               standard: str = DEFAULT_STANDARD, best_practice: bool = True,
               cookies: Iterable[str | tuple[str, str]] = (), headers: Iterable[str | tuple[str, str]] = (),
               axe_script: str | Path | None = None, progress: Progress | None = None,
               page_load_timeout: float = 30, custom_checks: bool = True, viewport_checks: bool = True,
               keyboard_walk: bool = True,
               driver: WebDriver | None = None,
               driver_factory: Callable[[], WebDriver] | None = None,
               after_page: Callable[[WebDriver, PageResult], None] | None = None,
               stop: threading.Event | None = None,
               settle_options: SettleOptions | None = None, config: AuditConfig | None = None,
               auto_states: bool = True) -> list[PageResult]:
    """Audit many pages with ``workers`` reused browsers in parallel.

    Parameters
    ----------
    urls : sequence of str
        Pages, checked with :func:`a11y.crawl.check_url` before any browser starts.
    workers : int, default=1
        Browsers run in parallel (one thread each); never more than there are URLs.
    remote : str or None, default=None
        Remote WebDriver / Selenium Grid URL; ``None``: ``A11Y_REMOTE_URL``, else local Chromium.
    standard, best_practice, custom_checks, viewport_checks, keyboard_walk, settle_options
        As for :func:`audit_page`.
    cookies : iterable of str or (str, str), default=()
        ``"NAME=VALUE"`` strings (or pairs), set for each page's host before it loads.
    headers : iterable of str or (str, str), default=()
        ``"Name: value"`` strings (or pairs), sent with every request.
    axe_script : str, Path or None, default=None
        Another axe-core build (e.g. a newer release) instead of the packaged one.
    progress : callable (done, total, url) or None, default=None
        Called after each page, from the worker threads but never concurrently.
    page_load_timeout : float, default=30
        Seconds a page may take to load.
    driver : WebDriver or None, default=None
        A browser the caller owns, used by the first worker (the others get their
        own). It is never closed here; if it dies, that worker carries on with a new
        browser of its own.
    driver_factory : callable returning WebDriver, or None, default=None
        Makes each worker's browser (default: :func:`a11y.browser.make_driver`);
        the pool quits every browser it made.
    after_page : callable (driver, PageResult) or None, default=None
        Called by the worker right after each page that was audited (``status="ok"``),
        while its browser still shows that page (e.g. to take screenshots). It must
        not navigate away and should handle its own errors; an exception from it
        turns the page into an error entry.
    stop : threading.Event or None, default=None
        When set, workers take no further page (the pages under way finish), so a
        caller can cancel between pages.
    config : AuditConfig or None, default=None
        Scripted steps per URL and the automatic-state settings (:mod:`a11y.steps`).
    auto_states : bool, default=True
        Explore automatic states (:mod:`a11y.states`) as ``config`` says; ``False`` never.

    Returns
    -------
    list of PageResult
        One per URL audited, in input order (all of them unless ``stop`` was set).
    """
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    urls = list(urls)
    for url in urls:
        check_url(url)
    run_options(standard, best_practice)  # validates the standard before any browser starts
    cookie_pairs, header_pairs = _pairs(cookies, parse_cookie), _pairs(headers, parse_header)
    axe = load_axe(axe_script)
    config = config or AuditConfig()
    state_settings = config.states if auto_states else None
    factory = driver_factory or (lambda: make_driver(remote, page_load_timeout=page_load_timeout))
    results: list[PageResult | None] = [None] * len(urls)
    todo: queue.SimpleQueue[tuple[int, str]] = queue.SimpleQueue()
    for item in enumerate(urls):
        todo.put(item)
    lock, done = threading.Lock(), [0]

    def start() -> WebDriver:
        try:
            return _with_axe(factory(), axe)
        except (WebDriverException, RuntimeError):  # a browser started on a busy machine can be slow to answer
            return _with_axe(factory(), axe)

    def work(slot: int) -> None:
        current = driver if slot == 0 and driver is not None else start()
        try:
            while stop is None or not stop.is_set():
                try:
                    index, url = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    result = audit_page(current, url, standard=standard, best_practice=best_practice,
                                        cookies=cookie_pairs, headers=header_pairs, axe=axe,
                                        custom_checks=custom_checks, viewport_checks=viewport_checks,
                                        keyboard_walk=keyboard_walk, settle_options=settle_options,
                                        steps=config.steps_for(url), state_settings=state_settings)
                    results[index] = result
                    if after_page is not None and result.status == "ok":
                        after_page(current, result)
                except (BrowserCrashedError, WebDriverException) as exc:
                    # Whatever broke, the page could not be audited; replace the browser if it died.
                    reason = _first_line(exc)
                    if isinstance(exc, BrowserCrashedError) or not _alive(current):
                        reason = f"browser crashed on this page ({reason}); restarted"
                        if current is not driver:
                            _quit(current)
                        current = start()
                    results[index] = PageResult(url=url, status="error", error=reason)
                except Exception as exc:  # noqa: BLE001 - one page's surprise must not end the run
                    log.exception("auditing %s failed", url)
                    results[index] = PageResult(url=url, status="error",
                                                error=f"internal error: {type(exc).__name__}: {exc}")
                with lock:
                    done[0] += 1
                    if progress:
                        progress(done[0], len(urls), url)
        finally:
            if current is not driver:
                _quit(current)

    n = min(workers, len(urls))
    if n:
        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="a11y-browser") as pool:
            for future in [pool.submit(work, slot) for slot in range(n)]:
                future.result()
    return [r for r in results if r is not None]


def _with_axe(driver: WebDriver, axe: AxeScript) -> WebDriver:
    """``driver`` with axe preloaded; quit (and the error raised) when the new browser does not answer."""
    try:
        preload_axe(driver, axe)
    except WebDriverException:
        _quit(driver)
        raise
    return driver


def _alive(driver: WebDriver) -> bool:
    try:
        return driver.execute_script("return 1;") == 1
    except Exception:  # noqa: BLE001 - any failure means the session is unusable
        return False


def _quit(driver: WebDriver) -> None:
    try:
        driver.quit()
    except Exception:  # noqa: BLE001 - a dead browser may fail to quit; its profile is still removed
        log.debug("quitting a dead browser failed", exc_info=True)
