"""Scripted steps per page: a small JSON config of logins, cookie banners and states to audit.

The config (documented with examples in README, "Steps and states")::

    {"pages": [{"url": "http://127.0.0.1:8000/login",          # exact URL, a glob, or "*"
                "steps": [{"action": "set", "selector": "#user", "value": "ada"},
                          {"action": "set", "selector": "#password", "value": "secret"},
                          {"action": "click", "selector": "button[type=submit]"},
                          {"action": "wait", "url": "*/members"},
                          {"action": "audit", "name": "members area"}]},
               {"url": "*", "steps": [{"action": "click", "selector": "#accept-cookies", "optional": true}]}],
     "states": {"enabled": true, "max_controls": 20, "max_seconds": 20}}

Actions: ``navigate`` (``url``), ``click`` (``selector``), ``set`` (``selector``, ``value``),
``press`` (``key``, optional ``selector``), ``wait`` (``selector`` or ``url``), ``audit``
(optional ``name``). Every step may carry ``timeout`` (seconds, default :data:`STEP_TIMEOUT`)
and ``optional: true`` (a failure is skipped instead of failing the page).

:func:`load_config` / :func:`parse_config` validate everything before any browser starts and
raise ``ValueError`` naming the entry and the problem. :func:`run_steps` runs one page's steps
in a loaded page; a step that fails raises :class:`StepError` naming the step number, the step
as written and the reason, which the engine turns into the page's error entry.
"""

from __future__ import annotations

import fnmatch
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from selenium.common.exceptions import (
    ElementClickInterceptedException,
    ElementNotInteractableException,
    InvalidSelectorException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select

from a11y import crawl

ACTIONS = ("navigate", "click", "set", "press", "wait", "audit")
"""Step actions, in the order README documents them."""
STEP_TIMEOUT = 5.0
"""Seconds a step waits for its element (or URL) unless it says ``timeout``."""
MAX_TIMEOUT = 120.0
"""Longest ``timeout`` a step may ask for."""
KEYS = {"Enter": Keys.ENTER, "Escape": Keys.ESCAPE, "Tab": Keys.TAB, "Space": Keys.SPACE,
        "Backspace": Keys.BACKSPACE, "Delete": Keys.DELETE, "ArrowUp": Keys.ARROW_UP,
        "ArrowDown": Keys.ARROW_DOWN, "ArrowLeft": Keys.ARROW_LEFT, "ArrowRight": Keys.ARROW_RIGHT,
        "Home": Keys.HOME, "End": Keys.END, "PageUp": Keys.PAGE_UP, "PageDown": Keys.PAGE_DOWN}
"""Key names a ``press`` step accepts (the DOM's ``KeyboardEvent.key`` names)."""
STATE_KEYS = ("enabled", "max_controls", "max_seconds")
_FIELDS = {"navigate": ({"url"}, set()), "click": ({"selector"}, set()), "set": ({"selector", "value"}, set()),
           "press": ({"key"}, {"selector"}), "wait": (set(), {"selector", "url"}), "audit": (set(), {"name"})}
"""Per action: keys it needs, keys it may have (besides ``action``, ``timeout``, ``optional``)."""
_POLL = 0.1


class StepError(RuntimeError):
    """A scripted step failed: ``str()`` names the step number, the step as written and the reason."""

    def __init__(self, number: int, step: Step, reason: str) -> None:
        self.number, self.step, self.reason = number, step, reason
        super().__init__(f"step {number} {step.written} failed: {reason}")


@dataclass(frozen=True)
class Step:
    """One validated step; ``written`` is the step as the config wrote it (compact JSON)."""

    action: str
    selector: str | None = None
    value: str | None = None
    url: str | None = None
    key: str | None = None
    name: str | None = None
    timeout: float = STEP_TIMEOUT
    optional: bool = False
    written: str = ""


@dataclass(frozen=True)
class PageSteps:
    """Steps for the pages whose URL matches ``pattern`` (exact URL, glob, or ``*``)."""

    pattern: str
    steps: tuple[Step, ...]

    def matches(self, url: str) -> bool:
        return self.pattern == "*" or url == self.pattern or fnmatch.fnmatchcase(url, self.pattern)


@dataclass(frozen=True)
class StateSettings:
    """Automatic states (:mod:`a11y.states`): on by default, bounded per page."""

    enabled: bool = True
    max_controls: int = 20
    max_seconds: float = 20.0


DEFAULT_STATES = StateSettings()
"""Automatic states as a config without ``states`` has them."""


@dataclass(frozen=True)
class AuditConfig:
    """A validated config: steps per URL pattern, and the automatic-state settings."""

    pages: tuple[PageSteps, ...] = ()
    states: StateSettings = field(default_factory=StateSettings)

    def steps_for(self, url: str) -> tuple[Step, ...]:
        """Steps of every entry matching ``url``, in config order (a ``*`` entry and a page's own both apply)."""
        return tuple(s for entry in self.pages if entry.matches(url) for s in entry.steps)

    def public(self) -> dict[str, Any]:
        """The config as data with every ``set`` value masked (what a job row may store)."""
        return {"pages": [{"url": e.pattern, "steps": [_public_step(s) for s in e.steps]} for e in self.pages],
                "states": {"enabled": self.states.enabled, "max_controls": self.states.max_controls,
                           "max_seconds": self.states.max_seconds}}


def _public_step(step: Step) -> dict[str, Any]:
    data = json.loads(step.written)
    if step.action == "set":
        data["value"] = "***"
    return data


# --- validation --------------------------------------------------------------------------------

def _check_pattern(pattern: Any, where: str, allowed_hosts: Iterable[str] | None, allow_private: bool) -> str:
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError(f"{where}: \"url\" must be a URL, a glob or \"*\", got {pattern!r}")
    pattern = pattern.strip()
    if pattern == "*":
        return pattern
    if not pattern.startswith(("http://", "https://", "*")):
        raise ValueError(f"{where}: bad URL pattern {pattern!r}: expected an http(s) URL, a glob such as "
                         "'https://example.org/shop/*', or '*' for every page")
    if not any(c in pattern for c in "*?["):
        _checked(pattern, where, allowed_hosts, allow_private)
    return pattern


def _checked(url: str, where: str, allowed_hosts: Iterable[str] | None, allow_private: bool) -> str:
    """:func:`a11y.crawl.check_url`, its refusal prefixed with ``where``."""
    try:
        return crawl.check_url(url, None if allowed_hosts is None else list(allowed_hosts),
                               allow_private=allow_private)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _number(value: Any, where: str, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{where}: \"{name}\" must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def parse_step(data: Any, where: str, *, allowed_hosts: Iterable[str] | None = None,
               allow_private: bool = True) -> Step:
    """Validate one step (a JSON object); ``ValueError`` naming ``where`` and the problem."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: a step must be an object with \"action\", got {data!r}")
    action = data.get("action")
    if action is None:
        raise ValueError(f"{where}: missing \"action\"; allowed: {', '.join(ACTIONS)}")
    if action not in ACTIONS:
        raise ValueError(f"{where}: unknown action {action!r}; allowed: {', '.join(ACTIONS)}")
    needed, optional = _FIELDS[action]
    for key in sorted(needed):
        if key not in data:
            raise ValueError(f"{where}: {action} needs \"{key}\"")
    unknown = sorted(set(data) - needed - optional - {"action", "timeout", "optional"})
    if unknown:
        allowed = ", ".join(f'"{k}"' for k in sorted(needed | optional | {"timeout", "optional"}))
        raise ValueError(f"{where}: {action} does not take \"{unknown[0]}\"; it takes {allowed}")
    if action == "wait" and len({"selector", "url"} & set(data)) != 1:
        raise ValueError(f"{where}: wait needs either \"selector\" or \"url\" (one of them)")
    for key in ("selector", "value", "url", "key", "name"):
        if key in data and not isinstance(data[key], str):
            raise ValueError(f"{where}: \"{key}\" must be a string, got {data[key]!r}")
        if key in data and key != "value" and not data[key].strip():
            raise ValueError(f"{where}: \"{key}\" is empty")
    if action == "press" and data["key"] not in KEYS and len(data["key"]) != 1:
        raise ValueError(f"{where}: unknown key {data['key']!r}; use one character or one of {', '.join(KEYS)}")
    url = data.get("url")
    if action == "navigate":
        url = _checked(data["url"].strip(), where, allowed_hosts, allow_private)
    elif url is not None:
        url = _check_pattern(url, where, allowed_hosts, allow_private)
    if "optional" in data and not isinstance(data["optional"], bool):
        raise ValueError(f"{where}: \"optional\" must be true or false, got {data['optional']!r}")
    timeout = _number(data["timeout"], where, "timeout", 0, MAX_TIMEOUT) if "timeout" in data else STEP_TIMEOUT
    return Step(action=action, selector=(data.get("selector") or "").strip() or None, value=data.get("value"),
                url=url, key=data.get("key"), name=(data.get("name") or "").strip() or None, timeout=timeout,
                optional=bool(data.get("optional", False)),
                written=json.dumps(data, ensure_ascii=False, separators=(", ", ": ")))


def parse_config(data: Any, *, allowed_hosts: Iterable[str] | None = None, allow_private: bool = True,
                 source: str = "config") -> AuditConfig:
    """Validate a config read from JSON (see the module docstring).

    Parameters
    ----------
    data : object
        The parsed JSON.
    allowed_hosts, allow_private
        The URL policy (:func:`a11y.crawl.check_url`) that ``navigate`` URLs and exact page URLs must pass.
    source : str, default='config'
        Prefix of every error message (the file name when read from a file).

    Raises
    ------
    ValueError
        ``"<source>: pages[0].steps[2]: unknown action 'tap'; allowed: ..."`` and the like.
    """
    if not isinstance(data, dict):
        raise ValueError(f"{source}: expected an object with \"pages\" and/or \"states\"")
    unknown = sorted(set(data) - {"pages", "states"})
    if unknown:
        raise ValueError(f"{source}: unknown key \"{unknown[0]}\"; allowed: \"pages\", \"states\"")
    pages_data = data.get("pages", [])
    if not isinstance(pages_data, list):
        raise ValueError(f"{source}: \"pages\" must be a list")
    pages = []
    for i, entry in enumerate(pages_data):
        where = f"{source}: pages[{i}]"
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: expected an object with \"url\" and \"steps\"")
        extra = sorted(set(entry) - {"url", "steps"})
        if extra:
            raise ValueError(f"{where}: unknown key \"{extra[0]}\"; allowed: \"url\", \"steps\"")
        if "url" not in entry:
            raise ValueError(f"{where}: missing \"url\" (an exact URL, a glob, or \"*\" for every page)")
        pattern = _check_pattern(entry["url"], where, allowed_hosts, allow_private)
        steps = entry.get("steps")
        if not isinstance(steps, list) or not steps:
            raise ValueError(f"{where}: \"steps\" must be a non-empty list")
        pages.append(PageSteps(pattern, tuple(
            parse_step(s, f"{where}.steps[{j}]", allowed_hosts=allowed_hosts, allow_private=allow_private)
            for j, s in enumerate(steps))))
    states_data = data.get("states", {})
    if not isinstance(states_data, dict):
        raise ValueError(f"{source}: \"states\" must be an object")
    extra = sorted(set(states_data) - set(STATE_KEYS))
    if extra:
        raise ValueError(f"{source}: states: unknown key \"{extra[0]}\"; allowed: "
                         + ", ".join(f'"{k}"' for k in STATE_KEYS))
    enabled = states_data.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError(f"{source}: states: \"enabled\" must be true or false, got {enabled!r}")
    max_controls = states_data.get("max_controls", StateSettings.max_controls)
    if isinstance(max_controls, bool) or not isinstance(max_controls, int) or not 0 <= max_controls <= 200:
        raise ValueError(f"{source}: states: \"max_controls\" must be a whole number from 0 to 200, "
                         f"got {max_controls!r}")
    max_seconds = _number(states_data.get("max_seconds", StateSettings.max_seconds), f"{source}: states",
                          "max_seconds", 0, 600)
    return AuditConfig(tuple(pages), StateSettings(enabled, max_controls, max_seconds))


def parse_config_text(text: str, *, source: str = "config", allowed_hosts: Iterable[str] | None = None,
                      allow_private: bool = True) -> AuditConfig:
    """:func:`parse_config` of JSON text; bad JSON is a ``ValueError`` naming line and column."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    return parse_config(data, allowed_hosts=allowed_hosts, allow_private=allow_private, source=source)


def load_config(path: str | Path, *, allowed_hosts: Iterable[str] | None = None,
                allow_private: bool = True) -> AuditConfig:
    """Read and validate a JSON config file (YAML is not supported: no YAML parser is installed)."""
    file = Path(path)
    if file.suffix.lower() in (".yaml", ".yml"):
        raise ValueError(f"{file}: YAML configs are not supported (no YAML parser installed); write it as JSON")
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read config {str(file)!r}: {exc}") from None
    return parse_config_text(text, source=str(file), allowed_hosts=allowed_hosts, allow_private=allow_private)


# --- running steps -----------------------------------------------------------------------------

Audit = Callable[[str | None], None]
"""Audits the page as it is now; the argument is the state's label (``None``: the page as left by the steps)."""


def audit_label(number: int, step: Step, driver: WebDriver, page_url: str) -> str:
    """The ``state`` of findings from an audit step: ``audit step 5 'members area' at http://...``."""
    label = f"audit step {number}" + (f" '{step.name}'" if step.name else "")
    current = driver.current_url
    return label + (f" at {current}" if current != page_url else "")


def _wait(timeout: float, probe: Callable[[], Any]) -> Any:
    """Call ``probe`` until it returns something true or ``timeout`` seconds pass; its last answer."""
    end = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer or time.monotonic() >= end:
            return answer
        time.sleep(_POLL)


def _seconds(timeout: float) -> str:
    return f"{timeout:g} s"


def _element(driver: WebDriver, step: Step, *, visible: bool = True) -> WebElement:
    """The first element matching the step's selector, waited for; :class:`RuntimeError` saying why not."""
    selector = step.selector or ""

    def probe() -> list[WebElement]:
        try:
            found = driver.find_elements(By.CSS_SELECTOR, selector)
            return [e for e in found if e.is_displayed()] if visible else found
        except StaleElementReferenceException:
            return []
    try:
        found = _wait(step.timeout, probe)
    except InvalidSelectorException:
        raise RuntimeError(f"{selector!r} is not a valid CSS selector") from None
    if found:
        return found[0]
    if visible and driver.find_elements(By.CSS_SELECTOR, selector):
        raise RuntimeError(f"{selector} matches no visible element after {_seconds(step.timeout)}")
    raise RuntimeError(f"no element matches {selector} after {_seconds(step.timeout)}")


def _click(driver: WebDriver, element: WebElement) -> None:
    try:
        element.click()
    except (ElementClickInterceptedException, ElementNotInteractableException):
        driver.execute_script("arguments[0].click();", element)  # covered (a sticky header): click it as a script would


def _run_step(driver: WebDriver, step: Step) -> None:
    if step.action == "navigate":
        driver.get(step.url or "")
        state = driver.execute_script("return location.protocol;")
        if state == "chrome-error:":
            raise RuntimeError(f"could not load {step.url}")
    elif step.action == "click":
        _click(driver, _element(driver, step))
    elif step.action == "set":
        element = _element(driver, step)
        if element.tag_name.lower() == "select":
            select = Select(element)
            texts = [o.text.strip() for o in select.options]
            if step.value in texts:
                select.select_by_visible_text(step.value or "")
            else:
                try:
                    select.select_by_value(step.value or "")
                except Exception:  # noqa: BLE001 - Selenium's NoSuchElementException: say which options exist
                    raise RuntimeError(f"{step.selector} has no option {step.value!r} "
                                       f"(options: {', '.join(texts)})") from None
        else:
            element.clear()
            element.send_keys(step.value or "")
    elif step.action == "press":
        key = KEYS.get(step.key or "", step.key or "")
        if step.selector:
            _element(driver, step).send_keys(key)
        else:
            ActionChains(driver).send_keys(key).perform()
    elif step.action == "wait" and step.selector:
        _element(driver, step)
    elif step.action == "wait":
        pattern = step.url or ""
        if not _wait(step.timeout, lambda: PageSteps(pattern, ()).matches(driver.current_url)):
            raise RuntimeError(f"the URL is {driver.current_url}, not {pattern}, after {_seconds(step.timeout)}")


def _alive(driver: WebDriver) -> bool:
    try:
        return driver.execute_script("return 1;") == 1
    except Exception:  # noqa: BLE001 - any failure means the session is unusable
        return False


def run_steps(driver: WebDriver, steps: Sequence[Step], audit: Audit, page_url: str,
              settle: Callable[[str], None] | None = None) -> int:
    """Run one page's steps in the loaded page; ``audit`` is called for each ``audit`` step.

    When no step is an ``audit``, the page is audited once after the last step
    (``audit(None)``), as pa11y does with its actions. Before an audit that follows steps
    which acted on the page, ``settle`` (when given) is called with a label naming the last
    such step, so what a click set off (a request, a rendering) is waited for as at load.

    Returns
    -------
    int
        How many steps were skipped (optional steps that failed).

    Raises
    ------
    StepError
        A step that is not optional failed: its number (from 1), the step as
        written and why, e.g. ``no element matches #accept-cookies after 5 s``.
    """
    skipped = 0
    audited = False
    acted: str | None = None  # the last step that acted on the page since the last wait

    def audit_after_steps(label: str | None) -> None:
        nonlocal acted
        if acted and settle:
            settle(acted)
        acted = None
        audit(label)

    for number, step in enumerate(steps, start=1):
        if step.action == "audit":
            audit_after_steps(audit_label(number, step, driver, page_url))
            audited = True
            continue
        try:
            _run_step(driver, step)
            acted = f"after step {number} ({step.action})"
        except (RuntimeError, WebDriverException) as exc:
            if isinstance(exc, WebDriverException) and not _alive(driver):
                raise  # the browser died: the engine replaces it
            reason = str(exc) if isinstance(exc, RuntimeError) else (getattr(exc, "msg", "") or str(exc)).strip()
            if isinstance(exc, TimeoutException):
                reason = f"timed out ({reason.splitlines()[0] if reason else 'page load'})"
            if step.optional:
                skipped += 1
                continue
            raise StepError(number, step, reason.splitlines()[0] if reason else type(exc).__name__) from None
    if not audited:
        audit_after_steps(None)
    return skipped
