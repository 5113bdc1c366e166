"""Similarity of cards: the share of participants who grouped two cards together."""

from __future__ import annotations

import numpy as np

from .table import SortTable


def count_pairs(table: SortTable) -> tuple[np.ndarray, np.ndarray]:
    """Co-occurrence and exposure counts.

    Returns
    -------
    together : ndarray of int, shape (n_cards, n_cards)
        Participants who put cards i and j in one group (diagonal: who placed card i).
    seen : ndarray of int, shape (n_cards, n_cards)
        Participants who saw both cards (here: placed both).
    """
    g = table.group_matrix()
    p = table.seen_matrix()
    together = (g.T @ g).toarray().round().astype(np.int64)
    seen = (p.T @ p).toarray().round().astype(np.int64)
    return together, seen


def similarity_matrix(table: SortTable) -> np.ndarray:
    """Share of participants who grouped each pair of cards together, of those who saw both.

    Returns
    -------
    ndarray of float, shape (n_cards, n_cards)
        Symmetric, in [0, 1]; 1 on the diagonal for every card somebody saw, and 0
        for pairs nobody saw together.
    """
    together, seen = count_pairs(table)
    return np.divide(together, seen, out=np.zeros(seen.shape), where=seen > 0)
