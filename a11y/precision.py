"""Precision filters on axe's results: drop what a WCAG exception covers and axe cannot see.

axe reports facts about an element; some success criteria exempt elements for reasons
only the rendered page can tell. Each filter here reads those reasons in the loaded page
and removes exactly the exempt nodes (a finding left with no node is dropped). The
engine applies :func:`drop_exempt` to axe's violations and needs-review findings.

* ``target-size`` (WCAG 2.5.8): a native ``<input type="radio">`` or ``checkbox`` whose
  size the browser sets and the author did not change is exempt ("User agent control").
  The check sizes a probe input of the same type with every author style reverted next to
  the element; same size and native appearance means user-agent sized. A custom control
  (``role="checkbox"`` on a div), a restyled or resized input, and inputs inside frames or
  shadow roots (not reached here) stay reported.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.remote.webdriver import WebDriver

from a11y.findings import Finding

log = logging.getLogger(__name__)

_USER_AGENT_SIZED = """
return arguments[0].map((selector) => {
  let el;
  try { el = document.querySelector(selector); } catch (e) { return false; }
  if (!el || el.localName !== "input" || !["radio", "checkbox"].includes(el.type)) return false;
  if (getComputedStyle(el).appearance === "none") return false;
  const probe = document.createElement("input");
  probe.type = el.type;
  probe.style.cssText = "all: revert !important; position: absolute !important; visibility: hidden !important";
  el.parentNode.insertBefore(probe, el);
  const a = el.getBoundingClientRect(), b = probe.getBoundingClientRect();
  probe.remove();
  return Math.abs(a.width - b.width) < 0.5 && Math.abs(a.height - b.height) < 0.5;
});
"""


def user_agent_sized(driver: WebDriver, selectors: Sequence[str]) -> list[bool]:
    """For each CSS selector of the top document: is it a native radio or checkbox the browser sizes?

    False for anything else, for a selector that matches nothing, and for every selector
    when the page cannot be asked.
    """
    if not selectors:
        return []
    try:
        answer: Any = driver.execute_script(_USER_AGENT_SIZED, list(selectors))
    except WebDriverException as exc:
        log.debug("target sizes not checked: %s", str(exc).splitlines()[0] if str(exc) else exc)
        return [False] * len(selectors)
    return [bool(a) for a in answer] if isinstance(answer, list) and len(answer) == len(selectors) \
        else [False] * len(selectors)


def drop_user_agent_sized_targets(driver: WebDriver, findings: list[Finding]) -> list[Finding]:
    """``findings`` without the ``target-size`` nodes that WCAG 2.5.8's user-agent exception covers."""
    kept: list[Finding] = []
    for finding in findings:
        if finding.rule != "target-size":
            kept.append(finding)
            continue
        # Only top-document, light-DOM targets can be asked with one querySelector.
        askable = [i for i, n in enumerate(finding.nodes) if len(n.target) == 1 and ">>>" not in n.target[0]]
        exempt = {i for i, yes in zip(askable, user_agent_sized(driver, [finding.nodes[i].target[0]
                                                                        for i in askable])) if yes}
        nodes = [n for i, n in enumerate(finding.nodes) if i not in exempt]
        if nodes:
            kept.append(replace(finding, nodes=nodes))
    return kept


def drop_exempt(driver: WebDriver, findings: list[Finding]) -> list[Finding]:
    """Apply every precision filter of this module to axe's findings on the driver's current page."""
    driver.switch_to.default_content()
    return drop_user_agent_sized_targets(driver, findings)
