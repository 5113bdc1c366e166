"""Hierarchical clustering of cards on distance 1 - similarity, and the choice of k."""

from __future__ import annotations

import numpy as np
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

METHODS = ("average", "complete", "single")
MAX_K = 20


def cluster_cards(similarity: np.ndarray, method: str = "average") -> np.ndarray:
    """Agglomerative clustering of cards.

    Parameters
    ----------
    similarity : ndarray of float, shape (n_cards, n_cards)
    method : {'average', 'complete', 'single'}, default='average'

    Returns
    -------
    ndarray of float, shape (n_cards - 1, 4)
        SciPy linkage matrix on distance ``1 - similarity``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    n = similarity.shape[0]
    if n < 2:
        raise ValueError(f"clustering needs at least 2 cards, got {n}")
    distance = 1.0 - similarity
    np.fill_diagonal(distance, 0.0)
    return hierarchy.linkage(squareform(np.clip(distance, 0.0, 1.0), checks=False), method=method)


def cut_tree(linkage: np.ndarray, k: int) -> np.ndarray:
    """Cluster labels 0..k-1 for each card, numbered in dendrogram (leaf) order."""
    n = linkage.shape[0] + 1
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of cards ({n}), not {k}")
    raw = hierarchy.fcluster(linkage, k, criterion="maxclust")
    order = hierarchy.leaves_list(linkage)
    renumber: dict[int, int] = {}
    for leaf in order:
        renumber.setdefault(int(raw[leaf]), len(renumber))
    return np.array([renumber[int(r)] for r in raw])


def silhouette(distance: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient on a precomputed distance matrix (0 for one cluster).

    Same definition as :func:`sklearn.metrics.silhouette_score` with
    ``metric='precomputed'``: cards alone in their cluster score 0.
    """
    n = len(labels)
    k = int(labels.max()) + 1
    if k < 2 or k >= n:
        return 0.0
    onehot = np.zeros((n, k))
    onehot[np.arange(n), labels] = 1.0
    sizes = onehot.sum(axis=0)
    sums = distance @ onehot  # (n, k): summed distance from each card to each cluster
    own = sizes[labels]
    a = np.divide(sums[np.arange(n), labels], own - 1, out=np.zeros(n), where=own > 1)
    mean_other = sums / sizes
    mean_other[np.arange(n), labels] = np.inf
    b = mean_other.min(axis=1)
    s = np.divide(b - a, np.maximum(a, b), out=np.zeros(n), where=np.maximum(a, b) > 0)
    s[own == 1] = 0.0
    return float(s.mean())


def choose_k(similarity: np.ndarray, linkage: np.ndarray, max_k: int = MAX_K) -> int:
    """The number of categories with the best mean silhouette.

    Tries every k from 2 to ``min(max_k, n_cards - 1)`` on the tree's cuts and keeps
    the one whose clusters are tightest relative to their neighbours (silhouette on
    distance ``1 - similarity``); ties go to the smaller k. Fewer than 3 cards: 1.
    """
    n = similarity.shape[0]
    if n < 3:
        return 1
    distance = 1.0 - similarity
    np.fill_diagonal(distance, 0.0)
    best_k, best = 2, -np.inf
    for k in range(2, min(max_k, n - 1) + 1):
        score = silhouette(distance, cut_tree(linkage, k))
        if score > best + 1e-12:
            best_k, best = k, score
    return best_k


def leaf_order(linkage: np.ndarray) -> np.ndarray:
    """Card indices in dendrogram order (to order heatmaps)."""
    return hierarchy.leaves_list(linkage)
