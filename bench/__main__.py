"""``python -m bench [NAME|all] [options]``: run the benchmarks (NAME: a key of :data:`BENCHMARKS`).

Options after the benchmark's name go to that benchmark (``python -m bench cardsort --help``).
The exit code is 0 when every target passed, 1 when one was missed, 2 on bad usage or when a
benchmark could not run (a peer failed to install, a command failed).
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Sequence

from bench.common import BenchError

BENCHMARKS = {"cardsort": "bench.cardsort_bench", "a11y": "bench.a11y_bench", "trust": "bench.trust_bench",
              "load": "bench.load_bench", "loading": "bench.loading_bench",
              "workers": "bench.workers_bench"}


def run(name: str, argv: list[str]) -> int:
    """Import ``bench.<name>_bench`` only now (each pulls in its own heavy dependencies) and run its ``main``."""
    main = importlib.import_module(BENCHMARKS[name]).main
    try:
        code = main(argv) if inspect.signature(main).parameters else main()
    except BenchError as err:
        print(f"python -m bench {name}: {err}", file=sys.stderr)
        return 2
    return int(code or 0)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    which = args.pop(0) if args and not args[0].startswith("-") else "all"
    if which not in (*BENCHMARKS, "all") or (which == "all" and args):
        print(f"usage: python -m bench [{'|'.join(BENCHMARKS)}|all] [options of that benchmark]; "
              f"got {' '.join([which, *args])!r}", file=sys.stderr)
        return 2
    names = list(BENCHMARKS) if which == "all" else [which]
    return max(run(name, args if which != "all" else []) for name in names)


if __name__ == "__main__":
    sys.exit(main())
