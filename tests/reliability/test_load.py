"""200 participants at once, through the functions the participant page calls.

Zero lost, zero duplicated, every stored sort exactly what its participant sent, and no
draft left behind. Latencies are recorded (see ``figures`` in conftest.py), never asserted;
``python -m bench load`` reports them.
"""

from __future__ import annotations

import pytest

from bench.load_bench import (
    DUPLICATE_EVERY,
    count_outcome,
    create_load_study,
    drop_schema,
    merge_runs,
    percentile,
    postgres_schema,
    run_processes,
    run_submits,
    split_for_processes,
)
from cardsort import store

from .conftest import PG_URL, needs_postgres

N = 200
PIDS = [f"p{i:04d}" for i in range(N)]
DUPLICATES = set(PIDS[::DUPLICATE_EVERY])


def _clean(outcome: dict) -> None:
    """Every participant stored once, exactly as sent, and no draft left beside a submitted sort.

    ``drafts_left`` catches a race across processes: participant X's autosave in one process checks
    "no sort yet", the other process commits X's sort and deletes X's drafts, then the autosave
    commits its draft; the draft stays beside the sort and counts as "in progress" and as exposure.
    """
    keys = ("lost", "duplicated", "wrong", "drafts_left", "unexpected")
    assert {k: outcome[k] for k in keys} == {k: [] for k in keys}
    assert outcome["stored"] == N


def test_percentile_interpolates():
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)
    assert percentile([7.0], 95) == 7.0


def test_split_gives_each_process_a_quarter_of_the_others():
    a, b = split_for_processes([f"x{i}" for i in range(8)])
    assert a == ["x0", "x1", "x2", "x3", "x4"]
    assert b == ["x4", "x5", "x6", "x7", "x0"]


def test_200_participants_submit_at_once(engine, figures, request):
    study = create_load_study(engine)
    run = run_submits(engine, study, PIDS, duplicate=DUPLICATES)
    assert run.errors == []
    assert run.submit_calls == N + len(DUPLICATES) == 250
    assert run.created == N  # every double submit answered "already stored"
    _clean(count_outcome(engine, study, PIDS))
    assert store.participant_counts(engine, study.id) == {"completed": N, "in_progress": 0}
    backend = request.node.callspec.id
    figures[f"submit_{backend}_threads"] = {
        "p50_ms": round(percentile(run.submit_s, 50) * 1000, 1),
        "p95_ms": round(percentile(run.submit_s, 95) * 1000, 1)}


def test_late_autosave_after_submit_does_not_revive_a_draft(engine):
    study = create_load_study(engine, n_cards=3)
    run = run_submits(engine, study, ["late"])
    assert run.created == 1
    store.save_draft(engine, study.id, "late", {"groups": [], "unsorted": ["c1"]})
    assert store.get_draft(engine, study.id, "late") is None
    _outcome = count_outcome(engine, study, ["late"])
    assert (_outcome["stored"], _outcome["drafts_left"]) == (1, [])


@pytest.fixture
def pg_schema():
    engine, schema = postgres_schema(PG_URL)
    yield engine, schema
    engine.dispose()
    drop_schema(PG_URL, schema)


@pytest.mark.parametrize("_", [pytest.param(0, marks=needs_postgres)], ids=["postgres"])
def test_two_processes_sharing_postgres_lose_and_duplicate_nothing(_, pg_schema, figures):
    engine, schema = pg_schema
    study = create_load_study(engine)
    reports = run_processes(PG_URL, schema, study.id, PIDS)
    run = merge_runs(reports, N)
    assert run.errors == []
    assert run.submit_calls == N + N // 4 == 250  # each process re-submits 50 of the other's
    assert run.created == N
    _clean(count_outcome(engine, study, PIDS))
    figures["submit_postgres_2_processes"] = {
        "p50_ms": round(percentile(run.submit_s, 50) * 1000, 1),
        "p95_ms": round(percentile(run.submit_s, 95) * 1000, 1)}
