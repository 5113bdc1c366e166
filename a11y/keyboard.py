"""The keyboard walk: Tab through a loaded page with real key events, and back with Shift+Tab.

:func:`keyboard_walk` runs in a page that is already loaded and audited (it changes focus,
scroll position and may open menus, so it runs after axe and the accessibility-tree checks,
and scrolls back to the top when done). It reports, as :class:`~a11y.findings.Finding` with
``source="keyboard"``:

- ``kbd-trap`` (WCAG 2.1.2, ACT rules 80af7b / a1b64e): focus stops moving, or cycles without
  the rest of the page. A loop inside an open modal dialog is not a trap when Escape takes focus
  out of it or the dialog (``aria-modal="true"`` or ``showModal()``) has a button to close it;
- ``kbd-focus-not-visible`` (2.4.7, ACT oj04fd): the focused element looks the same as unfocused.
  Computed outline, border, box-shadow, background, colour, text-decoration, opacity and
  transform of the element, its parent, its first descendants and its ``::before``/``::after``
  are compared with and without focus; an element where none of them changes is then compared
  pixel by pixel (a CDP screenshot of its box and 6 px around it, focused by a real Tab and
  blurred) and reported only when the two images are identical;
- ``kbd-unreachable`` (2.1.1): elements that act on a click (an ARIA widget role, or
  ``cursor: pointer`` with an ``onclick`` handler or a click listener that CDP
  ``DOMDebugger.getEventListeners`` reports) that never receive focus, and have no focused
  element inside or around them;
- ``kbd-hover-only`` (1.4.13, 2.1.1): content that a real mouse hover shows (a CSS ``:hover``
  rule, or a ``mouseenter``/``mouseover`` listener) but keyboard focus on its trigger does not
  (focus, then Tab into it, then Enter on a button or an ``aria-haspopup``/``aria-expanded`` control);
- ``kbd-focus-order`` (2.4.3): a positive ``tabindex`` that sends focus backwards against the
  reading order by more than half a screen (e.g. to the footer first). Only jumps involving a
  positive ``tabindex`` count: layout-driven orders are left alone.

The walk is bounded: at most ``2 × focusable elements + 20`` presses each way and
``max_seconds`` in all; :class:`KeyboardWalk` says what it cost. Key presses are the cost (each
one a focus change, a scroll and a frame in the browser), so the first WebDriver call sends the
Tabs the page should need, and a page where no script listens to keys or focus gets a short
Shift+Tab check (its backward order can only be the forward one reversed) instead of a whole pass.
"""

from __future__ import annotations

import base64
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from a11y.browser import CdpUnavailableError, cdp
from a11y.findings import UNDERSTANDING, Finding, Node, Rule, fingerprint

log = logging.getLogger(__name__)

_UNDERSTANDING = UNDERSTANDING
MAX_SECONDS = 20.0
"""Default time cap of one page's walk (both directions and the follow-up checks)."""
BATCH = 8
"""Key presses sent in one WebDriver call after the first (which covers the whole page, at least ``BATCH``)."""
SPOT_CHECK = BATCH
"""Shift+Tab presses that check the backward order on a page no script can change it on."""
KEY_EVENTS = frozenset(("keydown", "keyup", "keypress", "focus", "blur", "focusin", "focusout"))
"""Listeners that may change where Tab and Shift+Tab take focus (a page without any gets the short backward pass)."""
MAX_SUSPECTS = 10
"""Elements whose focus style did not change that get the pixel comparison (the rest are left out)."""
MAX_HOVER = 15
"""Hover triggers tried per page."""
MAX_LISTENERS = 100
"""Elements with click or hover listeners looked at per page (two CDP round trips each)."""


RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("kbd-trap", "critical", ("keyboard", "cat.keyboard", "wcag2a", "wcag212"),
                 "Keyboard focus must be able to leave every part of the page with Tab and Shift+Tab",
                 _UNDERSTANDING + "no-keyboard-trap.html", True),
    Rule("kbd-unreachable", "serious", ("keyboard", "cat.keyboard", "wcag2a", "wcag211"),
                 "Controls that act on a click must be reachable with the keyboard (Tab)",
                 _UNDERSTANDING + "keyboard.html", True),
    Rule("kbd-hover-only", "serious", ("keyboard", "cat.keyboard", "wcag2a", "wcag211", "wcag21aa",
                                               "wcag1413"),
                 "Content shown on mouse hover must also be shown when its trigger has keyboard focus",
                 _UNDERSTANDING + "content-on-hover-or-focus.html", True),
    Rule("kbd-focus-order", "moderate", ("keyboard", "cat.keyboard", "wcag2a", "wcag243"),
                 "Focus order must follow the reading order (no positive tabindex jumping around the page)",
                 _UNDERSTANDING + "focus-order.html", True),
    Rule("kbd-focus-not-visible", "serious", ("keyboard", "cat.keyboard", "wcag2aa", "wcag247"),
                 "The element with keyboard focus must look different from when it is not focused",
                 _UNDERSTANDING + "focus-visible.html", False),
)}


@dataclass
class KeyboardWalk:
    """What one page's walk found and cost."""

    findings: list[Finding] = field(default_factory=list)
    focusable: int = 0       # elements the page offers to sequential navigation (estimate, top document)
    stops: int = 0           # distinct elements focus reached going forward
    presses: int = 0         # Tab and Shift+Tab presses sent
    seconds: float = 0.0
    ended: str = "complete"  # "complete", "trap", "presses" (press cap), "time" (time cap), "error"

    def cost(self) -> dict[str, Any]:
        """The page's ``"keyboard"`` entry of the report."""
        return {"focusable": self.focusable, "stops": self.stops, "presses": self.presses,
                "seconds": round(self.seconds, 2), "ended": self.ended}


# --- in-page JavaScript ------------------------------------------------------------------------
# One object, window.__a11yKbd, holds the element registry and the event log of the walk.

_SETUP = r"""
const K = window.__a11yKbd = {els: [], ids: new Map(), log: [], snap: new Map(), marks: new Map(), styles: true};
K.id = (el) => { if (!K.ids.has(el)) { K.ids.set(el, K.els.length); K.els.push(el); } return K.ids.get(el); };
K.up = (n) => n.parentElement || (n.parentNode && n.parentNode.host) || null;
K.deepActive = () => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a;
};
K.visible = (el) => {
  if (!el.isConnected) return false;
  if (el.checkVisibility && !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
};
const PROPS = ['outline-style', 'outline-width', 'outline-color', 'outline-offset', 'border-top-color',
  'border-right-color', 'border-bottom-color', 'border-left-color', 'border-top-width', 'border-bottom-width',
  'border-left-width',
  'border-right-width', 'border-top-style', 'box-shadow', 'background-color', 'background-image', 'color',
  'text-decoration-line', 'text-decoration-color', 'text-decoration-thickness', 'opacity', 'transform', 'filter',
  'font-weight', 'visibility', 'display', 'position', 'left', 'top', 'clip', 'clip-path', 'z-index'];
K.sig1 = (el, pseudo) => {
  const s = getComputedStyle(el, pseudo || null);
  const skip = (p) => (p.startsWith('outline-') && p !== 'outline-style' && s.outlineStyle === 'none')
    || (p.startsWith('text-decoration-') && p !== 'text-decoration-line' && s.textDecorationLine === 'none');
  return PROPS.map((p) => (skip(p) ? '' : s.getPropertyValue(p))).join('|') + (pseudo ? s.content : '');
};
K.sig = (el) => {
  const parts = [K.sig1(el), K.sig1(el, '::before'), K.sig1(el, '::after')];
  const p = K.up(el);
  if (p && p.nodeType === 1) parts.push(K.sig1(p));
  let n = 0;
  for (const d of el.querySelectorAll('*')) { if (n++ >= 8) break; parts.push(K.sig1(d)); }
  if (el.nextElementSibling) parts.push(K.sig1(el.nextElementSibling));
  if (el.previousElementSibling) parts.push(K.sig1(el.previousElementSibling));
  if (el.labels) for (const l of el.labels) parts.push(K.sig1(l));
  return parts.join('#');
};
K.settle = () => {
  for (const a of document.getAnimations()) { try { if (a instanceof CSSTransition) a.finish(); } catch (e) {} }
};
const FOCUSABLE = 'a[href], area[href], button, input, select, textarea, iframe, summary, [tabindex], '
  + '[contenteditable=""], [contenteditable="true"], audio[controls], video[controls]';
K.focusables = [];
const collect = (root) => {
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) collect(el.shadowRoot);
    if (!el.matches(FOCUSABLE) || el.tabIndex < 0 || el.disabled || el.closest('[inert]')) continue;
    if (el.type === 'hidden' || !K.visible(el)) continue;
    K.focusables.push(el);
  }
};
collect(document);
for (const el of K.focusables) K.snap.set(el, K.sig(el));
const out = (e) => { if (!e.relatedTarget) K.log.push(['out']); };
K.onKey = (e) => { if (e.key === 'Tab') K.log.push(['key', e.shiftKey ? 1 : 0]); };
K.onFocus = (e) => {
  let el = e.composedPath()[0];
  if (!(el instanceof Element) || el.hasAttribute('data-a11y-kbd')) return;
  const before = K.styles ? K.snap.get(el) : undefined;  // the Shift+Tab pass only needs the order
  if (before !== undefined) { getComputedStyle(el).outlineStyle; K.settle(); }
  K.log.push(['focus', K.id(el), before === undefined ? null : before === K.sig(el)]);
};
addEventListener('keydown', K.onKey, true);
addEventListener('focusin', K.onFocus, true);
addEventListener('focusout', out, true);
K.stop = () => {
  removeEventListener('keydown', K.onKey, true);
  removeEventListener('focusin', K.onFocus, true);
  removeEventListener('focusout', out, true);
};
K.start = () => {
  // Focus a sentinel after everything: the next Tab leaves the page, the one after enters it at its start.
  const s = document.createElement('span'); s.tabIndex = 0; s.setAttribute('data-a11y-kbd', '');
  s.style.cssText = 'position:absolute;left:0;top:0;width:1px;height:1px;overflow:hidden;';
  document.body.append(s); s.focus(); K.sentinel = s;
  return document.activeElement === s;
};
let pos = 0;
for (const el of K.focusables) if (el.tabIndex > 0) pos++;
// Tab stops to expect: date and time inputs have one per field (and one for the picker; Chromium, en-US).
const INNER = {date: 3, time: 3, 'datetime-local': 6, month: 2, week: 2};
// A group of radio buttons is one stop.
const groups = new Set();
let stops = 0;
for (const el of K.focusables) {
  if (el.localName !== 'input') { stops++; continue; }
  if (el.type === 'radio' && el.name) {
    const group = (el.form ? K.id(el.form) : -1) + '/' + el.name;
    if (groups.has(group)) continue;
    groups.add(group);
  }
  stops += 1 + (INNER[el.type] || 0);
}
// Frames whose listeners CDP may not list (it lists this document's): all but same-origin frames without a
// script, an on* attribute or a frame inside, in a page without a script (that could listen to their windows).
const scriptless = (d) => !!d && !d.querySelector('script, iframe, frame, object, embed')
  && !Array.from(d.querySelectorAll('*')).some((el) => el.getAttributeNames().some((a) => a.startsWith('on')));
const plain = (f) => { try { return f.localName.endsWith('frame') && scriptless(f.contentDocument); }
  catch (e) { return false; } };
const frames = Array.from(document.querySelectorAll('iframe, frame, object, embed'));
const opaque = frames.length && !document.querySelector('script') ? frames.filter((f) => !plain(f)).length
  : frames.length;
K.start();  // an inert page (a modal <dialog>) refuses the start point: then the walk starts where focus is
return [K.focusables.length, pos, stops, opaque];
"""

_DRAIN = r"""
const K = window.__a11yKbd;
if (K.sentinel) { K.sentinel.remove(); K.sentinel = null; }
const log = K.log; K.log = [];
const a = K.deepActive();
return [log, a && a !== document.body && a !== document.documentElement ? K.id(a) : null, document.hasFocus()];
"""

_DESCRIBE = r"""
const K = window.__a11yKbd;
const clean = (t) => (t || '').replace(/\s+/g, ' ').trim();
const sel = (el) => {
  const root = el.getRootNode();
  const own = (e) => {
    if (e.id && root.querySelectorAll('#' + CSS.escape(e.id)).length === 1) return '#' + CSS.escape(e.id);
    const p = e.parentElement;
    if (!p) return e.localName;
    const same = Array.from(p.children).filter((c) => c.localName === e.localName);
    const me = same.length > 1 ? e.localName + ':nth-of-type(' + (same.indexOf(e) + 1) + ')' : e.localName;
    return (e.parentElement === root.documentElement ? 'html > ' : own(p) + ' > ') + me;
  };
  let s = own(el).replace(/^html > html > /, 'html > ');
  if (root.host) s = sel(root.host) + ' >>> ' + s;
  return s;
};
const name = (el) => clean(el.getAttribute('aria-label'))
  || clean(el.labels && el.labels[0] && el.labels[0].textContent)
  || clean(el.getAttribute('alt')) || clean(el.getAttribute('title')) || clean(el.textContent).slice(0, 60)
  || clean(el.getAttribute('placeholder')) || clean(el.value);
const html = (el) => {
  const h = el.outerHTML;
  return h.length <= 250 ? h : h.slice(0, h.indexOf('>') + 1).slice(0, 250);
};
return arguments[0].map((i) => {
  const el = K.els[i];
  if (!el || !el.isConnected) return null;
  const r = el.getBoundingClientRect();
  const dialog = el.closest('dialog, [role="dialog"], [role="alertdialog"]');
  return {index: i, target: sel(el), html: html(el), name: name(el), tag: el.localName,
          role: el.getAttribute('role') || '', tabindex: el.getAttribute('tabindex'),
          top: r.top + scrollY, left: r.left + scrollX, height: r.height, width: r.width,
          dialog: dialog ? K.id(dialog) : null,
          dialog_label: dialog ? (dialog.id ? '#' + dialog.id : name(dialog).slice(0, 40)) : '',
          modal: !!dialog && (dialog.getAttribute('aria-modal') === 'true' || dialog.matches(':modal')),
          dialog_buttons: dialog ? dialog.querySelectorAll(
            'button, [role="button"], input[type="button"], input[type="submit"]').length : 0};
});
"""

_CONTAINER = r"""
// The nearest element around all of them that a developer can name: an id, a dialog, a landmark.
const K = window.__a11yKbd; const els = arguments[0].map((i) => K.els[i]).filter(Boolean);
for (let n = els[0] && els[0].parentElement; n && n !== document.body; n = n.parentElement) {
  if (!els.every((e) => n.contains(e))) continue;
  const role = n.getAttribute('role') || ({dialog: 'dialog', form: 'form', nav: 'navigation'})[n.localName] || '';
  if (n.id) return '#' + n.id + (role ? ' ' + role : '');
  if (role) return role;
}
return null;
"""

_DIALOG_OPEN = r"""
const K = window.__a11yKbd; const d = K.els[arguments[0]];
const a = K.deepActive();
return !!d && K.visible(d) && !!a && d.contains(a);
"""

_CANDIDATES = r"""
// Clickable elements no Tab reached, and hover triggers. arguments[0]: indices of reached elements.
const K = window.__a11yKbd;
const reached = arguments[0].map((i) => K.els[i]).filter(Boolean);
const WIDGET = new Set(['button', 'link', 'checkbox', 'radio', 'switch', 'tab', 'menuitem', 'menuitemcheckbox',
  'menuitemradio', 'option', 'slider', 'spinbutton', 'combobox', 'textbox', 'searchbox', 'treeitem']);
const COMPOSITE = ['tablist', 'menu', 'menubar', 'listbox', 'tree', 'grid', 'radiogroup', 'toolbar', 'treegrid']
  .map((r) => '[role="' + r + '"]').join(', ');
// Reached by Tab, or focusable at all (a walk cut short by a trap or a cap leaves those unreached, not unreachable).
const pool = Array.from(new Set([...reached, ...K.focusables]));
const near = (el) => pool.some((r) => r === el || el.contains(r) || r.contains(el));
const controls = (comp) => !!comp.id && reached.some((r) => ['aria-controls', 'aria-owns'].some(
  (a) => (r.getAttribute(a) || '').split(/\s+/).includes(comp.id)));
const unreachable = [];
for (const el of document.body.querySelectorAll('*')) {
  if (unreachable.length >= 50) break;
  const role = (el.getAttribute('role') || '').trim().split(/\s+/)[0];
  const pointer = getComputedStyle(el).cursor === 'pointer';
  const handler = el.hasAttribute('onclick') || typeof el.onclick === 'function'
    || (K.marks.get(el) || []).includes('click');
  if (!(WIDGET.has(role) || (pointer && handler))) continue;
  if (!el.isConnected || !K.visible(el) || near(el)) continue;
  if (el.matches('label, label *, [aria-disabled="true"], :disabled, [aria-hidden="true"] *, [aria-hidden="true"]')) {
    continue;
  }
  if (el.tabIndex >= 0 && !el.disabled && !el.closest('[inert]') && K.focusables.includes(el)) continue;
  const comp = el.closest(COMPOSITE);
  if (comp && (near(comp) || comp.hasAttribute('aria-activedescendant') || controls(comp))) continue;
  const ACTIVE = 'a[href], button, summary, [role="button"], [role="link"]';
  const outer = el.parentElement && el.parentElement.closest(ACTIVE);
  if (outer && near(outer)) continue;
  if (el.querySelector('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')) continue;
  unreachable.push(K.id(el));
}
// Hover triggers: elements a CSS :hover rule reaches through (the rule styles something else), and mouse listeners.
const owners = new Set();
const rules = [];
const SHOWS = ['display', 'visibility', 'opacity', 'height', 'max-height', 'left', 'top', 'transform', 'clip',
  'clip-path'];  // what a rule must set to show something
const walkRules = (list) => {
  for (const r of list) {
    if (r.cssRules && !r.selectorText) { try { walkRules(r.cssRules); } catch (e) {} }
    else if (r.selectorText && SHOWS.some((p) => r.style.getPropertyValue(p))) rules.push(r.selectorText);
  }
};
for (const sheet of document.styleSheets) { try { walkRules(sheet.cssRules); } catch (e) {} }
for (const text of rules) {
  for (const one of text.split(',')) {
    const i = one.indexOf(':hover');
    if (i < 0) continue;
    const rest = one.slice(i + 6);
    if (!/[\s>+~]/.test(rest.trim() ? rest : '')) continue;  // the hover styles its own element only
    const before = one.slice(0, i);
    let head = before.trim();
    if (!head || /[\s>+~]$/.test(before)) head = (before + '*').trim();  // ':hover' alone or after a combinator
    if (head === '*') continue;  // any element at all: too broad to try
    try {
      for (const el of document.querySelectorAll(head)) { if (owners.size < 200) owners.add(el); }
    } catch (e) {}
  }
}
for (const [el, types] of K.marks) if (types.some((t) => t === 'mouseenter' || t === 'mouseover')) owners.add(el);
const hover = [];
for (const el of owners) {
  if (hover.length >= arguments[1]) break;
  if (el === document.body || el === document.documentElement || !K.visible(el)) continue;
  hover.push(K.id(el));
}
return [unreachable, hover];
"""

_HIDDEN = r"""
// Elements with text or a control inside, not rendered now, in the trigger's neighbourhood.
const K = window.__a11yKbd; const el = K.els[arguments[0]];
const scope = el.parentElement || el;
const out = [];
for (const c of scope.querySelectorAll('*')) {
  if (out.length >= 200) break;
  if (!K.visible(c) && (c.textContent || '').trim()) out.push(K.id(c));
}
return out;
"""

_SHOWN = r"""
const K = window.__a11yKbd; K.settle();
return arguments[0].filter((i) => K.visible(K.els[i]));
"""

_FOCUS_TRIGGER = r"""
// Focus the trigger, or the first focusable element inside it; say which got focus.
const K = window.__a11yKbd; const el = K.els[arguments[0]];
const t = K.focusables.includes(el) ? el : K.focusables.find((f) => el.contains(f));
if (!t) return null;
t.focus(); K.settle();
return K.deepActive() === t ? K.id(t) : null;
"""

_OPENER = r"""
// Whether Enter on it may open something without leaving the page or sending a form.
const e = window.__a11yKbd.els[arguments[0]];
if (e.matches('a[href]') && !e.getAttribute('href').startsWith('#')) return false;
if (e.localName === 'button') return e.type === 'button' || !e.form;
if (e.localName === 'input') return false;
return e.matches('[role="button"], [aria-haspopup], [aria-expanded]');
"""

_FOCUS_INDEX = r"""
const K = window.__a11yKbd; const el = K.els[arguments[0]];
if (!el) return false;
el.focus({preventScroll: false});
return K.deepActive() === el;
"""

_BACK_START = r"""
// Focus where the Tab pass started, for Shift+Tab from there; that pass only needs the order, not the styles.
const K = window.__a11yKbd; const el = K.els[arguments[0]];
if (!el) return false;
K.styles = false;
el.focus();
K.log = [];
return K.deepActive() === el;
"""

_RECT = r"""
const K = window.__a11yKbd; const el = K.els[arguments[0]]; K.settle();
const r = el.getBoundingClientRect();
return [r.left + scrollX, r.top + scrollY, r.width, r.height, K.deepActive() === el];  // page coordinates (CDP clip)
"""

_RESET = r"""
const K = window.__a11yKbd;
if (K) { K.stop(); if (K.sentinel) K.sentinel.remove(); }
const a = document.activeElement; if (a && a.blur) a.blur();
window.scrollTo(0, 0);
delete window.__a11yKbd;
"""


# --- the walk ----------------------------------------------------------------------------------

class _TimeUp(Exception):
    pass


class _Walker:
    def __init__(self, driver: WebDriver, max_seconds: float) -> None:
        self.driver, self.deadline = driver, time.monotonic() + max_seconds
        self.result = KeyboardWalk()
        self.started = time.monotonic()
        self.mouse_moved = False
        self.hold_tab = False  # no page script listens to keys or focus: hold Tab down instead of pressing it

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise _TimeUp

    def press(self, key: str, times: int, shift: bool = False, held: bool = False) -> None:
        """Press ``key`` ``times`` times, or (``held``) hold it down for as many auto-repeated key downs.

        Held, the browser handles half the events, and moves focus the same; only a page script
        listening to keys could tell the difference.
        """
        chain = ActionChains(self.driver, duration=0)
        if shift:
            chain.key_down(Keys.SHIFT)
        for _ in range(times):
            if held:
                chain.key_down(key)
            else:
                chain.send_keys(key)
        if held:
            chain.key_up(key)
        if shift:
            chain.key_up(Keys.SHIFT)
        chain.perform()
        if key == Keys.TAB:
            self.result.presses += times

    def walk(self, shift: bool, limit: int, first: int = BATCH, expect: list[int] | None = None
             ) -> tuple[list[int], dict[int, bool | None], str, list[int]]:
        """Press Tab (or Shift+Tab) until focus comes back to where it entered the page.

        ``first`` presses go in the first WebDriver call (enough for the whole page when the
        estimate of focusable elements is right), ``BATCH`` in each after it. With ``expect``
        (the order already known), the walk stops after its first call when focus went exactly
        that way so far. Returns the elements in the order focus reached them, whether each
        looked the same focused as unfocused, how the walk ended and (for a trap) the elements
        focus stays among.
        """
        order: list[int] = []        # distinct elements, in the order focus first reached them
        trail: list[int] = []        # every focus event
        same: dict[int, bool | None] = {}
        left_since = False           # focus left the top document since the first element was focused
        still = 0                    # presses in a row with no focus event at all (a date input has a few)
        sent = 0
        while sent < limit:
            self.check_time()
            n = min(first if sent == 0 else BATCH, limit - sent)
            self.press(Keys.TAB, n, shift, held=self.hold_tab)
            sent += n
            log, active, _ = self.js(_DRAIN)
            for entry in log:
                if entry[0] == "key":
                    still += 1
                    continue
                still = 0
                if entry[0] == "out":
                    left_since = left_since or bool(order)
                    continue
                index, unchanged = entry[1], entry[2]
                if order and index == order[0]:
                    return order, same, ("complete" if left_since else "trap"), ([] if left_since else order[:])
                trail.append(index)
                if index not in same:
                    order.append(index)
                    same[index] = unchanged
                if trail.count(index) >= 3:
                    at = [i for i, x in enumerate(trail) if x == index]
                    cycle = list(dict.fromkeys(trail[at[-2]:at[-1]]))
                    return order, same, "trap", cycle or [index]
            if still >= BATCH and active is not None and trail and trail[-1] == active:
                return order, same, "trap", [active]  # the last BATCH presses or more left focus where it was
            if expect is not None:
                if order and order == expect[:len(order)]:
                    return order, same, "complete", []
                expect = None  # focus went another way: walk all of it
        return order, same, "presses", []

    # findings ---------------------------------------------------------------------------------

    def describe(self, indices: list[int]) -> dict[int, dict[str, Any]]:
        infos = self.js(_DESCRIBE, sorted(set(indices))) if indices else []
        return {info["index"]: info for info in infos or [] if info}


def _label(info: dict[str, Any]) -> str:
    name = f" \u201c{info['name'][:50]}\u201d" if info.get("name") else ""
    return f"{info['target']}{name}"


def _finding(rule_id: str, nodes: list[tuple[dict[str, Any], str]]) -> Finding:
    return RULES[rule_id].finding([Node(target=[info["target"]], html=info["html"], summary=summary,
                                        fingerprint=fingerprint(rule_id, [info["target"]], info["html"]))
                                   for info, summary in nodes], "keyboard")


def _listeners(driver: WebDriver) -> list[dict[str, Any]] | None:
    """The event listeners of the window and every element of the page, shadow DOM included (CDP), or ``None``.

    Read before the walk adds its own listeners to the window.
    """
    found: list[dict[str, Any]] = []
    try:
        for expression, depth in (("window", 0), ("document", -1)):
            target = cdp(driver, "Runtime.evaluate", {"expression": expression})["result"]["objectId"]
            found += cdp(driver, "DOMDebugger.getEventListeners",
                         {"objectId": target, "depth": depth, "pierce": True}).get("listeners", [])
    except (CdpUnavailableError, WebDriverException, KeyError):
        return None
    return found


def _mark_listeners(w: _Walker, listeners: list[dict[str, Any]]) -> None:
    """Tell the page which elements have click or hover listeners."""
    driver = w.driver
    wanted: dict[int, set[str]] = {}
    for item in listeners:
        if item.get("type") in ("click", "mousedown", "mouseup", "pointerdown", "pointerup", "mouseenter",
                                "mouseover") and item.get("backendNodeId"):
            wanted.setdefault(item["backendNodeId"], set()).add(
                "click" if item["type"] not in ("mouseenter", "mouseover") else item["type"])
    for backend, types in list(wanted.items())[:MAX_LISTENERS]:
        w.check_time()
        try:
            obj = cdp(driver, "DOM.resolveNode", {"backendNodeId": backend})["object"]["objectId"]
            cdp(driver, "Runtime.callFunctionOn", {
                "objectId": obj, "arguments": [{"value": sorted(types)}],
                "functionDeclaration": "function(t) { if (this.nodeType === 1) window.__a11yKbd.marks.set(this, t); }"})
        except (WebDriverException, KeyError):
            continue


def keyboard_walk(driver: WebDriver, *, max_seconds: float = MAX_SECONDS) -> KeyboardWalk:
    """Walk the loaded page with the keyboard and report what a keyboard user cannot do.

    Parameters
    ----------
    driver : WebDriver
        A Chrome/Chromium session showing the page (top document selected).
    max_seconds : float, default=20
        Time cap of the whole walk; when reached, what was found so far is kept and
        :attr:`KeyboardWalk.ended` is ``"time"``.

    Returns
    -------
    KeyboardWalk
        Findings (``source="keyboard"``) and the walk's cost. The page is left scrolled to
        the top with nothing focused. A page that breaks the walk (it navigates away, a
        script times out) ends it with ``ended="error"`` and what was found before.

    Raises
    ------
    WebDriverException
        The browser died (it no longer runs a script); the caller should replace it.
    """
    walker = _Walker(driver, max_seconds)
    result = walker.result
    try:
        _run(walker)
    except _TimeUp:
        result.ended = "time"
    except WebDriverException as exc:
        try:
            driver.execute_script("return 1;")
        except WebDriverException:
            raise exc from None  # the browser died: the caller replaces it
        log.warning("keyboard walk stopped: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        result.ended = "error"
    finally:
        try:
            if walker.mouse_moved:
                _mouse_away(walker)
            driver.execute_script(_RESET)
        except WebDriverException:
            pass
        result.seconds = time.monotonic() - walker.started
    return result


def _run(w: _Walker) -> None:
    result = w.result
    listeners = _listeners(w.driver)  # before the walk adds its own
    focusable, positive, stops, opaque = w.js(_SETUP)
    result.focusable = focusable
    has_cdp = listeners is not None
    if listeners is not None:
        _mark_listeners(w, listeners)
    # Without a script that reacts to keys or focus (a frame that may run one counts as one), Shift+Tab goes
    # Tab's way back: a short backward pass checks that, instead of a whole one.
    scripted = listeners is None or opaque > 0 or any(item.get("type") in KEY_EVENTS for item in listeners)
    w.hold_tab = not scripted
    limit = 2 * focusable + 20 if focusable else 4
    # the first call covers the page: leave the start point, enter, every stop, the start point, leave, come back
    first = min(limit, max(BATCH, stops + 4))
    reached: list[int] = []
    nodes: dict[str, list[tuple[dict[str, Any], str]]] = {rule: [] for rule in RULES}
    trap_done: set[frozenset[int]] = set()
    forward: list[int] = []
    same: dict[int, bool | None] = {}
    for shift in (False, True):
        if shift and not (forward and w.js(_BACK_START, forward[0])):  # (the setup focused Tab's start point)
            break
        known = shift and not scripted and result.ended == "complete"
        order, looks, ended, trapped = w.walk(shift, limit, SPOT_CHECK if known else first,
                                              forward[::-1] if known else None)
        reached += order
        if not shift:
            forward, same = order, looks
            result.stops = len(order)
            result.ended = ended if order or focusable else "complete"  # nothing to reach
        elif ended != "complete" and result.ended == "complete":
            result.ended = ended
        if ended == "trap" and trapped and frozenset(trapped) not in trap_done:
            trap_done.add(frozenset(trapped))
            summary = _trap_summary(w, trapped, shift, len(order))
            if summary is None:
                if not shift:
                    result.ended = "complete"  # a modal dialog that lets focus out: not a trap
            else:
                nodes["kbd-trap"].append(summary)
    infos = w.describe(reached)
    if has_cdp:
        nodes["kbd-focus-not-visible"] = _not_visible(w, forward, same, infos)
    if positive:
        nodes["kbd-focus-order"] = _order_jumps(forward, infos)
    w.check_time()
    unreachable, hover = w.js(_CANDIDATES, sorted(set(reached)), MAX_HOVER)
    for info in w.describe(unreachable).values():
        nodes["kbd-unreachable"].append((info, (
            f"{_label(info)} acts on a mouse click ({_why_clickable(info)}) but Tab never reaches it "
            f"({result.stops} elements reached): give it tabindex=\"0\" and a key handler, or make it a "
            f"<button> or a link.")))
    nodes["kbd-hover-only"] = _hover_only(w, hover)
    result.findings = [_finding(rule, found) for rule, found in nodes.items() if found]


def _why_clickable(info: dict[str, Any]) -> str:
    return f"role=\"{info['role']}\"" if info.get("role") else "a click handler and a pointer cursor"


def _trap_summary(w: _Walker, trapped: list[int], shift: bool, reached: int
                  ) -> tuple[dict[str, Any], str] | None:
    """The node and sentence of a trap, or ``None`` when the loop is a modal dialog one can leave."""
    infos = w.describe(trapped)
    first = infos.get(trapped[0])
    if first is None:
        return None
    key = "Shift+Tab" if shift else "Tab"
    dialogs = {infos[i]["dialog"] for i in trapped if i in infos}
    if len(trapped) > 1 and len(dialogs) == 1 and None not in dialogs:
        w.press(Keys.ESCAPE, 1)
        if not w.js(_DIALOG_OPEN, next(iter(dialogs))):
            return None  # Escape closed the dialog or took focus out of it
        if first["modal"] and first["dialog_buttons"]:
            return None  # a modal dialog with its own way out (ACT: not a trap)
    if len(trapped) == 1:
        return first, (f"Focus stays on {_label(first)}: {key} no longer moves focus after reaching it "
                       f"({reached} elements reached), so the rest of the page cannot be reached by keyboard.")
    container = w.js(_CONTAINER, trapped)
    where = f"inside {container}" if container else \
        "among " + ", ".join(_label(infos[i]) for i in trapped[:4] if i in infos)
    return first, (f"Focus stays {where}: after {len(trapped)} {key} presses it returns to {_label(first)} and never "
                   f"reaches the rest of the page.")


def _not_visible(w: _Walker, forward: list[int], same: dict[int, bool | None],
                 infos: dict[int, dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """Elements whose styles and pixels do not change with focus."""
    out = []
    suspects = [i for i in forward if same.get(i) is True and i in infos][:MAX_SUSPECTS]
    for index in suspects:
        w.check_time()
        position = forward.index(index)
        if position == 0:
            if not w.js("return window.__a11yKbd.start();"):
                continue
            w.press(Keys.TAB, 2)
        else:
            if not w.js(_FOCUS_INDEX, forward[position - 1]):
                continue
            w.press(Keys.TAB, 1)
        w.js(_DRAIN)
        left, top, width, height, focused = w.js(_RECT, index)
        if not focused:
            continue
        focused_png = _shot(w.driver, left, top, width, height)
        w.js("const a = document.activeElement; if (a && a.blur) a.blur(); window.__a11yKbd.settle();")
        w.js(_DRAIN)
        plain_png = _shot(w.driver, left, top, width, height)
        if focused_png is not None and focused_png == plain_png:
            info = infos[index]
            out.append((info, (f"{_label(info)} looks exactly the same with keyboard focus as without (no change "
                               "of outline, border, shadow, background, colour or underline, and no pixel of its box "
                               "changes): give it a visible :focus-visible style.")))
    return out


def _shot(driver: WebDriver, left: float, top: float, width: float, height: float) -> str | None:
    pad = 6
    clip = {"x": max(left - pad, 0), "y": max(top - pad, 0), "width": max(width + 2 * pad, 1),
            "height": max(height + 2 * pad, 1), "scale": 1}
    try:
        data = cdp(driver, "Page.captureScreenshot", {"format": "png", "clip": clip})["data"]
    except (CdpUnavailableError, WebDriverException, KeyError):
        return None
    return base64.b64decode(data).hex()


def _order_jumps(forward: list[int], infos: dict[int, dict[str, Any]]) -> list[tuple[dict[str, Any], str]]:
    """Positive-tabindex elements that send focus far back up the page (or come far below where focus goes next)."""
    out, flagged = [], set()
    for a, b in zip(forward, forward[1:]):
        ia, ib = infos.get(a), infos.get(b)
        if not ia or not ib:
            continue
        positive = [i for i in (ia, ib) if (i.get("tabindex") or "").strip().lstrip("+").isdigit()
                    and int(i["tabindex"]) > 0]
        jump = ia["top"] - ib["top"]
        if not positive or jump <= max(450.0, ia["height"] * 2):
            continue
        culprit = positive[0]
        if culprit["index"] in flagged:
            continue
        flagged.add(culprit["index"])
        out.append((culprit, (f"Focus goes from {_label(ia)} back up {round(jump)} px to {_label(ib)}: "
                              f"tabindex=\"{culprit['tabindex']}\" on {_label(culprit)} takes it out of reading "
                              "order. Remove the positive tabindex (use 0) and order the page in the source.")))
    return out


def _hover_only(w: _Walker, triggers: list[int]) -> list[tuple[dict[str, Any], str]]:
    """Triggers whose hover shows content that keyboard focus (and Enter on a button) does not."""
    out: list[tuple[dict[str, Any], str]] = []
    if not triggers:
        return out
    infos = w.describe(triggers)
    for index in triggers:
        w.check_time()
        info = infos.get(index)
        if info is None:
            continue
        hidden = w.js(_HIDDEN, index)
        if not hidden:
            continue
        element = w.js("return window.__a11yKbd.els[arguments[0]];", index)
        w.mouse_moved = True
        try:
            ActionChains(w.driver, duration=0).move_to_element(element).perform()
        except WebDriverException:
            continue
        shown = w.js(_SHOWN, hidden)
        _mouse_away(w)
        if not shown:
            continue
        focused = w.js(_FOCUS_TRIGGER, index)
        ok = False
        if focused is not None:
            ok = bool(w.js(_SHOWN, shown))
            if not ok:  # focus into the content: Tab once from the trigger
                w.press(Keys.TAB, 1)
                ok = bool(w.js(_SHOWN, shown))
                w.js(_FOCUS_INDEX, focused)
            if not ok and w.js(_OPENER, focused):
                w.press(Keys.ENTER, 1)
                ok = bool(w.js(_SHOWN, shown))
                if ok:
                    w.press(Keys.ESCAPE, 1)
        w.js("const a = document.activeElement; if (a && a.blur) a.blur();")
        w.js(_DRAIN)
        if not ok:
            content = w.describe(shown[:1]).get(shown[0])
            what = f" {_label(content)}" if content else ""
            trigger = w.describe([focused]).get(focused) if focused is not None else None
            by = f"keyboard focus on {_label(trigger)} does not" if trigger else "its trigger cannot be focused, so " \
                "keyboard users never see it"
            out.append((info, (f"Hovering {info['target']} with the mouse shows{what}, but {by}: show it on "
                               ":focus-within as well, or open it with Enter from a button with aria-expanded.")))
    return out


def _mouse_away(w: _Walker) -> None:
    """Move the mouse to the top-left corner of the viewport, over nothing the page reacts to."""
    try:
        actions = ActionBuilder(w.driver, duration=0)
        actions.pointer_action.move_to_location(0, 0)
        actions.perform()
    except WebDriverException:
        pass
