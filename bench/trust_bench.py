"""Trust analyses (issue 5): bootstrap stability, edit distances and the Actual Agreement Method at scale.

Targets: 200 bootstrap resamples on 1,000 participants x 100 cards within 10 s; edit distances among
500 participants x 60 cards within 10 s; AAM on 1,000 participants x 100 cards within 5 s; the stakeholder
report (every format) at 2,000 participants x 100 cards within 3 s, from scratch and as the Trust page
builds it from its cached analyses.

The sorts are generated in memory (seeded): cards belong to latent topics (8 cards each); each
simulated participant uses 4 to 12 groups, files each topic into one of them (so topics merge, as
people lump), and puts 15% of cards somewhere else at random. Timings are taken in-process (wall and
CPU seconds of the call alone, after a warm-up import), the best of ``--repeat`` runs; each result is
checked (distances against the pair-by-pair solver on a sample; AAM tree non-empty and laminar).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC

import numpy as np

from bench.common import Stopwatch, format_table, log, verdict, write_results

TOPIC_SIZE = 8
NOISE = 0.15


def generate(n_participants: int, n_cards: int, seed: int):
    """A :class:`~cardsort.table.SortTable` of simulated open sorts (every participant places every card)."""
    from cardsort.table import SortTable

    rng = np.random.default_rng(seed)
    topic = np.arange(n_cards) // TOPIC_SIZE
    n_topics = int(topic.max()) + 1
    k = rng.integers(4, 13, size=n_participants)
    group_of_topic = (rng.random((n_participants, n_topics)) * k[:, None]).astype(np.int64)
    local = group_of_topic[:, topic]
    noisy = rng.random((n_participants, n_cards)) < NOISE
    local[noisy] = (rng.random(int(noisy.sum())) * np.repeat(k, noisy.sum(axis=1))).astype(np.int64)
    participant = np.repeat(np.arange(n_participants), n_cards)
    keys, group = np.unique(participant * 16 + local.ravel(), return_inverse=True)
    return SortTable(
        card_ids=tuple(f"c{i}" for i in range(n_cards)), cards=tuple(f"Card {i}" for i in range(n_cards)),
        participants=tuple(f"p{i}" for i in range(n_participants)),
        card=np.tile(np.arange(n_cards), n_participants), group=group.astype(np.int64),
        group_participant=(keys // 16).astype(np.int64), group_labels=tuple(f"G{g % 16}" for g in keys),
        group_keys=tuple(str(g % 16) for g in keys),
    )


def bench_bootstrap(repeat: int, seed: int) -> dict:
    from cardsort.analysis import analyze
    from cardsort.stability import bootstrap_stability

    table = generate(1000, 100, seed)
    clusters = analyze(table).clusters
    best = (math.inf, math.inf)  # (wall, CPU) of the fastest run
    for _ in range(repeat):
        sw = Stopwatch()
        with sw.phase("run"):
            result = bootstrap_stability(table, clusters, n_resamples=200)
        best = min(best, (sw.wall["run"], sw.cpu["run"]))
    if not (0 <= result.card.min() <= result.card.max() <= 1):
        raise AssertionError("card stability outside 0..1")
    return {"name": "Bootstrap, 200 resamples, 1,000 p x 100 cards", "wall": best[0], "cpu": best[1],
            "target": 10.0, "check": f"{len(result.category)} categories, mean stability "
                                      f"{result.category.mean():.2f}"}


def bench_distances(repeat: int, seed: int) -> dict:
    from cardsort.participants import edit_distance, edit_distances, participant_card_matrix

    table = generate(500, 60, seed + 1)
    best = (math.inf, math.inf)  # (wall, CPU) of the fastest run
    for _ in range(repeat):
        sw = Stopwatch()
        with sw.phase("run"):
            distances = edit_distances(table)
        best = min(best, (sw.wall["run"], sw.cpu["run"]))
    groups = participant_card_matrix(table)
    rng = np.random.default_rng(seed)
    for i, j in rng.integers(0, 500, size=(300, 2)):
        if distances[i, j] != edit_distance(groups[i], groups[j]):
            raise AssertionError(f"edit distance {i}-{j}: {distances[i, j]} != {edit_distance(groups[i], groups[j])}")
    return {"name": "Edit distances, 500 p x 60 cards (124,750 pairs)", "wall": best[0], "cpu": best[1],
            "target": 10.0, "check": f"300 sampled pairs match the solver; mean {distances.mean():.1f} cards"}


def bench_aam(repeat: int, seed: int) -> dict:
    from cardsort.aam import actual_agreement, iterate_sets

    table = generate(1000, 100, seed + 2)
    best = (math.inf, math.inf)  # (wall, CPU) of the fastest run
    for _ in range(repeat):
        sw = Stopwatch()
        with sw.phase("run"):
            tree = actual_agreement(table)
        best = min(best, (sw.wall["run"], sw.cpu["run"]))
    sets = [set(node.cards.tolist()) for node in iterate_sets(tree)]
    if not sets or any(a & b and not (a <= b or b <= a) for a in sets for b in sets):
        raise AssertionError("AAM tree is empty or not nested")
    return {"name": "AAM tree, 1,000 p x 100 cards", "wall": best[0], "cpu": best[1], "target": 5.0,
            "check": f"{len(sets)} accepted sets from {table.n_groups:,} groups"}


def generate_sorts(n_participants: int, n_cards: int, seed: int):
    """The study and :class:`~cardsort.model.Sort` objects of :func:`generate`, with times and a few comments."""
    from datetime import datetime, timedelta

    from cardsort.model import Group, Sort, study_from_spec

    table = generate(n_participants, n_cards, seed)
    study = study_from_spec({"name": "Bench", "kind": "open", "cards": list(table.cards)}, "bench")
    piles: dict[int, list[str]] = {}
    for card, group in zip(table.card.tolist(), table.group.tolist()):
        piles.setdefault(group, []).append(f"c{card + 1}")
    by_participant: dict[int, list] = {}
    for group, cards in piles.items():
        by_participant.setdefault(int(table.group_participant[group]), []).append(
            Group(table.group_labels[group], tuple(cards)))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    sorts = [Sort(table.participants[p], tuple(groups), started_at=t0,
                  finished_at=t0 + timedelta(seconds=240 + p % 300),
                  answers={"comments": "Some cards fit two places."} if p % 10 == 0 else {})
             for p, groups in sorted(by_participant.items())]
    return study, sorts


def bench_report(repeat: int, seed: int) -> list[dict]:
    """The stakeholder report at 2,000 participants x 100 cards: from scratch, and as the Trust page builds it."""
    from cardsort.aam import actual_agreement
    from cardsort.analysis import analyze
    from cardsort.participants import edit_distances, sample_participants
    from cardsort.report import analysis_table, build_report, render, render_comments_csv
    from cardsort.stability import bootstrap_stability, sample_size_curve

    study, sorts = generate_sorts(2000, 100, seed + 3)
    excluded = {sorts[0].participant_id}

    def files(report) -> dict:
        out = {fmt: render(report, fmt) for fmt in ("html", "csv", "json")}
        out["comments"] = render_comments_csv(report)
        return out

    def timed(make: Callable[[], dict]) -> tuple[float, float, dict]:
        best, result = (math.inf, math.inf), {}
        for _ in range(repeat):
            sw = Stopwatch()
            with sw.phase("run"):
                result = make()
            best = min(best, (sw.wall["run"], sw.cpu["run"]))
        return best[0], best[1], result

    cold_wall, cold_cpu, cold = timed(lambda: files(build_report(study, sorts, excluded)))
    # What the Trust page has cached when its Report tab is open (computed once for its other tabs).
    table = analysis_table(study, sorts, excluded)
    assert table is not None  # 2,000 generated participants, one excluded
    analysis = analyze(table)
    sample = sample_participants(table)
    computed = {"method": "average", "table": table, "analysis": analysis, "aam": actual_agreement(table),
                "stability": bootstrap_stability(table, analysis.clusters), "sample": sample,
                "distances": edit_distances(sample), "sample_size": sample_size_curve(table)}
    page_wall, page_cpu, page = timed(lambda: files(build_report(study, sorts, excluded, computed=computed)))
    strip = lambda text: text.split("generated", 1)[1].split("UTC", 1)[1] if "generated" in text else text  # noqa: E731
    same = all(strip(cold[f]) == strip(page[f]) for f in ("html", "csv", "comments"))
    if not same:
        raise AssertionError("the report from the Trust page's cached parts differs from the one built from scratch")
    check = f"{len(cold['html']) / 1e6:.1f} MB HTML; both paths give the same report"
    return [{"name": "Report from scratch, 2,000 p x 100 cards (all formats)", "wall": cold_wall, "cpu": cold_cpu,
             "target": 3.0, "check": check},
            {"name": "Report from the Trust page (its analyses cached)", "wall": page_wall, "cpu": page_cpu,
             "target": 3.0, "check": check}]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the timings; print a table; 0 when every target passes, else 1."""
    parser = argparse.ArgumentParser(prog="python -m bench trust", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing, best kept (default 3)")
    parser.add_argument("--seed", type=int, default=2026, help="generator seed (default 2026)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    import cardsort.stability  # noqa: F401  warm-up: imports are not part of the timings

    load_before = os.getloadavg()[0]
    rows = []
    for bench in (bench_bootstrap, bench_distances, bench_aam, bench_report):
        log(f"{bench.__name__}, {args.repeat} runs")
        result = bench(args.repeat, args.seed)
        rows += result if isinstance(result, list) else [result]
    load_after = os.getloadavg()[0]
    print(format_table(["Analysis", "wall s", "CPU s", "target s", "verdict", "check"],
                       [[r["name"], f"{r['wall']:.2f}", f"{r['cpu']:.2f}", f"{r['target']:.0f}",
                         verdict(r["wall"] <= r["target"]), r["check"]] for r in rows]))
    if max(load_before, load_after) > (os.cpu_count() or 1):
        print(f"\nNote: load average {max(load_before, load_after):.1f} exceeded the {os.cpu_count()} CPUs while "
              "measuring; wall times include waiting for other processes (CPU s is the work itself).")
    path = write_results("trust", {"results": rows, "load_average": [load_before, load_after]})
    print(f"\nresults: {path}")
    return 0 if all(r["wall"] <= r["target"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
