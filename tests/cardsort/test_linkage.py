"""The NumPy tree builder of cardsort.clustering against SciPy, and on a hand-computed example."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from cardsort.clustering import METHODS, cut_tree, leaf_order, linkage_matrix


def random_distance(rng: np.random.Generator, n: int) -> np.ndarray:
    """Symmetric distances with distinct values (no ties anywhere in the merge sequence)."""
    upper = rng.permutation(n * (n - 1) // 2) / (n * n) + rng.random(n * (n - 1) // 2) * 1e-9
    return squareform(upper)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(6))
def test_same_merges_heights_flat_clusters_and_leaf_order_as_scipy(method, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    distance = random_distance(rng, n)
    ours = linkage_matrix(distance, method)
    theirs = hierarchy.linkage(squareform(distance, checks=False), method=method)
    np.testing.assert_array_equal(ours[:, [0, 1, 3]], theirs[:, [0, 1, 3]])
    np.testing.assert_allclose(ours[:, 2], theirs[:, 2], rtol=0, atol=1e-12)
    np.testing.assert_array_equal(leaf_order(ours), hierarchy.leaves_list(theirs))
    for k in range(1, n + 1):
        ref = hierarchy.fcluster(theirs, k, criterion="maxclust")
        got = cut_tree(ours, k)
        # same partition: labels correspond one to one
        assert len(set(zip(ref, got))) == len(set(ref)) == len(set(got))


def test_average_linkage_by_hand():
    # a-b at 0.1; then c joins at mean(0.4, 0.6) = 0.5; d joins at mean(0.9, 0.8, 0.7) = 0.8
    d = np.array([[0.0, 0.1, 0.4, 0.9],
                  [0.1, 0.0, 0.6, 0.8],
                  [0.4, 0.6, 0.0, 0.7],
                  [0.9, 0.8, 0.7, 0.0]])
    np.testing.assert_allclose(linkage_matrix(d, "average"),
                               [[0, 1, 0.1, 2], [2, 4, 0.5, 3], [3, 5, 0.8, 4]])
    np.testing.assert_allclose(linkage_matrix(d, "single")[:, 2], [0.1, 0.4, 0.7])
    np.testing.assert_allclose(linkage_matrix(d, "complete")[:, 2], [0.1, 0.6, 0.9])
    assert leaf_order(linkage_matrix(d, "average")).tolist() == [3, 2, 0, 1]
    assert cut_tree(linkage_matrix(d, "average"), 2).tolist() == [1, 1, 1, 0]


def test_tied_heights_cut_like_scipy():
    """Two merges at one height: asking for the clusters between them gives fewer, as fcluster does."""
    d = np.array([[0.0, 0.2, 0.9, 0.9],
                  [0.2, 0.0, 0.9, 0.9],
                  [0.9, 0.9, 0.0, 0.2],
                  [0.9, 0.9, 0.2, 0.0]])
    z = linkage_matrix(d, "average")
    assert len(set(cut_tree(z, 3))) == len(set(hierarchy.fcluster(z, 3, criterion="maxclust"))) == 2


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("seed", range(6))
def test_tied_distances_give_scipys_merge_order_too(method, seed):
    """Card-sort similarities are multiples of 1/participants: ties are the rule, and the
    order SciPy lists tied merges in is reproduced (it decides the JSON's linkage rows)."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(3, 40))
    distance = squareform(rng.integers(0, 6, n * (n - 1) // 2) / 5)
    ours = linkage_matrix(distance, method)
    theirs = hierarchy.linkage(squareform(distance, checks=False), method=method)
    np.testing.assert_array_equal(ours[:, [0, 1, 3]], theirs[:, [0, 1, 3]])
    np.testing.assert_allclose(ours[:, 2], theirs[:, 2], rtol=0, atol=1e-12)
