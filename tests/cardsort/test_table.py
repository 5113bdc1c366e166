"""The integer helpers of cardsort/table.py: numbering keys and pairs in order of first appearance."""

import numpy as np
import pytest

from cardsort.table import factorize, factorize_pairs, first_duplicate


def test_factorize_numbers_keys_in_order_of_first_appearance():
    codes, first_rows = factorize(np.array([7, 3, 7, 10**12, 3]))  # a wide key: the sorting path
    assert codes.tolist() == [0, 1, 0, 2, 1]
    assert first_rows.tolist() == [0, 1, 3]


@pytest.mark.parametrize("keys,codes,first_rows", [
    ([0, 1, 0, 2, 1, 3], [0, 1, 0, 2, 1, 3], [0, 1, 3, 5]),  # already numbered by appearance: as they are
    ([0, 2, 1, 2], [0, 1, 2, 1], [0, 1, 2]),  # a key skips ahead
    ([0, -1, 1, -1], [0, 1, 2, 1], [0, 1, 2]),  # a negative key
    ([1, 0, 1], [0, 1, 0], [0, 1]),  # not starting at 0
])
def test_factorize_whether_or_not_keys_are_numbered_already(keys, codes, first_rows):
    got_codes, got_first = factorize(np.array(keys))
    assert got_codes.tolist() == codes
    assert got_first.tolist() == first_rows


@pytest.mark.parametrize("case", ["b determines a", "a determines b", "neither", "compact"])
def test_factorize_pairs_numbers_like_factorize_of_the_combined_keys(case):
    rng = np.random.default_rng(1)
    n, wide = 5000, 4000  # wide * wide is far beyond factorize's linear range for n keys
    if case == "b determines a":  # category ids numbered across the file: each names one participant's pile
        b = rng.integers(0, wide, n)
        a = b // 7
    elif case == "a determines b":
        a = rng.integers(0, wide, n)
        b = a // 7
    elif case == "neither":
        a, b = rng.integers(0, wide, n), rng.integers(0, wide, n)
    else:
        a, b = rng.integers(0, 5, n), rng.integers(0, 9, n)
    codes, first_rows = factorize_pairs(a, b)
    expected_codes, expected_first = factorize(a * wide + b)
    assert codes.tolist() == expected_codes.tolist()
    assert first_rows.tolist() == expected_first.tolist()


def test_factorize_pairs_of_nothing():
    codes, first_rows = factorize_pairs(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    assert codes.tolist() == first_rows.tolist() == []


def test_first_duplicate():
    assert first_duplicate(np.array([4, 1, 2, 1, 4])) == 3
    assert first_duplicate(np.array([4, 1, 2])) is None
