"""Accessibility-audit benchmark: our ``python -m a11y audit`` against pa11y-ci and @axe-core/cli.

One run measures, on the same generated pages (:mod:`bench.pages`: about 24 KB each,
an iframe on every fifth, planted defects) served from this process on 127.0.0.1:

* **pa11y-ci** (axe runner, concurrency 2) and **@axe-core/cli** (all pages in one
  call), installed by this benchmark from the npm registry into ``bench/.peers/``
  with ``--ignore-scripts`` and driving Debian's Chromium and chromedriver;
* **ours** with ``--workers 2`` and ``--workers 1`` on its default settings, every stage
  on (settle and scroll, viewport checks, keyboard walk, open states where this build
  has them), as a user runs it; the report's per-page ``keyboard`` entries (seconds,
  presses, how each walk ended) are summarised;
* **ours-lean**: one worker with every stage that has a ``--no-*`` flag switched off
  (the flags are read from ``python -m a11y audit --help``, so a build without
  ``--no-states`` still runs), plus a one-page run of it: its time is the fixed cost
  (interpreter, imports, browser start), and ``(T(n pages) - T(1 page)) / (n - 1)`` is
  the cost per page of ours' axe and tree checks, the work the reference does;
  ``ours-w1`` minus ``ours-lean`` is what the stages together add per page;
* **ours-no-states** (only where ``--no-states`` exists): one worker, states off; its
  difference to ``ours-w1`` is the states' cost per page;
* the **reference**: the ``axe.min.js`` ours uses (from the installed
  ``axe_selenium_python`` package) injected into every frame and run with ``axe.run``
  and ours' axe options, page after page in one already-open Chromium driven from
  Python; browser start is not timed. Per page that is navigation + injection +
  ``axe.run``: the least work any axe-based tool does;
* with ``ours-w1``, the reflow and text-spacing checks (:mod:`a11y.viewport`) timed
  alone on every page in one open browser: what they add to ours' cost per page.
* the **settle cost** (:func:`measure_settle_cost`, informative, no target): what waiting
  for a page to settle (:mod:`a11y.settle`) adds per page to ours' default audit, on the
  same static pages, on copies with one inert script (which pay the quiet window) and on
  the script-rendered pages;
* **script-rendered pages** (``--spa-tools``): pa11y-ci, @axe-core/cli and ours
  (``--workers 2``, default settings) on the same number of pages rendered by a script
  from JSON a second after load (:func:`bench.pages.generate_spa_site`); each tool's
  planted defects found and missed (the peers audit at ``load``: the loading state).

Peers and ours are timed as a user sees them, process start to exit, and the CPU time
of each tool's whole process tree (browsers included) is sampled from ``/proc``
(:class:`TreeCpu`): on a shared machine wall time depends on what else runs, CPU
seconds per page much less. Every tool's output is checked against the planted
defects, so no tool "wins" by auditing nothing. Targets: ours with two workers on its
default settings at least 2 times the pages per minute of pa11y-ci (issue 11) and 2.5
times that of each peer (issue 3); ours' one-worker cost per page without the optional
stages (``ours-lean``) at most 1.3 times the reference's time per page (issue 3).

``python -m bench a11y [--repeat N] [--pages N] [--tools LIST] [--spa-tools LIST]`` prints a side-by-side
table and writes ``bench/results/a11y.json``. Exit status 0 when every target is met
and every tool passed its sanity check, 1 otherwise, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import (
    PEERS_DIR,
    ROOT,
    WORK_DIR,
    BenchError,
    ProcessRun,
    format_table,
    log,
    verdict,
    write_results,
)
from bench.pages import Site, generate_site, generate_spa_site

WORK = WORK_DIR / "a11y"

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run",
)
WINDOW = "--window-size=1280,900"
"""Ours' window size (a11y.browser); the reference and @axe-core/cli get the same."""

PEER_PACKAGES = {"pa11y-ci": "4.1.1", "@axe-core/cli": "4.13.0"}
"""npm packages of the peers, pinned so that runs on different days compare."""

SPEEDUP_TARGET = 2.5
DEFAULT_SPEEDUP_TARGET = 2.0
"""Issue 11: ours on its default settings (every stage on), two workers, against pa11y-ci."""
OVERHEAD_TARGET = 1.3
MIN_RECALL = 0.9
"""Share of the planted top-level defects a tool must report to count as having audited."""

TOOLS = ("pa11y-ci", "axe-cli", "ours-w2", "ours-w1", "ours-lean", "ours-no-states", "reference")
SPA_TOOLS = ("pa11y-ci", "axe-cli", "ours-w2")
"""Tools also run on the script-rendered pages."""
STAGE_FLAGS = {"settle": "--no-settle", "viewport": "--no-viewport", "keyboard": "--no-keyboard",
               "states": "--no-states"}
"""The audit's optional stages, on by default, and the flag that switches each off."""
TIMEOUT_S = 900.0


@dataclass
class Run:
    """One timed run of one tool over ``n_pages`` pages.

    ``found`` maps each page URL the tool audited to the axe rule ids it reported as
    violations there (needs-review results and our own custom checks left out).
    """

    tool: str
    label: str
    seconds: float
    n_pages: int
    found: dict[str, set[str]] = field(default_factory=dict)
    error: str | None = None
    cpu_s: float | None = None
    load_before: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def pages_ok(self) -> int:
        return len(self.found)

    @property
    def pages_per_minute(self) -> float:
        return 60.0 * self.n_pages / self.seconds if self.seconds > 0 else 0.0


def _process_run(tool: str, label: str, n_pages: int, process: ProcessRun, load: float, **kwargs: Any) -> Run:
    return Run(tool, label, process.wall_s, n_pages, cpu_s=process.cpu_s, load_before=load, **kwargs)


# -- measuring a process tree -------------------------------------------------------------

_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


class TreeCpu:
    """CPU seconds used by a process and everything it starts, sampled from ``/proc`` (Linux).

    ``wait4`` (what :func:`bench.common.run_process` reports) counts only descendants
    that were reaped by their own parents; Chromium under chromedriver under node is
    not, so its CPU would go missing. This follows the tree instead: the processes
    descending from ``root`` plus those left in the process group ``root`` leads
    (helpers orphaned to init), summing the user + system time each used between
    entering and leaving the context. A process that
    ends between two samples loses at most ``interval`` seconds; one that lives
    shorter than ``interval`` can be missed.
    """

    def __init__(self, root: int, interval: float = 0.1) -> None:
        self.root, self.interval = root, interval
        self._ticks: dict[tuple[int, int], int] = {}  # (pid, start time) -> utime + stime
        self._before: dict[tuple[int, int], int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tree-cpu", daemon=True)

    def __enter__(self) -> TreeCpu:
        self._sample()
        self._before = dict(self._ticks)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def seconds(self) -> float:
        return sum(t - self._before.get(k, 0) for k, t in self._ticks.items()) / _TICKS_PER_S

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        table: dict[int, tuple[int, int, int, int]] = {}  # pid -> (ppid, process group, start time, ticks)
        children: dict[int, list[int]] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:  # ended meanwhile
                continue
            # Fields after the parenthesised command name: state ppid pgrp session ... (proc(5)).
            fields = stat[stat.rfind(b")") + 2:].split()
            pid, ppid = int(entry.name), int(fields[1])
            table[pid] = (ppid, int(fields[2]), int(fields[19]), int(fields[11]) + int(fields[12]))
            children.setdefault(ppid, []).append(pid)
        members = {pid for pid, row in table.items() if row[1] == self.root}  # orphans of the group
        todo = [self.root]
        while todo:
            pid = todo.pop()
            if pid in table:
                members.add(pid)
            todo.extend(children.get(pid, ()))
        for pid in members:
            _, _, started, ticks = table[pid]
            key = (pid, started)
            self._ticks[key] = max(self._ticks.get(key, 0), ticks)


def run_tool(argv: Sequence[str | os.PathLike[str]], *, output_stem: Path, cwd: Path,
             timeout: float = TIMEOUT_S) -> ProcessRun:
    """Run one tool in a process group of its own; wall time, and CPU time of its whole tree.

    The tool stays in this process's session: with the kernel's autogroup scheduling a
    new session would be a new CPU-share group, so on a busy machine tools would get
    different shares depending on how they were started.

    Standard output and error go to ``<stem>.out`` and ``<stem>.err``. ``peak_rss_mb`` is
    not measured (NaN): a sum over browser processes would count shared pages many times.
    """
    command: list[str] = [os.fspath(a) for a in argv]
    out_path, err_path = output_stem.with_name(output_stem.name + ".out"), output_stem.with_name(
        output_stem.name + ".err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd,
                                process_group=0)
        with TreeCpu(proc.pid) as cpu:
            try:
                proc.wait(timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                timed_out = True
            wall = time.perf_counter() - start
            # Whatever the tool left behind in its group (a browser it failed to close) is stopped.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
    return ProcessRun(argv=command, wall_s=wall, cpu_s=cpu.seconds, peak_rss_mb=float("nan"),
                      returncode=proc.returncode, timed_out=timed_out,
                      stdout_path=os.fspath(out_path), stderr_path=os.fspath(err_path))


def _failure(process: ProcessRun) -> str:
    if process.timed_out:
        return f"timed out after {process.wall_s:.0f} s"
    lines = [line for line in process.stderr_tail(40).splitlines() if line.strip()]
    return f"exit {process.returncode}: {lines[-1].strip() if lines else 'no output'}"


# -- the local site -----------------------------------------------------------------------

class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Static files without a log line per request (the tools fetch a few hundred)."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@contextlib.contextmanager
def serve(root: Path) -> Iterator[str]:
    """Serve ``root`` on a free port of 127.0.0.1 from a background thread; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="bench-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- peers --------------------------------------------------------------------------------

def _installed_version(package_dir: Path) -> str | None:
    manifest = package_dir / "package.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text(encoding="utf-8")).get("version")


def ensure_peers(peers: Path = PEERS_DIR) -> dict[str, str]:
    """Install the pinned peers into ``peers`` with npm unless they are there already.

    No install scripts run (``--ignore-scripts``), so Puppeteer and the chromedriver
    package download nothing: the peers drive Debian's Chromium and chromedriver.

    Returns
    -------
    dict
        Versions of ``pa11y-ci`` and ``@axe-core/cli`` and of the axe-core each bundles
        (keys ``pa11y-ci axe-core`` and ``@axe-core/cli axe-core``).

    Raises
    ------
    BenchError
        npm is missing or the install failed.
    """
    modules = peers / "node_modules"
    if any(_installed_version(modules / name) != version for name, version in PEER_PACKAGES.items()):
        npm = shutil.which("npm")
        if npm is None:
            raise BenchError("npm not found: install Node.js 20+ and npm (Debian: apt-get install nodejs npm)")
        peers.mkdir(parents=True, exist_ok=True)
        (peers / "package.json").write_text(json.dumps(
            {"name": "a11y-bench-peers", "private": True, "dependencies": PEER_PACKAGES}, indent=2) + "\n")
        env = {**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1", "CHROMEDRIVER_SKIP_DOWNLOAD": "true"}
        log(f"installing {', '.join(f'{n}@{v}' for n, v in PEER_PACKAGES.items())} into {peers}")
        done = subprocess.run([npm, "install", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                              cwd=peers, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
        if done.returncode != 0:
            raise BenchError(f"npm install of the peers failed in {peers}:\n{done.stderr[-2000:]}")
    versions = {name: _installed_version(modules / name) or "?" for name in PEER_PACKAGES}
    for owner, nested in (("pa11y-ci", modules / "pa11y"), ("@axe-core/cli", modules / "@axe-core" / "cli")):
        axe = _installed_version(nested / "node_modules" / "axe-core") or _installed_version(modules / "axe-core")
        versions[f"{owner} axe-core"] = axe or "?"
    return versions


# -- the tools ----------------------------------------------------------------------------

def stage_flags(help_text: str) -> dict[str, str]:
    """The optional stages whose ``--no-*`` flag appears in ``python -m a11y audit --help``'s text."""
    offered = set(re.findall(r"--no-[a-z-]*[a-z]", help_text))
    return {stage: flag for stage, flag in STAGE_FLAGS.items() if flag in offered}


def available_stage_flags() -> dict[str, str]:
    """:func:`stage_flags` of this checkout's audit command (so a build without ``--no-states`` still runs)."""
    done = subprocess.run([sys.executable, "-m", "a11y", "audit", "--help"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    if done.returncode != 0:
        raise BenchError(f"python -m a11y audit --help failed: {done.stderr[-500:]}")
    return stage_flags(done.stdout)


def run_pa11y_ci(urls: list[str], versions: dict[str, str], tag: str = "") -> Run:
    """pa11y-ci with the axe runner and concurrency 2 (one Chromium launched by Puppeteer)."""
    report = WORK / f"pa11y-ci{tag}.json"
    report.unlink(missing_ok=True)
    config = WORK / f"pa11y-ci{tag}.config.json"
    config.write_text(json.dumps({
        "defaults": {
            "runners": ["axe"],
            "concurrency": 2,
            "timeout": 120_000,
            "chromeLaunchConfig": {"executablePath": CHROMIUM, "args": list(CHROMIUM_FLAGS)},
            # With its default incognito context per page, pa11y-ci 4.1.1 on concurrency 2 loses
            # about a third of the pages to "Protocol error (Target.closeTarget): No target with
            # given id found" (Puppeteer 24, Chromium 156). In one shared context every page is
            # audited, and faster: the peer is measured at its best.
            "useIncognitoBrowserContext": False,
            "reporters": [["json", {"fileName": str(report)}]],
        },
        "urls": urls,
    }, indent=2))
    argv: list[str | os.PathLike[str]] = [
        "node", PEERS_DIR / "node_modules" / "pa11y-ci" / "bin" / "pa11y-ci.js", "--config", config]
    label = f"pa11y-ci {versions['pa11y-ci']} (axe {versions['pa11y-ci axe-core']}, concurrency 2)"
    load = os.getloadavg()[0]
    process = run_tool(argv, output_stem=WORK / f"pa11y-ci{tag}", cwd=WORK)
    if not report.is_file():  # pa11y-ci exits 2 whenever it finds issues: only a missing report is a failure
        return _process_run("pa11y-ci", label, len(urls), process, load, error=_failure(process))
    found: dict[str, set[str]] = {}
    page_errors: dict[str, str] = {}
    for url, issues in json.loads(report.read_text()).get("results", {}).items():
        broken = [issue for issue in issues if "code" not in issue]
        if broken:  # a page pa11y-ci could not test is recorded as [{"message": ...}]
            page_errors[url] = broken[0].get("message", "?")
            continue
        found[url] = {issue["code"] for issue in issues
                      if not issue.get("runnerExtras", {}).get("needsFurtherReview")}
    return _process_run("pa11y-ci", label, len(urls), process, load, found=found,
                        detail={"returncode": process.returncode, "page_errors": page_errors})


def run_axe_cli(urls: list[str], versions: dict[str, str], tag: str = "") -> Run:
    """@axe-core/cli over all pages in one call (one browser, pages one after another)."""
    argv: list[str | os.PathLike[str]] = [
        "node", PEERS_DIR / "node_modules" / "@axe-core" / "cli" / "dist" / "src" / "bin" / "cli.js",
        *urls, "--stdout", "--chromedriver-path", CHROMEDRIVER, "--chrome-path", CHROMIUM,
        # --chrome-options is split on commas; each item goes to chromedriver as one argument.
        "--chrome-options=" + ",".join([*CHROMIUM_FLAGS, WINDOW]),
    ]
    label = f"@axe-core/cli {versions['@axe-core/cli']} (axe {versions['@axe-core/cli axe-core']})"
    load = os.getloadavg()[0]
    process = run_tool(argv, output_stem=WORK / f"axe-cli{tag}", cwd=WORK)
    try:
        results = json.loads(process.stdout())
    except json.JSONDecodeError:
        return _process_run("axe-cli", label, len(urls), process, load, error=_failure(process))
    found = {page["url"]: {v["id"] for v in page.get("violations", [])} for page in results}
    return _process_run("axe-cli", label, len(urls), process, load, found=found,
                        detail={"returncode": process.returncode})


def run_ours(urls: list[str], workers: int, off: Sequence[str] = (), tool: str | None = None,
             tag: str = "") -> Run:
    """``python -m a11y audit`` with JSON output (the contract in docs/architecture.md), in a fresh interpreter.

    ``off``: ``--no-*`` flags to add (empty: the default settings, every stage on). ``tool``
    names the run (default ``ours-w<workers>``); ``tag`` keeps its files apart from other runs'.
    """
    tool = tool or f"ours-w{workers}"
    stem = f"{tool}{tag}-{len(urls)}p"
    output = WORK / f"{stem}.json"
    output.unlink(missing_ok=True)
    argv: list[str | os.PathLike[str]] = [sys.executable, "-m", "a11y", "audit", *urls, "--workers", str(workers),
                                          "--format", "json", "--output", output, *off]
    settings = " ".join(off) if off else "defaults"
    load = os.getloadavg()[0]
    process = run_tool(argv, output_stem=WORK / stem, cwd=ROOT)
    if not output.is_file():  # exit 1 only means "violations found"; no report means it failed
        return _process_run(tool, f"ours, --workers {workers}, {settings}", len(urls), process, load,
                            error=_failure(process))
    report = json.loads(output.read_text())
    label = f"ours, --workers {workers}, {settings} (axe {report.get('axe_version', '?')})"
    found, page_errors = {}, {}
    for page in report.get("pages", []):
        if page.get("status") == "ok":
            found[page["url"]] = {v["rule"] for v in page.get("violations", []) if v.get("source") == "axe"}
        else:
            page_errors[page["url"]] = page.get("error")
    custom, viewport = (sum(1 for page in report.get("pages", []) for v in page.get("violations", [])
                            if v.get("source") == source) for source in ("custom", "viewport"))
    detail = {"returncode": process.returncode, "page_errors": page_errors, "custom_findings": custom,
              "viewport_findings": viewport}
    walks = [page["keyboard"] for page in report.get("pages", []) if page.get("keyboard")]
    settles = [page["settle"] for page in report.get("pages", []) if page.get("settle")]
    if settles:
        detail["settle"] = {"pages": len(settles), "settled": sum(bool(s.get("settled")) for s in settles),
                            "scrolled": sum(bool(s.get("scrolls")) for s in settles)}
    if walks:
        detail["keyboard"] = {
            "pages": len(walks), "mean_seconds": round(statistics.fmean(w["seconds"] for w in walks), 3),
            "median_seconds": round(statistics.median(w["seconds"] for w in walks), 3),
            "max_seconds": max(w["seconds"] for w in walks),
            "mean_presses": round(statistics.fmean(w["presses"] for w in walks), 1),
            "mean_stops": round(statistics.fmean(w["stops"] for w in walks), 1),
            "ended": dict(collections.Counter(w["ended"] for w in walks)),
            "findings": sum(len(v["nodes"]) for page in report["pages"] for v in page.get("violations", [])
                            if v.get("source") == "keyboard")}
    return _process_run(tool, label, len(urls), process, load, found=found, detail=detail)


_AXE_RUN = """
const [options, done] = arguments;
axe.run(document, options).then(
  (r) => done({version: r.testEngine.version, violations: r.violations, incomplete: r.incomplete}),
  (e) => done({error: String(e)}));
"""


def _inject_everywhere(driver: Any, source: str) -> None:
    """Run ``source`` in the current document and, depth first, in every iframe."""
    from selenium.webdriver.common.by import By

    driver.execute_script(source)
    for frame in driver.find_elements(By.CSS_SELECTOR, "iframe, frame"):
        driver.switch_to.frame(frame)
        try:
            _inject_everywhere(driver, source)
        finally:
            driver.switch_to.parent_frame()


def run_reference(urls: list[str]) -> Run:
    """Bare ``axe.run`` page after page in one already-open Chromium; browser start is not timed.

    Same axe build and options as ours (:func:`a11y.engine.default_axe_path`,
    :func:`a11y.engine.run_options` for ours' default standard), so the comparison is
    about what the engine adds, not about what axe is asked to do.
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from a11y.engine import DEFAULT_STANDARD, default_axe_path, run_options

    source = default_axe_path().read_text(encoding="utf-8")
    options = run_options(DEFAULT_STANDARD, best_practice=True)
    chrome = webdriver.ChromeOptions()
    for flag in (*CHROMIUM_FLAGS, WINDOW):
        chrome.add_argument(flag)
    chrome.binary_location = CHROMIUM
    service = Service(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=chrome, service=service)
    found: dict[str, set[str]] = {}
    phases: dict[str, list[float]] = {"load": [], "inject": [], "axe_run": []}
    version = "?"
    try:
        driver.set_script_timeout(120)
        load = os.getloadavg()[0]
        with TreeCpu(service.process.pid) as cpu:
            thread_cpu = time.thread_time()
            start = time.perf_counter()
            for url in urls:
                t0 = time.perf_counter()
                driver.get(url)
                t1 = time.perf_counter()
                _inject_everywhere(driver, source)
                t2 = time.perf_counter()
                result = driver.execute_async_script(_AXE_RUN, options)
                t3 = time.perf_counter()
                for phase, took in zip(phases, (t1 - t0, t2 - t1, t3 - t2)):
                    phases[phase].append(took)
                if "error" not in result:
                    version = result["version"]
                    found[url] = {v["id"] for v in result["violations"]}
            seconds = time.perf_counter() - start
            thread_cpu = time.thread_time() - thread_cpu
    finally:
        driver.quit()
    detail = {f"{phase}_mean_s": round(statistics.fmean(times), 4) for phase, times in phases.items()}
    return Run("reference", f"axe.run alone, 1 open browser (axe {version})", seconds, len(urls),
               found=found, cpu_s=cpu.seconds + thread_cpu, load_before=load, detail=detail)


def measure_viewport_checks(urls: list[str]) -> dict[str, Any]:
    """What the reflow and text-spacing checks (:mod:`a11y.viewport`) add per page, timed alone.

    One browser made as ours makes it; each page is loaded, then only
    :func:`a11y.viewport.viewport_findings` is timed (wall, and CPU of the browser's
    process tree plus this thread). Their cost is inside ours' figures above too.
    """
    from a11y.browser import make_driver
    from a11y.viewport import viewport_findings

    driver = make_driver()
    times, found = [], 0
    try:
        root = driver.service.process.pid  # type: ignore[attr-defined]  # a local Chrome driver has its service
        cpu_s = 0.0
        for url in urls:
            driver.get(url)
            with TreeCpu(root) as cpu:
                thread_cpu = time.thread_time()
                start = time.perf_counter()
                found += sum(len(f.nodes) for f in viewport_findings(driver))
                times.append(time.perf_counter() - start)
                thread_cpu = time.thread_time() - thread_cpu
            cpu_s += cpu.seconds + thread_cpu
    finally:
        driver.quit()
    return {"pages": len(urls), "mean_s": round(statistics.fmean(times), 4),
            "median_s": round(statistics.median(times), 4), "max_s": round(max(times), 4),
            "cpu_s_per_page": round(cpu_s / len(urls), 4), "elements_flagged": found}


def measure_settle_cost(site: Site, base_url: str, spa_urls: Sequence[str] = ()) -> dict[str, Any]:
    """What waiting for a page (:mod:`a11y.settle`: quiet wait, scroll check) adds per page, in one open browser.

    Each bench page is loaded, then :func:`a11y.settle.settle_page` with the defaults is
    timed: that is the time the default audit adds to the page (``--no-settle`` skips it).
    The bench pages have no script, so no quiet window applies; the same pages with one
    inert ``<script>`` added (``scripted-page-NN.html``, written next to them) show the
    cost for a script-driven page that does nothing late: about the quiet window.
    ``spa_urls`` (script-rendered pages) adds a third kind, ``spa``: the render delay,
    then the quiet window.
    """
    from a11y import settle
    from a11y.browser import make_driver
    from a11y.engine import load_page

    scripted = []
    for page in site.pages:
        source = (site.root / page.path).read_text(encoding="utf-8")
        name = f"scripted-{Path(page.path).name}"
        (site.root / Path(page.path).parent / name).write_text(
            source.replace("</body>", "<script>document.documentElement.dataset.loaded = '1';</script></body>"),
            encoding="utf-8")
        scripted.append(base_url.rstrip("/") + "/" + str(Path(page.path).parent / name).removeprefix("./"))
    options = settle.SettleOptions()
    driver = make_driver()
    kinds = {"static": site.urls(base_url), "scripted": scripted, **({"spa": list(spa_urls)} if spa_urls else {})}
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    try:
        driver.set_script_timeout(120)
        settle.instrument(driver)
        for kind, urls in kinds.items():
            for url in urls:
                load_page(driver, url)
                start = time.perf_counter()
                settle.settle_page(driver, options)
                times[kind].append(time.perf_counter() - start)
    finally:
        driver.quit()
    return {kind: {"pages": len(values), "mean_ms": round(statistics.fmean(values) * 1000, 1),
                   "median_ms": round(statistics.median(values) * 1000, 1),
                   "max_ms": round(max(values) * 1000, 1)} for kind, values in times.items()}


# -- checking and summarising -------------------------------------------------------------


def check_findings(run: Run, site: Site, base_url: str, *, require_frames: bool = False) -> dict[str, Any]:
    """Which planted defects the run reported, outside and inside iframes.

    Returns
    -------
    dict
        ``planted_found`` / ``planted_total``: (page, rule) pairs planted outside frames,
        reported / all; ``frame_found`` / ``frame_total``: the same for the defect planted
        only inside iframes; ``sane``: the run audited every page and reported at least
        :data:`MIN_RECALL` of the top-level pairs (and, with ``require_frames``, every
        defect inside the iframes: ours promises every frame, so it may not skip them).
    """
    planted_found = planted_total = frame_found = frame_total = 0
    for page, url in zip(site.pages, site.urls(base_url)):
        reported = run.found.get(url, set())
        for rule in page.planted - page.frame_only:
            planted_total += 1
            planted_found += rule in reported
        for rule in page.frame_only:
            frame_total += 1
            frame_found += rule in reported
    recall = planted_found / planted_total if planted_total else 0.0
    sane = (run.error is None and run.pages_ok == run.n_pages and recall >= MIN_RECALL
            and (frame_found == frame_total or not require_frames))
    return {"planted_found": planted_found, "planted_total": planted_total,
            "frame_found": frame_found, "frame_total": frame_total, "sane": sane}


def median_run(runs: list[Run]) -> Run:
    """The run of median time (the lower middle one for an even count); failed runs only if all failed."""
    ok = [r for r in runs if r.error is None] or runs
    return sorted(ok, key=lambda r: r.seconds)[(len(ok) - 1) // 2]


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def tool_entry(name: str, run: Run, site: Site, base_url: str) -> dict[str, Any]:
    """One tool's figures and its findings against the planted defects (ours must find those in frames)."""
    entry = {"label": run.label, "wall_s": round(run.seconds, 3),
             "cpu_s": None if run.cpu_s is None else round(run.cpu_s, 2),
             "pages": run.n_pages, "pages_audited": run.pages_ok,
             "pages_per_minute": round(run.pages_per_minute, 1),
             "seconds_per_page": round(run.seconds / run.n_pages, 4),
             "cpu_seconds_per_page": None if run.cpu_s is None else round(run.cpu_s / run.n_pages, 4),
             "load_average_before": round(run.load_before, 2), "error": run.error, **run.detail}
    entry.update(check_findings(run, site, base_url, require_frames=name.startswith("ours")))
    return entry


def _difference_per_page(more: Run | None, less: Run | None) -> dict[str, float] | None:
    """Wall and CPU seconds per page that ``more`` took beyond ``less`` (same pages); None if either failed."""
    if more is None or less is None or more.error or less.error:
        return None
    out = {"seconds_per_page": round((more.seconds - less.seconds) / more.n_pages, 4)}
    if more.cpu_s is not None and less.cpu_s is not None:
        out["cpu_seconds_per_page"] = round((more.cpu_s - less.cpu_s) / more.n_pages, 4)
    return out


def stage_costs(runs: dict[str, Run]) -> dict[str, Any]:
    """What the default-on stages cost per page, from the runs alone (settle and viewport are timed apart).

    ``all_stages``: ``ours-w1`` (defaults) minus ``ours-lean`` (every stage off);
    ``states``: ``ours-w1`` minus ``ours-no-states``; ``keyboard``: the walk's own time as
    each page's report records it (mean over the pages of ``ours-w1``). Each entry is
    present only when its runs are.
    """
    costs: dict[str, Any] = {}
    default = runs.get("ours-w1")
    for stage, other in (("all_stages", "ours-lean"), ("states", "ours-no-states")):
        diff = _difference_per_page(default, runs.get(other))
        if diff is not None:
            costs[stage] = {**diff, "method": f"ours-w1 - {other}, per page"}
    if default is not None and default.detail.get("keyboard"):
        walks = default.detail["keyboard"]
        costs["keyboard"] = {"seconds_per_page": walks["mean_seconds"],
                             "method": "mean of the report's per-page keyboard seconds"}
    return costs


def summarise(runs: dict[str, Run], one_page: Run | None, site: Site, base_url: str) -> dict[str, Any]:
    """Per-tool figures, sanity checks, targets, stage costs and the CPU view: all the tables and the JSON show.

    ``one_page`` is the one-page run of ``ours-lean`` (its fixed cost).
    """
    tools = {name: tool_entry(name, run, site, base_url) for name, run in runs.items()}

    marginal = marginal_cpu = None
    lean = runs.get("ours-lean")
    if lean is not None and one_page is not None and lean.error is None and one_page.error is None:
        marginal = (lean.seconds - one_page.seconds) / (lean.n_pages - 1)
        tools["ours-lean"].update({"one_page_run_s": round(one_page.seconds, 3),
                                   "fixed_cost_s": round(one_page.seconds - marginal, 3),
                                   "marginal_seconds_per_page": round(marginal, 4)})
        if lean.cpu_s is not None and one_page.cpu_s is not None:
            marginal_cpu = (lean.cpu_s - one_page.cpu_s) / (lean.n_pages - 1)
            tools["ours-lean"].update({"one_page_run_cpu_s": round(one_page.cpu_s, 2),
                                       "marginal_cpu_seconds_per_page": round(marginal_cpu, 4)})

    def ok(name: str) -> Run | None:
        run = runs.get(name)
        return run if run is not None and run.error is None else None

    def ppm(name: str) -> float | None:
        run = ok(name)
        return run.pages_per_minute if run else None

    def cpu_per_page(name: str) -> float | None:
        run = ok(name)
        return run.cpu_s / run.n_pages if run and run.cpu_s else None

    reference = ok("reference")
    reference_per_page = reference.seconds / reference.n_pages if reference else None
    targets: list[dict[str, Any]] = [
        {"name": "ours --workers 2, defaults, vs pa11y-ci (pages/min; issue 11)",
         "value": _ratio(ppm("ours-w2"), ppm("pa11y-ci")),
         "target": f">= {DEFAULT_SPEEDUP_TARGET}x", "limit": DEFAULT_SPEEDUP_TARGET, "higher_is_better": True},
        {"name": "ours --workers 2, defaults, vs pa11y-ci (pages/min; issue 3)",
         "value": _ratio(ppm("ours-w2"), ppm("pa11y-ci")),
         "target": f">= {SPEEDUP_TARGET}x", "limit": SPEEDUP_TARGET, "higher_is_better": True},
        {"name": "ours --workers 2, defaults, vs @axe-core/cli (pages/min; issue 3)",
         "value": _ratio(ppm("ours-w2"), ppm("axe-cli")),
         "target": f">= {SPEEDUP_TARGET}x", "limit": SPEEDUP_TARGET, "higher_is_better": True},
        {"name": "ours-lean (stages off) 1 worker s/page vs axe.run alone", "value": _ratio(marginal,
                                                                                           reference_per_page),
         "target": f"<= {OVERHEAD_TARGET}x", "limit": OVERHEAD_TARGET, "higher_is_better": False},
    ]
    for t in targets:
        limit, higher, value = t.pop("limit"), t.pop("higher_is_better"), t["value"]
        t["pass"] = None if value is None else (value >= limit if higher else value <= limit)
    # The same comparisons in CPU seconds per page: less sensitive to what else the machine runs.
    cpu_view = [
        {"name": "pa11y-ci CPU s/page / ours --workers 2", "value": _ratio(cpu_per_page("pa11y-ci"),
                                                                            cpu_per_page("ours-w2"))},
        {"name": "@axe-core/cli CPU s/page / ours --workers 2", "value": _ratio(cpu_per_page("axe-cli"),
                                                                                 cpu_per_page("ours-w2"))},
        {"name": "ours-lean marginal CPU s/page / axe.run alone",
         "value": _ratio(marginal_cpu, cpu_per_page("reference"))},
    ]
    return {
        "site": {"pages": len(site.pages), "mean_bytes": round(statistics.fmean(p.size for p in site.pages)),
                 "iframe_pages": sum(p.has_iframe for p in site.pages),
                 "planted_pairs": sum(len(p.planted) for p in site.pages)},
        "tools": tools,
        "targets": targets,
        "cpu_view": cpu_view,
        "stage_costs": stage_costs(runs),
    }


def summarise_spa(runs: dict[str, Run], site: Site, base_url: str) -> dict[str, Any]:
    """The script-rendered pages: each tool's figures and planted defects found and missed.

    ``sane`` is required of ours only: the peers audit at ``load`` by design, so they are
    expected to miss what renders later; ``late_found`` / ``late_total`` count the (page,
    rule) pairs that exist only after the render, frames included.
    """
    tools = {}
    for name, run in runs.items():
        entry = tool_entry(name, run, site, base_url)
        late_found = late_total = 0
        for page, url in zip(site.pages, site.urls(base_url)):
            reported = run.found.get(url, set())
            late_total += len(page.rendered_late)
            late_found += len(page.rendered_late & reported)
        all_total = entry["planted_total"] + entry["frame_total"]
        all_found = entry["planted_found"] + entry["frame_found"]
        entry.update({"late_found": late_found, "late_total": late_total, "found": all_found,
                      "missed": all_total - all_found})
        tools[name] = entry
    return {"site": {"pages": len(site.pages), "planted_pairs": sum(len(p.planted) for p in site.pages)},
            "tools": tools}


def _tool_rows(tools: dict[str, Any]) -> list[list[str]]:
    rows = []
    for tool in tools.values():
        if tool["error"]:
            rows.append([tool["label"], f"{tool['wall_s']:.1f}", "-", "-", "-", "-", "-", "-",
                         f"FAILED: {tool['error']}"[:70]])
            continue
        per_page, cpu_page = f"{tool['seconds_per_page']:.3f}", f"{tool['cpu_seconds_per_page']:.3f}"
        if "marginal_seconds_per_page" in tool:
            per_page = f"({tool['marginal_seconds_per_page']:.3f}*) {per_page}"
        if "marginal_cpu_seconds_per_page" in tool:
            cpu_page = f"({tool['marginal_cpu_seconds_per_page']:.3f}*) {cpu_page}"
        rows.append([tool["label"], f"{tool['wall_s']:.1f}", f"{tool['pages_per_minute']:.1f}", per_page,
                     cpu_page, f"{tool['pages_audited']}/{tool['pages']}",
                     f"{tool['planted_found']}/{tool['planted_total']}",
                     f"{tool['frame_found']}/{tool['frame_total']}", "ok" if tool["sane"] else "FAIL"])
    return rows


def stage_cost_rows(results: dict[str, Any]) -> list[list[str]]:
    """One row per measured stage cost: stage, s/page, CPU s/page, how it was measured."""
    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    rows = []
    costs = results.get("stage_costs", {})
    settle = results.get("settle_cost")
    if settle:
        rows.append(["settle + scroll (static pages)", fmt(settle["static"]["mean_ms"] / 1000), "-",
                     "timed alone in one open browser"])
        rows.append(["settle + scroll (one inert script)", fmt(settle["scripted"]["mean_ms"] / 1000), "-",
                     "timed alone: the quiet window"])
        if "spa" in settle:
            rows.append(["settle + scroll (script-rendered pages)", fmt(settle["spa"]["mean_ms"] / 1000), "-",
                         "timed alone: render delay + quiet window"])
    viewport = results.get("viewport_checks")
    if viewport:
        rows.append(["viewport checks", fmt(viewport["mean_s"]), fmt(viewport["cpu_s_per_page"]),
                     "timed alone in one open browser"])
    names = {"keyboard": "keyboard walk", "states": "open states", "all_stages": "all stages together"}
    for stage in ("keyboard", "states", "all_stages"):
        if stage in costs:
            c = costs[stage]
            rows.append([names[stage], fmt(c["seconds_per_page"]), fmt(c.get("cpu_seconds_per_page")), c["method"]])
    if "states" not in costs and results.get("stage_flags") is not None and "states" not in results["stage_flags"]:
        rows.append(["open states", "-", "-", "not in this build (no --no-states)"])
    return rows


def render_tables(results: dict[str, Any]) -> str:
    """The side-by-side table of the tools, then the targets with PASS/MISS, the CPU view and the stage costs."""
    header = ["tool", "wall s", "pages/min", "s/page", "CPU s/page", "audited", "planted found", "in iframes",
              "sanity"]
    table = format_table(header, _tool_rows(results["tools"]))
    goals = format_table(["target", "measured", "target", "verdict"],
                         [[t["name"], "-" if t["value"] is None else f"{t['value']:.2f}x", t["target"],
                           "n/a" if t["pass"] is None else verdict(t["pass"])] for t in results["targets"]])
    cpu = format_table(["same comparisons in CPU seconds per page (informative)", "measured"],
                       [[c["name"], "-" if c["value"] is None else f"{c['value']:.2f}x"]
                        for c in results["cpu_view"]])
    notes = ["CPU s/page: user + system CPU of the tool's whole process tree, browsers included "
             "(the reference: its browser and the Python thread driving it)."]
    walked = results["tools"].get("ours-w1", {})
    if walked.get("keyboard"):
        k = walked["keyboard"]
        notes.append(f"keyboard walk (ours --workers 1): mean {k['mean_seconds']:.2f} s a page (median "
                     f"{k['median_seconds']:.2f}, max {k['max_seconds']:.2f}), {k['mean_presses']:.0f} key presses "
                     f"and {k['mean_stops']:.0f} focus stops a page on average, ended {k['ended']}")
    if any("marginal_seconds_per_page" in t for t in results["tools"].values()):
        notes.append("* marginal cost per page of one worker: (T(all pages) - T(1 page)) / (pages - 1); the "
                     "reference's s/page excludes browser start.")
    lines = [table, "", *notes, "", goals, "", cpu]
    stages = stage_cost_rows(results)
    if stages:
        lines += ["", format_table(["what the default-on stages add per page", "s/page", "CPU s/page", "measured as"],
                                   stages)]
    spa = results.get("spa")
    if spa:
        rows = []
        for tool in spa["tools"].values():
            if tool["error"]:
                rows.append([tool["label"], f"{tool['wall_s']:.1f}", "-", "-", "-", "-", f"FAILED: {tool['error']}"])
                continue
            rows.append([tool["label"], f"{tool['wall_s']:.1f}", f"{tool['pages_per_minute']:.1f}",
                         f"{tool['cpu_seconds_per_page']:.3f}", f"{tool['found']}/{tool['found'] + tool['missed']}",
                         str(tool["missed"]), f"{tool['late_found']}/{tool['late_total']}"])
        lines += ["", f"Script-rendered pages ({spa['site']['pages']}, content fetched as JSON and rendered "
                      "1 s after it arrives):",
                  format_table(["tool", "wall s", "pages/min", "CPU s/page", "planted found", "missed",
                                "rendered late found"], rows)]
    return "\n".join(lines)


# -- entry point --------------------------------------------------------------------------

def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench a11y", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=50, help="number of generated pages (default 50)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds over all tools; each tool's median-time run is reported (default 1)")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help=f"comma-separated subset of {','.join(TOOLS)} (default: all; ours-no-states "
                             "only where the audit has --no-states)")
    parser.add_argument("--spa-tools", default=",".join(SPA_TOOLS),
                        help=f"tools also run on as many script-rendered pages: subset of {','.join(SPA_TOOLS)} "
                             "(default: all; '' for none)")
    args = parser.parse_args(argv)
    for option, allowed in (("tools", TOOLS), ("spa_tools", SPA_TOOLS)):
        chosen = [t.strip() for t in getattr(args, option).split(",") if t.strip()]
        unknown = sorted(set(chosen) - set(allowed))
        if unknown:
            parser.error(f"unknown tool(s) {', '.join(unknown)} in --{option.replace('_', '-')}; "
                         f"choose from {', '.join(allowed)}")
        setattr(args, option, chosen)
    if args.pages < 2:
        parser.error(f"--pages must be at least 2, got {args.pages}")
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the tables, write ``bench/results/a11y.json``; see the module docstring."""
    args = _parse_args(argv)
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not os.access(binary, os.X_OK):
            raise BenchError(f"{binary} not found: run `make system` (Debian chromium and chromium-driver)")
    peers_needed = {"pa11y-ci", "axe-cli"} & {*args.tools, *args.spa_tools}
    versions = ensure_peers() if peers_needed else {}
    flags = available_stage_flags()
    if "states" not in flags and "ours-no-states" in args.tools:
        log("a11y: this audit has no --no-states; ours-no-states is left out")
        args.tools.remove("ours-no-states")
    lean = [flags[stage] for stage in STAGE_FLAGS if stage in flags]
    WORK.mkdir(parents=True, exist_ok=True)
    site = generate_site(WORK / "site", n_pages=args.pages)
    spa_site = generate_spa_site(WORK / "site", n_pages=args.pages)

    with serve(site.root) as base_url:
        urls, spa_urls = site.urls(base_url), spa_site.urls(base_url)
        no_states = [flags["states"]] if "states" in flags else []
        plan: dict[str, tuple[int, Callable[[], Run]]] = {
            "pa11y-ci": (len(urls), lambda: run_pa11y_ci(urls, versions)),
            "axe-cli": (len(urls), lambda: run_axe_cli(urls, versions)),
            "ours-w2": (len(urls), lambda: run_ours(urls, workers=2)),
            "ours-w1": (len(urls), lambda: run_ours(urls, workers=1)),
            "ours-lean": (len(urls), lambda: run_ours(urls, workers=1, off=lean, tool="ours-lean")),
            "ours-lean-1-page": (1, lambda: run_ours(urls[:1], workers=1, off=lean, tool="ours-lean")),
            "ours-no-states": (len(urls), lambda: run_ours(urls, workers=1, off=no_states, tool="ours-no-states")),
            "reference": (len(urls), lambda: run_reference(urls)),
            "spa pa11y-ci": (len(urls), lambda: run_pa11y_ci(spa_urls, versions, tag="-spa")),
            "spa axe-cli": (len(urls), lambda: run_axe_cli(spa_urls, versions, tag="-spa")),
            "spa ours-w2": (len(urls), lambda: run_ours(spa_urls, workers=2, tag="-spa")),
        }
        wanted = {*args.tools, *(f"spa {t}" for t in args.spa_tools)}
        order = [t for t in plan if t in wanted or (t == "ours-lean-1-page" and "ours-lean" in args.tools)]
        collected: dict[str, list[Run]] = {t: [] for t in order}
        for round_no in range(1, args.repeat + 1):
            for tool in order:  # tools take turns, so a busy spell of the machine hits them alike
                n, measure_tool = plan[tool]
                log(f"a11y round {round_no}/{args.repeat}: {tool} on {n} page(s), load {os.getloadavg()[0]:.1f}")
                run = measure_tool()
                log(f"  {run.seconds:.1f} s" + (f"; FAILED: {run.error}" if run.error else ""))
                collected[tool].append(run)
        chosen = {tool: median_run(runs) for tool, runs in collected.items()}
        one_page = chosen.pop("ours-lean-1-page", None)
        spa_runs = {tool.removeprefix("spa "): chosen.pop(tool) for tool in list(chosen) if tool.startswith("spa ")}
        results = summarise(chosen, one_page, site, base_url)
        results["stage_flags"] = flags
        if spa_runs:
            results["spa"] = summarise_spa(spa_runs, spa_site, base_url)
        if "ours-w1" in args.tools:
            log("a11y: timing the viewport checks alone")
            results["viewport_checks"] = measure_viewport_checks(urls)
            log("a11y: settle + scroll cost per page")
            results["settle_cost"] = measure_settle_cost(site, base_url, spa_urls)
    for tool, entry in results["tools"].items():
        entry["all_wall_s"] = [round(r.seconds, 3) for r in collected[tool]]
    for tool, entry in results.get("spa", {}).get("tools", {}).items():
        entry["all_wall_s"] = [round(r.seconds, 3) for r in collected[f"spa {tool}"]]

    print(f"\nAccessibility audits: {results['site']['pages']} local pages, mean "
          f"{results['site']['mean_bytes'] / 1024:.1f} KB, {results['site']['iframe_pages']} with an iframe; "
          f"{os.cpu_count()} CPUs; median of {args.repeat} run(s) per tool; "
          f"stages this audit can switch off: {', '.join(flags) or 'none'}\n")
    print(render_tables(results))
    if "viewport_checks" in results:
        vp = results["viewport_checks"]
        print(f"\nReflow and text-spacing checks alone (included in ours above): {vp['mean_s']:.3f} s/page "
              f"(median {vp['median_s']:.3f}, max {vp['max_s']:.3f}), {vp['cpu_s_per_page']:.3f} CPU s/page, "
              f"{vp['elements_flagged']} elements flagged on {vp['pages']} pages")
    spa_tools = list(results.get("spa", {}).get("tools", {}).values())
    loads = [t["load_average_before"] for t in [*results["tools"].values(), *spa_tools]]
    if loads and max(loads) > (os.cpu_count() or 1):
        print(f"\nNote: load average up to {max(loads):.1f} on {os.cpu_count()} CPUs while measuring; "
              "wall times are inflated and ratios noisy (use --repeat 3 on a quiet machine).")
    path = write_results("a11y", {"repeat": args.repeat, "peers": versions, "chromium_flags": list(CHROMIUM_FLAGS),
                                  **results})
    print(f"\nWrote {path.relative_to(ROOT)}")
    ok = all(t["pass"] for t in results["targets"] if t["pass"] is not None) \
        and all(t["sane"] for t in results["tools"].values()) \
        and all(t["sane"] for name, t in results.get("spa", {}).get("tools", {}).items() if name.startswith("ours"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
