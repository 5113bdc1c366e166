"""Edit distance between sorts (Deibel et al. 2005) and representative sorts, by hand."""

import numpy as np
import pandas as pd
import pytest

from cardsort.participants import (
    default_max_distance,
    edit_distance,
    edit_distances,
    participant_card_matrix,
    representative_sorts,
    sample_participants,
)
from cardsort.table import SortTable


def table_of(sorts: dict[str, dict[str, str]], cards: str) -> SortTable:
    rows = [(p, c, c, label, label) for p, groups in sorts.items() for label, members in groups.items()
            for c in members]
    frame = pd.DataFrame(rows, columns=["participant", "card_id", "card_label", "group_key", "group_label"])
    return SortTable.from_frame(frame, [(c, c) for c in cards])


@pytest.mark.parametrize("a, b, expected", [
    ([0, 0, 0, 1, 1], [5, 5, 5, 7, 7], 0),      # same partition, other group numbers
    ([0, 0, 0, 1, 1], [0, 0, 1, 1, 1], 1),      # move c
    ([0, 0, 0, 0, 1, 1], [0, 0, 1, 1, 0, 1], 3),  # overlaps [[2, 2], [1, 1]]: both greedy sides clash; keep 3
    ([0, 0, 0, 0], [0, 1, 2, 3], 3),            # one pile -> singletons: all but one card move
    ([0, 0, -1, 1], [0, 1, 1, -1], 1),          # only a, b placed by both: b moves
])
def test_edit_distance_by_hand(a, b, expected):
    assert edit_distance(np.array(a), np.array(b)) == expected
    assert edit_distance(np.array(b), np.array(a)) == expected


def test_participant_card_matrix_numbers_groups_within_each_participant():
    table = table_of({"p1": {"A": "ab", "B": "c"}, "p2": {"X": "bc"}}, "abcd")
    assert participant_card_matrix(table).tolist() == [[0, 0, 1, -1], [-1, 0, 0, -1]]


def test_all_pairs_by_hand():
    table = table_of({"p1": {"A": "abc", "B": "de"}, "p2": {"X": "ab", "Y": "cde"},
                      "p3": {"A": "abcd", "B": "e"}}, "abcde")
    # p1-p2: move c; p1-p3: move d; p2-p3: move c and d... overlaps [[2, 0], [2, 1]] keep 3 -> 2.
    assert edit_distances(table).tolist() == [[0, 1, 1], [1, 0, 2], [1, 2, 0]]


def test_vectorised_distances_match_the_solver_pair_by_pair():
    rng = np.random.default_rng(7)
    n, n_cards = 40, 12
    rows = []
    for p in range(n):
        k = rng.integers(1, 6)
        for c in range(n_cards):
            if rng.random() < 0.9:
                rows.append((f"p{p}", f"c{c}", f"c{c}", str(rng.integers(k)), "g"))
    frame = pd.DataFrame(rows, columns=["participant", "card_id", "card_label", "group_key", "group_label"])
    table = SortTable.from_frame(frame, [(f"c{c}", f"c{c}") for c in range(n_cards)])
    groups = participant_card_matrix(table)
    expected = [[edit_distance(groups[i], groups[j]) for j in range(n)] for i in range(n)]
    assert edit_distances(table, budget=5_000).tolist() == expected


def test_representative_sorts_are_different_structures():
    # p1 and p3 share a structure, p2 is one card (d) off it; p4 and p5 share another; p6 made one pile.
    table = table_of({
        "p1": {"A": "abc", "B": "def"}, "p2": {"A": "abcd", "B": "ef"}, "p3": {"A": "abc", "B": "def"},
        "p4": {"A": "ad", "B": "be", "C": "cf"}, "p5": {"A": "ad", "B": "be", "C": "cf"},
        "p6": {"A": "abcdef"},
    }, "abcdef")
    distances = edit_distances(table)
    # p1-p4: each p1 group meets all three p4 groups once -> keep 2, move 4. p1-p6: keep 3.
    assert distances[0].tolist() == [0, 1, 0, 4, 4, 3]
    # p2-p4: keep ad (2) and e or f (1) -> 3; p2-p6: keep abcd -> 2.
    assert distances[1].tolist() == [1, 0, 1, 3, 3, 2]
    reps = representative_sorts(table, distances, max_distance=1)
    # p1, p2, p3 each have 2 neighbours within 1 card; p2's mean distance is lowest (10/5 vs 12/5).
    assert [(r.participant, r.neighbours) for r in reps] == [("p2", 2), ("p4", 1), ("p6", 0)]
    assert reps[0].groups == [("A", ["a", "b", "c", "d"]), ("B", ["e", "f"])]
    assert reps[0].mean_distance == pytest.approx(2.0) and reps[0].max_distance == 1
    # Everyone lies within 3 cards of p2: one structure only.
    assert [r.participant for r in representative_sorts(table, distances, max_distance=3)] == ["p2"]


def test_default_distance_and_bad_input():
    table = table_of({"p1": {"A": "abcde"}, "p2": {"A": "abcde"}}, "abcde")
    assert default_max_distance(table) == 1
    with pytest.raises(ValueError, match=r"distances must have shape \(2, 2\)"):
        representative_sorts(table, np.zeros((3, 3), dtype=int))
    with pytest.raises(ValueError, match="max_distance must be 0 or more"):
        representative_sorts(table, np.zeros((2, 2), dtype=int), -1)


def test_large_studies_are_sampled_in_table_order():
    table = table_of({f"p{i}": {"A": "ab", "B": "c"} for i in range(6)}, "abc")
    assert sample_participants(table, 6) is table
    sample = sample_participants(table, 3, random_state=0)
    assert sample.n_participants == 3 and list(sample.participants) == sorted(sample.participants)
    assert sample.participants == sample_participants(table, 3, random_state=0).participants
    with pytest.raises(ValueError, match="max_participants must be at least 2"):
        sample_participants(table, 1)
