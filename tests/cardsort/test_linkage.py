"""The NumPy trees of cardsort.clustering against SciPy (the reference), and on hand-computed examples.

The package builds, cuts, orders and lays out trees itself (no SciPy on the analysis path);
these tests hold it to SciPy's results exactly: merges, heights, flat clusters with their
numbers, leaf order and dendrogram coordinates, with ties (the rule in card sorts) included.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from cardsort.clustering import METHODS, cut_tree, dendrogram_lines, fcluster_maxclust, leaf_order, linkage_matrix


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


@st.composite
def distances(draw: st.DrawFn) -> np.ndarray:
    """A condensed distance matrix of 2-30 cards: either few distinct levels (ties everywhere,
    as similarities from a handful of participants give) or arbitrary floats in [0, 1]."""
    n = draw(st.integers(2, 30))
    pairs = n * (n - 1) // 2
    if draw(st.booleans()):
        levels = draw(st.integers(1, 6))
        values = draw(st.lists(st.integers(0, levels), min_size=pairs, max_size=pairs))
        return np.array(values) / levels
    return np.array(draw(st.lists(st.floats(0, 1), min_size=pairs, max_size=pairs)))


@settings(max_examples=300, deadline=None)
@given(condensed=distances(), method=st.sampled_from(METHODS))
def test_tree_cuts_leaf_order_and_dendrogram_equal_scipys(condensed, method):
    theirs = hierarchy.linkage(condensed, method=method)
    ours = linkage_matrix(squareform(condensed), method)
    np.testing.assert_array_equal(ours, theirs)  # bit for bit, tied merges in the same rows
    np.testing.assert_array_equal(leaf_order(ours), hierarchy.leaves_list(theirs))
    n = len(ours) + 1
    for k in range(1, n + 1):
        np.testing.assert_array_equal(fcluster_maxclust(ours, k),
                                      hierarchy.fcluster(theirs, k, criterion="maxclust") - 1)
    plot = hierarchy.dendrogram(theirs, no_plot=True)
    leaves, positions, heights = dendrogram_lines(ours)
    np.testing.assert_array_equal(leaves, plot["leaves"])
    np.testing.assert_array_equal(positions, np.array(plot["icoord"]).reshape(-1, 4))
    np.testing.assert_array_equal(heights, np.array(plot["dcoord"]).reshape(-1, 4))


def test_fcluster_numbers_by_hand():
    """SciPy numbers a cluster of merges when its walk reaches the cluster's top, a lone card once
    the merges below its parent are done: the pair (2, 3) is 0, then card 1 (beside it) is 1, and
    card 0 (beside the root's other child) is 2 - not the leaf order 0, 1, (2, 3)."""
    d = np.array([[0.0, 0.8, 0.9, 0.9],
                  [0.8, 0.0, 0.7, 0.7],
                  [0.9, 0.7, 0.0, 0.1],
                  [0.9, 0.7, 0.1, 0.0]])
    z = linkage_matrix(d, "single")  # (2, 3) at 0.1 -> 4; (1, 4) at 0.7 -> 5; (0, 5) at 0.8
    np.testing.assert_allclose(z, [[2, 3, 0.1, 2], [1, 4, 0.7, 3], [0, 5, 0.8, 4]])
    assert fcluster_maxclust(z, 3).tolist() == [2, 1, 0, 0]
    assert cut_tree(z, 3).tolist() == [0, 1, 2, 2]  # the same clusters, numbered in leaf order
    assert fcluster_maxclust(z, 4).tolist() == [0, 1, 2, 3]
    assert fcluster_maxclust(z, 1).tolist() == [0, 0, 0, 0]
    with pytest.raises(ValueError, match="k must be between 1 and the number of cards"):
        fcluster_maxclust(z, 5)


def test_dendrogram_lines_by_hand():
    z = np.array([[0, 1, 0.1, 2], [2, 4, 0.5, 3], [3, 5, 0.8, 4]])
    leaves, positions, heights = dendrogram_lines(z)
    assert leaves.tolist() == [3, 2, 0, 1]  # leaves at 5, 15, 25, 35
    # the lines, both children's subtrees before their merge: (0, 1), then (2, 4), then (3, 5)
    assert positions.tolist() == [[25, 25, 35, 35], [15, 15, 30, 30], [5, 5, 22.5, 22.5]]
    assert heights.tolist() == [[0, 0.1, 0.1, 0], [0, 0.5, 0.5, 0.1], [0, 0.8, 0.8, 0.5]]
