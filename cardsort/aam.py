"""Actual Agreement Method (AAM): a tree built only from groups participants really made.

As OptimalSort and UXtweak define it:

1. The candidates are the distinct card sets of the groups participants made (two or more cards).
2. A candidate's score is the number of participants who put all of its cards in one group
   (a participant's groups are disjoint, so at most one of them can hold the whole set).
3. Candidates are accepted in score order; a candidate is rejected when it partly overlaps a
   set already accepted (shares some cards but neither holds the other). Nested or disjoint
   sets are fine, so the accepted sets form a tree.
4. Each accepted set sits at height ``score / participants``.

Ties in score go to the larger set first (the same number of participants agree on more
cards), then to the set whose sorted card indices come first, so the result is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .naming import ProposedCategory, name_categories
from .similarity import similarity_matrix
from .table import SortTable

DEFAULT_MIN_HEIGHT = 0.5


@dataclass
class AgreedSet:
    """One accepted set of the AAM tree.

    Attributes
    ----------
    cards : ndarray of int, shape (n_members,)
        Card indices, ascending.
    score : int
        Participants who put all these cards in one group.
    height : float
        ``score / n_participants``.
    children : list of AgreedSet
        The largest accepted sets inside this one, by height (highest first).
    """

    cards: np.ndarray
    score: int
    height: float
    children: list[AgreedSet] = field(default_factory=list)

    def to_dict(self, labels: list[str]) -> dict:
        return {"cards": [labels[i] for i in self.cards], "score": self.score, "height": round(float(self.height), 6),
                "children": [c.to_dict(labels) for c in self.children]}


def candidate_sets(table: SortTable) -> np.ndarray:
    """Distinct card sets of the groups participants made, with two or more cards.

    Returns
    -------
    ndarray of bool, shape (n_candidates, n_cards)
        One row per distinct set, in order of first appearance.
    """
    membership = np.zeros((table.n_groups, table.n_cards), dtype=bool)
    membership[table.group, table.card] = True
    membership = membership[membership.sum(axis=1) >= 2]
    if len(membership) == 0:
        return membership
    _, first = np.unique(np.packbits(membership, axis=1), axis=0, return_index=True)
    return membership[np.sort(first)]


def score_sets(table: SortTable, sets: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Participants who put all cards of each set in one of their groups.

    Parameters
    ----------
    table : SortTable
    sets : ndarray of bool, shape (n_sets, n_cards)

    Returns
    -------
    ndarray of int, shape (n_sets,)
    """
    membership = np.zeros((table.n_groups, table.n_cards), dtype=np.float32)
    membership[table.group, table.card] = 1.0
    candidates = sets.astype(np.float32)
    sizes = sets.sum(axis=1)
    scores = np.zeros(len(sets), dtype=np.int64)
    for lo in range(0, table.n_groups, chunk):
        overlap = membership[lo:lo + chunk] @ candidates.T  # exact: sums of at most n_cards ones
        scores += (overlap == sizes).sum(axis=0)
    return scores


def accept_sets(sets: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Indices of the accepted sets, in acceptance order (see the module docstring).

    Parameters
    ----------
    sets : ndarray of bool, shape (n_sets, n_cards)
    scores : ndarray of int, shape (n_sets,)
    """
    sizes = sets.sum(axis=1)
    # Lexicographic tie-break on the sorted card indices: the first card where two rows differ
    # is in the one whose indices come first, so comparing rows as -(bits) orders them right.
    order = np.lexsort((*(-sets[:, ::-1].T.astype(np.int8)), -sizes, -scores))
    n_cards = sets.shape[1]
    # A laminar family on n cards has at most 2n - 1 sets (leaves and inner nodes of a tree).
    accepted = np.zeros((2 * n_cards, n_cards), dtype=np.float32)
    accepted_sizes = np.zeros(2 * n_cards)
    chosen: list[int] = []
    for s in order:
        m = len(chosen)
        overlap = accepted[:m] @ sets[s]
        partial = (overlap > 0) & (overlap < accepted_sizes[:m]) & (overlap < sizes[s])
        if partial.any():
            continue
        accepted[m], accepted_sizes[m] = sets[s], sizes[s]
        chosen.append(int(s))
    return np.array(chosen, dtype=np.int64)


def build_tree(sets: np.ndarray, scores: np.ndarray, n_participants: int) -> list[AgreedSet]:
    """Nest accepted (laminar) sets: each set's parent is the smallest accepted set holding it.

    Returns the root sets, highest first (ties: more cards first).
    """
    sizes = sets.sum(axis=1)
    nodes = [AgreedSet(np.flatnonzero(row), int(sc), sc / n_participants) for row, sc in zip(sets, scores)]
    by_size = np.argsort(-sizes, kind="stable")
    roots: list[AgreedSet] = []
    placed: list[int] = []  # indices already in the tree, larger first
    for i in by_size:
        parent = None
        for j in reversed(placed):  # smallest first among those at least as large
            if j != i and (sets[j] | ~sets[i]).all():
                parent = j
                break
        (nodes[parent].children if parent is not None else roots).append(nodes[i])
        placed.append(int(i))
    key = lambda node: (-node.height, -len(node.cards), node.cards.tolist())  # noqa: E731
    for node in nodes:
        node.children.sort(key=key)
    roots.sort(key=key)
    return roots


def actual_agreement(table: SortTable) -> list[AgreedSet]:
    """The AAM tree of a card sort: accepted sets nested by containment.

    Returns
    -------
    list of AgreedSet
        The top-level sets (highest first); cards in no accepted set do not appear.
    """
    if table.n_participants == 0:
        raise ValueError("no sorts to analyse")
    sets = candidate_sets(table)
    scores = score_sets(table, sets)
    chosen = accept_sets(sets, scores)
    return build_tree(sets[chosen], scores[chosen], table.n_participants)


def iterate_sets(tree: list[AgreedSet]):
    """Every set of the tree, parents before children."""
    for node in tree:
        yield node
        yield from iterate_sets(node.children)


def cut_agreement(tree: list[AgreedSet], n_cards: int, min_height: float = DEFAULT_MIN_HEIGHT) -> np.ndarray:
    """Categories from the tree: the largest accepted sets at or above ``min_height``.

    Cards in none of them are categories of their own.

    Returns
    -------
    ndarray of int, shape (n_cards,)
        Category 0..k-1 of each card; sets first (highest first), then lone cards in card order.
    """
    if not 0.0 < min_height <= 1.0:
        raise ValueError(f"min_height must be in (0, 1], not {min_height}")
    clusters = np.full(n_cards, -1, dtype=np.int64)
    k = 0

    def visit(nodes: list[AgreedSet]) -> None:
        nonlocal k
        for node in nodes:
            if node.height >= min_height - 1e-12:
                clusters[node.cards] = k
                k += 1
            else:
                visit(node.children)

    visit(tree)
    lone = np.flatnonzero(clusters < 0)
    clusters[lone] = k + np.arange(len(lone))
    return clusters


def tree_layout(tree: list[AgreedSet], n_cards: int) -> tuple[np.ndarray, pd.DataFrame]:
    """Card order and line segments to draw the tree as a dendrogram (distance ``1 - height``).

    Each set becomes a vertical line at ``x = 1 - height`` spanning its children, which are its
    child sets and the cards directly in it; each child joins it with a horizontal line from the
    child's own ``x`` (0 for a card). Cards are ordered depth-first, highest sets first, so every
    set covers consecutive rows; cards in no set come last.

    Returns
    -------
    order : ndarray of int, shape (n_cards,)
        Card index at each row, top to bottom.
    segments : DataFrame
        Columns ``x``, ``x2``, ``y``, ``y2`` (rows, 0 at the top) and ``height`` (of the set drawn).
    """
    order: list[int] = []
    seen = np.zeros(n_cards, dtype=bool)

    def place(node: AgreedSet) -> None:
        for child in node.children:
            place(child)
        for card in node.cards:
            if not seen[card]:
                seen[card] = True
                order.append(int(card))

    for root in tree:
        place(root)
    order += [int(c) for c in np.flatnonzero(~seen)]
    row = np.empty(n_cards)
    row[order] = np.arange(n_cards)
    segments: list[tuple[float, float, float, float, float]] = []

    def draw(node: AgreedSet) -> float:
        x = 1.0 - node.height
        inside = set(int(c) for child in node.children for c in child.cards)
        joins = [(draw(child), 1.0 - child.height) for child in node.children]
        joins += [(float(row[c]), 0.0) for c in node.cards if int(c) not in inside]
        ys = [y for y, _ in joins]
        segments.extend((cx, x, y, y, node.height) for y, cx in joins)
        segments.append((x, x, min(ys), max(ys), node.height))
        return (min(ys) + max(ys)) / 2

    for root in tree:
        draw(root)
    return np.array(order, dtype=np.int64), pd.DataFrame(segments, columns=["x", "x2", "y", "y2", "height"])


@dataclass
class AAMAnalysis:
    """Results of :func:`analyze_aam`; ``to_dict()`` is ``analyze --method aam --json``."""

    cards: list[str]
    n_participants: int
    similarity: np.ndarray
    tree: list[AgreedSet]
    clusters: np.ndarray
    categories: list[ProposedCategory]
    min_height: float
    method: str = "aam"

    @property
    def k(self) -> int:
        return len(self.categories)

    def to_dict(self) -> dict:
        return {
            "cards": self.cards,
            "n_participants": self.n_participants,
            "similarity": np.round(self.similarity, 4).tolist(),
            "method": "aam",
            "tree": [node.to_dict(self.cards) for node in self.tree],
            "categories": [c.to_dict() for c in self.categories],
            "k": self.k,
            "min_height": self.min_height,
        }


def analyze_aam(table: SortTable, min_height: float = DEFAULT_MIN_HEIGHT) -> AAMAnalysis:
    """AAM tree plus proposed categories cut at ``min_height`` and named from participants' labels.

    Parameters
    ----------
    table : SortTable
    min_height : float, default=0.5
        Share of participants who must have put a set's cards in one group for it to be proposed.
    """
    tree = actual_agreement(table)
    similarity = similarity_matrix(table)
    clusters = cut_agreement(tree, table.n_cards, min_height)
    return AAMAnalysis(
        cards=list(table.cards), n_participants=table.n_participants, similarity=similarity, tree=tree,
        clusters=clusters, categories=name_categories(table, clusters, similarity), min_height=min_height,
    )
