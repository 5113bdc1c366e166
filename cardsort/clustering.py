"""Hierarchical clustering of cards on distance 1 - similarity, and the choice of k.

The tree is built here with NumPy (the Lance-Williams recurrence: merge the closest
pair, update that row) instead of :func:`scipy.cluster.hierarchy.linkage`: with a few
hundred cards it takes milliseconds, and the command-line analysis does not pay for
importing scipy. The output is SciPy's linkage-matrix format and, on distances without
ties, the same merges and heights (``tests/cardsort/test_linkage.py`` compares them);
SciPy's plotting helpers such as ``dendrogram`` accept it as they are.
"""

from __future__ import annotations

import numpy as np

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
    return linkage_matrix(np.clip(1.0 - similarity, 0.0, 1.0), method)


def linkage_matrix(distance: np.ndarray, method: str) -> np.ndarray:
    """Agglomerative clustering of a square distance matrix, as SciPy's ``linkage`` returns it.

    The same algorithms as SciPy, so that even tied heights come out in the same
    order: single linkage grows a minimum spanning tree (Prim); average and complete
    linkage follow nearest-neighbour chains, updating the merged cluster's distances by
    Lance-Williams (complete = maximum, average = size-weighted mean, UPGMA). The
    merges are then sorted by height (stable) and numbered (see :func:`_label_merges`).
    Each step is one vectorised pass over a row, so n cards cost O(n^2) NumPy work.

    Parameters
    ----------
    distance : ndarray of float, shape (n, n)
        Symmetric; the diagonal is ignored.
    method : {'average', 'complete', 'single'}

    Returns
    -------
    ndarray of float, shape (n - 1, 4)
        Row ``i``: the two clusters merged (smaller id first; leaves are ``0..n-1``,
        the cluster made in row ``i`` is ``n + i``), the merge height, the cluster's size.
    """
    d = np.array(distance, dtype=np.float64)
    merges = _prim_merges(d) if method == "single" else _nn_chain_merges(d, method)
    merges = merges[np.argsort(merges[:, 2], kind="stable")]
    return _label_merges(merges, d.shape[0])


def _prim_merges(d: np.ndarray) -> np.ndarray:
    """Single-linkage merges (point, point, height) in the order Prim's algorithm adds them."""
    n = d.shape[0]
    out = np.zeros((n - 1, 4))
    merged = np.zeros(n, dtype=bool)
    nearest = np.full(n, np.inf)  # distance from the tree to each point outside it
    x = 0
    for step in range(n - 1):
        merged[x] = True
        nearest = np.minimum(nearest, d[x])
        candidates = np.where(merged, np.inf, nearest)
        y = int(np.argmin(candidates))
        out[step, :3] = x, y, candidates[y]
        x = y
    return out


def _nn_chain_merges(d: np.ndarray, method: str) -> np.ndarray:
    """Average or complete merges (cluster row, cluster row, height) by nearest-neighbour chains.

    A cluster lives in the row of the larger of the two merged rows; the chain is
    followed until two clusters are each other's nearest (the previous link wins ties).
    """
    n = d.shape[0]
    out = np.zeros((n - 1, 4))
    size = np.ones(n)
    active = np.ones(n, dtype=bool)
    chain: list[int] = []
    for step in range(n - 1):
        if not chain:
            chain.append(int(np.argmax(active)))
        while True:
            x = chain[-1]
            row = np.where(active, d[x], np.inf)
            row[x] = np.inf
            y = int(np.argmin(row))
            if len(chain) > 1 and not row[y] < row[chain[-2]]:
                y = chain[-2]
                break
            chain.append(y)
        height = row[y]
        del chain[-2:]
        x, y = min(x, y), max(x, y)
        out[step, :3] = x, y, height
        if method == "complete":
            merged = np.maximum(d[x], d[y])
        else:
            merged = (size[x] * d[x] + size[y] * d[y]) / (size[x] + size[y])
        active[x] = False
        size[y] += size[x]
        d[y, :] = merged  # the new cluster takes row y
        d[:, y] = merged
    return out


def _label_merges(merges: np.ndarray, n: int) -> np.ndarray:
    """Replace the merged rows/points by cluster ids (union-find) and fill in sizes."""
    root = np.arange(2 * n - 1)
    size = np.ones(2 * n - 1)

    def find(node: int) -> int:
        while root[node] != node:
            root[node] = root[root[node]]
            node = int(root[node])
        return node

    out = merges.copy()
    for step, (x, y) in enumerate(merges[:, :2].astype(int)):
        a, b = sorted((find(x), find(y)))
        new = n + step
        root[a] = root[b] = new
        size[new] = size[a] + size[b]
        out[step, 0], out[step, 1], out[step, 3] = a, b, size[new]
    return out


def cut_tree(linkage: np.ndarray, k: int) -> np.ndarray:
    """Cluster labels 0..k-1 for each card, numbered in dendrogram (leaf) order."""
    n = linkage.shape[0] + 1
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of cards ({n}), not {k}")
    raw = _flat_clusters(linkage, k)
    renumber: dict[int, int] = {}
    for leaf in leaf_order(linkage):
        renumber.setdefault(int(raw[leaf]), len(renumber))
    return np.array([renumber[int(r)] for r in raw])


def _flat_clusters(linkage: np.ndarray, k: int) -> np.ndarray:
    """Flat clusters as ``fcluster(linkage, k, 'maxclust')`` defines them (arbitrary labels).

    The lowest height ``r`` at which cutting leaves at most ``k`` clusters is the height
    of merge ``n - k``; every merge at or below ``r`` is applied (merges tied with it too,
    so ties can leave fewer than ``k`` clusters, as in SciPy).
    """
    n = linkage.shape[0] + 1
    heights = linkage[:, 2]
    n_merges = 0 if k >= n else int(np.searchsorted(heights, heights[n - k - 1], side="right"))
    parent = np.arange(2 * n - 1)
    for row in range(n_merges):
        parent[linkage[row, :2].astype(int)] = n + row
    for node in range(2 * n - 2, -1, -1):  # children have smaller ids than their parents
        parent[node] = parent[parent[node]]
    return parent[:n]


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
    """Card indices in dendrogram order (to order heatmaps), as ``scipy.cluster.hierarchy.leaves_list``:
    depth first from the root, the first-listed child of each merge before the second."""
    n = linkage.shape[0] + 1
    order, stack = [], [2 * n - 2]
    while stack:
        node = stack.pop()
        if node < n:
            order.append(node)
        else:
            left, right = linkage[node - n, :2].astype(int)
            stack.extend((right, left))
    return np.array(order, dtype=np.int64)
