"""WebDriver factory: Debian's headless Chromium, or any remote WebDriver / Selenium Grid.

Callers may pass their own driver to the engine; the tool closes only the
drivers it opened itself (pa11y's rule). Selenium Manager is never used: the
local driver runs ``/usr/bin/chromedriver`` against ``/usr/bin/chromium``
(override with the ``A11Y_CHROMEDRIVER`` and ``A11Y_CHROMIUM`` environment
variables).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from typing import Any

import urllib3

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.remote_connection import ChromeRemoteConnection
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from a11y.crawl import allowed_hosts_from_env

CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
)
"""Flags every Chromium we start gets (headless, no sandbox, no background traffic)."""

DEFAULT_CHROMIUM = "/usr/bin/chromium"
DEFAULT_CHROMEDRIVER = "/usr/bin/chromedriver"

_CDP_COMMAND = "executeCdpCommand"
_CDP_PATH = "/session/$sessionId/goog/cdp/execute"


class CdpUnavailableError(RuntimeError):
    """The WebDriver endpoint cannot run Chrome DevTools Protocol commands."""


class LocalChromium(webdriver.Chrome):
    """A local Chromium with its own throw-away profile, deleted on :meth:`quit`."""

    def __init__(self, *, options: Options, service: Service, profile_dir: str) -> None:
        self.profile_dir = profile_dir
        try:
            super().__init__(options=options, service=service)
        except BaseException:
            shutil.rmtree(profile_dir, ignore_errors=True)
            raise

    def quit(self) -> None:
        try:
            super().quit()
        finally:
            shutil.rmtree(self.profile_dir, ignore_errors=True)


def chromium_options(window: tuple[int, int] = (1280, 900)) -> Options:
    """Chrome options with :data:`CHROMIUM_FLAGS` and the window size, without a binary or profile."""
    if len(window) != 2 or min(window) < 100:
        raise ValueError(f"window must be (width, height) of at least 100 px each, got {window!r}")
    options = Options()
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={int(window[0])},{int(window[1])}")
    # Axe needs nothing from the browser's logs; silence them.
    options.add_experimental_option("excludeSwitches", ["enable-logging"])
    # alert()/confirm() on load would block every later command: dismiss them silently.
    options.unhandled_prompt_behavior = "dismiss"
    return options


_FROM_ENV: Any = object()


def allow_list_flags(allowed_hosts: Iterable[str] | None) -> list[str]:
    """Chromium flags that let the browser reach only ``allowed_hosts`` (``A11Y_ALLOWED_HOSTS`` entries).

    Every request goes to a proxy address where nothing listens, except requests to
    the allowed hosts, which bypass it; ``<-loopback>`` removes Chromium's implicit
    bypass of localhost. So a page, a redirect or a subresource pointing at any other
    host (an internal address included) fails in the browser itself.
    """
    if allowed_hosts is None:
        return []
    bypass = ["<-loopback>"]
    for entry in sorted(allowed_hosts):
        entry = entry.strip().lower()
        bypass += [entry[1:], f"*{entry}"] if entry.startswith(".") else [entry]
    return ["--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=" + ";".join(bypass)]


def make_driver(remote: str | None = None, *, window: tuple[int, int] = (1280, 900),
                page_load_timeout: float = 30, allowed_hosts: Iterable[str] | None = _FROM_ENV) -> WebDriver:
    """Start a WebDriver session for audits.

    Parameters
    ----------
    remote : str or None, default=None
        URL of a remote WebDriver endpoint (Selenium Grid hub, or a chromedriver
        started with ``--port``). ``None`` starts Debian's Chromium locally with a
        fresh temporary ``--user-data-dir``.
    window : (int, int), default=(1280, 900)
        Window width and height in CSS pixels.
    page_load_timeout : float, default=30
        Seconds a page may take to load before ``TimeoutException``.
    allowed_hosts : iterable of str or None, default: ``A11Y_ALLOWED_HOSTS``
        Hosts the browser may reach at all (see :func:`allow_list_flags`); ``None``: any.

    Returns
    -------
    WebDriver
        A Chrome session. The caller owns it and must ``quit()`` it.
    """
    if page_load_timeout <= 0:
        raise ValueError(f"page_load_timeout must be > 0 seconds, got {page_load_timeout!r}")
    options = chromium_options(window)
    if allowed_hosts is _FROM_ENV:
        allowed_hosts = allowed_hosts_from_env()
    for flag in allow_list_flags(allowed_hosts):
        options.add_argument(flag)
    if remote:
        if not remote.startswith(("http://", "https://")):
            raise ValueError(f"remote WebDriver URL must be http:// or https://, got {remote!r}")
        connection = ChromeRemoteConnection(remote.rstrip("/"))
        try:
            driver: WebDriver = webdriver.Remote(command_executor=connection, options=options)
        except urllib3.exceptions.HTTPError as exc:
            reason = re.search(r"\[Errno -?\d+\] [^\"')]+", str(exc))
            raise ConnectionError(f"cannot reach the remote WebDriver at {remote}"
                                  + (f" ({reason.group(0)})" if reason else "")) from None
    else:
        binary = os.environ.get("A11Y_CHROMIUM", DEFAULT_CHROMIUM)
        chromedriver = os.environ.get("A11Y_CHROMEDRIVER", DEFAULT_CHROMEDRIVER)
        for what, path in (("Chromium", binary), ("chromedriver", chromedriver)):
            if not os.access(path, os.X_OK):
                raise FileNotFoundError(f"{what} not found at {path}: install Debian's chromium and "
                                        "chromium-driver (make system), or use --remote")
        options.binary_location = binary
        profile_dir = tempfile.mkdtemp(prefix="a11y-chromium-")
        options.add_argument(f"--user-data-dir={profile_dir}")
        driver = LocalChromium(options=options, service=Service(executable_path=chromedriver),
                               profile_dir=profile_dir)
    try:
        driver.set_page_load_timeout(page_load_timeout)
    except BaseException:
        driver.quit()
        raise
    return driver


def cdp(driver: WebDriver, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run one Chrome DevTools Protocol command and return its result.

    Works for a local Chromium and for remote Chrome sessions (Selenium Grid and a
    bare chromedriver both serve chromedriver's ``goog/cdp/execute`` endpoint).

    Raises
    ------
    CdpUnavailableError
        When the endpoint does not know the command (e.g. a non-Chrome browser).
    """
    executor = driver.command_executor
    if hasattr(executor, "get_command") and executor.get_command(_CDP_COMMAND) is None:
        # A plain webdriver.Remote made by the caller: teach it chromedriver's endpoint.
        executor.add_command(_CDP_COMMAND, "POST", _CDP_PATH)
    try:
        return driver.execute(_CDP_COMMAND, {"cmd": method, "params": params or {}})["value"] or {}
    except WebDriverException as exc:
        text = str(exc).lower()
        if any(m in text for m in ("unknown command", "unknown method", "not supported")) \
                or ("no such" in text and "command" in text):
            raise CdpUnavailableError(f"this WebDriver endpoint does not support CDP ({method})") from exc
        raise
