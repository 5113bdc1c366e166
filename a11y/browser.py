"""WebDriver factory: Debian's headless Chromium, or any remote WebDriver / Selenium Grid.

Callers may pass their own driver to the engine; the tool closes only the
drivers it opened itself (pa11y's rule). Selenium Manager is never used: the
local driver runs ``/usr/bin/chromedriver`` against ``/usr/bin/chromium``
(override with the ``A11Y_CHROMEDRIVER`` and ``A11Y_CHROMIUM`` environment
variables).

Every browser started here carries the address guard of :func:`guard_flags`: the
same rules as :func:`a11y.crawl.check_url`, applied by Chromium itself to every
request (pages, redirects, frames, subresources), for a local Chromium and for a
remote one alike, since they are command-line flags.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Iterable
from typing import Any

import urllib3
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.remote_connection import ChromeRemoteConnection
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from a11y import addresses
from a11y.crawl import allowed_hosts_from_env
from cardsort import settings

CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
)
"""Flags every Chromium we start gets (headless, no sandbox, no background traffic)."""

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
_GUARDS: weakref.WeakKeyDictionary[WebDriver, tuple[frozenset[str] | None, bool]] = weakref.WeakKeyDictionary()


def guard_of(driver: WebDriver) -> tuple[frozenset[str] | None, bool] | None:
    """``(allowed_hosts, allow_private)`` of the guard :func:`make_driver` gave ``driver``, or ``None``."""
    return _GUARDS.get(driver)


GUARD_PROXY = "PROXY 127.0.0.1:9"
"""Where the guard sends a refused request: a proxy address where nothing listens (ERR_PROXY_CONNECTION_FAILED)."""
GUARD_SENTINEL = "a11y-guard.invalid"
"""A host the guard always refuses: :func:`make_driver` loads it to prove the guard is on."""

_PAC = r"""
var A11Y_ALLOWED = %(allowed)s;
var A11Y_ALLOW_PRIVATE = %(private)s;
var A11Y_NEVER_NAMES = %(names)s;
var A11Y_NETS = %(nets)s;
var A11Y_RANGES = %(ranges)s;

function a11yHextets(text) {
  text = String(text).split("%%")[0];
  var v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
  var m = v4.exec(text);
  if (m) {
    for (var i = 1; i < 5; i++) { if (+m[i] > 255) return null; }
    return [0, 0, 0, 0, 0, 0xffff, (+m[1] << 8) | +m[2], (+m[3] << 8) | +m[4]];
  }
  if (text.indexOf(":") < 0) return null;
  var tail = [];
  var last = text.lastIndexOf(":");
  m = v4.exec(text.slice(last + 1));
  if (m) {
    tail = [(+m[1] << 8) | +m[2], (+m[3] << 8) | +m[4]];
    text = text.slice(0, last + 1) + "0";
  }
  var halves = text.split("::");
  if (halves.length > 2) return null;
  var read = function (part) { return part === "" ? [] : part.split(":"); };
  var head = read(halves[0]), rest = halves.length == 2 ? read(halves[1]) : [];
  if (tail.length) { (halves.length == 2 ? rest : head).pop(); }
  var fill = 8 - tail.length - head.length - rest.length;
  if (halves.length == 1 ? fill != 0 : fill < 1) return null;
  var words = head.slice();
  for (var j = 0; j < fill; j++) words.push("0");
  words = words.concat(rest);
  var out = [];
  for (var k = 0; k < words.length; k++) {
    if (!/^[0-9a-f]{1,4}$/i.test(words[k])) return null;
    out.push(parseInt(words[k], 16));
  }
  return out.concat(tail);
}

function a11yIn(h, net) {
  var bits = net[1];
  for (var i = 0; i < 8 && bits > 0; i++, bits -= 16) {
    var mask = bits >= 16 ? 0xffff : (0xffff << (16 - bits)) & 0xffff;
    if ((h[i] & mask) != (net[0][i] & mask)) return false;
  }
  return true;
}

function a11yKind(h) {
  if (a11yIn(h, A11Y_RANGES.mapped) || a11yIn(h, A11Y_RANGES.nat64)) {
    h = [0, 0, 0, 0, 0, 0xffff, h[6], h[7]];
  } else if (a11yIn(h, A11Y_RANGES.sixtofour)) {
    h = [0, 0, 0, 0, 0, 0xffff, h[1], h[2]];
  }
  for (var i = 0; i < A11Y_NETS.length; i++) {
    if (a11yIn(h, A11Y_NETS[i])) return A11Y_NETS[i][2];
  }
  if (!a11yIn(h, A11Y_RANGES.mapped) && !a11yIn(h, A11Y_RANGES.global)) return "never";
  return null;
}

function a11yListed(host) {
  for (var i = 0; i < A11Y_ALLOWED.length; i++) {
    var entry = A11Y_ALLOWED[i];
    if (entry.charAt(0) == ".") {
      if (host == entry.slice(1) || host.slice(-entry.length) == entry) return true;
    } else if (host == entry) {
      return true;
    }
  }
  return false;
}

function a11yMayLoad(host, resolve) {
  host = String(host).toLowerCase();
  if (host.charAt(0) == "[") host = host.slice(1, -1);
  if (host.length > 1 && host.charAt(host.length - 1) == ".") host = host.slice(0, -1);
  if (host == "%(sentinel)s") return false;
  var listed = A11Y_ALLOWED !== null && a11yListed(host);
  if (A11Y_ALLOWED !== null && !listed) return false;
  var literal = a11yHextets(host);
  if (!literal && A11Y_NEVER_NAMES.indexOf(host) >= 0) return false;
  var found = literal ? [host] : String(resolve(host) || "").split(";");
  for (var i = 0; i < found.length; i++) {
    if (!found[i]) continue;
    var h = a11yHextets(found[i]);
    if (!h) return false;
    var kind = a11yKind(h);
    if (kind == "never") return false;
    if (kind == "private" && !(listed || A11Y_ALLOW_PRIVATE)) return false;
  }
  return true;
}

function FindProxyForURL(url, host) {
  try {
    return a11yMayLoad(host, dnsResolveEx) ? "DIRECT" : "%(block)s";
  } catch (e) {
    return "%(block)s";
  }
}
"""


def _hextets(value: int, length: int) -> list:
    return [[(value >> (112 - 16 * i)) & 0xFFFF for i in range(8)], length]


def pac_script(allowed_hosts: Iterable[str] | None, allow_private: bool) -> str:
    """The proxy auto-config script of the guard: ``DIRECT`` for what may load, a dead proxy for the rest.

    It decides as :func:`a11y.addresses.refusal` does, on every address ``dnsResolveEx``
    gives for the host, from the same table (:data:`a11y.addresses.NETWORKS`). A name that
    does not resolve goes ``DIRECT`` as in the URL check (Chromium then reports
    ERR_NAME_NOT_RESOLVED); an address the script cannot read, or any error in it, refuses.
    """
    allowed = None if allowed_hosts is None else sorted(h.strip().lower() for h in allowed_hosts)
    nets = [[*_hextets(first, length), kind] for first, length, kind, _ in addresses.NETWORKS]
    ranges = {name: _hextets(*addresses._as_v6(net)) for name, net in (
        ("mapped", "::ffff:0:0/96"), ("nat64", "64:ff9b::/96"), ("sixtofour", "2002::/16"), ("global", "2000::/3"))}
    return _PAC % {"allowed": json.dumps(allowed), "private": json.dumps(bool(allow_private)),
                   "names": json.dumps(list(addresses.METADATA_NAMES)), "nets": json.dumps(nets),
                   "ranges": json.dumps(ranges), "sentinel": GUARD_SENTINEL, "block": GUARD_PROXY}


_LOOPBACK_NAMES = ("localhost", "*.localhost", "localhost.localdomain", "localhost6", "localhost6.localdomain6")


def _loopback_entry(entry: str) -> list[str]:
    """Host-resolver patterns an allow-list entry exempts from the loopback rules (names and literals)."""
    if entry.startswith("."):
        return ["localhost", "*.localhost"] if entry == ".localhost" else []
    if entry in ("localhost", "localhost6", "localhost.localdomain", "localhost6.localdomain6") \
            or entry.endswith(".localhost"):
        return [entry]
    try:
        ip = ipaddress.ip_address(entry.strip("[]"))
    except ValueError:
        return []
    return [str(ip)] if ip.is_loopback else []


def host_resolver_rules(allowed_hosts: Iterable[str] | None, allow_private: bool) -> str:
    """The guard's ``--host-resolver-rules``: hosts Chromium never sends to the proxy script.

    Chromium connects straight to localhost names and to loopback and link-local IP
    literals, whatever the proxy settings say; mapping them to "not found" closes that
    gap. Link-local (and the metadata names) always; loopback unless local use is allowed
    without an allow-list (then only the loopback hosts the list names are left alone).
    """
    rules = ["MAP 169.254.* ~NOTFOUND", "MAP ::ffff:a9fe:* ~NOTFOUND"]
    rules += [f"MAP fe{c}*:* ~NOTFOUND" for c in "89ab"]
    rules += [f"MAP {name} ~NOTFOUND" for name in addresses.METADATA_NAMES]
    if allowed_hosts is not None or not allow_private:
        rules += [f"MAP {name} ~NOTFOUND" for name in _LOOPBACK_NAMES]
        rules += ["MAP 127.* ~NOTFOUND", "MAP ::1 ~NOTFOUND", "MAP ::ffff:7f* ~NOTFOUND"]
        exempt = sorted({p for entry in (allowed_hosts or ()) for p in _loopback_entry(entry.strip().lower())})
        rules += [f"EXCLUDE {pattern}" for pattern in exempt]
    return ", ".join(rules)


def guard_flags(allowed_hosts: Iterable[str] | None, allow_private: bool) -> list[str]:
    """Chromium flags that keep the browser on what :func:`a11y.crawl.check_url` allows.

    A proxy auto-config script (:func:`pac_script`, as a ``data:`` URL) sends every
    request for a refused host to a dead proxy, after resolving the host name; host
    resolver rules (:func:`host_resolver_rules`) cover the hosts Chromium never asks the
    script about; WebRTC may not send UDP around the proxy. The flags work for a
    remote WebDriver too: the remote Chromium resolves and refuses from where it runs.
    """
    pac = base64.b64encode(pac_script(allowed_hosts, allow_private).encode()).decode()
    return [f"--proxy-pac-url=data:application/x-ns-proxy-autoconfig;base64,{pac}",
            f"--host-resolver-rules={host_resolver_rules(allowed_hosts, allow_private)}",
            "--force-webrtc-ip-handling-policy=disable_non_proxied_udp"]


def make_driver(remote: str | None = None, *, window: tuple[int, int] = (1280, 900),
                page_load_timeout: float = 30, allowed_hosts: Iterable[str] | None = _FROM_ENV,
                allow_private: bool = True) -> WebDriver:
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
        Hosts the browser may reach at all (see :func:`guard_flags`); ``None``: any host
        whose addresses may be audited.
    allow_private : bool, default=True
        Whether loopback and private addresses may load (the command line's local use;
        the app passes ``A11Y_ALLOW_PRIVATE``). Link-local and metadata addresses never load.

    Returns
    -------
    WebDriver
        A Chrome session. The caller owns it and must ``quit()`` it.

    Raises
    ------
    RuntimeError
        When the browser does not apply the guard (a remote endpoint that drops the
        flags): it is closed again rather than used unguarded.
    """
    if page_load_timeout <= 0:
        raise ValueError(f"page_load_timeout must be > 0 seconds, got {page_load_timeout!r}")
    options = chromium_options(window)
    if allowed_hosts is _FROM_ENV:
        allowed_hosts = allowed_hosts_from_env()
    for flag in guard_flags(allowed_hosts, allow_private):
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
        binary = str(settings.value("A11Y_CHROMIUM"))
        chromedriver = str(settings.value("A11Y_CHROMEDRIVER"))
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
        _prove_guard(driver)
    except BaseException:
        driver.quit()
        raise
    _GUARDS[driver] = (None if allowed_hosts is None else frozenset(allowed_hosts), bool(allow_private))
    return driver


def _prove_guard(driver: WebDriver) -> None:
    """Load :data:`GUARD_SENTINEL`: only the guard's dead proxy fails it with ERR_PROXY_CONNECTION_FAILED.

    A browser started on a busy machine (or right after another was killed) can time out on its first
    load: it is asked twice before it counts as unguarded.
    """
    text = ""
    for _ in range(2):
        try:
            driver.get(f"http://{GUARD_SENTINEL}/")
            text = "the guard's test page loaded"
        except TimeoutException:
            text = "the guard's test page timed out"
            continue
        except WebDriverException as exc:
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        break
    if "ERR_PROXY_CONNECTION_FAILED" not in text:
        raise RuntimeError("the browser does not apply the address guard (its --proxy-pac-url flag: "
                           f"{text}); refusing to audit with it")
    driver.get("about:blank")


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
    # command_executor is typed str | RemoteConnection; a str is never left there once the driver runs.
    if not isinstance(executor, str) and hasattr(executor, "get_command") \
            and executor.get_command(_CDP_COMMAND) is None:
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
