"""Audit workers benchmark: audits (jobs) per minute with one ``python -m a11y worker`` and with two.

One run, on the same generated pages (:mod:`bench.pages`, served from this process on 127.0.0.1) split
into jobs of ``--per-job`` pages (:func:`a11y.jobs.create_job`, as the app queues them), measures:

* **one worker**: one ``python -m a11y worker`` process;
* **two workers**: two of them, claiming from the same queue.

Both share one remote WebDriver: a ``chromedriver --port=PORT`` started here, given to the workers as
``A11Y_REMOTE_URL``, so every audit browser runs under it, as on a Selenium Grid node. The workers
run on one database: a fresh PostgreSQL database on ``TEST_DATABASE_URL``'s server when it is set
(dropped afterwards), else a SQLite file; ``A11Y_MAX_RUNNING_AUDITS`` (``--max-running``) is high
enough never to hold a worker back. The workers are started first (and waited for); the clock runs
from queuing the jobs to the last one ending, and the CPU seconds of the workers' and chromedriver's
process trees (browsers included, sampled from ``/proc`` by :class:`bench.a11y_bench.TreeCpu`) over
the same span. By default the optional stages (viewport checks, keyboard walk, states) are off so a
run stays short; ``--stages`` audits as the app does by default.

``python -m bench workers [--pages N] [--per-job K] [--max-running N] [--stages] [--chromedriver PATH]``
prints a table and writes ``bench/results/workers.json``. Exit status 0 when every job of both runs
ended ``done`` with every page audited, 1 otherwise, 2 on bad arguments or when it could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from bench.common import ROOT, WORK_DIR, BenchError, format_table, log, write_results

WORK = WORK_DIR / "workers"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCENARIOS = (("one worker", 1), ("two workers", 2))
JOB_TIMEOUT_S = 600.0


def rates(jobs: int, pages: int, wall_s: float, cpu_s: float) -> dict[str, float]:
    """Jobs and pages per minute of wall time, and CPU seconds per page, rounded for the results file."""
    if wall_s <= 0 or pages <= 0:
        raise ValueError(f"need a positive wall time and page count, got {wall_s} s and {pages} pages")
    return {"jobs_per_min": round(jobs / wall_s * 60, 2), "pages_per_min": round(pages / wall_s * 60, 2),
            "cpu_s_per_page": round(cpu_s / pages, 3)}


def _free_port() -> int:
    from deploy.nginx import free_port

    return free_port()


@contextlib.contextmanager
def remote_webdriver(binary: str) -> Iterator[tuple[str, int]]:
    """A ``chromedriver --port=PORT`` in a process group of its own; yields its URL and pid."""
    port = _free_port()
    with open(WORK / "chromedriver.log", "wb") as out:
        proc = subprocess.Popen([binary, f"--port={port}"], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, process_group=0)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/status", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise BenchError(f"{binary} --port={port} did not answer (exit {proc.poll()})") from None
                time.sleep(0.2)
        yield url, proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def start_workers(n: int, env: dict[str, str], tag: str) -> list[subprocess.Popen]:
    """``n`` ``python -m a11y worker`` processes with ``env``, once each says it started."""
    procs = []
    for i in range(1, n + 1):
        log_path = WORK / f"{tag}-worker-{i}.log"
        with open(log_path, "wb") as out:
            procs.append(subprocess.Popen([sys.executable, "-m", "a11y", "worker", "--poll", "0.2"], cwd=ROOT,
                                          env=os.environ | env, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL, process_group=0))
    deadline = time.monotonic() + 120
    for i, proc in enumerate(procs, 1):
        log_path = WORK / f"{tag}-worker-{i}.log"
        while ": started (" not in log_path.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                stop_workers(procs)
                raise BenchError(f"audit worker {i} did not start: {log_path.read_text()[-1000:]}")
            time.sleep(0.2)
    return procs


def stop_workers(procs: Sequence[subprocess.Popen]) -> list[int]:
    """SIGTERM each worker (it exits 0 once its audits are handed back); their exit codes."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    codes = []
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        codes.append(proc.returncode)
    return codes


def run_scenario(engine: Any, label: str, n_workers: int, batches: list[list[str]], env: dict[str, str],
                 stages: bool, driver_pid: int) -> dict[str, Any]:
    """Queue ``batches`` as jobs for ``n_workers`` fresh workers; time them to the last job's end."""
    from a11y import jobs
    from bench.a11y_bench import TreeCpu

    tag = label.replace(" ", "-")
    procs = start_workers(n_workers, env, tag)
    try:
        load_before = os.getloadavg()[0]
        with contextlib.ExitStack() as stack:
            cpus = [stack.enter_context(TreeCpu(pid)) for pid in (driver_pid, *(p.pid for p in procs))]
            start = time.perf_counter()
            ids = [jobs.create_job(engine, jobs.make_request(urls, viewport=stages, keyboard=stages, states=stages),
                                   allow_private=True)
                   for urls in batches]
            deadline = time.monotonic() + JOB_TIMEOUT_S
            while True:
                found = [jobs.get_job(engine, job_id) for job_id in ids]
                if all(j["status"] in jobs.FINAL for j in found):
                    break
                if time.monotonic() > deadline:
                    raise BenchError(f"{label}: jobs still unfinished after {JOB_TIMEOUT_S:.0f} s")
                time.sleep(0.2)
            wall = time.perf_counter() - start
        load_after = os.getloadavg()[0]
    finally:
        codes = stop_workers(procs)
    cpu = sum(c.seconds for c in cpus)
    pages = sum(len(b) for b in batches)
    names = {f"{socket.gethostname()}:{p.pid}": f"worker {i}" for i, p in enumerate(procs, 1)}
    audited = sum(j["audited"] or 0 for j in found)
    statuses = Counter(j["status"] for j in found)
    return {"workers": n_workers, "jobs": len(ids), "pages": pages, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            **rates(len(ids), pages, wall, cpu), "load_average_before": round(load_before, 2),
            "load_average_after": round(load_after, 2), "statuses": dict(statuses), "pages_audited": audited,
            "jobs_by_worker": dict(Counter(names.get(j["claimed_by"], str(j["claimed_by"])) for j in found)),
            "worker_exit_codes": codes,
            "sane": statuses == Counter({"done": len(ids)}) and audited == pages and codes == [0] * n_workers}


@contextlib.contextmanager
def database() -> Iterator[tuple[str, str]]:
    """A fresh database for the jobs: ``(url, kind)``; PostgreSQL on ``TEST_DATABASE_URL``'s server, else SQLite."""
    from cardsort import settings

    server = settings.text("TEST_DATABASE_URL")
    if server:
        from bench.deployment import create_database, drop_database

        url = create_database(server)
        try:
            yield url, "postgresql"
        finally:
            drop_database(url)
    else:
        path = WORK / "jobs.db"
        path.unlink(missing_ok=True)
        yield f"sqlite:///{path}", "sqlite"


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench workers", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=20, help="generated pages audited in each run (default 20)")
    parser.add_argument("--per-job", type=int, default=2, help="pages per job (default 2: 10 jobs of 20 pages)")
    parser.add_argument("--max-running", type=int, default=8,
                        help="A11Y_MAX_RUNNING_AUDITS for the workers (default 8: never the limit here)")
    parser.add_argument("--stages", action="store_true",
                        help="also run the viewport checks, keyboard walk and states (the app's defaults)")
    parser.add_argument("--chromedriver", default=CHROMEDRIVER,
                        help=f"the chromedriver started as the shared remote WebDriver (default {CHROMEDRIVER})")
    args = parser.parse_args(argv)
    if not 1 <= args.pages <= 500:
        parser.error(f"--pages must be from 1 to 500, got {args.pages}")
    if not 1 <= args.per_job <= args.pages:
        parser.error(f"--per-job must be from 1 to --pages ({args.pages}), got {args.per_job}")
    if not 2 <= args.max_running <= 1000:
        parser.error(f"--max-running must be from 2 to 1000 (two workers run at once), got {args.max_running}")
    if not os.access(args.chromedriver, os.X_OK):
        raise BenchError(f"--chromedriver {args.chromedriver} is not an executable: run `make system`")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run both scenarios, print the table, write ``bench/results/workers.json``; see the module docstring."""
    args = _parse_args(argv)
    from a11y import history
    from bench.a11y_bench import serve
    from bench.pages import generate_site
    from cardsort import store

    WORK.mkdir(parents=True, exist_ok=True)
    site = generate_site(WORK / "site", n_pages=args.pages)
    results: dict[str, Any] = {}
    with serve(site.root) as base_url, remote_webdriver(args.chromedriver) as (remote, driver_pid), \
            database() as (db_url, kind):
        urls = site.urls(base_url)
        batches = [urls[i:i + args.per_job] for i in range(0, len(urls), args.per_job)]
        env = {"DATABASE_URL": db_url, "A11Y_REMOTE_URL": remote, "A11Y_MAX_RUNNING_AUDITS": str(args.max_running)}
        engine = store.make_engine(db_url)
        try:
            history.ensure_tables(engine)  # before the workers, so they never race to create them
            for label, n in SCENARIOS:
                log(f"workers: {label}, {len(batches)} jobs of {args.per_job} page(s), "
                    f"load {os.getloadavg()[0]:.1f}")
                results[label] = run_scenario(engine, label, n, batches, env, args.stages, driver_pid)
                log(f"  {results[label]['wall_s']:.1f} s")
        finally:
            engine.dispose()
    one, two = results["one worker"], results["two workers"]
    headers = ["", "jobs", "pages", "wall s", "CPU s", "jobs/min", "pages/min", "CPU s/page", "load avg",
               "jobs by worker", "sane"]
    rows = [[label, r["jobs"], r["pages"], f"{r['wall_s']:.1f}", f"{r['cpu_s']:.1f}", f"{r['jobs_per_min']:.1f}",
             f"{r['pages_per_min']:.1f}", f"{r['cpu_s_per_page']:.2f}",
             f"{r['load_average_before']:.1f}→{r['load_average_after']:.1f}",
             ", ".join(f"{k}: {v}" for k, v in sorted(r["jobs_by_worker"].items())), r["sane"]]
            for label, r in results.items()]
    speedup = round(one["wall_s"] / two["wall_s"], 2)
    print(f"\nAudit workers: {args.pages} local pages in jobs of {args.per_job}, every browser on one remote "
          f"chromedriver, {kind} database, stages {'on' if args.stages else 'off'}; {os.cpu_count()} CPUs\n")
    print(format_table(headers, rows))
    print(f"\nTwo workers: {speedup}× the jobs per minute of one.")
    if max(r["load_average_before"] for r in results.values()) > (os.cpu_count() or 1):
        print(f"Note: load average above the {os.cpu_count()} CPUs while measuring: a shared machine, "
              "wall times inflated and the ratio noisy.")
    path = write_results("workers", {"pages": args.pages, "per_job": args.per_job, "max_running": args.max_running,
                                     "stages": args.stages, "database": kind, "remote_webdriver": "chromedriver",
                                     "scenarios": results, "two_over_one": speedup})
    print(f"\nWrote {path.relative_to(ROOT)}")
    return 0 if all(r["sane"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
