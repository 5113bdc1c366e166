"""Actual Agreement Method on small sorts worked out by hand."""

import json

import numpy as np
import pandas as pd
import pytest

from cardsort.__main__ import main
from cardsort.aam import accept_sets, actual_agreement, analyze_aam, candidate_sets, cut_agreement, score_sets
from cardsort.table import SortTable


def table_of(sorts: dict[str, dict[str, str]], cards: str = "abcde") -> SortTable:
    """``{"p1": {"A": "abc", "B": "de"}}``: participant -> group label -> its cards (one letter each)."""
    rows = [(p, c, c, label, label) for p, groups in sorts.items() for label, members in groups.items()
            for c in members]
    frame = pd.DataFrame(rows, columns=["participant", "card_id", "card_label", "group_key", "group_label"])
    return SortTable.from_frame(frame, [(c, c) for c in cards])


THREE = {"p1": {"A": "abc", "B": "de"}, "p2": {"X": "ab", "Y": "cde"}, "p3": {"A": "abcd", "B": "e"}}


def as_sets(sets: np.ndarray, cards: str = "abcde") -> list[str]:
    return ["".join(cards[i] for i in np.flatnonzero(row)) for row in sets]


def test_candidates_are_the_groups_made_with_two_or_more_cards():
    # p3's {e} is a single card: not a candidate.
    assert as_sets(candidate_sets(table_of(THREE))) == ["abc", "de", "ab", "cde", "abcd"]


def test_score_counts_participants_holding_all_cards_in_one_group():
    table = table_of(THREE)
    sets = candidate_sets(table)
    # abc: p1 (abc), p3 (abcd) -> 2; de: p1, p2 (cde) -> 2; ab: all three; cde: p2; abcd: p3.
    assert score_sets(table, sets).tolist() == [2, 2, 3, 1, 1]


def test_acceptance_order_and_partial_overlap_rejection():
    table = table_of(THREE)
    sets = candidate_sets(table)
    chosen = accept_sets(sets, score_sets(table, sets))
    # ab (3); abc (2, three cards) before de (2, two cards); abcd overlaps de partly (d) -> rejected;
    # cde overlaps abc partly (c) -> rejected.
    assert as_sets(sets[chosen]) == ["ab", "abc", "de"]


def test_tree_nests_sets_with_heights_score_over_participants():
    tree = actual_agreement(table_of(THREE))
    assert [n.to_dict(list("abcde")) for n in tree] == [
        {"cards": ["a", "b", "c"], "score": 2, "height": 0.666667,
         "children": [{"cards": ["a", "b"], "score": 3, "height": 1.0, "children": []}]},
        {"cards": ["d", "e"], "score": 2, "height": 0.666667, "children": []},
    ]


def test_ties_go_to_the_earlier_cards_and_the_overlapping_set_is_rejected():
    # abc and bcd: one participant each, three cards each, overlap in b and c.
    table = table_of({"p1": {"A": "abc", "B": "d"}, "p2": {"A": "bcd", "B": "a"}}, cards="abcd")
    tree = actual_agreement(table)
    assert [(n.cards.tolist(), n.score, n.height) for n in tree] == [([0, 1, 2], 1, 0.5)]


def test_disjoint_and_nested_sets_are_both_kept_at_any_score():
    table = table_of({"p1": {"A": "abcd"}, "p2": {"A": "ab", "B": "cd"}, "p3": {"A": "ab", "B": "c", "C": "d"}},
                     cards="abcd")
    tree = actual_agreement(table)
    assert [n.to_dict(list("abcd")) for n in tree] == [
        {"cards": ["a", "b", "c", "d"], "score": 1, "height": pytest.approx(1 / 3, abs=1e-6), "children": [
            {"cards": ["a", "b"], "score": 3, "height": 1.0, "children": []},
            {"cards": ["c", "d"], "score": 2, "height": 0.666667, "children": []},
        ]},
    ]


@pytest.mark.parametrize("min_height, expected", [
    (0.5, [0, 0, 0, 1, 1]),   # abc and de reach 2/3
    (0.9, [0, 0, 1, 2, 3]),   # only ab (3/3); c, d, e alone
    (0.2, [0, 0, 0, 1, 1]),   # no set lower than 2/3 was accepted above them
])
def test_cut_takes_the_largest_sets_at_or_above_the_height(min_height, expected):
    assert cut_agreement(actual_agreement(table_of(THREE)), 5, min_height).tolist() == expected


def test_cut_refuses_heights_outside_zero_to_one():
    with pytest.raises(ValueError, match=r"min_height must be in \(0, 1\]"):
        cut_agreement([], 3, 0.0)


def test_analysis_names_the_cut_categories_from_participants_labels():
    result = analyze_aam(table_of(THREE)).to_dict()
    assert result["method"] == "aam" and "linkage" not in result
    assert [(c["name"], c["cards"]) for c in result["categories"]] == [("A", ["a", "b", "c"]), ("B", ["d", "e"])]
    assert result["k"] == 2


def test_cli_analyze_method_aam_prints_a_tree(tmp_path, capsys):
    path = tmp_path / "sorts.csv"
    path.write_text("participant,card,category\n" + "".join(
        f"{p},{c},{label}\n" for p, groups in THREE.items() for label, members in groups.items() for c in members))
    assert main(["analyze", str(path), "--method", "aam", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tree"][0]["cards"] == ["a", "b", "c"] and out["tree"][0]["score"] == 2
    assert out["tree"][0]["children"][0] == {"cards": ["a", "b"], "score": 3, "height": 1.0, "children": []}
    assert main(["analyze", str(path), "--method", "aam", "--k", "2"]) == 2
    assert "--k does not apply to --method aam" in capsys.readouterr().err


def test_tree_layout_orders_cards_depth_first_and_draws_each_join():
    from cardsort.aam import tree_layout

    order, segments = tree_layout(actual_agreement(table_of(THREE)), 5)
    assert order.tolist() == [0, 1, 2, 3, 4]
    rows = sorted(map(tuple, segments[["x", "x2", "y", "y2"]].round(4).to_numpy().tolist()))
    assert rows == sorted([
        (0.0, 0.0, 0.0, 0.0), (0.0, 0.0, 1.0, 1.0), (0.0, 0.0, 0.0, 1.0),  # ab at height 1: x = 0
        (0.0, 0.3333, 0.5, 0.5), (0.0, 0.3333, 2.0, 2.0), (0.3333, 0.3333, 0.5, 2.0),  # abc joins ab and c
        (0.0, 0.3333, 3.0, 3.0), (0.0, 0.3333, 4.0, 4.0), (0.3333, 0.3333, 3.0, 4.0),  # de
    ])
