"""The whole analysis of a card sort: similarity, tree, number of categories, names."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .clustering import choose_k, cluster_cards, cut_tree, leaf_order
from .naming import ProposedCategory, name_categories
from .similarity import similarity_matrix
from .table import SortTable


@dataclass
class Analysis:
    """Results of :func:`analyze`; ``to_dict()`` is the JSON contract of ``analyze --json``."""

    cards: list[str]
    n_participants: int
    similarity: np.ndarray
    method: str
    linkage: np.ndarray
    clusters: np.ndarray
    categories: list[ProposedCategory]
    k: int
    k_chosen_automatically: bool
    order: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    def to_dict(self) -> dict:
        return {
            "cards": self.cards,
            "n_participants": self.n_participants,
            "similarity": np.round(self.similarity, 4).tolist(),
            "method": self.method,
            "linkage": [[int(a), int(b), round(float(h), 6), int(n)] for a, b, h, n in self.linkage],
            "categories": [c.to_dict() for c in self.categories],
            "k": self.k,
            "k_automatic": self.k_chosen_automatically,
        }


def analyze(table: SortTable, method: str = "average", k: int | None = None) -> Analysis:
    """Similarity matrix, hierarchical clustering and proposed navigation categories.

    Parameters
    ----------
    table : SortTable
        At least 2 cards and 1 participant.
    method : {'average', 'complete', 'single'}, default='average'
    k : int, optional
        Number of categories; by default the best silhouette (see
        :func:`cardsort.clustering.choose_k`).
    """
    if table.n_participants == 0:
        raise ValueError("no sorts to analyse")
    similarity = similarity_matrix(table)
    linkage = cluster_cards(similarity, method)
    automatic = k is None
    if k is None:
        k = choose_k(similarity, linkage)
    clusters = cut_tree(linkage, k)
    return Analysis(
        cards=list(table.cards), n_participants=table.n_participants, similarity=similarity,
        method=method, linkage=linkage, clusters=clusters,
        categories=name_categories(table, clusters, similarity), k=k,
        k_chosen_automatically=automatic, order=leaf_order(linkage),
    )
