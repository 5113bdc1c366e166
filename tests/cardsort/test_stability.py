"""Bootstrap stability from participant weights, and the sample-size curve and verdict."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import squareform

from cardsort.participants import participant_card_matrix
from cardsort.similarity import similarity_matrix
from cardsort.stability import (
    bootstrap_stability,
    participants_needed,
    sample_size_curve,
    sample_size_verdict,
    weighted_similarity,
)
from cardsort.table import SortTable


def table_of(sorts: dict[str, dict[str, str]], cards: str) -> SortTable:
    rows = [(p, c, c, label, label) for p, groups in sorts.items() for label, members in groups.items()
            for c in members]
    frame = pd.DataFrame(rows, columns=["participant", "card_id", "card_label", "group_key", "group_label"])
    return SortTable.from_frame(frame, [(c, c) for c in cards])


def condensed(similarity: np.ndarray) -> np.ndarray:
    s = similarity.copy()
    np.fill_diagonal(s, 0.0)
    return squareform(s, checks=False)


SUBSET = table_of({"p1": {"A": "ab", "B": "c"}, "p2": {"A": "abc"}, "p3": {"A": "a", "B": "cd"}}, "abcd")


def test_weights_of_one_give_the_similarity_matrix():
    got = weighted_similarity(participant_card_matrix(SUBSET), np.ones((1, 3)))[0]
    assert got == pytest.approx(condensed(similarity_matrix(SUBSET)))


def test_weights_are_the_same_as_repeating_participants():
    # p1 twice, p3 once: a-b together 2 of 2 who saw both; a-c 0 of 3; c-d 1 of 1 (only p3 placed d).
    got = weighted_similarity(participant_card_matrix(SUBSET), np.array([[2.0, 0.0, 1.0]]))[0]
    assert got == pytest.approx(condensed(similarity_matrix(SUBSET.subset(np.array([0, 0, 2])))))
    assert got.tolist() == pytest.approx([1.0, 0.0, 0.0, 0.0, 0.0, 1.0])  # ab ac ad bc bd cd


def test_categories_everyone_agrees_on_are_fully_stable():
    table = table_of({f"p{i}": {"A": "abc", "B": "def"} for i in range(6)}, "abcdef")
    result = bootstrap_stability(table, np.array([0, 0, 0, 1, 1, 1]))
    assert result.n_resamples == 200
    assert result.category.tolist() == [1.0, 1.0] and result.card.tolist() == [1.0] * 6


def test_a_category_split_by_half_the_participants_is_less_stable_than_one_nobody_splits():
    half = {"A": "abc", "B": "def"}
    other = {"A": "ab", "B": "cdef"}
    table = table_of({**{f"p{i}": half for i in range(5)}, **{f"q{i}": other for i in range(5)}}, "abcdef")
    result = bootstrap_stability(table, np.array([0, 0, 0, 1, 1, 1]), n_resamples=300, random_state=3)
    # {a, b} always together, c moves between them: the first proposed category (abc) holds only when
    # most draws are "half" sorts; card c is the least stable card.
    assert 0.0 < result.category[0] < 1.0
    assert result.card[2] == result.card.min() < 1.0
    assert result.card[[0, 1]].tolist() == [1.0, 1.0]


@pytest.mark.parametrize("kwargs, message", [
    ({"n_resamples": 199}, "n_resamples must be at least 200"),
    ({"method": "ward"}, "method must be one of average, complete, single"),
])
def test_bad_bootstrap_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bootstrap_stability(SUBSET, np.array([0, 0, 1, 1]), **kwargs)


def test_participants_needed_follows_spearman_brown():
    # r = 0.5 from halves of 10; target 0.9 -> reliability 0.81: n = 10 * 0.81 * 0.5 / (0.5 * 0.19) = 42.6.
    assert participants_needed(0.5, 10, 0.9) == pytest.approx(10 * 0.81 / 0.19)
    assert participants_needed(0.81, 10, 0.9) == pytest.approx(10.0)
    assert participants_needed(0.0, 10, 0.9) == math.inf


def test_verdict_in_plain_words():
    text = sample_size_verdict(20, 0.5, {0.90: 42.6, 0.95: 92.3})
    assert text == ("More participants would likely change the results. Two random halves of your 20 "
                    "participants agree with r = 0.50. Expected agreement with a much larger sample: "
                    "r ≥ 0.90 needs about 43 participants: about 23 more; "
                    "r ≥ 0.95 needs about 93 participants: about 73 more.")
    assert sample_size_verdict(40, 0.9, {0.90: 9.0, 0.95: 19.8}).startswith("You have enough participants.")
    assert "aim for at least 15" in sample_size_verdict(3, math.nan, {0.90: math.inf, 0.95: math.inf})


def test_curve_of_identical_sorts_is_flat_at_one():
    table = table_of({f"p{i}": {"A": "abc", "B": "de"} for i in range(8)}, "abcde")
    result = sample_size_curve(table, n_draws=5)
    assert result.curve["n"].tolist() == [2, 3, 4, 5, 6, 7, 8]
    assert result.curve["r"].tolist() == pytest.approx([1.0] * 7)
    assert result.split_half_r == pytest.approx(1.0)
    assert result.verdict.startswith("You have enough participants.")
