"""bench.loading_bench: the stored study it reads and its check that both roads give the same table (no timing)."""

from dataclasses import replace

import pytest

from bench.loading_bench import bench_engine, same_table, store_study
from cardsort import store
from cardsort.loading import load_table


def test_the_stored_study_has_its_exclusion_and_decision_and_both_reads_agree(engine):
    study_id = store_study(engine, 12, 16, seed=3)
    assert store.participant_counts(engine, study_id)["completed"] == 12
    assert len(store.excluded_participants(engine, study_id)) == 1
    (decision,) = store.load_label_decisions(engine, study_id)
    table = load_table(engine, study_id)
    assert table.n_participants == 11 and len(table.card) == 11 * 16 and "Merged" in table.group_labels
    rows = bench_engine("SQLite", engine, study_id, repeat=1)
    assert [r["target"] for r in rows] == [None, 0.5, None, 0.5, None, None]
    assert rows[0]["check"] == f"same table: 11 participants, 176 placements, {table.n_groups} groups"
    # every other participant answered "student"; the excluded first one was "student": 5 left of 6
    assert rows[3]["check"] == "same table as in memory: 5 participants, 80 placements"
    assert rows[5]["check"].startswith("120 pairs, ")


def test_same_table_sees_a_changed_label():
    from bench.trust_bench import generate

    table = generate(5, 8, seed=1)
    assert same_table(table, table)
    assert not same_table(table, replace(table, group_labels=("Other",) + table.group_labels[1:]))


@pytest.fixture
def engine(tmp_path):
    eng = store.make_engine(f"sqlite:///{tmp_path / 'bench.db'}")
    yield eng
    eng.dispose()
