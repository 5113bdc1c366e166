"""Automatic states: open each closed disclosure, audit what appeared, close it again.

What counts as a closed disclosure (top document only, visible controls only, in document order):

- a control with ``aria-expanded="false"`` (a menu button, an accordion header): clicked;
- a ``<details>`` without ``open``: opened;
- an element that a style sheet shows more of on ``:hover`` or ``:focus-within`` (a navigation
  item whose submenu is ``display: none`` until hovered) and that holds hidden content: hovered
  with the pointer, then, if nothing appeared, focused through its first focusable descendant
  (``after hovering list item 'Services' (#nav-services)``, ``after focusing into ...``).

After opening, the page is given a moment to settle (no DOM change for :data:`QUIET_MS`, at most
:data:`SETTLE_MS`); the elements that became visible (or were added) are the state's region. axe
runs on that region only (its context ``include``), the checks beyond axe run on the whole tree and
keep only elements inside it, and :class:`PageFindings` drops every element already reported for
the page (same rule and fingerprint, :func:`a11y.findings.fingerprint`), so nothing is reported
twice. Each finding kept names its state, e.g. ``after opening button 'Products' (#nav-products)``.
The control is then closed (clicked again, Escape, ``open`` removed, pointer moved away).

Bounded per page by :class:`a11y.steps.StateSettings` (``max_controls``, ``max_seconds``);
:class:`StateStats` measures the cost. Nested disclosures (a control inside an opened state) and
menus opened by script on ``mouseenter`` without a ``:hover`` rule are not explored.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement

from a11y.findings import FIND_TARGET_JS, Finding
from a11y.steps import StateSettings

SETTLE_MS = 1000
"""Longest wait for an opened state to settle."""
QUIET_MS = 120
"""A state has settled after this long without a DOM change."""
MAX_ROOTS = 50
"""Most separate regions one state may show (more are cut: the page changed wholesale)."""

RegionAudit = Callable[[dict[str, Any]], tuple[list[Finding], list[Finding]]]
"""Runs axe with a context (``{"include": [elements]}``) plus the checks beyond axe; anchored findings."""

_SYM = "Symbol.for('a11y-audit.states')"

# Lists the closed disclosures of the top document: {element, kind, label, selector}.
_DISCOVER = """
const limit = arguments[0];
const visible = (el) => el.checkVisibility ? el.checkVisibility({visibilityProperty: true}) : !!el.offsetParent;
const clean = (s) => (s || '').replace(/\\s+/g, ' ').trim().slice(0, 60);
const css = (s) => CSS.escape(s);
const selectorOf = (el) => {
  const parts = [];
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
    if (n.id && document.querySelectorAll('#' + css(n.id)).length === 1) { parts.unshift('#' + css(n.id)); break; }
    const tag = n.localName;
    const same = n.parentElement ? Array.from(n.parentElement.children).filter((c) => c.localName === tag) : [n];
    parts.unshift(same.length > 1 ? `${tag}:nth-of-type(${same.indexOf(n) + 1})` : tag);
    if (tag === 'body' || tag === 'html') break;
  }
  return parts.join(' > ');
};
const nameOf = (el) => {
  const by = (el.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean)
    .map((id) => (document.getElementById(id) || {}).textContent || '').join(' ');
  return clean(by) || clean(el.getAttribute('aria-label')) || clean(el.textContent) || clean(el.getAttribute('title'));
};
const out = [];
const taken = new Set();
const push = (element, kind, what, name) => {
  if (out.length >= limit || taken.has(element)) return;
  taken.add(element);
  out.push({element, kind, label: `${what} '${name}' (${selectorOf(element)})`});
};
const ROLE_WORDS = {a: 'link', button: 'button', summary: 'summary'};
const candidates = [];
for (const el of document.querySelectorAll('[aria-expanded="false"]')) {
  if (visible(el) && !el.disabled && el.getAttribute('aria-disabled') !== 'true') candidates.push([el, 'expanded']);
}
for (const el of document.querySelectorAll('details:not([open])')) {
  if (visible(el)) candidates.push([el, 'details']);
}
// Elements a :hover or :focus-within rule shows more of: the selector up to that pseudo-class.
const hoverSelectors = new Set();
const readRules = (rules) => {
  for (const rule of rules) {
    if (rule.cssRules && !rule.selectorText) { try { readRules(rule.cssRules); } catch (e) {} continue; }
    for (const sel of (rule.selectorText || '').split(',')) {
      const m = sel.match(/^(.*?)(:hover|:focus-within)/);
      if (m && m[1].trim()) hoverSelectors.add(m[1].trim().replace(/[\\s>+~]+$/, ''));
    }
  }
};
for (const sheet of document.styleSheets) { try { readRules(sheet.cssRules); } catch (e) {} }
for (const sel of hoverSelectors) {
  let found;
  try { found = document.querySelectorAll(sel); } catch (e) { continue; }
  for (const el of found) {
    if (!visible(el) || el === document.body || el === document.documentElement) continue;
    const hidden = Array.from(el.querySelectorAll('*')).some((d) => !visible(d) && clean(d.textContent)
      && !d.closest('details:not([open])') && !(d.id && document.querySelector(`[aria-controls~="${css(d.id)}"]`)));
    if (hidden && !el.querySelector('[aria-expanded]')) candidates.push([el, 'hover']);
  }
}
candidates.sort((a, b) => (a[0].compareDocumentPosition(b[0]) & Node.DOCUMENT_POSITION_FOLLOWING) ? -1 : 1);
for (const [el, kind] of candidates) {
  const word = ROLE_WORDS[el.localName] || el.getAttribute('role') || el.localName;
  if (kind === 'expanded') push(el, kind, word, nameOf(el));
  else if (kind === 'details') push(el, kind, 'details', nameOf(el.querySelector('summary') || el));
  else {
    const first = el.querySelector('a, button, [tabindex]');
    push(el, kind, el.localName === 'li' ? 'list item' : el.localName,
         nameOf(first && visible(first) ? first : el));
  }
}
return out;
"""

# Remembers which elements are visible now (a WeakSet kept in the page).
_SNAPSHOT = f"""
const visible = (el) => el.checkVisibility ? el.checkVisibility({{visibilityProperty: true}}) : !!el.offsetParent;
const seen = new WeakSet();
for (const el of document.querySelectorAll('body *')) if (visible(el)) seen.add(el);
window[{_SYM}] = seen;
"""

# Waits for the DOM to be quiet, then answers the roots of what became visible since the snapshot.
_NEW_ROOTS = f"""
const [quietMs, capMs, maxRoots, done] = arguments;
const visible = (el) => el.checkVisibility ? el.checkVisibility({{visibilityProperty: true}}) : !!el.offsetParent;
let last = performance.now();
const start = last;
const observer = new MutationObserver(() => {{ last = performance.now(); }});
observer.observe(document, {{subtree: true, childList: true, attributes: true, characterData: true}});
const finish = () => {{
  observer.disconnect();
  const seen = window[{_SYM}] || new WeakSet();
  const roots = [];
  const fresh = new Set();
  for (const el of document.querySelectorAll('body *')) {{
    if (seen.has(el) || !visible(el)) continue;
    fresh.add(el);
    if (!fresh.has(el.parentElement) && ['script', 'style', 'template'].indexOf(el.localName) < 0) roots.push(el);
  }}
  done(roots.slice(0, maxRoots));
}};
const tick = () => {{
  const now = performance.now();
  if (now - last >= quietMs || now - start >= capMs) finish();
  else setTimeout(tick, 30);
}};
requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(tick, 30)));
"""

# Which targets (selectors, shadow levels joined by " >>> ") lie inside the given roots.
_INSIDE = FIND_TARGET_JS + """
const [targets, roots] = arguments;
const host = (n) => { const r = n.getRootNode(); return r && r.host ? r.host : null; };
return targets.map((t) => {
  for (let el = find(t); el; el = host(el)) if (roots.some((r) => r.contains(el))) return true;
  return false;
});
"""


@dataclass
class StateStats:
    """What exploring a page's states cost: controls found and opened, new elements, seconds."""

    controls: int = 0
    opened: int = 0
    new_nodes: int = 0
    seconds: float = 0.0
    """Time spent on states (logged, and measured by ``python -m bench states``; not in the report)."""
    cut: bool = False
    """True when ``max_controls`` or ``max_seconds`` stopped the exploration."""
    problems: list[str] = field(default_factory=list)
    """Controls that could not be opened or closed, one line each."""

    def add(self, other: StateStats) -> None:
        """Count another exploration of the same page (after a later ``audit`` step)."""
        self.controls += other.controls
        self.opened += other.opened
        self.new_nodes += other.new_nodes
        self.seconds += other.seconds
        self.cut = self.cut or other.cut
        self.problems += other.problems

    def to_dict(self) -> dict[str, Any]:
        """The report's page ``states`` block; ``seconds`` is left out so a report does not change with timing."""
        data = asdict(self)
        del data["seconds"]
        return data


class PageFindings:
    """A page's findings over all its states; an element already reported is never added again."""

    def __init__(self) -> None:
        self.violations: list[Finding] = []
        self.incomplete: list[Finding] = []
        self._seen: set[tuple[str, str, str]] = set()

    def add(self, violations: list[Finding], incomplete: list[Finding], state: str | None) -> int:
        """Add the elements not yet reported, each finding marked with ``state``; how many nodes were new."""
        added = 0
        earlier = set(self._seen)  # two alike elements in one state are two elements: compare with earlier states only
        for kind, found, into in (("v", violations, self.violations), ("i", incomplete, self.incomplete)):
            for finding in found:
                nodes = []
                for node in finding.nodes:
                    key = (kind, finding.rule, node.fingerprint)
                    if key not in earlier:
                        self._seen.add(key)
                        nodes.append(node)
                if nodes:
                    kept = copy.copy(finding)
                    kept.nodes, kept.state = nodes, state
                    into.append(kept)
                    added += len(nodes) if kind == "v" else 0
        return added


def _settle_new_roots(driver: WebDriver) -> list[WebElement]:
    return driver.execute_async_script(_NEW_ROOTS, QUIET_MS, SETTLE_MS, MAX_ROOTS) or []


def _move_pointer_away(driver: WebDriver) -> None:
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(0, 0)
    actions.perform()
    driver.execute_script("if (document.activeElement && document.activeElement !== document.body) "
                          "document.activeElement.blur();")


def _open(driver: WebDriver, control: dict[str, Any]) -> tuple[list[WebElement], str]:
    """Open one control: the roots of what appeared (empty: nothing did) and how (``"after opening"``...)."""
    element, kind = control["element"], control["kind"]
    driver.execute_script(_SNAPSHOT)
    if kind == "details":
        driver.execute_script("arguments[0].open = true;", element)
    elif kind == "hover":
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        ActionChains(driver).move_to_element(element).perform()
        roots = _settle_new_roots(driver)
        if roots:
            return roots, "after hovering"
        driver.execute_script("const f = arguments[0].querySelector('a[href], button, input, select, textarea, "
                              "[tabindex]'); if (f) f.focus();", element)
        return _settle_new_roots(driver), "after focusing into"
    else:
        try:
            element.click()
        except (ElementClickInterceptedException, ElementNotInteractableException):
            driver.execute_script("arguments[0].click();", element)
    return _settle_new_roots(driver), "after opening"


def _close(driver: WebDriver, control: dict[str, Any]) -> None:
    element, kind = control["element"], control["kind"]
    if kind == "details":
        driver.execute_script("arguments[0].open = false;", element)
    elif kind == "hover":
        _move_pointer_away(driver)
    elif element.get_attribute("aria-expanded") == "true":
        try:
            element.click()
        except (ElementClickInterceptedException, ElementNotInteractableException):
            driver.execute_script("arguments[0].click();", element)
    else:
        ActionChains(driver).send_keys(Keys.ESCAPE).perform()
    driver.execute_script(_SNAPSHOT)  # nothing to compare with any more; let the page settle
    _settle_new_roots(driver)


def _inside(driver: WebDriver, findings: list[Finding], roots: list[WebElement]) -> list[Finding]:
    """``findings`` with only the nodes inside ``roots`` (top document; nodes in frames are dropped)."""
    nodes = [(f, n) for f in findings for n in f.nodes if len(n.target) == 1]
    answers = driver.execute_script(_INSIDE, [n.target[0] for _, n in nodes], roots) if nodes else []
    keep = {id(n) for (_, n), inside in zip(nodes, answers) if inside}
    out = []
    for finding in findings:
        kept = [n for n in finding.nodes if id(n) in keep]
        if kept:
            finding = copy.copy(finding)
            finding.nodes = kept
            out.append(finding)
    return out


def _alive(driver: WebDriver) -> bool:
    try:
        return driver.execute_script("return 1;") == 1
    except Exception:  # noqa: BLE001 - any failure means the session is unusable
        return False


def explore(driver: WebDriver, audit_region: RegionAudit, page: PageFindings,
            settings: StateSettings, *, within: str | None = None) -> StateStats:
    """Open each closed disclosure of the loaded page in turn, audit what appeared, close it.

    Parameters
    ----------
    driver : WebDriver
        Shows the page, already audited (its findings in ``page``).
    audit_region : callable
        ``audit_region({"include": [elements]})`` runs axe on those elements and the
        checks beyond axe on the page; anchored findings (the engine's).
    page : PageFindings
        The page's findings so far; new elements are added with their state.
    settings : StateSettings
        ``max_controls`` and ``max_seconds`` bound the work.
    within : str or None
        The scripted state the page is in (an ``audit`` step's label), prefixed to each state.

    Returns
    -------
    StateStats
    """
    stats = StateStats()
    start = time.monotonic()
    if not settings.enabled or settings.max_controls == 0:
        return stats
    url = driver.current_url.split("#")[0]
    controls = driver.execute_script(_DISCOVER, settings.max_controls + 1) or []
    stats.controls = min(len(controls), settings.max_controls)
    stats.cut = len(controls) > settings.max_controls
    for control in controls[:settings.max_controls]:
        if time.monotonic() - start > settings.max_seconds:
            stats.cut = True
            break
        try:
            roots, how = _open(driver, control)
            label = f"{within}, {how} {control['label']}" if within else f"{how} {control['label']}"
            if driver.current_url.split("#")[0] != url:
                stats.problems.append(f"{control['label']} went to another page; states stopped there")
                driver.back()
                break
            if roots:
                stats.opened += 1
                violations, incomplete = audit_region({"include": roots})
                stats.new_nodes += page.add(_inside(driver, violations, roots), _inside(driver, incomplete, roots),
                                            label)
            _close(driver, control)
        except StaleElementReferenceException:
            stats.problems.append(f"{control['label']}: it left the page")
        except WebDriverException as exc:  # a control that would not open or close must not end the page's audit
            if not _alive(driver):
                raise
            text = (getattr(exc, "msg", "") or str(exc)).strip()
            stats.problems.append(f"{control['label']}: {text.splitlines()[0] if text else type(exc).__name__}")
    stats.seconds = time.monotonic() - start
    return stats
