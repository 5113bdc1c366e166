"""``python -m bench load``: many participants at once, measured.

Three measurements, each through the functions the participant page itself calls
(:func:`cardsort.board.validate_state`, :func:`cardsort.store.save_draft`,
:func:`cardsort.board.state_to_sort`, :func:`cardsort.store.submit_sort`):

1. ``submits``: 200 participants released together from one barrier, each saving a draft then
   submitting (every fourth submits twice, as a double click would), against SQLite, against
   PostgreSQL (``TEST_DATABASE_URL``), and from two separate processes sharing PostgreSQL
   (each process also re-submits a quarter of the other's participants, so the races cross
   processes). Reported: lost and duplicated sorts (both must be 0) and p50/p95 latency of
   ``submit_sort``.
2. ``browsers``: N concurrent headless Chromium sessions on one ``streamlit run`` server, each
   opening the participant link and completing a closed sort with the keyboard. Reported:
   completed sessions and wall time.
3. ``audit``: pages audited per browser per minute by the a11y engine on the local test site.

With ``--url URL --study ID`` it drives an existing deployment instead: ``--participants`` headless
Chromium sessions (``--concurrency`` at a time, local or on ``--remote`` grid) each complete the study's
sort with clicks; reported: completed sorts, errors, p50/p95 of the flow and of the submission.
``--deployment`` sets one up here first (:mod:`bench.deployment`): one replica, then two behind nginx
(``deploy/nginx.conf``), on a new PostgreSQL database on ``TEST_DATABASE_URL``'s server, and drives each.

Results go to ``bench/results/load.json``. Nothing here asserts on time; the tests in
``tests/reliability/test_load.py`` use :func:`run_submits` and :func:`count_outcome` for
the zero-lost / zero-duplicated checks.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/load_bench.py worker ...` from anywhere
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from cardsort import board, settings, store  # noqa: E402
from cardsort.model import Study, study_from_spec  # noqa: E402

N_CARDS = 30
DUPLICATE_EVERY = 4
"""Every fourth participant submits twice (double click, second tab)."""


# --- one participant, as the page does it ------------------------------------------------------

def load_spec(n_cards: int = N_CARDS) -> dict[str, Any]:
    """An open study spec with ``n_cards`` cards and no randomisation."""
    return {"name": "Load study", "kind": "open", "language": "en",
            "cards": [f"Card {i:03d}" for i in range(1, n_cards + 1)],
            "settings": {"randomize": False, "require_names": True}}


def create_load_study(engine, n_cards: int = N_CARDS, study_id: str | None = None) -> Study:
    """Store :func:`load_spec` under a fresh id; returns the study."""
    study = study_from_spec(load_spec(n_cards), study_id or f"load{uuid.uuid4().hex[:10]}")
    return store.create_study(engine, study)


def finished_state(study: Study, pid: str) -> dict[str, Any]:
    """A complete board for ``pid``: every card in one of 1-5 groups, chosen from the id.

    Deterministic, so a checker can rebuild exactly what each participant submitted.
    """
    n_groups = 1 + sum(map(ord, pid)) % 5
    groups: list[dict[str, Any]] = [{"id": f"g{k}", "label": f"Group {k} of {pid}", "category_id": None, "cards": []}
              for k in range(n_groups)]
    for i, card in enumerate(study.cards):
        groups[(i + len(pid)) % n_groups]["cards"].append(card.id)
    return {"groups": groups, "unsorted": []}


def expected_groups(study: Study, pid: str) -> list[tuple[str, tuple[str, ...]]]:
    """``(label, cards)`` of each non-empty group :func:`finished_state` gives ``pid``."""
    return [(g["label"], tuple(g["cards"])) for g in finished_state(study, pid)["groups"] if g["cards"]]


def participate(engine, study: Study, pid: str, *, submits: int = 1) -> dict[str, Any]:
    """Save a draft, then submit ``submits`` times; returns latencies and what the store said.

    Returns
    -------
    dict
        ``draft_s`` (float), ``submit_s`` (list of float, one per submit), ``created``
        (list of bool, one per submit).
    """
    state = board.validate_state(study, finished_state(study, pid))
    t0 = time.perf_counter()
    store.save_draft(engine, study.id, pid, dict(state, stage="questions", answers={}))
    draft_s = time.perf_counter() - t0
    sort = board.state_to_sort(study, state, pid, answers={"comments": f"from {pid}"})
    submit_s, created = [], []
    for _ in range(submits):
        t0 = time.perf_counter()
        _, new = store.submit_sort(engine, study.id, sort)
        submit_s.append(time.perf_counter() - t0)
        created.append(new)
    return {"draft_s": draft_s, "submit_s": submit_s, "created": created}


@dataclass
class SubmitRun:
    """What one batch of concurrent participants did."""

    participants: int
    submit_calls: int = 0
    created: int = 0
    errors: list[str] = field(default_factory=list)
    submit_s: list[float] = field(default_factory=list)
    draft_s: list[float] = field(default_factory=list)
    wall_s: float = 0.0


def run_submits(engine, study: Study, pids: Sequence[str], *, threads: int | None = None,
                duplicate: set[str] | frozenset[str] = frozenset(),
                on_done: Callable[[str], None] | None = None) -> SubmitRun:
    """Every ``pid`` in its own thread, all released at once from one barrier.

    ``duplicate`` participants submit twice. Exceptions are collected in ``errors``
    (as ``"pid: Type: message"``), never raised. ``on_done(pid)`` is called (under a
    lock) as soon as a participant's submit has returned, i.e. committed.
    """
    pids = list(pids)
    threads = threads or len(pids)
    barrier = threading.Barrier(min(threads, len(pids)))
    run = SubmitRun(participants=len(pids))
    lock = threading.Lock()

    def one(pid: str) -> None:
        try:
            barrier.wait(timeout=60)
        except threading.BrokenBarrierError:
            pass
        try:
            out = participate(engine, study, pid, submits=2 if pid in duplicate else 1)
        except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
            with lock:
                run.errors.append(f"{pid}: {type(exc).__name__}: {exc}")
            return
        with lock:
            run.draft_s.append(out["draft_s"])
            run.submit_s.extend(out["submit_s"])
            run.submit_calls += len(out["created"])
            run.created += sum(out["created"])
            if on_done:
                on_done(pid)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, pids))
    run.wall_s = time.perf_counter() - t0
    return run


def count_outcome(engine, study: Study, pids: Sequence[str]) -> dict[str, Any]:
    """Compare the store with what ``pids`` submitted.

    Returns
    -------
    dict
        ``stored`` (sort rows), ``lost`` (pids without a sort), ``duplicated`` (extra rows
        for one pid), ``wrong`` (pids whose stored groups differ from what they sent),
        ``drafts_left`` (drafts of these pids still stored), ``unexpected`` (sorts of pids
        not in ``pids``).
    """
    sorts = store.load_sorts(engine, study.id)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(store.sorts.c.participant_id, sa.func.count())
                            .where(store.sorts.c.study_id == study.id)
                            .group_by(store.sorts.c.participant_id)).all()
        drafts = set(conn.execute(sa.select(store.drafts.c.participant_id)
                                  .where(store.drafts.c.study_id == study.id)).scalars())
    per_pid = dict(rows)
    wanted = set(pids)
    wrong = sorted(s.participant_id for s in sorts if s.participant_id in wanted
                   and [(g.label, g.cards) for g in s.groups] != expected_groups(study, s.participant_id))
    return {
        "stored": len(sorts),
        "lost": sorted(wanted - set(per_pid)),
        "duplicated": sorted(p for p, n in per_pid.items() if n > 1),
        "wrong": wrong,
        "drafts_left": sorted(drafts & wanted),
        "unexpected": sorted(set(per_pid) - wanted),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; ``nan`` when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def summarise(run: SubmitRun, outcome: dict[str, Any], label: str) -> dict[str, Any]:
    """One results row: counts, p50/p95 in milliseconds, wall time."""
    ms = [s * 1000 for s in run.submit_s]
    return {
        "setup": label, "participants": run.participants, "submit_calls": run.submit_calls,
        "created": run.created, "errors": len(run.errors), "stored": outcome["stored"],
        "lost": len(outcome["lost"]), "duplicated": len(outcome["duplicated"]), "wrong": len(outcome["wrong"]),
        "drafts_left": len(outcome["drafts_left"]),
        "p50_ms": round(percentile(ms, 50), 1), "p95_ms": round(percentile(ms, 95), 1),
        "max_ms": round(max(ms), 1) if ms else None, "wall_s": round(run.wall_s, 2),
        "submits_per_s": round(run.submit_calls / run.wall_s, 1) if run.wall_s else None,
    }


# --- two processes sharing one database ---------------------------------------------------------

def split_for_processes(pids: Sequence[str]) -> tuple[list[str], list[str]]:
    """Halves of ``pids``; each half also gets a quarter of the other half to submit again."""
    half = len(pids) // 2
    a, b = list(pids[:half]), list(pids[half:])
    return a + b[: len(b) // 4], b + a[: len(a) // 4]


def run_processes(url: str, schema: str | None, study_id: str, pids: Sequence[str]) -> list[dict[str, Any]]:
    """Two ``worker`` processes submitting concurrently; returns each one's JSON report.

    Both wait for a shared start time two seconds ahead, so their bursts overlap.
    """
    start_at = time.time() + 2.0 + 0.5 * 2  # interpreter and imports take about a second each
    procs = []
    for part in split_for_processes(pids):
        argv = [sys.executable, "-m", "bench.load_bench", "worker", "--url", url, "--study", study_id,
                "--start-at", repr(start_at), *(["--schema", schema] if schema else []), *part]
        procs.append(subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    reports = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"load worker exited with {proc.returncode}: {err.strip()[-2000:]}")
        reports.append(json.loads(out))
    return reports


def worker_main(argv: Sequence[str]) -> int:
    """``python -m bench.load_bench worker --url URL --study ID [--schema S] [--start-at T] PID...``"""
    parser = argparse.ArgumentParser(prog="bench.load_bench worker")
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema")
    parser.add_argument("--study", required=True)
    parser.add_argument("--start-at", type=float, default=0.0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--progress", action="store_true",
                        help="print each participant id once its submit has committed (for kill -9 tests)")
    parser.add_argument("pids", nargs="+")
    args = parser.parse_args(argv)
    engine = store.make_engine(args.url, schema=args.schema)
    study = store.get_study(engine, args.study)
    delay = args.start_at - time.time()
    if delay > 0:
        time.sleep(delay)
    if args.progress:
        def done(pid: str) -> None:
            print(pid, flush=True)
        run_submits(engine, study, args.pids, threads=args.threads, on_done=done)
        engine.dispose()
        return 0
    run = run_submits(engine, study, args.pids, threads=args.threads)
    engine.dispose()
    json.dump(asdict(run), sys.stdout)
    return 0


def merge_runs(reports: Sequence[dict[str, Any]], participants: int) -> SubmitRun:
    """One :class:`SubmitRun` from the workers' JSON reports."""
    run = SubmitRun(participants=participants)
    for r in reports:
        run.submit_calls += r["submit_calls"]
        run.created += r["created"]
        run.errors += r["errors"]
        run.submit_s += r["submit_s"]
        run.draft_s += r["draft_s"]
        run.wall_s = max(run.wall_s, r["wall_s"])
    return run


def postgres_schema(url: str) -> tuple[Any, str]:
    """A throw-away schema on ``url``: ``(engine, schema)``; drop it with :func:`drop_schema`."""
    schema = f"load_{uuid.uuid4().hex[:12]}"
    return store.make_engine(url, schema=schema), schema


def drop_schema(url: str, schema: str) -> None:
    cleanup = sa.create_engine(url)
    with cleanup.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    cleanup.dispose()


def bench_submits(n: int, workdir: Path, pg_url: str | None) -> list[dict[str, Any]]:
    """The three submit set-ups (PostgreSQL ones only with ``pg_url``); one summary row each."""
    pids = [f"p{i:04d}" for i in range(n)]
    duplicate = set(pids[::DUPLICATE_EVERY])
    rows = []
    engine = store.make_engine(f"sqlite:///{workdir / 'load.db'}")
    study = create_load_study(engine)
    run = run_submits(engine, study, pids, duplicate=duplicate)
    rows.append(summarise(run, count_outcome(engine, study, pids), "SQLite, 1 process, threads"))
    engine.dispose()
    if pg_url:
        engine, schema = postgres_schema(pg_url)
        try:
            study = create_load_study(engine)
            run = run_submits(engine, study, pids, duplicate=duplicate)
            rows.append(summarise(run, count_outcome(engine, study, pids), "PostgreSQL, 1 process, threads"))
            study2 = create_load_study(engine)
            run2 = merge_runs(run_processes(pg_url, schema, study2.id, pids), len(pids))
            rows.append(summarise(run2, count_outcome(engine, study2, pids), "PostgreSQL, 2 processes"))
        finally:
            engine.dispose()
            drop_schema(pg_url, schema)
    return rows


# --- real browsers on one Streamlit server ------------------------------------------------------

BROWSER_SPEC = {"name": "Browser load", "kind": "closed", "language": "en",
                "cards": ["Opening hours", "Borrowing", "Wi-Fi"], "categories": ["Visit", "Borrow"],
                "settings": {"randomize": False}}


def start_app(db_url: str, log_path: Path, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """``streamlit run streamlit_app.py`` on a free port; returns the process and its base URL.

    Standard output and error go to ``log_path``; ``extra_env`` is added to the environment.
    """
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=db_url, RESEARCHER_PASSWORD="load-bench-only",
               STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    env.update(extra_env or {})
    with log_path.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.25)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy in 60 s")


def _waiter(driver, timeout: float):
    from selenium.webdriver.support.ui import WebDriverWait

    def wait(cond, seconds: float | None = None):
        return WebDriverWait(driver, seconds or timeout, poll_frequency=0.2).until(cond)
    return wait


def _button(driver, text: str):
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.XPATH, f"//button[.//p[text()={text!r}]]")
    return found[0] if found else None


def click_until(driver, text: str, shown: str, timeout: float = 300, retry_after: float = 15) -> None:
    """Click the button ``text`` until ``shown`` is on the page, clicking again every ``retry_after`` seconds.

    A click made while the page reconnects to a replica (after its replica died) is lost; a participant
    clicks again when nothing happens, and so does this.
    """
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By

    deadline = time.monotonic() + timeout
    wait = _waiter(driver, timeout)
    def button_or_done(d):
        return "shown" if shown in d.find_element(By.TAG_NAME, "body").text else _button(d, text)

    while True:
        button = wait(button_or_done)
        if button == "shown":
            return
        try:
            button.click()
        except (StaleElementReferenceException, WebDriverException):
            pass  # the page re-rendered under the click: look again
        try:
            wait(lambda d: shown in d.find_element(By.TAG_NAME, "body").text, retry_after)
            return
        except WebDriverException:
            if time.monotonic() > deadline:
                raise


def start_sort(driver, url: str, timeout: float = 300) -> int:
    """Open the participant link and press "Start sorting"; returns how many cards there are to sort."""
    import re

    from selenium.webdriver.common.by import By

    driver.get(url)
    click_until(driver, "Start sorting", "cards sorted", timeout)
    progress = _waiter(driver, timeout)(lambda d: re.search(
        r"(\d+) of (\d+) cards sorted", d.find_element(By.CSS_SELECTOR, ".csb-progress").text))
    return int(progress.group(2))


def move_cards(driver, count: int, timeout: float = 300) -> None:
    """Move ``count`` unsorted cards with clicks, each to the first destination its "Move to" list offers
    (the first category of a closed sort; in an open sort a new group, then the first group)."""
    from selenium.webdriver.common.by import By

    wait = _waiter(driver, timeout)
    for _ in range(count):
        before = len(wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".csb-unsorted .csb-card-button")))
        wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".csb-unsorted .csb-card-button"))[0].click()
        wait(lambda d: d.find_elements(By.XPATH, "//button[normalize-space()='Move']"))[0].click()
        wait(lambda d, before=before: len(d.find_elements(By.CSS_SELECTOR, ".csb-unsorted .csb-card-button"))
             < before)


def finish_sort(driver, cards: int, timeout: float = 300) -> float:
    """With every card sorted: "I am done sorting", then "Submit my sort" until the thank-you page shows.

    Returns the submission time: from pressing "Submit my sort" to the thank-you page, in seconds.
    """
    from selenium.webdriver.common.by import By

    _waiter(driver, timeout)(lambda d: f"{cards} of {cards} cards sorted"
                             in d.find_element(By.CSS_SELECTOR, ".csb-progress").text)
    click_until(driver, "I am done sorting", "Submit my sort", timeout)
    t0 = time.perf_counter()
    click_until(driver, "Submit my sort", "Thank you!", timeout)
    return time.perf_counter() - t0


def complete_sort_in_browser(driver, url: str, timeout: float = 300) -> float:
    """Open the participant link and finish a sort with clicks (:func:`move_cards`); returns the submission time."""
    cards = start_sort(driver, url, timeout)
    move_cards(driver, cards, timeout)
    return finish_sort(driver, cards, timeout)


def bench_browsers(n: int, workdir: Path, ramp: int = 2) -> dict[str, Any]:
    """``n`` concurrent headless Chromium sessions completing sorts on one server.

    Browsers start at most ``ramp`` at a time (Chromium's start-up is the costly part on a
    small machine, and participants never all arrive in the same second); once started,
    every session sorts at the same time as the others.
    """
    from a11y.browser import make_driver

    db_url = f"sqlite:///{workdir / 'browsers.db'}"
    engine = store.make_engine(db_url)
    study = store.create_study(engine, study_from_spec(BROWSER_SPEC, f"br{uuid.uuid4().hex[:8]}"))
    proc, url = start_app(db_url, workdir / "streamlit.log")
    per_session: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    starting = threading.Semaphore(ramp)

    def session(i: int) -> None:
        driver = None
        try:
            with starting:
                driver = make_driver(window=(1200, 900), page_load_timeout=300)
                executor = driver.command_executor
                if not isinstance(executor, str):  # typed str | RemoteConnection; a started driver holds the latter
                    executor.set_timeout(300)
            t0 = time.perf_counter()
            complete_sort_in_browser(driver, f"{url}{study.participant_path}&pid=browser{i:03d}")
            with lock:
                per_session.append(time.perf_counter() - t0)
        except Exception as exc:  # noqa: BLE001 - reported as a failed session
            with lock:
                errors.append(f"session {i}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
        finally:
            if driver is not None:
                driver.quit()

    try:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=n) as pool:
            list(pool.map(session, range(n)))
        wall = time.perf_counter() - t0
        stored = {s.participant_id for s in store.load_sorts(engine, study.id)}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        engine.dispose()
    return {"sessions": n, "completed": len(per_session), "stored": len(stored), "errors": errors,
            "wall_s": round(wall, 1),
            "session_p50_s": round(percentile(per_session, 50), 1),
            "session_p95_s": round(percentile(per_session, 95), 1)}


# --- participants through an existing deployment ------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (all its threads), from ``/proc``; 0 when gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def drive_deployment(base_url: str, participant_path: str, n: int, concurrency: int, *,
                     remote: str | None = None, timeout: float = 300, label: str = "") -> dict[str, Any]:
    """``n`` participants in headless Chromium against ``base_url``, ``concurrency`` at a time, each opening
    ``base_url + participant_path + &pid=<new id>`` and completing the sort with clicks
    (:func:`complete_sort_in_browser`).

    Reported: completed sorts (thank-you page reached), errors, and p50/p95 of the flow time (link opened
    to thank-you page; the browser's start is not counted) and of the submission time ("Submit my sort"
    to thank-you page).
    """
    from a11y.browser import make_driver

    run_id = uuid.uuid4().hex[:6]
    flows: list[float] = []
    submits: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def participant(i: int) -> None:
        driver = None
        try:
            driver = make_driver(remote, window=(1200, 900), page_load_timeout=110)
            t0 = time.perf_counter()
            submit = complete_sort_in_browser(driver, f"{base_url}{participant_path}&pid=load-{run_id}-{i:03d}",
                                              timeout)
            with lock:
                flows.append(time.perf_counter() - t0)
                submits.append(submit)
        except Exception as exc:  # noqa: BLE001 - reported as a failed participant
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            with lock:
                errors.append(f"participant {i}: {type(exc).__name__}: {first}")
        finally:
            if driver is not None:
                driver.quit()

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(participant, range(n)))
    wall = time.perf_counter() - t0
    return {"setup": label or base_url, "participants": n, "concurrency": concurrency, "completed": len(flows),
            "errors": errors, "wall_s": round(wall, 1),
            "flow_p50_s": round(percentile(flows, 50), 1), "flow_p95_s": round(percentile(flows, 95), 1),
            "submit_p50_s": round(percentile(submits, 50), 2), "submit_p95_s": round(percentile(submits, 95), 2)}


def bench_deployment(pg_url: str, n: int, concurrency: int, workdir: Path) -> list[dict[str, Any]]:
    """The same participants against one replica, then against two replicas behind nginx, on a database of its own.

    Each row adds the replicas' CPU seconds during the run and the machine's load average, which say
    what limited it (a replica near one CPU second per second is saturated: Streamlit runs a session's
    script in one process; otherwise the browsers and the neighbours are).
    """
    from bench.deployment import Deployment, create_database, drop_database
    from cardsort import auth

    db_url = create_database(pg_url)
    engine = store.make_engine(db_url)
    rows = []
    try:
        env = {"DATABASE_URL": db_url, "COOKIE_SECRET": uuid.uuid4().hex * 2,
               "RESEARCHER_PASSWORD_HASH": auth.hash_password(uuid.uuid4().hex)}
        for replicas in (1, 2):
            study = store.create_study(engine, study_from_spec(BROWSER_SPEC, f"dep{replicas}{uuid.uuid4().hex[:6]}"))
            with Deployment(workdir / f"deployment-{replicas}", env) as dep:
                dep.start(replicas)
                base = dep.replicas[0].url if replicas == 1 else dep.url
                cpu0 = [cpu_seconds(r.proc.pid) for r in dep.replicas]
                row = drive_deployment(base, study.participant_path, n, concurrency,
                                       label="1 replica, direct" if replicas == 1 else "2 replicas behind nginx")
                row["replica_cpu_s"] = [round(cpu_seconds(r.proc.pid) - c, 1) for r, c in zip(dep.replicas, cpu0)]
                row["load_average"] = [round(x, 1) for x in os.getloadavg()]
                row["stored"] = len(store.load_sorts(engine, study.id))
                rows.append(row)
    finally:
        engine.dispose()
        drop_database(db_url)
    return rows


def print_deployment_row(r: dict[str, Any]) -> None:
    cpu = f", replica CPU {'+'.join(map(str, r['replica_cpu_s']))} s" if "replica_cpu_s" in r else ""
    load = f", load average {r['load_average'][0]}" if "load_average" in r else ""
    print(f"{r['setup']:<26} {r['completed']} of {r['participants']} sorts completed "
          f"({r['concurrency']} at a time, {len(r['errors'])} errors) in {r['wall_s']} s; "
          f"flow p50 {r['flow_p50_s']} s, p95 {r['flow_p95_s']} s; "
          f"submission p50 {r['submit_p50_s']} s, p95 {r['submit_p95_s']} s{cpu}{load}")
    for e in r["errors"]:
        print("  " + e)


# --- audits -----------------------------------------------------------------------------------

def bench_audit(pages: int, workers_list: Sequence[int]) -> list[dict[str, Any]]:
    """Pages per browser per minute on the local test site (tests/a11y/site), served on 127.0.0.1."""
    from a11y.engine import audit_urls
    from tests.a11y.conftest import SiteServer

    server = SiteServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        site = ROOT / "tests" / "a11y" / "site"
        names = sorted(p.relative_to(site).as_posix() for d in ("clean", "defects") for p in (site / d).rglob("*.html"))
        urls = [f"{server.url}/{names[i % len(names)]}?n={i}" for i in range(pages)]
        rows = []
        for workers in workers_list:
            t0 = time.perf_counter()
            results = audit_urls(urls, workers=workers)
            wall = time.perf_counter() - t0
            ok = sum(r.status == "ok" for r in results)
            rows.append({"workers": workers, "pages": len(urls), "ok": ok, "wall_s": round(wall, 1),
                         "pages_per_min": round(len(urls) / wall * 60, 1),
                         "pages_per_browser_per_min": round(len(urls) / wall * 60 / workers, 1)})
        return rows
    finally:
        server.shutdown()


# --- entry point ------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["worker"]:
        return worker_main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=None,
                        help="participants (default 200 for the submits; 6 with --url or --deployment)")
    parser.add_argument("--url", help="drive the deployment at this base URL (https://cardsort.example.org) "
                        "with browsers; needs --study")
    parser.add_argument("--study", help="with --url: the study id (a closed or open sort without required "
                        "questions; every participant adds a real sort to it)")
    parser.add_argument("--concurrency", type=int, default=3, help="with --url/--deployment: browsers at once")
    parser.add_argument("--remote", help="with --url: a Selenium Grid for the browsers (default: local Chromium)")
    parser.add_argument("--deployment", action="store_true",
                        help="start one replica, then two behind nginx, on a new database on TEST_DATABASE_URL's "
                        "server, and drive each with --participants browsers")
    parser.add_argument("--browsers", type=int, default=20, help="concurrent browser sessions (0 skips)")
    parser.add_argument("--ramp", type=int, default=2, help="browsers starting at once (default 2)")
    parser.add_argument("--audit-pages", type=int, default=24, help="pages for the audit rate (0 skips)")
    parser.add_argument("--only", choices=("submits", "browsers", "audit"))
    args = parser.parse_args(argv)
    from bench.common import WORK_DIR, write_results

    if args.url or args.deployment:
        return deployment_main(args, parser)
    args.participants = args.participants or 200

    workdir = WORK_DIR / "load"
    workdir.mkdir(parents=True, exist_ok=True)
    for old in workdir.glob("*.db*"):
        old.unlink()
    pg_url = settings.text("TEST_DATABASE_URL")
    payload: dict[str, Any] = {}
    failed = False
    if args.only in (None, "submits"):
        rows = bench_submits(args.participants, workdir, pg_url)
        payload["submits"] = rows
        for r in rows:
            print(f"{r['setup']:<32} {r['participants']} participants, {r['submit_calls']} submits: "
                  f"lost {r['lost']}, duplicated {r['duplicated']}, errors {r['errors']}, "
                  f"stale drafts {r['drafts_left']}; "
                  f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, {r['submits_per_s']} submits/s")
            failed |= bool(r["lost"] or r["duplicated"] or r["wrong"] or r["errors"])
        if not pg_url:
            print("PostgreSQL skipped: set TEST_DATABASE_URL")
    if args.only in (None, "browsers") and args.browsers:
        b = bench_browsers(args.browsers, workdir, ramp=args.ramp)
        payload["browsers"] = b
        print(f"{b['sessions']} concurrent browser sessions: {b['completed']} completed, {b['stored']} sorts "
              f"stored in {b['wall_s']} s (per session p50 {b['session_p50_s']} s, p95 {b['session_p95_s']} s)")
        for e in b["errors"]:
            print("  " + e)
        failed |= b["completed"] != b["sessions"]
    if args.only in (None, "audit") and args.audit_pages:
        rows = bench_audit(args.audit_pages, (1, 2))
        payload["audit"] = rows
        for r in rows:
            print(f"audit, {r['workers']} browser(s): {r['pages']} pages ({r['ok']} ok) in {r['wall_s']} s = "
                  f"{r['pages_per_browser_per_min']} pages per browser per minute")
    if args.only:  # keep the other measurements of an earlier full run
        from bench.common import RESULTS_DIR

        earlier = RESULTS_DIR / "load.json"
        if earlier.is_file():
            kept = json.loads(earlier.read_text(encoding="utf-8"))
            kept.pop("machine", None)
            payload = kept | payload
    path = write_results("load", payload)
    print(f"results: {path}")
    return 1 if failed else 0


def deployment_main(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    """``--url URL --study ID`` or ``--deployment``: participants in browsers; results under ``deployment``."""
    from bench.common import RESULTS_DIR, WORK_DIR, BenchError, write_results

    n = args.participants or 6
    if n < 1 or args.concurrency < 1:
        parser.error("--participants and --concurrency must be at least 1")
    if args.url:
        if args.deployment:
            parser.error("give --url (an existing deployment) or --deployment (one made here), not both")
        if not args.study:
            parser.error("--url needs --study ID (a study of that deployment)")
        if not re.match(r"^https?://[^/\s]+", args.url):
            parser.error(f"--url must be an http(s) base URL, got {args.url!r}")
        base = args.url.rstrip("/")
        link = f"/sort?study={urllib.parse.quote(args.study)}"
        rows = [drive_deployment(base, link, n, args.concurrency, remote=args.remote, label=base)]
    else:
        pg_url = settings.text("TEST_DATABASE_URL")
        if not pg_url:
            raise BenchError("--deployment needs TEST_DATABASE_URL (a PostgreSQL server the replicas share)")
        workdir = WORK_DIR / "deployment"
        rows = bench_deployment(pg_url, n, args.concurrency, workdir)
    for r in rows:
        print_deployment_row(r)
    earlier = RESULTS_DIR / "load.json"
    kept = json.loads(earlier.read_text(encoding="utf-8")) if earlier.is_file() else {}
    kept.pop("machine", None)
    path = write_results("load", kept | {"deployment": rows})
    print(f"results: {path}")
    return 1 if any(r["completed"] != r["participants"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
