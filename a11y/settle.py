"""Pages that settle: wait until a page is quiet, scroll it through, then let it be audited.

A single-page app that fetches its data after ``load`` shows "Loading…" when the load
event fires; auditing it then misses everything it renders later. Before an audit the
engine (:func:`a11y.engine.open_page`) calls :func:`settle_page`:

1. ``--wait MS``: a fixed pause first (pa11y's ``wait``), outside the cap;
2. ``--wait-for SELECTOR``: wait until an element matches (within the cap);
3. **quiet**: wait until no fetch/XHR request, no dynamically added script and no short
   timer (``setTimeout`` of at most :data:`SHORT_TIMER_MS`, not set from inside another
   timer, so polling loops do not count) is pending in the page or its same-origin
   frames, and the DOM has not changed for ``quiet_ms`` (a ``MutationObserver``). A page
   without any script that runs (JSON-LD does not) skips the quiet window: nothing in it
   can change the DOM;
4. **scroll**: when something in the page reacts to scrolling (an ``IntersectionObserver``,
   a scroll listener, an ``onscroll`` handler or a lazy iframe), scroll down one viewport
   at a time; after each step that set something off (a request, a timer, a DOM change),
   wait for quiet again; at most ``max_scrolls`` steps, so an infinite scroll ends; then
   back to the top, quiet once more.

Steps 2 and 3 share the cap (``cap_ms``, 10 s by default); scrolling has a cap of the same
length of its own, so the worst case is ``wait_ms`` + 2 × ``cap_ms``. A page that is still
busy at the cap is audited as it is then, and its result says so (:attr:`Settled.note`,
the page's ``settle`` block in the JSON report); a page that never settled is scrolled
without waiting.

The counters come from :data:`INSTRUMENT`, a small script Chromium runs in every new
document before the page's own scripts (CDP ``Page.addScriptToEvaluateOnNewDocument``,
once per session, :func:`instrument`). It patches ``fetch``, ``XMLHttpRequest.send``,
``setTimeout``/``clearTimeout``, ``IntersectionObserver`` and ``addEventListener`` to count,
never to change what they do. A session without CDP gets the script after the load
instead: requests already under way then go unseen.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from selenium.webdriver.remote.webdriver import WebDriver

from a11y.browser import CdpUnavailableError, cdp

QUIET_MS = 500
"""Default quiet window: no pending request or short timer and no DOM change for this long."""
CAP_MS = 10_000
"""Default cap on the whole wait (wait-for, quiet, scrolling); the page is audited then, busy or not."""
MAX_SCROLLS = 20
"""Default most viewport steps down a page (an infinite scroll stops there)."""
MAX_CAP_MS = 60_000
"""Largest cap accepted (axe's own script timeout is 120 s)."""
MAX_WAIT_MS = 30_000
"""Largest fixed ``--wait`` accepted (with the largest cap, still well inside axe's 120 s script timeout)."""
SHORT_TIMER_MS = 2_000
"""A pending ``setTimeout`` of at most this many ms counts as work under way."""

_KEY = "a11y-audit.settle"

INSTRUMENT = """
(() => {
  const KEY = Symbol.for('__KEY__');
  if (window[KEY]) {  // a window kept from an empty frame document: watch its new document too
    if (window[KEY].doc !== document) window[KEY].watch(document);
    return;
  }
  const now = () => performance.now();
  const s = {pending: 0, timers: 0, last: now(), io: 0, scrollers: 0, inTimer: 0,
             setTimeout: window.setTimeout.bind(window), clearTimeout: window.clearTimeout.bind(window)};
  Object.defineProperty(window, KEY, {value: s});
  const touch = () => { s.last = now(); };
  const track = () => {
    s.pending++; touch();
    let open = true;
    return () => { if (open) { open = false; s.pending--; touch(); } };
  };
  if (typeof window.fetch === 'function') {
    const fetch = window.fetch;
    window.fetch = function (...args) {
      const end = track();
      try {
        const answer = fetch.apply(window, args);
        answer.then(end, end);
        return answer;
      } catch (e) { end(); throw e; }
    };
  }
  if (window.XMLHttpRequest) {
    const send = XMLHttpRequest.prototype.send;
    XMLHttpRequest.prototype.send = function (...args) {
      const end = track();
      this.addEventListener('loadend', end);
      try { return send.apply(this, args); } catch (e) { end(); throw e; }
    };
  }
  const timers = new Map();
  window.setTimeout = function (callback, delay, ...rest) {
    const ms = Number(delay) || 0;
    if (typeof callback !== 'function' || s.inTimer || ms > __SHORT__) return s.setTimeout(callback, delay, ...rest);
    let id = 0;
    const run = function () {
      if (timers.delete(id)) s.timers--;
      s.inTimer++;
      try { return callback.apply(this, rest); } finally { s.inTimer--; }
    };
    id = s.setTimeout(run, delay);
    timers.set(id, true);
    s.timers++;
    return id;
  };
  window.clearTimeout = function (id) {
    if (timers.delete(id)) s.timers--;
    return s.clearTimeout(id);
  };
  if (window.IntersectionObserver) {
    const IO = window.IntersectionObserver;
    const observe = IO.prototype.observe;
    IO.prototype.observe = function (...args) { s.io++; return observe.apply(this, args); };
  }
  const listen = EventTarget.prototype.addEventListener;
  EventTarget.prototype.addEventListener = function (type, ...rest) {
    if (type === 'scroll' || type === 'wheel') s.scrollers++;
    return listen.call(this, type, ...rest);
  };
  const scriptLoaded = (el) => {
    if (el.localName !== 'script' || !el.src || el.ownerDocument.readyState === 'loading') return;
    const end = track();
    el.addEventListener('load', end);
    el.addEventListener('error', end);
    s.setTimeout(end, 15000);
  };
  s.watch = (doc) => {
    s.doc = doc;
    touch();
    new MutationObserver((records) => {
      touch();
      for (const r of records) for (const n of r.addedNodes) if (n.nodeType === 1) scriptLoaded(n);
    }).observe(doc, {subtree: true, childList: true, attributes: true, characterData: true});
  };
  s.watch(document);
})();
""".replace("__KEY__", _KEY).replace("__SHORT__", str(SHORT_TIMER_MS))
"""Counts requests, short timers, scroll reactions and DOM changes; runs before the page's own scripts."""

# One async script: optional fixed wait, wait-for, quiet, scroll, back to top, quiet.
# Its own pauses use the page's original setTimeout, so they never count as the page's timers.
_SETTLE = """
const [opts, done] = arguments;
const KEY = Symbol.for('__KEY__');
let s = window[KEY];
const late = !s;
if (late) { __INSTRUMENT__; s = window[KEY]; }
const sleep = (ms) => new Promise((r) => s.setTimeout(r, ms));
// Two rendering updates and a task: IntersectionObserver callbacks of a scroll have run by then.
const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => s.setTimeout(r, 0))));
const step = () => Promise.race([frame(), sleep(150)]);
const frames = () => {
  const out = [s];
  for (let i = 0; i < window.frames.length; i++) {
    try {
      const w = window.frames[i], f = w[KEY];
      if (!f) continue;
      // Chromium does not rerun the counters when a frame's first (empty) document gives way to a
      // same-origin page in the same window: watch the new document from here.
      if (f.doc !== w.document) f.watch(w.document);
      out.push(f);
    } catch (e) { /* cross-origin */ }
  }
  return out;
};
const busy = () => {
  let pending = 0, timers = 0, last = 0;
  for (const f of frames()) { pending += f.pending; timers += f.timers; last = Math.max(last, f.last); }
  return {pending, timers, last};
};
// Scripts that run (JSON-LD and templates do not): a page without any needs no quiet window.
const RUNS = /^$|^module$|^(text|application)[/](x-)?(java|ecma)script$/i;
const scripted = () => Array.prototype.some.call(document.scripts, (el) => RUNS.test(el.type.trim()));
const quietNow = () => {
  const b = busy();
  if (b.pending || b.timers) return false;
  return !scripted() || performance.now() - b.last >= opts.quietMs;
};
const out = {settled: true, waitedFor: null, scrolls: 0, grew: false, scrollCapped: false, pending: 0, timers: 0,
             changing: false, late: late, badSelector: null};
(async () => {
  if (opts.waitMs > 0) await sleep(opts.waitMs);
  // Waits until quiet or until `deadline`; false (and what was still busy) at the deadline.
  const quiet = async (deadline) => {
    while (!quietNow()) {
      if (performance.now() >= deadline) return false;
      await sleep(Math.max(1, Math.min(50, deadline - performance.now())));
    }
    return true;
  };
  const deadline = performance.now() + opts.capMs;
  if (opts.waitFor) {
    let found = false;
    for (;;) {
      try { found = !!document.querySelector(opts.waitFor); } catch (e) {
        out.badSelector = String(e.message || e);
        done(out);
        return;
      }
      if (found || performance.now() >= deadline) break;
      await sleep(50);
    }
    out.waitedFor = found;
  }
  if (!(await quiet(deadline))) {
    const b = busy();
    Object.assign(out, {settled: false, pending: b.pending, timers: b.timers,
                        changing: performance.now() - b.last < opts.quietMs});
  }
  const root = document.scrollingElement || document.documentElement;
  const reacts = s.io > 0 || s.scrollers > 0 || !!(window.onscroll || document.onscroll ||
                 (document.body && document.body.onscroll)) || !!document.querySelector('iframe[loading="lazy" i]');
  if (reacts && opts.maxScrolls > 0 && root) {
    // Scrolling has a cap of its own; a page that never settled is scrolled without waiting.
    const scrollDeadline = out.settled ? performance.now() + opts.capMs : 0;
    let triggered = false;
    for (let round = 0; round < opts.maxScrolls + 3; round++) {  // a page that blocks scrolling ends too
      const y = root.scrollTop;
      if (out.scrolls >= opts.maxScrolls) {  // the limit: more below, or the last step loaded more
        out.grew = triggered || y + window.innerHeight < root.scrollHeight - 1;
        break;
      }
      const mark = busy().last;
      window.scrollTo({left: 0, top: y + window.innerHeight, behavior: 'instant'});
      await step();
      const moved = root.scrollTop !== y;
      if (moved) out.scrolls++;
      const b = busy();
      triggered = b.last !== mark || b.pending > 0 || b.timers > 0;
      if (triggered && out.settled && !(await quiet(scrollDeadline))) { out.scrollCapped = true; break; }
      if (!moved && !triggered) break;
      if (!moved && !out.settled) break;
    }
    window.scrollTo({left: 0, top: 0, behavior: 'instant'});
    await step();
    if (out.settled && !out.scrollCapped) await quiet(scrollDeadline);
  }
  done(out);
})().catch((e) => { out.error = String(e && e.stack || e); done(out); });
""".replace("__KEY__", _KEY).replace("__INSTRUMENT__", INSTRUMENT.strip().rstrip(";"))

_INSTRUMENTED: weakref.WeakSet[WebDriver] = weakref.WeakSet()
"""Sessions that already run :data:`INSTRUMENT` in every new document."""


@dataclass(frozen=True)
class SettleOptions:
    """How long to wait for a page before auditing it; build it with :func:`make_options`.

    ``cap_ms=0`` turns settling and scrolling off (the page is audited right after ``load``,
    as before); ``max_scrolls=0`` keeps the quiet wait but never scrolls.
    """

    quiet_ms: int = QUIET_MS
    cap_ms: int = CAP_MS
    max_scrolls: int = MAX_SCROLLS
    wait_ms: int = 0
    wait_for: str | None = None

    @property
    def enabled(self) -> bool:
        """Whether anything is waited for at all."""
        return self.cap_ms > 0 or self.wait_ms > 0


NO_SETTLE = SettleOptions(cap_ms=0, max_scrolls=0)
"""Audit right after ``load``: the behaviour before pages were settled."""


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
    return value


def make_options(*, quiet_ms: int = QUIET_MS, cap_ms: int = CAP_MS, max_scrolls: int = MAX_SCROLLS,
                 wait_ms: int = 0, wait_for: str | None = None) -> SettleOptions:
    """Validated :class:`SettleOptions`.

    Raises
    ------
    ValueError
        Naming the option: ``quiet_ms`` 0..10000, ``cap_ms`` 0..60000, ``max_scrolls`` 0..200,
        ``wait_ms`` 0..30000, ``wait_for`` one line of at most 500 characters (its CSS is
        checked in the page: a selector the browser refuses makes that page an error entry).
    """
    quiet_ms = _whole("quiet window (ms)", quiet_ms, 0, 10_000)
    cap_ms = _whole("settle cap (ms)", cap_ms, 0, MAX_CAP_MS)
    max_scrolls = _whole("most scroll steps", max_scrolls, 0, 200)
    wait_ms = _whole("wait (ms)", wait_ms, 0, MAX_WAIT_MS)
    if wait_for is not None:
        wait_for = wait_for.strip()
        if not wait_for:
            wait_for = None
        elif len(wait_for) > 500 or any(c in wait_for for c in "\r\n\x00"):
            raise ValueError(f"wait-for selector must be one CSS selector on one line (at most 500 characters), "
                             f"got {wait_for[:60]!r}")
    return SettleOptions(quiet_ms=quiet_ms, cap_ms=cap_ms, max_scrolls=max_scrolls, wait_ms=wait_ms,
                         wait_for=wait_for)


@dataclass(frozen=True)
class Settled:
    """What waiting for a page gave: whether it went quiet, how far it was scrolled, and a note when not.

    ``to_dict()`` is the page's ``settle`` block in the JSON report (docs/architecture.md,
    Contracts): ``{"settled": bool, "scrolls": int, "note": str | null}``.
    """

    settled: bool = True
    scrolls: int = 0
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"settled": self.settled, "scrolls": self.scrolls, "note": self.note}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settled:
        return cls(settled=bool(data.get("settled", True)), scrolls=int(data.get("scrolls", 0)),
                   note=data.get("note"))


class BadSelectorError(ValueError):
    """The ``wait_for`` selector is not CSS the browser accepts."""


def instrument(driver: WebDriver) -> bool:
    """Have the session run :data:`INSTRUMENT` in every new document, before page scripts (once per session).

    Returns ``False`` when the session has no CDP (then :func:`settle_page` installs the
    counters after the load, and requests already under way go unseen).
    """
    if driver in _INSTRUMENTED:
        return True
    try:
        cdp(driver, "Page.addScriptToEvaluateOnNewDocument", {"source": INSTRUMENT})
    except CdpUnavailableError:
        return False
    _INSTRUMENTED.add(driver)
    return True


def _seconds(ms: int) -> str:
    return f"{ms / 1000:g} s"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def describe(raw: dict[str, Any], options: SettleOptions) -> Settled:
    """Turn the page script's answer into a :class:`Settled` with its note (pure; see the tests)."""
    notes = []
    if options.wait_for and raw.get("waitedFor") is False:
        notes.append(f"{options.wait_for!r} did not appear within {_seconds(options.cap_ms)}")
    if not raw.get("settled", True):
        busy = []
        if raw.get("pending"):
            busy.append(_plural(int(raw["pending"]), "request") + " pending")
        if raw.get("timers"):
            busy.append(_plural(int(raw["timers"]), "timer") + " pending")
        if raw.get("changing"):
            busy.append(f"the page changed less than {_seconds(options.quiet_ms)} before")
        notes.append(f"the page did not settle within {_seconds(options.cap_ms)}"
                     + (f" ({', '.join(busy)})" if busy else "") + "; audited as it was then")
    if raw.get("scrollCapped"):
        notes.append(f"scrolling stopped after {_plural(int(raw.get('scrolls', 0)), 'viewport')}: the page was "
                     f"still loading after {_seconds(options.cap_ms)}; what lies further down may be missing")
    elif raw.get("grew"):
        notes.append(f"scrolled {_plural(int(raw.get('scrolls', 0)), 'viewport')} (the most allowed) and the "
                     "page went on; what lies further down was not loaded")
    if raw.get("error"):
        notes.append(f"waiting for the page failed: {str(raw['error']).splitlines()[0]}")
    return Settled(settled=bool(raw.get("settled", True)) and raw.get("waitedFor") is not False,
                   scrolls=int(raw.get("scrolls", 0)), note="; ".join(notes) or None)


def settle_page(driver: WebDriver, options: SettleOptions,
                execute: Callable[..., Any] | None = None) -> Settled:
    """Wait until the loaded page is quiet, scroll it through, scroll back; see the module docstring.

    The session's script timeout must exceed ``wait_ms + cap_ms`` (the engine's is 120 s).
    ``execute`` runs an async script (default ``driver.execute_async_script``; the engine
    passes its own, which dismisses a stray alert and names a dead browser).

    Raises
    ------
    BadSelectorError
        When the browser refuses ``options.wait_for`` as CSS.
    selenium.common.exceptions.WebDriverException
        As any script the page runs (e.g. the browser died).
    """
    if not options.enabled:
        return Settled()
    driver.switch_to.default_content()
    run = execute or driver.execute_async_script
    raw = run(_SETTLE, {
        "quietMs": options.quiet_ms, "capMs": options.cap_ms, "maxScrolls": options.max_scrolls,
        "waitMs": options.wait_ms, "waitFor": options.wait_for})
    if raw.get("badSelector"):
        raise BadSelectorError(f"wait-for selector {options.wait_for!r} is not valid CSS: "
                               f"{raw['badSelector']}")
    return describe(raw, options)


