"""Screenshots of a page with its failing element highlighted.

Taken during an audit, while the browser still shows the page
(:func:`screenshot_findings` as the ``after_page`` hook of
:func:`a11y.engine.audit_urls`): the element is scrolled into view, a box is
drawn over it (an overlay, so the page's own layout and styles are not touched),
the viewport is captured as PNG and the box removed. The selector always travels
as a script argument. Elements inside iframes or shadow roots (axe targets with
``>>>``) are skipped: their box would need the frame's offset.

Every PNG is bounded: larger captures are scaled down until they fit
:data:`MAX_PNG_BYTES`.
"""

from __future__ import annotations

import io
import logging

from PIL import Image
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver

from a11y.findings import PageResult, sort_findings

log = logging.getLogger(__name__)

MAX_PNG_BYTES = 400_000
"""Largest screenshot stored; bigger captures are scaled down (never cropped)."""
MAX_PER_PAGE = 20
"""Most screenshots taken on one page (the first node of the first findings, screen-reader first)."""

_HIGHLIGHT = """
const [selector, id] = arguments;
let el;
try { el = document.querySelector(selector); } catch (e) { return false; }
if (!el) return false;
if (el.checkVisibility && !el.checkVisibility()) return false;  // hidden again (a closed state): no misleading box
el.scrollIntoView({block: 'center', inline: 'center'});
const r = el.getBoundingClientRect();
const box = document.createElement('div');
box.id = id;
box.setAttribute('aria-hidden', 'true');
Object.assign(box.style, {
  position: 'fixed', left: (r.left - 4) + 'px', top: (r.top - 4) + 'px',
  width: (Math.max(r.width, 4) + 8) + 'px', height: (Math.max(r.height, 4) + 8) + 'px',
  outline: '4px solid #d1007a', boxShadow: '0 0 0 9999px rgba(0, 0, 0, 0.25)',
  zIndex: '2147483647', pointerEvents: 'none', boxSizing: 'border-box'});
document.documentElement.appendChild(box);
return true;
"""
_UNHIGHLIGHT = "const box = document.getElementById(arguments[0]); if (box) box.remove();"
_BOX_ID = "a11y-audit-highlight"


def shrink_png(png: bytes, max_bytes: int = MAX_PNG_BYTES) -> bytes:
    """``png`` unchanged when it fits ``max_bytes``, else scaled down by halves until it does.

    Raises ``ValueError`` when ``max_bytes`` is below 1,000 (no useful picture fits).
    """
    if max_bytes < 1000:
        raise ValueError(f"max_bytes must be at least 1000, got {max_bytes}")
    if len(png) <= max_bytes:
        return png
    image: Image.Image = Image.open(io.BytesIO(png))
    while True:
        image = image.resize((max(1, image.width // 2), max(1, image.height // 2)))
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        if out.tell() <= max_bytes or image.width == 1:
            return out.getvalue()


def highlight_screenshot(driver: WebDriver, selector: str, *, max_bytes: int = MAX_PNG_BYTES) -> bytes | None:
    """PNG of the viewport with the element matching ``selector`` scrolled into view and outlined.

    Returns ``None`` when the selector matches nothing (or is not valid CSS) or a hidden
    element (one found in a state that is closed again, :mod:`a11y.states`). The
    page is left as it was, apart from its scroll position.
    """
    if not driver.execute_script(_HIGHLIGHT, selector, _BOX_ID):
        return None
    try:
        png = driver.get_screenshot_as_png()
    finally:
        driver.execute_script(_UNHIGHLIGHT, _BOX_ID)
    return shrink_png(png, max_bytes)


def screenshot_findings(driver: WebDriver, page: PageResult, *, limit: int = MAX_PER_PAGE,
                        max_bytes: int = MAX_PNG_BYTES) -> dict[tuple[str, str, str], bytes]:
    """Screenshots of the first element of each violation on the page the driver shows.

    Parameters
    ----------
    driver : WebDriver
        The browser that just audited ``page`` and still shows it.
    page : PageResult
        The page's result; violations are taken screen-reader first, most severe
        first (:func:`a11y.findings.sort_findings`).
    limit : int, default=MAX_PER_PAGE
        Most screenshots taken.
    max_bytes : int, default=MAX_PNG_BYTES
        Largest PNG kept (see :func:`shrink_png`).

    Returns
    -------
    dict
        ``{(page URL, rule, fingerprint): png bytes}``. Elements in frames or shadow
        roots, elements no longer found, and screenshots the browser refused are
        skipped (logged), never raised: a missing picture must not fail an audit.
    """
    shots: dict[tuple[str, str, str], bytes] = {}
    for finding in sort_findings(page.violations):
        if len(shots) >= limit:
            break
        if not finding.nodes:
            continue
        node = finding.nodes[0]
        if len(node.target) != 1 or ">>>" in node.target[0]:
            continue
        key = (page.url, finding.rule, node.fingerprint)
        if key in shots:
            continue
        try:
            png = highlight_screenshot(driver, node.target[0], max_bytes=max_bytes)
        except WebDriverException as exc:
            log.info("no screenshot of %s on %s: %s", node.target[0], page.url, exc.msg)
            continue
        if png is not None:
            shots[key] = png
    return shots
