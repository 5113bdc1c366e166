"""Checks that change the page's presentation: reflow at 320 CSS px and WCAG text spacing.

Nothing else in the audit resizes the viewport or restyles text, so a page that scrolls sideways
on a narrow screen or loses text when a reader widens spacing would pass. These checks do both in
the loaded page (top document) and put everything back:

* **Reflow** (``vp-reflow``, WCAG 1.4.10): the viewport is set to 320 × 256 CSS px
  (1280 × 1024 at 400 % zoom) with CDP ``Emulation.setDeviceMetricsOverride`` (desktop mode,
  so media queries answer as they would when zoomed), then cleared. When the document then
  scrolls sideways (``scrollWidth > clientWidth``), the outermost elements that reach past the
  viewport are named, farthest first (several children of one box as that box, once; text that
  does not wrap as its element). Not blamed: content WCAG lets scroll in two dimensions
  (data tables, images, picture, video, canvas, svg, iframe/embed/object, math,
  ``role=img|toolbar|application|grid|treegrid|table``) and wrappers only as wide as such content;
  whatever is inside a box that clips or scrolls sideways itself (``overflow-x`` not
  ``visible``: its own scrollbar is allowed); ``position: fixed`` boxes (they never move the
  page). A page whose ``html`` or ``body`` hides sideways overflow cannot scroll sideways; what
  is past its edge (mostly off-canvas menus) is not judged.
* **Text spacing** (``vp-text-spacing-clipped``, ``vp-text-spacing-overlap``, WCAG 1.4.12):
  a constructed stylesheet (``adoptedStyleSheets``, so a page's Content-Security-Policy
  cannot refuse it) sets line height 1.5, paragraph spacing 2 em, letter spacing 0.12 em and
  word spacing 0.16 em on every element with ``!important``, and is removed afterwards. Text
  is measured glyph box by glyph box (``Range.getClientRects``) before and after: text that
  now runs out of a box that clips it (``overflow`` hidden or clip), or now overlaps other
  text, is reported; what was already cut off or overlapping before is not.

Text spacing set inline with ``!important`` (which no reader stylesheet can override) is axe's
``avoid-inline-spacing`` (ACT rules 24afc2, 78fd32, 9e45ec); a viewport that forbids zoom is
axe's ``meta-viewport`` (ACT b4f0c3). They are not repeated here.

Findings have ``source="viewport"`` and ``screen_reader=False``: reflow and spacing change
what is seen, not what a screen reader reads (axe's ``meta-viewport`` is classed the same way).
"""

from __future__ import annotations

import logging
from typing import Any

from selenium.common.exceptions import JavascriptException, TimeoutException
from selenium.webdriver.remote.webdriver import WebDriver

from a11y.browser import CdpUnavailableError, cdp
from a11y.findings import UNDERSTANDING, Finding, Node, Rule, fingerprint

log = logging.getLogger(__name__)

_UNDERSTANDING = UNDERSTANDING
REFLOW_WIDTH = 320
"""CSS px: WCAG 1.4.10's width (1280 px at 400 % zoom)."""
REFLOW_HEIGHT = 256
"""CSS px: 1024 px at 400 % zoom."""
MAX_NODES = 10
"""Elements per finding at most (reflow: those reaching farthest; text spacing: the first in page order)."""
WCAG21_STANDARDS = frozenset({"wcag21aa", "wcag22aa"})
"""Standards that include WCAG 2.1 AA (1.4.10 and 1.4.12 are 2.1 criteria)."""


# screen_reader=False: they change what is seen, not what is read.
RULES: dict[str, Rule] = {r.id: r for r in (
    Rule("vp-reflow", "serious", ("viewport", "wcag21aa", "wcag1410"),
         "Content must fit a 320 CSS px wide viewport without scrolling sideways (400 % zoom)",
         _UNDERSTANDING + "reflow.html", screen_reader=False),
    Rule("vp-text-spacing-clipped", "serious", ("viewport", "wcag21aa", "wcag1412"),
         "Text must not be cut off when a reader increases line, paragraph, letter and word spacing",
         _UNDERSTANDING + "text-spacing.html", screen_reader=False),
    Rule("vp-text-spacing-overlap", "serious", ("viewport", "wcag21aa", "wcag1412"),
         "Text must not overlap other text when a reader increases line, paragraph, letter and word spacing",
         _UNDERSTANDING + "text-spacing.html", screen_reader=False),
)}

# Shared by both scripts: how an element is named to a developer, its selector and its snippet.
_COMMON = """
const describe = (el) => {
  let s = el.localName;
  if (el.id) return s + '#' + el.id;
  const cls = Array.from(el.classList).slice(0, 2);
  return cls.length ? s + '.' + cls.join('.') : s;
};
const selectorOf = (el) => {
  const parts = [];
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
    if (n.id && document.querySelectorAll('#' + CSS.escape(n.id)).length === 1) {
      parts.unshift('#' + CSS.escape(n.id));
      break;
    }
    if (n === document.documentElement) { parts.unshift('html'); break; }
    const tag = CSS.escape(n.localName);
    const same = n.parentElement ? Array.from(n.parentElement.children).filter((c) => c.localName === n.localName) : [];
    parts.unshift(same.length > 1 ? `${tag}:nth-of-type(${same.indexOf(n) + 1})` : tag);
  }
  return parts.join(' > ');
};
const snippet = (el) => {
  const html = el.outerHTML;
  if (html.length <= 300) return html;
  const attrs = Array.from(el.attributes, (a) => ` ${a.name}="${a.value.replace(/"/g, '&quot;')}"`).join('');
  return `<${el.localName}${attrs}>`;
};
const px = (n) => Math.round(n);
"""

# Runs at the 320 px viewport. Asynchronous: waits two frames so resize handlers have run.
_REFLOW = _COMMON + """
const [width, limit, done] = arguments;
const measure = () => {
  const root = document.documentElement;
  const vw = root.clientWidth, sw = root.scrollWidth;
  const rtl = getComputedStyle(root).direction === 'rtl';
  if (!document.body || sw <= vw + 1) return done({scrollWidth: sw, viewport: vw, offenders: []});
  // A page whose viewport hides sideways overflow (overflow-x on html, or on body when html leaves it
  // visible) does not scroll: what is past the edge is usually an off-canvas menu. Not judged here.
  const own = getComputedStyle(root).overflowX;
  const viewportOverflow = own !== 'visible' ? own : getComputedStyle(document.body).overflowX;
  if (['hidden', 'clip'].includes(viewportOverflow)) return done({scrollWidth: sw, viewport: vw, offenders: []});
  const EXEMPT = 'table, img, picture, video, canvas, svg, iframe, embed, object, math, ' +
                 '[role~=img], [role~=toolbar], [role~=application], [role~=grid], [role~=treegrid], [role~=table]';
  const LAYOUT_TABLE = 'table[role~=presentation], table[role~=none]';
  const exempt = (el) => el.matches(EXEMPT) && !el.matches(LAYOUT_TABLE);
  // How far an element reaches in the direction the page scrolls (right in LTR, left in RTL).
  const reach = (r) => rtl ? vw - r.left : r.right;
  const shown = (el, cs) => cs.display !== 'none' && cs.display !== 'contents' && cs.position !== 'fixed';
  // Beyond children of el: [{el, r, excused}] where excused means only two-dimensional content makes it wide.
  const judge = (el, r, cs) => {
    if (exempt(el)) return true;
    if (cs.overflowX !== 'visible') return false;  // a clipping or scrolling box that is itself too wide
    let excusedReach = -Infinity, blamed = false;
    for (const c of el.children) {
      const ccs = getComputedStyle(c);
      if (!shown(c, ccs)) continue;
      const cr = c.getBoundingClientRect();
      if (reach(cr) <= vw + 1) continue;
      if (judge(c, cr, ccs)) excusedReach = Math.max(excusedReach, reach(cr));
      else blamed = true;
    }
    return !blamed && excusedReach >= reach(r) - 1;
  };
  const offenders = [];
  const range = document.createRange();
  const visit = (el) => {
    for (const t of el.childNodes) {  // text that does not wrap (a long address, white-space: nowrap)
      if (t.nodeType !== 3 || !/\\S/.test(t.data)) continue;
      range.selectNodeContents(t);
      const r = range.getBoundingClientRect();
      if (reach(r) > vw + 1 && r.width >= 1) {
        const s = t.data.replace(/\\s+/g, ' ').trim();
        offenders.push({el: el, r: r, text: s.length > 40 ? s.slice(0, 39) + '…' : s});
        break;
      }
    }
    for (const c of el.children) {
      const cs = getComputedStyle(c);
      if (['script', 'style'].includes(c.localName) || cs.display === 'none' || cs.position === 'fixed') continue;
      const r = c.getBoundingClientRect();
      const beyond = reach(r) > vw + 1 && r.width >= 1 && r.height >= 1 && cs.display !== 'contents';
      if (beyond) {
        if (!judge(c, r, cs)) offenders.push({el: c, r: r});
        continue;  // outermost only
      }
      if (cs.overflowX === 'visible' && !exempt(c)) visit(c);
    }
  };
  // The page itself set too wide (a min-width on html or body) is named as such; else look inside.
  const whole = [root, document.body].find((el) => {
    const r = el.getBoundingClientRect();
    return reach(r) > vw + 1 && !judge(el, r, getComputedStyle(el));
  });
  if (whole) offenders.push({el: whole, r: whole.getBoundingClientRect()});
  else visit(document.body);
  // Several children of one box past the edge (a row that does not wrap): name the box once.
  const byParent = new Map();
  for (const o of offenders) {
    const key = o.text ? o.el : o.el.parentElement;
    byParent.set(key, (byParent.get(key) || []).concat([o]));
  }
  const items = [];
  for (const [parent, group] of byParent) {
    if (group.length === 1) {
      const o = group[0];
      items.push({el: o.el, width: px(o.r.width), reach: px(reach(o.r)), count: 0, text: o.text || null});
    } else {
      const far = Math.max(...group.map((o) => reach(o.r)));
      items.push({el: parent, width: px(parent.getBoundingClientRect().width), reach: px(far), count: group.length});
    }
  }
  items.sort((a, b) => b.reach - a.reach || b.width - a.width);
  done({scrollWidth: sw, viewport: vw, rtl: rtl, offenders: items.slice(0, limit).map((o) => ({
    target: selectorOf(o.el), html: snippet(o.el), name: describe(o.el),
    width: o.width, reach: o.reach, count: o.count, text: o.text || null}))});
};
let frames = 0;
const tick = () => { if (++frames >= 2) measure(); else requestAnimationFrame(tick); };
requestAnimationFrame(tick);
setTimeout(() => { if (frames < 2) { frames = 2; measure(); } }, 300);
"""

# Runs once: measures the text, applies WCAG 1.4.12 spacing, measures again, removes the spacing.
_TEXT_SPACING = _COMMON + """
const [limit] = arguments;
// Transitions off, so the new spacing applies at once (and goes at once, see below).
const STILL = '*, *::before, *::after { transition: none !important; }';
const SHEET = STILL + ` *, *::before, *::after { line-height: 1.5 !important; letter-spacing: 0.12em !important;
  word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }`;
const SKIP = new Set(['script', 'style', 'noscript', 'template', 'textarea', 'select', 'option']);
const texts = [];     // [{node, parent, clippers: [el]}]
const clipInfo = new Map();  // element -> {x, y}: the axes on which it cuts its content off (overflow hidden/clip)
const clipAxes = (el) => {
  if (!clipInfo.has(el)) {
    const cs = getComputedStyle(el);
    clipInfo.set(el, {x: ['hidden', 'clip'].includes(cs.overflowX), y: ['hidden', 'clip'].includes(cs.overflowY)});
  }
  return clipInfo.get(el);
};
const clips = (el) => clipAxes(el).x || clipAxes(el).y;
// Per element: [clipped to nothing (visually hidden text) or cut by a clip path, an inline box].
const style = new Map();
const styleOf = (el) => {
  if (!style.has(el)) {
    const cs = getComputedStyle(el);
    style.set(el, [(cs.clip && cs.clip !== 'auto' && cs.position.endsWith('absolute')) || cs.clipPath !== 'none',
                   cs.display.startsWith('inline') && !el.matches('img, button')]);
  }
  return style.get(el);
};
const invisible = (el) => styleOf(el)[0];
// Not rendered or not seen: display none, a closed <details>, visibility hidden, opacity 0.
const unseen = (el) => el.checkVisibility
  ? !el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true, opacityProperty: true, visibilityProperty: true})
  : getComputedStyle(el).visibility !== 'visible';
if (!document.body) return {clipped: [], overlap: []};
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let t = walker.nextNode(); t; t = walker.nextNode()) {
  if (!/\\S/.test(t.data) || !t.parentElement || SKIP.has(t.parentElement.localName)) continue;
  if (unseen(t.parentElement)) continue;
  const clippers = [];
  let hidden = false;
  for (let el = t.parentElement; el && el !== document.body; el = el.parentElement) {
    if (invisible(el)) { hidden = true; break; }
    if (clips(el)) clippers.push(el);
  }
  if (hidden) continue;
  // The boxes around the text (not inline ones, which always grow with it), nearest first.
  const around = [];
  for (let el = t.parentElement; el && el !== document.body && around.length < 8; el = el.parentElement) {
    if (!styleOf(el)[1]) around.push(el);
  }
  texts.push({node: t, parent: t.parentElement, clippers: clippers, around: around});
  if (texts.length >= 5000) break;
}
const inner = (el) => {
  const r = el.getBoundingClientRect();
  const left = r.left + el.clientLeft, top = r.top + el.clientTop;
  return {left: left, top: top, right: left + el.clientWidth, bottom: top + el.clientHeight,
          width: el.clientWidth, height: el.clientHeight};
};
const snapshot = () => {
  const boxes = new Map(), borders = new Map();
  const box = (el) => { if (!boxes.has(el)) boxes.set(el, inner(el)); return boxes.get(el); };
  const border = (el) => { if (!borders.has(el)) borders.set(el, el.getBoundingClientRect()); return borders.get(el); };
  const range = document.createRange();
  return texts.map((t) => {
    range.selectNodeContents(t.node);
    const rects = Array.from(range.getClientRects()).filter((r) => r.width >= 1 && r.height >= 1);
    // Per clipping box: how far the text runs out of it (0 when it fits).
    // Only on the axes it clips: a box that scrolls the other way loses nothing there.
    const out = t.clippers.map((c) => {
      const b = box(c), axes = clipAxes(c);
      let worst = {by: 0, side: ''};
      for (const r of rects) {
        const sides = (axes.y ? [[r.bottom - b.bottom, 'bottom'], [b.top - r.top, 'top']] : []).concat(
          axes.x ? [[r.right - b.right, 'right'], [b.left - r.left, 'left']] : []);
        for (const [by, side] of sides) {
          if (by > worst.by) worst = {by: by, side: side};
        }
      }
      return worst;
    });
    // What of the text is seen: its rects cut to every clipping box.
    const seen = rects.map((r) => {
      let s = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
      for (const c of t.clippers) {
        const b = box(c), axes = clipAxes(c);
        if (axes.x) s = Object.assign(s, {left: Math.max(s.left, b.left), right: Math.min(s.right, b.right)});
        if (axes.y) s = Object.assign(s, {top: Math.max(s.top, b.top), bottom: Math.min(s.bottom, b.bottom)});
      }
      return s;
    }).filter((s) => s.right - s.left >= 1 && s.bottom - s.top >= 1);
    // Per box around it: whether the text runs out of that box (its border box) by more than 1 px.
    const escaped = t.around.map((el) => {
      const b = border(el);
      return rects.some((r) => r.bottom - b.bottom > 1 || r.right - b.right > 1 ||
                               b.left - r.left > 1 || b.top - r.top > 1);
    });
    const sizes = t.around.map((el) => [border(el).width, border(el).height]);
    return {out: out, seen: seen, boxes: t.clippers.map(box), escaped: escaped, sizes: sizes};
  });
};
// Pairs of texts whose seen glyph boxes overlap by more than 2 px both ways: Set of "i,j".
const overlaps = (snap) => {
  const items = [];
  snap.forEach((s, i) => s.seen.forEach((r) => items.push([i, r])));
  items.sort((a, b) => a[1].top - b[1].top);
  const pairs = new Set();
  for (let a = 0; a < items.length; a++) {
    const [i, r] = items[a];
    for (let b = a + 1; b < items.length && items[b][1].top < r.bottom - 2; b++) {
      const [j, q] = items[b];
      if (i === j) continue;
      const w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
      const h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
      if (w > 2 && h > 2) pairs.add(i < j ? i + ',' + j : j + ',' + i);
    }
  }
  return pairs;
};
const before = snapshot();
const pairsBefore = overlaps(before);
const sheet = new CSSStyleSheet();
sheet.replaceSync(SHEET);
const adopted = document.adoptedStyleSheets;
document.adoptedStyleSheets = adopted.concat([sheet]);
let after, pairsAfter;
try {
  after = snapshot();
  pairsAfter = overlaps(after);
} finally {
  sheet.replaceSync(STILL);  // spacing back without a transition, then the sheet goes
  document.body.getBoundingClientRect();
  document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
}
const excerpt = (t) => {
  const s = t.node.data.replace(/\\s+/g, ' ').trim();
  return s.length > 40 ? s.slice(0, 39) + '…' : s;
};
// Clipped: a clipping box that some text now runs out of, which it did not before.
const clipped = new Map();  // element -> {by, side, text, box}
texts.forEach((t, i) => t.clippers.forEach((c, k) => {
  const was = before[i].out[k], now = after[i].out[k];
  if (was.by <= 1 && now.by > 1) {
    const seen = clipped.get(c);
    if (!seen || now.by > seen.by) {
      clipped.set(c, {by: now.by, side: now.side, text: excerpt(t), box: after[i].boxes[k]});
    }
  }
}));
// Overlap: texts that overlap now and did not before. Blame the text that left its own box.
// The nearest box around text i that the text now runs out of and did not before.
const leftBox = (i) => {
  const k = texts[i].around.findIndex((el, k) => !before[i].escaped[k] && after[i].escaped[k]);
  return k < 0 ? null : {el: texts[i].around[k], size: after[i].sizes[k]};
};
const overlap = new Map();  // element -> {text, other, width, height}
for (const key of Array.from(pairsAfter).sort()) {
  if (pairsBefore.has(key) || overlap.size >= limit * 4) continue;
  let [i, j] = key.split(',').map(Number);
  let box = leftBox(i);
  if (!box && leftBox(j)) { [i, j] = [j, i]; box = leftBox(i); }
  const owner = box ? box.el : texts[i].parent;
  if (!overlap.has(owner)) {
    overlap.set(owner, {text: excerpt(texts[i]), other: excerpt(texts[j]),
                        width: box ? px(box.size[0]) : null, height: box ? px(box.size[1]) : null});
  }
}
const node = (el, extra) => Object.assign({target: selectorOf(el), html: snippet(el), name: describe(el)}, extra);
const inOrder = (m) => Array.from(m.entries()).sort((x, y) =>
  x[0].compareDocumentPosition(y[0]) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1);
return {
  clipped: inOrder(clipped).slice(0, limit).map(([el, c]) => node(el, {
    by: px(c.by), side: c.side, text: c.text, width: px(c.box.width), height: px(c.box.height)})),
  overlap: inOrder(overlap).slice(0, limit).map(([el, o]) => node(el, o)),
};
"""


def _finding(rule_id: str, nodes: list[Node]) -> Finding:
    return RULES[rule_id].finding(nodes, "viewport")


def _node(rule_id: str, item: dict[str, Any], summary: str) -> Node:
    return Node(target=[item["target"]], html=item["html"], summary=summary,
                fingerprint=fingerprint(rule_id, [item["target"]], item["html"]))


def reflow_summary(item: dict[str, Any], scroll_width: int, rtl: bool = False) -> str:
    """What a developer reads for one element (or a row of them) that makes the page scroll sideways at 320 px."""
    edge = "right" if rtl else "left"
    if item.get("count"):
        return (f"At {REFLOW_WIDTH} px wide, {item['count']} elements inside {item['name']} reach up to "
                f"{item['reach']} px from the {edge} edge: the page scrolls sideways ({scroll_width} px of "
                "content). Let them wrap (flex-wrap: wrap, a grid that becomes one column on narrow screens), "
                f"or give {item['name']} its own scrollbar (overflow-x: auto) if it needs two dimensions.")
    if item.get("text"):
        return (f"At {REFLOW_WIDTH} px wide, the text of {item['name']} (\"{item['text']}\") reaches "
                f"{item['reach']} px from the {edge} edge: the page scrolls sideways ({scroll_width} px of content). "
                "Let long words and addresses break (overflow-wrap: anywhere) and lines wrap (no white-space: nowrap).")
    if item["width"] > REFLOW_WIDTH:
        what = f"is {item['width']} px wide"
    else:
        what = f"reaches {item['reach']} px from the {edge} edge"
    head = (f"At {REFLOW_WIDTH} px wide, {item['name']} {what}: the page scrolls sideways "
            f"({scroll_width} px of content). ")
    if item["name"].split("#")[0].split(".")[0] in ("html", "body"):
        return head + "Drop its min-width or fixed width and let the layout follow the window (media queries)."
    return head + ("Let it wrap or shrink (max-width: 100%, flexible widths, media queries), or give it its own "
                   "scrollbar (overflow-x: auto) if it needs two dimensions.")


def reflow_findings(driver: WebDriver) -> list[Finding]:
    """``vp-reflow`` on the loaded page: elements that make it scroll sideways at 320 CSS px.

    The viewport is emulated over CDP and cleared afterwards; the scroll position is
    put back. Raises :class:`a11y.browser.CdpUnavailableError` without CDP.
    """
    position = driver.execute_script("return [window.scrollX, window.scrollY];")
    cdp(driver, "Emulation.setDeviceMetricsOverride",
        {"width": REFLOW_WIDTH, "height": REFLOW_HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    try:
        out = driver.execute_async_script(_REFLOW, REFLOW_WIDTH, MAX_NODES)
    finally:
        cdp(driver, "Emulation.clearDeviceMetricsOverride", {})
        driver.execute_script("window.scrollTo(arguments[0], arguments[1]);", *position)
    if not out["offenders"]:
        return []
    nodes = [_node("vp-reflow", item, reflow_summary(item, out["scrollWidth"], bool(out.get("rtl"))))
             for item in out["offenders"]]
    return [_finding("vp-reflow", nodes)]


SIDES = {"bottom": "at the bottom", "top": "at the top", "right": "at the right", "left": "at the left"}


def clipped_summary(item: dict[str, Any]) -> str:
    """What a developer reads for a box that cuts text off once spacing is increased."""
    return (f"With WCAG text spacing, text in {item['name']} (\"{item['text']}\") no longer fits its "
            f"{item['width']} × {item['height']} px box: {item['by']} px is cut off {SIDES[item['side']]} "
            "(overflow hidden). Let the box grow with its text (min-height instead of height, no fixed width).")


def overlap_summary(item: dict[str, Any]) -> str:
    """What a developer reads for text that runs into other text once spacing is increased."""
    if item.get("width") is not None:
        where = (f"text in {item['name']} (\"{item['text']}\") runs out of its {item['width']} × "
                 f"{item['height']} px box and overlaps \"{item['other']}\"")
    else:
        where = f"the text of {item['name']} (\"{item['text']}\") overlaps \"{item['other']}\""
    return (f"With WCAG text spacing, {where}. Let the box grow with its text (min-height instead of "
            "height, no absolute positioning of text next to other text).")


def text_spacing_findings(driver: WebDriver) -> list[Finding]:
    """``vp-text-spacing-clipped`` and ``vp-text-spacing-overlap`` on the loaded page (top document)."""
    out = driver.execute_script(_TEXT_SPACING, MAX_NODES)
    findings = []
    if out["clipped"]:
        findings.append(_finding("vp-text-spacing-clipped", [
            _node("vp-text-spacing-clipped", item, clipped_summary(item)) for item in out["clipped"]]))
    if out["overlap"]:
        findings.append(_finding("vp-text-spacing-overlap", [
            _node("vp-text-spacing-overlap", item, overlap_summary(item)) for item in out["overlap"]]))
    return findings


def viewport_findings(driver: WebDriver, standard: str = "wcag22aa") -> list[Finding]:
    """Every viewport check on the driver's loaded page; the page is left as it was.

    Parameters
    ----------
    driver : WebDriver
        A Chrome session on a loaded page.
    standard : str, default='wcag22aa'
        The audit's standard: WCAG 2.0 levels (``wcag2a``, ``wcag2aa``) do not include
        1.4.10 and 1.4.12, so nothing runs for them.

    Returns
    -------
    list of Finding
        ``source="viewport"``; text spacing first, then reflow. A check whose script
        fails on this page is skipped (logged); without CDP, reflow is skipped.
    """
    if standard not in WCAG21_STANDARDS:
        return []
    driver.switch_to.default_content()
    findings: list[Finding] = []
    for name, check in (("text spacing", text_spacing_findings), ("reflow", reflow_findings)):
        try:
            findings += check(driver)
        except CdpUnavailableError:
            log.warning("this WebDriver endpoint has no CDP: the reflow check is skipped")
        except (JavascriptException, TimeoutException) as exc:
            log.warning("the %s check failed on this page: %s", name, str(exc).splitlines()[0] if str(exc) else exc)
    return findings
