"""Hierarchical clustering of cards on distance 1 - similarity, and the choice of k.

Everything the package does with a tree is here, in NumPy, instead of in
:mod:`scipy.cluster.hierarchy`: building it (:func:`linkage_matrix`, the Lance-Williams
recurrence), cutting it (:func:`cut_tree`, :func:`fcluster_maxclust`), ordering its leaves
(:func:`leaf_order`) and laying it out (:func:`dendrogram_lines`). With a few hundred cards
each takes milliseconds, and no caller pays for importing SciPy's clustering. The tree is
SciPy's linkage-matrix format and the same merges, heights, tied-merge order, flat clusters
and dendrogram coordinates as SciPy's (``tests/cardsort/test_linkage.py`` compares them,
ties included), so SciPy's own helpers accept it as they are.
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
    The diagonal and the rows and columns of merged-away clusters hold infinity, so a
    row's minimum is always over the clusters still there. ``d`` is overwritten.
    """
    n = d.shape[0]
    out = np.zeros((n - 1, 4))
    size = np.ones(n)
    np.fill_diagonal(d, np.inf)
    chain: list[int] = []
    first = 0  # lowest row that may still hold a cluster
    for step in range(n - 1):
        if not chain:
            while size[first] == 0:
                first += 1
            chain.append(first)
        while True:
            x = chain[-1]
            row = d[x]
            y = int(row.argmin())
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
        size[y] += size[x]
        size[x] = 0
        merged[x] = merged[y] = np.inf
        d[y, :] = merged  # the new cluster takes row y
        d[:, y] = merged
        d[x, :] = np.inf
        d[:, x] = np.inf
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
    """Cluster labels 0..k-1 for each card, numbered in dendrogram (leaf) order.

    The clusters are :func:`fcluster_maxclust`'s; only their numbers differ.
    """
    raw = fcluster_maxclust(linkage, k)
    renumber: dict[int, int] = {}
    for leaf in leaf_order(linkage):
        renumber.setdefault(int(raw[leaf]), len(renumber))
    return np.array([renumber[int(r)] for r in raw])


def fcluster_maxclust(linkage: np.ndarray, k: int) -> np.ndarray:
    """Flat clusters as ``scipy.cluster.hierarchy.fcluster(linkage, k, 'maxclust') - 1``, numbers included.

    The lowest height ``r`` at which cutting leaves at most ``k`` clusters is the height
    of merge ``n - k`` (the rows are sorted by height); every merge at or below ``r`` is
    applied (merges tied with it too, so ties can leave fewer than ``k`` clusters, as in
    SciPy). The numbers follow SciPy's walk of the tree: depth first from the root, into
    the first and then the second child that is a merge; a cluster made of merges is
    numbered when the walk reaches its top, a card left alone when the walk is done with
    the children of the merge above it. ``k >= n`` numbers every card by its index.

    Parameters
    ----------
    linkage : ndarray of float, shape (n - 1, 4)
        Rows sorted by height, as :func:`linkage_matrix` (and SciPy) return them.
    k : int
        1 to n.

    Returns
    -------
    ndarray of int, shape (n,)
        Cluster numbers 0..(number of clusters - 1).
    """
    n = linkage.shape[0] + 1
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of cards ({n}), not {k}")
    labels = np.arange(n)
    if k == n:
        return labels
    heights = linkage[:, 2]
    # the walks on Python lists, not NumPy scalars: choose_k cuts the tree 19 times
    children = linkage[:, :2].astype(np.int64).tolist()
    n_merges = int(np.searchsorted(heights, heights[n - k - 1], side="right"))  # rows at or below the cut
    top = list(range(2 * n - 1))  # the top of the cluster each node is in
    for row in range(n_merges):
        a, b = children[row]
        top[a] = top[b] = n + row
    for node in range(n + n_merges - 1, -1, -1):  # parents have larger ids than their children
        top[node] = top[top[node]]
    number = [0] * (2 * n - 1)
    count = 0
    stack: list[tuple[int, bool]] = [(2 * n - 2, False)]
    while stack:
        node, children_done = stack.pop()
        row = node - n
        if children_done:
            for child in children[row]:
                if child < n:  # a card alone
                    number[child] = count
                    count += 1
        elif row < n_merges:  # the top of a cluster
            number[node] = count
            count += 1
        else:
            stack.append((node, True))
            stack.extend((c, False) for c in children[row][::-1] if c >= n)
    return np.array([number[t] for t in top[:n]], dtype=np.int64)


def silhouette(distance: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette coefficient on a precomputed distance matrix (0 for one cluster).

    Same definition as :func:`sklearn.metrics.silhouette_score` with
    ``metric='precomputed'``: cards alone in their cluster score 0.
    """
    n = len(labels)
    k = int(labels.max()) + 1
    if k < 2 or k >= n:
        return 0.0
    sizes = np.bincount(labels, minlength=k).astype(float)
    # (n, k): summed distance from each card to each cluster. Not `distance @ onehot`: a product this
    # small goes to OpenBLAS's thread pool, whose threads then spin on the other cores for a while
    sums = np.column_stack([distance[:, labels == c].sum(axis=1) for c in range(k)])
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
    # Python ints, not a NumPy row per merge: choose_k calls this 20 times (-40 ms on 200 cards)
    children = linkage[:, :2].astype(np.int64).tolist()
    order, stack = [], [2 * n - 2]
    while stack:
        node = stack.pop()
        if node < n:
            order.append(node)
        else:
            left, right = children[node - n]
            stack.extend((right, left))
    return np.array(order, dtype=np.int64)


def dendrogram_lines(linkage: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lines of a dendrogram, as ``scipy.cluster.hierarchy.dendrogram(linkage, no_plot=True)`` lays them out.

    Leaf ``p`` of :func:`leaf_order` sits at position ``10 p + 5``; a merge sits midway
    between its two children and at its height. Each merge is one line of four points:
    up from its first child, across, and down to its second child. Merges are listed
    as SciPy lists them: depth first, both children's subtrees before the merge.

    Returns
    -------
    leaves : ndarray of int, shape (n,)
        :func:`leaf_order`.
    positions : ndarray of float, shape (n - 1, 4)
        Along the leaves (SciPy's ``icoord``).
    heights : ndarray of float, shape (n - 1, 4)
        Distance (SciPy's ``dcoord``).
    """
    linkage = np.asarray(linkage, dtype=float)
    n = linkage.shape[0] + 1
    leaves = leaf_order(linkage)
    where = np.zeros(2 * n - 1)
    where[leaves] = 10.0 * np.arange(n) + 5.0
    height = np.zeros(2 * n - 1)
    height[n:] = linkage[:, 2]
    positions, heights = np.zeros((n - 1, 4)), np.zeros((n - 1, 4))
    line = 0
    stack: list[tuple[int, bool]] = [(2 * n - 2, False)]
    while stack:
        node, children_done = stack.pop()
        if node < n:
            continue
        a, b = linkage[node - n, :2].astype(int)
        if not children_done:
            stack.extend(((node, True), (b, False), (a, False)))
            continue
        where[node] = (where[a] + where[b]) / 2
        positions[line] = where[a], where[a], where[b], where[b]
        heights[line] = height[a], height[node], height[node], height[b]
        line += 1
    return leaves, positions, heights
