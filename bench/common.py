"""Helpers shared by the benchmarks: child-process measurement, peer venvs, tables, results.

Standard library only, so a peer's own interpreter (say Python 3.11 with old pandas) can
import this module too.

What a measurement means
------------------------
:func:`run_process` starts one fresh child (through a bare spawning wrapper, see
``_SPAWN_AND_MEASURE``) and reaps it with :func:`os.wait4`, which hands back the resource usage
of *that* child alone (``RUSAGE_CHILDREN`` would fold every child ever waited for into one
maximum). So:

- ``wall_s`` is the wall-clock time from just before spawning to reaping, interpreter start-up
  and imports included;
- ``cpu_s`` is user + system CPU time of the child (and of any grandchildren it waited for);
- ``peak_rss_mb`` is the child's high-water resident set size (``ru_maxrss``, KiB on Linux),
  the figure the kernel itself keeps, so there is no sampling gap.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
WORK_DIR = BENCH_DIR / ".work"
PEERS_DIR = BENCH_DIR / ".peers"
RESULTS_DIR = BENCH_DIR / "results"

MB = 1024 * 1024


class BenchError(RuntimeError):
    """A benchmark step could not run (a child failed, a peer could not be installed, ...)."""


@dataclass(frozen=True)
class ProcessRun:
    """One measured run of a child process.

    Attributes
    ----------
    argv : list of str
        The command line.
    wall_s : float
        Wall-clock seconds, process start to exit.
    cpu_s : float
        User + system CPU seconds of the child.
    peak_rss_mb : float
        Peak resident set size of the child, in MiB.
    returncode : int
        Exit code, or ``-signal`` when killed by a signal.
    timed_out : bool
        Whether the run was killed for exceeding its time limit.
    stdout_path, stderr_path : str or None
        Files the child's output went to.
    """

    argv: list[str]
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    returncode: int
    timed_out: bool = False
    stdout_path: str | None = None
    stderr_path: str | None = None

    def stdout(self) -> str:
        """The child's standard output as text ('' when not captured)."""
        return Path(self.stdout_path).read_text(encoding="utf-8") if self.stdout_path else ""

    def stderr_tail(self, lines: int = 15) -> str:
        """The last ``lines`` lines of the child's standard error."""
        if not self.stderr_path:
            return ""
        text = Path(self.stderr_path).read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def check(self) -> ProcessRun:
        """Return ``self`` when the child exited 0; raise :class:`BenchError` with its stderr otherwise."""
        if self.timed_out:
            raise BenchError(f"timed out after {self.wall_s:.0f} s: {' '.join(self.argv)}")
        if self.returncode != 0:
            raise BenchError(
                f"exit {self.returncode}: {' '.join(self.argv)}\n{self.stderr_tail()}"
            )
        return self


# Spawns the measured command and reports its rusage. Linux's ru_maxrss keeps the high-water
# mark of the address space a process was forked from (exec does not reset it), so a child
# forked straight from a benchmark holding large arrays would report the benchmark's own RSS.
# This wrapper is a bare interpreter (-I -S, about 9 MiB), so the figure is the command's own
# peak whenever that exceeds 9 MiB. Wall time is taken here too, around spawn and reap only.
_SPAWN_AND_MEASURE = """
import json, os, sys, time
start = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as f:
    json.dump({"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "maxrss_kib": usage.ru_maxrss,
               "returncode": os.waitstatus_to_exitcode(status)}, f)
"""


def run_process(
    argv: Sequence[str | os.PathLike[str]],
    *,
    output_stem: str | os.PathLike[str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
) -> ProcessRun:
    """Run ``argv`` once in a fresh process and measure it.

    Parameters
    ----------
    argv : sequence of str or path
        Command line; ``argv[0]`` is looked up on ``PATH``.
    output_stem : str or path, optional
        Standard output goes to ``<stem>.out`` and standard error to ``<stem>.err`` (files,
        not pipes, so a large output can never block the child and reading it is not timed).
        Without it both are discarded.
    cwd : str or path, optional
        Working directory of the child.
    env : dict, optional
        Environment of the child (default: inherited).
    timeout : float, optional
        Seconds after which the child's process group is killed; the run is then marked
        ``timed_out``.

    Returns
    -------
    ProcessRun
    """
    command: list[str] = [os.fspath(a) for a in argv]
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    out_path: Path | None
    err_path: Path | None
    if output_stem is not None:
        stem = Path(output_stem)
        stem.parent.mkdir(parents=True, exist_ok=True)
        out_path, err_path = stem.with_name(stem.name + ".out"), stem.with_name(stem.name + ".err")
    else:
        out_path = err_path = None
    usage_path = WORK_DIR / f".usage-{os.getpid()}-{threading.get_ident()}.json"
    usage_path.unlink(missing_ok=True)
    with open(out_path or os.devnull, "wb") as out, open(err_path or os.devnull, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-I", "-S", "-c", _SPAWN_AND_MEASURE, str(usage_path), *command],
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd, env=env,
                                start_new_session=True)
        try:
            proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the wrapper and the command share this session
            proc.wait()
            timed_out = True
        outer_wall = time.perf_counter() - start
    if timed_out or not usage_path.exists():
        return ProcessRun(argv=command, wall_s=outer_wall, cpu_s=float("nan"), peak_rss_mb=float("nan"),
                          returncode=proc.returncode, timed_out=timed_out,
                          stdout_path=os.fspath(out_path) if out_path else None,
                          stderr_path=os.fspath(err_path) if err_path else None)
    usage = json.loads(usage_path.read_text())
    usage_path.unlink()
    return ProcessRun(
        argv=command,
        wall_s=usage["wall_s"],
        cpu_s=usage["cpu_s"],
        peak_rss_mb=usage["maxrss_kib"] * 1024 / MB,  # ru_maxrss is in KiB on Linux
        returncode=usage["returncode"],
        timed_out=False,
        stdout_path=os.fspath(out_path) if out_path else None,
        stderr_path=os.fspath(err_path) if err_path else None,
    )


@dataclass
class Series:
    """Repeated runs of one command.

    Times are summarised by the fastest run, as :mod:`timeit` advises: on a shared machine the
    other runs measure the neighbours' load as much as the command. Memory is summarised by the
    largest peak, since memory targets are about the worst case. Medians and every run are kept
    in :meth:`to_dict`.

    Attributes
    ----------
    name : str
        Row label in tables and key in the results file.
    runs : list of ProcessRun
    """

    name: str
    runs: list[ProcessRun] = field(default_factory=list)

    @property
    def wall_s(self) -> float:
        """Fastest wall-clock seconds."""
        return min(r.wall_s for r in self.runs)

    @property
    def cpu_s(self) -> float:
        """Smallest CPU seconds."""
        return min(r.cpu_s for r in self.runs)

    @property
    def peak_rss_mb(self) -> float:
        """Largest peak RSS over the runs, MiB."""
        return max(r.peak_rss_mb for r in self.runs)

    def to_dict(self) -> dict[str, Any]:
        """Summary plus every run's figures, for the results file."""
        return {
            "wall_s_min": round(self.wall_s, 3),
            "wall_s_median": round(statistics.median(r.wall_s for r in self.runs), 3),
            "cpu_s_min": round(self.cpu_s, 3),
            "cpu_s_median": round(statistics.median(r.cpu_s for r in self.runs), 3),
            "peak_rss_mb_max": round(self.peak_rss_mb, 1),
            "runs": [
                {"wall_s": round(r.wall_s, 3), "cpu_s": round(r.cpu_s, 3),
                 "peak_rss_mb": round(r.peak_rss_mb, 1)}
                for r in self.runs
            ],
            "argv": self.runs[0].argv if self.runs else [],
        }


@dataclass(frozen=True)
class Command:
    """A command to measure: row name, command line, and keyword arguments for :func:`run_process`."""

    name: str
    argv: Sequence[str | os.PathLike[str]]
    options: dict[str, Any] = field(default_factory=dict)


def measure(commands: Sequence[Command], *, repeat: int = 3) -> list[Series]:
    """Run each command ``repeat`` times, interleaved (A B A B ...), each a fresh, checked process.

    Interleaving spreads a shared machine's changing load evenly over the commands being
    compared. A failing run raises :class:`BenchError`.

    Returns
    -------
    list of Series, one per command, in order
    """
    series = [Series(c.name) for c in commands]
    for _ in range(repeat):
        for command, runs in zip(commands, series):
            runs.runs.append(run_process(command.argv, **command.options).check())
    return series


class Stopwatch:
    """In-process timing of named phases: ``with sw.phase("read"): ...``.

    ``sw.wall`` and ``sw.cpu`` map each phase to wall-clock and process CPU seconds.
    """

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
            self.cpu[name] = self.cpu.get(name, 0.0) + time.process_time() - cpu


def find_python(version: str) -> str:
    """Real path of a Python ``version`` interpreter ("3.11"): ``python3.11`` on PATH, else pyenv's newest.

    Shims (pyenv's) are resolved to the interpreter they run, so a venv made from the result
    does not depend on the shim's configuration.

    Raises
    ------
    BenchError
        When none is installed, saying how to install one.
    """
    def executable_if_version(path: str) -> str | None:
        probe = subprocess.run([path, "-c", "import sys; print(*sys.version_info[:2]); print(sys.executable)"],
                               capture_output=True, text=True)
        lines = probe.stdout.split("\n")
        if probe.returncode == 0 and ".".join(lines[0].split()) == version:
            return lines[1]
        return None

    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    pyenv = sorted(root.glob(f"{version}.*/bin/python"),
                   key=lambda p: [int(x) if x.isdigit() else -1 for x in p.parts[-3].split(".")],
                   reverse=True)
    for candidate in [shutil.which(f"python{version}"), *map(str, pyenv)]:
        if candidate and (found := executable_if_version(candidate)):
            return found
    raise BenchError(f"No Python {version} found: install python{version} "
                     f"(apt-get install python{version}-venv) or 'pyenv install {version}'.")


def ensure_venv(name: str, python: str, requirements: Sequence[str]) -> Path:
    """A venv ``bench/.peers/<name>`` with exactly ``requirements`` installed; returns its interpreter.

    The venv is reused while a stamp file lists the same requirements, and rebuilt otherwise.
    """
    venv = PEERS_DIR / name
    stamp = venv / ".bench-requirements"
    wanted = "\n".join(requirements) + "\n"
    interpreter = venv / "bin" / "python"
    if interpreter.exists() and stamp.exists() and stamp.read_text() == wanted:
        return interpreter
    if venv.exists():
        shutil.rmtree(venv)
    log(f"installing {name} into {venv.relative_to(ROOT)} ({', '.join(requirements)})")
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run([str(interpreter), "-m", "pip", "install", "--quiet",
                          "--disable-pip-version-check", *requirements],
                         capture_output=True, text=True)
    if pip.returncode != 0:
        raise BenchError(f"pip could not install {requirements} for {name}:\n{pip.stderr[-2000:]}")
    stamp.write_text(wanted)
    return interpreter


def verdict(ok: bool) -> str:
    """'PASS' or 'MISS'."""
    return "PASS" if ok else "MISS"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table: the first column (the row's name) left-aligned, the others right-aligned.

    Parameters
    ----------
    headers : sequence of str
    rows : sequence of sequences, each as long as ``headers``
        Cells are printed with ``str``; floats should be formatted by the caller.
    """
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        first, *rest = zip(row, widths)
        return "  ".join([first[0].ljust(first[1]), *(c.rjust(w) for c, w in rest)]).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(r) for r in cells[1:])])


def machine_info() -> dict[str, Any]:
    """Where and when the figures were taken: host, CPUs, load, Python, git commit."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip() or None
    except OSError:
        commit = None
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "python": sys.version.split()[0],
        "git_commit": commit,
    }


def write_results(name: str, payload: dict[str, Any]) -> Path:
    """Write ``bench/results/<name>.json`` (``payload`` plus :func:`machine_info`) and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps({"machine": machine_info(), **payload}, indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    return path


def log(message: str) -> None:
    """Progress line on standard error (tables go to standard output)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


__all__ = [
    "BENCH_DIR", "ROOT", "WORK_DIR", "PEERS_DIR", "RESULTS_DIR", "BenchError", "ProcessRun", "Series",
    "Command", "Stopwatch", "run_process", "measure", "find_python", "ensure_venv", "verdict", "format_table",
    "machine_info", "write_results", "log",
]
