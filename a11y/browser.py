"""WebDriver factory: Debian's headless Chromium, or any remote WebDriver / Selenium Grid.

Callers may pass their own driver to the engine; the tool closes only the
drivers it opened itself (pa11y's rule). Selenium Manager is never used: the
local driver runs ``/usr/bin/chromedriver`` against ``/usr/bin/chromium``
(override with the ``A11Y_CHROMEDRIVER`` and ``A11Y_CHROMIUM`` settings). With
``A11Y_REMOTE_URL`` set (or ``remote=`` given), every browser is a session of
that remote WebDriver / Selenium Grid instead; its root URL and its ``/wd/hub``
URL both work (:func:`remote_endpoint` asks which one answers).

A process owns the browsers it starts (:func:`owned`): they are quit, and their
temporary profile folders removed, when they are quit, when the process exits
normally (``atexit``) and on SIGTERM/SIGINT (:func:`handle_signals`). A profile
folder carries its owner (:data:`OWNER_FILE`: pid, start time, boot and pid
namespace), so a process killed with ``kill -9`` leaves browsers that the next
start's :func:`reap_orphans` kills and removes.

Every browser started here carries the address guard of :func:`guard_flags`: the
same rules as :func:`a11y.crawl.check_url`, applied by Chromium itself to every
request (pages, redirects, frames, subresources), for a local Chromium and for a
remote one alike, since they are command-line flags.
"""

from __future__ import annotations

import atexit
import base64
import ipaddress
import json
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from collections.abc import Iterable
from pathlib import Path
from types import FrameType
from typing import Any

import urllib3
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.remote_connection import ChromeRemoteConnection
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from a11y import addresses
from a11y.crawl import allowed_hosts_from_env, check_url
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


PROFILE_PREFIX = "a11y-chromium-"
"""Name prefix of the temporary profile folders of local browsers (in :func:`tempfile.gettempdir`)."""
OWNER_FILE = "a11y-owner.json"
"""File in a profile folder naming the process that owns it (see :func:`reap_orphans`)."""
UNMARKED_GRACE_SECONDS = 600
"""A profile folder without an owner file (an older version's, or one being made) is left alone this long."""


def _start_time(pid: int) -> int | None:
    """When process ``pid`` started (clock ticks since boot, /proc/<pid>/stat field 22), or ``None`` if gone."""
    stat = _stat(pid)
    return None if stat is None else stat[1]


def _boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def _pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def _owner_marker() -> dict[str, Any]:
    """This process as the owner of a profile folder: pid and start time (against pid reuse), boot and pid namespace."""
    return {"pid": os.getpid(), "start": _start_time(os.getpid()), "boot": _boot_id(), "pidns": _pid_namespace()}


def _cmdline(pid: int) -> str:
    """The command line of ``pid``, arguments separated by NUL (Chromium's helpers rewrite theirs with spaces)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _stat(pid: int) -> tuple[int, int] | None:
    """``(parent pid, start time)`` of ``pid``, or ``None`` when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[1]), int(fields[19])


def _uses(cmdline: str, folder: str) -> bool:
    """Whether a command line names ``folder`` (``--user-data-dir=<folder>``, ``--log-path=<folder>/…``)."""
    return re.search(rf"(?:^|[=\0 ]){re.escape(folder)}(?:$|[/\0 ])", cmdline) is not None


def _is_chromedriver(cmdline: str) -> bool:
    return os.path.basename(re.split(r"[\0 ]", cmdline, maxsplit=1)[0]) == "chromedriver"


def _browser_processes(folder: str) -> dict[int, int]:
    """``{pid: start time}`` of the processes of the browser whose profile is ``folder`` (:func:`processes_using`)."""
    me = os.getpid()
    stats: dict[int, tuple[int, int]] = {}
    found: set[int] = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != me:
            pid = int(entry.name)
            stat = _stat(pid)
            if stat is not None:
                stats[pid] = stat
                if _uses(_cmdline(pid), folder):
                    found.add(pid)
    for pid in list(found):  # without --log-path (SE_DEBUG) chromedriver is known as Chromium's parent
        parent = stats[pid][0]
        if parent in stats and parent != me and _is_chromedriver(_cmdline(parent)):
            found.add(parent)
    grown = True
    while grown:
        more = {pid for pid, (parent, _) in stats.items() if parent in found and pid not in found}
        found |= more
        grown = bool(more)
    return {pid: stats[pid][1] for pid in sorted(found)}


def processes_using(folder: str) -> list[int]:
    """Pids of the processes of the browser whose profile is ``folder``.

    Those whose command line names it (Chromium, its renderers, chromedriver through its
    ``--log-path``), the chromedriver that started them, and every descendant (Chromium's
    zygotes and helpers do not name the folder).
    """
    return list(_browser_processes(folder))


def _kill_using(folder: str, wait: float = 5.0) -> None:
    """SIGKILL the browser's processes, each held by a pidfd and checked by start time (no pid-reuse race)."""
    killed = []
    for pid, start in _browser_processes(folder).items():
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            continue
        try:
            if _start_time(pid) == start:  # the pidfd holds this very process now
                signal.pidfd_send_signal(fd, signal.SIGKILL)
                killed.append(pid)
        except OSError:
            pass
        finally:
            os.close(fd)
    deadline = time.monotonic() + wait
    while killed and time.monotonic() < deadline:
        killed = [pid for pid in killed if _cmdline(pid)]  # a zombie's command line is empty
        if killed:
            time.sleep(0.05)


def remove_profile(folder: str) -> None:
    """Kill what still uses a local browser's profile folder, then delete the folder."""
    _kill_using(folder)
    shutil.rmtree(folder, ignore_errors=True)


def _owner_dead(folder: Path) -> bool:
    """Whether the folder's owner is surely gone: same boot and pid namespace, no process with its pid and start.

    An unreadable or missing owner file counts as dead only once the folder is older than
    :data:`UNMARKED_GRACE_SECONDS` and no process uses it (its owner may be writing it right now).
    """
    try:
        marker = json.loads((folder / OWNER_FILE).read_text())
        pid, start = int(marker["pid"]), marker["start"]
        boot, pidns = str(marker["boot"]), str(marker["pidns"])
    except (OSError, ValueError, KeyError, TypeError):
        try:
            old = time.time() - folder.stat().st_mtime > UNMARKED_GRACE_SECONDS
        except OSError:
            return False
        return old and not processes_using(str(folder))
    if boot != _boot_id() or pidns != _pid_namespace():
        return False  # another machine or container sharing the folder: not ours to judge
    return _start_time(pid) != start


def reap_orphans(tmpdir: str | None = None) -> list[str]:
    """Kill the browsers of processes that died without closing them, delete their profile folders.

    Run at the start of the app, the command line and the audit worker. A folder is an
    orphan when its owner (:data:`OWNER_FILE`) is dead: no process has its pid with its start
    time, so a reused pid is not mistaken for the owner. Browsers of live processes, and of
    other machines or containers sharing the temporary folder, are never touched. Remote
    sessions of a killed process are left to the grid's session timeout.

    Returns
    -------
    list of str
        The profile folders removed.
    """
    removed = []
    for folder in sorted(Path(tmpdir or tempfile.gettempdir()).glob(PROFILE_PREFIX + "*")):
        if folder.is_dir() and not folder.is_symlink() and _owner_dead(folder):
            remove_profile(str(folder))
            removed.append(str(folder))
    return removed


_OWNED_LOCK = threading.RLock()  # re-entrant: a signal handler may run while the main thread holds it
_OWNED_PROFILES: set[str] = set()
_OWNED_REMOTES: set[WebDriver] = set()
_STOPPING = threading.Event()


def _forget_owned() -> None:
    """In a forked child: the parent's browsers are the parent's (the child never closes them)."""
    global _OWNED_LOCK, _STOPPING
    _OWNED_LOCK = threading.RLock()
    _OWNED_PROFILES.clear()
    _OWNED_REMOTES.clear()
    _STOPPING = threading.Event()


os.register_at_fork(after_in_child=_forget_owned)


def owned() -> dict[str, list]:
    """The browsers this process owns now: ``{"profiles": [folder...], "remote": [driver...]}``."""
    with _OWNED_LOCK:
        return {"profiles": sorted(_OWNED_PROFILES), "remote": list(_OWNED_REMOTES)}


def close_all(timeout: float = 5.0) -> None:
    """Close every browser this process owns: local ones killed and their folders removed, remote sessions quit.

    Runs at exit and on SIGTERM/SIGINT; a remote session that does not answer within ``timeout``
    seconds is left to the grid.
    """
    with _OWNED_LOCK:
        profiles, remotes = list(_OWNED_PROFILES), list(_OWNED_REMOTES)
        _OWNED_PROFILES.clear()
        _OWNED_REMOTES.clear()
    quitting = [threading.Thread(target=_quiet_quit, args=(d,), daemon=True) for d in remotes]
    for thread in quitting:
        thread.start()
    for folder in profiles:
        remove_profile(folder)
    deadline = time.monotonic() + timeout
    for thread in quitting:
        thread.join(max(0.0, deadline - time.monotonic()))


def _quiet_quit(driver: WebDriver) -> None:
    try:
        webdriver.Remote.quit(driver)
    except Exception:  # noqa: BLE001 - closing at exit: a dead session is already closed
        pass


atexit.register(close_all)


def handle_signals() -> bool:
    """Close this process's browsers on SIGTERM and SIGINT, then do what the signal did before.

    Call it from the main thread (the command line and the worker do; :func:`make_driver` does
    when it runs there). The previous handler still runs afterwards (Streamlit's stop, Python's
    ``KeyboardInterrupt``, or the default: the process ends by the signal). An ignored signal
    stays ignored. After such a signal the process starts no new browser. Returns whether the
    handlers are installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    for sig in (signal.SIGTERM, signal.SIGINT):
        before = signal.getsignal(sig)
        if before is signal.SIG_IGN or getattr(before, "_a11y_closes_browsers", False):
            continue
        signal.signal(sig, _closing_handler(before))
    return True


def _closing_handler(before: Any) -> Any:
    def handler(signum: int, frame: FrameType | None) -> None:
        _STOPPING.set()
        close_all()
        if callable(before):
            before(signum, frame)
        else:  # SIG_DFL (or None: set outside Python): end as the signal would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
    handler._a11y_closes_browsers = True  # type: ignore[attr-defined]
    return handler


class LocalChromium(webdriver.Chrome):
    """A local Chromium with its own throw-away profile, owned by this process, deleted on :meth:`quit`."""

    def __init__(self, *, options: Options, service: Service, profile_dir: str) -> None:
        self.profile_dir = profile_dir
        try:
            super().__init__(options=options, service=service)
        except BaseException:
            _release_profile(profile_dir)
            raise

    def quit(self) -> None:
        try:
            super().quit()
        finally:
            _release_profile(self.profile_dir)


class RemoteBrowser(webdriver.Remote):
    """A remote WebDriver session owned by this process (quit at exit and on SIGTERM/SIGINT)."""

    def quit(self) -> None:
        with _OWNED_LOCK:
            _OWNED_REMOTES.discard(self)
        super().quit()


def _new_profile() -> str:
    """A temporary profile folder marked with this process as its owner, and owned from now on."""
    if _STOPPING.is_set():
        raise RuntimeError("this process is stopping (SIGTERM/SIGINT): no new browser")
    folder = tempfile.mkdtemp(prefix=PROFILE_PREFIX)
    with _OWNED_LOCK:
        _OWNED_PROFILES.add(folder)
    (Path(folder) / OWNER_FILE).write_text(json.dumps(_owner_marker()))
    return folder


def _release_profile(folder: str) -> None:
    remove_profile(folder)
    with _OWNED_LOCK:
        _OWNED_PROFILES.discard(folder)


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


_ENDPOINTS: dict[str, str] = {}
_ENDPOINTS_LOCK = threading.Lock()


def _shown(url: str) -> str:
    """``url`` without a password, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _status(url: str, timeout: float) -> str | None:
    """``None`` when ``GET <url>/status`` answers as a WebDriver endpoint, else what went wrong."""
    parts = urllib.parse.urlsplit(url)
    request = urllib.request.Request(url + "/status", headers={"Accept": "application/json"})
    if parts.username is not None:
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else ""
        request = urllib.request.Request(urllib.parse.urlunsplit(parts._replace(netloc=netloc)) + "/status",
                                         headers={"Accept": "application/json"})
        token = base64.b64encode(f"{urllib.parse.unquote(parts.username)}:"
                                 f"{urllib.parse.unquote(parts.password or '')}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http(s) checked before
            body = json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return str(reason) or type(exc).__name__
    if isinstance(body, dict) and isinstance(body.get("value"), dict):
        return None
    return "not a WebDriver status answer"


def remote_endpoint(url: str, *, timeout: float = 10) -> str:
    """The URL of the WebDriver endpoint at ``url``: itself, or its ``/wd/hub`` variant, whichever answers.

    A Selenium Grid answers at its root and at ``/wd/hub``, a bare chromedriver only at its root
    (or at its ``--url-base``), Selenium 3 only at ``/wd/hub``: ``GET <url>/status`` is asked first,
    then ``/wd/hub`` added to the URL (or taken off it). Remembered for the process once found.

    Raises
    ------
    ValueError
        For a URL that is not http(s).
    ConnectionError
        When neither answers as a WebDriver endpoint; the message names the URLs and what each said.
    """
    base = url.strip().rstrip("/")
    if not base.startswith(("http://", "https://")) or not urllib.parse.urlsplit(base).hostname:
        raise ValueError(f"remote WebDriver URL must be http:// or https:// with a host, got {url!r}")
    with _ENDPOINTS_LOCK:
        if base in _ENDPOINTS:
            return _ENDPOINTS[base]
    other = base.removesuffix("/wd/hub") if base.endswith("/wd/hub") else base + "/wd/hub"
    tried = []
    for candidate in (base, other):
        problem = _status(candidate, timeout)
        if problem is None:
            with _ENDPOINTS_LOCK:
                _ENDPOINTS[base] = candidate
            return candidate
        tried.append(f"{_shown(candidate)}/status: {problem}")
    raise ConnectionError(f"no WebDriver answers at {_shown(base)} (tried {'; '.join(tried)})")


def make_driver(remote: str | None = None, *, window: tuple[int, int] = (1280, 900),
                page_load_timeout: float = 30, allowed_hosts: Iterable[str] | None = _FROM_ENV,
                allow_private: bool = True) -> WebDriver:
    """Start a WebDriver session for audits.

    Parameters
    ----------
    remote : str or None, default: ``A11Y_REMOTE_URL``
        URL of a remote WebDriver endpoint (Selenium Grid hub, or a chromedriver
        started with ``--port``; with or without ``/wd/hub``, see :func:`remote_endpoint`).
        ``None``: the ``A11Y_REMOTE_URL`` setting, and when that is unset Debian's Chromium
        started locally with a fresh temporary ``--user-data-dir`` owned by this process.
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
        A Chrome session. The caller must ``quit()`` it; the process closes it at exit and
        on SIGTERM/SIGINT otherwise.

    Raises
    ------
    RuntimeError
        When the browser does not apply the guard (a remote endpoint that drops the
        flags): it is closed again rather than used unguarded.
    ConnectionError
        When no WebDriver answers at the remote URL.
    """
    if page_load_timeout <= 0:
        raise ValueError(f"page_load_timeout must be > 0 seconds, got {page_load_timeout!r}")
    options = chromium_options(window)
    if allowed_hosts is _FROM_ENV:
        allowed_hosts = allowed_hosts_from_env()
    for flag in guard_flags(allowed_hosts, allow_private):
        options.add_argument(flag)
    if remote is None:
        remote = settings.value("A11Y_REMOTE_URL")  # type: ignore[assignment]
    handle_signals()
    if remote:
        if _STOPPING.is_set():
            raise RuntimeError("this process is stopping (SIGTERM/SIGINT): no new browser")
        if not remote.startswith(("http://", "https://")):
            raise ValueError(f"remote WebDriver URL must be http:// or https://, got {remote!r}")
        check_url(remote)  # never a link-local or metadata address
        endpoint = remote_endpoint(remote)
        connection = ChromeRemoteConnection(endpoint)
        try:
            driver: WebDriver = RemoteBrowser(command_executor=connection, options=options)
        except urllib3.exceptions.HTTPError as exc:
            reason = re.search(r"\[Errno -?\d+\] [^\"')]+", str(exc))
            raise ConnectionError(f"cannot reach the remote WebDriver at {_shown(endpoint)}"
                                  + (f" ({reason.group(0)})" if reason else "")) from None
        with _OWNED_LOCK:
            _OWNED_REMOTES.add(driver)
    else:
        binary = str(settings.value("A11Y_CHROMIUM"))
        chromedriver = str(settings.value("A11Y_CHROMEDRIVER"))
        for what, path in (("Chromium", binary), ("chromedriver", chromedriver)):
            if not os.access(path, os.X_OK):
                raise FileNotFoundError(f"{what} not found at {path}: install Debian's chromium and "
                                        "chromium-driver (make system), or set A11Y_REMOTE_URL (--remote)")
        options.binary_location = binary
        profile_dir = _new_profile()
        options.add_argument(f"--user-data-dir={profile_dir}")
        # The log path names the profile folder in chromedriver's command line: reap_orphans finds it.
        service = Service(executable_path=chromedriver, service_args=["--log-level=SEVERE"],
                          log_output=os.path.join(profile_dir, "chromedriver.log"))
        driver = LocalChromium(options=options, service=service, profile_dir=profile_dir)
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
