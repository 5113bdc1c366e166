"""``python -m bench loading``: a stored study read into the analysis table, before and after one SQL query.

The study has 1,000 participants x 100 cards (100,000 placements; :func:`bench.trust_bench.generate_sorts`,
about 8 piles each), one participant excluded and one label decision, stored in SQLite (a file under
``bench/.work/loading/``) and, when ``TEST_DATABASE_URL`` is set, PostgreSQL (a throw-away schema).
Three reads, each timed in-process (wall and CPU seconds of the call alone), the best of ``--repeat``:

- before: ``store.load_sorts`` (every sort as objects) + exclusions + label decisions +
  ``loading.analysis_table`` (the sorts through a pandas frame): what every page did;
- after: ``loading.load_table`` (``store.load_placements``: one SQL query into arrays): target 0.5 s;
- the Results page's whole read: ``load_sorts(groups=False)`` (times and answers) + ``load_table``;
- a segment (issue 13): ``load_table`` of half the participants, chosen by a questionnaire answer
  (``{"answers": {"role": ["student"]}}``), which reads the sorts' answers and times to choose them;
  target 0.5 s like the whole load;
- the Results page's read with that segment: ``load_sorts(groups=False)`` + ``load_table(segment, sorts=...)``;
- the Compare segments tab's statistics: ``segments.compare_pairs`` of that half against the other half
  (4,950 pairs: counts, Newcombe intervals, Fisher's exact test, Benjamini-Hochberg).

The two tables are checked to be the same, and the segment's table to be the one of its sorts in memory.
Results go to ``bench/results/loading.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from bench.common import Stopwatch, format_table, log, verdict, write_results

TARGET_S = 0.5
ROLES = ("student", "staff")  # every other participant: the segment below keeps half


def store_study(engine, participants: int, cards: int, seed: int) -> str:
    """Store the generated study with its sorts, one exclusion and one label decision; returns its id."""
    from bench.trust_bench import generate_sorts
    from cardsort import store
    from cardsort.naming import normalise_label

    study, sorts = generate_sorts(participants, cards, seed)
    sorts = [replace(s, answers={**s.answers, "role": ROLES[i % 2]}) for i, s in enumerate(sorts)]
    store.create_study(engine, study)
    store.import_sorts(engine, study.id, sorts)
    store.set_exclusions(engine, study.id, {sorts[0].participant_id: True})
    label = sorts[1].groups[0].label
    store.save_label_decisions(engine, study.id, [{"label_key": normalise_label(label), "standard_label": "Merged",
                                                   "status": "accepted"}])
    return study.id


def best_of(repeat: int, call: Callable[[], Any]) -> tuple[float, float, Any]:
    """Fastest wall and CPU seconds of ``repeat`` calls, and the last result."""
    runs, result = [], None
    for _ in range(repeat):
        sw = Stopwatch()
        with sw.phase("run"):
            result = call()
        runs.append((sw.wall["run"], sw.cpu["run"]))
    wall, cpu = min(runs)
    return wall, cpu, result


def same_table(a, b) -> bool:
    """Whether two :class:`~cardsort.table.SortTable` objects hold the same values."""
    return all(np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y
               for x, y in zip(vars(a).values(), vars(b).values()))


def bench_engine(name: str, engine, study_id: str, repeat: int) -> list[dict[str, Any]]:
    """The three reads on one database; one row each."""
    from cardsort import store
    from cardsort.loading import analysis_table, load_table
    from cardsort.segments import Segment, compare_pairs
    from cardsort.standardise import decisions_from_rows

    study = store.get_study(engine, study_id)
    segment = Segment(answers=(("role", ("student",)),))

    def before():
        sorts = store.load_sorts(engine, study_id, include_excluded=True)
        decisions = decisions_from_rows(store.load_label_decisions(engine, study_id))
        return analysis_table(study, sorts, store.excluded_participants(engine, study_id), decisions)

    def results_page():
        return store.load_sorts(engine, study_id, include_excluded=True, groups=False), load_table(engine, study_id)

    def segmented_page():
        sorts = store.load_sorts(engine, study_id, include_excluded=False, groups=False)
        return load_table(engine, study_id, study, segment, sorts=sorts)

    old_wall, old_cpu, old = best_of(repeat, before)
    new_wall, new_cpu, new = best_of(repeat, lambda: load_table(engine, study_id, study))
    page_wall, page_cpu, (sorts, _) = best_of(repeat, results_page)
    seg_wall, seg_cpu, part = best_of(repeat, lambda: load_table(engine, study_id, study, segment))
    seg_page_wall, seg_page_cpu, _ = best_of(repeat, segmented_page)
    if not same_table(old, new):
        raise AssertionError(f"{name}: load_table gives another table than load_sorts + analysis_table")
    expected = analysis_table(study, store.load_sorts(engine, study_id), store.excluded_participants(engine, study_id),
                              decisions_from_rows(store.load_label_decisions(engine, study_id)), segment)
    if not same_table(part, expected):
        raise AssertionError(f"{name}: load_table with a segment gives another table than analysis_table's")
    rest = load_table(engine, study_id, study, segment.inverted())
    assert part is not None and rest is not None  # both halves have sorts
    cmp_wall, cmp_cpu, pairs = best_of(repeat, lambda: compare_pairs(part, rest))
    check = (f"same table: {new.n_participants:,} participants, {len(new.card):,} placements, "
             f"{new.n_groups:,} groups")
    return [
        {"name": f"{name}: before, load_sorts + analysis_table", "wall": old_wall, "cpu": old_cpu, "target": None,
         "check": check},
        {"name": f"{name}: after, load_table (one query)", "wall": new_wall, "cpu": new_cpu, "target": TARGET_S,
         "check": f"{old_wall / new_wall:.1f}x faster than before"},
        {"name": f"{name}: Results page read (sort times + load_table)", "wall": page_wall, "cpu": page_cpu,
         "target": None, "check": f"{len(sorts):,} sorts' times and answers"},
        {"name": f"{name}: segment, load_table of half by an answer", "wall": seg_wall, "cpu": seg_cpu,
         "target": TARGET_S, "check": f"same table as in memory: {part.n_participants:,} participants, "
                                      f"{len(part.card):,} placements"},
        {"name": f"{name}: Results page read with the segment", "wall": seg_page_wall, "cpu": seg_page_cpu,
         "target": None, "check": "sort times + load_table(segment, sorts=...)"},
        {"name": f"{name}: compare the two halves (compare_pairs)", "wall": cmp_wall, "cpu": cmp_cpu,
         "target": None, "check": f"{pairs.n_compared:,} pairs, {int((pairs.q < 0.05).sum()):,} with q < 0.05"},
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the reads on SQLite (and PostgreSQL with ``TEST_DATABASE_URL``); 0 when every target passes, else 1."""
    parser = argparse.ArgumentParser(prog="python -m bench loading", description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=1000, help="participants (default 1000)")
    parser.add_argument("--cards", type=int, default=100, help="cards, each placed by everyone (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing, best kept (default 3)")
    parser.add_argument("--seed", type=int, default=2026, help="generator seed (default 2026)")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.participants < 2 or args.cards < 2:
        parser.error("--repeat must be at least 1, --participants and --cards at least 2")
    from bench.common import WORK_DIR
    from bench.load_bench import drop_schema, postgres_schema
    from cardsort import settings, store

    workdir = WORK_DIR / "loading"
    workdir.mkdir(parents=True, exist_ok=True)
    for old in workdir.glob("*.db*"):
        old.unlink()
    load_before = os.getloadavg()[0]
    log(f"SQLite: storing {args.participants:,} x {args.cards} placements")
    engine = store.make_engine(f"sqlite:///{workdir / 'loading.db'}")
    rows = bench_engine("SQLite", engine, store_study(engine, args.participants, args.cards, args.seed), args.repeat)
    engine.dispose()
    pg_url = settings.text("TEST_DATABASE_URL")
    if pg_url:
        log(f"PostgreSQL: storing {args.participants:,} x {args.cards} placements")
        engine, schema = postgres_schema(pg_url)
        try:
            study_id = store_study(engine, args.participants, args.cards, args.seed)
            rows += bench_engine("PostgreSQL", engine, study_id, args.repeat)
        finally:
            engine.dispose()
            drop_schema(pg_url, schema)
    load_after = os.getloadavg()[0]
    print(format_table(["Read", "wall s", "CPU s", "target s", "verdict", "check"],
                       [[r["name"], f"{r['wall']:.3f}", f"{r['cpu']:.3f}",
                         "" if r["target"] is None else f"{r['target']:g}",
                         "" if r["target"] is None else verdict(r["wall"] <= r["target"]), r["check"]]
                        for r in rows]))
    if not pg_url:
        print("\nPostgreSQL skipped: set TEST_DATABASE_URL")
    if max(load_before, load_after) > (os.cpu_count() or 1):
        print(f"\nNote: load average {max(load_before, load_after):.1f} exceeded the {os.cpu_count()} CPUs while "
              "measuring; wall times include waiting for other processes (CPU s is the work itself).")
    path = write_results("loading", {"results": rows, "participants": args.participants, "cards": args.cards,
                                     "load_average": [load_before, load_after]})
    print(f"\nresults: {path}")
    return 0 if all(r["wall"] <= r["target"] for r in rows if r["target"] is not None) else 1


if __name__ == "__main__":
    sys.exit(main())
